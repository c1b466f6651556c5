"""Sentence classification: Kim's CNN, the DCNN, C-LSTM, the MR/SST loaders and the toy task.

Pooling and convolutions are checked against NumPy loops; the loaders on fixture files that
the tests write (Latin-1 bytes, PTB trees, label lines); bad input against one clear error.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from nnzoo.core.config import TrainConfig
from nnzoo.core.errors import ConfigError, InputError
from nnzoo.core.loop import optimize
from nnzoo.data import load_dataset
from nnzoo.data.sentences import clean_str, load_mr, load_sst1, load_sst2, mr_folds, save_vocab
from nnzoo.models import create
from nnzoo.models.text.dynamic_cnn import RowConv, dynamic_k, kmax_pool
from nnzoo.models.text.embeddings import pretrained_matrix, read_word_vectors
from nnzoo.models.text.sentence_plots import plot_attention
from nnzoo.models.text.text_cnn import max_over_time

IDS = ("text-cnn", "dynamic-cnn", "clstm")


def _tokens(B: int, T: int, V: int, seed: int = 0) -> torch.Tensor:
    """Random sentences of lengths 1..T, ids in [2, V), padded with 0 at the end."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(2, V, (B, T), generator=g)
    lengths = torch.randint(1, T + 1, (B,), generator=g)
    return x * (torch.arange(T)[None] < lengths[:, None])


# -- pooling against NumPy -----------------------------------------------------------------------

def test_max_over_time_matches_numpy() -> None:
    rng = np.random.default_rng(0)
    c = rng.normal(size=(5, 3, 9)).astype(np.float32)
    lengths = rng.integers(1, 10, 5)
    valid = np.arange(9)[None] < lengths[:, None]
    want = np.stack([[c[b, k, : lengths[b]].max() for k in range(3)] for b in range(5)])
    got = max_over_time(torch.from_numpy(c), torch.from_numpy(valid))
    np.testing.assert_allclose(got.numpy(), want)


def test_text_cnn_features_match_a_numpy_loop() -> None:
    """Embedding, wide convolution, ReLU, max over the windows that touch the sentence."""
    torch.manual_seed(0)
    m = create("text-cnn", sample_shape=(7,), vocab_size=20, embed_dim=5, filter_widths=(2, 3),
               n_filters=4).eval()
    x = _tokens(6, 7, 20)
    E = m.embedding.weight.detach().numpy()
    want = np.zeros((6, 8))
    for b in range(6):
        n = int((x[b] != 0).sum())
        sent = E[x[b, :n].numpy()]                                   # (n, E)
        for j, (conv, w) in enumerate(zip(m.convs, (2, 3))):
            W, bias = conv.weight.detach().numpy(), conv.bias.detach().numpy()  # (C, E, w)
            padded = np.concatenate([np.zeros((w - 1, 5)), sent, np.zeros((w - 1, 5))])
            feats = [np.maximum(0, np.einsum("cew,we->c", W, padded[i:i + w]) + bias)
                     for i in range(n + w - 1)]
            want[b, 4 * j:4 * j + 4] = np.max(feats, axis=0)
    np.testing.assert_allclose(m.features(x).detach().numpy(), want, rtol=1e-5, atol=1e-6)


def test_text_cnn_does_not_depend_on_padding_length() -> None:
    torch.manual_seed(0)
    a = create("text-cnn", sample_shape=(6,), vocab_size=30, embed_dim=8, n_filters=5).eval()
    b = create("text-cnn", sample_shape=(13,), vocab_size=30, embed_dim=8, n_filters=5).eval()
    b.load_state_dict(a.state_dict())
    x = _tokens(5, 6, 30)
    torch.testing.assert_close(a(x), b(torch.nn.functional.pad(x, (0, 7))))


def test_pooling_sources_cover_the_words_of_each_sentence() -> None:
    torch.manual_seed(0)
    m = create("text-cnn", sample_shape=(9,), vocab_size=30, embed_dim=8, n_filters=6).eval()
    x = _tokens(5, 9, 30)
    share = m.pooling_sources(x)
    torch.testing.assert_close(share.sum(1), torch.ones(5))
    assert bool((share[x == 0] == 0).all()) and bool((share >= 0).all())


def _kmax_numpy(x: np.ndarray, k: np.ndarray, lengths: np.ndarray, k_max: int) -> np.ndarray:
    out = np.zeros((*x.shape[:2], k_max), dtype=x.dtype)
    for b in range(x.shape[0]):
        for c in range(x.shape[1]):
            row = x[b, c, : lengths[b]]
            keep = np.sort(np.argsort(-row, kind="stable")[: k[b]])  # k largest, in order
            out[b, c, : len(keep)] = row[keep]
    return out


