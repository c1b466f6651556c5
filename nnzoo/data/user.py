"""Bring your own data: ``--dataset KIND:PATH`` loads a user's files as :class:`Splits`.

``load_dataset("conll:corpus/")``, ``nnzoo train crf --dataset conll:corpus/``. Four kinds:

- ``conll:DIR`` -- named-entity tagging, for ``crf`` and ``bilstm-crf``. CoNLL files, one
  token a line, whitespace- or tab-separated columns, a blank line between sentences,
  ``-DOCSTART-`` lines skipped (read by :func:`nnzoo.data.conll.read_conll`). The token is the
  first column and the tag the last; the columns between are ignored, so CoNLL-2003's four
  columns and WNUT-17's two both work. The tag scheme is detected from the files: BIOES when
  an ``E-`` or ``S-`` tag occurs, else IOB1 when an ``I-X`` tag opens an entity (after ``O``,
  another type, or at a sentence start), else IOB2. Tags are rewritten to IOB2 (``S-X`` ->
  ``B-X``, ``E-X`` -> ``I-X``; an ``I-X`` that opens an entity -> ``B-X``), which keeps every
  entity as it is and is what the taggers and conlleval read; the tag set is ``O`` then
  ``B-X``, ``I-X`` for each entity type of the train file, sorted. ``meta["scheme"]`` says what
  was found.
- ``sentences:DIR`` -- sentence classification, for ``text-cnn``, ``dynamic-cnn``,
  ``clstm``, ``lstm``, ``gru``, ``bilstm``... One sentence a line, ``label<TAB>text`` (blank
  lines skipped). Tokenised by Kim's ``clean_str`` (``tokenizer="kim"``, as MR) or split at
  whitespace (``tokenizer="split"``); vocabulary from the training split and padding as
  :func:`nnzoo.data.sentences.make_splits` does for MR. Labels are any strings; classes are
  the train file's labels, sorted (numerically when they are all integers).
- ``csv:FILE`` -- a table, for ``mlp``, ``perceptron``, ``svm``, ``elm``, ``rbf-net``... A
  header row of column names is required; the delimiter is a tab for ``.tsv`` files or a
  header holding tabs, a semicolon for a header with semicolons and no commas, else a comma.
  ``target`` names the target column (default: the last one); every other column is a
  numeric feature. ``target_type="auto"`` makes the target a class label when it holds text,
  or whole numbers with at most :data:`MAX_AUTO_CLASSES` distinct values, and a regression
  target otherwise (models that regress: ``elm``, ``rbf-net``...). Features are standardised
  with the training split's mean and standard deviation (``scale_features=False``: raw).
- ``imagefolder:DIR`` -- image classification, for ``mlp``, ``cnn``, ``perceptron``... One
  subfolder per class holding its images (any format Pillow reads), or ``train/``, ``val/``
  (or ``valid/``, ``dev/``) and ``test/`` top folders each holding the class subfolders.
  Classes are the train part's subfolder names, sorted. All images must have one size; they
  are grayscale (one channel) when every image is, else RGB (three); pixels are scaled to
  ``[0, 1]``. Images load into memory.

Splits. Folder kinds take the files whose names hold a word ``train``; ``dev``, ``valid``,
``validation``, ``val`` or ``testa``; ``test`` or ``testb`` (any extension: ``train.txt``,
``eng.train``, ``eng.testa``, ``eng.testb``, ``wnut17train.conll``); other files are ignored.
A train file is required. When the test part is absent, ``test_fraction`` (0.2) of the
training samples become the test split; when the validation part is absent,
``val_fraction`` (0.1) of the rest become the validation split. A CSV file is always split
that way. The draws are seeded by ``split_seed`` (0), independent of the training seed, and
stratified by class where every class has enough samples (otherwise plain).

Every malformed input is one :class:`InputError` naming the file and line (or the image
file): a CoNLL line with one column, a tag outside IOB1/IOB2/BIOES, a sentence line with no
tab, a label or entity type that the train file never has, a non-numeric CSV feature, a
missing target column (the columns are listed), an empty folder, a missing train file.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from nnzoo.core.errors import ConfigError, DataMissingError, InputError
from nnzoo.data import conll, sentences
from nnzoo.data.base import ArrayDataset, Splits, check_finite
from nnzoo.data.conll import Sentence, read_conll
from nnzoo.data.generated import _int

VAL_FRACTION = 0.1
TEST_FRACTION = 0.2
SPLIT_SEED = 0
#: ``target_type="auto"``: whole-number targets with at most this many values are classes.
MAX_AUTO_CLASSES = 20

#: Words of a file name (split at anything but letters) that say which split it holds.
ROLE_WORDS: dict[str, frozenset[str]] = {
    "train": frozenset({"train", "training"}),
    "val": frozenset({"dev", "valid", "validation", "val", "testa", "development"}),
    "test": frozenset({"test", "testb"}),
}
ROLE_NAMES = {"train": "train", "val": "dev/valid", "test": "test"}
IMAGE_SPLIT_DIRS = {"train": "train", "val": "val", "valid": "val", "validation": "val",
                    "dev": "val", "test": "test"}
GRAY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"})


# -- shared helpers ------------------------------------------------------------------------

def _directory(path: str | Path, kind: str) -> Path:
    d = Path(path).expanduser()
    if not d.exists():
        raise DataMissingError(f"{kind}:{path}: no such folder {d}")
    if not d.is_dir():
        raise InputError(f"{kind}:{path}: {d} is a file; {kind} takes a folder")
    return d


def _visible(paths: Sequence[Path]) -> list[Path]:
    return sorted(p for p in paths if not p.name.startswith("."))


def role_of(name: str) -> str | None:
    """Which split a file name says it holds (``train``, ``val``, ``test``) or None.

    :raises InputError: when the name says two splits (``train_test.txt``).
    """
    words = set(re.split(r"[^a-z]+", name.lower())) - {""}
    roles = [r for r, ws in ROLE_WORDS.items() if words & ws]
    if len(roles) > 1:
        raise InputError(f"{name}: the name says both {ROLE_NAMES[roles[0]]} and "
                         f"{ROLE_NAMES[roles[1]]}; rename the file")
    return roles[0] if roles else None


def split_files(directory: Path, kind: str) -> dict[str, Path]:
    """The train, and when present dev/valid and test, files of ``directory``.

    :raises InputError: an empty folder, no train file, or two files of one split.
    """
    files = _visible([p for p in directory.iterdir() if p.is_file()])
    if not files:
        raise InputError(f"{directory} is empty: {kind} needs a train file (e.g. train.txt), "
                         "and optionally dev (or valid) and test files")
    found: dict[str, Path] = {}
    for p in files:
        role = role_of(p.name)
        if role is None:
            continue
        if role in found:
            raise InputError(f"{directory} holds two {ROLE_NAMES[role]} files, "
                             f"{found[role].name} and {p.name}; keep one")
        found[role] = p
    if "train" not in found:
        raise InputError(f"{directory} has no train file (a name holding the word 'train', "
                         f"e.g. train.txt or eng.train); files there: "
                         f"{', '.join(p.name for p in files)}")
    return found


def _fraction(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ConfigError(f"{name} must be a number in (0, 1), got {value!r}")
    return float(value)


def _split_off(idx: np.ndarray, fraction: float, labels: np.ndarray | None, seed: int,
               what: str) -> tuple[np.ndarray, np.ndarray]:
    """``(rest, part)``: a seeded draw of ``fraction`` of ``idx``, stratified by ``labels``
    when every class has at least two samples."""
    from sklearn.model_selection import train_test_split

    if len(idx) < 2:
        raise InputError(f"{what}: {len(idx)} sample(s) are too few to split off a part")
    strat = None
    if labels is not None:
        _, counts = np.unique(labels, return_counts=True)
        n_part = math.ceil(fraction * len(idx))
        if counts.min() >= 2 and len(counts) <= n_part and len(counts) <= len(idx) - n_part:
            strat = labels
    rest, part = train_test_split(idx, test_size=fraction, stratify=strat, random_state=seed)
    return np.sort(rest), np.sort(part)


def carve(n: int, labels: np.ndarray | None, *, need_val: bool, need_test: bool,
          val_fraction: float, test_fraction: float, split_seed: int, what: str
          ) -> dict[str, np.ndarray]:
    """Indices of ``n`` training samples into train, and where needed val and test parts
    (test first, then val from the rest; see the module docstring)."""
    idx = np.arange(n)
    out: dict[str, np.ndarray] = {}
    if need_test:
        idx, out["test"] = _split_off(idx, test_fraction, None if labels is None
                                      else labels[idx], split_seed, what)
    if need_val:
        idx, out["val"] = _split_off(idx, val_fraction, None if labels is None
                                     else labels[idx], split_seed, what)
    out["train"] = idx
    return out


def _split_args(val_fraction: float, test_fraction: float, split_seed: int
                ) -> tuple[float, float, int]:
    return (_fraction("val_fraction", val_fraction), _fraction("test_fraction", test_fraction),
            _int("split_seed", split_seed, 0))


def _sorted_labels(labels: set[str]) -> tuple[str, ...]:
    if all(re.fullmatch(r"[-+]?\d+", x) for x in labels):
        return tuple(sorted(labels, key=int))
    return tuple(sorted(labels))


def _carve_note(kept: dict[str, Path], carved: list[str], fractions: dict[str, float],
                seed: int) -> str:
    files = ", ".join(f"{ROLE_NAMES[r]} = {kept[r].name}" for r in ROLE_NAMES if r in kept)
    if not carved:
        return files
    drawn = " and ".join(f"{ROLE_NAMES[r]} = {int(round(100 * fractions[r]))} %" for r in carved)
    return f"{files}; {drawn} drawn from the train file (split_seed {seed})"


# -- CoNLL -----------------------------------------------------------------------------------

TAG = re.compile(r"^([BIES])-(.+)$")


def _line_of(path: Path, tag: str) -> int:
    """The first line of CoNLL file ``path`` whose last column is ``tag`` (0 if none)."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    for no, line in enumerate(text.split("\n"), 1):
        parts = line.split("\t") if "\t" in line else line.split()
        if parts and parts[-1].strip() == tag and parts[0].strip() != "-DOCSTART-":
            return no
    return 0


