"""The bAbI question-answering tasks (Weston et al. 2015), 1k and 10k, and a generated toy.

Each task file is a sequence of stories; a story is numbered lines that restart at 1::

    1 Mary moved to the bathroom.
    2 John went to the hallway.
    3 Where is Mary?<TAB>bathroom<TAB>1

A question line holds the question, the answer and the ids of its supporting facts. Every
question becomes one sample whose memory holds the statements of its story that came before
it (questions are not stored), as in Sukhbaatar et al. 2015 and their code.

**Encoding** (one int64 tensor per sample, so the engine batches it like any other input):
``X[n]`` has shape ``(M + 1, W)``; rows ``0 .. M-1`` are the story's last ``M = memory_size``
sentences before the question, in story order (oldest first), then all-zero rows; row ``M``
is the question. Word id 0 is padding, so a sentence is the non-zero ids of its row and a
memory slot is empty when its row is all zeros. ``W`` is the longest sentence or question of
the task. ``y[n]`` is the class of the answer.

**Answers that are lists** (task 8 "lists/sets": ``apple,football``; task 19 "path finding":
``n,w``): each distinct answer string is one class of the answer vocabulary
(``meta["answers"]``, sorted), so ``apple,football`` and ``football,apple`` (both occur)
are two classes, as the
MemN2N code treats the answer as a single dictionary word. The answers are also words of the
vocabulary, first after the padding: **word id ``c + 1`` is answer class ``c``**, so a model
that ties its answer matrix to a word embedding (MemN2N's adjacent tying, ``W = C^K``) finds
the answers' rows without further data.

**Vocabulary** (``vocab``): ``"train+test"`` (the default) builds the word list from the
training and the test file, as the MemN2N paper's code does (bAbI's vocabulary is closed, so
no test word is unknown); ``"train"`` builds it from the training file only, maps unseen
words to ``<unk>`` (the id after the answers), and a test answer never seen in training is
an error (no class could predict it). Words are lower-cased, ``.`` and ``?`` are dropped.

**Splits**: validation is the last ``val_fraction`` of the questions of each training file
(as the upstream ``en-valid`` folders hold out the last 10 %), test is the test file.

``meta``: ``vocab`` (words, id 0 = ``<pad>``, ids ``1..K`` the answers), ``vocab_size``
(its length, which a run gives the model), ``answers`` (class names), ``support``
(``{split: (N, S) int64}``: the memory rows of each question's supporting facts, -1 where
absent or dropped by truncation), ``task_ids`` (``{split: (N,) int64}``, for joint training),
``tasks`` and ``task_names``, ``memory_size``, ``sentence_len``, ``size``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from nnzoo.core.config import require
from nnzoo.core.errors import ConfigError, DataMissingError, InputError
from nnzoo.data.archives import BABI
from nnzoo.data.base import ArrayDataset, Splits
from nnzoo.data.registry import register_dataset
from nnzoo.data.sources import dataset_dir, ensure

PAD, UNK = "<pad>", "<unk>"

#: ``{task number: name}`` from the file names of the source (``qa8_lists-sets_train.txt``).
TASK_NAMES: dict[int, str] = {
    int(m.group(1)): m.group(2)
    for f in BABI.files
    if (m := re.fullmatch(r"en/qa(\d+)_(.+)_train\.txt", f.name))
}

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?|[^\w\s.?]")


@dataclass(frozen=True)
class Question:
    """One bAbI question with the story before it.

    :param story: the statements before the question, oldest first, each a tuple of words.
    :param question: the question's words.
    :param answer: the answer string (``"n,s"`` for a list answer).
    :param support: the positions in ``story`` of the supporting facts (0 = oldest).
    :param task: the task number (0 for a file of unknown task).
    """

    story: tuple[tuple[str, ...], ...]
    question: tuple[str, ...]
    answer: str
    support: tuple[int, ...]
    task: int = 0


def tokenize(sentence: str) -> tuple[str, ...]:
    """Lower-cased words of ``sentence`` without ``.`` and ``?`` (other punctuation kept as
    tokens): ``"Where is Mary?"`` -> ``("where", "is", "mary")``."""
    return tuple(_WORD.findall(sentence.lower()))


def parse_babi(text: str, task: int = 0, source: str = "bAbI text") -> list[Question]:
    """Parse bAbI-format ``text`` into its questions, in file order.

    :param task: the task number stored in each :class:`Question`.
    :param source: the file's name, for error messages.
    :raises InputError: for a line that is not ``ID text`` or ``ID question<TAB>answer<TAB>ids``,
        or a supporting-fact id that is not an earlier statement of the story.
    """
    out: list[Question] = []
    story: list[tuple[str, ...]] = []
    pos_of_id: dict[int, int] = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip("\r\n")
        if not line.strip():
            continue
        head, sep, rest = line.partition(" ")
        if not sep or not head.isdigit():
            raise InputError(f"{source} line {lineno}: expected 'ID text', got {line[:60]!r}")
        line_id = int(head)
        if line_id == 1:
            story, pos_of_id = [], {}
        if "\t" not in rest:
            pos_of_id[line_id] = len(story)
            story.append(tokenize(rest))
            continue
        parts = rest.split("\t")
        if len(parts) < 2 or not parts[1].strip():
            raise InputError(f"{source} line {lineno}: a question line needs "
                             "'question<TAB>answer<TAB>supporting ids'")
        ids = parts[2].split() if len(parts) > 2 else []
        try:
            support = tuple(pos_of_id[int(i)] for i in ids)
        except (KeyError, ValueError):
            raise InputError(f"{source} line {lineno}: supporting facts {parts[2]!r} are not "
                             "ids of earlier statements of the story") from None
        out.append(Question(tuple(story), tokenize(parts[0]), parts[1].strip().lower(),
                            support, task))
    return out


def _validation_cut(qs: list[Question], val_fraction: float) -> tuple[list[Question],
                                                                        list[Question]]:
    """Training and validation parts: the last ``val_fraction`` of each task's questions."""
    train: list[Question] = []
    val: list[Question] = []
    for t in dict.fromkeys(q.task for q in qs):
        part = [q for q in qs if q.task == t]
        n_val = int(round(len(part) * val_fraction))
        train += part[:len(part) - n_val]
        val += part[len(part) - n_val:]
    return train, val


