// log.h — log lines tagged by subsystem and rank ("[sched r0] ..."), to stderr and to a
// per-rank file DIR/logs/rank-<r>.log. On a terminal, rank 0's live progress line stays
// at the bottom: a log line clears it, prints, and redraws it. Thread-safe.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace tunegrid::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

// `rank` tags every line; lines below `stderr_level` go only to the file.
void configure(int rank, Level stderr_level);
void open_file(const std::filesystem::path& path);
void close_file();

void write(Level level, std::string_view subsystem, std::string_view message);

// The live status line (empty to remove it); shown only when stderr is a terminal.
void set_status_line(const std::string& line);
bool stderr_is_terminal();

template <typename... Args>
void debug(std::string_view subsystem, fmt::format_string<Args...> format, Args&&... args) {
  write(Level::debug, subsystem, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void info(std::string_view subsystem, fmt::format_string<Args...> format, Args&&... args) {
  write(Level::info, subsystem, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(std::string_view subsystem, fmt::format_string<Args...> format, Args&&... args) {
  write(Level::warn, subsystem, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void error(std::string_view subsystem, fmt::format_string<Args...> format, Args&&... args) {
  write(Level::error, subsystem, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace tunegrid::log
