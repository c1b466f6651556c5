"""Tests of the end-to-end memory network (nnzoo.models.memory.memn2n): the position encoding
on a hand-computed case, the forward pass against a per-sample transcription of the paper's
equations, random noise, linear start and annealing, the restart trainer, plots and errors."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from nnzoo.bench.memory.memn2n_restarts import (
    Protocol,
    errors,
    fit_restarts,
    pick_restart,
    sentence_ids,
)
from nnzoo.core.config import TrainConfig
from nnzoo.core.errors import ConfigError, InputError
from nnzoo.data.babi import load_babi_toy
from nnzoo.models import create
from nnzoo.models.memory.memn2n import (
    MemN2N,
    MemN2NConfig,
    distinct_rows,
    noisy_time,
    position_encoding,
    recency,
)
from nnzoo.models.memory.memn2n_plots import plot_attention


def toy_model(**hp: object) -> tuple[MemN2N, torch.Tensor, torch.Tensor]:
    s = load_babi_toy(200, 50, seed=1)
    cfg = MemN2NConfig(sample_shape=s.sample_shape, n_classes=int(s.n_classes or 0),
                       vocab_size=int(s.meta["vocab_size"]), **hp)  # type: ignore[arg-type]
    torch.manual_seed(0)
    return MemN2N(cfg), s.test.X[:12], s.test.targets()[:12]


def test_position_encoding_by_hand():
    # l_kj = (1 - j/J) - (k/d)(1 - 2j/J), J = 3, d = 2 (worked out on paper):
    # j=1: 2/3 - (k/2)(1/3); j=2: 1/3 + (k/2)(1/3); j=3: 0 + k/2
    want = torch.tensor([[1 / 2, 1 / 3], [1 / 2, 2 / 3], [1 / 2, 1.0]])
    assert torch.allclose(position_encoding(3, 2), want)
    # one word: l_k1 = 0 - (k/d)(1 - 2) = k/d
    assert torch.allclose(position_encoding(1, 4), torch.tensor([[0.25, 0.5, 0.75, 1.0]]))


@pytest.mark.parametrize("encoding", ["position", "bow"])
def test_sentence_encoding_is_the_weighted_sum_of_word_embeddings(encoding):
    model, x, _ = toy_model(encoding=encoding)
    words = x[0]                                       # (M + 1, W): sentences and padding
    enc = model.encode(words)                          # (1, T, U, d)
    d = model.config.embed_dim
    for t in range(model.emb.shape[1]):
        E = model.emb[0, t]
        for u, row in enumerate(words):
            ids = [int(i) for i in row if int(i)]
            want = torch.zeros(d)
            for j, w in enumerate(ids):
                weight = position_encoding(len(ids), d)[j] if encoding == "position" else 1.0
                want += weight * E[w]
            assert torch.allclose(enc[0, t, u], want, atol=1e-5)


def reference_logits(model: MemN2N, x: torch.Tensor) -> torch.Tensor:
    """The paper's equations (section 2) one question at a time, in plain loops."""
    c = model.config
    M, d, K = c.memory_size, c.embed_dim, c.hops
    emb, temb = model.emb[0], model.temb[0]
    if c.tying == "adjacent":      # A^k = E_{k-1}, C^k = E_k, B = A^1, W = rows of C^K
        A = [emb[k] for k in range(K)]
        C = [emb[k + 1] for k in range(K)]
        TA = [temb[k] for k in range(K)]
        TC = [temb[k + 1] for k in range(K)]
        Bq, Wa = emb[0], emb[K][1:1 + c.n_classes]
    else:                          # layer-wise: one A, one C, H between hops
        A, C, TA, TC = [emb[1]] * K, [emb[2]] * K, [temb[0]] * K, [temb[1]] * K
        Bq, Wa = emb[0], model.W[0]

    def embed(E: torch.Tensor, row: torch.Tensor) -> torch.Tensor:
        ids = [int(i) for i in row if int(i)]
        if not ids:
            return torch.zeros(d)
        lw = position_encoding(len(ids), d) if c.encoding == "position" else torch.ones(
            len(ids), d)
        return sum(lw[j] * E[w] for j, w in enumerate(ids))  # type: ignore[return-value]

    out = []
    for sample in x:
        story = [r for r in sample[:M] if bool((r > 0).any())]
        n = len(story)
        u = embed(Bq, sample[M])
        for k in range(K):
            m = torch.stack([embed(A[k], s) + (TA[k][n - 1 - i] if c.temporal else 0)
                             for i, s in enumerate(story)])
            cc = torch.stack([embed(C[k], s) + (TC[k][n - 1 - i] if c.temporal else 0)
                              for i, s in enumerate(story)])
            score = m @ u
            p = score if model.linear else torch.softmax(score, 0)
            o = p @ cc
            u = (model.H[0] @ u if c.tying == "layerwise" else u) + o
        out.append(Wa @ u)
    return torch.stack(out)


