"""Generated spike-train tasks for spiking reservoirs (the liquid state machine).

:func:`spike_templates` is the spike-pattern classification task of W. Maass, T. Natschläger
and H. Markram, "Real-time computing without stable states: a new framework for neural
computation based on perturbations", Neural Computation 14(11), 2002 (their figure 3:
jittered versions of Poisson spike-train templates, classified by a readout of the liquid).
"""

from __future__ import annotations

import torch

from nnzoo.data.base import ArrayDataset, Splits, check_finite
from nnzoo.data.generated import _float, _generator, _int, _sizes
from nnzoo.data.registry import register_dataset


def spike_templates(
    n: int = 1000,
    n_classes: int = 10,
    n_channels: int = 4,
    n_steps: int = 100,
    rate: float = 20.0,
    jitter: float = 6.0,
    p_delete: float = 0.3,
    insert_rate: float = 10.0,
    dt: float = 1.0,
    *,
    n_val: int | None = None,
    n_test: int | None = None,
    seed: int = 0,
) -> Splits:
    """Spike-template classification: which of ``n_classes`` noisy spike patterns is this?

    Each class is a template: ``n_channels`` independent Poisson spike trains of ``rate`` Hz
    over ``n_steps`` bins of ``dt`` ms (at most one spike per bin). A sample is its class's
    template with every spike moved in time by a Gaussian jitter of standard deviation
    ``jitter`` bins (rounded, clipped to the window), deleted with probability ``p_delete``,
    plus Poisson insertions of ``insert_rate`` Hz per channel; spikes that land in the same
    bin of the same channel merge into one.

    ``X`` is float32 ``(N, n_steps, n_channels)`` of 0/1 spikes; ``y`` int64 ``(N,)``.
    The split is fixed by ``seed``: templates and every sample come from one generator; the
    labels of all ``n + n_val + n_test`` samples are balanced (``i mod n_classes``), shuffled,
    and the first ``n`` samples are the training split, the next ``n_val`` the validation
    split, the last ``n_test`` the test split (``n_val`` and ``n_test`` default to ``n // 2``).

    :param n: training samples.
    :param n_classes: number of templates (classes), >= 2.
    :param n_channels: input spike trains per sample D.
    :param n_steps: time bins T.
    :param rate: template firing rate per channel (Hz).
    :param jitter: standard deviation of the time jitter of each spike (bins).
    :param p_delete: probability that a template spike is missing from a sample.
    :param insert_rate: rate of extra random spikes per channel (Hz).
    :param dt: bin width (ms).
    :param n_val: validation samples (default ``n // 2``).
    :param n_test: test samples (default ``n // 2``).
    :param seed: seeds templates, samples and split.
    """
    n_val = max(1, n // 2) if n_val is None else n_val
    n_test = max(1, n // 2) if n_test is None else n_test
    sizes = _sizes(n, n_val, n_test)
    K = _int("n_classes", n_classes, 2)
    D = _int("n_channels", n_channels, 1)
    T = _int("n_steps", n_steps, 1)
    rate = _float("rate", rate, positive=True)
    jitter = _float("jitter", jitter, nonneg=True)
    p_delete = _float("p_delete", p_delete, nonneg=True)
    insert_rate = _float("insert_rate", insert_rate, nonneg=True)
    dt = _float("dt", dt, positive=True)
    if p_delete >= 1:
        from nnzoo.core.errors import ConfigError
        raise ConfigError(f"p_delete must be in [0, 1), got {p_delete}")
    g = _generator(seed)
    total = sum(sizes)
    p_spike = min(1.0, rate * dt / 1000.0)                             # spikes per bin
    templates = torch.rand(K, T, D, generator=g) < p_spike              # (K, T, D)
    counts = templates.flatten(1).sum(1)                                # spikes per template
    M = max(1, int(counts.max()))
    # each template's spikes as (time, channel), padded to M with a validity mask
    t_idx = torch.zeros(K, M, dtype=torch.long)
    d_idx = torch.zeros(K, M, dtype=torch.long)
    valid = torch.arange(M)[None, :] < counts[:, None]                  # (K, M)
    nz = templates.nonzero()                                            # (S, 3) k, t, d
    pos = torch.cat([torch.arange(int(c)) for c in counts])             # rank within template
    t_idx[nz[:, 0], pos], d_idx[nz[:, 0], pos] = nz[:, 1], nz[:, 2]
    y = torch.arange(total) % K
    y = y[torch.randperm(total, generator=g)]                           # balanced, shuffled
    shift = torch.round(torch.randn(total, M, generator=g) * jitter).long()
    t_new = (t_idx[y] + shift).clamp(0, T - 1)                          # jittered times (N, M)
    keep = valid[y] & (torch.rand(total, M, generator=g) >= p_delete)   # deletions
    X = torch.zeros(total, T * D)
    rows = torch.arange(total)[:, None].expand(-1, M)
    X[rows[keep], (t_new * D + d_idx[y])[keep]] = 1.0                    # merged on collision
    X = X.view(total, T, D)
    extra = torch.rand(total, T, D, generator=g) < insert_rate * dt / 1000.0
    X = torch.maximum(X, extra.float())                                 # insertions
    check_finite(X, "spike-templates")
    a, b, _ = sizes
    part = [slice(0, a), slice(a, a + b), slice(a + b, None)]
    ds = [ArrayDataset(X[s].contiguous(), y[s].contiguous()) for s in part]
    return Splits(
        name="spike-templates", train=ds[0], val=ds[1], test=ds[2], task="classification",
        n_classes=K, sample_shape=(T, D), classes=tuple(f"template {k}" for k in range(K)),
        description=(
            f"spike-template classification (Maass et al. 2002): {K} Poisson templates of "
            f"{D} channels x {T} bins of {dt:g} ms at {rate:g} Hz; samples jittered by "
            f"N(0, {jitter:g}^2) bins, spikes deleted with p={p_delete:g}, {insert_rate:g} Hz "
            f"insertions; seed {seed}; fixed split train/val/test = "
            f"{sizes[0]}/{sizes[1]}/{sizes[2]} (balanced labels, shuffled)."),
        meta={"templates": templates.float(), "dt": dt})


register_dataset("spike-templates", spike_templates,
                 description="spike-pattern classification: jittered Poisson templates "
                             "(Maass et al. 2002), X (N, T, D) 0/1 spikes",
                 aliases=("spike-patterns",))
