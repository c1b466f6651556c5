"""The echo state network's math against independent computations (a NumPy loop, NumPy's
eigenvalues, the normal equations, reservoirpy), its generation, its errors, and the
NARMA10 and Lorenz datasets."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nnzoo.core.errors import ConfigError, InputError, NotFittedError
from nnzoo.models import create


def _esn(**hp: object) -> torch.nn.Module:
    torch.manual_seed(0)
    return create("esn", **hp).double()


def _numpy_states(u: np.ndarray, W: np.ndarray, W_in: np.ndarray, b: np.ndarray, a: float
                  ) -> np.ndarray:
    """x(t) = (1 - a) x(t-1) + a tanh(W_in u(t) + W x(t-1) + b), one step at a time."""
    B, T, _ = u.shape
    out = np.zeros((B, T, W.shape[0]))
    for i in range(B):
        x = np.zeros(W.shape[0])
        for t in range(T):
            x = (1 - a) * x + a * np.tanh(W_in @ u[i, t] + W @ x + b)
            out[i, t] = x
    return out


def _sine(n: int, step: float = 0.2) -> torch.Tensor:
    return torch.sin(step * torch.arange(n + 1, dtype=torch.float64))[:, None]   # (n+1, 1)


@pytest.mark.parametrize("leak", [0.3, 1.0])
def test_leaky_update_equals_numpy_loop(leak: float) -> None:
    m = _esn(sample_shape=(3,), n_units=20, leak_rate=leak, bias_scaling=0.4,
             input_connectivity=0.5)
    u = torch.randn(2, 15, 3, dtype=torch.float64)
    ref = _numpy_states(u.numpy(), m.W.numpy(), m.W_in.numpy(), m.bias.numpy(), leak)
    np.testing.assert_allclose(m.states(u).numpy(), ref, atol=1e-12)


@pytest.mark.parametrize("leak", [0.3, 1.0])
@pytest.mark.parametrize("batch", [1, 3, 40])
def test_numpy_and_torch_reservoir_paths_agree(leak: float, batch: int,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The NumPy loop (small batches on the CPU) and the torch loop run the same recurrence,
    from the zero state and from a given x0, in float64 and float32; ``auto`` takes NumPy
    up to NUMPY_MAX_BATCH sequences and torch above it or under autograd."""
    from nnzoo.models.reservoir import esn_reservoir as er

    g = torch.Generator().manual_seed(1)
    N, T = 30, 50
    W = torch.randn(N, N, generator=g, dtype=torch.float64) * 0.25
    drive = torch.randn(batch, T, N, generator=g, dtype=torch.float64)
    x0 = torch.randn(batch, N, generator=g, dtype=torch.float64).tanh()
    for start in (None, x0):
        ref = er.leaky_reservoir(drive, W, leak, start, path="torch")
        got = er.leaky_reservoir(drive, W, leak, start, path="numpy")
        np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=0, atol=1e-12)
        x, ref_loop = torch.zeros(batch, N, dtype=torch.float64) if start is None else start, []
        for t in range(T):                                   # the recurrence written out
            x = (1 - leak) * x + leak * torch.tanh(drive[:, t] + x @ W.T)
            ref_loop.append(x)
        np.testing.assert_allclose(got.numpy(), torch.stack(ref_loop, 1).numpy(), atol=1e-12)
    got32 = er.leaky_reservoir(drive.float(), W.float(), leak, path="numpy")
    assert got32.dtype == torch.float32
    ref64 = er.leaky_reservoir(drive, W, leak, path="torch")
    np.testing.assert_allclose(got32.numpy(), ref64.numpy(), atol=1e-4)
    calls: list[str] = []
    real = er._numpy_reservoir
    monkeypatch.setattr(er, "_numpy_reservoir", lambda *a: calls.append("numpy") or real(*a))
    er.leaky_reservoir(drive, W, leak)
    assert calls == (["numpy"] if batch <= er.NUMPY_MAX_BATCH else [])


def test_spectral_radius_after_scaling_is_the_requested_one() -> None:
    for sr, conn in ((1.25, 0.1), (0.8, 0.5), (2.0, 1.0)):
        m = create("esn", n_units=60, spectral_radius=sr, connectivity=conn)
        rho = np.abs(np.linalg.eigvals(m.W.double().numpy())).max()
        assert rho == pytest.approx(sr, abs=1e-6)
        assert int((m.W != 0).sum()) == round(conn * 60 * 60)          # connectivity


