"""The encoder-decoders (seq2seq, bahdanau-attention, luong-attention), their decoding and the
generated alignment tasks, each checked against something computed apart: the attention
scores against their formulas on hand-set numbers, beam search against brute-force
enumeration, the dates against Python's own date parser."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import Any

import pytest
import torch

from nnzoo.core.errors import ConfigError, InputError
from nnzoo.data import load_dataset
from nnzoo.data.alignment import (
    DATE_FORMATS,
    DATE_SOURCE_CHARS,
    DATE_TARGET_CHARS,
    EOS,
    PAD,
    SOS,
    decode_ids,
    encode_strings,
)
from nnzoo.models import create
from nnzoo.models.attention.decoding import Tensors, beam_search, greedy
from nnzoo.models.attention.encdec import (
    AttentionScore,
    EncoderDecoder,
    concat_weight,
    masked_softmax,
)

IDS = ["seq2seq", "bahdanau-attention", "luong-attention"]
VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("seq2seq", {}),
    ("bahdanau-attention", {}),
    ("bahdanau-attention", {"cell": "lstm", "num_layers": 2}),
    ("luong-attention", {"score": "dot"}),
    ("luong-attention", {"score": "general", "reverse_source": True}),
    ("luong-attention", {"score": "concat", "input_feeding": False, "num_layers": 2}),
]


@pytest.fixture(scope="module")
def dates() -> Any:
    return load_dataset("dates", n=300, n_val=50, n_test=50, seed=3)


def _model(mid: str, splits: Any, seed: int = 0, **hp: Any) -> EncoderDecoder[Any]:
    torch.manual_seed(seed)
    m = create(mid, sample_shape=splits.sample_shape, vocab_size=splits.meta["vocab_size"],
               n_classes=splits.n_classes, embed_dim=8, hidden_size=12,
               source_chars=DATE_SOURCE_CHARS, target_chars=DATE_TARGET_CHARS, **hp)
    assert isinstance(m, EncoderDecoder)
    return m.eval()


# -- the data --------------------------------------------------------------------------------

_PARSE = {"%d %B %Y": False, "%d/%m/%y": True, "%A, %B %d, %Y": False, "%B %d, %Y": False,
          "%d %b %Y": False, "%d.%m.%Y": False, "%b %d %y": True, "%a %d %B %Y": False,
          "%d-%m-%Y": False, "%Y %B %d": False}


def _parse(src: str) -> set[dt.date]:
    """Every date that Python's ``strptime`` reads in ``src`` under one of the ten formats,
    two-digit years placed in 1950-2049 (``%y`` itself pivots at 1969)."""
    out = set()
    for fmt, short in _PARSE.items():
        try:
            d = dt.datetime.strptime(src, fmt).date()
        except ValueError:
            continue
        if short:
            d = d.replace(year=1900 + d.year % 100 if d.year % 100 >= 50 else 2000 + d.year % 100)
        out.add(d)
    return out


def test_dates_are_their_iso_form_and_parts_share_no_date(dates: Any) -> None:
    seen: dict[str, set[str]] = {}
    for part in ("train", "val", "test"):
        ds = getattr(dates, part)
        isos = set()
        for x, y in zip(ds.X, ds.targets(), strict=True):
            src, iso = decode_ids(x, DATE_SOURCE_CHARS), decode_ids(y, DATE_TARGET_CHARS)
            assert dt.date.fromisoformat(iso) in _parse(src), (src, iso)
            assert int((y == EOS).sum()) == 1 and int(y[len(iso)]) == EOS
            isos.add(iso)
        seen[part] = isos
    assert not (seen["train"] & seen["test"]) and not (seen["train"] & seen["val"])
    again = load_dataset("dates", n=300, n_val=50, n_test=50, seed=3)
    assert torch.equal(again.train.X, dates.train.X)
    assert not torch.equal(load_dataset("dates", n=300, seed=4).train.X[:50], dates.train.X[:50])
    assert len(DATE_FORMATS) == len(_PARSE)
    assert {d for f in DATE_FORMATS for d in _parse(f)} == {dt.date(1997, 3, 3)}


def test_reversal_targets_are_reversed_sources() -> None:
    r = load_dataset("reversal", n=50, min_len=2, max_len=6, seed=1)
    for x, y in zip(r.train.X, r.train.targets(), strict=True):
        s = decode_ids(x, r.meta["source_chars"])
        assert 2 <= len(s) <= 6 and decode_ids(y, r.meta["target_chars"]) == s[::-1]
    with pytest.raises(ConfigError, match="max_len"):
        load_dataset("reversal", min_len=5, max_len=4)


def test_bad_strings_are_one_clear_error() -> None:
    with pytest.raises(InputError, match="'#'"):
        encode_strings(["3 march 1997#"], DATE_SOURCE_CHARS, 29, eos=False)
    with pytest.raises(InputError, match="longer than the maximum 4"):
        encode_strings(["abcde"], "abcde", 5, eos=True)
    ids = encode_strings(["ab", "c"], "abc", 4, eos=True)
    assert ids.tolist() == [[3, 4, EOS, PAD], [5, EOS, PAD, PAD]]


@pytest.mark.parametrize("mid", IDS)
def test_bad_model_input_is_one_clear_error(mid: str, dates: Any) -> None:
    m = _model(mid, dates)
    x = dates.test.X[:3]
    with pytest.raises(InputError, match="longer than the model's maximum 29"):
        m.predict(torch.cat([x, x[:, :2]], 1))
    with pytest.raises(InputError, match="token ids in"):
        m.predict(x.clamp(max=100) + 60)
    with pytest.raises(InputError, match="empty sources"):
        m.predict(torch.zeros_like(x))
    with pytest.raises(InputError, match="max_target_len"):
        m.training_step((x, torch.full((3, 13), EOS)))
    with pytest.raises(ConfigError, match="beam_width"):
        m.decode(x, beam_width=0)
    with pytest.raises(ConfigError, match="target_chars"):
        create(mid, sample_shape=(29,), vocab_size=49, n_classes=14, target_chars="abc")


# -- the scores, against their formulas on hand-set numbers ---------------------------------

S_VEC = [0.2, -0.1]
H_VECS = [[0.3, 0.1], [-0.2, 0.4], [0.5, -0.6]]


def _score(kind: str, weights: dict[str, list[list[float]]]) -> torch.Tensor:
    sc = AttentionScore(kind, 2, 2, 2)  # type: ignore[arg-type]
    with torch.no_grad():
        for name, w in weights.items():
            getattr(sc, name).weight.copy_(torch.tensor(w))
    s, h = torch.tensor([S_VEC]), torch.tensor([H_VECS])
    return sc(s, sc.keys(h))[0]


def _mv(W: list[list[float]], v: list[float]) -> list[float]:
    return [sum(a * b for a, b in zip(row, v, strict=True)) for row in W]


def test_dot_and_general_scores_are_their_formulas() -> None:
    dot = _score("dot", {})
    want = [S_VEC[0] * h[0] + S_VEC[1] * h[1] for h in H_VECS]               # s^T h_j
    torch.testing.assert_close(dot, torch.tensor(want))
    W = [[1.0, 0.5], [2.0, -1.0]]
    gen = _score("general", {"W": W})
    want = [sum(S_VEC[i] * _mv(W, h)[i] for i in range(2)) for h in H_VECS]  # s^T W h_j
    torch.testing.assert_close(gen, torch.tensor(want))
    assert [round(v, 6) for v in want] == [0.02, 0.08, -0.12]               # by hand


def test_additive_score_is_bahdanaus_formula() -> None:
    W, U, v = [[0.5, 0.0], [0.0, -1.0]], [[1.0, 1.0], [0.0, 2.0]], [[1.0, -2.0]]
    got = _score("additive", {"W": W, "U": U, "v": v})
    Ws = _mv(W, S_VEC)
    want = [sum(v[0][k] * math.tanh(Ws[k] + _mv(U, h)[k]) for k in range(2))  # v^T tanh(W s + U h)
            for h in H_VECS]
    torch.testing.assert_close(got, torch.tensor(want))
    # the first by hand: W s = (0.1, 0.1), U h_1 = (0.4, 0.2)
    assert want[0] == pytest.approx(math.tanh(0.5) - 2 * math.tanh(0.3))


def test_concat_score_is_luongs_formula() -> None:
    Wa = [[0.5, -1.0, 1.0, 0.0], [0.0, 2.0, -0.5, 1.5]]                      # W_a on [s; h]
    v = [[1.5, -0.5]]
    sc_w = {"W": [r[:2] for r in Wa], "U": [r[2:] for r in Wa], "v": v}
    got = _score("concat", sc_w)
    want = [sum(v[0][k] * math.tanh(_mv(Wa, S_VEC + h)[k]) for k in range(2)) for h in H_VECS]
    torch.testing.assert_close(got, torch.tensor(want))
    sc = AttentionScore("concat", 2, 2, 2)
    with torch.no_grad():
        sc.W.weight.copy_(torch.tensor(sc_w["W"]))
        sc.U.weight.copy_(torch.tensor(sc_w["U"]))
    torch.testing.assert_close(concat_weight(sc), torch.tensor(Wa))


def test_masked_softmax_sums_to_one_and_is_zero_on_padding() -> None:
    e = torch.tensor([[1.0, 2.0, 3.0], [0.5, 50.0, -1.0]])
    mask = torch.tensor([[True, True, False], [True, False, False]])
    a = masked_softmax(e, mask)
    z = math.exp(1) + math.exp(2)
    torch.testing.assert_close(a[0], torch.tensor([math.exp(1) / z, math.exp(2) / z, 0.0]))
    assert a[1].tolist() == [1.0, 0.0, 0.0]


@pytest.mark.parametrize(("mid", "hp"), VARIANTS[1:])
def test_decoded_attention_sums_to_one_over_the_real_source(mid: str, hp: dict[str, Any],
                                                           dates: Any) -> None:
    m = _model(mid, dates, **hp)
    x = dates.test.X[:6]
    out = m.decode(x, max_len=8)
    assert out.attention is not None
    n = (x != PAD).sum(1)
    for b in range(len(x)):
        steps = [t for t in range(8) if t == 0 or int(out.tokens[b, t - 1]) not in (EOS, PAD)]
        att = out.attention[b, steps]
        torch.testing.assert_close(att.sum(1), torch.ones(len(steps)))
        assert float(att[:, int(n[b]):].abs().sum()) == 0.0


# -- the networks ----------------------------------------------------------------------------

@pytest.mark.parametrize(("mid", "hp"), VARIANTS)
def test_a_padded_source_decodes_as_the_same_source_alone(mid: str, hp: dict[str, Any],
                                                          dates: Any) -> None:
    """Packing, masking and reversal ignore padding: a short source in a batch with a long one
    gives the outputs and log-probabilities it gives alone, cut to its length."""
    m = _model(mid, dates, **hp)
    n = (dates.test.X != PAD).sum(1)
    short, long_ = int(n.argmin()), int(n.argmax())
    x = dates.test.X[[long_, short]]
    both = m.decode(x, beam_width=3)
    alone = m.decode(x[1:, :int(n[short])], beam_width=3)
    assert torch.equal(both.tokens[1], alone.tokens[0])
    torch.testing.assert_close(both.log_prob[1], alone.log_prob[0], rtol=1e-5, atol=1e-5)
    if both.attention is not None and alone.attention is not None:
        torch.testing.assert_close(both.attention[1, :, :int(n[short])], alone.attention[0],
                                   rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("mid", "hp"), VARIANTS)
def test_fast_teacher_forcing_is_the_step_loop_and_scores_the_decoding(
        mid: str, hp: dict[str, Any], dates: Any) -> None:
    m = _model(mid, dates, **hp)
    x, y = dates.test.X[:5], dates.test.targets()[:5]
    fast, att = m.teacher_forced(x, y)
    slow, att2 = EncoderDecoder.teacher_forced(m, x, y)
    torch.testing.assert_close(fast, slow, rtol=1e-5, atol=1e-6)
    out = m.decode(x, beam_width=2)
    logp = torch.log_softmax(m.teacher_forced(x, out.tokens)[0], -1)
    real = torch.cat([torch.ones(5, 1, dtype=torch.bool),
                      (out.tokens[:, :-1] != EOS) & (out.tokens[:, :-1] != PAD)], 1)
    total = (logp.gather(2, out.tokens[..., None])[..., 0] * real).sum(1)
    torch.testing.assert_close(total, out.log_prob, rtol=1e-5, atol=1e-5)


def test_bahdanau_first_state_is_tanh_ws_of_the_first_backward_annotation(dates: Any) -> None:
    m = _model("bahdanau-attention", dates)
    x = dates.test.X[:1]
    n = int((x != PAD).sum())
    (s0,), (h, _, _) = m.start(x)
    emb = m.encoder.embedding(x[:, :n])
    rnn = m.encoder.rnn
    back = torch.nn.GRU(8, 12, batch_first=True)
    with torch.no_grad():
        for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
            getattr(back, name).copy_(getattr(rnn, name + "_reverse"))
    _, hb = back(emb.flip(1))                                      # read x_n ... x_1
    torch.testing.assert_close(h[0, 0, 12:], hb[0, 0])             # <-h_1
    torch.testing.assert_close(s0, torch.tanh(m.init(hb[0])))      # s_0 = tanh(W_s <-h_1)


def test_reverse_source_reads_real_tokens_backwards(dates: Any) -> None:
    m = _model("seq2seq", dates)
    x = torch.tensor([[3, 4, 5, PAD], [6, 7, PAD, PAD]])
    assert m.read_order(x).tolist() == [[5, 4, 3, PAD], [7, 6, PAD, PAD]]
    assert torch.equal(m.read_order(m.read_order(x)), x)


# -- decoding --------------------------------------------------------------------------------

@pytest.mark.parametrize(("mid", "hp"), VARIANTS)
def test_beam_width_one_is_greedy(mid: str, hp: dict[str, Any], dates: Any) -> None:
    m = _model(mid, dates, seed=5, **hp)
    x = dates.test.X[:8]
    c = m.config
    kw: dict[str, Any] = {"sos": c.sos_index, "eos": c.eos_index, "pad": c.pad_index,
                          "banned": (PAD, SOS)}
    state, memory = m.start(x)
    g = greedy(m.step, state, memory, 8, 12, **kw)
    b = beam_search(m.step, state, memory, 8, 12, 1, **kw)
    assert torch.equal(g.tokens, b.tokens)
    torch.testing.assert_close(g.log_prob, b.log_prob)
    assert (g.attention is None) == (b.attention is None)
    if g.attention is not None and b.attention is not None:
        torch.testing.assert_close(g.attention, b.attention)


#: A hand-set decoder: the next token's probabilities depend on the previous token only.
#: Tokens 0 <pad>, 1 <sos>, 2 <eos>, 3 a, 4 b. Greedy takes "a" (0.6), whose best end is
#: 0.6 * 0.34 = 0.204; the best output is "b <eos>", 0.4 * 0.9 = 0.36.
TABLE = {1: {3: 0.6, 4: 0.4}, 3: {2: 0.34, 3: 0.33, 4: 0.33}, 4: {2: 0.9, 3: 0.05, 4: 0.05},
         2: {2: 1 / 3, 3: 1 / 3, 4: 1 / 3}, 0: {2: 1 / 3, 3: 1 / 3, 4: 1 / 3}}


def _table_step(prev: torch.Tensor, state: Tensors, memory: Tensors
                ) -> tuple[torch.Tensor, Tensors, torch.Tensor | None]:
    p = torch.zeros(len(prev), 5)
    for i, t in enumerate(prev.tolist()):
        for k, v in TABLE[t].items():
            p[i, k] = v
    return p.log(), state, None


def _brute_force(logp_of: Any, tokens: list[int], max_len: int, alpha: float = 0.0
                 ) -> tuple[list[int], float]:
    """The best output over every sequence of ``tokens`` that ends at ``<eos>`` or reaches
    ``max_len``, ranked by ``log p / n^alpha``; returns it and its log-probability."""
    best: tuple[float, list[int], float] | None = None
    for n in range(1, max_len + 1):
        for seq in itertools.product(tokens, repeat=n):
            if EOS in seq[:-1] or (n < max_len and seq[-1] != EOS):
                continue
            lp = logp_of(list(seq))
            key = lp / n ** alpha
            if best is None or key > best[0]:
                best = (key, list(seq), lp)
    assert best is not None
    return best[1], best[2]


def _table_logp(seq: list[int]) -> float:
    return sum(math.log(TABLE[a].get(b, 0.0) or 1e-300) for a, b in zip([SOS, *seq], seq))


def test_beam_search_finds_what_brute_force_finds_where_greedy_fails() -> None:
    kw: dict[str, Any] = {"sos": SOS, "eos": EOS, "pad": PAD, "banned": (PAD, SOS)}
    memory = (torch.zeros(1, 1),)
    g = greedy(_table_step, (), memory, 1, 3, **kw)
    b = beam_search(_table_step, (), memory, 1, 3, 2, **kw)
    best, lp = _brute_force(_table_logp, [EOS, 3, 4], 3)
    assert best == [4, EOS] and lp == pytest.approx(math.log(0.36))
    assert g.tokens[0].tolist()[:2] == [3, EOS]                    # greedy: a <eos>, 0.204
    assert b.tokens[0].tolist() == [4, EOS, PAD]
    assert float(b.log_prob[0]) == pytest.approx(lp, rel=1e-6)


@pytest.mark.parametrize("alpha", [0.0, 1.0])
@pytest.mark.parametrize("mid", IDS)
def test_exhaustive_beam_equals_brute_force_on_a_tiny_model(mid: str, alpha: float) -> None:
    """Targets of two characters and three steps: a beam of 15 holds every hypothesis, so it
    must return brute force's best (by log-probability, or per token with alpha = 1)."""
    torch.manual_seed(7)
    m = create(mid, sample_shape=(3,), vocab_size=5, n_classes=5, embed_dim=3, hidden_size=4,
               max_target_len=3).eval()
    assert isinstance(m, EncoderDecoder)
    with torch.no_grad():
        for p in m.parameters():
            p.mul_(4.0)                                            # peakier distributions
    x = torch.tensor([[3, 4, 3]])

    def logp_of(seq: list[int]) -> float:
        y = torch.tensor([seq])
        with torch.no_grad():
            lp = torch.log_softmax(m.teacher_forced(x, y)[0], -1)[0]
        return float(sum(lp[t, s] for t, s in enumerate(seq)))

    best, lp = _brute_force(logp_of, [EOS, 3, 4], 3, alpha)
    out = m.decode(x, beam_width=15, length_norm=alpha)
    got = [t for t in out.tokens[0].tolist() if t != PAD]
    assert got == best
    assert float(out.log_prob[0]) == pytest.approx(lp, rel=1e-5, abs=1e-5)


# -- learning --------------------------------------------------------------------------------

@pytest.mark.parametrize("mid", IDS)
def test_learns_to_reverse_short_strings(mid: str) -> None:
    """A few hundred Adam steps on strings of 2-4 letters reach a high exact match on unseen
    strings (a broken decoder, mask or loss stays near 0)."""
    from nnzoo.core.config import TrainConfig
    from nnzoo.core.loop import optimize

    r = load_dataset("reversal", n=2000, n_test=200, min_len=2, max_len=4, seed=2)
    torch.manual_seed(0)
    m = create(mid, sample_shape=r.sample_shape, vocab_size=r.meta["vocab_size"],
               n_classes=r.n_classes, embed_dim=16, hidden_size=48, max_target_len=5)
    assert isinstance(m, EncoderDecoder)
    opts = m.configure_optimizers(TrainConfig(lr=1e-2))
    g = torch.Generator().manual_seed(0)
    m.train()
    for _ in range(250):
        idx = torch.randint(0, len(r.train), (64,), generator=g)
        optimize(m.training_step, (r.train.X[idx], r.train.targets()[idx]), opts, automatic=True)
    m.eval()
    acc = float(m.evaluation_step((r.test.X, r.test.targets()))["exact"])
    assert acc >= 0.8, acc
