#include "huoju/identity/password.hpp"

#include <sodium.h>

#include <future>

#include "huoju/core/hash.hpp"
#include "huoju/core/worker_pool.hpp"

namespace huoju::identity {

PasswordCost PasswordCost::Interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

PasswordCost PasswordCost::Fast() {
  return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
}

PasswordHasher::PasswordHasher(PasswordCost cost, int max_concurrent, int max_waiting)
    : cost_(cost),
      max_concurrent_(max_concurrent < 1 ? 1 : max_concurrent),
      max_waiting_(max_waiting < 0 ? 4 * max_concurrent_ : max_waiting) {
  for (int i = 0; i < max_concurrent_; ++i) {
    threads_.emplace_back([this] {
      // Hashes yield the CPU to request handling: a login storm slows logins, not pages.
      LowerThisThreadPriority(10);
      for (;;) {
        std::function<void()> task;
        {
          std::unique_lock<std::mutex> lock(mu_);
          cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
          if (queue_.empty()) {
            return;  // stopping and drained
          }
          task = std::move(queue_.front());
          queue_.pop_front();
        }
        task();
      }
    });
  }
}

PasswordHasher::~PasswordHasher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    t.join();
  }
}

bool PasswordHasher::RunOnHasher(const std::function<void()>& fn, bool bounded) {
  std::promise<void> done;
  std::future<void> finished = done.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (bounded && queue_.size() >= static_cast<size_t>(max_waiting_)) {
      return false;
    }
    queue_.emplace_back([&fn, &done] {
      fn();
      done.set_value();
    });
  }
  cv_.notify_one();
  finished.wait();
  return true;
}

Result<std::string> PasswordHasher::Hash(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  int rc = -1;
  RunOnHasher(
      [&] {
        rc = crypto_pwhash_str_alg(out, password.data(), password.size(), cost_.ops_limit,
                                   cost_.mem_limit, crypto_pwhash_ALG_ARGON2ID13);
      },
      false);
  if (rc != 0) {
    return Status::Internal("密码处理失败：内存不足");
  }
  return std::string(out);
}

bool PasswordHasher::Verify(std::string_view encoded, std::string_view password) {
  if (encoded.empty() || encoded.size() >= crypto_pwhash_STRBYTES) {
    return false;
  }
  std::string copy(encoded);  // must be NUL-terminated
  bool match = false;
  RunOnHasher(
      [&] {
        match = crypto_pwhash_str_verify(copy.c_str(), password.data(), password.size()) == 0;
      },
      false);
  return match;
}

Result<bool> PasswordHasher::VerifyOrBusy(std::string_view encoded, std::string_view password) {
  if (encoded.empty() || encoded.size() >= crypto_pwhash_STRBYTES) {
    return false;
  }
  std::string copy(encoded);  // must be NUL-terminated
  bool match = false;
  if (!RunOnHasher(
          [&] {
            match = crypto_pwhash_str_verify(copy.c_str(), password.data(), password.size()) == 0;
          },
          true)) {
    return Status(ErrorCode::kRateLimited, "当前登录人数较多，请稍后几秒再试");
  }
  return match;
}

bool PasswordHasher::NeedsRehash(std::string_view encoded) const {
  std::string copy(encoded);
  return crypto_pwhash_str_needs_rehash(copy.c_str(), cost_.ops_limit, cost_.mem_limit) != 0;
}

bool InitCrypto() {
  return sodium_init() >= 0;
}

std::string RandomHex(size_t n) {
  std::string bytes(n, '\0');
  randombytes_buf(bytes.data(), n);
  std::string hex(n * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(bytes.data()), n);
  hex.resize(n * 2);
  return hex;
}

std::string TokenHash(std::string_view data) {
  return Blake2bHex(data);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace huoju::identity
