// job_params.h — a job kind's parameters declared once. A declaration is a member of the
// kind's parameter struct (a ParamList): constructing it records its ParamSpec (name, type,
// default, one-line description, bounds or choices) in the list, which is what the kind's
// spec publishes (`tunegrid kinds`, experiment-file checks), and the same member reads the
// job's value with the declared type. So a spec and its runner cannot name, type or forget
// a parameter differently: a runner that reads a parameter names a member, which the
// compiler checks, e.g.
//
//   struct RankParams : ParamList {
//     Param<int> rank{*this, "rank", 4, "LoRA rank r", 1.0};
//   };
//   KindSpec spec; spec.params = RankParams().specs();   // in the torch-free spec file
//   int r = RankParams().rank.of(job);                    // in the runner
//
// Header-only and torch-free: specs are built in the command line, values read in workers.
#pragma once
#include <cstdint>
#include <limits>
#include <type_traits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/kind_spec.h"
#include "core/plan.h"

namespace tunegrid {

// The declarations of one kind (or of a group of parameters several kinds share), in order.
class ParamList {
 public:
  const std::vector<ParamSpec>& specs() const { return specs_; }

 protected:
  ParamList() = default;

 private:
  template <class T>
  friend class Param;
  template <class T>
  friend class AddedParam;
  std::vector<ParamSpec> specs_;
};

// How a C++ type is declared and read: its ParamType, its default as a Value, and the job's
// Value converted back.
template <class T>
struct ParamTraits;

template <>
struct ParamTraits<bool> {
  static constexpr ParamType type = ParamType::boolean;
  static Value to_value(bool v) { return Value(v); }
  static bool from_value(const Value& v) { return v.as_bool(); }
};

template <>
struct ParamTraits<int> {  // at most kMaxIntegerParam (kind_spec.h); Param sets a minimum that fits too
  static constexpr ParamType type = ParamType::integer;
  static Value to_value(int v) { return Value(v); }
  static int from_value(const Value& v) { return static_cast<int>(v.as_integer()); }
};

template <>
struct ParamTraits<double> {
  static constexpr ParamType type = ParamType::number;
  static Value to_value(double v) { return Value(v); }
  static double from_value(const Value& v) { return v.as_number(); }
};

template <>
struct ParamTraits<std::string> {
  static constexpr ParamType type = ParamType::string;
  static Value to_value(const std::string& v) { return Value(v); }
  static std::string from_value(const Value& v) { return v.as_string(); }
};

template <class Item, ParamType list_type>
struct ListParamTraits {
  static constexpr ParamType type = list_type;
  static Value to_value(const std::vector<Item>& items) {
    Value::List list;
    for (const auto& item : items) list.push_back(ParamTraits<Item>::to_value(item));
    return Value(std::move(list));
  }
  static std::vector<Item> from_value(const Value& v) {
    std::vector<Item> items;
    for (const auto& item : v.as_list()) items.push_back(ParamTraits<Item>::from_value(item));
    return items;
  }
};

template <>
struct ParamTraits<std::vector<int>> : ListParamTraits<int, ParamType::integer_list> {};
template <>
struct ParamTraits<std::vector<double>> : ListParamTraits<double, ParamType::number_list> {};
template <>
struct ParamTraits<std::vector<std::string>> : ListParamTraits<std::string, ParamType::string_list> {};

// One parameter: declared into `list` when constructed, read from a job with `of`.
// `minimum` / `maximum` bound numbers (and list entries), inclusive; `choices` limits strings.
template <class T>
class Param {
 public:
  Param(ParamList& list, std::string name, const T& default_value, std::string doc,
        std::optional<double> minimum = std::nullopt, std::vector<std::string> choices = {},
        std::optional<double> maximum = std::nullopt)
      : name_(name) {
    if constexpr (std::is_same_v<T, int> || std::is_same_v<T, std::vector<int>>)
      if (!minimum) minimum = static_cast<double>(std::numeric_limits<int>::min());  // refused, not wrapped
    list.specs_.push_back({std::move(name), ParamTraits<T>::type, ParamTraits<T>::to_value(default_value),
                           std::move(doc), minimum, std::move(choices), maximum});
  }

  const std::string& name() const { return name_; }
  // "<kind> param '<name>'": names the parameter in messages about its value.
  std::string where(const Job& job) const { return job.kind + " param '" + name_ + "'"; }
  // The job's value (its resolved parameters always hold every declared one).
  T of(const Job& job) const { return ParamTraits<T>::from_value(job.param(name_)); }

 private:
  std::string name_;
};

// A parameter added to a kind after result stores existed: while a job holds its default it is
// left out of the job's id (ParamSpec::in_id_at_default), so the jobs of existing stores keep
// their ids and are not rerun; a job that sets another value gets a new id as usual.
template <class T>
class AddedParam : public Param<T> {
 public:
  AddedParam(ParamList& list, std::string name, const T& default_value, std::string doc,
             std::optional<double> minimum = std::nullopt, std::vector<std::string> choices = {},
             std::optional<double> maximum = std::nullopt)
      : Param<T>(list, std::move(name), default_value, std::move(doc), minimum, std::move(choices), maximum) {
    list.specs_.back().in_id_at_default = false;
  }
};

// The one instance of a kind's parameter struct a runner reads through.
template <class Params>
const Params& declared_params() {
  static const Params params;
  return params;
}

}  // namespace tunegrid
