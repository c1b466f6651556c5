"""Memory addressing of the neural Turing machine (Graves, Wayne & Danihelka 2014, section 3.3)
and the differentiable neural computer (Graves et al. 2016): the steps that turn a head's
parameters into a weighting over the N memory rows, batched over the batch and the heads.

Shapes: memory ``(B, N, W)`` (N rows of width W), one key per head ``(B, H, W)``, scalars per
head ``(B, H)``, weightings ``(B, H, N)`` (each sums to 1 over the N rows).

1. **Content addressing** (NTM eq. 5-6): the cosine similarity of the key k with every row
   M(i), scaled by the key strength beta >= 0, then a softmax over the rows::

       K[u, v] = u . v / (||u|| ||v||)
       w_c(i) = exp(beta K[k, M(i)]) / sum_j exp(beta K[k, M(j)])

   The norms carry a small epsilon: ``||u||_eps = sqrt(u . u + eps)`` (eps = 1e-6 by default).
   It keeps the similarity finite and differentiable where a row or a key is all zeros (the
   memory starts near zero): such a row has similarity 0 with every key. For rows and keys
   of norm >> sqrt(eps) the result is the plain cosine to within ~eps / ||u||^2.

2. **Interpolation** (eq. 7) with the previous step's weighting by the gate g in [0, 1]::

       w_g = g w_c + (1 - g) w_{t-1}

3. **Circular convolution shift** (eq. 8) by a distribution s over the shifts -R..R (the
   NTM uses R = 1: {-1, 0, +1}), indices modulo N so that the shift wraps around::

       w~(i) = sum_j w_g(j) s(i - j)  =  sum_{k=-R..R} s(k) w_g(i - k)

   A shift of +1 moves the focus from row i to row i + 1 (and from row N-1 to row 0).

4. **Sharpening** (eq. 9) by gamma >= 1, against the blur the shift adds::

       w(i) = w~(i)^gamma / sum_j w~(j)^gamma  =  softmax_i(gamma log w~(i))

   computed as the softmax of ``gamma * log(max(w~, tiny))``, which never overflows and
   keeps the gradient finite where a weight underflows to 0; gamma = 1 returns w~ unchanged.

:func:`content_weights` is shared with the DNC (which gives beta by its own oneplus).
"""

from __future__ import annotations

import torch

from nnzoo.core.errors import InputError

#: Default epsilon inside the norms of the cosine similarity (see the module docstring).
COSINE_EPS = 1e-6
#: Smallest weight that sharpening takes the logarithm of (smaller ones are raised to it).
_TINY = 1e-30


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise InputError(message)


def cosine_similarity(memory: torch.Tensor, keys: torch.Tensor,
                      eps: float = COSINE_EPS) -> torch.Tensor:
    """Cosine similarity of every key with every memory row.

    :param memory: ``(B, N, W)`` memory matrix.
    :param keys: ``(B, H, W)`` one key per head.
    :param eps: added to the squared norms: ``||u||_eps = sqrt(u . u + eps)``.
    :return: ``(B, H, N)``: ``K[k_h, M(i)]``.
    """
    _check(memory.dim() == 3 and keys.dim() == 3,
           f"memory must be (B, N, W) and keys (B, H, W), got {tuple(memory.shape)} and "
           f"{tuple(keys.shape)}")
    _check(memory.shape[0] == keys.shape[0] and memory.shape[2] == keys.shape[2],
           f"keys {tuple(keys.shape)} do not fit memory {tuple(memory.shape)}: batch and "
           "width W must match")
    # u . v for every (head, row): (B, H, W) @ (B, W, N) -> (B, H, N)
    dot = torch.bmm(keys, memory.transpose(1, 2))
    # ||k||_eps (B, H, 1) and ||M(i)||_eps (B, 1, N)
    k_norm = (keys.pow(2).sum(-1, keepdim=True) + eps).sqrt()
    m_norm = (memory.pow(2).sum(-1) + eps).sqrt().unsqueeze(1)
    return dot / (k_norm * m_norm)


