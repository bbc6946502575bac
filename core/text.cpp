// text.cpp — see text.h.
#include "core/text.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fmt/format.h>

namespace tunegrid {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  std::size_t best_distance = 0;
  for (const auto& candidate : candidates) {
    const std::size_t d = edit_distance(name, candidate);
    if (!best || d < best_distance) {
      best = &candidate;
      best_distance = d;
    }
  }
  const std::size_t limit = std::max<std::size_t>(2, name.size() / 3);
  if (best && best_distance <= limit) return fmt::format(" (did you mean '{}'?)", *best);
  // A truncated name ("sleep" for "sleep_ms") is worth suggesting too.
  if (name.size() >= 3)
    for (const auto& candidate : candidates)
      if (candidate.rfind(name, 0) == 0) return fmt::format(" (did you mean '{}'?)", candidate);
  return "";
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  if (from.empty()) return text;
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

std::string abbreviate(std::string_view text, std::size_t max_chars) {
  std::string shown;
  for (const char c : text.substr(0, max_chars)) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) shown += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    else shown += c;
  }
  if (text.size() <= max_chars) return shown;
  return fmt::format("{}… ({} bytes)", shown, text.size());
}

std::string path_component_problem(std::string_view name) {
  if (name.empty()) return "it is empty";
  if (name == "." || name == "..") return fmt::format("'{}' is not a name of its own", name);
  if (name.size() > 200) return fmt::format("it is {} bytes long, over 200", name.size());
  for (const char c : name) {
    if (c == '/') return "it contains '/'";
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return fmt::format("it contains the control character 0x{:02x}", static_cast<unsigned char>(c));
  }
  return "";
}

std::string with_article(const std::string& noun) {
  if (noun.empty()) return noun;
  const bool vowel = std::string_view("aeiou").find(noun[0]) != std::string_view::npos;
  return (vowel ? "an " : "a ") + noun;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += separator;
    out += parts[i];
  }
  return out;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t from = 0;
  for (;;) {
    const auto at = text.find(separator, from);
    parts.push_back(text.substr(from, at == std::string::npos ? std::string::npos : at - from));
    if (at == std::string::npos) return parts;
    from = at + 1;
  }
}

std::string utc_timestamp_now() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  return fmt::format("{}.{:03d}Z", buffer, static_cast<int>(ms));
}

std::string host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0) return "unknown";
  return buffer;
}

}  // namespace tunegrid
