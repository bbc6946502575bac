"""Reference fixtures for tunegrid's CLIP tokenizer (workers/models/clip_tokenizer.cpp).

What it makes:

  tests/fixtures/tiny-sd/tokenizer/   a real (tiny) CLIP-format byte-level BPE tokenizer folder of exactly
      vocab.json                      1,000 tokens: the 256 byte symbols, the 256 byte symbols + "</w>", 486 merges
      merges.txt                      learnt here by a small BPE trainer on a built-in English corpus (houses,
      tokenizer_config.json           fires, floods, styles such as "hanok", "a photo of a ..." captions), then
      special_tokens_map.json         "<|startoftext|>", "<|endoftext|>"; the two json configs are shaped like
                                      the Stable Diffusion 1.5 ones (model_max_length 77, pad "<|endoftext|>").
  tests/fixtures/clip_tokenizer_cases.json
                                      text -> ids (no special tokens), -> padded ids (77, bos/eos/pad,
                                      truncated) and decode(ids), for > 60 texts; the same after add_tokens on
                                      fresh tokenizers; and a set for an SD2-style config whose pad token is "!".

The reference is transformers' *slow* CLIPTokenizer on the path it takes without ftfy (BasicTokenizer with
strip_accents=False, do_split_on_punc=False). transformers >= 5 no longer ships that class, so on such a version
this script runs a line-by-line port of the 4.x class (SlowCLIPTokenizer below, built on transformers' own
PythonBackend, Trie and BasicTokenizer); on transformers 4.x it uses transformers.CLIPTokenizer itself. Both
were checked to record identical slow results (transformers 4.57.1 vs 5.23.0). The fast tokenizer
(tokenizers-backed: CLIPTokenizerFast in 4.x, CLIPTokenizer in 5.x) is run too; cases where it disagrees
with the slow one are listed under "slow_fast_disagreements" and the slow result is the one recorded.

How to run (from the repository root; the venv must not have ftfy, which the script checks):

    /work/refvenv/bin/python tests/reference/make_tiny_tokenizer.py
"""

import collections
import json
import pathlib
import shutil
import tempfile
import unicodedata

import regex
import transformers

transformers.logging.set_verbosity_error()  # no "sequence longer than 77" warnings for the long cases

ROOT = pathlib.Path(__file__).resolve().parents[2]
TOKENIZER_DIR = ROOT / "tests" / "fixtures" / "tiny-sd" / "tokenizer"
CASES_FILE = ROOT / "tests" / "fixtures" / "clip_tokenizer_cases.json"

NUM_MERGES = 486
MAX_LENGTH = 77
BOS, EOS = "<|startoftext|>", "<|endoftext|>"
CLIP_PATTERN = regex.compile(
    r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
    regex.IGNORECASE,
)
TRANSFORMERS_MAJOR = int(transformers.__version__.split(".")[0])

try:  # the fixtures describe the path without ftfy
    import ftfy  # noqa: F401

    raise SystemExit("ftfy is installed in this venv: the fixtures must follow the path without it")
except ImportError:
    pass

if TRANSFORMERS_MAJOR >= 5:
    from transformers.models.bert.tokenization_bert_legacy import BasicTokenizer
else:
    from transformers.models.clip.tokenization_clip import BasicTokenizer


def byte_symbols():
    """Byte -> printable character, in CLIP's order (printable Latin-1 bytes first, the rest after 255)."""
    table = {b: chr(b) for b in [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]}
    shifted = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + shifted)
            shifted += 1
    return table


BYTE_SYMBOL = byte_symbols()


def pretokenize(text):
    """The slow tokenizer's words for `text` (already byte-encoded), without BPE."""
    basic = BasicTokenizer(strip_accents=False, do_split_on_punc=False)
    cleaned = " ".join(basic.tokenize(text))
    return ["".join(BYTE_SYMBOL[b] for b in word.encode("utf-8")) for word in CLIP_PATTERN.findall(cleaned)]


# ---------------------------------------------------------------------------------------------------------------
# The corpus and the BPE trainer.

STYLES = ["hanok", "victorian", "craftsman", "bungalow", "farmhouse", "cottage", "modern", "brutalist", "tudor",
          "colonial", "adobe", "chalet", "pagoda", "cabin", "townhouse", "ranch", "mansion", "villa", "igloo",
          "treehouse", "minka", "machiya", "palazzo", "riad", "yurt"]
