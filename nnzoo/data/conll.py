"""CoNLL files, the conlleval scorer, and the named-entity datasets ``wnut17`` and ``toy-ner``.

Formats. One token per line, its columns separated by whitespace (tabs or spaces), a blank
line between sentences; ``-DOCSTART-`` lines (document separators) are skipped.

- CoNLL-2003 (E. F. Tjong Kim Sang, F. De Meulder, "Introduction to the CoNLL-2003 Shared
  Task: Language-Independent Named Entity Recognition", CoNLL 2003,
  https://aclanthology.org/W03-0419): four columns, ``word POS chunk NER``.
- WNUT-17 (L. Derczynski, E. Nichols, M. van Erp, N. Limsopatham, "Results of the WNUT2017
  Shared Task on Novel and Emerging Entity Recognition", W-NUT 2017,
  https://aclanthology.org/W17-4418): two columns, ``word<TAB>tag``, IOB2 tags of six types.
  Quirks of the official files, handled here: in ``wnut17train.conll`` 2,394 of the 3,394
  sentence breaks are a line holding a single tab (a whitespace-only line is a break); the
  files are UTF-8 and some tokens hold invisible characters (U+200B, U+FEFF), kept as they are
  (they map to the unknown character id).

A malformed line (wrong number of columns, undecodable bytes) is an :class:`InputError` naming
the file and the line number.

Scoring. :func:`conlleval` is a line-by-line port of ``conlleval`` (the CoNLL-2000 shared
task's Perl script by E. F. Tjong Kim Sang, version 2004-01-26): a chunk starts and ends by
its ``startOfChunk`` / ``endOfChunk`` rules (so ``I-X`` after ``O`` or after another type
starts a chunk, ``B-X`` after ``I-X`` starts a new one, a sentence boundary ends every chunk);
a guessed chunk is correct when a gold chunk has the same type and the same first and last
token. It reports per-type and overall precision, recall and F1 and token accuracy. One
difference: the Perl script splits a tag at *every* ``-`` and keeps the second piece as the
type (``B-creative-work`` -> ``creative``); here the type is everything after the first ``-``
(``creative-work``). The counts are the same unless two types share their text up to a ``-``.
:func:`format_report` writes conlleval's output, :func:`parse_report` reads it back;
:func:`write_conlleval_input` / :func:`read_conlleval_input` write and read its input
(``token gold guess`` per line).

Tensors. :func:`encode` turns sentences into the taggers' layout (see
:mod:`nnzoo.core.tags`): ``X`` (N, T, 1 + C), int16 when every word and character id fits
(vocabularies under 32,768 words), else int32: a quarter or half the memory of int64 for a
corpus stored padded to its longest sentence; the taggers widen each batch to int64.
``X[..., 0]`` the word id (0 padding,
1 unknown, lowercased words of the training split), ``X[..., 1:]`` the character ids (0
padding, 1 unknown, 2 + index in :data:`ALPHABET`; words longer than C characters are cut);
``y`` (N, T) the tag ids, -100 at padded steps. ``Splits.meta`` holds ``vocab_size``,
``words`` (id -> word), ``tags`` and ``chars``.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import torch

from nnzoo.core.errors import ConfigError, InputError
from nnzoo.core.tags import (
    ALPHABET,
    PAD_TAG,
    PAD_TOKEN,
    TOY_TAGS,
    UNK_TOKEN,
    WNUT17_TAGS,
    check_bio,
    split_tag,
)
from nnzoo.data.base import ArrayDataset, Splits
from nnzoo.data.generated import _int
from nnzoo.data.registry import register_dataset
from nnzoo.data.sources import RemoteFile, Source, ensure


@dataclass
class Sentence:
    """One sentence of a CoNLL file.

    :param tokens: the words.
    :param tags: the named-entity tag of each word (the last column).
    :param columns: the columns between word and tag of each word (CoNLL-2003: POS, chunk).
    """

    tokens: list[str]
    tags: list[str]
    columns: list[tuple[str, ...]] = field(default_factory=list)


# -- reading ---------------------------------------------------------------------------------

LAYOUTS = {"conll2003": 4, "wnut17": 2}


def parse_conll(lines: Iterable[str], name: str = "<lines>",
                layout: Literal["auto", "conll2003", "wnut17"] = "auto") -> list[Sentence]:
    """Sentences of CoNLL ``lines``; ``layout`` fixes the number of columns (``auto``: that of
    the first token line, 2 or more).

    :raises InputError: ``name:line: ...`` for a line with another number of columns.
    """
    if layout != "auto" and layout not in LAYOUTS:
        raise ConfigError(f"layout must be auto, conll2003 or wnut17, got {layout!r}")
    want = LAYOUTS.get(layout)
    out: list[Sentence] = []
    cur: list[list[str]] = []

    def flush() -> None:
        if cur:
            out.append(Sentence([r[0] for r in cur], [r[-1] for r in cur],
                                [tuple(r[1:-1]) for r in cur] if len(cur[0]) > 2 else []))
            cur.clear()

    for no, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        if no == 1:
            line = line.lstrip("\ufeff")                        # a byte-order mark
        if not line.strip():                                    # blank (or tab-only) line
            flush()
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        parts = [p.strip() for p in parts]
        if parts[0] == "-DOCSTART-":
            flush()
            continue
        if want is None:
            want = len(parts)
            if want < 2:
                raise InputError(f"{name}:{no}: expected at least 2 columns (word ... tag), "
                                 f"got 1: {line!r}")
        if len(parts) != want or not all(parts):
            raise InputError(f"{name}:{no}: expected {want} non-empty columns (word ... tag), "
                             f"got {len(parts)}: {line!r}")
        cur.append(parts)
    flush()
    return out


def read_conll(path: str | Path, layout: Literal["auto", "conll2003", "wnut17"] = "auto",
               encoding: str = "utf-8") -> list[Sentence]:
    """Sentences of the CoNLL file ``path`` (see :func:`parse_conll`).

    :raises InputError: naming the file and line of a malformed or undecodable line.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"CoNLL file {path} does not exist") from None

    def lines() -> Iterable[str]:
        for no, b in enumerate(raw.split(b"\n"), 1):
            try:
                yield b.decode(encoding)
            except UnicodeDecodeError as e:
                raise InputError(f"{path}:{no}: not valid {encoding} ({e.reason} at byte "
                                 f"{e.start} of the line)") from None

    return parse_conll(lines(), str(path), layout)


