"""The Boltzmann machine against exact enumeration: log Z, the gradient, the sampled gradient,
mean-field, learning on bars-and-stripes, and its errors."""

from __future__ import annotations

import pytest
import torch

from nnzoo.core.errors import ConfigError, InputError, NotFittedError
from nnzoo.models import create
from nnzoo.models.energy.units import all_states


def _tiny(v: int, h: int, std: float = 0.6, seed: int = 0, **hp):  # type: ignore[no-untyped-def]
    torch.manual_seed(seed)
    m = create("bm", sample_shape=(v,), n_hidden=h, **hp)
    n = v + h
    w = torch.triu(torch.randn(n, n) * std, 1)
    m.weight.copy_(w + w.T)
    m.bias.copy_(torch.randn(n) * std)
    return m


def _brute(m, T: float = 1.0):  # type: ignore[no-untyped-def]
    """log Z and log p(v) for every visible state, from E(s) = -1/2 s^T W s - b.s directly."""
    w, b = m.weight.double(), m.bias.double()
    nv, n = m.n_visible, m.n_units
    logs = {}
    for code in range(2**n):
        s = torch.tensor([(code >> i) & 1 for i in range(n)], dtype=torch.float64)
        logs[code] = float(0.5 * s @ w @ s + b @ s) / T                # -E(s) / T
    log_z = float(torch.logsumexp(torch.tensor(list(logs.values()), dtype=torch.float64), 0))
    per_v = torch.full((2**nv,), -float("inf"), dtype=torch.float64)
    for code, val in logs.items():
        i = code & (2**nv - 1)
        per_v[i] = torch.logaddexp(per_v[i], torch.tensor(val, dtype=torch.float64))
    return log_z, per_v - log_z


@pytest.mark.parametrize("T", [1.0, 2.5])
def test_exact_log_z_and_likelihood_match_brute_force(T: float) -> None:
    m = _tiny(4, 3, temperature=T, anneal_from=T)
    log_z, logp = _brute(m, T)
    assert float(m.exact_log_partition()) == pytest.approx(log_z, abs=1e-9)
    vs = all_states(4)
    torch.testing.assert_close(m.log_likelihood(vs), logp)
    assert float(torch.logsumexp(logp, 0)) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("T", [1.0, 2.0])
def test_exact_gradient_matches_finite_differences(T: float) -> None:
    m = _tiny(3, 2, temperature=T, anneal_from=T)
    m.double()
    x = torch.tensor([[1.0, 0, 1], [0, 1, 1], [1, 1, 0]], dtype=torch.float64)
    gw, gb = m.exact_gradient(x)
    eps = 1e-6

    def ll() -> float:
        return float(m.log_likelihood(x).mean())

    n = m.n_units
    for i in range(n):
        for j in range(i + 1, n):  # W_ij = W_ji is one parameter
            m.weight[i, j] += eps
            m.weight[j, i] += eps
            up = ll()
            m.weight[i, j] -= 2 * eps
            m.weight[j, i] -= 2 * eps
            down = ll()
            m.weight[i, j] += eps
            m.weight[j, i] += eps
            assert (up - down) / (2 * eps) == pytest.approx(float(gw[i, j]), abs=1e-6)
        m.bias[i] += eps
        up = ll()
        m.bias[i] -= 2 * eps
        down = ll()
        m.bias[i] += eps
        assert (up - down) / (2 * eps) == pytest.approx(float(gb[i]), abs=1e-6)
    torch.testing.assert_close(gw, gw.T)
    assert bool((gw.diagonal() == 0).all())


@pytest.mark.parametrize("mean_field", [False, True])
def test_sampled_gradient_agrees_with_exact_within_sampling_error(mean_field: bool) -> None:
    """Positive phase by Gibbs sampling (or mean-field with one hidden unit, where it is exact)
    and negative phase by persistent chains, against the exact gradient by enumeration."""
    h = 1 if mean_field else 3
    m = _tiny(4, h, std=0.5, n_chains=20000, sweeps=20, mean_field=mean_field)
    data = torch.tensor([[1.0, 0, 1, 1], [0, 1, 1, 0], [1, 1, 0, 0]])
    x = data.repeat(4000, 1)                                         # 12000 clamped samples
    with torch.no_grad():
        for _ in range(3):                                            # burn the chains in
            m.negative_states()
        pos, neg = m.positive_states(x), m.negative_states()
    gw, gb = m.gradient(pos, neg)
    ew, eb = m.exact_gradient(data)
    # standard error of (mean of s_i s_j clamped) - (mean of s_i s_j free), entry by entry
    pp, nn = pos[:, :, None] * pos[:, None, :], neg[:, :, None] * neg[:, None, :]
    se = (pp.var(0) / len(pos) + nn.var(0) / len(neg)).sqrt()
    assert bool(((gw.double() - ew).abs() <= 5 * se + 2e-3).all()), (gw - ew).abs().max()
    se_b = (pos.var(0) / len(pos) + neg.var(0) / len(neg)).sqrt()
    assert bool(((gb.double() - eb).abs() <= 5 * se_b + 2e-3).all())
    # and a wrong model of the data is detected: the sampled gradient is not zero
    assert float((ew.abs()).max()) > 10 * float(se.max())