def test_input_weights_are_sparse_signs_times_scaling() -> None:
    m = create("esn", sample_shape=(2,), n_units=50, input_scaling=0.7, input_connectivity=0.2)
    nz = m.W_in[m.W_in != 0]
    assert len(nz) == 20 and bool(torch.allclose(nz.abs(), torch.tensor(0.7)))


def test_states_equal_reservoirpys_with_the_same_matrices() -> None:
    pytest.importorskip("reservoirpy")
    from reservoirpy.nodes import Reservoir

    m = _esn(sample_shape=(2,), n_units=30, leak_rate=0.3, bias_scaling=0.5)
    u = torch.randn(1, 80, 2, dtype=torch.float64)
    res = Reservoir(units=30, lr=0.3, W=m.W.numpy(), Win=m.W_in.numpy(), bias=m.bias.numpy())
    ref = res.run(u[0].numpy())                                           # (T, N)
    np.testing.assert_allclose(m.states(u)[0].numpy(), ref, atol=1e-6)


def test_predictions_equal_reservoirpys_esn() -> None:
    """The whole ESN (reservoir, washout, ridge with intercept, run on the continuation)."""
    pytest.importorskip("reservoirpy")
    from reservoirpy.nodes import Reservoir, Ridge

    s = _sine(400, 0.3) + 0.3 * _sine(400, 0.11)
    X, y = s[:-1], s[1:]
    m = _esn(n_units=40, washout=50, ridge=1e-6).fit(X[:300], y[:300])
    esn = Reservoir(units=40, lr=0.3, W=m.W.numpy(), Win=m.W_in.numpy(), bias=m.bias.numpy()
                    ) >> Ridge(ridge=1e-6)
    esn.fit(X[:300].numpy(), y[:300].numpy(), warmup=50)
    np.testing.assert_allclose(m.predict(X[300:]).numpy(), esn.run(X[300:].numpy()),
                               atol=1e-6)


def test_ridge_readout_equals_normal_equations() -> None:
    m = _esn(sample_shape=(2,), n_outputs=2, n_units=25, washout=10, ridge=1e-3,
             input_to_readout=True)
    X = torch.randn(200, 2, dtype=torch.float64)
    Y = torch.stack([X[:, 0].roll(1), X[:, 1] * X[:, 0]], 1)
    m.fit(X, Y)
    S = _numpy_states(X[None].numpy(), m.W.numpy(), m.W_in.numpy(), m.bias.numpy(), 0.3)[0]
    Z = np.concatenate([X.numpy(), S, np.ones((200, 1))], 1)[10:]        # [u; x; 1]
    P = 1e-3 * np.eye(Z.shape[1])
    P[-1, -1] = 0.0                                                      # intercept unpenalised
    w = np.linalg.solve(Z.T @ Z + P, Z.T @ Y[10:].numpy())
    np.testing.assert_allclose(m.w_out.numpy(), w[:-1], atol=1e-7)
    np.testing.assert_allclose(m.b_out.numpy(), w[-1], atol=1e-7)


def test_prediction_continues_the_fitted_series() -> None:
    """Rows after the training series are run from where it ended: the same states as
    running the whole series at once."""
    s = _sine(300)
    m = _esn(n_units=30, washout=20).fit(s[:200], s[1:201])
    whole = m.states(s[None, :300])[0, 200:]                             # (100, N)
    expect = whole @ m.w_out + m.b_out
    np.testing.assert_allclose(m.predict(s[200:300]).numpy(), expect.numpy(), atol=1e-12)


def test_closed_loop_generation_follows_a_sine_for_a_while() -> None:
    s = _sine(1200, 0.2)
    m = _esn(n_units=100, spectral_radius=0.9, leak_rate=1.0, washout=100, ridge=1e-8,
             input_connectivity=1.0, input_scaling=0.5, bias_scaling=0.2)
    m.fit(s[:1000], s[1:1001])
    gen = m.generate(100)                     # starts after the last input s[999]: s[1000:]
    assert gen.shape == (100, 1)
    err = (gen - s[1000:1100]).abs()
    assert float(err[:60].max()) < 0.05
    warm = m.generate(50, warmup=s[:300])                # gen[k] ~ s[300 + k]
    assert float((warm - s[300:350]).abs().max()) < 0.05


