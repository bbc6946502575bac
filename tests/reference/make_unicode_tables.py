"""Generates workers/models/unicode_tables.cpp: the Unicode data tunegrid's CLIP tokenizer needs, as compact tables.

What: the character properties that transformers' slow CLIPTokenizer (no ftfy) consults, taken from the very
libraries it runs on, so that workers/models/clip_tokenizer.cpp reproduces it exactly:

  - BasicTokenizer (models/bert): _is_control (category C*, not tab/newline/return), _is_whitespace (space,
    tab, newline, return, Zs), _is_chinese_char (the CJK ranges), str.split()'s whitespace (str.isspace) --
    from Python's unicodedata (the Unicode version of the Python that runs transformers);
  - NFC (unicodedata.normalize): canonical combining classes, canonical decompositions (one level, Hangul
    syllables left to the algorithm) with a flag for those that recompose (not composition-excluded);
  - str.lower(): per-character full lower-case mappings (runs of constant offset, plus the multi-character
    ones) and the Cased / Case_Ignorable properties used for the final-sigma rule, measured on str.lower()
    itself;
  - the tokenizer's pattern, compiled by the `regex` package with IGNORECASE (which carries its own, newer,
    Unicode data): which characters [\\p{L}] and [\\p{N}] match, which ones neither they nor [^\\s\\p{L}\\p{N}]
    match (whitespace, and U+0345 through case folding), and the characters that match the pattern's literal
    letters case-insensitively.

Everything is a sorted range table searched by binary search; the output stays well under 300 KB.

How to run (from the repository root):

    /work/refvenv/bin/python tests/reference/make_unicode_tables.py
"""

import pathlib
import sys
import unicodedata

import regex

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "workers" / "models" / "unicode_tables.cpp"
MAX_CP = 0x110000
ALL = [cp for cp in range(MAX_CP) if not 0xD800 <= cp < 0xE000]
PATTERN = r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""
CJK = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F), (0x2B740, 0x2B81F),
       (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)]
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3


def ranges_of(predicate):
    out = []
    for cp in ALL:
        if predicate(cp):
            if out and out[-1][1] == cp - 1:
                out[-1][1] = cp
            else:
                out.append([cp, cp])
    return out


def emit_ranges(name, ranges, comment):
    body = ",".join(f"{{0x{a:X},0x{b:X}}}" for a, b in ranges)
    return f"// {comment} ({len(ranges)} ranges)\nconst Range {name}[] = {{\n{wrap(body)}}};\n"


def wrap(text, width=116):
    lines, line = [], ""
    for item in text.split(",{"):
        piece = item if not line and not lines else "{" + item
        if len(line) + len(piece) + 1 > width:
            lines.append(line + ",")
            line = piece
        else:
            line = line + ("," if line else "") + piece
    lines.append(line)
    return "\n".join("  " + x for x in lines) + "\n"


def bert_tables():
    def control(cp):
        return chr(cp) not in "\t\n\r" and unicodedata.category(chr(cp)).startswith("C")

    def whitespace(cp):
        return chr(cp) in " \t\n\r" or unicodedata.category(chr(cp)) == "Zs"

    return (emit_ranges("kBertControl", ranges_of(control), "BasicTokenizer _is_control: category C*, not \\t \\n \\r")
            + emit_ranges("kBertWhitespace", ranges_of(whitespace), "BasicTokenizer _is_whitespace: ' ' \\t \\n \\r Zs")
            + emit_ranges("kPythonSpace", ranges_of(lambda cp: chr(cp).isspace()), "str.isspace(), used by str.split()")
            + emit_ranges("kCjk", sorted(CJK), "BasicTokenizer _is_chinese_char"))


def nfc_tables():
    ccc = []
    for cp in ALL:
        value = unicodedata.combining(chr(cp))
        if value:
            if ccc and ccc[-1][1] == cp - 1 and ccc[-1][2] == value:
                ccc[-1][1] = cp
            else:
                ccc.append([cp, cp, value])
    decomp = []
    for cp in ALL:
        if HANGUL_FIRST <= cp <= HANGUL_LAST:
            continue
        text = unicodedata.decomposition(chr(cp))
        if not text or text.startswith("<"):
            continue
        parts = [int(x, 16) for x in text.split()]
        assert 1 <= len(parts) <= 2, (hex(cp), parts)
        composes = len(parts) == 2 and unicodedata.normalize("NFC", chr(parts[0]) + chr(parts[1])) == chr(cp)
        decomp.append((cp, parts[0], parts[1] if len(parts) == 2 else 0, int(composes)))
    ccc_body = ",".join(f"{{0x{a:X},0x{b:X},{c}}}" for a, b, c in ccc)
    decomp_body = ",".join(f"{{0x{a:X},0x{b:X},0x{c:X},{d}}}" for a, b, c, d in decomp)
    return (f"// canonical combining classes other than 0 ({len(ccc)} runs of one value)\n"
            f"const ClassRange kCombiningClass[] = {{\n{wrap(ccc_body)}}};\n"
            f"// canonical decompositions, one level (code point, first, second or 0, recomposes under NFC)\n"
            f"const Decomposition kDecomposition[] = {{\n{wrap(decomp_body)}}};\n")