def encode_babi(train_file: Sequence[Question], test_file: Sequence[Question], *,
                name: str = "babi", memory_size: int = 50, val_fraction: float = 0.1,
                truncate: bool = True, vocab: Literal["train+test", "train"] = "train+test",
                description: str = "", meta: dict[str, object] | None = None) -> Splits:
    """Encode parsed questions as :class:`Splits` (see the module docstring for the layout).

    :param train_file: the questions of the training file(s); the last ``val_fraction`` of
        each task's questions is the validation split.
    :param test_file: the questions of the test file(s).
    :param memory_size: ``M``, the sentences kept before each question (the most recent).
    :param truncate: drop the oldest sentences of a longer story; ``False`` makes a story
        longer than ``M`` an error (for a model that must see every sentence).
    :param vocab: ``"train+test"`` or ``"train"`` (unseen words -> ``<unk>``).
    :raises ConfigError: for ``memory_size < 1``, ``val_fraction`` outside ``[0, 1)`` or an
        unknown ``vocab``.
    :raises InputError: for a story longer than ``M`` with ``truncate=False``, an answer
        outside the answer vocabulary, or an empty training or test file.
    """
    require(isinstance(memory_size, int) and memory_size >= 1,
            f"memory_size must be an integer >= 1, got {memory_size!r}")
    require(0.0 <= val_fraction < 1.0, f"val_fraction must lie in [0, 1), got {val_fraction!r}")
    require(vocab in ("train+test", "train"),
            f"vocab must be 'train+test' or 'train', got {vocab!r}")
    if not train_file or not test_file:
        raise InputError(f"dataset {name!r}: the training and the test file must hold "
                         "questions")
    if not truncate:
        longest = max(len(q.story) for q in (*train_file, *test_file))
        if longest > memory_size:
            raise InputError(
                f"dataset {name!r}: a story holds {longest} sentences before its question "
                f"but memory_size is {memory_size}; raise memory_size to {longest} or allow "
                "truncation (truncate=true keeps the last memory_size sentences)")
    seen = [*train_file, *test_file] if vocab == "train+test" else list(train_file)
    answers = tuple(sorted({q.answer for q in seen}))
    words = sorted({w for q in seen for s in (*q.story, q.question) for w in s} - set(answers))
    # ids 1..K are the K answers in class order, so class c is word c + 1 (an answer that is
    # also a story word, "bathroom", is one id)
    itos = (PAD, *answers, *(() if vocab == "train+test" else (UNK,)), *words)
    stoi = {w: i for i, w in enumerate(itos)}
    aid = {a: i for i, a in enumerate(answers)}
    for part, qs in (("training", train_file), ("test", test_file)):
        for i, q in enumerate(qs):
            if q.answer not in aid:
                raise InputError(
                    f"dataset {name!r}: the answer {q.answer!r} of {part} question {i + 1} is "
                    f"outside the answer vocabulary built from the {vocab} file(s) "
                    f"({len(answers)} answers)")
    width = max(len(s) for q in (*train_file, *test_file) for s in (*q.story, q.question))
    width = max(width, 1)
    max_support = max(1, max(len(q.support) for q in (*train_file, *test_file)))
    unk = stoi.get(UNK, 0)

    def encode(qs: Sequence[Question]) -> tuple[ArrayDataset, torch.Tensor, torch.Tensor]:
        X = np.zeros((len(qs), memory_size + 1, width), dtype=np.int64)
        support = np.full((len(qs), max_support), -1, dtype=np.int64)
        for n, q in enumerate(qs):
            first = max(0, len(q.story) - memory_size)  # the oldest sentence kept
            for r, sent in enumerate((*q.story[first:], q.question)):
                row = memory_size if r == len(q.story) - first else r
                X[n, row, :len(sent)] = [stoi.get(w, unk) for w in sent]
            kept = [p - first for p in q.support if p >= first]
            support[n, :len(kept)] = kept
        y = torch.tensor([aid[q.answer] for q in qs], dtype=torch.int64)
        tasks = torch.tensor([q.task for q in qs], dtype=torch.int64)
        return ArrayDataset(torch.from_numpy(X), y), torch.from_numpy(support), tasks

    tr_q, va_q = _validation_cut(list(train_file), val_fraction)
    parts = {"train": encode(tr_q), "val": encode(va_q), "test": encode(test_file)}
    task_list = sorted({q.task for q in (*train_file, *test_file)})
    return Splits(
        name=name, train=parts["train"][0], val=parts["val"][0], test=parts["test"][0],
        task="classification", n_classes=len(answers), sample_shape=(memory_size + 1, width),
        classes=answers, description=description,
        meta={"vocab": itos, "vocab_size": len(itos), "answers": answers,
              "support": {k: v[1] for k, v in parts.items()},
              "task_ids": {k: v[2] for k, v in parts.items()},
              "tasks": tuple(task_list),
              "task_names": tuple(TASK_NAMES.get(t, "toy") for t in task_list),
              "memory_size": memory_size, "sentence_len": width,
              "vocab_policy": vocab,
              **(meta or {})},
    )