@pytest.mark.parametrize("tying", ["adjacent", "layerwise"])
@pytest.mark.parametrize("encoding", ["position", "bow"])
@pytest.mark.parametrize("linear", [False, True])
def test_forward_matches_the_papers_equations(tying, encoding, linear):
    model, x, _ = toy_model(tying=tying, encoding=encoding, hops=3)
    model.eval()
    model.linear = linear
    with torch.no_grad():
        assert torch.allclose(model(x), reference_logits(model, x), atol=1e-4)


def test_no_temporal_encoding_and_one_hop():
    model, x, _ = toy_model(temporal=False, hops=1)
    model.eval()
    with torch.no_grad():
        assert torch.allclose(model(x), reference_logits(model, x), atol=1e-4)


def test_empty_memory_rows_get_no_attention():
    model, x, _ = toy_model()
    att = model.attention(x)                            # (B, K, M)
    n = (x[:, :-1] > 0).any(-1).sum(-1)
    for b in range(len(x)):
        assert torch.all(att[b, :, n[b]:] == 0)
        assert torch.allclose(att[b].sum(-1), torch.ones(model.config.hops))


def test_recency_and_random_noise_time_indices():
    n = torch.tensor([3, 1, 5])
    assert recency(n, 5).tolist() == [[2, 1, 0, 0, 0], [0, 0, 0, 0, 0], [4, 3, 2, 1, 0]]
    g = torch.Generator().manual_seed(0)
    assert torch.equal(noisy_time(n, 5, 50, 0.0, g)[:, :1], recency(n, 5)[:, :1])
    seen_blank = False
    for _ in range(200):
        t = noisy_time(torch.tensor([10]), 10, 50, 0.1, g)[0]
        # strictly newer -> smaller, the newest at least 0, at most n + ceil(0.1 n) - 1 = 10
        assert all(int(t[i]) > int(t[i + 1]) for i in range(9))
        assert int(t.min()) >= 0 and int(t.max()) <= 10
        seen_blank |= int(t.max()) == 10           # an empty memory was inserted somewhere
    assert seen_blank
    # clamped to the temporal table: M = 4 rows
    assert int(noisy_time(torch.tensor([10]), 10, 4, 0.1, g).max()) == 3


def test_linear_start_and_annealing_follow_the_epochs():
    model, x, y = toy_model(linear_start_epochs=2, anneal_every=3, anneal_factor=0.5)
    opt = model.configure_optimizers(TrainConfig(optimizer="sgd", lr=0.1, momentum=0.0))[0]
    model.on_fit_start(x)                               # an "epoch" = 12 questions
    model.train()
    seen = []
    for _ in range(9):                                  # nine epochs of one batch each
        model.training_step((x, y))
        seen.append((model.linear, opt.param_groups[0]["lr"]))
    # epochs 0-1: linear start at the base rate; then softmax, halved after 3 epochs of it
    assert seen == [(True, 0.1), (True, 0.1), (False, 0.1), (False, 0.1), (False, 0.05),
                    (False, 0.05), (False, 0.05), (False, 0.025), (False, 0.025)]


