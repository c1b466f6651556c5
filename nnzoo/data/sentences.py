"""Sentence classification datasets: MR (rt-polarity), SST-1/SST-2, and a generated toy task.

Every loader tokenises, builds the vocabulary from the *training split only* and encodes:

- Vocabulary: every word that occurs in the training split (count >= 1), sorted by
  decreasing count then alphabetically, after the two reserved ids ``0 = <pad>`` and
  ``1 = <unk>``; words of the validation and test splits that training never saw become
  ``<unk>``. ``Splits.meta["vocab"]`` is the word list (index = id), ``meta["vocab_size"]``
  its length (the recipes' runner passes it to the model), ``meta["sentences"]`` the token
  lists of each split (for pictures of attention over words).
- Padding: every sentence is padded at the end with 0 to the longest sentence of the whole
  dataset (all splits), or cut to ``max_len`` tokens when given; ``X`` is ``(N, T)`` int64.
- Empty sentences: a line (other than a final newline) that holds no token after
  tokenisation is an :class:`InputError` naming the file and the line.

Datasets (``nnzoo.data.load_dataset``):

- ``mr``: B. Pang, L. Lee, "Seeing stars: Exploiting class relationships for sentiment
  categorization with respect to rating scales", ACL 2005; ``rt-polarity.pos`` /
  ``rt-polarity.neg`` (5,331 each, Latin-1) in ``<data root>/mr-rt-polarity/``; tokenised by
  Kim's ``clean_str``. No official split: the standard protocol is 10-fold cross-validation
  (Kim 2014). Here the 10,662 sentences (positives first, then negatives, in file order) are
  permuted once with ``numpy.random.default_rng(3435)``; ``numpy.array_split`` cuts the
  permutation into ``n_folds`` folds; fold ``fold`` is the test set; of the other sentences,
  in permutation order, the first 10 % are the validation set (early stopping) and the rest
  the training set.
- ``sst1`` / ``sst2``: R. Socher et al., "Recursive Deep Models for Semantic
  Compositionality Over a Sentiment Treebank", EMNLP 2013. ``train.txt``, ``dev.txt`` and
  ``test.txt`` in ``<data root>/sst/`` (or ``path``), in either format, detected per file:
  the Stanford PTB trees (``(3 (2 It) (4 ...))``, the root's label is the sentence's; sentences
  only, no phrases), or one sentence a line, ``label<TAB or space>sentence``. ``sst1`` has
  five classes (0 very negative .. 4 very positive); ``sst2`` two: trees map 0-1 to 0 and 3-4
  to 1 and drop the neutral 2, line files must already hold 0/1. A label outside the set is an
  :class:`InputError` naming the file and the line. Tokenised by Kim's ``clean_str_sst``.
- ``toy-sentiment``: generated offline, seeded: clauses "subject copula [not] [intensifier]
  adjective [tail]" whose polarity is the adjective's, flipped by "not"; a sentence is one
  clause, or two joined by "but" (the second decides) or by "and" (both agree).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from nnzoo.core.errors import ConfigError, DataMissingError, InputError
from nnzoo.core.tags import PAD_TOKEN, UNK_TOKEN
from nnzoo.data.base import ArrayDataset, Splits
from nnzoo.data.generated import _int
from nnzoo.data.registry import register_dataset
from nnzoo.data.root import data_root
from nnzoo.data.sources import RemoteFile, Source, ensure

MR_SPLIT_SEED = 3435  # the seed of Kim's process_data.py, reused for the fixed permutation

_KIM = "https://raw.githubusercontent.com/yoonkim/CNN_sentence/" \
       "23e0e1f7355705bb083043fda05c031b15acb38c/"
MR = Source(
    name="mr-rt-polarity",
    files=(
        RemoteFile("rt-polarity.pos", _KIM + "rt-polarity.pos",
                   "2da124ec187a9d5a29c9f04e91c540e02baed5af8868f550a26bd6fd4dbf8bf0", 626139),
        RemoteFile("rt-polarity.neg", _KIM + "rt-polarity.neg",
                   "4ace77d558c3714723843f1d65b60c01e3417b208180f0728808d76ad0eeeaca", 612256),
    ),
    homepage="https://www.cs.cornell.edu/people/pabo/movie-review-data/",
    licence="no formal licence; distributed freely for research by the authors",
    description="sentence polarity dataset v1.0: 5,331 positive and 5,331 negative snippets",
)


# -- tokenisation --------------------------------------------------------------------------------

def clean_str(text: str) -> str:
    """Kim's ``clean_str`` (CNN_sentence/process_data.py): keep letters, digits and
    ``(),!?'` ``, split clitics ('s 've n't 're 'd 'll) and punctuation off, lower-case.
    (Kim's code writes parentheses back as ``\\(`` and ``\\)``; here they stay ``(`` ``)``.)"""
    s = re.sub(r"[^A-Za-z0-9(),!?\'\`]", " ", text)
    for clitic in ("'s", "'ve", "n't", "'re", "'d", "'ll"):
        s = s.replace(clitic, " " + clitic)
    for p in (",", "!", "(", ")", "?"):
        s = s.replace(p, f" {p} ")
    return re.sub(r"\s{2,}", " ", s).strip().lower()


def clean_str_sst(text: str) -> str:
    """Kim's ``clean_str_sst``: keep letters, digits and ``(),!?'` ``, lower-case."""
    s = re.sub(r"[^A-Za-z0-9(),!?\'\`]", " ", text)
    return re.sub(r"\s{2,}", " ", s).strip().lower()


# -- vocabulary and encoding -----------------------------------------------------------------

def build_vocab(sentences: Sequence[Sequence[str]]) -> list[str]:
    """``[<pad>, <unk>, words by decreasing count, then alphabetically]`` of ``sentences``."""
    counts = Counter(w for s in sentences for w in s)
    return [PAD_TOKEN, UNK_TOKEN, *sorted(counts, key=lambda w: (-counts[w], w))]


def encode(sentences: Sequence[Sequence[str]], vocab: Sequence[str], length: int
           ) -> torch.Tensor:
    """Token ids (N, length) int64: unknown words -> 1, cut at ``length``, 0-padded."""
    index = {w: i for i, w in enumerate(vocab)}
    X = np.zeros((len(sentences), length), dtype=np.int64)
    ids = [[index.get(w, 1) for w in s[:length]] for s in sentences]
    lens = np.array([len(r) for r in ids])
    if lens.sum():
        rows = np.repeat(np.arange(len(ids)), lens)
        cols = np.concatenate([np.arange(n) for n in lens])
        X[rows, cols] = np.concatenate([r for r in ids if r])
    return torch.from_numpy(X)


def save_vocab(vocab: Sequence[str], path: str | Path) -> Path:
    """Write the vocabulary, one word per line (line i = id i): the ``vocab_path`` that the
    sentence models need to load pre-trained word vectors."""
    path = Path(path)
    path.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    return path


def make_splits(name: str, parts: dict[str, tuple[list[list[str]], list[int]]],
                n_classes: int, classes: tuple[str, ...], description: str,
                max_len: int | None = None, extra: dict[str, object] | None = None) -> Splits:
    """Vocabulary from ``parts["train"]``, encode every part, pad to one length.

    :param parts: ``{"train" | "val" | "test": (token lists, labels)}``.
    :param max_len: cut sentences to this many tokens (None: the longest sentence).
    """
    if max_len is not None and (isinstance(max_len, bool) or not isinstance(max_len, int)
                                or max_len < 1):
        raise ConfigError(f"max_len must be a positive integer or None, got {max_len!r}")
    vocab = build_vocab(parts["train"][0])
    longest = max(len(s) for sents, _ in parts.values() for s in sents)
    T = min(longest, max_len) if max_len else longest
    ds = {k: ArrayDataset(encode(s, vocab, T), torch.tensor(y, dtype=torch.int64))
          for k, (s, y) in parts.items()}
    meta: dict[str, object] = {"vocab": vocab, "vocab_size": len(vocab), "max_len": T,
                               "sentences": {k: s for k, (s, _) in parts.items()},
                               **(extra or {})}
    return Splits(name, ds["train"], ds["val"], ds["test"], "classification", n_classes, (T,),
                  classes=classes,
                  description=f"{description}; vocabulary of {len(vocab)} ids from the "
                              f"training split (0 pad, 1 unk); padded to {T} tokens",
                  meta=meta)


def read_lines(path: Path, encoding: str) -> list[str]:
    """The lines of a text file; a final empty line (after the last newline) is dropped."""
    try:
        lines = path.read_text(encoding=encoding).split("\n")
    except UnicodeDecodeError as e:
        raise InputError(f"{path} is not {encoding} text ({e.reason} at byte {e.start})"
                         ) from None
    if lines and lines[-1].strip() == "":
        lines.pop()
    return [ln.rstrip("\r") for ln in lines]


def tokenize_lines(path: Path, lines: Sequence[str], clean: Callable[[str], str] = clean_str
                   ) -> list[list[str]]:
    """Tokens of every line; an empty one is an :class:`InputError` naming file and line."""
    out = []
    for i, line in enumerate(lines, 1):
        toks = clean(line).split()
        if not toks:
            raise InputError(f"{path}, line {i}: empty sentence (no tokens after "
                             f"tokenisation: {line!r})")
        out.append(toks)
    return out


# -- MR -------------------------------------------------------------------------------------------

def mr_folds(n: int, n_folds: int = 10) -> list[np.ndarray]:
    """The fixed folds: a permutation of ``range(n)`` by ``default_rng(3435)``, cut by
    ``numpy.array_split`` into ``n_folds`` parts."""
    perm = np.random.default_rng(MR_SPLIT_SEED).permutation(n)
    return np.array_split(perm, n_folds)


def load_mr(fold: int = 0, n_folds: int = 10, max_len: int | None = None,
            root: str | Path | None = None, path: str | Path | None = None) -> Splits:
    """MR (rt-polarity), one fold of the fixed ``n_folds``-fold split (see the module doc).

    :param fold: the test fold, ``0 <= fold < n_folds``.
    :param n_folds: number of folds (10 = Kim's protocol).
    :param max_len: cut sentences to this many tokens (None: the longest, 56).
    :param root: the data root (default: ``$NNZOO_DATA``); the files are checked by size
        and downloaded when missing.
    :param path: a folder holding ``rt-polarity.pos`` and ``rt-polarity.neg`` to read as they
        are (another copy or version; no size check, no download).
    """
    n_folds = _int("n_folds", n_folds, 2)
    fold = _int("fold", fold, 0)
    if fold >= n_folds:
        raise ConfigError(f"fold must be in [0, {n_folds}), got {fold}")
    if path is not None:
        directory = Path(path)
        missing = [f.name for f in MR.files if not (directory / f.name).is_file()]
        if missing:
            raise DataMissingError(f"MR needs {', '.join(missing)} in {directory}/")
    else:
        directory = ensure(MR, root=root)
    sents: list[list[str]] = []
    labels: list[int] = []
    for label, fname in ((1, "rt-polarity.pos"), (0, "rt-polarity.neg")):
        path = directory / fname
        toks = tokenize_lines(path, read_lines(path, "latin-1"), clean_str)
        sents += toks
        labels += [label] * len(toks)
    folds = mr_folds(len(sents), n_folds)
    test = folds[fold]
    perm = np.concatenate(folds)
    rest = perm[~np.isin(perm, test)]                    # the other sentences, permuted order
    n_val = len(rest) // 10
    idx = {"train": rest[n_val:], "val": rest[:n_val], "test": test}
    parts = {k: ([sents[i] for i in v], [labels[i] for i in v]) for k, v in idx.items()}
    return make_splits(
        "mr", parts, 2, ("negative", "positive"),
        f"MR rt-polarity (Pang & Lee 2005), fold {fold} of {n_folds} (fixed permutation, "
        f"seed {MR_SPLIT_SEED}): test = fold {fold}, validation = first 10 % of the rest",
        max_len, {"fold": fold, "n_folds": n_folds, "indices": idx})


# -- SST ------------------------------------------------------------------------------------------

_LEAF = re.compile(r"\(\d+ ([^()\s]+)\)")
_ROOT = re.compile(r"\s*\((\d+)\s")
SST_FILES = ("train.txt", "dev.txt", "test.txt")


def parse_sst_file(path: Path, fine_grained: bool) -> tuple[list[list[str]], list[int]]:
    """Sentences and labels of one SST file, PTB trees or ``label sentence`` lines.

    :raises InputError: an unknown label, a malformed line, or an empty sentence (naming the
        file and the line).
    """
    lines = read_lines(path, "utf-8")
    tree = bool(lines) and lines[0].lstrip().startswith("(")
    allowed = set(range(5)) if (fine_grained or tree) else {0, 1}
    sents, labels = [], []
    for i, line in enumerate(lines, 1):
        if tree:
            m = _ROOT.match(line)
            if not m:
                raise InputError(f"{path}, line {i}: not a PTB tree '(label (label word) ...)'")
            raw_label, text = m.group(1), " ".join(_LEAF.findall(line))
        else:
            fields = line.strip().split(None, 1)
            if len(fields) < 2:
                raise InputError(f"{path}, line {i}: expected 'label<TAB or space>sentence', "
                                 f"got {line!r}")
            raw_label, text = fields
        if not raw_label.isdigit() or int(raw_label) not in allowed:
            want = "0..4" if allowed == set(range(5)) else "0 or 1"
            raise InputError(f"{path}, line {i}: unknown label {raw_label!r}; this file's "
                             f"labels are {want}")
        label = int(raw_label)
        if tree and not fine_grained:
            if label == 2:
                continue  # SST-2 drops neutral sentences
            label = int(label > 2)
        toks = clean_str_sst(text).split()
        if not toks:
            raise InputError(f"{path}, line {i}: empty sentence (no tokens)")
        sents.append(toks)
        labels.append(label)
    return sents, labels


def load_sst(fine_grained: bool, path: str | Path | None = None, max_len: int | None = None
             ) -> Splits:
    """SST-1 (``fine_grained``) or SST-2 from ``train.txt``/``dev.txt``/``test.txt``.

    :param fine_grained: five classes (SST-1) instead of two (SST-2).
    :param path: the folder of the three files (default ``<data root>/sst``).
    :param max_len: cut sentences to this many tokens (None: the longest).
    """
    folder = Path(path) if path is not None else data_root() / "sst"
    missing = [f for f in SST_FILES if not (folder / f).is_file()]
    if missing:
        raise DataMissingError(
            f"SST needs {', '.join(SST_FILES)} in {folder}/ (missing: {', '.join(missing)}): "
            "the PTB trees of trainDevTestTrees_PTB.zip from https://nlp.stanford.edu/"
            "sentiment/, or files of 'label<TAB>sentence' lines")
    parts = dict(zip(("train", "val", "test"),
                     (parse_sst_file(folder / f, fine_grained) for f in SST_FILES)))
    name = "sst1" if fine_grained else "sst2"
    classes = (("very negative", "negative", "neutral", "positive", "very positive")
               if fine_grained else ("negative", "positive"))
    return make_splits(name, parts, len(classes), classes,
                       f"Stanford Sentiment Treebank ({name}), sentences of {folder}",
                       max_len)


def load_sst1(path: str | Path | None = None, max_len: int | None = None) -> Splits:
    """SST-1: five sentiment classes (see :func:`load_sst`)."""
    return load_sst(True, path, max_len)


def load_sst2(path: str | Path | None = None, max_len: int | None = None) -> Splits:
    """SST-2: binary sentiment, neutral sentences dropped (see :func:`load_sst`)."""
    return load_sst(False, path, max_len)


# -- generated toy task ---------------------------------------------------------------------------

_SUBJECTS = ("the movie", "this film", "the plot", "the acting", "the story", "the cast",
             "the script", "the ending", "the music", "the director")
_COPULAS = ("is", "was", "seems", "felt")
_INTENS = ("", "", "very", "really", "quite", "truly")
_POSITIVE = ("good", "great", "wonderful", "brilliant", "moving", "funny", "charming",
             "superb")
_NEGATIVE = ("bad", "awful", "boring", "dull", "terrible", "weak", "tedious", "bland")
_TAILS = ("", "", "", "overall", "at times", "to me", "in the end")


def _clauses(rng: np.random.Generator, n: int) -> tuple[list[str], np.ndarray]:
    """``n`` random clauses and their polarities (+1 / -1)."""
    adj_pol = rng.integers(0, 2, n)                     # 1 = positive adjective
    negated = rng.random(n) < 0.35
    pick = lambda seq: [seq[i] for i in rng.integers(0, len(seq), n)]  # noqa: E731
    pos, neg = pick(_POSITIVE), pick(_NEGATIVE)
    words = zip(pick(_SUBJECTS), pick(_COPULAS), negated, pick(_INTENS), adj_pol, pos, neg,
                pick(_TAILS))
    text = [" ".join(w for w in (s, c, "not" if ng else "", i, p if a else q, t) if w)
            for s, c, ng, i, a, p, q, t in words]
    polarity = np.where(adj_pol == 1, 1, -1) * np.where(negated, -1, 1)
    return text, polarity


def toy_sentiment(n: int = 2000, n_val: int = 250, n_test: int = 250, seed: int = 0) -> Splits:
    """Generated two-class sentiment sentences with negation and contrast (offline, seeded).

    :param n: training sentences; :param n_val: validation; :param n_test: test.
    :param seed: the generator's seed.
    """
    n, n_val, n_test = _int("n", n, 2), _int("n_val", n_val, 1), _int("n_test", n_test, 1)
    rng = np.random.default_rng(_int("seed", seed, 0))
    total = n + n_val + n_test
    a, pa = _clauses(rng, total)
    b, pb = _clauses(rng, total)
    kind = rng.integers(0, 3, total)                 # 0: one clause, 1: "but", 2: "and"
    agree = np.where(pa == pb, b, [""] * total)      # "and" joins clauses of one polarity
    text = [x if k == 0 else f"{x} but {y}" if k == 1 else (f"{x} and {z}" if z else x)
            for x, y, z, k in zip(a, b, agree, kind)]
    label = np.where(kind == 1, pb, pa) > 0          # "but": the second clause decides
    sents = [t.split() for t in text]
    labels = label.astype(int).tolist()
    cut = (slice(0, n), slice(n, n + n_val), slice(n + n_val, total))
    parts = {k: (sents[c], labels[c]) for k, c in zip(("train", "val", "test"), cut)}
    return make_splits("toy-sentiment", parts, 2, ("negative", "positive"),
                       f"generated sentiment sentences (negation, 'but', 'and'), seed {seed}, "
                       f"{n}/{n_val}/{n_test}")


register_dataset("mr", load_mr, source=MR, aliases=("rt-polarity", "mr-rt-polarity"),
                 description="MR movie-review polarity (Pang & Lee 2005), 10,662 sentences, "
                             "fixed 10-fold split (fold = test)")
register_dataset("sst1", load_sst1, aliases=("sst-1", "sst-fine"),
                 description="Stanford Sentiment Treebank, 5 classes (files you put in "
                             "<data root>/sst/)", embedded=False)
register_dataset("sst2", load_sst2, aliases=("sst-2", "sst-binary"),
                 description="Stanford Sentiment Treebank, binary (files you put in "
                             "<data root>/sst/)", embedded=False)
register_dataset("toy-sentiment", toy_sentiment,
                 description="generated sentiment sentences with negation and contrast "
                             "(offline)")

__all__ = ["MR", "build_vocab", "clean_str", "clean_str_sst", "encode", "load_mr", "load_sst",
           "load_sst1", "load_sst2", "make_splits", "mr_folds", "parse_sst_file", "save_vocab",
           "toy_sentiment"]
