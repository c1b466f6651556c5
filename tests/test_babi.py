"""Tests of the bAbI loader (nnzoo.data.babi): parsing, encoding, list answers, splits, errors.

The fast tests use hand-written bAbI text and the generated toy; the slow ones read the real
files under ``$NNZOO_DATA`` (skipped when it is unset).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from nnzoo.core.errors import ConfigError, DataMissingError, InputError
from nnzoo.data import load_dataset
from nnzoo.data.babi import (
    TASK_NAMES,
    encode_babi,
    load_babi,
    load_babi_toy,
    parse_babi,
    task_file,
    tokenize,
)

STORY = """1 Mary moved to the bathroom.
2 John went to the hallway.
3 Where is Mary? \tbathroom\t1
4 Daniel went back to the garden.
5 Where is Daniel? \tgarden\t4
1 Sandra journeyed to the office.
2 Where is Sandra? \toffice\t1
"""

LISTS = """1 Mary got the apple there.
2 Mary took the football there.
3 What is Mary carrying? \tapple,football\t1 2
1 The kitchen is north of the garden.
2 How do you go from the garden to the kitchen? \tn\t1
3 How do you go from the kitchen to the garden? \ts,n\t1
4 How do you go from the garden to the kitchen? \tn,s\t1
"""


def words(splits, row: torch.Tensor) -> str:
    vocab = splits.meta["vocab"]
    return " ".join(vocab[int(i)] for i in row if int(i))


def test_tokenize_drops_full_stops_and_question_marks():
    assert tokenize("Where is Mary?") == ("where", "is", "mary")
    assert tokenize("Mary moved to the bathroom.") == ("mary", "moved", "to", "the", "bathroom")
    assert tokenize("Is it red, or blue?") == ("is", "it", "red", ",", "or", "blue")


def test_parse_keeps_statements_only_and_restarts_stories():
    qs = parse_babi(STORY, task=1)
    assert len(qs) == 3
    assert qs[0].story == (tokenize("Mary moved to the bathroom."),
                           tokenize("John went to the hallway."))
    # the question of line 3 is not stored: line 4 is the story's third statement
    assert len(qs[1].story) == 3 and qs[1].story[2][0] == "daniel"
    assert qs[1].support == (2,) and qs[1].answer == "garden"
    assert qs[2].story == (tokenize("Sandra journeyed to the office."),)  # a new story
    assert {q.task for q in qs} == {1}


def test_encoding_layout_by_hand():
    train = parse_babi(STORY)
    s = encode_babi(train, train, memory_size=2, val_fraction=0.0)
    assert s.sample_shape == (3, 6)  # M + 1 rows; 6 = "daniel went back to the garden"
    X = s.train.X
    assert words(s, X[0, 0]) == "mary moved to the bathroom"
    assert words(s, X[0, 1]) == "john went to the hallway"
    assert words(s, X[0, 2]) == "where is mary"
    # question 2 has three statements and M = 2: the oldest is dropped, order kept
    assert words(s, X[1, 0]) == "john went to the hallway"
    assert words(s, X[1, 1]) == "daniel went back to the garden"
    assert s.meta["support"]["train"][1].tolist() == [1]
    # question 3: one statement, then an empty (all-zero) memory row
    assert words(s, X[2, 0]) == "sandra journeyed to the office"
    assert int(X[2, 1].abs().sum()) == 0
    assert s.classes[int(s.train.y[1])] == "garden"
    assert s.meta["vocab"][0] == "<pad>"
    assert s.meta["vocab"][1:1 + len(s.classes)] == s.classes
    assert s.meta["vocab_size"] == len(s.meta["vocab"])


def test_truncation_drops_a_supporting_fact_to_minus_one():
    qs = parse_babi(STORY)
    s = encode_babi(qs, qs, memory_size=1, val_fraction=0.0)
    # question 1's supporting fact (statement 0) is older than the one sentence kept
    assert s.meta["support"]["train"][0].tolist() == [-1]
    assert s.meta["support"]["train"][1].tolist() == [0]


def test_list_answers_are_one_class_per_distinct_string():
    qs = parse_babi(LISTS, task=8)
    s = encode_babi(qs, qs, val_fraction=0.0)
    assert s.classes == ("apple,football", "n", "n,s", "s,n")
    assert [s.classes[int(c)] for c in s.train.y] == ["apple,football", "n", "s,n", "n,s"]
    assert s.meta["support"]["train"][0].tolist() == [0, 1]
    # answers are words 1..K in class order (for a model that ties its answer matrix)
    assert s.meta["vocab"][1:5] == s.classes


def test_validation_is_the_last_fraction_of_the_training_file():
    qs = parse_babi(STORY * 10)  # 30 questions
    s = encode_babi(qs, qs[:3], val_fraction=0.1)
    assert s.sizes == {"train": 27, "val": 3, "test": 3}
    ref = encode_babi(qs, qs[:3], val_fraction=0.0)
    assert torch.equal(s.val.X, ref.train.X[27:])
    assert torch.equal(s.train.X, ref.train.X[:27])


def test_train_only_vocabulary_maps_unseen_words_to_unk():
    train = parse_babi(STORY)
    test = parse_babi("1 Mary flew to the bathroom.\n2 Where is Mary? \tbathroom\t1\n")
    s = encode_babi(train, test, vocab="train", val_fraction=0.0)
    assert s.meta["vocab"][:5] == ("<pad>", "bathroom", "garden", "office", "<unk>")
    assert "flew" not in s.meta["vocab"]
    assert words(s, s.test.X[0, 0]) == "mary <unk> to the bathroom"


def test_answer_outside_the_vocabulary_is_one_error():
    train = parse_babi(STORY)
    test = parse_babi("1 Mary went to the attic.\n2 Where is Mary? \tattic\t1\n")
    with pytest.raises(InputError, match="answer 'attic' of test question 1 is outside"):
        encode_babi(train, test, vocab="train")
    assert encode_babi(train, test).n_classes == 4  # train+test: attic is a class


def test_story_longer_than_the_memory_without_truncation_is_one_error():
    qs = parse_babi(STORY)
    with pytest.raises(InputError, match="a story holds 3 sentences .* memory_size is 2"):
        encode_babi(qs, qs, memory_size=2, truncate=False)
    assert encode_babi(qs, qs, memory_size=3, truncate=False).sample_shape[0] == 4


@pytest.mark.parametrize("task", [0, 21, -1, "22", "x", "1,99", ""])
def test_task_outside_1_to_20_is_one_error(task):
    with pytest.raises(ConfigError, match="1-20"):
        load_babi(task=task)


def test_task_outside_1_to_20_through_the_registry():
    with pytest.raises(ConfigError, match="1-20"):
        load_dataset("babi", task=21)


def test_bad_options_and_malformed_lines():
    qs = parse_babi(STORY)
    with pytest.raises(ConfigError, match="memory_size"):
        encode_babi(qs, qs, memory_size=0)
    with pytest.raises(ConfigError, match="val_fraction"):
        encode_babi(qs, qs, val_fraction=1.0)
    with pytest.raises(ConfigError, match="size"):
        load_babi(task=1, size="5k")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="line 2"):
        parse_babi("1 Mary went home.\nMary went home.\n")
    with pytest.raises(InputError, match="supporting facts"):
        parse_babi("1 Mary went home.\n2 Where is Mary? \thome\t7\n")


def test_missing_10k_task_3_training_file_names_the_file(tmp_path: Path):
    with pytest.raises(DataMissingError, match="qa3_three-supporting-facts_train.txt is missing"
                                               ".*39 of its 40 files"):
        task_file(3, "10k", "train", root=tmp_path)


def test_task_names_cover_1_to_20():
    assert sorted(TASK_NAMES) == list(range(1, 21))
    assert TASK_NAMES[8] == "lists-sets" and TASK_NAMES[19] == "path-finding"


def test_toy_task_is_seeded_and_its_answers_follow_the_story():
    a, b = load_babi_toy(200, 50, seed=3), load_babi_toy(200, 50, seed=3)
    assert torch.equal(a.train.X, b.train.X) and torch.equal(a.test.y, b.test.y)
    assert not torch.equal(a.train.X, load_babi_toy(200, 50, seed=4).train.X)
    vocab = a.meta["vocab"]
    M = a.meta["memory_size"]
    for n in range(len(a.train)):
        X = a.train.X[n]
        person = vocab[int(X[M, 2])]  # "where is <person>"
        last = None
        for r in range(M):
            sent = [vocab[int(i)] for i in X[r] if int(i)]
            if sent and sent[0] == person:
                last = (r, sent[-1])
        assert last is not None
        assert a.classes[int(a.train.y[n])] == last[1]
        assert int(a.meta["support"]["train"][n, 0]) == last[0]


# -- the real files (slow) ---------------------------------------------------------------------

SHARED = os.environ.get("NNZOO_DATA", "").strip()
needs_data = pytest.mark.skipif(
    not SHARED or not (Path(SHARED) / "babi-tasks-1-20-v1-2").is_dir(),
    reason="NNZOO_DATA with babi-tasks-1-20-v1-2/ is not set")


@pytest.mark.slow
@needs_data
def test_real_1k_tasks_sizes_lists_and_supporting_facts():
    for t in (1, 8, 19):
        s = load_babi(t)
        assert s.sizes == {"train": 900, "val": 100, "test": 1000}
        sup, X = s.meta["support"]["train"], s.train.X
        rows = sup[sup[:, 0] >= 0, 0]
        assert len(rows) > 0
        idx = torch.nonzero(sup[:, 0] >= 0)[:, 0]
        assert bool((X[idx, rows].abs().sum(-1) > 0).all())  # a supporting fact is a sentence
    # list answers: ordered strings, each its own class (both orders occur in task 8)
    assert {"n,w", "w,n", "s,e"} <= set(load_babi(19).classes)
    assert {"apple,football", "football,apple", "nothing"} <= set(load_babi(8).classes)


@pytest.mark.slow
@needs_data
def test_real_10k_task_3_is_missing_and_others_load():
    with pytest.raises(DataMissingError, match="39 of its 40 files"):
        load_babi(3, "10k")
    assert load_babi(1, "10k").sizes == {"train": 9000, "val": 1000, "test": 1000}


@pytest.mark.slow
@needs_data
def test_real_joint_tasks_share_one_vocabulary_and_keep_their_task_ids():
    s = load_babi("1,6")
    assert s.sizes == {"train": 1800, "val": 200, "test": 2000}
    assert s.meta["tasks"] == (1, 6)
    ids = s.meta["task_ids"]["val"]  # type: ignore[index]
    assert ids[:100].eq(1).all() and ids[100:].eq(6).all()  # the last 10 % of each file
    assert {"yes", "no", "bathroom"} <= set(s.classes or ())
