// reference_query.h — the `?key=value&key=value` part of a builtin reference
// (docs/design.md "Model and data references"): builtin:scenes?style=hanok&count=50 for data,
// builtin:tiny-sd?recipe=long&seed=1 for models. Parsed strictly: every key must be known
// (did-you-mean otherwise), given once and with a value; values are checked as they are read.
// Every error names the reference (`subject`), the key and what was expected.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/text.h"

namespace tunegrid {

class ReferenceQuery {
 public:
  // `subject` starts every message, e.g. "data reference 'builtin:scenes?count=x'".
  ReferenceQuery(std::string subject, const std::string& text, const std::vector<std::string>& known);

  // "<subject> parameter '<key>'", for messages about one value.
  std::string what(const std::string& key) const;
  bool has(const std::string& key) const { return values_.count(key) > 0; }

  // The value of `key`, or `fallback` when absent.
  std::string text(const std::string& key, const std::string& fallback) const;
  // An integer in [low, high], or `fallback` when absent; otherwise an InputError saying
  // the value is not `expected` ("a positive integer").
  std::int64_t integer(const std::string& key, std::int64_t fallback, std::int64_t low, std::int64_t high,
                       const char* expected) const;
  // A finite real number in [low, high], or `fallback` when absent; errors as integer().
  double number(const std::string& key, double fallback, double low, double high, const char* expected) const;

  // The indices of a comma list of names parsed by `parse(name, what)`, without repeats, or
  // 0 .. all-1 when the key is absent.
  template <typename Parse>
  std::vector<int> selection(const std::string& key, int all, Parse parse) const {
    std::vector<int> out;
    const auto it = values_.find(key);
    if (it == values_.end()) {
      for (int i = 0; i < all; ++i) out.push_back(i);
      return out;
    }
    for (const auto& name : split(it->second, ',')) {
      const int index = parse(name, what(key));
      bool seen = false;
      for (int chosen : out) seen = seen || chosen == index;
      if (!seen) out.push_back(index);
    }
    return out;
  }

 private:
  std::string subject_;
  std::map<std::string, std::string> values_;
};

}  // namespace tunegrid
