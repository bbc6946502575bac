// stop_request.cpp — see stop_request.h.
#include "core/stop_request.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <mutex>

namespace tunegrid {

namespace {

std::atomic<int> g_signal{0};                 // written by the handler: must be lock-free
static_assert(std::atomic<int>::is_always_lock_free, "the stop flag must be async-signal-safe");
std::atomic<long long> g_deadline_ns{0};      // steady clock; 0: no deadline
std::atomic<double> g_timeout_seconds{0};
std::mutex g_poller_mutex;
std::function<int()> g_poller;
std::atomic<bool> g_has_poller{false};

extern "C" void on_stop_signal(int signal) {
  int none = 0;
  g_signal.compare_exchange_strong(none, signal);
}

long long now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void install_stop_signal_handlers() {
  // Plain system calls, no locks or allocations: this runs before libc++'s and every other
  // library's initialisers (see orchestrator/main.cpp), and again after MPI_Init in case the
  // MPI library installed handlers of its own. Installing the same handler twice is harmless.
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGUSR2, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool stop_requested() {
  if (g_signal.load(std::memory_order_relaxed) != 0) return true;
  if (!g_has_poller.load(std::memory_order_acquire)) return false;
  std::lock_guard<std::mutex> lock(g_poller_mutex);
  if (g_signal.load() == 0 && g_poller)
    if (const int code = g_poller()) request_stop(code);
  return g_signal.load() != 0;
}

int stop_signal() { return g_signal.load(); }

bool stop_signal_is_local() { return g_signal.load() > 0; }

std::string stop_signal_name() {
  switch (const int signal = g_signal.load()) {
    case 0: return "";
    case kStopNotice: return "a stop notice from rank 0";
    case kStopFromAnotherRank: return "a stop signal on another rank";
    case SIGUSR2: return "SIGUSR2";
    case SIGTERM: return "SIGTERM";
    default: return fmt::format("signal {}", signal);
  }
}

void request_stop(int signal) {
  int none = 0;
  g_signal.compare_exchange_strong(none, signal);
}

void set_stop_poller(std::function<int()> poller) {
  std::lock_guard<std::mutex> lock(g_poller_mutex);
  g_poller = std::move(poller);
  g_has_poller.store(static_cast<bool>(g_poller), std::memory_order_release);
}

JobDeadline::JobDeadline(double seconds) {
  if (seconds <= 0) return;
  g_timeout_seconds = seconds;
  g_deadline_ns = now_ns() + static_cast<long long>(seconds * 1e9);
}

JobDeadline::~JobDeadline() {
  g_deadline_ns = 0;
  g_timeout_seconds = 0;
}

bool job_deadline_passed() {
  const long long deadline = g_deadline_ns.load(std::memory_order_relaxed);
  return deadline != 0 && now_ns() >= deadline;
}

double job_timeout_seconds() { return g_timeout_seconds.load(); }

StopKind pending_stop() {
  if (stop_requested()) return StopKind::preempted;
  if (job_deadline_passed()) return StopKind::timed_out;
  return StopKind::none;
}

void throw_for(StopKind kind, const std::string& what) {
  if (kind == StopKind::preempted)
    throw Preempted(fmt::format("{}: stopped by {}; it continues when the run is resumed", what, stop_signal_name()));
  if (kind == StopKind::timed_out)
    throw JobTimedOut(fmt::format("{}: ran longer than the job timeout of {:g} s ([run] job_timeout)", what,
                                  job_timeout_seconds()));
}

void throw_if_stop_pending(const std::string& what) { throw_for(pending_stop(), what); }

}  // namespace tunegrid
