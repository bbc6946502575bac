// progress.h — the run's progress as rank 0 sees it: done/total, running, failed, elapsed
// and ETA (from the mean pace of jobs finished in this run). On a terminal it is a live
// line redrawn at most 10 times a second; otherwise a plain log line at most every
// `plain_interval` seconds, and always a last one at the end.
#pragma once
#include <chrono>
#include <cstddef>
#include <string>

namespace tunegrid {

class Progress {
 public:
  Progress(std::size_t total, std::size_t already_done, double plain_interval = 10.0);

  void update(std::size_t done, std::size_t running, std::size_t failed);
  void finish();

  // "12/24 done · 3 running · 0 failed · elapsed 0:12 · eta 0:10"
  std::string describe() const;

 private:
  using Clock = std::chrono::steady_clock;
  std::size_t total_, already_done_, done_ = 0, running_ = 0, failed_ = 0;
  double plain_interval_;
  Clock::time_point start_, last_draw_;
  bool terminal_;
};

std::string format_duration(double seconds);  // "0:12", "1:02:03"

}  // namespace tunegrid
