// huoju/app/jobs.hpp
//
// Background jobs for work that takes seconds to minutes (a national list export, a big
// summary as Excel or PDF): started by one request, run on the job runner's own threads (at a
// lower CPU priority than request handling, so that a running export does not slow the pages
// of other users), polled for progress, and downloaded as a file when done (docs/api.md
// "Background jobs").
//
// Jobs belong to the account that started it: every call names the owner, and another
// account's job is NotFound like an absent one. Each owner has at most `max_active_per_owner`
// jobs queued or running (RateLimited beyond), the runner at most `max_queued` (Unavailable).
// Files live in a directory of this process under `dir` (removed at exit; those of processes
// that are gone are removed at start) and, like the job records, are removed `keep_ms` after
// the job ended, or when the owner deletes the job. Records are in memory: a restart
// forgets jobs (the user starts the export again), never data.
//
// Thread-safe. Start/Get/List/Cancel never block on a running job.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "huoju/core/clock.hpp"
#include "huoju/core/status.hpp"

namespace huoju::app {

/// What a running job reports, and the cancel request it must honour. Thread-safe.
class JobProgress {
 public:
  /// The current stage in words (读取数据, 写入文件 …) and its size (0: unknown).
  void Stage(std::string stage, int64_t total = 0);
  void Advance(int64_t n = 1) { done_.fetch_add(n, std::memory_order_relaxed); }
  /// The runner marks a finished job: stage 已完成, done = total (the last stage's size kept).
  void Complete();
  /// True once the owner cancelled; the job should stop soon (return Cancelled()).
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
  /// The Status a job returns when it stops for a cancel request.
  static Status Cancelled();

  nlohmann::json ToJson() const;  ///< {stage, done, total, percent (null when total unknown)}
  void RequestCancel() { cancelled_.store(true); }

 private:
  mutable std::mutex mu_;
  std::string stage_;
  std::atomic<int64_t> done_{0};
  std::atomic<int64_t> total_{0};
  std::atomic<bool> cancelled_{false};
};

/// The file a finished job produced, for download.
struct JobFile {
  std::string path;
  std::string content_type;
  std::string file_name;  ///< shown to the user (Chinese allowed)
};

/// The work of a job: write the result to `output_path` and describe it. Runs on a job thread.
using JobWork =
    std::function<Result<JobFile>(JobProgress& progress, const std::string& output_path)>;

class Jobs {
 public:
  struct Options {
    std::string dir;  ///< where result files are written
    size_t threads = 1;
    size_t max_active_per_owner = 2;
    size_t max_queued = 16;
    int64_t keep_ms = 2 * 3600 * 1000;
  };

  Jobs(Options options, const Clock& clock);
  /// Cancels every job, waits for the running ones and removes the files.
  ~Jobs();
  Jobs(const Jobs&) = delete;
  Jobs& operator=(const Jobs&) = delete;

  /// Queues `work` for `owner` (an account id); answers the job record (state "queued").
  Result<nlohmann::json> Start(int64_t owner, const std::string& kind, const std::string& title,
                               JobWork work);
  /// {id, kind, title, state (queued|running|done|failed|cancelled), progress, created_at,
  ///  started_at, finished_at, error {code, message}, file {name, bytes}}.
  Result<nlohmann::json> Get(int64_t owner, const std::string& id) const;
  /// The owner's jobs, newest first.
  nlohmann::json List(int64_t owner) const;
  /// The file of a done job; Conflict while it is not done.
  Result<JobFile> File(int64_t owner, const std::string& id) const;
  /// Queued or running: cancelled (a running job stops at its next check). Ended: the job and
  /// its file are removed.
  Status Remove(int64_t owner, const std::string& id);

 private:
  struct Job;
  void Run();
  void Expire() const;  // with the lock held: drops jobs ended more than keep_ms ago
  nlohmann::json ToJson(const Job& job) const;

  Options options_;
  const Clock& clock_;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace huoju::app
