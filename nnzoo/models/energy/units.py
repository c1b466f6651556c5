"""Building blocks of the energy-based models (:mod:`~nnzoo.models.energy.rbm`,
:mod:`~nnzoo.models.energy.bm`, :mod:`~nnzoo.models.energy.dbn`): the check of Bernoulli
visible data, sampling binary units, and the enumeration of every binary state that the exact
partition functions sum over.
"""

from __future__ import annotations

import torch

from nnzoo.core.errors import ConfigError, InputError

#: Largest number of units summed over by exact enumeration (2^EXACT_MAX states).
EXACT_MAX = 22


def check_unit_interval(v: torch.Tensor, name: str, *, gaussian_option: bool = False,
                        whom: str | None = None) -> None:
    """Bernoulli visible units take values in [0, 1] (binary, or probabilities as soft data).

    :param v: the data.
    :param name: what the error calls it.
    :param gaussian_option: the model also offers Gaussian visible units (the RBM): the error
        then suggests them.
    :param whom: the scikit-learn estimator the data was passed to: an error for negative
        values then opens with scikit-learn's own words for them, "Negative values in data
        passed to <whom>", which its tools (``check_estimator``) look for.
    :raises InputError: naming the range of the values.
    """
    if v.numel() and (bool((v < 0).any()) or bool((v > 1).any())):
        hint = ", or use visible='gaussian' on standardised data" if gaussian_option else ""
        lo, hi = float(v.min()), float(v.max())
        lead = f"Negative values in data passed to {whom}: " if whom and lo < 0 else ""
        raise InputError(
            f"{lead}{name} must hold values in [0, 1] for Bernoulli visible units, got values "
            f"in [{lo:.4g}, {hi:.4g}] (scale the data to [0, 1]{hint})")


def bernoulli(p: torch.Tensor) -> torch.Tensor:
    """A 0/1 sample of each probability in ``p`` (u < p with u uniform; in place on u, which
    is cheaper than ``torch.bernoulli`` for the small tensors of minibatch updates)."""
    return torch.rand_like(p).lt_(p)


def all_states(n: int, device: torch.device | str = "cpu",
               dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Every binary vector of length ``n``, shape (2^n, n) (bit i of the row index)."""
    if n > EXACT_MAX:
        raise ConfigError(f"exact enumeration needs at most {EXACT_MAX} units, got {n}")
    codes = torch.arange(2**n, device=device)
    return ((codes[:, None] >> torch.arange(n, device=device)) & 1).to(dtype)  # (2^n, n)


__all__ = ["EXACT_MAX", "all_states", "bernoulli", "check_unit_interval"]
