"""The importance-weighted bound: a marginal-likelihood estimate for every variational model.

Paper: Y. Burda, R. Grosse, R. Salakhutdinov, "Importance Weighted Autoencoders", ICLR 2016.
https://arxiv.org/abs/1509.00519

With ``k`` codes drawn from the encoder's posterior ``q(z | x)``,

    L_k(x) = E[ log (1/k) sum_j p(x, z_j) / q(z_j | x) ],     z_1..z_k ~ q(z | x),

is a lower bound of ``log p(x)`` that never decreases with ``k`` (in expectation) and tends to
``log p(x)`` as ``k`` grows (Burda et al., Theorem 1); ``L_1`` is the ELBO. The usual test
figure is ``-L_5000`` in nats ("IWAE NLL").

Two practical points: the mean of ``k`` exponentials is taken as ``logsumexp - log k``
(stable for log-weights of any size), and the ``k`` samples are drawn in chunks, each chunk
reduced to its ``logsumexp`` before the next is drawn, so the memory is that of one chunk
whatever ``k`` is (``k = 5000`` on a batch of MNIST images fits in a few hundred MB).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from nnzoo.core.errors import ConfigError

LOG_2PI = math.log(2 * math.pi)


def log_mean_exp(a: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """``log(mean(exp(a)))`` along ``dim`` without overflow: ``logsumexp(a) - log n``."""
    return torch.logsumexp(a, dim) - math.log(a.shape[dim])


def gaussian_log_density(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor
                         ) -> torch.Tensor:
    """``log N(z; mu, diag(exp(logvar)))`` summed over the last dimension."""
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) / logvar.exp()).sum(-1)


def standard_normal_log_density(z: torch.Tensor) -> torch.Tensor:
    """``log N(z; 0, I)`` summed over the last dimension."""
    return -0.5 * (LOG_2PI + z.pow(2)).sum(-1)


def iwae_bound(mu: torch.Tensor, logvar: torch.Tensor,
               log_joint: Callable[[torch.Tensor], torch.Tensor], k: int, *,
               chunk: int | None = None, generator: torch.Generator | None = None,
               eps: torch.Tensor | None = None) -> torch.Tensor:
    """The IWAE bound ``L_k`` of each sample of a batch.

    :param mu: ``(B, D)`` posterior means of ``q(z | x)``.
    :param logvar: ``(B, D)`` posterior log-variances.
    :param log_joint: ``z (c, B, D) -> log p(x, z) (c, B)`` for the batch's images.
    :param k: importance samples per image (>= 1).
    :param chunk: samples drawn at once (default: all ``k`` when ``eps`` is given, else as
        many as keep a chunk's codes under 2**22 numbers).
    :param generator: the source of the draws (torch's global generator when None).
    :param eps: ``(k, B, D)`` standard normal draws to use instead of fresh ones (a test gives
        the ELBO's own sample to check ``L_1`` against it).
    :returns: ``(B,)`` ``L_k`` in nats.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ConfigError(f"the IWAE bound needs k >= 1 samples, got {k!r}")
    b, d = mu.shape
    if chunk is None:
        chunk = k if eps is not None else max(1, min(k, (1 << 22) // max(1, b * d)))
    std = (0.5 * logvar).exp()
    parts = []
    for start in range(0, k, chunk):
        c = min(chunk, k - start)
        e = (eps[start:start + c] if eps is not None
             else torch.randn((c, b, d), generator=generator, device=mu.device, dtype=mu.dtype))
        z = mu + std * e                                                   # (c, B, D)
        log_w = log_joint(z) - gaussian_log_density(z, mu, logvar)         # (c, B)
        parts.append(torch.logsumexp(log_w, 0))                            # (B,)
    return torch.logsumexp(torch.stack(parts), 0) - math.log(k)


__all__ = ["gaussian_log_density", "iwae_bound", "log_mean_exp", "standard_normal_log_density"]