# -- encoding ---------------------------------------------------------------------------------

def check_sentences(sentences: Sequence[Sentence], tags: Sequence[str], name: str) -> None:
    """Every sentence non-empty, as many tags as tokens, every tag in ``tags``.

    :raises InputError: naming the sentence (0-based) and what is wrong.
    """
    known = set(tags)
    for i, s in enumerate(sentences):
        if not s.tokens:
            raise InputError(f"{name}: sentence {i} is empty; sentences need at least one token")
        if len(s.tokens) != len(s.tags):
            raise InputError(f"{name}: sentence {i} has {len(s.tokens)} tokens but "
                             f"{len(s.tags)} tags")
        bad = [t for t in s.tags if t not in known]
        if bad:
            raise InputError(f"{name}: sentence {i} has tag {bad[0]!r}, not in the tag set "
                             f"{list(tags)}")


def build_vocabulary(sentences: Iterable[Sentence], min_count: int = 1, lower: bool = True
                     ) -> list[str]:
    """Words (id -> word) of ``sentences`` seen at least ``min_count`` times, most frequent
    first (ties alphabetically), after :data:`~nnzoo.core.tags.PAD_TOKEN` and
    :data:`~nnzoo.core.tags.UNK_TOKEN`."""
    counts = Counter(w.lower() if lower else w for s in sentences for w in s.tokens)
    words = sorted((w for w, c in counts.items() if c >= min_count),
                   key=lambda w: (-counts[w], w))
    return [PAD_TOKEN, UNK_TOKEN, *words]


def char_ids(word: str, max_chars: int) -> list[int]:
    """Character ids of ``word`` (2 + index in :data:`ALPHABET`, 1 for others), cut at
    ``max_chars`` and padded with 0."""
    ids = [2 + ALPHABET.index(c) if c in ALPHABET else 1 for c in word[:max_chars]]
    return ids + [0] * (max_chars - len(ids))


