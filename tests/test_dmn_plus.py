"""DMN+ (Xiong et al. 2016): each module against its formula on hand-computed cases, padding
invariance, learning a small task, and one clear error for each bad input."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from torch import nn

from nnzoo.core.errors import ConfigError, InputError
from nnzoo.models import create
from nnzoo.models.memory.dmn_plus import (
    DMNPlus,
    DMNPlusConfig,
    attention_gru_step,
    position_encoding,
)


def _model(M: int = 6, W: int = 4, V: int = 12, K: int = 5, d: int = 8, **kw: object
           ) -> DMNPlus:
    torch.manual_seed(0)
    return DMNPlus(DMNPlusConfig(sample_shape=(M + 1, W), vocab_size=V, n_classes=K,
                                 hidden_size=d, **kw))  # type: ignore[arg-type]


def _batch(B: int = 3, M: int = 6, W: int = 4, V: int = 12, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    x = torch.zeros(B, M + 1, W, dtype=torch.long)
    for b in range(B):
        for i in range(2 + b % 3):                      # 2..4 sentences, the rest padding
            n = 2 + (b + i) % 3
            x[b, i, :n] = torch.randint(1, V, (n,), generator=g)
        x[b, M, :3] = torch.randint(1, V, (3,), generator=g)
    return x


# -- the sentence reader ---------------------------------------------------------------------------

def test_position_encoding_matches_the_formula_word_by_word() -> None:
    """f = sum_j l_j o w_j with l_jk = (1 - j/J) - (k/d)(1 - 2j/J), written out as loops."""
    torch.manual_seed(1)
    J, d = 3, 4
    emb = torch.randn(1, 5, d, dtype=torch.float64)     # 5 slots, 3 real words then 2 pads
    mask = torch.tensor([[True, True, True, False, False]])
    want = torch.zeros(d, dtype=torch.float64)
    for j in range(1, J + 1):
        for k in range(1, d + 1):
            want[k - 1] += ((1 - j / J) - (k / d) * (1 - 2 * j / J)) * emb[0, j - 1, k - 1]
    got = position_encoding(emb, mask)[0]
    torch.testing.assert_close(got, want)
    # a hand value: J = 3, d = 4, k = 1, j = 1: l = 2/3 - (1/4)(1/3) = 7/12
    one = torch.zeros(1, 5, d, dtype=torch.float64)
    one[0, 0, 0] = 1.0
    assert position_encoding(one, mask)[0, 0].item() == pytest.approx(7 / 12)


def test_position_encoding_ignores_pads_and_an_empty_sentence_is_zero() -> None:
    emb = torch.randn(2, 4, 6)
    mask = torch.tensor([[True, True, False, False], [False, False, False, False]])
    out = position_encoding(emb, mask)
    emb2 = emb.clone()
    emb2[0, 2:] = 99.0                                  # values under the pads do not matter
    torch.testing.assert_close(position_encoding(emb2, mask)[0], out[0])
    assert torch.equal(out[1], torch.zeros(6))


# -- the attention GRU -----------------------------------------------------------------------------

def test_attention_gru_step_on_a_hand_computed_case() -> None:
    """Ur = I, U = 2I, h = (1, -1), Wr f + br = (0, 0), W f + bh = (0.1, 0.2), g = 0.25:
    r = sigmoid(h), h~ = tanh(W f + r o (U h)), h' = g h~ + (1 - g) h."""
    u = nn.Linear(2, 4, bias=False)
    with torch.no_grad():
        u.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0], [0.0, 2.0]]))
    h = torch.tensor([[1.0, -1.0]])
    f_in = torch.tensor([[0.0, 0.0, 0.1, 0.2]])
    g = torch.tensor([[0.25]])
    sig = [1 / (1 + math.exp(-1.0)), 1 / (1 + math.exp(1.0))]        # 0.7311, 0.2689
    h_tilde = [math.tanh(0.1 + sig[0] * 2.0), math.tanh(0.2 + sig[1] * -2.0)]
    want = [0.25 * h_tilde[0] + 0.75 * 1.0, 0.25 * h_tilde[1] + 0.75 * -1.0]
    got = attention_gru_step(f_in, h, g, u)
    assert got[0].tolist() == pytest.approx(want, abs=1e-6)
    assert want == pytest.approx([0.97898, -0.83140], abs=1e-4)   # the numbers by hand
    # g = 0 keeps the state (a fact the attention ignores); g = 1 takes h~ whole
    torch.testing.assert_close(attention_gru_step(f_in, h, torch.zeros(1, 1), u), h)
    torch.testing.assert_close(attention_gru_step(f_in, h, torch.ones(1, 1), u)[0],
                               torch.tensor(h_tilde), atol=1e-6, rtol=0)


