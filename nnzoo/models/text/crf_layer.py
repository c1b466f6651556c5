"""The linear-chain CRF layer: log-likelihood by the forward algorithm, decoding by Viterbi,
and the BIO constraints; the output layer of the taggers :class:`~nnzoo.models.text.crf.FeatureCRF`
and :class:`~nnzoo.models.text.bilstm_crf.BiLSTMCRF`.

Paper: J. Lafferty, A. McCallum, F. C. N. Pereira, "Conditional Random Fields: Probabilistic
Models for Segmenting and Labeling Sequence Data", ICML 2001,
https://doi.org/10.5555/645530.655813.

Reference implementation: pytorch-crf (``torchcrf.CRF``), https://github.com/kmkurn/pytorch-crf;
the same parametrisation (start, transition and end scores) so that the two agree number for
number.

The math. Emission scores ``e_t(j)`` (B, T, K) for tag ``j`` at step ``t``; transition scores
``A_ij`` (K, K) from tag ``i`` to tag ``j``; start and end scores ``s_j``, ``f_j`` (K). A tag
sequence ``y`` of length ``L`` scores

    score(y) = s_{y_0} + sum_{t<L} e_t(y_t) + sum_{1<=t<L} A_{y_{t-1} y_t} + f_{y_{L-1}}

and ``p(y | x) = exp(score(y)) / Z``, ``log Z = logsumexp_y score(y)``. The forward algorithm
computes ``log Z`` in ``O(L K^2)``: ``alpha_0 = s + e_0``,
``alpha_t(j) = logsumexp_i(alpha_{t-1}(i) + A_ij) + e_t(j)``,
``log Z = logsumexp(alpha_{L-1} + f)``.
Viterbi is the same recursion with ``max`` for ``logsumexp`` and back-pointers.

Two versions of each algorithm:

- a reference version, one sequence, a loop over time in log space
  (:func:`log_partition_reference`, :func:`viterbi_reference`): short and readable;
- the batched version with padding masks (:func:`log_partition`, :func:`viterbi_decode`).
  ``log Z`` runs the *scaled* forward recursion of Rabiner (1989) in float64: with
  ``E_t = exp(e_t - max e_t)`` and ``G = exp(A - max A)`` each step is one small matrix
  product ``a_t = (a_{t-1} G) * E_t / c_t`` normalised by ``c_t = sum(...)``, and
  ``log Z = sum_t (log c_t + max e_t) + (L - 1) max A + max s + max f``
  ``+ log(a_{L-1} . exp(f - max f))``.
  Its gradient is not back-propagated through the loop: it is computed by the
  forward-backward algorithm, ``d log Z / d e_t(j) = p(y_t = j)`` and
  ``d log Z / d A_ij = sum_t p(y_{t-1} = i, y_t = j)``, from the scaled backward messages
  (a custom :class:`torch.autograd.Function`; ``gradcheck`` in the tests). The per-step range
  of float64 (708 nats) bounds the spread of scores within one step, far beyond what a tagger
  produces.

BIO constraints (optional): ``I-X`` only after ``B-X`` or ``I-X``, never first. A forbidden
transition or start gets the score :data:`FORBIDDEN` (-10,000) added, so its probability is
``exp(-10^4)``: zero in float64, and Viterbi never picks it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from nnzoo.core.errors import ConfigError, InputError
from nnzoo.core.tags import PAD_TAG, check_bio_tags, split_tag

#: Score added to a transition (or start) that the BIO constraints forbid.
FORBIDDEN = -1.0e4


# -- BIO constraints ------------------------------------------------------------------------------

def bio_constraints(tags: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Allowed starts (K,) and transitions (K, K) of BIO tagging: ``I-X`` only after ``B-X``
    or ``I-X`` and never first; everything else allowed."""
    k = len(tags)
    start = torch.ones(k, dtype=torch.bool)
    trans = torch.ones(k, k, dtype=torch.bool)
    for j, t in enumerate(tags):
        prefix, typ = split_tag(t)
        if prefix == "I":
            start[j] = False
            for i, u in enumerate(tags):                     # i -> I-X needs i in {B-X, I-X}
                trans[i, j] = split_tag(u)[1] == typ and u != "O"
    return start, trans


