// progress.cpp — see progress.h.
#include "core/progress.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

#include "core/log.h"

namespace tunegrid {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long total = std::lround(seconds);
  if (total >= 3600) return fmt::format("{}:{:02d}:{:02d}", total / 3600, (total / 60) % 60, total % 60);
  return fmt::format("{}:{:02d}", total / 60, total % 60);
}

Progress::Progress(std::size_t total, std::size_t already_done, double plain_interval)
    : total_(total),
      done_(already_done),
      plain_interval_(std::getenv("TUNEGRID_PROGRESS_INTERVAL") ? std::atof(std::getenv("TUNEGRID_PROGRESS_INTERVAL"))
                                                                 : plain_interval),
      start_(Clock::now()),
      last_draw_(Clock::now()),
      terminal_(log::stderr_is_terminal()) {}

std::string Progress::describe() const {
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const std::size_t remaining = total_ > done_ + failed_ ? total_ - done_ - failed_ : 0;
  std::string eta = "?";
  if (remaining == 0) eta = "0:00";
  else if (detail_.eta_seconds >= 0) eta = (detail_.eta_lower_bound ? "≥ " : "") + format_duration(detail_.eta_seconds);
  std::string line = fmt::format("{}/{} done · {} running · {} failed · elapsed {} · eta {}", done_, total_, running_,
                                 failed_, format_duration(elapsed), eta);
  if (!detail_.activity.empty() && remaining > 0) line += " · " + detail_.activity;
  return line;
}

void Progress::update(std::size_t done, std::size_t running, std::size_t failed, const ProgressDetail& detail) {
  done_ = done;
  running_ = running;
  failed_ = failed;
  detail_ = detail;
  const auto now = Clock::now();
  const double since = std::chrono::duration<double>(now - last_draw_).count();
  if (terminal_) {
    if (since < 0.1) return;
    last_draw_ = now;
    log::set_status_line("[progress] " + describe());
  } else if (since >= plain_interval_) {
    last_draw_ = now;
    log::info("progress", "{}", describe());
  }
}

void Progress::finish() {
  if (terminal_) log::set_status_line("");
  log::info("progress", "{}", describe());
}

}  // namespace tunegrid