def _task_list(task: int | str) -> list[int]:
    if isinstance(task, str):
        text = task.strip().lower()
        if text == "all":
            return list(range(1, 21))
        try:
            nums = [int(p) for p in text.split(",") if p.strip()]
        except ValueError:
            raise ConfigError(f"bAbI task must be a number 1-20, a list like '1,2,3' or 'all'; "
                              f"got {task!r}") from None
    else:
        nums = [task]
    bad = [t for t in nums if not (isinstance(t, int) and 1 <= t <= 20)]
    if not nums or bad:
        raise ConfigError(f"bAbI task must be a number 1-20 (or a list of them, or 'all'); "
                          f"got {task!r}")
    return list(dict.fromkeys(nums))


def task_file(task: int, size: str, part: str, root: str | Path | None = None) -> Path:
    """Path of the ``part`` ("train" or "test") file of bAbI ``task`` at ``size``.

    :raises DataMissingError: for ``en-10k`` task 3's training file, which this copy of the
        data lacks (or any other file that is not in the data root).
    """
    folder = {"1k": "en", "10k": "en-10k"}[size]
    path = dataset_dir(BABI, root) / folder / f"qa{task}_{TASK_NAMES[task]}_{part}.txt"
    if not path.is_file():
        why = (" (this copy of en-10k has 39 of its 40 files: task 3's training file could "
               "not be retrieved; use size='1k' for task 3, or put the file there)"
               if (size, task, part) == ("10k", 3, "train") else "")
        raise DataMissingError(f"bAbI {size} task {task}: {path} is missing from the data "
                               f"root{why}")
    return path