SCENES = ["on fire", "burning at night", "after a flood", "in a flood", "surrounded by water", "covered in smoke",
          "with a red roof", "with a thatched roof", "in the snow", "at sunset", "by the river", "on a hill"]
CAPTIONS = ["a photo of a {style} house {scene}", "a painting of a {style} home {scene}",
            "an old {style} building {scene}", "the {style} style house, {scene}"]
PROSE = """
Houses burn when fire reaches the roof; firefighters spray water on the walls and windows. A flooded street
looks like a river: cars float, doors swell, and the ground floor fills with mud. In 1923 the great fire
destroyed thousands of wooden houses. It's said that the hanok, a traditional Korean house, keeps warm with
ondol floors heated from below, while its wide eaves shade the courtyard in summer. They're built from wood,
clay, stone and paper. We've seen photos of Victorian mansions with turrets, Tudor cottages with timber frames,
and modern concrete villas with glass facades. I'm sure we'll rebuild; he'd say the insurance won't cover
floods. Smoke, flames, embers, ashes: the aftermath of a wildfire. Rain, storms, levees, sandbags, pumps and
boats: the aftermath of a flood. Photographs, paintings, drawings, sketches, renders, illustrations of
architecture, interiors, kitchens, bedrooms, gardens, fences, chimneys, balconies, staircases and garages.
A photo of a dog in front of a burning barn. A photo of a cat on a flooded porch. Highly detailed, 4k, trending.
"""


def training_words():
    text = [PROSE]
    for style in STYLES:
        for scene in SCENES:
            for caption in CAPTIONS:
                text.append(caption.format(style=style, scene=scene))
    counts = collections.Counter()
    for line in text:
        counts.update(pretokenize(line))
    return counts


def apply_merge(symbols, pair):
    out, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
            out.append(symbols[i] + symbols[i + 1])
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return tuple(out)


def train_merges(word_counts, num_merges, known):
    """Greedy BPE: repeatedly merge the most frequent adjacent pair (ties: smallest pair), skipping pairs whose
    result is already a token so that every merge adds exactly one new token."""
    words = {w: tuple(w[:-1]) + (w[-1] + "</w>",) for w in word_counts}
    known = set(known)
    merges = []
    while len(merges) < num_merges:
        pair_counts = collections.Counter()
        for word, symbols in words.items():
            for pair in zip(symbols, symbols[1:]):
                pair_counts[pair] += word_counts[word]
        ranked = sorted((-count, pair) for pair, count in pair_counts.items() if pair[0] + pair[1] not in known)
        if not ranked:
            raise SystemExit(f"corpus too small: only {len(merges)} merges")
        pair = ranked[0][1]
        merges.append(pair)
        known.add(pair[0] + pair[1])
        words = {w: apply_merge(symbols, pair) for w, symbols in words.items()}
    return merges


