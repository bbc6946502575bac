// config_overlay.cpp — see config_overlay.h.
#include "core/config_overlay.h"

#include <fmt/format.h>

#include <sstream>

#include "core/errors.h"
#include "core/text.h"
#include "core/toml_nesting.h"
#include "core/toml_type_name.h"

namespace tunegrid {

namespace {

std::string place_of(const toml::node& node, const std::string& fallback) {
  const auto& source = node.source();
  if (!source.path) return fallback;
  if (source.path->rfind("--set", 0) == 0) return *source.path;
  return fmt::format("{}:{}:{}", *source.path, source.begin.line, source.begin.column);
}

// Throws when `replacement` may not take the place of `existing` at `path`.
void check_same_type(const toml::node& existing, const toml::node& replacement, const std::string& path,
                     const std::string& where) {
  const auto want = existing.type();
  const auto got = replacement.type();
  if (want == got) return;
  if (want == toml::node_type::floating_point && got == toml::node_type::integer) return;
  throw InputError(fmt::format("{}: '{}' expects {} (as in {}), found {}", where, path, toml_type_name(existing),
                               place_of(existing, "the experiment"), toml_type_name(replacement)));
}

std::vector<std::string> split_path(const std::string& path, const std::string& argument) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty())
      throw InputError(fmt::format("--set '{}': expected KEY=VALUE with a dotted key such as run.retries=2", argument));
    parts.push_back(std::move(part));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

std::string join_prefix(const std::vector<std::string>& parts, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += (i ? "." : "") + parts[i];
  return out;
}

// A TOML basic string literal for `text` (quotes and escapes as toml++ writes them).
std::string toml_string_literal(const std::string& text) {
  std::ostringstream out;
  out << toml::value<std::string>(text);
  return out.str();
}

}  // namespace

void overlay_table(toml::table& root, toml::table&& overlay, const std::string& origin,
                   const std::string& path_prefix) {
  for (auto&& [key, node] : overlay) {
    const std::string path = path_prefix.empty() ? std::string(key.str()) : path_prefix + "." + std::string(key.str());
    toml::node* existing = root.get(key);
    if (existing && existing->is_table() && node.is_table()) {
      overlay_table(*existing->as_table(), std::move(*node.as_table()), origin, path);
      continue;
    }
    if (existing) check_same_type(*existing, node, path, fmt::format("{} ({})", place_of(node, origin), origin));
    root.insert_or_assign(key, std::move(node));
  }
}

void apply_set_override(toml::table& root, const std::string& argument) {
  const std::size_t equals = argument.find('=');
  if (equals == std::string::npos || equals == 0)
    throw InputError(fmt::format("--set '{}': expected KEY=VALUE, e.g. --set run.retries=2 or "
                                 "--set 'grid.method=[\"lora\"]'",
                                 argument));
  const std::string path = argument.substr(0, equals);
  const std::string literal = argument.substr(equals + 1);
  const std::string where = fmt::format("--set '{}'", abbreviate(argument));
  check_toml_nesting(path + " = " + literal, where);
  const std::vector<std::string> parts = split_path(path, argument);

  // Walk to the parent table, creating missing tables (the schema check reports unknown keys).
  // A created table and its key carry this argument as their source, so a message about
  // them names the --set argument rather than the experiment file without a line.
  toml::table* parent = &root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    toml::node* child = parent->get(parts[i]);
    if (!child) {
      toml::table created = toml::parse("[created]\n", where);
      for (auto&& [created_key, created_table] : created)  // the one table just parsed
        parent->insert_or_assign(toml::key(parts[i], created_key.source()), std::move(*created_table.as_table()));
      child = parent->get(parts[i]);
    }
    if (!child->is_table())
      throw InputError(fmt::format("{}: '{}' is {}, not a table, so it has no key '{}'", where,
                                   join_prefix(parts, i + 1), toml_type_name(*child), parts[i + 1]));
    parent = child->as_table();
  }
  const toml::node* existing = parent->get(parts.back());

  toml::table parsed;
  bool parsed_ok = true;
  try {
    parsed = toml::parse("value = " + literal, where);
  } catch (const toml::parse_error&) {
    parsed_ok = false;
  }
  // A bare word stands for a string where a string is expected (or nothing is there yet).
  if (!parsed_ok) {
    if (existing && !existing->is_string())
      throw InputError(fmt::format("{}: '{}' is not a valid TOML value; '{}' expects {} (as in {})", where, literal,
                                   path, toml_type_name(*existing), place_of(*existing, "the experiment")));
    parsed = toml::parse("value = " + toml_string_literal(literal), where);
  }
  toml::node* value = parsed.get("value");
  if (existing) check_same_type(*existing, *value, path, where);
  if (existing && existing->is_table())
    throw InputError(fmt::format("{}: '{}' is a table; set one of its keys instead", where, path));
  toml::source_region key_source;
  for (auto&& [parsed_key, parsed_value] : parsed) key_source = parsed_key.source();
  parent->insert_or_assign(toml::key(parts.back(), key_source), std::move(*value));
}

}  // namespace tunegrid