def test_attention_gates_are_the_softmax_of_the_interaction_scores() -> None:
    """g_i = softmax_i(W2 tanh(W1 z_i + b1) + b2), z_i = [f o q, f o m, |f - q|, |f - m|],
    computed fact by fact; zero on padding facts."""
    model = _model(d=3)
    torch.manual_seed(2)
    facts, q, m = torch.randn(1, 4, 3), torch.randn(1, 3), torch.randn(1, 3)
    mask = torch.tensor([[True, True, True, False]])
    W1, b1 = model.att1.weight.detach(), model.att1.bias.detach()
    W2, b2 = model.att2.weight.detach(), model.att2.bias.detach()
    scores = []
    for i in range(3):
        f = facts[0, i]
        z = torch.cat([f * q[0], f * m[0], (f - q[0]).abs(), (f - m[0]).abs()])
        scores.append(float(W2 @ torch.tanh(W1 @ z + b1) + b2))
    e = [math.exp(s) for s in scores]
    want = [v / sum(e) for v in e] + [0.0]
    got = model.gate_scores(facts, q, m, mask)[0]
    assert got.tolist() == pytest.approx(want, abs=1e-6)


# -- the whole network -----------------------------------------------------------------------------

def test_forward_shape_and_gates_per_pass() -> None:
    model = _model(passes=3)
    x = _batch()
    assert model(x).shape == (3, 5)
    g = model.attention_gates(x)
    assert g.shape == (3, 3, 6)
    real = (x[:, :-1] != 0).any(-1)                         # (B, M)
    torch.testing.assert_close(g.sum(-1), torch.ones(3, 3))  # each pass sums to 1 ...
    assert bool((g[~real[:, None].expand_as(g)] == 0).all())   # ... over the real sentences


def test_padding_rows_and_their_place_do_not_change_the_answer() -> None:
    """Empty rows between or before the sentences, and trailing pads inside a sentence's row,
    are read as absent: the fused facts see the real sentences only, in order."""
    model = _model().eval()
    x = _batch(B=1)
    moved = torch.zeros_like(x)
    moved[0, 1] = x[0, 0]                                   # an empty row first
    moved[0, 3] = x[0, 1]                                   # and one between
    moved[0, -1] = x[0, -1]
    with torch.no_grad():
        torch.testing.assert_close(model(moved), model(x))
        # the same question over a longer memory (more empty rows) gives the same scores
        wide = _model(M=9)
        wide.load_state_dict(model.state_dict())
        wide.eval()
        x9 = torch.zeros(1, 10, 4, dtype=torch.long)
        x9[0, :6] = x[0, :6]
        x9[0, -1] = x[0, -1]
        torch.testing.assert_close(wide(x9), model(x))


def test_fusion_layer_is_the_sum_of_both_directions_over_the_real_sentences() -> None:
    model = _model().eval()
    x = _batch(B=1)
    n = int((x[0, :-1] != 0).any(-1).sum())
    with torch.no_grad():
        facts, mask, _ = model._facts(x[:, :-1])
        emb = model.embedding(x[0, :n])                     # (n, W, d)
        f = position_encoding(emb, x[0, :n] != 0)[None]     # (1, n, d)
        out, _ = model.fusion(f)                            # the real sentences alone
        d = model.config.hidden_size
        torch.testing.assert_close(facts[:, :n], out[..., :d] + out[..., d:])
    assert mask[0].tolist() == [True] * n


def test_memory_updates_are_untied_and_biases_are_not_decayed() -> None:
    from nnzoo.core.config import TrainConfig

    model = _model(passes=3)
    assert len(model.memory) == 3
    assert model.memory[0].weight.shape == (8, 24)         # W^t [m; c; q]
    assert not torch.equal(model.memory[0].weight, model.memory[1].weight)
    opt = model.configure_optimizers(TrainConfig(weight_decay=1e-3))[0]
    decayed = {id(p) for g in opt.param_groups if g["weight_decay"] > 0 for p in g["params"]}
    for name, p in model.named_parameters():
        assert (id(p) in decayed) == (p.dim() >= 2), name


