#include "huoju/app/jobs.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

namespace huoju::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class JobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("huoju-jobs-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    Jobs::Options o;
    o.dir = dir_.string();
    o.keep_ms = 60'000;
    jobs_ = std::make_unique<Jobs>(o, clock_);
  }
  void TearDown() override {
    jobs_.reset();
    fs::remove_all(dir_);
  }

  // Polls until the job leaves queued/running (at most 10 s).
  json WaitEnded(int64_t owner, const std::string& id) {
    for (int i = 0; i < 1000; ++i) {
      auto j = jobs_->Get(owner, id);
      EXPECT_TRUE(j.ok());
      if (!j.ok()) {
        return {};
      }
      const std::string st = (*j)["state"];
      if (st != "queued" && st != "running") {
        return *j;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "job " << id << " did not end";
    return {};
  }

  static JobWork WriteText(const std::string& text) {
    return [text](JobProgress& p, const std::string& path) -> Result<JobFile> {
      p.Stage("写入文件", 2);
      p.Advance();
      std::ofstream(path) << text;
      p.Advance();
      return JobFile{path, "text/plain", "结果.txt"};
    };
  }

  fs::path dir_;
  ManualClock clock_{1'700'000'000'000};
  std::unique_ptr<Jobs> jobs_;
};

TEST_F(JobsTest, RunsReportsProgressAndServesTheFileOnlyToItsOwner) {
  auto started = jobs_->Start(7, "export", "结果.txt", WriteText("你好"));
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  const std::string id = (*started)["id"];
  EXPECT_EQ((*started)["state"], "queued");
  const json done = WaitEnded(7, id);
  EXPECT_EQ(done["state"], "done") << done.dump();
  EXPECT_EQ(done["progress"]["percent"], 100);
  EXPECT_EQ(done["file"]["name"], "结果.txt");
  EXPECT_EQ(done["file"]["bytes"], 6);
  auto file = jobs_->File(7, id);
  ASSERT_TRUE(file.ok());
  std::ifstream in(file->path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "你好");

  // Another account: absent on every call, and its list is empty.
  EXPECT_EQ(jobs_->Get(8, id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(jobs_->File(8, id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(jobs_->Remove(8, id).code(), ErrorCode::kNotFound);
  EXPECT_TRUE(jobs_->List(8)["items"].empty());
  EXPECT_EQ(jobs_->List(7)["items"].size(), 1U);

  // Removing an ended job removes its file.
  EXPECT_TRUE(jobs_->Remove(7, id).ok());
  EXPECT_FALSE(fs::exists(file->path));
  EXPECT_EQ(jobs_->Get(7, id).status().code(), ErrorCode::kNotFound);
}

TEST_F(JobsTest, AFailureIsReportedWithItsMessageAndLeavesNoFile) {
  auto started =
      jobs_->Start(7, "export", "x", [](JobProgress&, const std::string& path) -> Result<JobFile> {
        std::ofstream(path) << "partial";
        return Status::InvalidField("form", "报表 GQ-999 不存在");
      });
  ASSERT_TRUE(started.ok());
  const json ended = WaitEnded(7, (*started)["id"]);
  EXPECT_EQ(ended["state"], "failed");
  EXPECT_EQ(ended["error"]["message"], "报表 GQ-999 不存在");
  EXPECT_EQ(jobs_->File(7, (*started)["id"]).status().code(), ErrorCode::kConflict);
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_)) {
    files += e.is_regular_file() ? 1 : 0;
  }
  EXPECT_EQ(files, 0U);
}

TEST_F(JobsTest, LimitsPerOwnerCancelsQueuedAndRunningJobs) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto blocking = [released](JobProgress& p, const std::string& path) -> Result<JobFile> {
    p.Stage("读取数据");
    while (released.wait_for(std::chrono::milliseconds(5)) != std::future_status::ready) {
      if (p.cancelled()) {
        return JobProgress::Cancelled();
      }
    }
    std::ofstream(path) << "x";
    return JobFile{path, "text/plain", "x.txt"};
  };
  auto a = jobs_->Start(7, "export", "a", blocking);
  auto b = jobs_->Start(7, "export", "b", blocking);
  ASSERT_TRUE(a.ok() && b.ok());
  auto c = jobs_->Start(7, "export", "c", blocking);
  EXPECT_EQ(c.status().code(), ErrorCode::kRateLimited);
  EXPECT_NE(c.status().message().find("2 个后台任务"), std::string::npos) << c.status().message();
  auto other = jobs_->Start(9, "export", "other", WriteText("o"));  // another account may
  ASSERT_TRUE(other.ok());

  // One runner thread: a runs, b waits. Cancel b (queued) and a (running).
  for (int i = 0; i < 200 && (*jobs_->Get(7, (*a)["id"]))["state"] != "running"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(jobs_->Remove(7, (*b)["id"]).ok());
  EXPECT_EQ((*jobs_->Get(7, (*b)["id"]))["state"], "cancelled");
  EXPECT_TRUE(jobs_->Remove(7, (*a)["id"]).ok());
  EXPECT_EQ(WaitEnded(7, (*a)["id"])["state"], "cancelled");
  EXPECT_EQ(WaitEnded(9, (*other)["id"])["state"], "done");
  // Both slots are free again.
  EXPECT_TRUE(jobs_->Start(7, "export", "d", WriteText("d")).ok());
  release.set_value();
}

TEST_F(JobsTest, EndedJobsExpireWithTheirFiles) {
  auto started = jobs_->Start(7, "export", "x", WriteText("x"));
  ASSERT_TRUE(started.ok());
  EXPECT_EQ(WaitEnded(7, (*started)["id"])["state"], "done");
  const std::string path = jobs_->File(7, (*started)["id"])->path;
  ASSERT_TRUE(fs::exists(path));
  clock_.Advance(59'000);
  EXPECT_TRUE(jobs_->Get(7, (*started)["id"]).ok());
  clock_.Advance(2'000);
  EXPECT_EQ(jobs_->Get(7, (*started)["id"]).status().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(JobsTest, TheDirectoryOfAGoneProcessIsRemovedAtStart) {
  const fs::path stale = dir_ / "999999999-abcd";  // no such pid
  fs::create_directories(stale);
  std::ofstream(stale / "f") << "old";
  Jobs::Options o;
  o.dir = dir_.string();
  Jobs again(o, clock_);
  EXPECT_FALSE(fs::exists(stale));
}

}  // namespace
}  // namespace huoju::app