def encode(sentences: Sequence[Sentence], words: Sequence[str], tags: Sequence[str], *,
           max_len: int, max_chars: int, lower: bool = True, name: str = "sentences"
           ) -> tuple[torch.Tensor, torch.Tensor]:
    """``X`` (N, max_len, 1 + max_chars) (int16, or int32 for more than 32,767 ids) and ``y``
    (N, max_len) int64 of ``sentences``.

    :raises InputError: for an empty sentence, a tag count that differs from the token
        count, a tag outside ``tags``, or a sentence longer than ``max_len``.
    """
    check_sentences(sentences, tags, name)
    index = {w: i for i, w in enumerate(words)}
    tag_id = {t: i for i, t in enumerate(tags)}
    n = len(sentences)
    top = max(len(words), 2 + len(ALPHABET))               # the largest id + 1
    X = torch.zeros(n, max_len, 1 + max_chars,
                    dtype=torch.int16 if top <= torch.iinfo(torch.int16).max + 1 else torch.int32)
    y = torch.full((n, max_len), PAD_TAG, dtype=torch.long)
    for i, s in enumerate(sentences):
        if len(s.tokens) > max_len:
            raise InputError(f"{name}: sentence {i} has {len(s.tokens)} tokens, more than "
                             f"max_len = {max_len}")
        L = len(s.tokens)
        X[i, :L, 0] = torch.tensor([index.get(w.lower() if lower else w, 1) for w in s.tokens])
        X[i, :L, 1:] = torch.tensor([char_ids(w, max_chars) for w in s.tokens])
        y[i, :L] = torch.tensor([tag_id[t] for t in s.tags])
    return X, y


def decode_tags(y: torch.Tensor, tags: Sequence[str]) -> list[list[str]]:
    """Tag names of each row of ``y`` (N, T), padded steps dropped."""
    return [[tags[i] for i in row if i != PAD_TAG] for row in y.tolist()]


def make_splits(name: str, train: Sequence[Sentence], val: Sequence[Sentence],
                test: Sequence[Sentence], tags: Sequence[str], *, min_count: int = 1,
                max_chars: int = 20, lower: bool = True, description: str = "") -> Splits:
    """Encode three lists of sentences with the vocabulary of ``train``; ``T`` is the longest
    sentence of the three."""
    check_bio(tags)
    _int("max_chars", max_chars, 0)
    _int("min_count", min_count, 1)
    parts = {"train": train, "val": val, "test": test}
    for part, sents in parts.items():
        if not sents:
            raise InputError(f"{name}: the {part} split has no sentences")
        check_sentences(sents, tags, f"{name} {part}")
    words = build_vocabulary(train, min_count, lower)
    T = max(len(s.tokens) for sents in parts.values() for s in sents)
    enc = {p: ArrayDataset(*encode(s, words, tags, max_len=T, max_chars=max_chars, lower=lower,
                                   name=f"{name} {p}")) for p, s in parts.items()}
    return Splits(name, enc["train"], enc["val"], enc["test"], "sequence", len(tags),
                  (T, 1 + max_chars), tuple(tags), description,
                  meta={"vocab_size": len(words), "words": words, "tags": tuple(tags),
                        "chars": ALPHABET, "lower": lower})


# -- conlleval ---------------------------------------------------------------------------------

def end_of_chunk(prev_tag: str, tag: str, prev_type: str, typ: str) -> bool:
    """conlleval's ``endOfChunk``: does a chunk end between the previous token and this one?"""
    end = (prev_tag, tag) in {("B", "B"), ("B", "O"), ("I", "B"), ("I", "O"), ("E", "E"),
                              ("E", "I"), ("E", "O")}
    if prev_tag not in ("O", ".") and prev_type != typ:
        end = True
    return end or prev_tag in ("]", "[")


def start_of_chunk(prev_tag: str, tag: str, prev_type: str, typ: str) -> bool:
    """conlleval's ``startOfChunk``: does a chunk start at this token?"""
    start = (prev_tag, tag) in {("B", "B"), ("I", "B"), ("O", "B"), ("O", "I"), ("E", "E"),
                                ("E", "I"), ("O", "E")}
    if tag not in ("O", ".") and prev_type != typ:
        start = True
    return start or tag in ("[", "]")