def detect_scheme(parts: dict[str, list[Sentence]], files: dict[str, Path]) -> str:
    """``"bioes"``, ``"iob1"`` or ``"iob2"`` of the tags of every sentence.

    :raises InputError: naming the file and line of a tag that is none of ``O``, ``B-X``,
        ``I-X``, ``E-X``, ``S-X``.
    """
    prefixes: set[str] = set()
    opens_with_i = False
    for role, sents in parts.items():
        for s in sents:
            prev = "O"
            for t in s.tags:
                if t != "O":
                    m = TAG.match(t)
                    if not m:
                        path = files[role]
                        raise InputError(
                            f"{path}:{_line_of(path, t)}: tag {t!r} is not O or B-/I-/E-/S-TYPE "
                            "(the last column must hold IOB1, IOB2 or BIOES tags)")
                    prefixes.add(m[1])
                    if m[1] == "I" and (prev == "O" or prev[2:] != m[2]):
                        opens_with_i = True
                prev = t
    if prefixes & {"E", "S"}:
        return "bioes"
    return "iob1" if opens_with_i else "iob2"


def to_iob2(tags: Sequence[str]) -> list[str]:
    """IOB2 tags of IOB1, IOB2 or BIOES ``tags`` (the same entities): ``S-X`` -> ``B-X``,
    ``E-X`` -> ``I-X``, and an ``I-X`` that opens an entity -> ``B-X``."""
    out: list[str] = []
    prev = "O"
    for t in tags:
        if t == "O":
            out.append(t)
        else:
            p, typ = t[0], t[2:]
            p = {"S": "B", "E": "I"}.get(p, p)
            if p == "I" and (prev == "O" or prev[2:] != typ):
                p = "B"
            out.append(f"{p}-{typ}")
        prev = out[-1]
    return out


