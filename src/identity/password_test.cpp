#include "huoju/identity/password.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace huoju::identity {
namespace {

TEST(PasswordHasherTest, VerifiesWhatItHashed) {
  ASSERT_TRUE(InitCrypto());
  PasswordHasher hasher(PasswordCost::Fast(), 1);
  auto encoded = hasher.Hash("Lantern-River-42");
  ASSERT_TRUE(encoded.ok());
  EXPECT_TRUE(hasher.Verify(*encoded, "Lantern-River-42"));
  EXPECT_FALSE(hasher.Verify(*encoded, "lantern-river-42"));
  auto admitted = hasher.VerifyOrBusy(*encoded, "Lantern-River-42");
  ASSERT_TRUE(admitted.ok());
  EXPECT_TRUE(*admitted);
  EXPECT_FALSE(*hasher.VerifyOrBusy("not-an-encoding", "x"));
}

// With the only slot kept busy and no room to wait, a login is answered 429 at once instead of
// parking its worker thread; the unbounded Verify still waits its turn.
TEST(PasswordHasherTest, ALoginFindingTheQueueFullIsRateLimitedAtOnce) {
  ASSERT_TRUE(InitCrypto());
  PasswordHasher hasher(PasswordCost::Interactive(), /*max_concurrent=*/1, /*max_waiting=*/0);
  auto encoded = hasher.Hash("Lantern-River-42");
  ASSERT_TRUE(encoded.ok());

  std::atomic<bool> stop{false};
  std::atomic<int> hashes{0};
  std::thread busy([&] {
    while (!stop.load()) {
      (void)hasher.Hash("keeps-the-slot-busy");
      hashes.fetch_add(1);
    }
  });
  while (hashes.load() == 0) {  // the busy thread is in its loop
    std::this_thread::yield();
  }
  int limited = 0;
  for (int i = 0; i < 20 && limited == 0; ++i) {
    // Lets the busy thread take the slot back after an attempt that was admitted.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto r = hasher.VerifyOrBusy(*encoded, "Lantern-River-42");
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), ErrorCode::kRateLimited);
      ++limited;
    } else {
      EXPECT_TRUE(*r);  // admitted in a gap between two hashes: then it verifies correctly
    }
  }
  EXPECT_GT(limited, 0);
  EXPECT_TRUE(hasher.Verify(*encoded, "Lantern-River-42"));  // waits, then answers
  stop.store(true);
  busy.join();
}

}  // namespace
}  // namespace huoju::identity
