"""The liquid state machine: LIF, connectivity, Dale's law, delays, dynamic synapses, snnTorch
equivalence, the readout, the spike-template task and bad input."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch

from nnzoo.core.errors import ConfigError, InputError, NotFittedError
from nnzoo.models import create
from nnzoo.models.reservoir.lsm_blocks import (
    connection_probability,
    filtered_states,
    grid_positions,
    readout_steps,
    stp_step,
)

#: The two simulation paths of LSM.simulate (torch ops; the compiled, event-driven loop).
PATHS = ["torch", "numba"]
QUIET: dict[str, Any] = {"input_connectivity": 0.0, "i_background": (0.0, 0.0),
                         "v_init": (0.0, 0.0), "weight_cv": 0.0}


def _lsm(T: int = 20, D: int = 1, seed: int = 0, **hp: Any) -> Any:
    torch.manual_seed(seed)
    return create("lsm", sample_shape=(T, D), **{"n_classes": 2, **hp})


@pytest.mark.parametrize("path", PATHS)
def test_lif_membrane_equals_the_closed_form_of_the_leaky_ode(path: str) -> None:
    """A lone neuron under a constant current I: V(t) = R I + (V0 - R I) exp(-t / tau_m)."""
    m = _lsm(T=50, grid=(1, 1, 1), v_thresh=100.0, v_reset=0.0, dt=0.5, tau_m=20.0,
             r_in=2.0, **{**QUIET, "v_init": (3.0, 3.0), "i_background": (7.0, 7.0)}).double()
    v = m.simulate(torch.zeros(1, 50, 1, dtype=torch.float64), record=True,
                   path=path)["v"][0, :, 0]
    t = 0.5 * torch.arange(1, 51, dtype=torch.float64)                  # after each step
    ref = 14.0 + (3.0 - 14.0) * torch.exp(-t / 20.0)                    # R I = 2 * 7 mV
    torch.testing.assert_close(v, ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("path", PATHS)
def test_lif_threshold_reset_and_refractory_period(path: str) -> None:
    """Above threshold the neuron fires, resets, is held for the refractory steps, and its
    inter-spike interval is the closed-form time to threshold plus the refractory period."""
    dt, tau, ri, th, vr, ref = 1.0, 30.0, 20.0, 15.0, 13.5, 3.0
    m = _lsm(T=200, grid=(1, 1, 1), dt=dt, tau_m=tau, v_thresh=th, v_reset=vr,
             refractory=(ref, ref), **{**QUIET, "v_init": (vr, vr),
                                       "i_background": (ri, ri)}).double()
    out = m.simulate(torch.zeros(1, 200, 1, dtype=torch.float64), record=True, path=path)
    times = out["spikes"][0, :, 0].nonzero().flatten()
    # from V_reset, V_k = RI + (vr - RI) beta^k first exceeds th at the k below
    beta = math.exp(-dt / tau)
    k = math.floor(math.log((ri - th) / (ri - vr)) / math.log(beta)) + 1
    assert len(times) > 3
    assert set(torch.diff(times).tolist()) == {k + int(ref / dt)}
    v = out["v"][0, :, 0]
    for s in times[:-1].tolist():                                       # held at reset
        assert torch.all(v[s:s + int(ref / dt) + 1] == vr)


def test_connection_probability_follows_the_distance_formula() -> None:
    """On a 12x12x12 grid, the frequency of connections at each distance and type pair is
    C exp(-(D / lambda)^2) within 4 binomial standard errors."""
    torch.manual_seed(3)
    cs, lam = (0.3, 0.2, 0.4, 0.1), 2.0
    m = create("lsm", sample_shape=(5, 1), n_classes=2, grid=(12, 12, 12), lambda_conn=lam,
               conn_scale=cs, weight_cv=0.0)
    conn = (m.weight != 0).numpy()
    pos, inh = m.position.numpy().astype(np.float64), m.inhibitory.numpy()
    d2 = ((pos[:, None, :] - pos[None, :, :]) ** 2).sum(-1).round().astype(int)
    checked = 0
    for a, pre in enumerate((False, True)):
        for b, post in enumerate((False, True)):
            block = np.ix_(inh == pre, inh == post)
            dd, cc = d2[block], conn[block]
            for dist2 in (1, 2, 3, 4, 5, 6, 9):
                sel = dd == dist2
                n = int(sel.sum())
                p = cs[2 * a + b] * math.exp(-dist2 / lam**2)
                se = math.sqrt(p * (1 - p) / n)
                assert abs(cc[sel].mean() - p) < 4 * se + 1e-9, (a, b, dist2, cc[sel].mean(), p)
                checked += 1
    assert checked == 28
    assert not conn.diagonal().any()                                    # no autapses
    # the module's formula agrees with a direct evaluation
    P = connection_probability(m.position, m.inhibitory, cs, lam)
    i, j = 5, 700
    cij = cs[2 * int(inh[i]) + int(inh[j])]
    assert float(P[i, j]) == pytest.approx(cij * math.exp(-d2[i, j] / lam**2), rel=1e-6)


def test_grid_positions_cover_the_grid() -> None:
    pos = grid_positions((3, 2, 4))
    assert pos.shape == (24, 3) and len({tuple(p) for p in pos.tolist()}) == 24
    assert pos.max(0).values.tolist() == [2, 1, 3]


def test_dales_law_and_excitatory_fraction() -> None:
    m = _lsm(grid=(6, 5, 4))
    w, inh = m.weight, m.inhibitory
    assert int((~inh).sum()) == round(0.8 * 120)
    assert bool((w[~inh] >= 0).all()) and bool((w[inh] <= 0).all())
    assert bool((w[~inh] > 0).any()) and bool((w[inh] < 0).any())
    assert bool((m.input_weight >= 0).all())


def _chain(delay: int, **hp: Any) -> Any:
    """Two neurons: an input drives neuron 0, which drives neuron 1 through one synapse with
    a delay of ``delay`` steps."""
    base = {"frac_excitatory": 1.0, "v_reset": 0.0, "refractory": (0.0, 0.0),
            "tau_syn_exc": 0.0, "dynamic_synapses": False, **QUIET}
    m = _lsm(T=30, grid=(2, 1, 1), **{**base, **hp}).double()
    m.weight.zero_()
    m.weight[0, 1] = 1e4                                                # 0 -> 1, certain spike
    m.delay.fill_(delay)
    m.input_weight.zero_()
    m.input_weight[0, 0] = 1e4
    return m


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("d", [1, 2, 5])
def test_delays_shift_a_spike_by_exactly_d_steps(d: int, path: str) -> None:
    m = _chain(d)
    x = torch.zeros(1, 30, 1, dtype=torch.float64)
    x[0, 7, 0] = 1.0
    out = m.simulate(x, record=True, path=path)
    s = out["spikes"][0]
    assert s[:, 0].nonzero().flatten().tolist() == [7]
    assert s[:, 1].nonzero().flatten().tolist() == [7 + d]
    cur = out["i_exc"][0, :, 1]
    assert cur.nonzero().flatten().tolist() == [7 + d]                  # the current arrives


def test_dynamic_synapse_follows_the_tsodyks_markram_recursion() -> None:
    """A regular spike train through stp_step transmits A u_n R_n with
    u_{n+1} = U + u_n (1 - U) exp(-Delta/F), R_{n+1} = 1 + (R_n - R_n u_n - 1) exp(-Delta/D)."""
    dt, isi, n_spikes = 1.0, 20, 12
    U = torch.tensor([0.5, 0.05, 0.25, 0.32], dtype=torch.float64)     # EE, EI, IE, II
    D = torch.tensor([1.1, 0.125, 0.7, 0.144], dtype=torch.float64) * 1000
    F_ = torch.tensor([0.05, 1.2, 0.02, 0.06], dtype=torch.float64) * 1000
    u, r = U.clone(), torch.ones(4, dtype=torch.float64)
    got = []
    for t in range(isi * n_spikes):
        s = torch.full((4,), float(t % isi == 0), dtype=torch.float64)
        eff, u, r = stp_step(s, u, r, U, torch.exp(-dt / F_), torch.exp(-dt / D))
        if t % isi == 0:
            got.append(eff)
    un, Rn, ref = U.clone(), torch.ones(4, dtype=torch.float64), []
    delta = isi * dt
    for _ in range(n_spikes):
        ref.append(un * Rn)
        un, Rn = (U + un * (1 - U) * torch.exp(-delta / F_),
                  1 + (Rn - Rn * un - 1) * torch.exp(-delta / D))
    torch.testing.assert_close(torch.stack(got), torch.stack(ref), rtol=1e-12, atol=1e-14)
    assert float(ref[-1][0]) < float(ref[0][0])                         # EE depresses
    assert float(ref[1][1]) > float(ref[0][1])                          # EI facilitates


@pytest.mark.parametrize("path", PATHS)
def test_dynamic_synapse_in_the_liquid_scales_each_arriving_current(path: str) -> None:
    """In the simulation, the current that a regular presynaptic train delivers equals
    A u_n R_n of the recursion (EE synapse)."""
    m = _chain(1, dynamic_synapses=True)
    m.weight[0, 1] = 1.0                                                # post stays silent
    x = torch.zeros(1, 30, 1, dtype=torch.float64)
    spikes_at = [2, 7, 12, 17, 22]
    x[0, spikes_at, 0] = 1.0
    cur = m.simulate(x, record=True, path=path)["i_exc"][0, :, 1]
    U, D, F_ = 0.5, 1100.0, 50.0
    un, Rn = U, 1.0
    for k, t in enumerate(spikes_at):
        assert float(cur[t + 1]) == pytest.approx(un * Rn, rel=1e-12)
        if k + 1 < len(spikes_at):
            delta = spikes_at[k + 1] - t
            un, Rn = (U + un * (1 - U) * math.exp(-delta / F_),
                      1 + (Rn - Rn * un - 1) * math.exp(-delta / D))


@pytest.mark.parametrize("path", PATHS)
def test_same_spikes_as_snntorch_without_delays_and_dynamic_synapses(path: str) -> None:
    pytest.importorskip("snntorch")
    from nnzoo.bench.reservoir.lsm import SNNTORCH_COMPATIBLE, simulate_snntorch

    torch.manual_seed(1)
    m = create("lsm", sample_shape=(200, 4), n_classes=2, **SNNTORCH_COMPATIBLE).double()
    x = (torch.rand(6, 200, 4) < 0.03).double()
    ours = m.simulate(x, path=path)
    peer = simulate_snntorch(m, x)
    assert float(ours.sum()) > 100                                       # the liquid is active
    assert torch.equal(ours, peer)


@pytest.mark.parametrize("hp", [
    {},                                                                 # the full LSM step
    {"tau_syn_exc": 0.0, "refractory": (0.0, 4.0), "delay_ms": (3.0, 1.0, 2.0, 5.0)},
    {"dynamic_synapses": False, "delays": False, "weight_cv": 0.0},
])
def test_compiled_loop_gives_the_torch_paths_spikes_and_traces(hp: dict[str, Any]) -> None:
    """The event-driven Numba loop and the torch loop simulate the same liquid: identical
    spikes and potentials and currents equal to rounding in float64 (input spike counts of
    up to 2 per bin, a liquid active enough to exercise every mechanism); in float32, where
    sums in another order can flip a spike within an ulp of the threshold, the same spikes
    almost everywhere."""
    m = _lsm(T=150, D=3, seed=2, grid=(5, 3, 3), **hp).double()
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 3, (5, 150, 3), generator=g).double() * (
        torch.rand(5, 150, 3, generator=g) < 0.05)
    ref = m.simulate(x, record=True, path="torch")
    got = m.simulate(x, record=True, path="numba")
    assert 0.005 < float(ref["spikes"].mean()) < 0.5                     # active, not saturated
    assert torch.equal(got["spikes"], ref["spikes"])
    for k in ("v", "i_exc", "i_inh"):
        torch.testing.assert_close(got[k], ref[k], rtol=0, atol=1e-10)
    m32 = m.float()
    same = (m32.simulate(x, path="numba") == m32.simulate(x, path="torch")).float().mean()
    assert float(same) > 0.99


def test_auto_path_takes_the_compiled_loop_for_large_simulations(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from nnzoo.models.reservoir import lsm as lsm_module
    from nnzoo.models.reservoir import lsm_kernel

    calls: list[int] = []
    real = lsm_kernel.simulate_numba
    monkeypatch.setattr(lsm_module, "simulate_numba",
                        lambda m, x, record: calls.append(len(x)) or real(m, x, record))
    m = _lsm(T=20, D=1, grid=(2, 2, 2))
    m.simulate(torch.zeros(3, 20, 1))                                   # 480 updates: torch
    m.features(torch.zeros(3, 20, 1))
    monkeypatch.setattr(lsm_kernel, "NUMBA_MIN_UPDATES", 480)
    m.simulate(torch.zeros(3, 20, 1))                                   # now: the loop
    m.simulate(torch.zeros(3, 20, 1), path="torch")                     # unless told
    m.config.sim_batch = 2                                              # chunks of 2 and 1:
    m.features(torch.zeros(3, 20, 1))                                   # the path of all 3
    assert calls == [3, 2, 1]


def test_readout_filter_and_steps() -> None:
    assert readout_steps(100, 4).tolist() == [24, 49, 74, 99]
    assert readout_steps(7, 1).tolist() == [6]
    s = (torch.rand(3, 40, 5) < 0.3).float().double()
    steps = torch.tensor([9, 39])
    got = filtered_states(s, steps, 0.9).view(3, 2, 5)
    r = torch.zeros(3, 5, dtype=torch.float64)
    ref = []
    for t in range(40):                                                  # r_t = 0.9 r + s_t
        r = 0.9 * r + s[:, t]
        if t in (9, 39):
            ref.append(r.clone())
    torch.testing.assert_close(got, torch.stack(ref, 1))


def test_fit_predict_on_the_spike_template_task() -> None:
    from nnzoo.data import load_dataset

    s = load_dataset("spike-templates", n=200, n_classes=3, n_channels=4, n_steps=60,
                     jitter=2.0, p_delete=0.1, insert_rate=2.0)
    assert s.train.X.shape == (200, 60, 4) and set(s.train.X.unique().tolist()) <= {0.0, 1.0}
    assert s.sizes == {"train": 200, "val": 100, "test": 100}
    m = _lsm(T=60, D=4, n_classes=3, seed=0)
    m.fit(s.train.X, s.train.y)
    acc = float((m.predict(s.test.X) == s.test.y).float().mean())
    assert acc > 0.8                                                    # chance is 1/3
    assert any(float(m.alpha) == pytest.approx(a, rel=1e-6) for a in m.config.alphas)


def test_spike_templates_is_seeded_and_balanced() -> None:
    from nnzoo.data import load_dataset

    a = load_dataset("spike-templates", n=50, seed=4)
    b = load_dataset("spike-templates", n=50, seed=4)
    c = load_dataset("spike-templates", n=50, seed=5)
    assert torch.equal(a.test.X, b.test.X) and not torch.equal(a.test.X, c.test.X)
    y = torch.cat([a.train.y, a.val.y, a.test.y])
    assert y.bincount().tolist() == [10] * 10
    with pytest.raises(ConfigError):
        load_dataset("spike-templates", p_delete=1.0)


def test_visualize_writes_the_raster(tmp_path: Any) -> None:
    m = _lsm(T=30, D=2)
    x = (torch.rand(8, 30, 2) < 0.2).float()
    m.fit(x, torch.tensor([0, 1] * 4))
    paths = m.visualize(tmp_path)
    assert [p.name for p in paths] == ["liquid_raster.png"] and paths[0].stat().st_size > 0


def test_bad_input_and_configs() -> None:
    m = _lsm(T=10, D=2)
    x = (torch.rand(6, 10, 2) < 0.3).float()
    y = torch.tensor([0, 1, 0, 1, 0, 1])
    with pytest.raises(NotFittedError, match="fit"):
        m.predict(x)
    bad = x.clone()
    bad[0, 0, 0] = float("nan")
    with pytest.raises(InputError, match="NaN or infinite"):
        m.fit(bad, y)
    with pytest.raises(InputError, match="shape"):
        m.fit(torch.zeros(6, 10, 3), y)
    with pytest.raises(InputError, match="shape"):
        m.fit(x, y[:5])
    with pytest.raises(InputError, match="two classes"):
        m.fit(x, torch.zeros(6, dtype=torch.long))
    with pytest.raises(InputError, match=">= 0"):
        m.fit(-x, y)
    for grid in ((0, 3, 3), (15, 3), (2, -1, 1)):
        with pytest.raises(ConfigError, match="grid"):
            create("lsm", sample_shape=(10, 2), n_classes=2, grid=grid)
    with pytest.raises(ConfigError, match="Dale"):
        create("lsm", sample_shape=(10, 2), n_classes=2, weight_mean=(30, 60, 19, -19))
    with pytest.raises(ConfigError, match="v_reset"):
        create("lsm", sample_shape=(10, 2), n_classes=2, v_reset=16.0)