def test_mean_field_is_a_fixed_point() -> None:
    m = _tiny(5, 4, std=0.3)
    v = torch.bernoulli(torch.full((6, 5), 0.5))
    mu = m.hidden_mean_field(v, iters=200)
    nv = 5
    rhs = torch.sigmoid(v @ m.weight[nv:, :nv].T + mu @ m.weight[nv:, nv:] + m.bias[nv:])
    torch.testing.assert_close(mu, rhs, atol=1e-5, rtol=0)


def test_annealing_schedule() -> None:
    m = create("bm", sample_shape=(4,), n_hidden=1, sweeps=4, temperature=1.0,
               anneal_from=8.0)
    assert m._temperatures() == pytest.approx([8.0, 4.0, 2.0, 1.0])
    assert create("bm", sample_shape=(4,), sweeps=3)._temperatures() == [1.0, 1.0, 1.0]


def test_training_on_bars_and_stripes_raises_exact_log_likelihood() -> None:
    from nnzoo.data.generated import bars_and_stripes

    X = bars_and_stripes(3)
    torch.manual_seed(0)
    m = create("bm", sample_shape=(9,), n_hidden=4, learning_rate=0.05, momentum_coef=0.5,
               init_std=0.1)
    before = float(m.log_likelihood(X).mean())                   # about -9 log 2 = -6.24
    for _ in range(300):
        m.training_step((X[torch.randperm(len(X))], None))
    after = float(m.log_likelihood(X).mean())
    assert before < -6.0 and after > -4.5, (before, after)      # the best: -log 14 = -2.64


def test_engine_hooks_on_the_default_recipe_shape() -> None:
    m = create("bm", sample_shape=(16,), n_hidden=4)
    x = torch.bernoulli(torch.full((10, 16), 0.5))
    out = m.training_step((x, None))
    assert set(out) == {"loss"}
    ev = m.evaluation_step((x, None))
    assert {"loss", "log_likelihood"} <= set(ev) and float(ev["log_likelihood"]) < 0
    assert m(x).shape == (10, 4) and m.sample(5, sweeps=3).shape == (5, 16)


def test_errors() -> None:
    m = create("bm", sample_shape=(4,), n_hidden=2)
    with pytest.raises(InputError, match=r"values in \[0, 1\]"):
        m.training_step((torch.tensor([[0.0, 3.0, 1.0, 0.0]]), None))
    with pytest.raises(NotFittedError, match="not been trained"):
        m.sample(3)
    with pytest.raises(ConfigError, match="at most 22 units"):
        create("bm", sample_shape=(30,), n_hidden=2).exact_log_partition()
    with pytest.raises(ConfigError, match="anneal_from"):
        create("bm", sample_shape=(4,), temperature=2.0, anneal_from=1.0)


@pytest.mark.parametrize("T", [1.0, 0.4])
@pytest.mark.parametrize("start", [0, 5])
def test_numpy_and_torch_gibbs_sweeps_agree(T: float, start: int) -> None:
    """The NumPy sweep (logit(u) < net / T) and the torch sweep (u < sigmoid(net / T)) make the
    same draws the same way: from the same generator state, identical states after 30
    sweeps in float64 (every unit visited, each seeing the units updated before it) and
    almost everywhere in float32."""
    for dtype, min_same in ((torch.float64, 1.0), (torch.float32, 0.99)):
        m = _tiny(6, 3, std=1.0).to(dtype)
        s0 = torch.bernoulli(torch.full((200, 9), 0.5, dtype=dtype))
        out = {}
        for path in ("torch", "numpy"):
            torch.manual_seed(5)
            s = s0.clone()
            for _ in range(30):
                m.gibbs_sweep(s, start, T, path=path)
            out[path] = s
        same = float((out["numpy"] == out["torch"]).float().mean())
        assert same >= min_same
        assert torch.equal(out["numpy"][:, :start], s0[:, :start])      # clamped units kept
        assert 0.05 < float(out["numpy"][:, start:].mean()) < 0.95          # both values drawn