def load_conll_dir(path: str | Path, min_count: int = 1, max_chars: int = 20,
                   lower: bool = True, val_fraction: float = VAL_FRACTION,
                   test_fraction: float = TEST_FRACTION, split_seed: int = SPLIT_SEED
                   ) -> Splits:
    """A folder of CoNLL files as a tagging dataset (see the module docstring).

    :param path: the folder holding train, and optionally dev/valid and test, files.
    :param min_count: words seen fewer times in training are unknown (id 1).
    :param max_chars: characters kept per word.
    :param lower: word ids of lowercased words (case stays in the character ids).
    :param val_fraction: part of the train file drawn as validation when there is no dev file.
    :param test_fraction: part of the train file drawn as test when there is no test file.
    :param split_seed: seed of those draws.
    """
    vf, tf, seed = _split_args(val_fraction, test_fraction, split_seed)
    directory = _directory(path, "conll")
    files = split_files(directory, "conll")
    parts: dict[str, list[Sentence]] = {}
    for role, f in files.items():
        parts[role] = read_conll(f)
        if not parts[role]:
            raise InputError(f"{f}: no sentences (one token a line, word first and tag last, "
                             "a blank line between sentences)")
    scheme = detect_scheme(parts, files)
    types = sorted({t[2:] for s in parts["train"] for t in s.tags if t != "O"})
    if not types:
        raise InputError(f"{files['train']}: every tag is O; the train file needs entities")
    for role in ("val", "test"):
        for s in parts.get(role, []):
            unseen = [t for t in s.tags if t != "O" and t[2:] not in types]
            if unseen:
                f = files[role]
                raise InputError(f"{f}:{_line_of(f, unseen[0])}: entity type "
                                 f"{unseen[0][2:]!r} never occurs in the train file "
                                 f"{files['train'].name} (its types: {', '.join(types)})")
    parts = {r: [Sentence(s.tokens, to_iob2(s.tags), s.columns) for s in ss]
             for r, ss in parts.items()}
    carved = [r for r in ("test", "val") if r not in parts]
    if carved:
        cut = carve(len(parts["train"]), None, need_val="val" in carved,
                    need_test="test" in carved, val_fraction=vf, test_fraction=tf,
                    split_seed=seed, what=str(files["train"]))
        train = parts["train"]
        for r, idx in cut.items():
            parts[r] = [train[i] for i in idx]
    tags = ("O", *(f"{p}-{t}" for t in types for p in ("B", "I")))
    name = f"conll:{directory.resolve()}"
    sizes = " / ".join(str(len(parts[r])) for r in ("train", "val", "test"))
    note = _carve_note(files, carved, {"val": vf, "test": tf}, seed)
    out = conll.make_splits(name, parts["train"], parts["val"], parts["test"], tags,
                            min_count=min_count, max_chars=max_chars, lower=lower,
                            description=f"CoNLL files of {directory} ({note}): {sizes} "
                                        f"sentences, {scheme.upper()} tags"
                                        f"{'' if scheme == 'iob2' else ' read as IOB2'}, "
                                        f"{len(types)} entity types")
    out.meta.update(scheme=scheme, files={r: str(p) for r, p in files.items()})
    return out


