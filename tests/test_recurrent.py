"""Recurrent networks: the readable cells against torch's fused kernels, nnzoo's
bidirectional models against two of its forward models, packing, truncated BPTT,
generation, the character data, the recipes and every bad input."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core.errors import ConfigError, InputError
from nnzoo.data import load_dataset
from nnzoo.data.chars import decode, encode, text_vocab, tinyshakespeare_chars
from nnzoo.models import create
from nnzoo.models.recurrent.cells import (
    FUSED,
    detach_state,
    elman_cell,
    gru_cell,
    lstm_cell,
    reference_unroll,
)
from nnzoo.models.recurrent.network import n_parameters

CELL_IDS = {"rnn": ("rnn", "birnn"), "lstm": ("lstm", "bilstm"), "gru": ("gru", "bigru")}


def _state(cell: str, n: int, B: int, H: int, g: torch.Generator):  # type: ignore[no-untyped-def]
    h = torch.randn(n, B, H, generator=g)
    return (h, torch.randn(n, B, H, generator=g)) if cell == "lstm" else h


def _close(a, b, atol: float = 1e-5) -> None:  # type: ignore[no-untyped-def]
    if isinstance(a, tuple):
        for u, v in zip(a, b):
            torch.testing.assert_close(u, v, atol=atol, rtol=0)
    else:
        torch.testing.assert_close(a, b, atol=atol, rtol=0)


# -- the cells against the fused kernels ---------------------------------------------------------

@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_one_step_of_each_cell_matches_torch_cell(cell: str) -> None:
    torch.manual_seed(0)
    ref = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}[cell](5, 7)
    x, h, c = torch.randn(4, 5), torch.randn(4, 7), torch.randn(4, 7)
    w = (ref.weight_ih, ref.weight_hh, ref.bias_ih, ref.bias_hh)
    with torch.no_grad():
        if cell == "lstm":
            _close(lstm_cell(x, (h, c), *w), ref(x, (h, c)))
        else:
            fn = elman_cell if cell == "rnn" else gru_cell
            _close(fn(x, h, *w), ref(x, h))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, False), (1, True), (3, True)])
def test_readable_cells_match_fused_kernel(cell: str, layers: int, bidirectional: bool) -> None:
    """Outputs and final states of the step-by-step reference equal nn.RNN/LSTM/GRU's, with
    random weights, random inputs and a random initial state, to 1e-5."""
    g = torch.Generator().manual_seed(1)
    torch.manual_seed(1)
    rnn = FUSED[cell](6, 8, num_layers=layers, batch_first=True, bidirectional=bidirectional)
    x = torch.randn(3, 9, 6, generator=g)
    s0 = _state(cell, layers * (2 if bidirectional else 1), 3, 8, g)
    with torch.no_grad():
        out, s = rnn(x, s0)
        ref_out, ref_s = reference_unroll(rnn, x, s0)
    _close(ref_out, out)
    _close(ref_s, s)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_bidirectional_model_is_two_forward_models(cell: str) -> None:
    """nnzoo's bidirectional model on a padded batch of different lengths: its forward half
    is nnzoo's forward model (same embedding, the ``_l0`` weights) on each sequence, and its
    backward half is nnzoo's forward model given the ``_l0_reverse`` weights, run on the
    reversed sequence (its real steps only) and reversed back; the class scores are the head
    on [forward model's final state | reversed model's final state]."""
    uni_id, bi_id = CELL_IDS[cell]
    kw = {"sample_shape": (9,), "vocab_size": 11, "n_classes": 3, "hidden_size": 5,
          "embed_dim": 4, "num_layers": 1}
    torch.manual_seed(2)
    bi = create(bi_id, **kw).eval()
    fwd, rev = create(uni_id, **kw).eval(), create(uni_id, **kw).eval()
    with torch.no_grad():
        for m, suffix in ((fwd, ""), (rev, "_reverse")):
            m.embedding.weight.copy_(bi.embedding.weight)
            for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(m.rnn, f"{p}_l0").copy_(getattr(bi.rnn, f"{p}_l0{suffix}"))
        lengths = [9, 4, 6, 1]
        x = torch.zeros(4, 9, dtype=torch.long)                      # end-padded with 0
        for i, n in enumerate(lengths):
            x[i, :n] = torch.randint(1, 11, (n,))
        out, _ = bi.encode(x)                                        # (4, 9, 2 * 5)
        scores = bi(x)
        for i, n in enumerate(lengths):
            seq = x[i:i + 1, :n]
            f_out, f_state = fwd._encode(seq)                        # alone, no padding
            r_out, r_state = rev._encode(seq.flip(1))
            _close(out[i, :n, :5], f_out[0])
            _close(out[i, :n, 5:], r_out[0].flip(0))
            assert float(out[i, n:].abs().sum()) == 0.0              # padding reads nothing
            h_f = f_state[0] if cell == "lstm" else f_state           # (1, 1, 5)
            h_r = r_state[0] if cell == "lstm" else r_state
            _close(scores[i], bi.head(torch.cat([h_f[0, 0], h_r[0, 0]])))
    # the backward weights matter: with the forward ones the halves differ
    with torch.no_grad():
        same, _ = fwd._encode(x[:1].flip(1))
    assert not torch.allclose(out[0, :, 5:], same[0].flip(0), atol=1e-3)


@pytest.mark.parametrize("mid", ["lstm", "bigru", "birnn"])
def test_packed_batch_equals_each_sequence_alone(mid: str) -> None:
    """A padded batch of different lengths gives, for each sequence, the outputs and pooled
    vector of that sequence run alone (no padding) through the same fused module."""
    torch.manual_seed(3)
    m = create(mid, sample_shape=(8,), vocab_size=12, n_classes=3, hidden_size=6,
               embed_dim=5, num_layers=2).eval()
    lengths = [8, 3, 5, 1]
    x = torch.zeros(4, 8, dtype=torch.long)
    for i, n in enumerate(lengths):
        x[i, :n] = torch.randint(1, 12, (n,))
    with torch.no_grad():
        out, state = m.encode(x)                                    # (4, 8, dirs * 6)
        logits = m(x)
        ref_out, ref_state = reference_unroll(m.rnn, m.embedding(x), lengths=torch.tensor(lengths))
        for i, n in enumerate(lengths):
            alone, s = m.rnn(m.embedding(x[i:i + 1, :n]))            # no padding at all
            _close(out[i, :n], alone[0])
            assert float(out[i, n:].abs().sum()) == 0.0        # padded steps are zeros
            pooled = m._pool(alone, s, None)
            _close(logits[i], m.head(pooled)[0])
    _close(ref_out, out)
    _close(ref_state, state)


def test_initial_state_is_used_and_checked() -> None:
    torch.manual_seed(4)
    m = create("lstm", sample_shape=(6, 3), n_classes=2, hidden_size=5, num_layers=2).eval()
    x = torch.randn(2, 6, 3)
    h0, c0 = torch.randn(2, 2, 5), torch.randn(2, 2, 5)
    with torch.no_grad():
        out, _ = m.encode(x, (h0, c0))
        ref, _ = reference_unroll(m.rnn, x, (h0, c0))
        zero, _ = m.encode(x)
    _close(out, ref)
    assert not torch.allclose(out, zero)
    with pytest.raises(InputError, match=r"initial state must be a pair \(h0, c0\)"):
        m.encode(x, h0)
    with pytest.raises(InputError, match=r"shape \(2, 2, 5\)"):
        m(x, (h0[:1], c0[:1]))


def test_attention_weights_are_a_distribution_over_real_steps() -> None:
    torch.manual_seed(5)
    m = create("bilstm", sample_shape=(7,), vocab_size=9, n_classes=2, hidden_size=4,
               embed_dim=3, attention=True).eval()
    x = torch.randint(1, 9, (3, 7))
    x[1, 4:] = 0
    a = m.attention_weights(x)                                     # (3, 7)
    torch.testing.assert_close(a.sum(1), torch.ones(3))
    assert float(a[1, 4:].abs().max()) == 0.0 and bool((a[1, :4] > 0).all())
    with torch.no_grad():
        out, _ = m.encode(x)
        want = m.head((a[:, :, None] * out).sum(1))                 # s = sum_t a_t h_t
    _close(m(x).detach(), want)
    plain = create("bilstm", sample_shape=(7,), vocab_size=9, n_classes=2)
    with pytest.raises(ConfigError, match="attention=False"):
        plain.attention_weights(x)


# -- learning ----------------------------------------------------------------------------------

def _lm(cell: str = "lstm", **kw):  # type: ignore[no-untyped-def]
    return create(cell, sample_shape=(12,), vocab_size=10, n_classes=10, task="lm",
                  embed_dim=6, hidden_size=8, **kw)


def test_truncated_bptt_cuts_the_gradient_at_chunk_boundaries() -> None:
    """With bptt=k the loss value is that of the whole window, and the gradient equals the
    sum of each chunk's gradient computed by torch's module from the detached state."""
    torch.manual_seed(6)
    m = _lm(bptt=4)
    x, y = torch.randint(0, 10, (3, 12)), torch.randint(0, 10, (3, 12))
    loss = m.training_step((x, y))["loss"]
    grads = torch.autograd.grad(loss, list(m.parameters()))
    full = F.cross_entropy(m(x).flatten(0, 1), y.flatten())
    assert loss.item() == pytest.approx(full.item(), abs=1e-6)
    # the reference: each chunk from the previous chunk's state, detached, summed
    state, total = None, 0.0
    for s in range(0, 12, 4):
        out, state = m.rnn(m.embedding(x[:, s:s + 4]), state)
        total = total + F.cross_entropy(m.head(out).flatten(0, 1), y[:, s:s + 4].flatten(),
                                        reduction="sum")
        state = detach_state(state)
    ref = torch.autograd.grad(total / y.numel(), list(m.parameters()))
    for a, b in zip(grads, ref):
        _close(a, b, atol=1e-6)
    m.config.bptt = 0                                               # the same model, untruncated
    untruncated = torch.autograd.grad(m.training_step((x, y))["loss"], list(m.parameters()))
    assert any(not torch.allclose(a, b, atol=1e-6) for a, b in zip(grads, untruncated))


def test_language_model_learns_a_repeating_text() -> None:
    torch.manual_seed(7)
    m = _lm("gru")
    seq = torch.arange(40) % 5                                      # 0 1 2 3 4 0 1 ...
    x = torch.stack([seq[i:i + 12] for i in range(20)])
    y = torch.stack([seq[i + 1:i + 13] for i in range(20)])
    opt = torch.optim.Adam(m.parameters(), lr=2e-2)
    for _ in range(80):
        opt.zero_grad()
        m.training_step((x, y))["loss"].backward()
        opt.step()
    m.eval()
    assert float(m.evaluation_step((x, y))["loss"]) < 0.05
    out = m.generate(torch.tensor([2, 3]), 8, top_k=1)
    assert out.tolist() == [2, 3, 4, 0, 1, 2, 3, 4, 0, 1]


@pytest.mark.parametrize("mid", ["rnn", "bilstm"])
def test_classifier_fits_a_small_batch(mid: str) -> None:
    torch.manual_seed(8)
    m = create(mid, sample_shape=(10,), vocab_size=20, n_classes=3, hidden_size=16,
               embed_dim=8, attention=mid == "bilstm")
    x = torch.randint(1, 20, (24, 10))
    x[::3, 6:] = 0
    y = torch.randint(0, 3, (24,))
    opt = torch.optim.Adam(m.parameters(), lr=1e-2)
    for _ in range(60):
        opt.zero_grad()
        m.training_step((x, y))["loss"].backward()
        opt.step()
    m.eval()
    assert float((m.predict(x) == y).float().mean()) >= 0.9


# -- generation ----------------------------------------------------------------------------------

def test_generation_carries_the_state_and_respects_top_k_and_seed() -> None:
    torch.manual_seed(9)
    m = _lm().eval()
    prime = torch.tensor([1, 4, 2])
    # greedy (top_k=1) equals re-reading the whole growing sequence and taking the argmax
    out = m.generate(prime, 6, top_k=1)
    seq = prime.clone()
    with torch.no_grad():
        for _ in range(6):
            nxt = m._lm_logits(seq[None], None)[0][0, -1].argmax()
            seq = torch.cat([seq, nxt[None]])
    assert out.tolist() == seq.tolist()
    # the same seed draws the same text; every draw lies in the top-k of its step
    a = m.generate(prime.repeat(4, 1), 20, temperature=1.5, top_k=3, seed=11)
    assert torch.equal(a, m.generate(prime.repeat(4, 1), 20, temperature=1.5, top_k=3, seed=11))
    assert a.shape == (4, 23) and torch.equal(a[:, :3], prime.repeat(4, 1))
    with torch.no_grad():
        logits = m._lm_logits(a[:, :-1], None)[0]                    # (4, 22, V)
    top3 = logits[:, 2:].topk(3, dim=-1).indices                    # steps that drew a token
    assert bool((top3 == a[:, 3:, None]).any(-1).all())
    assert not torch.equal(a, m.generate(prime.repeat(4, 1), 20, temperature=1.5, seed=12))


def test_generation_arguments_are_checked() -> None:
    m = _lm()
    with pytest.raises(InputError, match="P >= 1"):
        m.generate(torch.zeros(0, dtype=torch.long), 5)
    with pytest.raises(InputError, match=r"\[0, 10\)"):
        m.generate(torch.tensor([3, 10]), 5)
    with pytest.raises(InputError, match="integer"):
        m.generate(torch.tensor([1.0, 2.0]), 5)
    with pytest.raises(ConfigError, match="temperature"):
        m.generate(torch.tensor([1]), 5, temperature=0.0)
    with pytest.raises(ConfigError, match="top_k"):
        m.generate(torch.tensor([1]), 5, top_k=-1)
    clf = create("lstm", sample_shape=(5,), vocab_size=10, n_classes=2)
    with pytest.raises(ConfigError, match="task 'lm'"):
        clf.generate(torch.tensor([1]), 5)


# -- bad input: one clear error each ------------------------------------------------------------

def test_bad_inputs_are_one_clear_error() -> None:
    tok = create("bilstm", sample_shape=(6,), vocab_size=10, n_classes=2, hidden_size=4)
    real = create("gru", sample_shape=(6, 2), task="regress", hidden_size=4)
    with pytest.raises(InputError, match=r"token ids in \[0, 10\), got values from 1 to 10"):
        tok(torch.tensor([[1, 2, 3, 4, 5, 10]]))
    with pytest.raises(InputError, match=r"token ids in \[0, 10\)"):
        tok(torch.tensor([[-1, 2, 3, 4, 5, 6]]))
    with pytest.raises(InputError, match="integer tensor"):
        tok(torch.rand(2, 6))
    with pytest.raises(InputError, match="floating-point"):
        real(torch.ones(2, 6, 2, dtype=torch.long))
    with pytest.raises(InputError, match=r"empty sequences: rows \[1\]"):
        tok(torch.tensor([[1, 2, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]]))
    with pytest.raises(InputError, match="shape"):
        tok(torch.zeros(2, 0, dtype=torch.long))                   # sequences of length zero
    with pytest.raises(InputError, match="empty batch"):
        tok(torch.zeros(0, 6, dtype=torch.long))
    with pytest.raises(InputError, match="NaN or infinite"):
        real.predict(torch.full((1, 6, 2), float("nan")))
    with pytest.raises(InputError, match=r"labels in \[0, 2\)"):
        tok.training_step((torch.ones(2, 6, dtype=torch.long), torch.tensor([0, 2])))
    with pytest.raises(InputError, match="regression targets"):
        real.training_step((torch.rand(3, 6, 2), torch.rand(3, 2)))
    with pytest.raises(InputError, match="language-model targets"):
        _lm().training_step((torch.ones(2, 12, dtype=torch.long),
                             torch.ones(2, 11, dtype=torch.long)))


def test_bad_hyperparameters_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="sequence length zero"):
        create("lstm", sample_shape=(0,), vocab_size=5, n_classes=2)
    with pytest.raises(ConfigError, match="cannot read the sequence backwards"):
        create("bilstm", sample_shape=(5,), vocab_size=5, n_classes=5, task="lm")
    with pytest.raises(ConfigError, match="use gru"):
        create("lstm", cell="gru")
    with pytest.raises(ConfigError, match="does not fit vocab_size"):
        create("lstm", sample_shape=(5, 2), vocab_size=5, n_classes=2)
    with pytest.raises(ConfigError, match="n_classes >= 2"):
        create("rnn", sample_shape=(5, 2))
    with pytest.raises(ConfigError, match="vocab must be 5 distinct"):
        create("lstm", sample_shape=(5,), vocab_size=5, n_classes=5, task="lm", vocab="abc")
    with pytest.raises(ConfigError, match="pad_index"):
        create("gru", sample_shape=(5,), vocab_size=5, n_classes=2, pad_index=5)


# -- data, recipes, pictures ---------------------------------------------------------------------

def test_character_data_split_and_targets() -> None:
    s = load_dataset("tinyshakespeare-chars", seq_len=50)
    from nnzoo.data.text import shakespeare_excerpt

    text = shakespeare_excerpt()
    vocab = s.meta["vocab"]
    assert vocab == "".join(sorted(set(text))) and s.meta["vocab_size"] == len(vocab) == 61
    assert s.n_classes == 61 and s.task == "sequence" and s.sample_shape == (50,)
    n = len(text)
    cut, cut2 = int(0.9 * n), int(0.95 * n)                       # 90 / 5 / 5 in text order
    assert decode(s.train.X[0], vocab) == text[:50] and decode(s.train.y[0], vocab) == text[1:51]
    assert decode(s.val.X[0], vocab) == text[cut:cut + 50]
    assert decode(s.test.X[0], vocab) == text[cut2:cut2 + 50]
    assert len(s.train) == (cut - 1) // 50 and len(s.val) == (cut2 - cut - 1) // 50
    assert len(s.test) == (n - cut2 - 1) // 50
    last = decode(s.train.y[-1], vocab)
    assert text.index(last) + 50 <= cut                            # no target crosses the cut
    last_val = decode(s.val.y[-1], vocab)
    assert text.index(last_val, cut) + 50 <= cut2                  # nor the second cut
    # the three parts share no window: the test text is read by nothing that selects
    val_rows = {tuple(r) for r in s.val.X.tolist()}
    assert not val_rows & {tuple(r) for r in s.test.X.tolist()}
    over = tinyshakespeare_chars(seq_len=10, stride=5)
    assert torch.equal(over.train.X[1, :5], over.train.X[0, 5:])


def test_prime_outside_the_vocabulary_names_the_characters() -> None:
    vocab = text_vocab("hello world")
    assert decode(encode("low", vocab), vocab) == "low"
    with pytest.raises(InputError, match=r"'Zé' \('Z', 'é'\)"):
        encode("Zélow", vocab)


def test_full_recipes_have_the_same_parameter_budget() -> None:
    from nnzoo.recipes import get_recipe

    counts = {}
    for cell in ("lstm", "gru", "rnn"):
        hp, cfg = get_recipe(cell, "tinyshakespeare").resolve()
        assert cfg.max_time == 1200 and cfg.grad_clip > 0
        counts[cell] = n_parameters(create(cell, **hp, sample_shape=(128,), vocab_size=65,
                                           n_classes=65))
    assert counts["lstm"] == 876_929
    assert all(abs(c / counts["lstm"] - 1) < 0.05 for c in counts.values()), counts


def test_every_id_has_an_offline_default_recipe() -> None:
    from nnzoo.recipes import get_recipe

    for mid in ("rnn", "lstm", "gru", "birnn", "bilstm", "bigru"):
        rec = get_recipe(mid)
        assert rec.dataset in ("tinyshakespeare-chars", "adding")
        assert rec.dataset_args.get("source", "excerpt") == "excerpt"
        if mid.startswith("bi"):
            assert rec.model_hp["task"] != "lm"


def test_visualize_writes_sample_text_and_attention_map(tmp_path: Path) -> None:
    torch.manual_seed(10)
    vocab = "abcdefghij"
    m = _lm(vocab=vocab).eval()
    x = torch.randint(0, 10, (2, 12))
    m.evaluation_step((x, x))
    (path,) = m.visualize(tmp_path)
    text = path.read_text()
    assert path.name == "sample.txt" and len(text.splitlines()[1]) > 0
    assert set(text.split("\n", 1)[1]) <= set(vocab) | {"\n"}
    att = create("bigru", sample_shape=(9, 2), task="regress", hidden_size=4, attention=True)
    xr = torch.rand(5, 9, 2)
    att.evaluation_step((xr, torch.rand(5)))
    (png,) = att.visualize(tmp_path)
    assert png.name == "attention.png" and png.stat().st_size > 1000


def test_recipes_and_models_are_device_agnostic() -> None:
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    m = _lm().cuda()
    out = m.generate(torch.tensor([1, 2]), 5, seed=0)
    assert out.device.type == "cuda"
    x = torch.randint(0, 10, (2, 12), device="cuda")
    assert math.isfinite(float(m.training_step((x, x))["loss"]))


@pytest.mark.slow
def test_full_tinyshakespeare_split() -> None:
    if not (Path(os.environ.get("NNZOO_DATA", "")) / "tinyshakespeare" / "input.txt").exists():
        pytest.skip("set NNZOO_DATA to a data root holding tinyshakespeare/input.txt")
    s = load_dataset("tinyshakespeare-chars", source="full", seq_len=128)
    assert s.meta["vocab_size"] == 65 and s.meta["vocab"] == create(
        "lstm", sample_shape=(128,), vocab_size=65, n_classes=65, task="lm",
        vocab=s.meta["vocab"]).config.vocab
    n = 1_115_394
    a, b = int(0.9 * n), int(0.95 * n)
    assert len(s.train) == (a - 1) // 128
    assert len(s.val) == (b - a - 1) // 128 and len(s.test) == (n - b - 1) // 128
