"""Mu-law companding and 8-bit quantisation of a signal in ``[-1, 1]`` (ITU-T G.711's law,
as WaveNet uses it: van den Oord et al. 2016, section 2.2).

The companding compresses the amplitudes logarithmically, so that quiet samples keep fine
steps and loud ones get coarse steps:

.. math::

    f(x) = \\operatorname{sign}(x) \\frac{\\ln(1 + \\mu |x|)}{\\ln(1 + \\mu)},
    \\qquad f^{-1}(y) = \\operatorname{sign}(y) \\frac{(1 + \\mu)^{|y|} - 1}{\\mu},

with ``mu = 255``. The companded value ``y`` in ``[-1, 1]`` is cut into ``mu + 1 = 256`` bins
of width ``2 / 256``: bin ``q = floor((y + 1) / 2 * 256)`` (``y = 1`` falls in the last), and
a bin decodes to its centre ``y_q = (q + 0.5) * 2 / 256 - 1``. :func:`bin_edges` gives each
bin's edges in the signal's own (linear) units, which a continuous predictive density needs
to give each bin its probability mass.

Used by the generated audio-like signal (:mod:`nnzoo.data.waveforms`) and the WaveNet's
pictures (:mod:`nnzoo.models.autoregressive.wavenet_plots`); both import it from here, the
layer they share.
"""

from __future__ import annotations

import math

import torch

from nnzoo.core.errors import ConfigError

MU = 255


def _mu(mu: int) -> float:
    if isinstance(mu, bool) or not isinstance(mu, int) or mu < 1:
        raise ConfigError(f"mu must be an integer >= 1, got {mu!r}")
    return float(mu)


def compand(x: torch.Tensor, mu: int = MU) -> torch.Tensor:
    """``f(x) = sign(x) ln(1 + mu |x|) / ln(1 + mu)``, elementwise (``x`` in ``[-1, 1]``)."""
    m = _mu(mu)
    return torch.sign(x) * torch.log1p(m * x.abs()) / math.log1p(m)


def expand(y: torch.Tensor, mu: int = MU) -> torch.Tensor:
    """The inverse of :func:`compand`: ``sign(y) ((1 + mu)^|y| - 1) / mu``."""
    m = _mu(mu)
    return torch.sign(y) * torch.expm1(y.abs() * math.log1p(m)) / m


def encode(x: torch.Tensor, mu: int = MU) -> torch.Tensor:
    """Quantised levels ``(int64, 0 .. mu)`` of a signal in ``[-1, 1]`` (values outside are
    clipped to it first)."""
    levels = _mu(mu) + 1
    y = compand(x.clamp(-1.0, 1.0), mu)
    return ((y + 1) / 2 * levels).floor().clamp(0, levels - 1).to(torch.int64)


def decode(q: torch.Tensor, mu: int = MU) -> torch.Tensor:
    """The signal value (float32) at the centre of each level's bin."""
    levels = _mu(mu) + 1
    y = (q.to(torch.float64) + 0.5) * 2 / levels - 1
    return expand(y, mu).to(torch.float32)


def bin_edges(mu: int = MU) -> torch.Tensor:
    """Edges of the ``mu + 1`` bins in signal units, float64 ``(mu + 2,)``, from -1 to 1
    (bin ``q`` is ``[edges[q], edges[q + 1])``)."""
    levels = int(_mu(mu)) + 1
    y = torch.arange(levels + 1, dtype=torch.float64) * 2 / levels - 1
    e = expand(y, mu)
    e[0], e[-1] = -1.0, 1.0                                   # exactly, not by rounding
    return e


__all__ = ["MU", "bin_edges", "compand", "decode", "encode", "expand"]