# -- sentences -------------------------------------------------------------------------------

def read_labelled(path: Path, tokenizer: str) -> tuple[list[list[str]], list[str], list[int]]:
    """Token lists, labels and line numbers of a ``label<TAB>text`` file.

    :raises InputError: naming the file and line of a line with no tab, an empty label or a
        text with no token.
    """
    clean: Callable[[str], str] = sentences.clean_str if tokenizer == "kim" else str
    toks, labels, lines = [], [], []
    for no, line in enumerate(sentences.read_lines(path, "utf-8"), 1):
        if no == 1:
            line = line.lstrip("\ufeff")
        if not line.strip():
            continue
        label, tab, text = line.partition("\t")
        if not tab:
            raise InputError(f"{path}, line {no}: expected 'label<TAB>text', found no tab: "
                             f"{line[:60]!r}")
        if not label.strip():
            raise InputError(f"{path}, line {no}: empty label before the tab")
        words = clean(text).split()
        if not words:
            raise InputError(f"{path}, line {no}: empty sentence (no tokens after the tab)")
        toks.append(words)
        labels.append(label.strip())
        lines.append(no)
    if not toks:
        raise InputError(f"{path}: no sentences (expected 'label<TAB>text' lines)")
    return toks, labels, lines


def load_sentence_dir(path: str | Path, max_len: int | None = None,
                      tokenizer: Literal["kim", "split"] = "kim",
                      val_fraction: float = VAL_FRACTION, test_fraction: float = TEST_FRACTION,
                      split_seed: int = SPLIT_SEED) -> Splits:
    """A folder of ``label<TAB>text`` files as a sentence classification dataset.

    :param path: the folder holding train, and optionally dev/valid and test, files.
    :param max_len: cut sentences to this many tokens (None: the longest).
    :param tokenizer: ``kim`` (Kim's ``clean_str``: lowercased, punctuation split off) or
        ``split`` (whitespace only, text as written).
    :param val_fraction: part of the train file drawn as validation when there is no dev file.
    :param test_fraction: part of the train file drawn as test when there is no test file.
    :param split_seed: seed of those draws.
    """
    if tokenizer not in ("kim", "split"):
        raise ConfigError(f"tokenizer must be kim or split, got {tokenizer!r}")
    vf, tf, seed = _split_args(val_fraction, test_fraction, split_seed)
    directory = _directory(path, "sentences")
    files = split_files(directory, "sentences")
    read = {r: read_labelled(f, tokenizer) for r, f in files.items()}
    classes = _sorted_labels(set(read["train"][1]))
    if len(classes) < 2:
        raise InputError(f"{files['train']}: every sentence has label {classes[0]!r}; a "
                         "classifier needs at least two labels")
    index = {c: i for i, c in enumerate(classes)}
    for role in ("val", "test"):
        if role in read:
            for lab, no in zip(read[role][1], read[role][2]):
                if lab not in index:
                    raise InputError(f"{files[role]}, line {no}: label {lab!r} never occurs in "
                                     f"the train file {files['train'].name} (its labels: "
                                     f"{', '.join(classes)})")
    parts = {r: (t, [index[x] for x in lab]) for r, (t, lab, _) in read.items()}
    carved = [r for r in ("test", "val") if r not in parts]
    if carved:
        toks, y = parts["train"]
        cut = carve(len(y), np.asarray(y), need_val="val" in carved,
                    need_test="test" in carved, val_fraction=vf, test_fraction=tf,
                    split_seed=seed, what=str(files["train"]))
        parts = {**parts, **{r: ([toks[i] for i in idx], [y[i] for i in idx])
                             for r, idx in cut.items()}}
    name = f"sentences:{directory.resolve()}"
    note = _carve_note(files, carved, {"val": vf, "test": tf}, seed)
    sizes = " / ".join(str(len(parts[r][1])) for r in ("train", "val", "test"))
    return sentences.make_splits(
        name, {r: parts[r] for r in ("train", "val", "test")}, len(classes), classes,
        f"labelled sentences of {directory} ({note}): {sizes} sentences, "
        f"{len(classes)} labels, tokenizer {tokenizer}", max_len,
        {"files": {r: str(p) for r, p in files.items()}})