def lower_tables():
    runs, multi = [], []
    for cp in ALL:
        low = chr(cp).lower()
        if low == chr(cp):
            continue
        if len(low) != 1:
            multi.append((cp, [ord(c) for c in low]))
            continue
        delta = ord(low) - cp
        if runs and runs[-1][3] == delta:
            first, last, stride, _ = runs[-1]
            gap = cp - last
            # Runs never overlap: a stride-2 run only steps over characters that keep their case.
            if (first == last and gap in (1, 2) or gap == stride) and (gap == 1 or chr(cp - 1).lower() == chr(cp - 1)):
                runs[-1] = [first, cp, gap, delta]
                continue
        runs.append([cp, cp, 1, delta])
    assert all(a[1] < b[0] for a, b in zip(runs, runs[1:]))
    check_lower(runs, dict(multi))
    assert all(len(m) <= 3 for _, m in multi)
    runs_body = ",".join(f"{{0x{a:X},0x{b:X},{s},{d}}}" for a, b, s, d in runs)
    multi_body = ",".join("{0x%X,{%s}}" % (cp, ",".join(f"0x{c:X}" for c in m)) for cp, m in multi)

    # Cased / Case_Ignorable as str.lower() sees them (its final-sigma rule, CPython's handle_capital_sigma).
    def final(text):
        return text.lower().endswith("\u03c2")

    ignorable = ranges_of(lambda cp: ("A\u03a3" + chr(cp)).lower()[1] == "\u03c2" and final("A" + chr(cp) + "\u03a3"))
    ignorable_set = {cp for a, b in ignorable for cp in range(a, b + 1)}
    cased = ranges_of(lambda cp: cp not in ignorable_set and final("A" + chr(cp) + "\u03a3"))
    return (f"// str.lower(), one character to one: runs first..last (every `stride`-th) mapped to cp + delta\n"
            f"const LowerRun kLowerRuns[] = {{\n{wrap(runs_body)}}};\n"
            f"// str.lower() mappings to more than one character\n"
            f"const LowerMulti kLowerMulti[] = {{\n{wrap(multi_body)}}};\n"
            + emit_ranges("kCaseIgnorable", ignorable, "Case_Ignorable, as str.lower()'s final-sigma rule sees it")
            + emit_ranges("kCased", cased, "Cased (Case_Ignorable ones left out), as str.lower()'s final-sigma rule"))


def check_lower(runs, multi):
    """Replays the C++ lookup (append_lowercase) on every code point."""
    import bisect

    firsts = [r[0] for r in runs]
    for cp in ALL:
        if cp in multi:
            got = "".join(map(chr, multi[cp]))
        else:
            got = chr(cp)
            i = bisect.bisect_right(firsts, cp) - 1
            if i >= 0:
                first, last, stride, delta = runs[i]
                if cp <= last and (cp - first) % stride == 0:
                    got = chr(cp + delta)
        assert got == chr(cp).lower(), hex(cp)


def pattern_tables():
    letter = regex.compile(r"[\p{L}]", regex.IGNORECASE)
    number = regex.compile(r"[\p{N}]", regex.IGNORECASE)
    other = regex.compile(r"[^\s\p{L}\p{N}]", regex.IGNORECASE)
    letters = ranges_of(lambda cp: bool(letter.match(chr(cp))))
    numbers = ranges_of(lambda cp: bool(number.match(chr(cp))))
    neither = ranges_of(lambda cp: not letter.match(chr(cp)) and not number.match(chr(cp))
                        and not other.match(chr(cp)))
    both = ranges_of(lambda cp: bool(letter.match(chr(cp))) and bool(number.match(chr(cp))))
    assert not both
    letters_used = sorted(set("startoftextendoftextrevmld"))
    any_literal = regex.compile("[" + "".join(letters_used) + "]", regex.IGNORECASE)
    folds = []
    for cp in ALL:
        if chr(cp) not in letters_used and any_literal.fullmatch(chr(cp)):
            folds += [(cp, ord(x)) for x in letters_used if regex.fullmatch(x, chr(cp), regex.IGNORECASE)]
    fold_body = ",".join(f"{{0x{a:X},0x{b:X}}}" for a, b in folds)
    return (emit_ranges("kPatternLetter", letters, "[\\p{L}] under IGNORECASE (regex " + regex.__version__ + ")")
            + emit_ranges("kPatternNumber", numbers, "[\\p{N}] under IGNORECASE")
            + emit_ranges("kPatternNeither", neither, "matched by none of [\\p{L}] [\\p{N}] [^\\s\\p{L}\\p{N}]")
            + f"// characters that match one of the pattern's literal letters under IGNORECASE, and that letter\n"
              f"const Fold kPatternFold[] = {{\n{wrap(fold_body)}}};\n")