def test_sequence_classification_reads_pooled_states() -> None:
    g = torch.Generator().manual_seed(0)
    freq = torch.tensor([0.15, 0.45])
    y = torch.randint(0, 2, (120,), generator=g)
    phase = torch.rand(120, 1, generator=g) * 6.28
    t = torch.arange(40, dtype=torch.float32)
    X = torch.sin(freq[y][:, None] * t + phase)[..., None]              # (B, T, 1)
    X = X + 0.1 * torch.randn(X.shape, generator=g)
    for pooling in ("mean", "last"):
        torch.manual_seed(0)
        m = create("esn", sample_shape=(40, 1), n_classes=2, n_units=50, washout=5,
                   pooling=pooling, ridge=1e-4, leak_rate=0.5, input_connectivity=1.0,
                   bias_scaling=0.5)
        m.fit(X[:80], y[:80])
        assert float((m.predict(X[80:]) == y[80:]).float().mean()) >= 0.9
        assert m(X[:3]).shape == (3, 2)
        assert m.states(X[:3]).shape == (3, 40, 50)


def test_sequence_regression_targets() -> None:
    X = torch.rand(60, 10, 2)
    y = X.mean(1)                                                       # (B, 2)
    torch.manual_seed(0)
    m = create("esn", sample_shape=(10, 2), n_outputs=2, n_units=40, input_to_readout=True,
               ridge=1e-6).fit(X, y)
    assert float((m.predict(X) - y).abs().max()) < 0.05


def test_checkpoint_round_trip_into_a_fresh_model() -> None:
    s = _sine(300).float()
    torch.manual_seed(0)
    m = create("esn", washout=20).fit(s[:200], s[1:201])
    torch.manual_seed(99)
    clone = create("esn", washout=20)
    clone.load_state_dict(m.state_dict())
    assert torch.equal(m.predict(s[200:300]), clone.predict(s[200:300]))


# -- bad input -----------------------------------------------------------------------------

def test_x_and_y_of_different_lengths() -> None:
    m = _esn(washout=5)
    with pytest.raises(InputError, match=r"y must have shape \(50, 1\)"):
        m.fit(torch.rand(50, 1, dtype=torch.float64), torch.rand(49, 1, dtype=torch.float64))
    c = _esn(sample_shape=(10, 1), n_classes=3)
    with pytest.raises(InputError, match="shape"):
        c.fit(torch.rand(8, 10, 1, dtype=torch.float64), torch.zeros(7, dtype=torch.long))


@pytest.mark.parametrize("where", ["X", "y"])
@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_values(where: str, value: float) -> None:
    m = _esn(washout=5)
    X, y = torch.rand(50, 1, dtype=torch.float64), torch.rand(50, 1, dtype=torch.float64)
    (X if where == "X" else y)[7, 0] = value
    with pytest.raises(InputError, match="NaN or infinite"):
        m.fit(X, y)


def test_reservoir_that_cannot_be_scaled() -> None:
    with pytest.raises(ConfigError, match="cannot be scaled"):
        create("esn", n_units=50, connectivity=0.0)
    with pytest.raises(ConfigError, match="cannot be scaled"):
        create("esn", n_units=1, connectivity=0.0)
    m = create("esn", n_units=10, connectivity=0.5)
    with pytest.raises(InputError, match="cannot be scaled"):
        m.set_reservoir(W=torch.zeros(10, 10), rescale=True)
    with pytest.raises(InputError, match="cannot be scaled"):          # nilpotent: rho = 0
        m.set_reservoir(W=torch.triu(torch.ones(10, 10), 1), rescale=True)
    create("esn", n_units=10, connectivity=0.0, spectral_radius=0.0)   # no recurrence: fine
    for seed in range(5):                  # 2 entries of 4: often nilpotent, then redrawn
        torch.manual_seed(seed)
        w = create("esn", n_units=2, connectivity=0.5).W
        assert np.abs(np.linalg.eigvals(w.double().numpy())).max() == pytest.approx(1.25)


def test_predicting_before_fitting() -> None:
    m = _esn()
    x = torch.rand(10, 1, dtype=torch.float64)
    for call in (lambda: m.predict(x), lambda: m(x), lambda: m.generate(5)):
        with pytest.raises(NotFittedError, match="not fitted"):
            call()


def test_washout_longer_than_the_series() -> None:
    m = _esn(washout=100)
    with pytest.raises(InputError, match=r"washout \(100 steps\) must be shorter"):
        m.fit(torch.rand(100, 1, dtype=torch.float64), torch.rand(100, 1, dtype=torch.float64))
    with pytest.raises(ConfigError, match="washout"):
        create("esn", sample_shape=(20, 1), n_classes=2, washout=20)