# -- CSV -------------------------------------------------------------------------------------

def _delimiter(path: Path, header: str) -> str:
    if path.suffix.lower() == ".tsv" or "\t" in header:
        return "\t"
    if ";" in header and "," not in header:
        return ";"
    return ","


def _number(s: str) -> float | None:
    try:
        v = float(s)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def load_csv(path: str | Path, target: str | None = None,
             target_type: Literal["auto", "classification", "regression"] = "auto",
             scale_features: bool = True, val_fraction: float = VAL_FRACTION,
             test_fraction: float = TEST_FRACTION, split_seed: int = SPLIT_SEED) -> Splits:
    """A CSV table as a classification or regression dataset (see the module docstring).

    :param path: the file; its first row names the columns.
    :param target: the target column (default: the last).
    :param target_type: ``auto``, ``classification`` or ``regression``.
    :param scale_features: standardise features with the training split's mean and standard
        deviation (a constant feature is only centred).
    :param val_fraction: part of the rows (after the test draw) that validate.
    :param test_fraction: part of the rows that test.
    :param split_seed: seed of the split (stratified by class for classification).
    """
    if target_type not in ("auto", "classification", "regression"):
        raise ConfigError("target_type must be auto, classification or regression, got "
                          f"{target_type!r}")
    vf, tf, seed = _split_args(val_fraction, test_fraction, split_seed)
    file = Path(path).expanduser()
    if not file.is_file():
        raise DataMissingError(f"csv:{path}: no such file {file}")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{file} is not UTF-8 text ({e.reason} at byte {e.start})") from None
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise InputError(f"{file}, line 1: empty; the first row must name the columns")
    rows = list(enumerate(csv.reader(io.StringIO(text), delimiter=_delimiter(file, first)), 1))
    header = [c.strip() for c in rows[0][1]]
    if all(_number(c) is not None for c in header):
        raise InputError(f"{file}, line 1: the first row holds numbers; it must be a header "
                         "naming the columns")
    dup = sorted({c for c in header if header.count(c) > 1})
    if dup or "" in header:
        raise InputError(f"{file}, line 1: column names must be distinct and non-empty, "
                         f"got {header}")
    if len(header) < 2:
        raise InputError(f"{file}, line 1: one column ({header[0]!r}); a table needs feature "
                         "columns and a target column")
    tcol = header[-1] if target is None else str(target).strip()
    if tcol not in header:
        raise InputError(f"{file} has no column {tcol!r} to use as the target; its columns "
                         f"are: {', '.join(header)}")
    t = header.index(tcol)
    features = [c for c in header if c != tcol]
    X: list[list[float]] = []
    raw_y: list[str] = []
    for no, row in rows[1:]:
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise InputError(f"{file}, line {no}: {len(row)} fields, but the header has "
                             f"{len(header)} columns")
        vals = []
        for j, cell in enumerate(row):
            if j == t:
                continue
            v = _number(cell.strip())
            if v is None:
                what = "an empty cell" if not cell.strip() else repr(cell.strip())
                raise InputError(f"{file}, line {no}: column {header[j]!r} holds {what}, not a "
                                 "finite number (feature columns must be numeric)")
            vals.append(v)
        if not row[t].strip():
            raise InputError(f"{file}, line {no}: the target column {tcol!r} is empty")
        X.append(vals)
        raw_y.append(row[t].strip())
    if len(X) < 3:
        raise InputError(f"{file}: {len(X)} data row(s); a train / validation / test split "
                         "needs more")
    numbers = [_number(v) for v in raw_y]
    values = [v for v in numbers if v is not None]
    numeric = len(values) == len(numbers)
    kind = target_type
    if kind == "auto":
        whole = numeric and all(v.is_integer() for v in values)
        kind = ("classification" if not numeric or (whole and len(set(values))
                <= MAX_AUTO_CLASSES) else "regression")
    if kind == "regression" and not numeric:
        no, bad = next((i + 2, v) for i, (v, n) in enumerate(zip(raw_y, numbers)) if n is None)
        raise InputError(f"{file}: target {tcol!r} holds {bad!r} (first non-number, data row "
                         f"{no - 1}); regression needs numbers")
    Xa = np.asarray(X, dtype=np.float64)
    ya: np.ndarray
    if kind == "classification":
        # numeric targets: 1, 1.0 and 01 are one class
        labels = ([str(int(v)) if v.is_integer() else str(v) for v in values] if numeric
                  else raw_y)
        classes = _sorted_labels(set(labels))
        if len(classes) < 2:
            raise InputError(f"{file}: the target {tcol!r} has one value ({classes[0]!r}); a "
                             "classifier needs at least two classes")
        index = {c: i for i, c in enumerate(classes)}
        ya = np.asarray([index[c] for c in labels], dtype=np.int64)
        strat: np.ndarray | None = ya
    else:
        ya = np.asarray(numbers, dtype=np.float32).reshape(-1, 1)
        classes, strat = (), None
    cut = carve(len(Xa), strat, need_val=True, need_test=True, val_fraction=vf,
                test_fraction=tf, split_seed=seed, what=str(file))
    mean, std = np.zeros(Xa.shape[1]), np.ones(Xa.shape[1])
    if scale_features:
        tr = Xa[cut["train"]]
        mean, std = tr.mean(0), tr.std(0)
        std[std == 0] = 1.0
    Xt = torch.from_numpy(((Xa - mean) / std).astype(np.float32))
    check_finite(Xt, str(file), "features")
    yt = torch.from_numpy(ya)
    ds = {r: ArrayDataset(Xt[torch.from_numpy(i)], yt[torch.from_numpy(i)])
          for r, i in cut.items()}
    sizes = " / ".join(str(len(cut[r])) for r in ("train", "val", "test"))
    what = (f"{len(classes)} classes" if kind == "classification" else "regression")
    desc = (f"CSV table {file}: {len(features)} numeric features, target {tcol!r} "
            f"({what}); rows split {sizes} (test = {int(round(100 * tf))} %, then validation "
            f"= {int(round(100 * vf))} % of the rest; split_seed {seed}"
            f"{', stratified' if kind == 'classification' else ''}); features "
            + ("standardised by the training split" if scale_features else "raw"))
    return Splits(f"csv:{file.resolve()}", ds["train"], ds["val"], ds["test"],
                  "classification" if kind == "classification" else "regression",
                  len(classes) if kind == "classification" else None, (len(features),),
                  classes=classes or None, description=desc,
                  meta={"features": features, "target": tcol, "feature_mean": mean.tolist(),
                        "feature_std": std.tolist()})


