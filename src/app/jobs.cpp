// The background job runner (include/huoju/app/jobs.hpp).
#include "huoju/app/jobs.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <map>
#include <thread>
#include <vector>

#include "huoju/core/log.hpp"
#include "huoju/core/worker_pool.hpp"
#include "huoju/identity/password.hpp"

namespace huoju::app {

namespace fs = std::filesystem;
using nlohmann::json;

void JobProgress::Stage(std::string stage, int64_t total) {
  std::lock_guard<std::mutex> lock(mu_);
  stage_ = std::move(stage);
  done_.store(0);
  total_.store(std::max<int64_t>(total, 0));
}

void JobProgress::Complete() {
  std::lock_guard<std::mutex> lock(mu_);
  stage_ = "已完成";
  if (total_.load() == 0) {
    total_.store(std::max<int64_t>(done_.load(), 1));
  }
  done_.store(total_.load());
}

Status JobProgress::Cancelled() {
  return Status(ErrorCode::kConflict, "任务已取消");
}

json JobProgress::ToJson() const {
  std::string stage;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stage = stage_;
  }
  const int64_t done = done_.load();
  const int64_t total = total_.load();
  json percent;
  if (total > 0) {
    percent = std::min<int64_t>(100, done * 100 / total);
  }
  return {{"stage", stage}, {"done", done}, {"total", total}, {"percent", percent}};
}

namespace {

enum class JobState { kQueued, kRunning, kDone, kFailed, kCancelled };

const char* JobStateCode(JobState s) {
  switch (s) {
    case JobState::kQueued:
      return "queued";
    case JobState::kRunning:
      return "running";
    case JobState::kDone:
      return "done";
    case JobState::kFailed:
      return "failed";
    case JobState::kCancelled:
      return "cancelled";
  }
  return "failed";
}

bool Active(JobState s) {
  return s == JobState::kQueued || s == JobState::kRunning;
}

json TimeOrNull(int64_t ms) {
  return ms > 0 ? json(FormatIsoUtc(ms)) : json();
}

}  // namespace

struct Jobs::Job {
  std::string id;
  int64_t owner = 0;
  std::string kind;
  std::string title;
  JobState state = JobState::kQueued;
  JobProgress progress;
  JobWork work;
  int64_t created_at = 0;
  int64_t started_at = 0;
  int64_t finished_at = 0;
  Status error = Status::Ok();
  JobFile file;
  uint64_t file_bytes = 0;
};

struct Jobs::State {
  mutable std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, std::shared_ptr<Job>> jobs;
  std::deque<std::shared_ptr<Job>> queue;
  bool stopping = false;
  std::vector<std::thread> threads;
};

Jobs::Jobs(Options options, const Clock& clock)
    : options_(std::move(options)), clock_(clock), state_(std::make_unique<State>()) {
  // Each process writes into its own directory under `dir`: several servers may share a data
  // directory. Directories of processes that are gone hold files nobody can download: removed.
  std::error_code ec;
  fs::create_directories(options_.dir, ec);
  for (const auto& entry : fs::directory_iterator(options_.dir, ec)) {
    const std::string name = entry.path().filename().string();
    const auto dash = name.find('-');
    const pid_t pid = static_cast<pid_t>(std::atoll(name.substr(0, dash).c_str()));
    if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) {
      fs::remove_all(entry.path(), ec);
    }
  }
  options_.dir =
      (fs::path(options_.dir) / fmt::format("{}-{}", ::getpid(), identity::RandomHex(4))).string();
  fs::create_directories(options_.dir, ec);
  for (size_t i = 0; i < std::max<size_t>(options_.threads, 1); ++i) {
    state_->threads.emplace_back([this] { Run(); });
  }
}

Jobs::~Jobs() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->stopping = true;
    for (auto& [id, job] : state_->jobs) {
      job->progress.RequestCancel();
    }
  }
  state_->cv.notify_all();
  for (auto& t : state_->threads) {
    t.join();
  }
  std::error_code ec;
  fs::remove_all(options_.dir, ec);
}

Result<json> Jobs::Start(int64_t owner, const std::string& kind, const std::string& title,
                         JobWork work) {
  std::lock_guard<std::mutex> lock(state_->mu);
  Expire();
  if (state_->stopping) {
    return Status::Unavailable("服务正在停止，请稍后再试");
  }
  size_t active = 0;
  for (const auto& [id, job] : state_->jobs) {
    active += job->owner == owner && Active(job->state) ? 1 : 0;
  }
  if (active >= options_.max_active_per_owner) {
    return Status(
        ErrorCode::kRateLimited,
        fmt::format("您已有 {} 个后台任务在进行，请等其完成或取消后再开始新的任务", active));
  }
  if (state_->queue.size() >= options_.max_queued) {
    return Status::Unavailable("后台任务较多，请稍后再试");
  }
  auto job = std::make_shared<Job>();
  job->id = identity::RandomHex(16);
  job->owner = owner;
  job->kind = kind;
  job->title = title;
  job->work = std::move(work);
  job->created_at = clock_.NowMillis();
  job->progress.Stage("排队中");
  state_->jobs[job->id] = job;
  state_->queue.push_back(job);
  state_->cv.notify_one();
  return ToJson(*job);
}

