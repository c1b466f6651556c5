"""The differentiable neural computer: each memory-access step against its formula on a
hand-computed case or a plain loop, one whole step against ixaxaar's ``dnc`` package, finite
differences through the step, and the model's errors and pictures."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from nnzoo.core.errors import ConfigError, InputError
from nnzoo.data.generated import copy_task
from nnzoo.models import create
from nnzoo.models.memory import dnc_access as acc
from nnzoo.models.memory.dnc import DNC, MemoryState, memory_step, oneplus, split_interface

# -- allocation --------------------------------------------------------------------------------


def test_allocation_on_a_known_usage_vector() -> None:
    """u = (0.4, 0.1, 0.9, 0.6): free list phi = (1, 0, 3, 2), so
    a[1] = 0.9, a[0] = 0.6 * 0.1, a[3] = 0.4 * 0.1 * 0.4, a[2] = 0.1 * 0.1 * 0.4 * 0.6."""
    u = torch.tensor([[0.4, 0.1, 0.9, 0.6]], dtype=torch.float64)
    a = acc.allocation(u, eps=0.0)
    want = torch.tensor([[0.06, 0.9, 0.0024, 0.016]], dtype=torch.float64)
    torch.testing.assert_close(a, want)
    assert float(a.sum()) == pytest.approx(1 - 0.4 * 0.1 * 0.9 * 0.6)  # sum a = 1 - prod u
    # a free row takes everything; a full memory allocates nothing
    torch.testing.assert_close(acc.allocation(torch.tensor([[1.0, 0.0, 1.0]]), eps=0.0),
                               torch.tensor([[0.0, 1.0, 0.0]]))
    assert float(acc.allocation(torch.ones(1, 5), eps=0.0).abs().max()) == 0.0


def _allocation_loop(u: np.ndarray, eps: float) -> np.ndarray:
    """The Methods' allocation written as loops: sort, then the running product."""
    out = np.zeros_like(u)
    for b in range(u.shape[0]):
        lifted = [eps + (1 - eps) * float(v) for v in u[b]]
        phi = sorted(range(len(lifted)), key=lambda i: lifted[i])
        for j, row in enumerate(phi):
            prod = 1.0
            for i in range(j):
                prod *= lifted[phi[i]]
            out[b, row] = (1 - lifted[row]) * prod
    return out


@pytest.mark.parametrize("eps", [0.0, acc.USAGE_EPS])
def test_allocation_matches_a_loop(eps: float) -> None:
    g = torch.Generator().manual_seed(0)
    u = torch.rand(4, 9, generator=g, dtype=torch.float64)
    np.testing.assert_allclose(acc.allocation(u, eps=eps).numpy(),
                               _allocation_loop(u.numpy(), eps), rtol=1e-12, atol=1e-15)


# -- usage, writing, links -----------------------------------------------------------------------


def test_retention_and_usage_by_hand() -> None:
    """Head 0 read row 0 and frees it (f = 1); head 1 read row 1 but keeps it (f = 0)."""
    read = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    psi = acc.retention(torch.tensor([[1.0, 0.0]]), read)
    torch.testing.assert_close(psi, torch.tensor([[0.0, 1.0, 1.0]]))
    # u + w - u w: (0.5 + 0.5 - 0.25, 0 + 1 - 0, 0.2 + 0 - 0) = (0.75, 1, 0.2), then * psi
    u = acc.update_usage(torch.tensor([[0.5, 0.0, 0.2]]), torch.tensor([[0.5, 1.0, 0.0]]), psi)
    torch.testing.assert_close(u, torch.tensor([[0.0, 1.0, 0.2]]))
    half = acc.retention(torch.tensor([[0.5, 0.5]]), read)        # (1 - 0.5) for each row read
    torch.testing.assert_close(half, torch.tensor([[0.5, 0.5, 1.0]]))