HEADER = '''\
// unicode_tables.cpp — GENERATED by tests/reference/make_unicode_tables.py; do not edit by hand.
// Unicode data for the CLIP tokenizer (clip_tokenizer.cpp), measured on what transformers' slow
// CLIPTokenizer runs on: Python {py} (unicodedata {ucd}) for BasicTokenizer, NFC and str.lower(), and the
// `regex` package {rx} for the tokenizer's pattern under IGNORECASE. See unicode_tables.h.
#include "workers/models/unicode_tables.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <unordered_map>

namespace tunegrid::unicode {{
namespace {{

struct Range {{
  std::uint32_t first, last;
}};
struct ClassRange {{
  std::uint32_t first, last, value;
}};
struct Decomposition {{
  std::uint32_t cp, first, second, composes;
}};
struct LowerRun {{
  std::uint32_t first, last, stride;
  std::int32_t delta;
}};
struct Fold {{
  std::uint32_t from, to;
}};
struct LowerMulti {{
  std::uint32_t cp;
  std::uint32_t to[3];
}};

'''

FOOTER = '''
template <typename T, std::size_t N>
const T* find_range(const T (&table)[N], char32_t c) {
  const T* it = std::upper_bound(table, table + N, static_cast<std::uint32_t>(c),
                                 [](std::uint32_t value, const T& r) { return value < r.first; });
  if (it == table) return nullptr;
  --it;
  return c <= it->last ? it : nullptr;
}

template <std::size_t N>
bool in(const Range (&table)[N], char32_t c) {
  return find_range(table, c) != nullptr;
}

std::uint64_t pair_key(char32_t a, char32_t b) { return (static_cast<std::uint64_t>(a) << 32) | b; }

}  // namespace

bool is_bert_control(char32_t c) { return in(kBertControl, c); }
bool is_bert_whitespace(char32_t c) { return in(kBertWhitespace, c); }
bool is_python_space(char32_t c) { return in(kPythonSpace, c); }
bool is_cjk_ideograph(char32_t c) { return in(kCjk, c); }

int combining_class(char32_t c) {
  const ClassRange* r = find_range(kCombiningClass, c);
  return r ? static_cast<int>(r->value) : 0;
}

int canonical_decomposition(char32_t c, char32_t out[2]) {
  const Decomposition* end = std::end(kDecomposition);
  const Decomposition* it = std::lower_bound(std::begin(kDecomposition), end, static_cast<std::uint32_t>(c),
                                             [](const Decomposition& d, std::uint32_t value) { return d.cp < value; });
  if (it == end || it->cp != c) return 0;
  out[0] = it->first;
  out[1] = it->second;
  return it->second ? 2 : 1;
}

char32_t canonical_composition(char32_t a, char32_t b) {
  static const std::unordered_map<std::uint64_t, char32_t> pairs = [] {
    std::unordered_map<std::uint64_t, char32_t> map;
    for (const Decomposition& d : kDecomposition)
      if (d.composes) map.emplace(pair_key(d.first, d.second), d.cp);
    return map;
  }();
  auto it = pairs.find(pair_key(a, b));
  return it == pairs.end() ? 0 : it->second;
}

void append_lowercase(char32_t c, std::u32string& out) {
  if (c < 0x80) {
    out.push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return;
  }
  for (const LowerMulti& m : kLowerMulti)
    if (m.cp == c) {
      for (std::uint32_t to : m.to)
        if (to) out.push_back(to);
      return;
    }
  const LowerRun* r = find_range(kLowerRuns, c);
  if (r && (c - r->first) % r->stride == 0) {
    out.push_back(static_cast<char32_t>(static_cast<std::int64_t>(c) + r->delta));
    return;
  }
  out.push_back(c);
}

bool is_case_ignorable(char32_t c) { return in(kCaseIgnorable, c); }
bool is_cased(char32_t c) { return in(kCased, c); }

PatternClass pattern_class(char32_t c) {
  if (in(kPatternLetter, c)) return PatternClass::letter;
  if (in(kPatternNumber, c)) return PatternClass::number;
  if (in(kPatternNeither, c)) return PatternClass::neither;
  return PatternClass::other;
}

char32_t pattern_fold(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c < 0x80) return c;
  for (const Fold& f : kPatternFold)
    if (f.from == c) return f.to;
  return c;
}

}  // namespace tunegrid::unicode
'''


def main():
    parts = [HEADER.format(py=sys.version.split()[0], ucd=unicodedata.unidata_version, rx=regex.__version__),
             bert_tables(), nfc_tables(), lower_tables(), pattern_tables(), FOOTER]
    text = "\n".join(parts)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({len(text.encode()) // 1024} KB)")


if __name__ == "__main__":
    main()
