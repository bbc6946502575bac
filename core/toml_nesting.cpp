// toml_nesting.cpp — see toml_nesting.h. A small lexer that knows just enough TOML to tell
// keys from values: strings (basic, literal, multi-line), comments, table headers, dotted
// keys, arrays and inline tables.
#include "core/toml_nesting.h"

#include <fmt/format.h>

#include <vector>

#include "core/errors.h"

namespace tunegrid {

namespace {

class NestingScanner {
 public:
  explicit NestingScanner(std::string_view text) : text_(text) {}

  TomlNesting run() {
    while (at_ < text_.size()) step();
    return result_;
  }

 private:
  enum class Mode { line_start, key, value };
  struct Frame {
    bool inline_table;       // else an array
    std::size_t depth;       // nesting of the frame itself
    bool expecting_key;      // inline tables: a key comes next
  };

  void record(std::size_t depth) {
    if (depth > result_.depth) {
      result_.depth = depth;
      result_.line = line_;
    }
  }

  std::size_t value_depth() const { return frames_.empty() ? key_depth_ : frames_.back().depth; }

  void step() {
    const char c = text_[at_];
    if (c == '\n') {
      ++line_;
      ++at_;
      if (frames_.empty()) mode_ = Mode::line_start;
      return;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      ++at_;
      return;
    }
    if (c == '#') {
      while (at_ < text_.size() && text_[at_] != '\n') ++at_;
      return;
    }
    if (mode_ == Mode::line_start) {
      if (c == '[') {
        header();
        return;
      }
      mode_ = Mode::key;
      key_segments_ = 1;
    }
    if (c == '"' || c == '\'') {
      skip_string();
      return;
    }
    if (mode_ == Mode::key) key_char(c);
    else value_char(c);
  }

  // [a.b] or [[a.b]]: the segments set the depth of the keys that follow.
  void header() {
    std::size_t segments = 1;
    ++at_;
    while (at_ < text_.size() && text_[at_] != ']' && text_[at_] != '\n') {
      const char c = text_[at_];
      if (c == '"' || c == '\'') {
        skip_string();
        continue;
      }
      if (c == '.') ++segments;
      ++at_;
    }
    header_depth_ = segments;
    record(segments);
    while (at_ < text_.size() && text_[at_] == ']') ++at_;
    mode_ = Mode::value;  // the rest of the line holds no key (a comment at most)
    key_depth_ = header_depth_;
  }

  void key_char(char c) {
    const bool in_inline = !frames_.empty() && frames_.back().inline_table;
    const std::size_t base = in_inline ? frames_.back().depth : header_depth_;
    if (c == '.') {
      ++key_segments_;
      record(base + key_segments_);
    } else if (c == '=') {
      key_depth_ = base + key_segments_;
      record(key_depth_);
      if (in_inline) {
        frames_.back().expecting_key = false;
        pending_value_depth_ = key_depth_;
      }
      mode_ = Mode::value;
    }
    ++at_;
  }

  void value_char(char c) {
    const bool in_inline = !frames_.empty() && frames_.back().inline_table;
    const std::size_t base = in_inline ? pending_value_depth_ : value_depth();
    if (c == '[' || c == '{') {
      frames_.push_back({c == '{', base + 1, c == '{'});
      record(base + 1);
      if (c == '{') {
        mode_ = Mode::key;
        key_segments_ = 1;
      }
    } else if ((c == ']' || c == '}') && !frames_.empty()) {
      frames_.pop_back();
      if (!frames_.empty() && frames_.back().inline_table) pending_value_depth_ = frames_.back().depth;
    } else if (c == ',' && in_inline) {
      frames_.back().expecting_key = true;
      mode_ = Mode::key;
      key_segments_ = 1;
    }
    ++at_;
  }

  void skip_string() {
    const char quote = text_[at_];
    const bool multi = text_.substr(at_, 3) == std::string_view(quote == '"' ? "\"\"\"" : "'''");
    at_ += multi ? 3 : 1;
    while (at_ < text_.size()) {
      const char c = text_[at_];
      if (c == '\\' && quote == '"') {
        at_ += 2;
        continue;
      }
      if (c == '\n') {
        ++line_;
        if (!multi) return;  // unterminated: the parser will say so
      }
      if (c == quote && (!multi || text_.substr(at_, 3) == std::string_view(quote == '"' ? "\"\"\"" : "'''"))) {
        at_ += multi ? 3 : 1;
        while (multi && at_ < text_.size() && text_[at_] == quote) ++at_;  // """a"""" ends with a quote inside
        return;
      }
      ++at_;
    }
  }

  std::string_view text_;
  std::size_t at_ = 0, line_ = 1;
  Mode mode_ = Mode::line_start;
  std::size_t header_depth_ = 0, key_segments_ = 1, key_depth_ = 0, pending_value_depth_ = 0;
  std::vector<Frame> frames_;
  TomlNesting result_;
};

}  // namespace

TomlNesting measure_toml_nesting(std::string_view text) { return NestingScanner(text).run(); }

void check_toml_nesting(std::string_view text, const std::string& source_name) {
  const TomlNesting nesting = measure_toml_nesting(text);
  if (nesting.depth > kMaxTomlKeyDepth)
    throw InputError(fmt::format("{}:{}: keys nest {} levels deep (table headers, dotted keys, arrays and inline "
                                 "tables together); tunegrid reads at most {}",
                                 source_name, nesting.line, nesting.depth, kMaxTomlKeyDepth));
}

}  // namespace tunegrid