@dataclass
class ChunkScores:
    """conlleval's counts: tokens, correct tags, and per type the correct, guessed and gold
    chunks."""

    tokens: int = 0
    correct_tags: int = 0
    correct: Counter[str] = field(default_factory=Counter)
    found_guessed: Counter[str] = field(default_factory=Counter)
    found_gold: Counter[str] = field(default_factory=Counter)

    @property
    def types(self) -> list[str]:
        """Every type found in the gold or the guessed tags, sorted."""
        return sorted(set(self.found_gold) | set(self.found_guessed))

    def scores(self, typ: str | None = None) -> tuple[float, float, float]:
        """Precision, recall, F1 (fractions; 0 when undefined) overall or of type ``typ``."""
        if typ is None:
            c, g, f = (sum(x.values()) for x in (self.correct, self.found_guessed,
                                                 self.found_gold))
        else:
            c, g, f = self.correct[typ], self.found_guessed[typ], self.found_gold[typ]
        p = c / g if g else 0.0
        r = c / f if f else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    @property
    def accuracy(self) -> float:
        return self.correct_tags / self.tokens if self.tokens else 0.0

    def to_dict(self) -> dict[str, object]:
        """Overall and per-type figures (fractions) and counts."""
        p, r, f = self.scores()
        return {"tokens": self.tokens, "accuracy": self.accuracy, "precision": p, "recall": r,
                "f1": f, "correct": sum(self.correct.values()),
                "found_guessed": sum(self.found_guessed.values()),
                "found_gold": sum(self.found_gold.values()),
                "per_type": {t: dict(zip(("precision", "recall", "f1"), self.scores(t)),
                                     correct=self.correct[t], found_guessed=self.found_guessed[t],
                                     found_gold=self.found_gold[t]) for t in self.types}}


def conlleval_rows(rows: Iterable[tuple[str, str] | None]) -> ChunkScores:
    """conlleval over ``(gold tag, guessed tag)`` rows, ``None`` for a sentence boundary."""
    s = ChunkScores()
    in_correct = False
    last_c, last_g, last_ct, last_gt = "O", "O", "", ""
    for row in [*rows, None]:
        boundary = row is None
        c, ct = split_tag(row[0]) if row else ("O", "")
        g, gt = split_tag(row[1]) if row else ("O", "")
        end_c = end_of_chunk(last_c, c, last_ct, ct)
        end_g = end_of_chunk(last_g, g, last_gt, gt)
        if in_correct:
            if end_c and end_g and last_gt == last_ct:
                in_correct = False
                s.correct[last_ct] += 1
            elif end_c != end_g or gt != ct:
                in_correct = False
        start_c = start_of_chunk(last_c, c, last_ct, ct)
        start_g = start_of_chunk(last_g, g, last_gt, gt)
        if start_c and start_g and gt == ct:
            in_correct = True
        if start_c:
            s.found_gold[ct] += 1
        if start_g:
            s.found_guessed[gt] += 1
        if not boundary:
            s.correct_tags += (c, ct) == (g, gt)
            s.tokens += 1
        last_c, last_g, last_ct, last_gt = c, g, ct, gt
    if in_correct:                                               # never: the last row ends all
        s.correct[last_ct] += 1
    return s


def conlleval(gold: Sequence[Sequence[str]], guessed: Sequence[Sequence[str]]) -> ChunkScores:
    """conlleval's scores of ``guessed`` tag sequences against ``gold`` (one per sentence).

    :raises InputError: when the numbers of sentences or of tags in a sentence differ.
    """
    if len(gold) != len(guessed):
        raise InputError(f"{len(gold)} gold sentences but {len(guessed)} guessed ones")

    def rows() -> Iterable[tuple[str, str] | None]:
        for i, (a, b) in enumerate(zip(gold, guessed)):
            if len(a) != len(b):
                raise InputError(f"sentence {i} has {len(a)} gold tags but {len(b)} guessed")
            yield from zip(a, b)
            yield None

    return conlleval_rows(rows())


def format_report(s: ChunkScores) -> str:
    """conlleval's output for ``s``, line for line."""
    found_g, found_c = sum(s.found_gold.values()), sum(s.found_guessed.values())
    out = [f"processed {s.tokens} tokens with {found_g} phrases; found: {found_c} phrases; "
           f"correct: {sum(s.correct.values())}."]
    if s.tokens:
        p, r, f = (100 * v for v in s.scores())
        out.append(f"accuracy: {100 * s.accuracy:6.2f}%; precision: {p:6.2f}%; "
                   f"recall: {r:6.2f}%; FB1: {f:6.2f}")
    for t in s.types:
        p, r, f = (100 * v for v in s.scores(t))
        out.append(f"{t:>17}: precision: {p:6.2f}%; recall: {r:6.2f}%; FB1: {f:6.2f}  "
                   f"{s.found_guessed[t]}")
    return "\n".join(out) + "\n"


_HEAD = re.compile(r"processed (\d+) tokens with (\d+) phrases; found: (\d+) phrases; "
                   r"correct: (\d+)\.")