# -- image folders ---------------------------------------------------------------------------

def _class_images(part: Path) -> dict[str, list[Path]]:
    classes = _visible([p for p in part.iterdir() if p.is_dir()])
    if not classes:
        raise InputError(f"{part} holds no class folders (one subfolder of images per class)")
    out = {}
    for c in classes:
        files = _visible([p for p in c.iterdir() if p.is_file()])
        if not files:
            raise InputError(f"{c} is empty: a class folder needs at least one image")
        out[c.name] = files
    return out


def load_image_folder(path: str | Path, val_fraction: float = VAL_FRACTION,
                      test_fraction: float = TEST_FRACTION, split_seed: int = SPLIT_SEED
                      ) -> Splits:
    """A folder of class subfolders of images (see the module docstring).

    :param path: the folder (class subfolders, or ``train/``, ``val/``, ``test/`` of them).
    :param val_fraction: part of the training images drawn as validation when there is no
        ``val/`` folder.
    :param test_fraction: part of the images drawn as test when there is no ``test/`` folder.
    :param split_seed: seed of those (stratified) draws.
    """
    from PIL import Image, UnidentifiedImageError

    vf, tf, seed = _split_args(val_fraction, test_fraction, split_seed)
    directory = _directory(path, "imagefolder")
    subdirs = _visible([p for p in directory.iterdir() if p.is_dir()])
    if not subdirs:
        raise InputError(f"{directory} holds no class folders: imagefolder needs one subfolder "
                         "of images per class (or train/, val/, test/ folders of them)")
    roles: dict[str | None, Path] = {}
    for p in subdirs:
        role = IMAGE_SPLIT_DIRS.get(p.name.lower())
        if role is not None and role in roles:
            raise InputError(f"{directory} holds two {ROLE_NAMES[role]} folders, "
                             f"{roles[role].name}/ and {p.name}/; keep one")
        roles[role] = p
    if "train" in roles:
        others = [p.name for p in subdirs if p.name.lower() not in IMAGE_SPLIT_DIRS]
        if others:
            raise InputError(f"{directory} mixes split folders (train/ ...) with other folders "
                             f"({', '.join(others)}/); put the class folders inside train/")
        parts = {r: _class_images(p) for r, p in roles.items() if r is not None}
    else:
        parts = {"train": _class_images(directory)}
    classes = tuple(sorted(parts["train"]))
    for role in ("val", "test"):
        for c, files in parts.get(role, {}).items():
            if c not in classes:
                raise InputError(f"{files[0]}: class {c!r} never occurs in "
                                 f"{directory / 'train'} (its classes: {', '.join(classes)})")
    flat = {r: [(f, classes.index(c)) for c in sorted(d) for f in d[c]] for r, d in parts.items()}
    size: tuple[int, int] | None = None
    first: Path | None = None
    colour = False
    for items in flat.values():
        for f, _ in items:
            try:
                with Image.open(f) as im:
                    mode, got = im.mode, im.size
            except (UnidentifiedImageError, OSError) as e:
                raise InputError(f"{f}: not an image Pillow can read ({e})") from None
            if size is None:
                size, first = got, f
            elif got != size:
                raise InputError(f"{f} is {got[0]}x{got[1]} pixels but {first} is "
                                 f"{size[0]}x{size[1]}; all images must have one size")
            colour = colour or mode not in GRAY_MODES
    assert size is not None
    C = 3 if colour else 1

    def load(items: list[tuple[Path, int]]) -> ArrayDataset:
        X = np.empty((len(items), size[1], size[0], C), dtype=np.uint8)
        for i, (f, _) in enumerate(items):
            with Image.open(f) as im:
                X[i] = np.asarray(im.convert("RGB" if colour else "L")).reshape(
                    size[1], size[0], C)
        Xt = torch.from_numpy(X).permute(0, 3, 1, 2).to(torch.float32).div_(255.0)
        return ArrayDataset(Xt.contiguous(), torch.tensor([y for _, y in items],
                                                          dtype=torch.int64))

    data = {r: load(items) for r, items in flat.items()}
    carved = [r for r in ("test", "val") if r not in data]
    if carved:
        y = data["train"].targets().numpy()
        cut = carve(len(y), y, need_val="val" in carved, need_test="test" in carved,
                    val_fraction=vf, test_fraction=tf, split_seed=seed,
                    what=f"{directory} (training images)")
        full = data["train"]
        data.update({r: full.subset(idx) for r, idx in cut.items()})
    sizes = " / ".join(str(len(data[r])) for r in ("train", "val", "test"))
    folders = ", ".join(f"{r} = {roles[r].name}/" for r in ("train", "val", "test")
                        if r in parts and "train" in roles)
    drawn = (" and ".join(f"{ROLE_NAMES[r]} = {int(round(100 * (tf if r == 'test' else vf)))} %"
                          for r in carved) + f" drawn stratified (split_seed {seed})"
             if carved else "")
    desc = (f"image folder {directory}: {len(classes)} classes, {sizes} images of "
            f"{size[0]}x{size[1]} pixels, {'RGB' if colour else 'grayscale'}, pixels / 255"
            + (f"; {folders}" if folders else "") + (f"; {drawn}" if drawn else ""))
    return Splits(f"imagefolder:{directory.resolve()}", data["train"], data["val"],
                  data["test"], "classification", len(classes), (C, size[1], size[0]),
                  classes=classes, description=desc)