# -- reference versions: one sequence, a loop over time ------------------------------------------

def log_partition_reference(emissions: torch.Tensor, transitions: torch.Tensor,
                            start: torch.Tensor, end: torch.Tensor) -> torch.Tensor:
    """``log Z`` of one sequence by the forward algorithm in log space.

    :param emissions: (L, K) scores; :param transitions: (K, K), ``[i, j]`` = from i to j;
    :param start: (K,); :param end: (K,).
    """
    alpha = start + emissions[0]                                            # (K,)
    for t in range(1, emissions.shape[0]):
        # alpha_t(j) = logsumexp_i(alpha_{t-1}(i) + A_ij) + e_t(j)
        alpha = torch.logsumexp(alpha[:, None] + transitions, 0) + emissions[t]
    return torch.logsumexp(alpha + end, 0)                                  # log Z


def viterbi_reference(emissions: torch.Tensor, transitions: torch.Tensor,
                      start: torch.Tensor, end: torch.Tensor) -> tuple[list[int], float]:
    """The best tag sequence of one sequence (L, K) and its score, by Viterbi."""
    delta = start + emissions[0]                                            # (K,)
    back = []
    for t in range(1, emissions.shape[0]):
        # delta_t(j) = max_i(delta_{t-1}(i) + A_ij) + e_t(j), remembering the argmax i
        best, arg = (delta[:, None] + transitions).max(0)
        back.append(arg)
        delta = best + emissions[t]
    score, last = (delta + end).max(0)
    path = [int(last)]
    for arg in reversed(back):                                              # follow pointers
        path.append(int(arg[path[-1]]))
    return path[::-1], float(score)


def sequence_score_reference(emissions: torch.Tensor, tags: Sequence[int],
                             transitions: torch.Tensor, start: torch.Tensor,
                             end: torch.Tensor) -> torch.Tensor:
    """``score(y)`` of one tag sequence ``tags`` (L,) under emissions (L, K)."""
    s = start[tags[0]] + emissions[0, tags[0]]
    for t in range(1, len(tags)):
        s = s + transitions[tags[t - 1], tags[t]] + emissions[t, tags[t]]
    return s + end[tags[-1]]


# -- batched versions with masks --------------------------------------------------------------

def lengths_from_mask(mask: torch.Tensor) -> torch.Tensor:
    """Sequence lengths (B,) of a (B, T) boolean mask whose ones come first in every row.

    :raises InputError: when a row has no step (length zero) or a gap (a one after a zero).
    """
    if mask.dim() != 2:
        raise InputError(f"mask must have shape (batch, steps), got {tuple(mask.shape)}")
    mask = mask.bool()
    lengths = mask.sum(1)                                                   # (B,)
    if mask.shape[0] and int(lengths.min()) < 1:
        row = int((lengths < 1).nonzero()[0])
        raise InputError(f"sequence {row} of the batch has length zero; every sequence needs "
                         "at least one step")
    steps = torch.arange(mask.shape[1], device=mask.device)
    if not bool((mask == (steps[None] < lengths[:, None])).all()):
        raise InputError("mask must hold each sequence's steps first and padding after them "
                         "(no padded step inside a sequence)")
    return lengths