def test_learns_a_one_fact_lookup() -> None:
    """Stories of 'person place' facts, the question a person, the answer their last place:
    a one-supporting-fact task that needs the attention (a bag of words cannot tell)."""
    g = torch.Generator().manual_seed(0)
    people, places, M = 4, 5, 5

    def make(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.zeros(n, M + 1, 2, dtype=torch.long)
        y = torch.zeros(n, dtype=torch.long)
        for b in range(n):
            who = torch.randint(0, people, (M,), generator=g)
            where = torch.randint(0, places, (M,), generator=g)
            x[b, :M, 0], x[b, :M, 1] = 1 + who, 1 + people + where
            ask = int(who[torch.randint(0, M, (1,), generator=g)])
            x[b, M, 0] = 1 + ask
            y[b] = int(where[(who == ask).nonzero().max()])
        return x, y

    xtr, ytr = make(1500)
    xte, yte = make(300)
    torch.manual_seed(0)
    model = DMNPlus(DMNPlusConfig(sample_shape=(M + 1, 2), vocab_size=1 + people + places,
                                  n_classes=places, hidden_size=24, dropout=0.0))
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    for _ in range(6):
        for i in range(0, 1500, 50):
            loss = model.training_step((xtr[i:i + 50], ytr[i:i + 50]))["loss"]
            opt.zero_grad()
            loss.backward()
            opt.step()
    acc = (model.predict(xte) == yte).float().mean().item()
    assert acc > 0.9, acc


# -- bad input -------------------------------------------------------------------------------------

def test_bad_inputs_give_one_clear_error() -> None:
    model = _model()
    x = _batch()
    with pytest.raises(InputError, match="word ids in"):
        model(torch.where(x > 0, x + 20, x))                # a word outside the vocabulary
    with pytest.raises(InputError, match="empty question"):
        bad = x.clone()
        bad[1, -1] = 0
        model(bad)
    with pytest.raises(InputError, match="empty story"):
        bad = x.clone()
        bad[0, :-1] = 0
        model(bad)
    with pytest.raises(InputError, match=r"answers must hold labels in \[0, 5\)"):
        model.training_step((x, torch.tensor([0, 1, 7])))   # an answer outside the answers
    with pytest.raises(InputError):
        model(x[:, :-2])                                    # a story longer / shorter than M
    with pytest.raises(InputError):
        model(x.float())


@pytest.mark.parametrize("hp, match", [
    ({"passes": 0}, "passes"),
    ({"sample_shape": (1, 4)}, "no story sentence"),
    ({"sample_shape": (7,)}, r"\(M \+ 1, W\)"),
    ({"dropout": 1.0}, "dropout"),
    ({"hidden_size": 0}, "hidden_size"),
])
def test_bad_config_is_one_config_error(hp: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        create("dmn-plus", **{"vocab_size": 10, "n_classes": 3, **hp})


def test_model_needs_a_vocabulary_and_answers() -> None:
    with pytest.raises(ConfigError, match="n_classes >= 2"):
        create("dmn-plus", vocab_size=10, n_classes=1)
    with pytest.raises(ConfigError, match="vocab_size >= 2"):
        create("dmn-plus", vocab_size=0, n_classes=4)


# -- the bench's table and options, the plot -------------------------------------------------------

def test_xiong_table_agrees_with_the_papers_text() -> None:
    """The paper's text: DMN+'s mean error is 1.4 points below the end-to-end memory network's
    4.2 %, and QA16 (basic induction) is the task it fails."""
    from nnzoo.bench.memory.dmn_plus import FAILED_ABOVE, XIONG_2016

    assert sorted(XIONG_2016) == list(range(1, 21))
    assert sum(XIONG_2016.values()) / 20 == pytest.approx(4.2 - 1.4, abs=0.05)
    assert [t for t, e in XIONG_2016.items() if e > FAILED_ABOVE] == [16]


def test_bench_budget_options(monkeypatch: pytest.MonkeyPatch) -> None:
    from nnzoo.bench.memory.dmn_plus import _budget

    monkeypatch.setenv("NNZOO_DMN_EPOCHS", "5")
    monkeypatch.setenv("NNZOO_DMN_MAX_TIME", "60")
    monkeypatch.setenv("NNZOO_DMN_TASKS", "1, 4")
    assert _budget() == ({"epochs": "5", "max_time": "60"}, [1, 4])
    monkeypatch.setenv("NNZOO_DMN_TASKS", "one")
    with pytest.raises(ConfigError, match="task numbers"):
        _budget()


def test_gates_plot_marks_the_supporting_facts(tmp_path: Path) -> None:
    from nnzoo.models.memory.dmn_plus_plots import plot_gates, sentence_text

    model = _model()
    x = _batch(B=2)
    words = [f"w{i}" for i in range(12)]
    path = plot_gates(model.attention_gates(x), x, tmp_path / "g.png", words=words,
                      supporting=[[0], [1, 2]], answers=["a", "b"])
    assert path.is_file() and path.stat().st_size > 0
    assert sentence_text(torch.tensor([3, 4, 0]), words) == "w3 w4"