def test_write_weighting_erase_and_write_by_hand() -> None:
    alloc, content = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.25, 0.75]])
    w = acc.write_weighting(alloc, content, torch.tensor([[0.5]]), torch.tensor([[0.8]]))
    torch.testing.assert_close(w, torch.tensor([[0.8 * (0.5 + 0.125), 0.8 * 0.375]]))
    M = torch.tensor([[[1.0, 2.0], [3.0, 4.0]]])
    out = acc.erase_and_write(M, torch.tensor([[1.0, 0.5]]), torch.tensor([[1.0, 0.0]]),
                              torch.tensor([[10.0, 20.0]]))
    # row 0: erased to (0, 2), plus (10, 20); row 1: (3 * 0.5, 4) + (5, 10)
    torch.testing.assert_close(out, torch.tensor([[[10.0, 22.0], [6.5, 14.0]]]))


def test_links_after_writing_rows_0_1_2_in_order() -> None:
    N = 4
    link, prec = torch.zeros(1, N, N), torch.zeros(1, N)
    for row in (0, 1, 2):
        w = torch.nn.functional.one_hot(torch.tensor([row]), N).float()
        link = acc.update_links(link, w, prec)
        prec = acc.update_precedence(prec, w)
    want = torch.zeros(N, N)
    want[1, 0] = want[2, 1] = 1.0
    torch.testing.assert_close(link[0], want)
    torch.testing.assert_close(prec[0], torch.tensor([0.0, 0.0, 1.0, 0.0]))
    # reading row 0 then going forward lands on row 1; going backward from row 2 as well
    reads = torch.tensor([[[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]])
    fwd, bwd = acc.directional(link, reads)
    torch.testing.assert_close(fwd[0, 0], torch.tensor([0.0, 1.0, 0.0, 0.0]))
    torch.testing.assert_close(bwd[0, 1], torch.tensor([0.0, 1.0, 0.0, 0.0]))
    # read modes mix the three: all forward, all backward, half content
    modes = torch.tensor([[[0.0, 0.0, 1.0], [0.5, 0.5, 0.0]]])
    content = torch.full((1, 2, N), 0.25)
    w_r = acc.read_weighting(modes, bwd, content, fwd)
    torch.testing.assert_close(w_r[0, 0], fwd[0, 0])
    torch.testing.assert_close(w_r[0, 1], torch.tensor([0.125, 0.625, 0.125, 0.125]))


def test_soft_writes_give_soft_links() -> None:
    """L[i, j] = (1 - w[i] - w[j]) L[i, j] + w[i] p[j] entry by entry, diagonal zero."""
    g = torch.Generator().manual_seed(1)
    N = 5
    link = torch.rand(2, N, N, generator=g, dtype=torch.float64) * 0.2
    w = torch.softmax(torch.randn(2, N, generator=g, dtype=torch.float64), -1) * 0.9
    p = torch.softmax(torch.randn(2, N, generator=g, dtype=torch.float64), -1) * 0.5
    out = acc.update_links(link, w, p)
    for b in range(2):
        for i in range(N):
            for j in range(N):
                want = 0.0 if i == j else ((1 - w[b, i] - w[b, j]) * link[b, i, j]
                                           + w[b, i] * p[b, j])
                assert float(out[b, i, j]) == pytest.approx(float(want), abs=1e-12)


# -- the interface and one whole step -------------------------------------------------------------


def test_interface_parts_and_ranges() -> None:
    R, W = 2, 3
    size = R * W + 3 * W + 5 * R + 3
    xi = torch.arange(size, dtype=torch.float64)[None] / size - 0.5
    it = split_interface(xi, R, W)
    torch.testing.assert_close(it.read_keys.flatten(), xi[0, :R * W])       # keys as they are
    torch.testing.assert_close(it.read_strengths[0], oneplus(xi[0, R * W:R * W + R]))
    torch.testing.assert_close(it.write_vector[0], xi[0, R * W + R + 2 * W + 1:
                                                         R * W + R + 3 * W + 1])
    torch.testing.assert_close(it.read_modes.sum(-1), torch.ones(1, R, dtype=torch.float64))
    assert float(oneplus(torch.tensor(-30.0))) >= 1.0
    with pytest.raises(ConfigError, match="interface vector"):
        split_interface(xi[:, :-1], R, W)


def _loop_step(s: dict[str, np.ndarray], it: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One DNC step for one sequence in plain loops (Methods, "Memory addressing")."""
    M, u_prev, L, p = s["memory"], s["usage"], s["link"], s["precedence"]
    w_r_prev, w_w_prev = s["read_weights"], s["write_weights"]
    N, W = M.shape
    R = w_r_prev.shape[0]

    def content(mem: np.ndarray, k: np.ndarray, beta: float) -> np.ndarray:
        sims = [float(k @ mem[i]) / math.sqrt((k @ k + 1e-6) * (mem[i] @ mem[i] + 1e-6))
                for i in range(N)]
        e = np.exp(beta * np.array(sims))
        return e / e.sum()

    psi = np.array([np.prod([1 - it["free_gates"][h] * w_r_prev[h, i] for h in range(R)])
                    for i in range(N)])
    u = np.array([(u_prev[i] + w_w_prev[i] - u_prev[i] * w_w_prev[i]) * psi[i]
                  for i in range(N)])
    a = _allocation_loop(u[None], acc.USAGE_EPS)[0]
    c_w = content(M, it["write_key"], it["write_strength"])
    w_w = it["write_gate"] * (it["alloc_gate"] * a + (1 - it["alloc_gate"]) * c_w)
    M2 = np.array([[M[i, j] * (1 - w_w[i] * it["erase"][j]) + w_w[i] * it["write_vector"][j]
                    for j in range(W)] for i in range(N)])
    L2 = np.array([[0.0 if i == j else (1 - w_w[i] - w_w[j]) * L[i, j] + w_w[i] * p[j]
                    for j in range(N)] for i in range(N)])
    p2 = (1 - w_w.sum()) * p + w_w
    w_r = np.zeros((R, N))
    for h in range(R):
        f = np.array([sum(L2[i, j] * w_r_prev[h, j] for j in range(N)) for i in range(N)])
        b = np.array([sum(L2[j, i] * w_r_prev[h, j] for j in range(N)) for i in range(N)])
        c = content(M2, it["read_keys"][h], it["read_strengths"][h])
        pi = it["read_modes"][h]
        w_r[h] = pi[0] * b + pi[1] * c + pi[2] * f
    return {"memory": M2, "usage": u, "link": L2, "precedence": p2, "read_weights": w_r,
            "write_weights": w_w, "reads": w_r @ M2}


def _random_state(B: int, N: int, W: int, R: int, g: torch.Generator) -> MemoryState:
    def dist(*shape: int) -> torch.Tensor:
        return torch.softmax(torch.randn(*shape, generator=g, dtype=torch.float64) * 2, -1)

    return MemoryState(memory=torch.randn(B, N, W, generator=g, dtype=torch.float64),
                       usage=torch.rand(B, N, generator=g, dtype=torch.float64),
                       link=torch.rand(B, N, N, generator=g, dtype=torch.float64) / N,
                       precedence=dist(B, N) * 0.7, read_weights=dist(B, R, N),
                       write_weights=dist(B, N) * 0.8,
                       reads=torch.zeros(B, R, W, dtype=torch.float64))


def test_a_whole_step_matches_the_loops() -> None:
    g = torch.Generator().manual_seed(2)
    B, N, W, R = 2, 6, 4, 2
    s = _random_state(B, N, W, R, g)
    it = split_interface(torch.randn(B, R * W + 3 * W + 5 * R + 3, generator=g,
                                     dtype=torch.float64), R, W)
    new, _ = memory_step(s, it)
    for b in range(B):
        parts = {"read_keys": it.read_keys[b], "read_strengths": it.read_strengths[b],
                 "write_key": it.write_key[b, 0], "write_strength": it.write_strength[b, 0],
                 "erase": it.erase[b], "write_vector": it.write_vector[b],
                 "free_gates": it.free_gates[b], "alloc_gate": it.alloc_gate[b, 0],
                 "write_gate": it.write_gate[b, 0], "read_modes": it.read_modes[b]}
        ref = _loop_step({k: v[b].numpy() for k, v in vars(s).items()},
                         {k: v.numpy() for k, v in parts.items()})
        for k, want in ref.items():
            np.testing.assert_allclose(getattr(new, k)[b].numpy(), want, rtol=1e-9,
                                       atol=1e-12, err_msg=k)


def test_a_whole_step_matches_the_dnc_package() -> None:
    """The package's Memory.write and Memory.read given the same interface values (its read
    modes ordered backward, forward, content) compute the same memory, links, usage and
    reads, up to where it puts the cosine's epsilon."""
    memory_mod = pytest.importorskip("dnc.memory")
    g = torch.Generator().manual_seed(3)
    B, N, W, R = 2, 6, 4, 2
    s = _random_state(B, N, W, R, g)
    s = MemoryState(*(v.float() for v in vars(s).values()))
    xi = torch.randn(B, R * W + 3 * W + 5 * R + 3, generator=g)
    it = split_interface(xi, R, W)
    new, _ = memory_step(s, it)
    mem = memory_mod.Memory(input_size=8, mem_size=N, cell_size=W, read_heads=R)
    hidden = {"memory": s.memory.clone(), "link_matrix": s.link[:, None].clone(),
              "precedence": s.precedence[:, None].clone(),
              "read_weights": s.read_weights.clone(),
              "write_weights": s.write_weights[:, None].clone(), "usage_vector": s.usage.clone()}
    hidden = mem.write(it.write_key, it.write_vector[:, None], it.erase[:, None], it.free_gates,
                       it.read_strengths, it.write_strength, it.write_gate, it.alloc_gate,
                       hidden)
    reads, hidden = mem.read(it.read_keys, it.read_strengths, it.read_modes[..., [0, 2, 1]],
                             hidden)
    tol = {"rtol": 1e-4, "atol": 1e-5}
    torch.testing.assert_close(new.usage, hidden["usage_vector"], **tol)
    torch.testing.assert_close(new.write_weights, hidden["write_weights"][:, 0], **tol)
    torch.testing.assert_close(new.memory, hidden["memory"], **tol)
    torch.testing.assert_close(new.link, hidden["link_matrix"][:, 0], **tol)
    torch.testing.assert_close(new.precedence, hidden["precedence"][:, 0], **tol)
    torch.testing.assert_close(new.read_weights, hidden["read_weights"], **tol)
    torch.testing.assert_close(new.reads, reads, **tol)


def test_the_step_has_the_gradient_of_finite_differences() -> None:
    g = torch.Generator().manual_seed(4)
    B, N, W, R = 1, 4, 3, 2
    s = _random_state(B, N, W, R, g)
    xi = torch.randn(B, R * W + 3 * W + 5 * R + 3, generator=g, dtype=torch.float64)
    mem = s.memory.clone().requires_grad_()

    def f(xi: torch.Tensor, mem: torch.Tensor) -> tuple[torch.Tensor, ...]:
        state = MemoryState(mem, s.usage, s.link, s.precedence, s.read_weights,
                            s.write_weights, s.reads)
        new, _ = memory_step(state, split_interface(xi, R, W))
        return new.reads, new.memory, new.link

    assert torch.autograd.gradcheck(f, (xi.requires_grad_(), mem), eps=1e-6, atol=1e-5)


# -- the model -----------------------------------------------------------------------------------


def _model(**hp: object) -> DNC:
    torch.manual_seed(0)
    return create("dnc", sample_shape=(8, 6), memory_size=6, word_size=5, read_heads=2,
                  hidden_size=16, **hp)  # type: ignore[return-value]


def test_forward_runs_any_length_and_the_loss_is_the_answer_bce() -> None:
    m = _model()
    sp = copy_task(4, seq_len=3, n_bits=4, n_val=0, n_test=0)
    x, y = sp.train.X, sp.train.y
    assert x.shape == (4, 8, 6)
    assert m(x).shape == (4, 8, 4) and m(x[:, :5]).shape == (4, 5, 4)
    out = m.training_step((x, y))
    logits = m(x)[:, -3:]
    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none")
    torch.testing.assert_close(out["loss"], bce.mean())
    torch.testing.assert_close(out["cost_bits"], bce.sum((1, 2)).mean() / math.log(2))
    assert float(out["bit_errors"]) == float(((logits > 0).float() != y).sum()) / 4


def test_the_model_learns_a_short_copy() -> None:
    """A small DNC repeats two 3-bit vectors after a few hundred Adam steps."""
    torch.manual_seed(0)
    m = create("dnc", sample_shape=(6, 5), memory_size=4, word_size=4, hidden_size=24)
    sp = copy_task(256, seq_len=2, n_bits=3, n_val=0, n_test=64, seed=5)
    opt = torch.optim.Adam(m.parameters(), lr=1e-2)
    first = float(m.evaluation_step((sp.test.X, sp.test.y))["cost_bits"])
    for step in range(300):
        i = (step * 16) % 256
        opt.zero_grad()
        m.training_step((sp.train.X[i:i + 16], sp.train.y[i:i + 16]))["loss"].backward()
        opt.step()
    last = m.evaluation_step((sp.test.X, sp.test.y))
    assert first > 5.0 and float(last["cost_bits"]) < 0.5 * first
    assert float(last["bit_errors"]) < 1.0  # of 6 bits; guessing gets 3 wrong


def test_bad_input_and_targets_are_one_clear_error() -> None:
    m = _model()
    x = torch.zeros(2, 8, 6)
    with pytest.raises(InputError, match=r"shape \(batch, steps, 6\)"):
        m(torch.zeros(2, 8, 7))
    with pytest.raises(InputError, match="at least one sequence"):
        m(torch.zeros(2, 0, 6))
    with pytest.raises(InputError, match="needs targets"):
        m.training_step((x, None))
    with pytest.raises(InputError, match="copy targets must have shape"):
        m.training_step((x, torch.zeros(2, 9, 4)))
    with pytest.raises(InputError, match="bits"):
        m.training_step((x, torch.full((2, 3, 4), 0.5)))


@pytest.mark.parametrize("hp", [{"memory_size": 0}, {"read_heads": 0}, {"word_size": -1},
                                {"sample_shape": (8, 2)}, {"sample_shape": (8,)},
                                {"task": "recall"}])
def test_bad_hyperparameters(hp: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        create("dnc", **{"sample_shape": (8, 6), **hp})


def test_trace_and_pictures(tmp_path: Path) -> None:
    m = _model()
    sp = copy_task(2, seq_len=3, n_bits=4, n_val=0, n_test=0)
    assert m.visualize(tmp_path) == []                # nothing evaluated yet
    m.evaluation_step((sp.train.X, sp.train.y))
    tr = m.trace(sp.train.X)
    assert tr["write_weights"].shape == (8, 6) and tr["read_weights"].shape == (8, 2, 6)
    assert float(tr["write_weights"].sum(-1).max()) <= 1 + 1e-6
    assert bool((tr["usage"] >= 0).all() and (tr["usage"] <= 1 + 1e-6).all())
    paths = m.visualize(tmp_path)
    assert [p.name for p in paths] == ["dnc_weights.png", "dnc_links.png"]
    assert all(p.stat().st_size > 1000 for p in paths)


# -- the babi task -------------------------------------------------------------------------------


def _babi_model(**hp: object) -> DNC:
    torch.manual_seed(0)
    m = create("dnc", task="babi", sample_shape=(3, 3), vocab_size=7, n_classes=3,
               memory_size=6, word_size=4, hidden_size=16, embedding_size=5, **hp)
    assert isinstance(m, DNC)
    return m.eval()


def test_babi_steps_are_the_words_with_an_end_of_sentence_step() -> None:
    m = _babi_model()
    # two sentences (the second slot empty) and the question; id 7 is the end of a sentence
    x = torch.tensor([[[3, 4, 0], [0, 0, 0], [5, 0, 0]],
                      [[1, 2, 6], [2, 0, 0], [5, 6, 0]]])
    ids, lengths = m.word_steps(x)
    assert lengths.tolist() == [5, 9]
    assert ids.tolist() == [[3, 4, 7, 5, 7, 0, 0, 0, 0], [1, 2, 6, 7, 2, 7, 5, 6, 7]]
    # the answer is the output at each story's last step, whatever the batch's padding
    scores = m(x)
    assert scores.shape == (2, 3)
    embedded = m.embed(torch.tensor([[3, 4, 7, 5, 7]]))  # type: ignore[misc]
    torch.testing.assert_close(scores[:1], m._run(embedded)[0][:, -1])
    torch.testing.assert_close(scores[:1], m(x[:1]))  # alone, without the longer story


def test_babi_loss_is_cross_entropy_and_a_small_dnc_learns_on_the_toy_task() -> None:
    from nnzoo.data.babi import load_babi_toy

    sp = load_babi_toy(n_train=400, n_test=200, memory_size=4)
    torch.manual_seed(0)
    m = create("dnc", task="babi", sample_shape=sp.sample_shape,
               vocab_size=sp.meta["vocab_size"], n_classes=sp.n_classes, memory_size=8,
               word_size=8, hidden_size=32, embedding_size=16)
    x, y = sp.train.X, sp.train.y
    out = m.training_step((x[:8], y[:8]))
    torch.testing.assert_close(out["loss"], torch.nn.functional.cross_entropy(m(x[:8]), y[:8]))
    first = float(m.evaluation_step((sp.test.X, sp.test.y))["accuracy"])
    opt = torch.optim.Adam(m.parameters(), lr=1e-2)
    for _ in range(6):
        for i in range(0, len(x), 32):
            opt.zero_grad()
            m.training_step((x[i:i + 32], y[i:i + 32]))["loss"].backward()
            opt.step()
    last = float(m.evaluation_step((sp.test.X, sp.test.y))["accuracy"])
    # well above the most frequent training answer (which the untrained net is not above)
    majority = float((sp.test.y == torch.bincount(y).argmax()).float().mean())
    assert first < majority + 0.05 and last > majority + 0.15, (first, last, majority)
    assert m.predict(sp.test.X[:5]).shape == (5,)


def test_babi_bad_input_and_hyperparameters_are_one_clear_error() -> None:
    m = _babi_model()
    with pytest.raises(InputError, match=r"word ids in \[0, 7\)"):
        m(torch.tensor([[[3, 9, 0], [0, 0, 0], [5, 0, 0]]]))
    with pytest.raises(InputError, match="empty question"):
        m(torch.tensor([[[3, 4, 0], [0, 0, 0], [0, 0, 0]]]))
    with pytest.raises(InputError, match="int64 word ids"):
        m(torch.zeros(1, 3, 3))
    with pytest.raises(InputError, match="no answers"):
        m.training_step((torch.tensor([[[3, 4, 0], [0, 0, 0], [5, 0, 0]]]), None))
    with pytest.raises(InputError, match="answers"):
        m.training_step((torch.tensor([[[3, 4, 0], [0, 0, 0], [5, 0, 0]]]), torch.tensor([3])))
    with pytest.raises(ConfigError, match="n_classes >= 2"):
        create("dnc", task="babi", sample_shape=(3, 3), vocab_size=7)


def test_babi_trace_reads_the_first_story_word_by_word(tmp_path: Path) -> None:
    m = _babi_model()
    x = torch.tensor([[[3, 4, 0], [2, 0, 0], [5, 6, 0]],
                      [[1, 0, 0], [0, 0, 0], [5, 0, 0]]])
    m.evaluation_step((x, torch.tensor([0, 2])))
    tr = m.trace(x)
    steps = int(m.word_steps(x[:1])[1][0])  # 3 4 <eos> 2 <eos> 5 6 <eos>
    assert steps == 8
    assert tr["write_weights"].shape == (steps, 6) and tr["outputs"].shape == (steps, 3)
    torch.testing.assert_close(tr["outputs"][-1], torch.softmax(m(x[:1])[0], dim=-1))
    paths = m.visualize(tmp_path)
    assert [p.name for p in paths] == ["dnc_weights.png", "dnc_links.png"]
