"""Tests of the end-to-end memory network (nnzoo.models.memory.memn2n): the position encoding
on a hand-computed case, the forward pass against a per-sample transcription of the paper's
equations, random noise, linear start and annealing, the restart trainer, plots and errors."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from nnzoo.bench.memory.memn2n import authors_memory_size
from nnzoo.bench.memory.memn2n_restarts import (
    Protocol,
    clip_matrices,
    errors,
    fit_restarts,
    pick_restart,
    sentence_ids,
)
from nnzoo.core.config import TrainConfig
from nnzoo.core.errors import ConfigError, InputError
from nnzoo.data.babi import encode_babi, load_babi_toy, parse_babi
from nnzoo.models import create
from nnzoo.models.memory.memn2n import (
    MemN2N,
    MemN2NConfig,
    distinct_rows,
    noisy_time,
    position_encoding,
    position_encoding_authors,
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


def test_authors_position_encoding_by_hand():
    # l_kj = 1 + 4 (k - (d+1)/2)(j - (J+1)/2) / (d J), J = 3, d = 2: 1 + 4 (k - 1.5)(j - 2) / 6
    # k=1: j=1 -> 1 + 1/3, j=2 -> 1, j=3 -> 1 - 1/3; k=2 the mirror image
    want = torch.tensor([[4 / 3, 2 / 3], [1.0, 1.0], [2 / 3, 4 / 3]])
    assert torch.allclose(position_encoding_authors(3, 2), want)


def word_weights(encoding: str, ids: list[int], W: int, d: int) -> torch.Tensor:
    """The weight of each of a sentence's words (J, d), written out per encoding."""
    if encoding == "position":
        return position_encoding(len(ids), d)
    if encoding == "position-authors":              # one J: the row's width + the time slot
        return position_encoding_authors(W + 1, d)[:len(ids)]
    return torch.ones(len(ids), d)


@pytest.mark.parametrize("encoding", ["position", "position-authors", "bow"])
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
            lw = word_weights(encoding, ids, words.shape[1], d) if ids else None
            for j, w in enumerate(ids):
                assert lw is not None
                want += lw[j] * E[w]
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
        Bq, Wa = emb[0], model.W[0][:c.n_classes]
        if c.answer == "vocabulary":
            Wa = model.W[0][1:1 + c.n_classes]
    W = x.shape[-1]
    # the authors' code weighs the time vector by its PE table's last column
    tw = position_encoding_authors(W + 1, d)[W] if c.encoding == "position-authors" else 1.0
    if c.answer == "vocabulary":   # every word, the nil word's score 0, then the time words
        full = (emb[K] if c.tying == "adjacent" else model.W[0]).clone()
        full[0] = 0
        Wa = torch.cat([full, temb[K]]) if c.tying == "adjacent" else full

    def embed(E: torch.Tensor, row: torch.Tensor) -> torch.Tensor:
        ids = [int(i) for i in row if int(i)]
        if not ids:
            return torch.zeros(d)
        lw = word_weights(c.encoding, ids, W, d)
        return sum(lw[j] * E[w] for j, w in enumerate(ids))  # type: ignore[return-value]

    out = []
    for sample in x:
        story = [r for r in sample[:M] if bool((r > 0).any())]
        n = len(story)
        empty = M - n if c.empty_memory == "zero" else 0   # zero vectors in the softmax
        u = embed(Bq, sample[M])
        for k in range(K):
            m = torch.stack([embed(A[k], s) + (tw * TA[k][n - 1 - i] if c.temporal else 0)
                             for i, s in enumerate(story)] + [torch.zeros(d)] * empty)
            cc = torch.stack([embed(C[k], s) + (tw * TC[k][n - 1 - i] if c.temporal else 0)
                              for i, s in enumerate(story)] + [torch.zeros(d)] * empty)
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


@pytest.mark.parametrize("tying", ["adjacent", "layerwise"])
@pytest.mark.parametrize("linear", [False, True])
def test_forward_with_the_authors_code_options_matches_the_equations(tying, linear):
    # the authors' PE variant, empty slots in the softmax, the answer over the vocabulary
    model, x, _ = toy_model(tying=tying, encoding="position-authors", empty_memory="zero",
                            answer="vocabulary")
    model.eval()
    model.linear = linear
    with torch.no_grad():
        full = model.forward_copies(x[None], vocabulary=True)[0]
        want = reference_logits(model, x)
        assert torch.allclose(full, want, atol=1e-4)
        assert torch.allclose(model(x), want[:, 1:1 + model.config.n_classes], atol=1e-4)
        assert torch.all(full[:, 0] == 0)              # the nil word's score


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