_NUM = r"\s*([-\d.]+)"
_TOTAL = re.compile(rf"accuracy:{_NUM}%; precision:{_NUM}%; recall:{_NUM}%; FB1:{_NUM}")
_TYPE = re.compile(rf"^\s*(\S+): precision:{_NUM}%; recall:{_NUM}%; FB1:{_NUM}\s+(\d+)\s*$")


def parse_report(text: str) -> dict[str, object]:
    """Read conlleval's output back: counts, overall and per-type figures (percentages, as
    printed).

    :raises InputError: when the first line is not conlleval's ``processed ...`` line.
    """
    lines = text.strip("\n").splitlines()
    head = _HEAD.match(lines[0]) if lines else None
    if not head:
        raise InputError("not conlleval output: the first line must read 'processed N tokens "
                         f"with N phrases; found: N phrases; correct: N.', got {lines[:1]}")
    tokens, gold, found, correct = map(int, head.groups())
    out: dict[str, object] = {"tokens": tokens, "found_gold": gold, "found_guessed": found,
                              "correct": correct}
    per: dict[str, dict[str, float]] = {}
    for line in lines[1:]:
        if m := _TOTAL.search(line):
            out.update(zip(("accuracy", "precision", "recall", "f1"), map(float, m.groups())))
        elif m := _TYPE.match(line):
            per[m[1]] = {"precision": float(m[2]), "recall": float(m[3]), "f1": float(m[4]),
                         "found_guessed": int(m[5])}
        elif line.strip():
            raise InputError(f"not conlleval output: cannot read line {line!r}")
    out["per_type"] = per
    return out


def write_conlleval_input(path: str | Path, tokens: Sequence[Sequence[str]],
                          gold: Sequence[Sequence[str]], guessed: Sequence[Sequence[str]]
                          ) -> Path:
    """Write conlleval's input: ``token gold guess`` per line, a blank line after each
    sentence."""
    from nnzoo.core.io import atomic_write_text

    lines = []
    for i, (w, a, b) in enumerate(zip(tokens, gold, guessed, strict=True)):
        if not len(w) == len(a) == len(b):
            raise InputError(f"sentence {i}: {len(w)} tokens, {len(a)} gold and {len(b)} "
                             "guessed tags")
        lines += [f"{x} {y} {z}" for x, y, z in zip(w, a, b)] + [""]
    atomic_write_text(path, "\n".join(lines) + "\n")
    return Path(path)


def read_conlleval_input(path: str | Path) -> ChunkScores:
    """Score a conlleval input file (the last two columns: gold, guess), as conlleval does."""
    sents = read_conll(path)
    return conlleval([[c[-1] for c in s.columns] for s in sents], [s.tags for s in sents])


# -- WNUT-17 ------------------------------------------------------------------------------------

_WNUT = ("https://raw.githubusercontent.com/leondz/emerging_entities_17/"
         "e52a2d2a71ac1a051ca2d532eef28653c5c02603/")
WNUT17 = Source(
    name="wnut17",
    files=(
        RemoteFile("wnut17train.conll", _WNUT + "wnut17train.conll",
                   sha256="731820e13f71af324c6b55a1575ec2ce59fbaa2a0806f8f0400b98d56cd6a7a5",
                   size=493781),
        RemoteFile("emerging.dev.conll", _WNUT + "emerging.dev.conll",
                   sha256="e053b752b8155113ca66e7db08af5f2f5f43ab993694e4774f1ec5bad42312d8",
                   size=114749),
        RemoteFile("emerging.test.annotated", _WNUT + "emerging.test.annotated",
                   sha256="2aa79b764e56ec9264a1b30fdd9b70195bd00ff400b62edd8f399d5f13c178f0",
                   size=192425),
    ),
    homepage="https://github.com/leondz/emerging_entities_17",
    licence="CC BY 4.0",
    description="WNUT-17 emerging and rare entities: 3,394 / 1,009 / 1,287 sentences of "
                "user-generated text, 6 entity types, IOB2",
)


