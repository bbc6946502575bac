// log.cpp — see log.h.
#include "core/log.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <mutex>

#include "core/text.h"

namespace tunegrid::log {

namespace {

struct State {
  std::mutex mutex;
  int rank = 0;
  Level stderr_level = Level::info;
  std::ofstream file;
  std::string status_line;
  bool terminal = ::isatty(STDERR_FILENO) == 1;
};

State& state() {
  static State instance;
  return instance;
}

const char* level_tag(Level level) {
  switch (level) {
    case Level::debug: return "debug ";
    case Level::info: return "";
    case Level::warn: return "warning: ";
    case Level::error: return "error: ";
  }
  return "";
}

void clear_status(State& s) {
  if (s.terminal && !s.status_line.empty()) std::fputs("\r\033[K", stderr);
}

void draw_status(State& s) {
  if (s.terminal && !s.status_line.empty()) std::fputs(s.status_line.c_str(), stderr);
}

}  // namespace

void configure(int rank, Level stderr_level) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.rank = rank;
  s.stderr_level = stderr_level;
}

void open_file(const std::filesystem::path& path) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.file.close();
  s.file.open(path, std::ios::app);
}

void close_file() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.file.close();
}

bool stderr_is_terminal() { return state().terminal; }

void write(Level level, std::string_view subsystem, std::string_view message) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  const std::string tag = fmt::format("[{} r{}] {}", subsystem, s.rank, level_tag(level));
  if (s.file.is_open()) {
    s.file << utc_timestamp_now() << ' ' << tag << message << '\n';
    if (level >= Level::warn) s.file.flush();
  }
  if (level < s.stderr_level) return;
  clear_status(s);
  std::fputs(fmt::format("{}{}\n", tag, message).c_str(), stderr);
  draw_status(s);
  std::fflush(stderr);
}

void set_status_line(const std::string& line) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!s.terminal) return;
  clear_status(s);
  s.status_line = line;
  draw_status(s);
  std::fflush(stderr);
}

}  // namespace tunegrid::log
