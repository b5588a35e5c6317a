// huoju/core/worker_pool.hpp
//
// A fixed set of threads with a bounded queue. Blocking work (database, password hashing,
// file generation) runs here, never on HTTP I/O threads. When the queue is full, TrySubmit
// refuses the task so that the caller can answer 503 instead of piling up memory.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace huoju {

/// Gives the calling thread `steps` more niceness (Linux schedules threads, not processes), so
/// that background work (password hashing, export jobs) yields the CPU to request handling.
/// Best effort: failures are ignored (the work still runs, at normal priority).
void LowerThisThreadPriority(int steps);

class WorkerPool {
 public:
  /// Starts `threads` workers; at most `max_queued` tasks wait at any time.
  WorkerPool(size_t threads, size_t max_queued);
  /// Drains the queue (every accepted task runs) and joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Queues `task`; false when the queue is full or the pool is shutting down.
  bool TrySubmit(std::function<void()> task);

  /// Stops accepting tasks, runs every task already accepted, and joins. Idempotent.
  void Shutdown();

  /// Tasks queued or running right now.
  size_t InFlight() const;

 private:
  void Run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  size_t running_ = 0;
  size_t max_queued_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace huoju