def load_wnut17(min_count: int = 1, max_chars: int = 20, lower: bool = True,
                root: str | None = None) -> Splits:
    """WNUT-17 (Derczynski et al. 2017): train ``wnut17train.conll``, validation
    ``emerging.dev.conll``, test ``emerging.test.annotated``, from ``<data root>/wnut17/``.

    :param min_count: words seen fewer times in training are unknown (id 1).
    :param max_chars: characters kept per word (C).
    :param lower: word ids of lowercased words (case stays in the character ids).
    :param root: the data root (default ``$NNZOO_DATA``).
    """
    d = ensure(WNUT17, root=root)
    read = lambda f: read_conll(d / f, "wnut17")  # noqa: E731
    train, dev, test = (read(f.name) for f in WNUT17.files)
    return make_splits("wnut17", train, dev, test, WNUT17_TAGS, min_count=min_count,
                       max_chars=max_chars, lower=lower,
                       description="WNUT-17 emerging entities (Derczynski et al. 2017): "
                                   f"{len(train)} / {len(dev)} / {len(test)} sentences, "
                                   "the official train / dev / test files")


# -- the toy task ---------------------------------------------------------------------------------

TOY_NAMES = {
    "PER": ["John Smith", "Mary", "Ahmed Khan", "Li Wei", "Olga Novak", "Carlos", "Aisha Bello",
            "Kenji Tanaka", "Fatima", "Lucas Rossi", "Emma Stone", "Ivan Petrov", "Sara"],
    "LOC": ["Paris", "London", "New York", "Tokyo", "Lagos", "Berlin", "Buenos Aires", "Cairo",
            "Sydney", "Mumbai", "San Francisco", "Oslo", "Lima"],
    "ORG": ["Google", "United Nations", "Acme Corp", "Red Cross", "Toyota", "Reuters",
            "World Bank", "Siemens", "Oxford University", "Greenpeace", "Nasa", "Unicef"],
}
TOY_TEMPLATES = [
    "{PER} works for {ORG} in {LOC} .", "{PER} flew to {LOC} on Monday .",
    "the {ORG} office in {LOC} hired {PER} .", "{PER} met {PER} at the {ORG} headquarters .",
    "yesterday {ORG} announced a deal with {ORG} .", "{LOC} is far from {LOC} .",
    "i think {PER} likes {LOC} more than {LOC} .",
    "according to {ORG} , prices in {LOC} rose again .", "nothing happened today .",
    "we had lunch with {PER} in {LOC} .", "{ORG} and {ORG} both left {LOC} .",
    "did {PER} really say that about {ORG} ?", "the weather in {LOC} was nice .",
]


def toy_sentence(rng: random.Random) -> Sentence:
    """One sentence of the toy grammar: a template with its slots filled by names."""
    tokens: list[str] = []
    tags: list[str] = []
    for piece in rng.choice(TOY_TEMPLATES).split():
        if piece.startswith("{"):
            typ = piece[1:-1]
            name = rng.choice(TOY_NAMES[typ]).split()
            tokens += name
            tags += [f"B-{typ}"] + [f"I-{typ}"] * (len(name) - 1)
        else:
            tokens.append(piece)
            tags.append("O")
    return Sentence(tokens, tags)


def toy_ner(n: int = 600, n_val: int = 150, n_test: int = 150, max_chars: int = 16,
            seed: int = 0) -> Splits:
    """A generated NER task: sentences of a template grammar (:data:`TOY_TEMPLATES`) whose
    slots are people, places and organisations drawn from small lists (:data:`TOY_NAMES`),
    BIO tags of three types; deterministic given ``seed``."""
    _int("n", n, 1)
    _int("n_val", n_val, 1)
    _int("n_test", n_test, 1)
    rng = random.Random(_int("seed", seed, 0))
    sents = [toy_sentence(rng) for _ in range(n + n_val + n_test)]
    return make_splits("toy-ner", sents[:n], sents[n:n + n_val], sents[n + n_val:], TOY_TAGS,
                       max_chars=max_chars,
                       description=f"{n} / {n_val} / {n_test} template sentences with "
                                   f"people, places and organisations (seed {seed})")


register_dataset("wnut17", load_wnut17, source=WNUT17, aliases=("wnut-17",),
                 description="WNUT-17 emerging entities NER, 3,394 / 1,009 / 1,287 sentences, "
                             "6 types (BIO)")
register_dataset("toy-ner", toy_ner,
                 description="generated NER sentences: people, places, organisations (BIO)")


__all__ = ["ChunkScores", "Sentence", "WNUT17", "build_vocabulary", "char_ids", "check_sentences",
           "conlleval", "conlleval_rows", "decode_tags", "encode", "end_of_chunk", "format_report",
           "load_wnut17", "make_splits", "parse_conll", "parse_report", "read_conll",
           "read_conlleval_input", "start_of_chunk", "toy_ner", "write_conlleval_input"]