class _LogPartition(torch.autograd.Function):
    """``log Z`` (B,) by the scaled forward recursion; gradient by forward-backward."""

    @staticmethod
    def forward(ctx: Any, emissions: torch.Tensor, lengths: torch.Tensor,
                transitions: torch.Tensor, start: torch.Tensor, end: torch.Tensor
                ) -> torch.Tensor:
        B, T, K = emissions.shape
        dt = torch.float64
        steps = torch.arange(T, device=emissions.device)
        mask = steps[None] < lengths[:, None]                              # (B, T)
        e = emissions.detach().to(dt).masked_fill(~mask[..., None], 0.0)    # (B, T, K)
        m_e = e.amax(2, keepdim=True)                                       # (B, T, 1)
        E = torch.exp(e - m_e)                                              # exp(e_t - max)
        A = transitions.detach().to(dt)
        m_a = A.max()
        G = torch.exp(A - m_a)                                              # (K, K)
        s, f = start.detach().to(dt), end.detach().to(dt)
        m_s, m_f = s.max(), f.max()
        a = torch.exp(s - m_s) * E[:, 0]                                    # (B, K)
        c = a.sum(1, keepdim=True)
        a = a / c
        alphas, cs = [a], [c]
        for t in range(1, T):
            a = (a @ G) * E[:, t]                                           # (a_{t-1} G) * E_t
            c = a.sum(1, keepdim=True)                                      # c_t
            a = a / c
            alphas.append(a)
            cs.append(c)
        alpha = torch.stack(alphas, 1)                                      # (B, T, K)
        logc = torch.cat(cs, 1).log()                                       # (B, T)
        rows = torch.arange(B, device=emissions.device)
        F_ = torch.exp(f - m_f)                                             # (K,)
        z_end = (alpha[rows, lengths - 1] * F_).sum(1)                      # (B,)
        log_z = (((logc + m_e.squeeze(2)) * mask).sum(1) + (lengths - 1) * m_a
                 + m_s + m_f + z_end.log())
        ctx.save_for_backward(alpha, E, G, F_, lengths, mask)
        ctx.dtypes = (emissions.dtype, transitions.dtype, start.dtype, end.dtype)
        return log_z.to(emissions.dtype)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor
                 ) -> tuple[torch.Tensor | None, ...]:
        alpha, E, G, F_, lengths, mask = ctx.saved_tensors
        B, T, K = alpha.shape
        g = grad.to(alpha.dtype)                                            # (B,)
        steps = torch.arange(T, device=alpha.device)
        is_last = (steps[None] == (lengths - 1)[:, None])[..., None]        # (B, T, 1)
        f_n = (F_ / F_.sum()).expand(B, K)
        b = f_n
        betas = [b]
        for t in range(T - 2, -1, -1):
            nb = (E[:, t + 1] * b) @ G.T                            # b_t = G (E_t+1 b_t+1)
            nb = nb / nb.sum(1, keepdim=True)
            b = torch.where(is_last[:, t], f_n, nb)                         # restart at L - 1
            betas.append(b)
        beta = torch.stack(betas[::-1], 1)                                  # (B, T, K)
        p = alpha * beta
        p = p / p.sum(2, keepdim=True)                                      # p(y_t = j)
        p = torch.where(mask[..., None], p, 0.0)
        ge = p * g[:, None, None]                                           # d/d e_t(j)
        rows = torch.arange(B, device=alpha.device)
        g_start = ge[:, 0].sum(0)                                           # p(y_0 = j)
        g_end = ge[rows, lengths - 1].sum(0)                                # p(y_{L-1} = j)
        g_trans = None
        if T > 1:
            # xi_t(i, j) = a_{t-1}(i) G_ij E_t(j) b_t(j) / Z_t, Z_t = (a_{t-1} G) . (E_t b_t)
            Gb = E[:, 1:] * beta[:, 1:]                                     # (B, T-1, K)
            z = ((alpha[:, :-1] @ G) * Gb).sum(2)                           # (B, T-1)
            w = torch.where(mask[:, 1:], g[:, None] / z, 0.0)               # (B, T-1)
            P = (alpha[:, :-1] * w[..., None]).reshape(-1, K)
            g_trans = G * (P.T @ Gb.reshape(-1, K))                         # sum_t xi_t
        else:
            g_trans = torch.zeros_like(G)
        de, dtr, ds, df = ctx.dtypes
        return ge.to(de), None, g_trans.to(dtr), g_start.to(ds), g_end.to(df)