def content_weights(memory: torch.Tensor, keys: torch.Tensor, beta: torch.Tensor,
                    eps: float = COSINE_EPS) -> torch.Tensor:
    """Content addressing: ``softmax_i(beta K[k, M(i)])`` (NTM eq. 5-6, DNC's ``C(M, k, beta)``).

    :param memory: ``(B, N, W)``.
    :param keys: ``(B, H, W)``.
    :param beta: ``(B, H)`` key strengths, >= 0 (the caller makes them so, e.g. softplus).
    :param eps: see :func:`cosine_similarity`.
    :return: ``(B, H, N)`` weightings, each summing to 1 over the rows.
    """
    _check(beta.shape == keys.shape[:2],
           f"beta must be (B, H) = {tuple(keys.shape[:2])}, got {tuple(beta.shape)}")
    sim = cosine_similarity(memory, keys, eps)
    return torch.softmax(beta.unsqueeze(-1) * sim, dim=-1)


def interpolate(content: torch.Tensor, previous: torch.Tensor, gate: torch.Tensor) -> torch.Tensor:
    """Interpolation gate (NTM eq. 7): ``g w_c + (1 - g) w_{t-1}``.

    :param content: ``(B, H, N)`` content weighting w_c.
    :param previous: ``(B, H, N)`` the head's weighting at the previous step.
    :param gate: ``(B, H)`` g in [0, 1].
    """
    _check(content.shape == previous.shape and gate.shape == content.shape[:2],
           f"interpolate wants w_c and w_prev of one shape (B, H, N) and g (B, H), got "
           f"{tuple(content.shape)}, {tuple(previous.shape)}, {tuple(gate.shape)}")
    g = gate.unsqueeze(-1)
    return g * content + (1 - g) * previous


def circular_shift(weights: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Circular convolution (NTM eq. 8): ``w~(i) = sum_k s(k) w(i - k)``, indices modulo N.

    :param weights: ``(B, H, N)``.
    :param shift: ``(B, H, 2R + 1)`` a distribution over the shifts ``-R, ..., 0, ..., R``
        (in that order); ``2R + 1 <= N``.
    :return: ``(B, H, N)``; a shift of +1 moves weight from row i to row i + 1, N - 1 to 0.
    """
    S = shift.shape[-1]
    _check(shift.dim() == 3 and shift.shape[:2] == weights.shape[:2] and S % 2 == 1,
           f"shift must be (B, H, 2R + 1) with an odd number of shifts, got "
           f"{tuple(shift.shape)} for weights {tuple(weights.shape)}")
    _check(weights.shape[-1] >= S,
           f"{S} shifts do not fit {weights.shape[-1]} memory rows (at most one per row)")
    R = S // 2
    # sum over k of s(k) * roll(w, k): roll(w, k)[i] = w[i - k]; R is 1 for the NTM, so the
    # loop is three element-wise terms, each batched over (B, H)
    out = shift[..., R:R + 1] * weights
    for k in range(1, R + 1):
        out = out + shift[..., R + k:R + k + 1] * torch.roll(weights, k, dims=-1)
        out = out + shift[..., R - k:R - k + 1] * torch.roll(weights, -k, dims=-1)
    return out


def sharpen(weights: torch.Tensor, gamma: torch.Tensor) -> torch.Tensor:
    """Sharpening (NTM eq. 9): ``w^gamma / sum_j w(j)^gamma``, as ``softmax(gamma log w)``.

    :param weights: ``(B, H, N)`` non-negative weights.
    :param gamma: ``(B, H)`` exponents >= 1 (gamma = 1 is the identity on a distribution).
    """
    _check(gamma.shape == weights.shape[:2],
           f"gamma must be (B, H) = {tuple(weights.shape[:2])}, got {tuple(gamma.shape)}")
    return torch.softmax(gamma.unsqueeze(-1) * weights.clamp_min(_TINY).log(), dim=-1)


def address(memory: torch.Tensor, previous: torch.Tensor, keys: torch.Tensor, beta: torch.Tensor,
            gate: torch.Tensor, shift: torch.Tensor, gamma: torch.Tensor,
            eps: float = COSINE_EPS) -> torch.Tensor:
    """The NTM's whole addressing pipeline (Figure 2): content, interpolation, shift, sharpening.

    :return: ``(B, H, N)`` the heads' new weightings.
    """
    w_c = content_weights(memory, keys, beta, eps)
    w_g = interpolate(w_c, previous, gate)
    return sharpen(circular_shift(w_g, shift), gamma)


__all__ = ["COSINE_EPS", "address", "circular_shift", "content_weights", "cosine_similarity",
           "interpolate", "sharpen"]