Result<json> Jobs::Get(int64_t owner, const std::string& id) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  Expire();
  auto it = state_->jobs.find(id);
  if (it == state_->jobs.end() || it->second->owner != owner) {
    return Status::NotFound("后台任务不存在或已过期");
  }
  return ToJson(*it->second);
}

json Jobs::List(int64_t owner) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  Expire();
  std::vector<std::shared_ptr<Job>> mine;
  for (const auto& [id, job] : state_->jobs) {
    if (job->owner == owner) {
      mine.push_back(job);
    }
  }
  std::sort(mine.begin(), mine.end(), [](const auto& a, const auto& b) {
    return a->created_at != b->created_at ? a->created_at > b->created_at : a->id < b->id;
  });
  json items = json::array();
  for (const auto& job : mine) {
    items.push_back(ToJson(*job));
  }
  return {{"items", std::move(items)}};
}

Result<JobFile> Jobs::File(int64_t owner, const std::string& id) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  auto it = state_->jobs.find(id);
  if (it == state_->jobs.end() || it->second->owner != owner) {
    return Status::NotFound("后台任务不存在或已过期");
  }
  if (it->second->state != JobState::kDone) {
    return Status::Conflict("任务尚未完成，文件还不能下载");
  }
  return it->second->file;
}

Status Jobs::Remove(int64_t owner, const std::string& id) {
  std::lock_guard<std::mutex> lock(state_->mu);
  auto it = state_->jobs.find(id);
  if (it == state_->jobs.end() || it->second->owner != owner) {
    return Status::NotFound("后台任务不存在或已过期");
  }
  Job& job = *it->second;
  if (job.state == JobState::kQueued) {
    state_->queue.erase(std::remove(state_->queue.begin(), state_->queue.end(), it->second),
                        state_->queue.end());
    job.state = JobState::kCancelled;
    job.finished_at = clock_.NowMillis();
    return Status::Ok();
  }
  if (job.state == JobState::kRunning) {
    job.progress.RequestCancel();  // Run() records the outcome
    return Status::Ok();
  }
  std::error_code ec;
  if (!job.file.path.empty()) {
    fs::remove(job.file.path, ec);
  }
  state_->jobs.erase(it);
  return Status::Ok();
}

void Jobs::Run() {
  LowerThisThreadPriority(5);
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(state_->mu);
      state_->cv.wait(lock, [this] { return state_->stopping || !state_->queue.empty(); });
      if (state_->stopping) {
        return;
      }
      job = state_->queue.front();
      state_->queue.pop_front();
      job->state = JobState::kRunning;
      job->started_at = clock_.NowMillis();
    }
    const std::string path = (fs::path(options_.dir) / job->id).string();
    Result<JobFile> result = Status::Internal("任务未运行");
    try {
      result = job->work(job->progress, path);
    } catch (const std::exception& e) {
      LogEvent(LogLevel::kError, "job_failed",
               {{"job", job->id}, {"kind", job->kind}, {"what", e.what()}});
      result = Status::Internal("任务执行出错，请稍后重试");
    }
    std::error_code ec;
    std::lock_guard<std::mutex> lock(state_->mu);
    job->finished_at = clock_.NowMillis();
    job->work = nullptr;  // frees what the work captured
    if (job->progress.cancelled()) {
      job->state = JobState::kCancelled;
      fs::remove(path, ec);
    } else if (!result.ok()) {
      job->state = JobState::kFailed;
      job->error = result.status();
      LogEvent(
          LogLevel::kWarn, "job_failed",
          {{"job", job->id}, {"kind", job->kind}, {"code", ErrorCodeName(result.status().code())}});
      fs::remove(path, ec);
    } else {
      job->progress.Complete();
      job->state = JobState::kDone;
      job->file = *result;
      job->file_bytes = fs::file_size(job->file.path, ec);
    }
  }
}

void Jobs::Expire() const {
  const int64_t now = clock_.NowMillis();
  for (auto it = state_->jobs.begin(); it != state_->jobs.end();) {
    const Job& job = *it->second;
    if (!Active(job.state) && now - job.finished_at > options_.keep_ms) {
      std::error_code ec;
      if (!job.file.path.empty()) {
        fs::remove(job.file.path, ec);
      }
      it = state_->jobs.erase(it);
    } else {
      ++it;
    }
  }
}

json Jobs::ToJson(const Job& job) const {
  json out = {
      {"id", job.id},
      {"kind", job.kind},
      {"title", job.title},
      {"state", JobStateCode(job.state)},
      {"progress", job.progress.ToJson()},
      {"created_at", TimeOrNull(job.created_at)},
      {"started_at", TimeOrNull(job.started_at)},
      {"finished_at", TimeOrNull(job.finished_at)},
      {"expires_at",
       job.finished_at > 0 ? json(FormatIsoUtc(job.finished_at + options_.keep_ms)) : json()},
      {"error", nullptr},
      {"file", nullptr}};
  if (job.state == JobState::kFailed) {
    out["error"] = {{"code", ErrorCodeName(job.error.code())}, {"message", job.error.message()}};
  }
  if (job.state == JobState::kDone) {
    out["file"] = {{"name", job.file.file_name}, {"bytes", job.file_bytes}};
  }
  return out;
}

}  // namespace huoju::app