def log_partition(emissions: torch.Tensor, lengths: torch.Tensor, transitions: torch.Tensor,
                  start: torch.Tensor, end: torch.Tensor) -> torch.Tensor:
    """``log Z`` (B,) of a padded batch of emissions (B, T, K) with ``lengths`` (B,) >= 1."""
    return _LogPartition.apply(emissions, lengths, transitions, start, end)


def sequence_score(emissions: torch.Tensor, tags: torch.Tensor, lengths: torch.Tensor,
                   transitions: torch.Tensor, start: torch.Tensor, end: torch.Tensor
                   ) -> torch.Tensor:
    """``score(y)`` (B,) of tag sequences ``tags`` (B, T) (any value at padded steps)."""
    B, T, _ = emissions.shape
    steps = torch.arange(T, device=emissions.device)
    mask = steps[None] < lengths[:, None]                                   # (B, T)
    y = torch.where(mask, tags, 0)                                          # (B, T)
    emit = (emissions.gather(2, y[..., None]).squeeze(2) * mask).sum(1)     # sum_t e_t(y_t)
    trans = (transitions[y[:, :-1], y[:, 1:]] * mask[:, 1:]).sum(1)         # sum_t A_{y_t-1 y_t}
    rows = torch.arange(B, device=emissions.device)
    return start[y[:, 0]] + emit + trans + end[y[rows, lengths - 1]]