def load_babi(task: int | str = 1, size: Literal["1k", "10k"] = "1k", *, memory_size: int = 50,
              val_fraction: float = 0.1, truncate: bool = True,
              vocab: Literal["train+test", "train"] = "train+test",
              root: str | None = None) -> Splits:
    """bAbI v1.2 task ``task`` (English) from ``<data root>/babi-tasks-1-20-v1-2/``.

    :param task: 1-20; or several for joint training: ``"1,2,3"`` or ``"all"`` (one answer
        vocabulary and word list over them; ``meta["task_ids"]`` tells the tasks apart).
    :param size: ``"1k"`` (``en/``) or ``"10k"`` (``en-10k/``; task 3's training file is
        missing from this copy and asking for it is an error).
    :param memory_size: sentences kept before each question (the most recent).
    :param val_fraction: the last fraction of each training file held out for validation.
    :param truncate: drop older sentences of longer stories; ``False``: that is an error.
    :param vocab: ``"train+test"`` (as the MemN2N code) or ``"train"`` (``<unk>`` for unseen).
    :param root: the data root (default ``$NNZOO_DATA``).
    """
    tasks = _task_list(task)
    if size not in ("1k", "10k"):
        raise ConfigError(f"bAbI size must be '1k' or '10k', got {size!r}")
    ensure(BABI, root=root)  # every listed file (fetched when missing and allowed)
    paths = {t: (task_file(t, size, "train", root), task_file(t, size, "test", root))
             for t in tasks}
    train: list[Question] = []
    test: list[Question] = []
    for t, (tr, te) in paths.items():
        train += parse_babi(tr.read_text(encoding="utf-8"), t, tr.name)
        test += parse_babi(te.read_text(encoding="utf-8"), t, te.name)
    label = ",".join(map(str, tasks)) if len(tasks) < 20 else "all"
    return encode_babi(
        train, test, name="babi", memory_size=memory_size, val_fraction=val_fraction,
        truncate=truncate, vocab=vocab,
        description=f"bAbI v1.2 {size}, task {label}: last {val_fraction:.0%} of the training "
                    "file for validation, the test file for test",
        meta={"size": size})


# -- an offline toy task in bAbI's format -------------------------------------------------------

_PEOPLE = ("mary", "john", "sandra", "daniel")
_PLACES = ("bathroom", "hallway", "garden", "office", "kitchen", "bedroom")
_MOVES = ("moved to the", "went to the", "journeyed to the", "travelled to the",
          "went back to the")


def toy_babi_text(n_questions: int, seed: int = 0, questions_per_story: int = 5) -> str:
    """bAbI-format text of a generated single-supporting-fact task (like task 1).

    Each story alternates two moves ("Mary went to the garden.") with a question ("Where is
    Mary?") about someone who has moved; the answer is their last place and the supporting
    fact that move's line.
    """
    rng = random.Random(seed)
    lines: list[str] = []
    asked = 0
    while asked < n_questions:
        where: dict[str, tuple[str, int]] = {}
        line_id = 0
        for _ in range(questions_per_story):
            for _ in range(2):
                who, place = rng.choice(_PEOPLE), rng.choice(_PLACES)
                line_id += 1
                where[who] = (place, line_id)
                lines.append(f"{line_id} {who.capitalize()} {rng.choice(_MOVES)} {place}.")
            who = rng.choice(sorted(where))
            line_id += 1
            lines.append(f"{line_id} Where is {who.capitalize()}? \t{where[who][0]}\t"
                         f"{where[who][1]}")
            asked += 1
            if asked == n_questions:
                break
    return "\n".join(lines) + "\n"


def load_babi_toy(n_train: int = 1000, n_test: int = 1000, seed: int = 0, *,
                  memory_size: int = 50, val_fraction: float = 0.1) -> Splits:
    """The generated toy task: bAbI's format and encoding, no files (``nnzoo train memn2n``
    offline). Train and test come from different seeds.

    :param n_train: questions of the training "file" (validation is its last ``val_fraction``).
    :param n_test: questions of the test "file".
    """
    require(isinstance(n_train, int) and n_train >= 2, f"n_train must be >= 2, got {n_train!r}")
    require(isinstance(n_test, int) and n_test >= 1, f"n_test must be >= 1, got {n_test!r}")
    train = parse_babi(toy_babi_text(n_train, seed), 0, "babi-toy train")
    test = parse_babi(toy_babi_text(n_test, seed + 1_000_003), 0, "babi-toy test")
    return encode_babi(train, test, name="babi-toy", memory_size=memory_size,
                       val_fraction=val_fraction,
                       description=f"generated single-supporting-fact task, seed {seed}",
                       meta={"size": "toy"})


register_dataset("babi", load_babi, source=BABI,
                 description="bAbI 20 QA tasks v1.2 (Weston et al. 2015), en 1k and en-10k "
                             "(en-10k lacks task 3's training file)")
register_dataset("babi-toy", load_babi_toy,
                 description="generated bAbI-format task: where is each person (single "
                             "supporting fact)")