def test_protocol_rates_are_the_authors_schedule():
    pr = Protocol()
    assert [pr.rate(e) for e in (0, 19, 20, 43)] == [0.005] * 4
    assert pr.rate(44) == 0.0025 and pr.rate(69) == 0.00125 and pr.rate(119) == 0.005 / 16
    assert Protocol(ls_epochs=0, lr=0.01).rate(24) == 0.005


def test_pick_restart_uses_training_error_then_validation():
    assert pick_restart(torch.tensor([0.2, 0.0, 0.1]), torch.tensor([0.0, 0.5, 0.0])) == 1
    assert pick_restart(torch.tensor([0.0, 0.0]), torch.tensor([0.3, 0.1])) == 1


def test_copies_are_independent_networks():
    model, x, y = toy_model()
    two = MemN2N(model.config, copies=2)
    two.eval()
    X = x[None].expand(2, *x.shape)
    loss = F.cross_entropy(two.forward_copies(X)[0], y)
    g0 = torch.autograd.grad(loss, two.emb)[0]
    assert float(g0[1].abs().sum()) == 0.0             # copy 1 does not touch copy 0's loss
    with torch.no_grad():
        two.emb[1].add_(1.0)
    loss2 = F.cross_entropy(two.forward_copies(X)[0], y)
    assert torch.allclose(torch.autograd.grad(loss2, two.emb)[0][0], g0[0])


def test_distinct_rows_and_sentence_ids_rebuild_the_input():
    s = load_babi_toy(60, 20, seed=2)
    table, sid = sentence_ids(s.train.X)
    assert torch.equal(table[sid], s.train.X)
    assert len(table) == len(torch.unique(s.train.X.reshape(-1, s.train.X.shape[-1]), dim=0))
    rows = torch.tensor([[3, 1], [0, 0], [3, 1], [2, 5]])
    tab, inv = distinct_rows(rows)
    assert tab.tolist() == [[0, 0], [2, 5], [3, 1]] and inv.tolist() == [2, 0, 2, 1]


def test_restart_trainer_learns_the_toy_task():
    toy = load_babi_toy(320, 100, seed=0)
    pr = Protocol(epochs=20, ls_epochs=0, lr=0.02, anneal_every=0)
    (res,), (model,) = fit_restarts([toy], MemN2NConfig(), restarts=2, protocol=pr, seed=0)
    assert res.train_error.shape == (2,) and res.picked in (0, 1)
    assert float(res.test_error.max()) < 0.3            # a chance answer is wrong 5 in 6 times
    assert torch.equal(errors(model, toy.test), res.test_error)


def test_plots(tmp_path: Path):
    model, x, y = toy_model()
    model.evaluation_step((x, y))
    paths = model.visualize(tmp_path)
    assert [p.name for p in paths] == ["attention.png"] and paths[0].stat().st_size > 0
    s = load_babi_toy(30, 10, seed=3)
    path = plot_attention(s.test.X[:2], model.attention(s.test.X[:2]), tmp_path / "a.png",
                          vocab=s.meta["vocab"],  # type: ignore[arg-type]
                          support=s.meta["support"]["test"][:2],  # type: ignore[index]
                          answers=s.classes, predicted=torch.tensor([0, 1]))
    assert path.stat().st_size > 0


def test_bad_input_and_bad_hyperparameters():
    model, x, _ = toy_model()
    with pytest.raises(InputError, match="integer"):
        model(x.float())
    with pytest.raises(InputError, match="shape"):
        model(x[:, :-1])
    for hp in ({"hops": 0}, {"encoding": "onehot"}, {"tying": "none"},
               {"sample_shape": (1, 5)}, {"random_noise": 1.5}, {"anneal_factor": 0.0},
               {"vocab_size": 6, "n_classes": 6}):
        with pytest.raises(ConfigError):
            create("memn2n", **hp)
    assert math.isclose(Protocol().lr, 0.005)