@torch.no_grad()
def viterbi_decode(emissions: torch.Tensor, lengths: torch.Tensor, transitions: torch.Tensor,
                   start: torch.Tensor, end: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Best tag sequences (B, T) (:data:`PAD_TAG` at padded steps) and their scores (B,)."""
    B, T, K = emissions.shape
    steps = torch.arange(T, device=emissions.device)
    mask = steps[None] < lengths[:, None]                                   # (B, T)
    delta = start + emissions[:, 0]                                         # (B, K)
    back = []
    for t in range(1, T):
        # delta_t(j) = max_i(delta_{t-1}(i) + A_ij) + e_t(j); kept as is past the end
        best, arg = (delta[:, :, None] + transitions).max(1)                # (B, K)
        delta = torch.where(mask[:, t, None], best + emissions[:, t], delta)
        back.append(arg)
    score, cur = (delta + end).max(1)                                       # (B,)
    out = torch.full((B, T), PAD_TAG, dtype=torch.long, device=emissions.device)
    out[:, T - 1] = torch.where(mask[:, T - 1], cur, PAD_TAG)
    for t in range(T - 2, -1, -1):
        prev = back[t].gather(1, cur[:, None]).squeeze(1)           # y_t = ptr_t+1(y_t+1)
        cur = torch.where(t < lengths - 1, prev, cur)               # y_L-1 = argmax at L-1
        out[:, t] = torch.where(mask[:, t], cur, PAD_TAG)
    return out, score


class CRF(nn.Module):
    """A linear-chain CRF layer: log-likelihood, log-partition and Viterbi decoding.

    Lafferty, McCallum & Pereira (2001). Parameters as in pytorch-crf: ``transitions`` (K, K)
    (``[i, j]`` = from tag i to tag j), ``start_transitions`` and ``end_transitions`` (K),
    initialised uniformly in [-0.1, 0.1].

    :param n_tags: number of tags K.
    :param tags: tag names; with ``constraints`` they must be BIO tags.
    :param constraints: forbid ``I-X`` after anything but ``B-X``/``I-X`` and at the start.
    """

    start_penalty: torch.Tensor                  # buffers: FORBIDDEN where the constraints
    transition_penalty: torch.Tensor             # forbid a start or a transition, else 0

    def __init__(self, n_tags: int, tags: Sequence[str] | None = None,
                 constraints: bool = False) -> None:
        super().__init__()
        if n_tags < 1:
            raise ConfigError(f"n_tags must be >= 1, got {n_tags}")
        self.n_tags = n_tags
        self.transitions = nn.Parameter(torch.empty(n_tags, n_tags))
        self.start_transitions = nn.Parameter(torch.empty(n_tags))
        self.end_transitions = nn.Parameter(torch.empty(n_tags))
        pen_s, pen_t = torch.zeros(n_tags), torch.zeros(n_tags, n_tags)
        if constraints:
            if tags is None or len(tags) != n_tags:
                raise ConfigError("BIO constraints need the names of all n_tags tags")
            check_bio_tags(tags)
            ok_s, ok_t = bio_constraints(tags)
            pen_s, pen_t = (~ok_s).float() * FORBIDDEN, (~ok_t).float() * FORBIDDEN
        self.register_buffer("start_penalty", pen_s)                        # (K,)
        self.register_buffer("transition_penalty", pen_t)                   # (K, K)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Uniform in [-0.1, 0.1], as pytorch-crf."""
        for p in (self.transitions, self.start_transitions, self.end_transitions):
            nn.init.uniform_(p, -0.1, 0.1)

    def scores(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Effective (transitions, start, end) with the constraint penalties added."""
        return (self.transitions + self.transition_penalty,
                self.start_transitions + self.start_penalty, self.end_transitions)

    def _lengths(self, emissions: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        if emissions.dim() != 3 or emissions.shape[2] != self.n_tags:
            raise InputError(f"emissions must have shape (batch, steps, {self.n_tags}), got "
                             f"{tuple(emissions.shape)}")
        if emissions.shape[1] == 0:
            raise InputError("emissions have zero steps; every sequence needs at least one")
        if mask is None:
            B, T = emissions.shape[:2]
            return torch.full((B,), T, dtype=torch.long, device=emissions.device)
        if tuple(mask.shape) != tuple(emissions.shape[:2]):
            raise InputError(f"mask must have shape {tuple(emissions.shape[:2])}, got "
                             f"{tuple(mask.shape)}")
        return lengths_from_mask(mask)

    def log_partition(self, emissions: torch.Tensor, mask: torch.Tensor | None = None
                      ) -> torch.Tensor:
        """``log Z`` (B,) of emissions (B, T, K) (batch first) under the mask (B, T)."""
        lengths = self._lengths(emissions, mask)
        return log_partition(emissions, lengths, *self.scores())

    def forward(self, emissions: torch.Tensor, tags: torch.Tensor,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        """Log-likelihood ``log p(tags | emissions)`` (B,) (pytorch-crf's with
        ``reduction='none'``); ``tags`` (B, T), any value at padded steps."""
        lengths = self._lengths(emissions, mask)
        if tuple(tags.shape) != tuple(emissions.shape[:2]):
            raise InputError(f"tags must have shape {tuple(emissions.shape[:2])}, got "
                             f"{tuple(tags.shape)}")
        trans, start, end = self.scores()
        gold = sequence_score(emissions, tags.long(), lengths, trans, start, end)
        return gold - log_partition(emissions, lengths, trans, start, end)

    def decode(self, emissions: torch.Tensor, mask: torch.Tensor | None = None
               ) -> torch.Tensor:
        """Viterbi: the best tags (B, T), :data:`PAD_TAG` at padded steps."""
        lengths = self._lengths(emissions, mask)
        return viterbi_decode(emissions.detach(), lengths, *[s.detach() for s in self.scores()])[0]


__all__ = ["CRF", "FORBIDDEN", "bio_constraints", "lengths_from_mask", "log_partition",
           "log_partition_reference", "sequence_score", "sequence_score_reference",
           "viterbi_decode", "viterbi_reference"]
