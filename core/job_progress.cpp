// job_progress.cpp — see job_progress.h.
#include "core/job_progress.h"

#include <atomic>
#include <chrono>
#include <mutex>

namespace tunegrid {

namespace {

std::mutex g_mutex;
std::function<void(const std::string&, long, long)> g_listener;
std::atomic<double> g_one_off{0};
thread_local int g_one_off_depth = 0;  // nested OneOffWork (tiny-sd builds its CLIP) counts once

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

void report_job_step(const std::string& phase, long step, long total) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_listener) g_listener(phase, step, total);
}

void set_job_step_listener(std::function<void(const std::string& phase, long step, long total)> listener) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_listener = std::move(listener);
}

OneOffWork::OneOffWork() : start_(g_one_off_depth++ == 0 ? now_seconds() : -1) {}

OneOffWork::~OneOffWork() {
  --g_one_off_depth;
  if (start_ < 0) return;
  double seen = g_one_off.load();
  const double added = now_seconds() - start_;
  while (!g_one_off.compare_exchange_weak(seen, seen + added)) {
  }
}

double one_off_seconds() { return g_one_off.load(); }

}  // namespace tunegrid
