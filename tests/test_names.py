"""The ``names`` dataset: makemore's encoding and split, checked against makemore itself."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest
import torch

from nnzoo.core.errors import ConfigError, InputError
from nnzoo.data import load_dataset
from nnzoo.data.archives import NAMES
from nnzoo.data.chars import decode
from nnzoo.data.names import LETTERS, VOCAB, encode_words, makemore_split, names
from nnzoo.data.sources import sha256_file


def _names_file() -> Path:
    path = Path(os.environ.get("NNZOO_DATA", "")) / "names" / "names.txt"
    if not os.environ.get("NNZOO_DATA") or not path.exists():
        pytest.skip("set NNZOO_DATA to a data root holding names/names.txt")
    return path


def _makemore() -> ModuleType:
    path = Path(os.environ.get("NNZOO_PEERS", "")) / "makemore" / "makemore.py"
    if not os.environ.get("NNZOO_PEERS") or not path.exists():
        pytest.skip("set NNZOO_PEERS to the folder holding makemore/makemore.py")
    spec = importlib.util.spec_from_file_location("makemore_peer", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_encoding_by_hand() -> None:
    """'ab' in 4 steps: X = [0, a, b, 0], y = [a, b, end, pad]."""
    X, y = encode_words(["ab", "z"], 4)
    assert X.tolist() == [[0, 1, 2, 0], [0, 26, 0, 0]]
    assert y.tolist() == [[1, 2, 0, -1], [26, 0, -1, -1]]
    assert decode(torch.tensor([0, 1, 2, 0, 26, 0]), VOCAB) == "\nab\nz\n"
    with pytest.raises(InputError, match="at most 3 fit"):
        encode_words(["abcd"], 4)
    with pytest.raises(InputError, match="outside the vocabulary"):
        encode_words(["aB"], 4)


def test_split_sizes_and_private_generator() -> None:
    state = torch.get_rng_state()
    train, test = makemore_split(32033)
    assert torch.equal(torch.get_rng_state(), state)            # global state untouched
    assert len(test) == 1000 and len(train) == 31033
    assert sorted(train + test) == list(range(32033))
    train, test = makemore_split(200)
    assert len(test) == 20                                     # int(0.1 N) below 1000
    with pytest.raises(InputError, match="at least 10 words"):
        makemore_split(9)


def test_generated_default_is_offline_and_consistent() -> None:
    s = load_dataset("names")
    assert s.meta["vocab"] == VOCAB and s.n_classes == 27 and s.task == "sequence"
    words = s.meta["words"]
    assert isinstance(words, dict)
    assert [len(words[k]) for k in ("train", "val", "test")] == [1600, 200, 200]
    T = s.sample_shape[0]
    assert max(len(w) for ws in words.values() for w in ws) + 1 == T
    for part in ("train", "val", "test"):
        ds = getattr(s, part)
        X, y = encode_words(words[part], T)
        assert torch.equal(ds.X, X) and torch.equal(ds.targets(), y)
        # the targets are the inputs shifted by one, then the end marker, then padding
        assert torch.equal(ds.X[:, 1:][ds.targets()[:, :-1] >= 0],
                           ds.targets()[:, :-1][ds.targets()[:, :-1] >= 0])
    assert load_dataset("names", seed=0).meta["words"] == words          # deterministic
    assert load_dataset("names", seed=1).meta["words"] != words


def test_user_file_and_bad_input(tmp_path: Path) -> None:
    f = tmp_path / "w.txt"
    f.write_text("\n".join(f"{a}{b}" for a in "abcde" for b in "xyz") + "\n\n  ann  \n")
    s = names("file", path=str(f), val_size=3)
    words = s.meta["words"]
    assert isinstance(words, dict)
    assert [len(words[k]) for k in ("train", "val", "test")] == [12, 3, 1]  # 16 words: 1 test
    assert "ann" in sum(words.values(), [])
    (tmp_path / "empty.txt").write_text("\n  \n")
    with pytest.raises(InputError, match="has no words"):
        names("file", path=str(tmp_path / "empty.txt"))
    (tmp_path / "bad.txt").write_text("anna\nJosé\n")
    with pytest.raises(InputError, match=r"line 2: the word 'José' has 'Jé', outside"):
        names("file", path=str(tmp_path / "bad.txt"))
    with pytest.raises(InputError, match="does not exist"):
        names("file", path=str(tmp_path / "missing.txt"))
    with pytest.raises(ConfigError, match="needs path"):
        names("file")
    with pytest.raises(ConfigError, match="source must be"):
        names("web")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="val_size must leave"):
        names("file", path=str(f), val_size=15)


@pytest.mark.slow
def test_full_file_checksum() -> None:
    path = _names_file()
    assert sha256_file(path) == NAMES.file("names.txt").sha256
    assert path.stat().st_size == NAMES.file("names.txt").size


@pytest.mark.slow
def test_split_and_encoding_equal_makemores() -> None:
    """makemore's own ``create_datasets`` (after its ``torch.manual_seed(3407)``) gives the
    same training words in the same order, the same test words and the same tensors."""
    path, mm = _names_file(), _makemore()
    with torch.random.fork_rng():
        torch.manual_seed(3407)
        mm_train, mm_test = mm.create_datasets(str(path))
    s = names("full")
    words = s.meta["words"]
    assert isinstance(words, dict)
    assert words["train"] + words["val"] == mm_train.words
    assert words["test"] == mm_test.words
    assert "".join(mm_train.chars) == LETTERS
    assert s.sample_shape == (mm_train.get_output_length(),)
    assert s.n_classes == mm_train.get_vocab_size()
    n_train = len(words["train"])
    for i in range(0, len(mm_train), 97):
        X, y = mm_train[i]
        part, j = (s.train, i) if i < n_train else (s.val, i - n_train)
        assert torch.equal(part.X[j], X) and torch.equal(part.targets()[j], y)
    for i in range(len(mm_test)):
        X, y = mm_test[i]
        assert torch.equal(s.test.X[i], X) and torch.equal(s.test.targets()[i], y)


# -- sampling words: each from the start context ---------------------------------------------


class _ContextStub:
    """A language model whose next token depends on the whole context: from the start marker
    it spells 'ab' and ends; a context holding anything before the start marker (an earlier
    word) gives 'z'. With ``noisy`` it instead draws a letter or the end from the seed."""

    def __init__(self, noisy: bool = False) -> None:
        self.contexts: list[list[int]] = []
        self.seeds: list[int | None] = []
        self.noisy = noisy
        self.config = type("Cfg", (), {"task": "lm"})()
        self.device = torch.device("cpu")

    def generate(self, prime_ids: torch.Tensor, n: int, temperature: float = 1.0,
                 top_k: int = 0, seed: int | None = None) -> torch.Tensor:
        ctx = prime_ids.tolist()
        self.contexts.append(ctx)
        self.seeds.append(seed)
        assert n == 1
        if self.noisy:
            g = torch.Generator().manual_seed(seed if seed is not None else 0)
            nxt = int(torch.randint(0, 4, (1,), generator=g))         # end, a, b or c
        else:
            nxt = {(0,): 1, (0, 1): 2, (0, 1, 2): 0}.get(tuple(ctx), 26)
        return torch.tensor(ctx + [nxt])


def test_generate_words_draws_every_word_from_the_start_context() -> None:
    from nnzoo.models.sampling import generate_words

    stub = _ContextStub()
    out = generate_words(stub, torch.tensor([0]), 9, 0, seed=3)
    assert decode(out, VOCAB) == "\nab\nab\nab\n"     # one stream would give "\nab\nzzzzz"
    assert all(c[0] == 0 and 0 not in c[1:] for c in stub.contexts)
    # the prime's last word is the first word's start; a prime without a marker is one
    stub = _ContextStub()
    assert decode(generate_words(stub, torch.tensor([26, 0, 1]), 4, 0), VOCAB) == "z\nab\nab"
    assert stub.contexts[0] == [0, 1]
    assert decode(generate_words(_ContextStub(), torch.tensor([[1, 2], [0, 1]]), 2, 0)[1],
                  VOCAB) == "\nab\n"


def test_generate_words_seeds_each_draw_and_repeats_with_the_seed() -> None:
    from nnzoo.models.sampling import generate_words

    a, b, c = _ContextStub(True), _ContextStub(True), _ContextStub(True)
    x = generate_words(a, torch.tensor([0]), 40, 0, seed=5)
    assert torch.equal(x, generate_words(b, torch.tensor([0]), 40, 0, seed=5))
    assert not torch.equal(x, generate_words(c, torch.tensor([0]), 40, 0, seed=6))
    assert len(set(a.seeds)) == 40                      # a fresh seed for every draw
    ends = (x == 0).nonzero().flatten().tolist()
    assert len(ends) > 3                                # several words were drawn
    for i, ctx in enumerate(a.contexts):                # each from [end] + its word so far
        last = max(e for e in ends if e <= i)
        assert ctx == [0] + x[last + 1:i + 1].tolist()
    with pytest.raises(ConfigError, match="n "):
        generate_words(a, torch.tensor([0]), -1, 0)
    with pytest.raises(InputError, match="integer token ids"):
        generate_words(a, torch.tensor([0.5]), 3, 0)


def test_sample_text_restarts_words_when_the_data_marks_the_end() -> None:
    """``nnzoo sample``'s text driver: the names data marks token 0 as the end of a word,
    so sampling restarts; data without the mark (a text stream) is one generate call."""
    from types import SimpleNamespace

    from nnzoo.recipes.sampling import _text

    splits = names(n=200)
    assert splits.meta["end"] == 0 and VOCAB[splits.meta["end"]] == "\n"
    stub = _ContextStub()
    config = SimpleNamespace(model="nplm", recipe="names")      # named only by errors
    text = _text("run", config, stub, splits, "\n", 6, 1.0, 0, 0)  # type: ignore[arg-type]
    assert text == "\nab\nab\n" and len(stub.contexts) == 6
    del splits.meta["end"]
    stream = _ContextStub()
    stream.generate = lambda p, n, **kw: torch.cat([p, torch.full((n,), 26)])  # type: ignore
    text = _text("run", config, stream, splits, "\n", 6, 1.0, 0, 0)  # type: ignore[arg-type]
    assert text == "\nzzzzzz"