@pytest.mark.parametrize("k_max", [3, 6, 12])
def test_kmax_pooling_matches_numpy(k_max: int) -> None:
    rng = np.random.default_rng(k_max)
    x = rng.normal(size=(6, 4, 10)).astype(np.float32)
    lengths = rng.integers(1, 11, 6)
    k = np.minimum(rng.integers(1, k_max + 1, 6), lengths)
    got = kmax_pool(torch.from_numpy(x), torch.from_numpy(k), torch.from_numpy(lengths), k_max)
    np.testing.assert_allclose(got.numpy(), _kmax_numpy(x, k, lengths, k_max))


def test_dynamic_k_follows_the_paper() -> None:
    """Kalchbrenner et al. 2014, section 3.3: s = 18, L = 3, k_top = 3 gives k = 12, 6, 3."""
    s = torch.tensor([18, 2])
    assert [dynamic_k(layer, 3, s, 3).tolist() for layer in (1, 2, 3)] == [[12, 3], [6, 3],
                                                                            [3, 3]]
    s = torch.arange(1, 60)
    for layer in (1, 2, 3, 4):
        want = [max(2, -(-(5 - layer) * n // 5)) if layer < 5 else 2 for n in range(1, 60)]
        assert dynamic_k(layer, 5, s, 2).tolist() == want


def test_row_convolution_matches_numpy() -> None:
    """Wide 1-D convolution in each row separately, summed over the input maps."""
    torch.manual_seed(0)
    conv = RowConv(2, 3, 4, 3)
    x = torch.randn(2, 2, 4, 5)
    W = conv.conv.weight.detach().numpy().reshape(4, 3, 2, 3)   # (d, C_out, C_in, m)
    xp = np.pad(x.numpy(), ((0, 0), (0, 0), (0, 0), (2, 2)))
    want = np.zeros((2, 3, 4, 7))
    for t in range(7):  # cross-correlation, as torch's conv1d
        want[..., t] = np.einsum("rjkm,bkrm->bjr", W, xp[..., t:t + 3])
    np.testing.assert_allclose(conv(x).detach().numpy(), want, rtol=1e-5, atol=1e-5)


# -- word vectors -----------------------------------------------------------------------------

@pytest.mark.parametrize("word2vec", [False, True])
def test_embeddings_from_a_word_vector_text_file(tmp_path: Path, word2vec: bool) -> None:
    lines = ["good 0.1 0.2 0.3", "bad -1 -2 -3", "film 5 5 5"]
    path = tmp_path / "vectors.txt"
    path.write_text(("3 3\n" if word2vec else "") + "\n".join(lines) + "\n")
    vocab = ["<pad>", "<unk>", "bad", "movie", "good"]
    W, found = pretrained_matrix(path, vocab, 3)
    assert found.tolist() == [False, False, True, False, True]
    np.testing.assert_allclose(W[2].numpy(), [-1, -2, -3])
    np.testing.assert_allclose(W[4].numpy(), [0.1, 0.2, 0.3], rtol=1e-6)
    assert torch.equal(W[0], torch.zeros(3))                   # padding row
    assert float(W[[1, 3]].abs().max()) <= 0.25                # unknown: U[-0.25, 0.25]
    with pytest.raises(ConfigError, match="3-dimensional"):
        pretrained_matrix(path, vocab, 4)
    vocab_path = save_vocab(vocab, tmp_path / "vocab.txt")
    m = create("text-cnn", sample_shape=(5,), vocab_size=5, embed_dim=3,
               embeddings_path=str(path), vocab_path=str(vocab_path), static=True)
    np.testing.assert_allclose(m.embedding.weight[2].detach().numpy(), [-1, -2, -3])
    assert not m.embedding.weight.requires_grad
    with pytest.raises(ConfigError, match="vocab_path"):
        create("text-cnn", sample_shape=(5,), vocab_size=5, embed_dim=3,
               embeddings_path=str(path))


def test_word_vector_file_with_a_short_line_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "v.txt"
    path.write_text("a 1 2 3\nb 1 2\n")
    with pytest.raises(InputError, match="line 2"):
        read_word_vectors(path)


# -- the max-norm constraint and the lazy Adam ------------------------------------------------

def test_max_norm_constraint_holds_after_a_step() -> None:
    torch.manual_seed(0)
    m = create("text-cnn", sample_shape=(8,), vocab_size=30, embed_dim=6, n_filters=5,
               max_norm=3.0)
    with torch.no_grad():
        m.out.weight.mul_(100.0)                                 # far outside the ball
    opts = m.configure_optimizers(TrainConfig(optimizer="sgd", lr=10.0))
    x, y = _tokens(16, 8, 30), torch.randint(0, 2, (16,))
    optimize(m.training_step, (x, y), opts, automatic=True)
    norms = m.out.weight.norm(dim=1)
    assert torch.allclose(norms, torch.full_like(norms, 3.0), atol=1e-4)  # projected onto it
    off = create("text-cnn", sample_shape=(8,), vocab_size=30, embed_dim=6, n_filters=5,
                 max_norm=0.0)
    with torch.no_grad():
        off.out.weight.mul_(100.0)
    optimize(off.training_step, (x, y), off.configure_optimizers(TrainConfig(lr=1e-3)),
             automatic=True)
    assert float(off.out.weight.detach().norm(dim=1).max()) > 3.0


def test_lazy_adam_updates_only_the_rows_a_batch_uses() -> None:
    torch.manual_seed(0)
    m = create("clstm", sample_shape=(6,), vocab_size=40, embed_dim=8, n_filters=4,
               hidden_size=4)
    before = m.embedding.weight.detach().clone()
    x = torch.tensor([[2, 3, 4, 0, 0, 0], [5, 6, 0, 0, 0, 0]])
    optimize(m.training_step, (x, torch.tensor([0, 1])),
             m.configure_optimizers(TrainConfig(lr=0.1)), automatic=True)
    changed = (m.embedding.weight != before).any(1).nonzero().squeeze(1).tolist()
    assert changed == [2, 3, 4, 5, 6]


# -- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("mid", IDS)
def test_bad_input_is_one_clear_error(mid: str) -> None:
    m = create(mid, sample_shape=(6,), vocab_size=20, embed_dim=8).eval()
    good = _tokens(3, 6, 20)
    m(good)
    empty = good.clone()
    empty[1] = 0
    with pytest.raises(InputError, match="sentence 1 has length 0"):
        m(empty)
    high = good.clone()
    high[0, 0] = 20
    with pytest.raises(InputError, match=r"\[0, 20\)"):
        m.predict(high)
    with pytest.raises(InputError, match=r"\[0, 20\)"):
        m(good - 5)
    with pytest.raises(InputError, match="shape"):
        m(good[:, :0])                                           # a sequence of length zero
    with pytest.raises(ConfigError, match="T >= 1"):
        create(mid, sample_shape=(0,), vocab_size=20)


# -- data -------------------------------------------------------------------------------------

def _write_mr(folder: Path, n: int = 30, blank_at: int | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, word in (("rt-polarity.pos", "great"), ("rt-polarity.neg", "dull")):
        lines = [f"the caf\xe9 film was {word} , number {i} !" for i in range(n)]
        if blank_at is not None and name.endswith("neg"):
            lines[blank_at] = "  ...  "
        (folder / name).write_bytes(("\n".join(lines) + "\n").encode("latin-1"))


def test_mr_loader_latin1_and_a_disjoint_covering_fold_split(tmp_path: Path) -> None:
    _write_mr(tmp_path)
    tests = []
    for fold in range(10):
        s = load_mr(fold=fold, path=tmp_path)
        idx = s.meta["indices"]
        parts = [set(idx[k].tolist()) for k in ("train", "val", "test")]
        assert sum(map(len, parts)) == 60 and set().union(*parts) == set(range(60))
        assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
        tests.append(idx["test"])
    allt = np.concatenate(tests)
    assert sorted(allt.tolist()) == list(range(60))            # folds: disjoint, covering
    s = load_mr(fold=0, path=tmp_path)
    sent = s.meta["sentences"]["train"][0]
    assert sent[:2] == ["the", "caf"] and "," in sent and "!" in sent    # Latin-1, clean_str
    vocab = s.meta["vocab"]
    assert vocab[:2] == ["<pad>", "<unk>"] and s.meta["vocab_size"] == len(vocab)
    assert s.sample_shape == (9,) and s.train.X.dtype == torch.int64
    assert s.n_classes == 2 and set(s.train.y.tolist()) == {0, 1}
    assert [len(f) for f in mr_folds(60)] == [6] * 10


def test_mr_empty_sentence_names_file_and_line(tmp_path: Path) -> None:
    _write_mr(tmp_path, blank_at=4)
    with pytest.raises(InputError, match=r"rt-polarity\.neg, line 5: empty sentence"):
        load_mr(path=tmp_path)


def test_vocabulary_comes_from_the_training_split_only(tmp_path: Path) -> None:
    _write_mr(tmp_path)
    s = load_mr(fold=0, path=tmp_path)
    train_words = {w for sent in s.meta["sentences"]["train"] for w in sent}
    assert set(s.meta["vocab"][2:]) == train_words
    test_only = {w for sent in s.meta["sentences"]["test"] for w in sent} - train_words
    assert test_only  # sentence numbers of the test fold
    rows = [i for i, sent in enumerate(s.meta["sentences"]["test"])
            if set(sent) & test_only]
    assert bool((s.test.X[rows] == 1).any(1).all())               # unknown words -> <unk>


def test_clean_str_is_kims() -> None:
    assert clean_str("It's a \"good\" film, isn't it?!") == "it 's a good film , is n't it ? !"


_TREES = ["(3 (2 It) (4 (4 (2 's) (4 good)) (2 .)))",
          "(1 (2 A) (1 (1 dull) (2 film)))",
          "(2 (2 An) (2 average) (2 movie))",
          "(4 (4 Brilliant) (2 !))"]


def _write_sst(folder: Path, lines: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("train.txt", "dev.txt", "test.txt"):
        (folder / name).write_text("\n".join(lines) + "\n")
    return folder


def test_sst_tree_format(tmp_path: Path) -> None:
    folder = _write_sst(tmp_path / "trees", _TREES)
    s1 = load_sst1(path=folder)
    assert s1.n_classes == 5 and s1.train.y.tolist() == [3, 1, 2, 4]
    assert s1.meta["sentences"]["train"][0] == ["it", "'s", "good"]
    s2 = load_sst2(path=folder)                                  # neutral dropped, 0-1 / 3-4
    assert s2.n_classes == 2 and s2.train.y.tolist() == [1, 0, 1]
    assert s2.meta["sentences"]["train"][1] == ["a", "dull", "film"]


def test_sst_line_format(tmp_path: Path) -> None:
    folder = _write_sst(tmp_path / "lines", ["1\tit 's good", "0 a dull film", "1 brilliant !"])
    s2 = load_sst2(path=folder)
    assert s2.train.y.tolist() == [1, 0, 1] and s2.meta["sentences"]["train"][2] == [
        "brilliant", "!"]
    five = _write_sst(tmp_path / "five", ["4\tsuperb", "0\tawful", "2\tfine"])
    assert load_sst1(path=five).train.y.tolist() == [4, 0, 2]


@pytest.mark.parametrize("lines,loader,match", [
    (["7\tstrange label"], load_sst1, "line 1: unknown label '7'"),
    (["1 ok", "3 not binary"], load_sst2, "line 2: unknown label '3'"),
    (["(7 (7 odd))"], load_sst1, "unknown label '7'"),
    (["1 fine", "0   ...  "], load_sst2, "line 2: empty sentence"),
    (["1"], load_sst2, "line 1: expected 'label"),
])
def test_sst_bad_files_are_one_clear_error(tmp_path: Path, lines: list[str], loader,  # type: ignore[no-untyped-def]
                                           match: str) -> None:
    folder = _write_sst(tmp_path, lines)
    with pytest.raises(InputError, match=match):
        loader(path=folder)


def test_toy_sentiment_is_seeded_and_balanced() -> None:
    a, b = load_dataset("toy-sentiment", seed=3), load_dataset("toy-sentiment", seed=3)
    assert torch.equal(a.train.X, b.train.X) and torch.equal(a.test.y, b.test.y)
    assert 0.4 < float(a.train.y.float().mean()) < 0.6
    sents, labels = a.meta["sentences"]["train"], a.train.y.tolist()
    for s, y in zip(sents, labels):  # one clause: the adjective's polarity, flipped by "not"
        if "but" not in s and "and" not in s:
            positive = bool({"good", "great", "wonderful", "brilliant", "moving", "funny",
                             "charming", "superb"} & set(s))
            assert y == int(positive != ("not" in s))


# -- runs and plots ---------------------------------------------------------------------------

def test_attention_plot_is_written(tmp_path: Path) -> None:
    w = torch.softmax(torch.randn(2, 5), 1)
    p = plot_attention(w, [["a", "good", "film"], ["not", "bad", "at", "all", "!"]],
                       tmp_path / "att.png")
    assert p.exists() and p.stat().st_size > 1000


def test_text_cnn_learns_the_toy_task_and_writes_plots(tmp_path: Path) -> None:
    from nnzoo.recipes.runner import RunOptions, train

    summary = train("text-cnn", overrides={"epochs": 2, "embed_dim": 32, "n_filters": 16},
                    options=RunOptions(out=str(tmp_path), quiet=True))
    assert summary["test"]["accuracy"] > 0.8
    plots = {p.name for p in (Path(summary["run_dir"]) / "plots").iterdir()}
    assert {"learning_curve.png", "confusion_matrix.png", "filter_norms.png"} <= plots