def test_empty_slots_share_the_softmax_only_when_not_masked():
    masked, x, _ = toy_model()
    zero = MemN2N(dataclasses.replace(masked.config, empty_memory="zero"))
    zero.load_state_dict(masked.state_dict())
    n = (x[:, :-1] > 0).any(-1).sum(-1)
    b = int(n.argmin())                                 # a story with empty slots
    assert int(n[b]) < masked.config.memory_size
    att_m, att_z = masked.attention(x), zero.attention(x)
    assert torch.all(att_m[b, :, n[b]:] == 0)
    assert torch.all(att_z[b, :, n[b]:] > 0)            # exp(0) / Z each
    # an empty slot's score is 0: its share is 1 / Z, so the filled slots' shares are
    # rescaled by the same factor: p_i(zero) = p_i(masked) * Z_masked / Z_zero
    m = masked.config.memory_size
    ratio = att_z[b, 0, :n[b]] / att_m[b, 0, :n[b]]
    assert torch.allclose(ratio, ratio[0].expand_as(ratio), atol=1e-5)
    assert torch.allclose(att_z[b, 0].sum(), torch.tensor(1.0), atol=1e-5)
    assert torch.allclose(att_z[b, 0, n[b]:], (1 - att_z[b, 0, :n[b]].sum()) / (m - n[b]),
                          atol=1e-6)


def test_answer_over_the_vocabulary():
    model, x, y = toy_model(answer="vocabulary")
    c = model.config
    model.eval()
    with torch.no_grad():
        full = model.forward_copies(x[None], vocabulary=True)[0]
    # V words then M time words; the class scores are the word ids 1..n_classes
    assert full.shape == (len(x), c.vocab_size + c.memory_size)
    assert torch.equal(model.answer_targets(y), y + 1)
    scores = torch.zeros(3, full.shape[1])
    scores[0, 2] = 1.0                                  # word 2 = class 1
    scores[1, c.n_classes + 1] = 1.0                    # a word that is no answer
    scores[2, -1] = 1.0                                 # a time word
    assert model.predicted_class(scores).tolist() == [1, -1, -1]
    # the training loss is the cross-entropy over every word
    out = model.training_step((x, y))
    model.eval()
    with torch.no_grad():
        want = F.cross_entropy(model.forward_copies(x[None], vocabulary=True)[0], y + 1)
    assert torch.allclose(out["loss"], want, atol=1e-5)


def test_per_matrix_clipping_uses_each_matrixs_spectral_norm():
    model, x, y = toy_model(answer="vocabulary")
    two = MemN2N(model.config, copies=2)
    names = [n for n, _ in two.named_parameters()]
    X = x[None].expand(2, *x.shape)
    logits = two.forward_copies(X, vocabulary=True)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), (y + 1).repeat(2),
                           reduction="sum")
    grads = dict(zip(names, torch.autograd.grad(loss, list(two.parameters()))))
    before = {k: v.clone() for k, v in grads.items()}
    norms = [torch.linalg.matrix_norm(torch.cat([before["emb"][:, t], before["temb"][:, t]], 1),
                                      ord=2) for t in range(4)]
    limit = float(torch.stack(norms).median())          # some matrices above it, some below
    clip_matrices(two, grads, limit)
    for t in range(4):
        for r in range(2):
            g = torch.cat([grads["emb"][r, t], grads["temb"][r, t]])
            g0 = torch.cat([before["emb"][r, t], before["temb"][r, t]])
            if float(norms[t][r]) > limit:              # rescaled to the limit exactly
                assert math.isclose(float(torch.linalg.matrix_norm(g, ord=2)), limit,
                                    rel_tol=1e-4)
                assert torch.allclose(g, g0 * limit / norms[t][r], atol=1e-6)
            else:                                       # untouched
                assert torch.equal(g, g0)


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


def test_restart_trainer_with_the_authors_code_options_learns_the_toy_task():
    toy = load_babi_toy(320, 100, seed=0)
    pr = Protocol(epochs=20, ls_epochs=0, lr=0.02, anneal_every=0, clip="matrix")
    cfg = MemN2NConfig(encoding="position-authors", empty_memory="zero", answer="vocabulary")
    (res,), (model,) = fit_restarts([toy], cfg, restarts=2, protocol=pr, seed=0)
    assert float(res.test_error.max()) < 0.3
    assert torch.equal(errors(model, toy.test), res.test_error)


def test_authors_memory_size_is_the_longest_training_story():
    # training file: stories of 3 and 1 sentences (the last 10 % = the 2nd story's question
    # is validation, and still counts); the test file's story of 4 does not count
    train = ("1 Mary went to the kitchen.\n2 John went to the garden.\n3 Mary went home.\n"
             "4 Where is Mary?\thome\t3\n" * 9 + "1 John went home.\n2 Where is John?\thome\t1\n")
    test = ("1 a b.\n2 c d.\n3 e f.\n4 Mary went to the garden.\n"
            "5 Where is Mary?\tgarden\t4\n")
    s = encode_babi(parse_babi(train), parse_babi(test), memory_size=50)
    assert len(s.val) == 1 and authors_memory_size(s) == 3
    assert authors_memory_size(s, limit=2) == 2


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
               {"vocab_size": 6, "n_classes": 6}, {"empty_memory": "nil"},
               {"answer": "words"}):
        with pytest.raises(ConfigError):
            create("memn2n", **hp)
    assert math.isclose(Protocol().lr, 0.005)
    with pytest.raises(ConfigError, match="clip"):
        Protocol(clip="layer")  # type: ignore[arg-type]
