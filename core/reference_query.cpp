// reference_query.cpp — see reference_query.h.
#include "core/reference_query.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "core/errors.h"

namespace tunegrid {

ReferenceQuery::ReferenceQuery(std::string subject, const std::string& text, const std::vector<std::string>& known)
    : subject_(std::move(subject)) {
  if (text.empty()) return;
  for (const auto& piece : split(text, '&')) {
    const auto equals = piece.find('=');
    if (piece.empty() || equals == std::string::npos || equals == 0)
      throw InputError(fmt::format("{}: '{}' is not a parameter; expected key=value pairs joined by '&'", subject_, piece));
    const std::string key = piece.substr(0, equals), value = piece.substr(equals + 1);
    if (std::find(known.begin(), known.end(), key) == known.end())
      throw InputError(fmt::format("{}: unknown parameter '{}'{}; known parameters: {}", subject_, key,
                                   did_you_mean(key, known), join(known, ", ")));
    if (values_.count(key)) throw InputError(fmt::format("{}: parameter '{}' is given twice", subject_, key));
    if (value.empty()) throw InputError(fmt::format("{}: parameter '{}' has no value", subject_, key));
    values_[key] = value;
  }
}

std::string ReferenceQuery::what(const std::string& key) const {
  return fmt::format("{} parameter '{}'", subject_, key);
}

std::string ReferenceQuery::text(const std::string& key, const std::string& fallback) const {
  const auto it = values_.find(key);
  return it == values_.end() ? fallback : it->second;
}

std::int64_t ReferenceQuery::integer(const std::string& key, std::int64_t fallback, std::int64_t low,
                                     std::int64_t high, const char* expected) const {
  const auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  const std::string& given = it->second;
  // Digits with an optional leading '-' only: strtoll alone would also take " 1" and "+1".
  const bool integer_shape = !given.empty() && (std::isdigit(static_cast<unsigned char>(given[0])) || given[0] == '-');
  errno = 0;
  char* end = nullptr;
  const long long value = integer_shape ? std::strtoll(given.c_str(), &end, 10) : 0;
  if (!integer_shape || errno != 0 || end == given.c_str() || *end != '\0' || value < low || value > high)
    throw InputError(fmt::format("{}: '{}' is not {}", what(key), it->second, expected));
  return value;
}

double ReferenceQuery::number(const std::string& key, double fallback, double low, double high,
                             const char* expected) const {
  const auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  const std::string& given = it->second;
  // A leading digit, '.' or '-' only: strtod alone would also take " 1", "+1", "inf" and "nan".
  const bool number_shape = !given.empty() && (std::isdigit(static_cast<unsigned char>(given[0])) || given[0] == '-' ||
                                               given[0] == '.');
  errno = 0;
  char* end = nullptr;
  const double value = number_shape ? std::strtod(given.c_str(), &end) : 0.0;
  if (!number_shape || errno != 0 || end == given.c_str() || *end != '\0' || !std::isfinite(value) || value < low ||
      value > high)
    throw InputError(fmt::format("{}: '{}' is not {}", what(key), given, expected));
  return value;
}

}  // namespace tunegrid