def test_other_bad_input() -> None:
    m = _esn(sample_shape=(2,))
    with pytest.raises(InputError, match="shape"):
        m.states(torch.rand(4, 2, dtype=torch.float64))                # not (B, T, D)
    with pytest.raises(InputError, match="NaN"):
        m.states(torch.full((1, 3, 2), float("nan"), dtype=torch.float64))
    with pytest.raises(InputError, match="n_outputs == D"):
        m.fit(torch.rand(30, 2, dtype=torch.float64), torch.rand(30, 1, dtype=torch.float64))
        m.generate(3)
    with pytest.raises(ConfigError):
        create("esn", leak_rate=0.0)
    with pytest.raises(ConfigError):
        create("esn", n_classes=3)                                     # needs (T, D)
    with pytest.raises(InputError, match="labels"):
        c = _esn(sample_shape=(10, 1), n_classes=3)
        c.fit(torch.rand(4, 10, 1, dtype=torch.float64), torch.tensor([0, 1, 2, 3]))


def test_training_step_fits_a_short_excerpt() -> None:
    s = _sine(40).float()
    torch.manual_seed(0)
    m = create("esn", washout=100)
    out = m.training_step((s[:32], s[1:33]))                            # washout -> 16
    assert math.isfinite(float(out["loss"])) and bool(m.fitted)


# -- datasets ------------------------------------------------------------------------------

def test_narma10_follows_its_recurrence() -> None:
    from nnzoo.data.series import narma

    u, y = narma(300, 10, transient=0, seed=3)
    u, y = u.numpy(), y.numpy()
    yy = np.concatenate([[0.0], y])                     # yy[t] = y(t); y[t] = yy[t + 1]
    for t in range(20, 299):                            # y(t+1) from y(t-9..t), u(t-9), u(t)
        want = 0.3 * yy[t] + 0.05 * yy[t] * yy[t - 9: t + 1].sum() + 1.5 * u[t - 9] * u[t] + 0.1
        assert yy[t + 1] == pytest.approx(want, abs=1e-12)
    assert u.min() >= 0 and u.max() <= 0.5


def test_narma10_and_lorenz_splits_are_in_time_order() -> None:
    from nnzoo.data import load_dataset

    sp = load_dataset("narma10", n_steps=1000)
    assert sp.sizes == {"train": 700, "val": 100, "test": 200}
    assert sp.sample_shape == (1,) and sp.train.y.shape == (700, 1)
    lz = load_dataset("lorenz", n_steps=600)
    X = torch.cat([lz.train.X, lz.val.X, lz.test.X])
    Y = torch.cat([lz.train.y, lz.val.y, lz.test.y])
    assert X.shape == (599, 3) and torch.equal(X[1:], Y[:-1])          # y[t] = X[t + 1]
    assert torch.allclose(lz.train.X.mean(0), torch.zeros(3), atol=1e-2)


def test_lorenz_satisfies_its_differential_equation() -> None:
    from nnzoo.data.series import lorenz

    dt = 0.002
    s = lorenz(400, dt=dt, transient=100).numpy()
    deriv = (s[2:] - s[:-2]) / (2 * dt)                                 # central differences
    x, y, z = s[1:-1].T
    rhs = np.stack([10 * (y - x), x * (28 - z) - y, x * y - 8 / 3 * z], 1)
    assert np.abs(deriv - rhs).max() < 1e-2 * np.abs(rhs).max()


# -- the benchmark runs (one seed, small) ---------------------------------------------------

def test_bench_compare_gives_the_same_errors_on_the_same_reservoir() -> None:
    pytest.importorskip("reservoirpy")
    from nnzoo.bench.reservoir.esn import compare
    from nnzoo.data.generated import mackey_glass_splits

    sp = mackey_glass_splits(600, val_fraction=0.0, test_fraction=0.2)
    hp = {"n_units": 50, "spectral_radius": 1.25, "leak_rate": 0.3, "ridge": 1e-5,
          "washout": 50, "connectivity": 0.1, "input_connectivity": 0.1,
          "input_scaling": 1.0, "bias_scaling": 0.0}
    r, status = compare(hp, sp.train.X, sp.train.y, sp.test.X, sp.test.y, normalised=False,
                        seeds=1)
    assert status == ""
    assert r["nnzoo_shared"][0] == pytest.approx(r["peer_shared"][0], rel=1e-3)
    assert r["nnzoo_own"][0] < 0.05 and r["peer_own"][0] < 0.05
