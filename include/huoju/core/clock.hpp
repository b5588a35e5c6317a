// huoju/core/clock.hpp
//
// Wall-clock time behind an interface so that expiry, deadlines and lockouts can be tested
// with a controllable clock.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace huoju {

/// Milliseconds since the Unix epoch.
using UnixMillis = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixMillis NowMillis() const = 0;
};

/// The real system clock. Thread-safe.
class SystemClock final : public Clock {
 public:
  UnixMillis NowMillis() const override;
  /// A process-wide instance.
  static const SystemClock& Instance();
};

/// A clock that only moves when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(UnixMillis start) : now_(start) {}
  UnixMillis NowMillis() const override { return now_.load(); }
  void Set(UnixMillis t) { now_.store(t); }
  void Advance(int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<UnixMillis> now_;
};

/// ISO 8601 UTC time with milliseconds, e.g. 2026-11-27T09:40:46.123Z.
std::string FormatIsoUtc(UnixMillis t);

/// Beijing time (UTC+8, no daylight saving) to the minute, as printed on paper and in file
/// headers: 2026-11-28 03:05.
std::string FormatBeijingMinutes(UnixMillis t);

}  // namespace huoju