def write_tokenizer(folder, merges, pad_token=EOS):
    folder.mkdir(parents=True, exist_ok=True)
    tokens = list(BYTE_SYMBOL.values())
    tokens += [t + "</w>" for t in list(BYTE_SYMBOL.values())]
    tokens += [a + b for a, b in merges]
    tokens += [BOS, EOS]
    vocab = {t: i for i, t in enumerate(tokens)}
    assert len(vocab) == 1000, len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "merges.txt").write_text(
        "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges), encoding="utf-8")

    def added(content):
        return {"content": content, "lstrip": False, "normalized": True, "rstrip": False, "single_word": False}

    config = {
        "add_prefix_space": False,
        "bos_token": {"__type": "AddedToken", **added(BOS)},
        "do_lower_case": True,
        "eos_token": {"__type": "AddedToken", **added(EOS)},
        "errors": "replace",
        "model_max_length": MAX_LENGTH,
        "name_or_path": "tunegrid/tiny-sd",
        "pad_token": pad_token,
        "special_tokens_map_file": "./special_tokens_map.json",
        "tokenizer_class": "CLIPTokenizer",
        "unk_token": {"__type": "AddedToken", **added(EOS)},
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    special = {"bos_token": added(BOS), "eos_token": added(EOS), "pad_token": pad_token, "unk_token": added(EOS)}
    if pad_token != EOS:
        special["pad_token"] = added(pad_token)
    (folder / "special_tokens_map.json").write_text(json.dumps(special, indent=2) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------------
# The slow tokenizer: transformers.CLIPTokenizer on 4.x, a port of that class on 5.x.

if TRANSFORMERS_MAJOR >= 5:
    from transformers import AddedToken, PythonBackend

    class SlowCLIPTokenizer(PythonBackend):
        """transformers 4.x's slow CLIPTokenizer (models/clip/tokenization_clip.py), ported onto 5.x's
        PythonBackend: same ftfy fallback, merges reading, BPE with its cache, pattern, special tokens and
        decoding (4.x's _decode keeps added tokens apart from the byte-level text)."""

        vocab_files_names = {"vocab_file": "vocab.json", "merges_file": "merges.txt"}
        model_input_names = ["input_ids", "attention_mask"]

        def __init__(self, vocab_file, merges_file, errors="replace", unk_token=EOS, bos_token=BOS, eos_token=EOS,
                     pad_token=EOS, **kwargs):
            bos_token = AddedToken(bos_token, lstrip=False, rstrip=False) if isinstance(bos_token, str) else bos_token
            eos_token = AddedToken(eos_token, lstrip=False, rstrip=False) if isinstance(eos_token, str) else eos_token
            unk_token = AddedToken(unk_token, lstrip=False, rstrip=False) if isinstance(unk_token, str) else unk_token
            try:
                import ftfy

                self.fix_text = ftfy.fix_text
            except ImportError:
                self.nlp = BasicTokenizer(strip_accents=False, do_split_on_punc=False)
                self.fix_text = None
            with open(vocab_file, encoding="utf-8") as f:
                self.encoder = json.load(f)
            self.decoder = {v: k for k, v in self.encoder.items()}
            self.errors = errors
            self.byte_encoder = BYTE_SYMBOL
            self.byte_decoder = {v: k for k, v in BYTE_SYMBOL.items()}
            with open(merges_file, encoding="utf-8") as f:
                lines = f.read().strip().split("\n")[1: 49152 - 256 - 2 + 1]
            self.bpe_ranks = {tuple(line.split()): rank for rank, line in enumerate(lines)}
            self.cache = {BOS: BOS, EOS: EOS}
            super().__init__(errors=errors, unk_token=unk_token, bos_token=bos_token, eos_token=eos_token,
                             pad_token=pad_token, **kwargs)

        @property
        def vocab_size(self):
            return len(self.encoder)

        def get_vocab(self):
            return dict(self.encoder, **self.added_tokens_encoder)

        def build_inputs_with_special_tokens(self, token_ids_0, token_ids_1=None):
            assert token_ids_1 is None
            return [self.bos_token_id] + token_ids_0 + [self.eos_token_id]

        def get_special_tokens_mask(self, token_ids_0, token_ids_1=None, already_has_special_tokens=False):
            assert token_ids_1 is None and not already_has_special_tokens
            return [1] + [0] * len(token_ids_0) + [1]

        def create_token_type_ids_from_sequences(self, token_ids_0, token_ids_1=None):
            return [0] * (len(token_ids_0) + 2)

        def bpe(self, token):
            if token in self.cache:
                return self.cache[token]
            word = tuple(token[:-1]) + (token[-1] + "</w>",)
            while len(word) > 1:
                pairs = set(zip(word, word[1:]))
                best = min(pairs, key=lambda p: self.bpe_ranks.get(p, float("inf")))
                if best not in self.bpe_ranks:
                    break
                word = apply_merge(word, best)
            result = " ".join(word)
            self.cache[token] = result
            return result

        def _tokenize(self, text, **kwargs):
            assert self.fix_text is None
            text = " ".join(self.nlp.tokenize(text))
            out = []
            for token in regex.findall(CLIP_PATTERN, text):
                token = "".join(self.byte_encoder[b] for b in token.encode("utf-8"))
                out.extend(self.bpe(token).split(" "))
            return out

        def _convert_token_to_id(self, token):
            return self.encoder.get(token, self.encoder.get(self.unk_token))

        def _convert_id_to_token(self, index):
            return self.decoder.get(index)

        def convert_tokens_to_string(self, tokens):
            data = bytearray(self.byte_decoder[c] for c in "".join(tokens))
            return data.decode("utf-8", errors=self.errors).replace("</w>", " ").strip()

        def _decode(self, token_ids, skip_special_tokens=False, clean_up_tokenization_spaces=None, **kwargs):
            tokens = self.convert_ids_to_tokens(token_ids, skip_special_tokens=skip_special_tokens)
            if isinstance(tokens, str):
                tokens = [tokens]
            legacy_added = set(self._added_tokens_encoder) - set(self.all_special_tokens)
            parts, run = [], []
            for token in tokens:
                if skip_special_tokens and token in self.all_special_tokens:
                    continue
                if token in legacy_added:
                    if run:
                        text = self.convert_tokens_to_string(run)
                        if text:
                            parts.append(text)
                        run = []
                    parts.append(token)
                else:
                    run.append(token)
            if run:
                parts.append(self.convert_tokens_to_string(run))
            text = " ".join(parts)
            if clean_up_tokenization_spaces if clean_up_tokenization_spaces is not None else \
                    self.clean_up_tokenization_spaces:
                text = self.clean_up_tokenization(text)
            return text

    def load_slow(folder):
        return SlowCLIPTokenizer.from_pretrained(str(folder))

    def load_fast(folder):
        return transformers.CLIPTokenizer.from_pretrained(str(folder))
else:
    def load_slow(folder):
        return transformers.CLIPTokenizer.from_pretrained(str(folder))

    def load_fast(folder):
        return transformers.CLIPTokenizerFast.from_pretrained(str(folder))


# ---------------------------------------------------------------------------------------------------------------
# Cases.

LONG_CAPTION = ("a highly detailed photo of a traditional korean hanok house with a curved tiled roof, wooden "
                "pillars, paper windows and a stone courtyard, burning at night during a storm while the river "
                "floods the street, firefighters in yellow coats, smoke, embers, reflections in the water, "
                "dramatic lighting, 35mm film, award winning photograph by a famous photographer, 8k, sharp focus")

CASES = [
    ("caption", "a photo of a hanok"),
    ("caption_mixed_case", "A Photo Of A HANOK"),
    ("caption_punct", "a photo of a house on fire, at night!"),
    ("caption_flood", "Flooded street... (after the storm)"),
    ("words_unseen", "zebra quixotic jazz"),
    ("contraction_s", "it's"),
    ("contraction_all", "don't they're we've i'm we'll he'd she's"),
    ("contraction_upper", "IT'S DON'T WE'LL"),
    ("contraction_inner", "o'clock rock'n'roll 'stop' 'reel"),
    ("apostrophe_long_s", "it'\u017f"),
    ("number_1234", "1234"),
    ("number_3_5", "3.5"),
    ("numbers_in_text", "in 1923 the 2nd floor flooded to 3.5 m (100%)"),
    ("numbers_other", "\u00bd \u00b2 \u2460 \u216b \u0661\u0662\u0663"),
    ("accent_composed", "caf\u00e9 na\u00efve r\u00e9sum\u00e9"),
    ("accent_decomposed", "cafe\u0301 nai\u0308ve re\u0301sume\u0301"),
    ("accent_upper_decomposed", "A\u030angstro\u0308m \u212b"),
    ("german_sz", "Stra\u00dfe STRASSE \u00df \u1e9e"),
    ("turkish_dotted_i", "\u0130stanbul D\u0130YARBAKIR \u0131"),
    ("turkish_i_alone", "\u0130"),
    ("greek", "\u039f\u0394\u039f\u03a3 \u03bf\u03b4\u03cc\u03c2 \u0391\u0398\u0397\u039d\u0391"),
    ("greek_final_sigma", "\u03a3\u0391\u03a3 \u03a3 \u039f\u03a3. \u0391\u03a3\u0301 \u0391\u03a3\u0301\u0391"),
    ("greek_titlecase", "\u1fbc \u1fb3 \u03b1\u0345"),
    ("combining_ypogegrammeni", "x\u0345y \u0345"),
    ("cjk", "\u97d3\u5c4b"),
    ("cjk_mixed", "\u97d3\u5c4bhanok \u4e2d\u6587\u5b57"),
    ("cjk_japanese", "\u65e5\u672c\u306e\u5bb6 \u30ab\u30bf\u30ab\u30ca"),
    ("cjk_ext_b_and_compat", "\U00020000\uf900\U0002f800"),
    ("korean", "\ud55c\uc625"),
    ("korean_words", "\ud55c\uc625 \ub9c8\uc744\uc758 \uc9d1"),
    ("korean_jamo_decomposed", "\u1112\u1161\u11ab\u110b\u1169\u11a8"),
    ("emoji", "\U0001f525\U0001f3e0\U0001f30a"),
    ("emoji_words", "house \U0001f525 on fire\U0001f525!"),
    ("emoji_zwj_vs16", "\U0001f468\u200d\U0001f469\u200d\U0001f467 \u2764\ufe0f \U0001f1f0\U0001f1f7"),
    ("tabs_newlines", "a\tphoto\nof\r\na\r\nhouse"),
    ("multiple_spaces", "   a    photo   of  a house   "),
    ("unicode_spaces", "a\u00a0photo\u2003of\u3000a\u202fhouse"),
    ("line_para_sep", "line\u2028sep\u2029para"),
    ("vt_ff_fs_nel", "\x0bvt\x0cff\x1cfs\x85nel"),
    ("control_chars", "a\x00b\x01c\x7fd\x1be"),
    ("format_chars", "soft\u00adhyphen zero\u200bwidth \ufeffbom"),
    ("private_and_unassigned", "x\ue000y\u0378z"),
    ("newer_than_unicode14", "\U0001f6dc wifi \u0c5d"),
    ("replacement_char", "bad\ufffdbyte"),
    ("empty", ""),
    ("only_spaces", "   \t\n "),
    ("only_controls", "\x00\x01\x02"),
    ("long_caption", LONG_CAPTION),
    ("long_repeated", " ".join(["fire"] * 90)),
    ("long_word", "flood" * 60),
    ("exactly_75", " ".join(["house"] * 75)),
    ("exactly_76", " ".join(["house"] * 76)),
    ("eot_alone", "<|endoftext|>"),
    ("eot_inside", "a house<|endoftext|>on fire"),
    ("sot_and_eot", "<|startoftext|>a cat<|endoftext|>"),
    ("eot_upper", "<|ENDOFTEXT|>"),
    ("eot_mixed_case_inside", "x<|EndOfText|>y"),
    ("eot_after_punct", "!<|ENDOFTEXT|> ok"),
    ("eot_incomplete", "<|endoftext"),
    ("literal_word_end", "fire</w>"),
    ("punct_runs", "hello, world!!! ... ?!"),
    ("quotes", "\"quoted\" 'single' \u201ccurly\u201d \u2018x\u2019"),
    ("symbols", "a-b_c/d\\e #tag @user $5 ~x^2 {a|b}"),
    ("prompt_weights", "(((masterpiece))), [hanok:villa:0.5], <lora:x:1>"),
    ("ligature_fullwidth", "\ufb01re \uff26\uff35\uff2c\uff2c"),
    ("roman_and_circled", "\u216b \u24b6"),
    ("other_scripts", "\u0939\u093f\u0928\u094d\u0926\u0940 \u05e2\u05d1\u05e8\u05d9\u05ea \u0e44\u0e17\u0e22"),
    ("cherokee_deseret", "\u13a0\u13a1 \U00010400\U00010401"),
    ("armenian_georgian", "\u0535\u0536 \u10a0\u1c90"),
    ("titlecase_digraph", "\u01c5\u01c4\u01c6"),
]

ADDED_SETS = [
    ("placeholders", ["<hanok>", "<v*>"], [
        "a photo of a <hanok> house",
        "<v*> style",
        "<hanok><v*>",
        "<HANOK> <V*>",
        "a<hanok>b",
        "<hanok >",
        "<v*>, <v*>!",
        "<hanok> on fire<|endoftext|>",
        "\u97d3\u5c4b<hanok>\u03a3",
        "",
    ]),
    ("case_and_known_tokens", ["Hanok", "a", "<hanok>", "<hanok>", "<|endoftext|>"], [
        "a photo of a Hanok hanok",
        "banana",
        "HANOK Hanok",
        "<hanok>a",
    ]),
]

PAD_BANG_CASES = ["a photo!", "hello!! world", "!", "", LONG_CAPTION, "(!)"]


def run(tok, text):
    plain = tok(text, add_special_tokens=False)["input_ids"]
    padded = tok(text, padding="max_length", max_length=MAX_LENGTH, truncation=True)["input_ids"]
    return plain, padded, tok.decode(plain)


def record(slow, fast, label, text, disagreements):
    plain, padded, decoded = run(slow, text)
    if fast is not None and run(fast, text) != (plain, padded, decoded):
        f_plain, f_padded, f_decoded = run(fast, text)
        disagreements.append({"case": label, "fast_ids": f_plain, "fast_decode": f_decoded,
                              "ids_differ": f_plain != plain, "decode_differs": f_decoded != decoded})
    return {"name": label, "text": text, "ids": plain, "padded": padded, "decode": decoded}


def main():
    merges = train_merges(training_words(), NUM_MERGES,
                          list(BYTE_SYMBOL.values()) + [s + "</w>" for s in BYTE_SYMBOL.values()])
    if TOKENIZER_DIR.exists():
        shutil.rmtree(TOKENIZER_DIR)
    write_tokenizer(TOKENIZER_DIR, merges)

    slow, fast = load_slow(TOKENIZER_DIR), load_fast(TOKENIZER_DIR)
    assert slow.fix_text is None, "the slow tokenizer took the ftfy path"
    assert len(slow) == 1000 and slow.model_max_length == MAX_LENGTH
    assert slow.pad_token_id == slow.eos_token_id == 999 and slow.bos_token_id == 998

    disagreements = []
    cases = [record(slow, fast, name, text, disagreements) for name, text in CASES]
    assert len({c["name"] for c in cases}) == len(cases)

    added_sets = []
    for set_name, tokens, texts in ADDED_SETS:
        slow, fast = load_slow(TOKENIZER_DIR), load_fast(TOKENIZER_DIR)
        count = slow.add_tokens(tokens)
        fast.add_tokens(tokens)
        added_sets.append({
            "name": set_name, "tokens": tokens, "added": count, "vocab_size": len(slow),
            "ids": {t: slow.convert_tokens_to_ids(t) for t in tokens},
            "cases": [record(slow, fast, f"{set_name}[{i}]", text, disagreements) for i, text in enumerate(texts)],
        })

    with tempfile.TemporaryDirectory() as tmp:
        folder = pathlib.Path(tmp) / "tokenizer"
        write_tokenizer(folder, merges, pad_token="!")
        slow, fast = load_slow(folder), load_fast(folder)
        assert slow.pad_token_id == 0
        pad_bang = [record(slow, fast, f"pad_bang[{i}]", text, disagreements) for i, text in enumerate(PAD_BANG_CASES)]

    out = {
        "comment": "made by tests/reference/make_tiny_tokenizer.py; slow CLIPTokenizer without ftfy is the reference",
        "transformers_version": transformers.__version__,
        "unicodedata_version": unicodedata.unidata_version,
        "tokenizer_dir": "tests/fixtures/tiny-sd/tokenizer",
        "max_length": MAX_LENGTH,
        "bos_id": 998, "eos_id": 999, "pad_id": 999,
        "cases": cases,
        "added_sets": added_sets,
        "pad_bang": {"pad_token": "!", "pad_id": 0, "cases": pad_bang},
        "slow_fast_disagreements": disagreements,
    }
    text = json.dumps(out, ensure_ascii=True, indent=1)
    # One case per line keeps the file small and readable.
    text = regex.sub(r"\[\s+([-0-9,\s]+?)\s+\]", lambda m: "[" + "".join(m.group(1).split()) + "]", text)
    CASES_FILE.write_text(text + "\n", encoding="utf-8")
    n_cases = len(cases) + sum(len(s["cases"]) for s in added_sets) + len(pad_bang)
    print(f"wrote {TOKENIZER_DIR} and {CASES_FILE} ({n_cases} cases, {len(disagreements)} slow/fast disagreements)")
    for d in disagreements:
        print("  disagree:", d["case"], "ids" if d["ids_differ"] else "", "decode" if d["decode_differs"] else "")


if __name__ == "__main__":
    main()