#: The loader of each kind of ``--dataset KIND:PATH``.
KINDS: dict[str, Callable[..., Splits]] = {
    "conll": load_conll_dir,
    "sentences": load_sentence_dir,
    "csv": load_csv,
    "imagefolder": load_image_folder,
}


def parse_spec(name: str) -> tuple[str, str] | None:
    """``(kind, path)`` of a ``KIND:PATH`` dataset name, or None for a registered id.

    :raises ConfigError: for ``KIND:`` with no path.
    """
    if not isinstance(name, str):
        return None
    kind, sep, path = name.partition(":")
    kind = kind.strip().lower()
    if not sep or kind not in KINDS:
        return None
    if not path.strip():
        raise ConfigError(f"--dataset {name!r} names no path: write {kind}:PATH")
    return kind, path.strip()


def load_user_dataset(name: str, **kwargs: object) -> Splits:
    """Load ``KIND:PATH`` (see the module docstring); ``kwargs`` go to the kind's loader."""
    spec = parse_spec(name)
    if spec is None:
        raise ConfigError(f"{name!r} is not KIND:PATH with KIND one of {', '.join(KINDS)}")
    kind, path = spec
    return KINDS[kind](path, **kwargs)


__all__ = ["KINDS", "carve", "detect_scheme", "load_conll_dir", "load_csv", "load_image_folder",
           "load_sentence_dir", "load_user_dataset", "parse_spec", "read_labelled", "role_of",
           "split_files", "to_iob2"]
