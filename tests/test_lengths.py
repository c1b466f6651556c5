"""Sequences by length: the length-bucketed epoch order, batches cut to their longest
sentence, and evaluation in bounded batches that still reports the corpus figures."""

from __future__ import annotations

import pytest
import torch

from nnzoo.core.config import TrainConfig
from nnzoo.core.errors import InputError
from nnzoo.core.loop import batch_slices, epoch_order, padding_fraction
from nnzoo.data import load_dataset
from nnzoo.data.conll import conlleval, decode_tags
from nnzoo.models import create
from nnzoo.train.engine import Trainer, evaluate


def _lengths(n: int = 403, seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(1, 60, (n,), generator=g)


def test_epoch_order_without_lengths_is_unchanged() -> None:
    """No lengths: the uniform permutation of before (runs of other models do not move)."""
    g = torch.Generator().manual_seed(7 * 1_000_003 + 2)
    assert torch.equal(epoch_order(50, 7, 2), torch.randperm(50, generator=g))


def test_bucketed_order_is_a_deterministic_permutation() -> None:
    L = _lengths()
    a = epoch_order(len(L), 3, 1, lengths=L, batch_size=16, chunk_batches=5)
    assert torch.equal(torch.sort(a).values, torch.arange(len(L)))
    assert torch.equal(a, epoch_order(len(L), 3, 1, lengths=L, batch_size=16, chunk_batches=5))
    assert not torch.equal(a, epoch_order(len(L), 3, 2, lengths=L, batch_size=16,
                                          chunk_batches=5))
    assert not torch.equal(a, epoch_order(len(L), 4, 1, lengths=L, batch_size=16,
                                          chunk_batches=5))


def test_bucketed_batches_have_little_padding() -> None:
    """Each batch comes from one chunk and is sorted within it: its lengths span little, and
    the padding left after cutting each batch to its longest falls well below random
    batches'. The last, shorter batch stays last."""
    L, b = _lengths(), 16
    slices = batch_slices(len(L), b)
    bucketed = epoch_order(len(L), 0, 0, lengths=L, batch_size=b, chunk_batches=5)
    random = epoch_order(len(L), 0, 0)
    pad_b = padding_fraction(L, bucketed, slices)
    pad_r = padding_fraction(L, random, slices)
    assert pad_b < 0.2 < 0.4 < pad_r
    # the chunks: positions [0, 80), [80, 160), ... of the permutation, each sorted
    perm = random
    full = len(L) // b
    for k in range(full):
        batch = bucketed[k * b:(k + 1) * b]
        where = torch.nonzero(perm[:, None] == batch[None], as_tuple=True)[0]
        assert len(set((where // (5 * b)).tolist())) == 1           # one chunk per batch
    tail = set(bucketed[full * b:].tolist())
    last_chunk = perm[(full * b // (5 * b)) * 5 * b:]
    assert tail <= set(last_chunk.tolist())


def test_padding_fraction_by_hand() -> None:
    L = torch.tensor([2, 4, 1, 3])
    sl = [slice(0, 2), slice(2, 4)]
    assert padding_fraction(L, None, sl) == pytest.approx(1 - 10 / (2 * 4 + 2 * 3))
    assert padding_fraction(L, None, sl, width=5) == pytest.approx(1 - 10 / 20)
    assert padding_fraction(L, torch.tensor([1, 0, 3, 2]), sl) == pytest.approx(
        1 - 10 / (2 * 4 + 2 * 3))


def test_bad_lengths_are_one_clear_error() -> None:
    with pytest.raises(InputError, match="lengths must have shape"):
        epoch_order(5, 0, 0, lengths=torch.ones(4, dtype=torch.long), batch_size=2)


def _toy_tagger(model_id: str = "bilstm-crf"):  # type: ignore[no-untyped-def]
    s = load_dataset("toy-ner", n=96, n_val=40, n_test=40)
    torch.manual_seed(0)
    m = create(model_id, sample_shape=s.sample_shape, n_classes=s.n_classes,
               vocab_size=s.meta["vocab_size"], tags=s.meta["tags"], word_dim=16, hidden=16,
               char_hidden=8, char_dim=8)
    return m, s


def test_training_batches_are_cut_to_their_longest_sentence() -> None:
    m, s = _toy_tagger()
    tr = Trainer(m, s.train, s.val, TrainConfig(epochs=1, batch_size=8), quiet=True)
    L = m.sequence_lengths(s.train.X)
    seen = []
    for x, y, _ in tr._batches(0, 0):
        lengths = m.sequence_lengths(x)
        assert x.shape[1] == int(lengths.max()) < s.train.X.shape[1] + 1
        assert y is not None and y.shape == x.shape[:2]
        assert bool((x[..., 0] != 0).sum(1).eq(lengths).all())
        seen.append(x)
    assert sum(len(x) for x in seen) == len(s.train)
    assert sum(int(m.sequence_lengths(x).sum()) for x in seen) == int(L.sum())
    # resuming at batch 3 gives the same batches from there on
    again = [x for x, _, _ in tr._batches(0, 3)]
    assert all(torch.equal(a, b) for a, b in zip(seen[3:], again, strict=True))


def test_tagger_evaluation_in_small_batches_gives_the_corpus_figures() -> None:
    """F1, precision, recall and token accuracy of evaluate() in batches of 7 equal those of
    one batch, and conlleval's (the line-by-line port of the Perl script) on the Viterbi
    tags of the whole split."""
    m, s = _toy_tagger()
    Trainer(m, s.train, s.val, TrainConfig(epochs=6, batch_size=8, lr=0.03), quiet=True).fit()
    small = evaluate(m, s.test, batch_size=7)
    whole = evaluate(m, s.test, batch_size=10_000)
    m.eval()
    pred = m.predict(s.test.X)
    tags = s.meta["tags"]
    ref = conlleval(decode_tags(s.test.y, tags), decode_tags(pred, tags))
    for k in ("f1", "precision", "recall", "accuracy"):
        assert small[k] == pytest.approx(whole[k], abs=1e-12)
    p, r, f = ref.scores()
    assert (small["precision"], small["recall"], small["f1"]) == pytest.approx((p, r, f))
    assert small["accuracy"] == pytest.approx(ref.accuracy)
    assert small["loss"] == pytest.approx(whole["loss"], rel=1e-5)
    assert sum(ref.correct.values()) > 0                           # the check can fail


def test_models_take_cut_batches_and_refuse_longer_ones() -> None:
    m, s = _toy_tagger()
    x = s.test.X[:4]
    L = int(m.sequence_lengths(x).max())
    m.eval()
    full, cut = m.predict(x), m.predict(x[:, :L])
    assert torch.equal(full[:, :L], cut)
    with pytest.raises(InputError, match="steps <="):
        m.predict(torch.cat([x, x[:, :1]], 1))
    sent = load_dataset("toy-sentiment", n=20, n_val=5, n_test=5)
    c = create("text-cnn", sample_shape=sent.sample_shape, vocab_size=sent.meta["vocab_size"],
               n_classes=2).eval()
    xs = sent.test.X
    Ls = int(c.sequence_lengths(xs).max())
    assert torch.allclose(c(xs), c(xs[:, :Ls]))
    with pytest.raises(InputError, match="positions <="):
        c(torch.cat([xs, xs[:, :1]], 1))


def test_footprint_measures_a_recipe_in_a_fresh_process() -> None:
    """The bench's tokens/s and peak-memory measurement: the token counts are the data's,
    the padding the model sees is below the stored padding, and the F1 is the recipe's
    evaluation of the test split."""
    from nnzoo.bench.text.footprint import footprint

    fp = footprint("crf", "toy-ner", 1)
    s = load_dataset("toy-ner")
    tokens = lambda X: int((X[..., 0] != 0).sum())  # noqa: E731
    assert (fp["train_tokens"], fp["test_tokens"]) == (tokens(s.train.X), tokens(s.test.X))
    assert fp["epochs"] == 1 and fp["length_bucketed"]
    assert 0 <= fp["padding_fraction_batches"] < fp["padding_fraction_stored"] < 1
    assert fp["peak_rss_mb"] >= fp["rss_before_training_mb"] > 50
    assert fp["train_tokens_per_s"] > 0 and fp["eval_tokens_per_s"] > 0
    assert 0 <= fp["test"]["f1"] <= 1 and fp["eval_batch_size"] == 64


def test_conll_ids_are_stored_in_the_smallest_integer_type_that_holds_them() -> None:
    from nnzoo.data.conll import Sentence, encode

    sents = [Sentence(["a", "b"], ["O", "O"])]
    small = [f"w{i}" for i in range(32_768)]
    X, y = encode(sents, small, ("O",), max_len=3, max_chars=2)
    assert X.dtype == torch.int16 and y.dtype == torch.int64
    X2, _ = encode([Sentence(["w32768"], ["O"])], [*small, "w32768"], ("O",), max_len=3,
                   max_chars=2)
    assert X2.dtype == torch.int32 and int(X2[0, 0, 0]) == 32_768          # no overflow


def test_length_slices_bound_the_steps_of_each_batch() -> None:
    from nnzoo.core.loop import length_slices

    L = torch.sort(_lengths(200)).values
    sl = length_slices(L, 16)
    budget = 16 * round(float(L.float().mean()))
    assert sl[0].start == 0 and sl[-1].stop == len(L)
    assert all(a.stop == b.start for a, b in zip(sl, sl[1:]))
    for s in sl:
        n = s.stop - s.start
        assert 1 <= n <= 16 and (n == 1 or n * int(L[s.stop - 1]) <= budget)
    assert len(sl) > len(L) // 16                               # the long ones are split
    with pytest.raises(InputError, match="ascending"):
        length_slices(torch.tensor([3, 1]), 4)
