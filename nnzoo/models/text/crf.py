"""Linear-chain conditional random field: the CRF layer, and a feature-based CRF tagger.

Paper: J. Lafferty, A. McCallum, F. C. N. Pereira, "Conditional Random Fields: Probabilistic
Models for Segmenting and Labeling Sequence Data", ICML 2001,
https://doi.org/10.5555/645530.655813. The CRF as the output layer of a neural tagger:
R. Collobert et al., "Natural Language Processing (Almost) from Scratch", JMLR 12, 2011;
Z. Huang, W. Xu, K. Yu, "Bidirectional LSTM-CRF Models for Sequence Tagging", 2015.

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

Data layout of the taggers (:class:`SequenceTagger`): ``x`` (B, T, 1 + C) int64, ``x[..., 0]``
the word id (0 = padding, 1 = unknown) and ``x[..., 1:]`` the character ids of that word
(0 = padding, 1 = unknown, at most C characters, longer words truncated); tokens fill the first
``L`` steps of each row (``L >= 1``), padding the rest. Targets ``y`` (B, T) int64 hold tag ids,
:data:`PAD_TAG` (-100) at padded steps. Predictions use the same layout as ``y``.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core.config import require
from nnzoo.core.errors import ConfigError, InputError
from nnzoo.models.base import Batch, ZooModule
from nnzoo.models.registry import register

#: Tag id at padded steps of targets and predictions (the cross-entropy ignore index).
PAD_TAG = -100
#: Score added to a transition (or start) that the BIO constraints forbid.
FORBIDDEN = -1.0e4
#: The default character alphabet: printable ASCII without whitespace; char id = 2 + index.
ALPHABET = string.ascii_letters + string.digits + string.punctuation
#: Tags of the toy NER task (the default of the configs).
TOY_TAGS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG")


# -- tags ---------------------------------------------------------------------------------------

def split_tag(tag: str) -> tuple[str, str]:
    """``"B-creative-work"`` -> ``("B", "creative-work")``; ``"O"`` -> ``("O", "")``."""
    prefix, _, typ = tag.partition("-")
    return prefix, typ


def check_bio_tags(tags: Sequence[str], what: str = "tags") -> list[str]:
    """Check a BIO tag set: ``O`` and ``B-X`` / ``I-X`` pairs, no duplicates; return the entity
    types in order of first appearance.

    :raises ConfigError: naming the offending tag.
    """
    tags = list(tags)
    if len(set(tags)) != len(tags):
        raise ConfigError(f"{what} must be distinct, got {tags}")
    if "O" not in tags:
        raise ConfigError(f"{what} must contain the outside tag 'O', got {tags}")
    types: list[str] = []
    for t in tags:
        if t == "O":
            continue
        prefix, typ = split_tag(t)
        if prefix not in ("B", "I") or not typ:
            raise ConfigError(f"{what} must be BIO tags ('O', 'B-X', 'I-X'), got {t!r}")
        if typ not in types:
            types.append(typ)
    for typ in types:
        if f"B-{typ}" not in tags or f"I-{typ}" not in tags:
            raise ConfigError(f"{what} must hold both B-{typ} and I-{typ}, got {tags}")
    return types


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
    def forward(ctx: Any, emissions: torch.Tensor, lengths: torch.Tensor,  # type: ignore[override]
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
    def backward(ctx: Any, grad: torch.Tensor  # type: ignore[override]
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


# -- entity-level scores on tensors -------------------------------------------------------------

def chunk_tables(tags: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """For BIO ``tags``: the entity type id of each tag (-1 for ``O``), whether it is a ``B-``
    tag, and the entity types (sorted, as conlleval lists them)."""
    check_bio_tags(tags)
    types = sorted({split_tag(t)[1] for t in tags if t != "O"})
    typ = torch.tensor([types.index(split_tag(t)[1]) if t != "O" else -1 for t in tags])
    is_b = torch.tensor([split_tag(t)[0] == "B" for t in tags])
    return typ, is_b, types


def chunk_counts(gold: torch.Tensor, pred: torch.Tensor, type_of: torch.Tensor,
                 is_b: torch.Tensor, n_types: int) -> dict[str, torch.Tensor]:
    """Entity counts of conlleval, vectorised, for BIO tag ids (B, T) (:data:`PAD_TAG` at
    padded steps; each row is a sentence, and a sentence boundary ends every chunk).

    conlleval's rules restricted to BIO: a chunk starts at a non-``O`` tag that is ``B-``, or
    follows ``O``, or whose type differs from the previous tag's (so ``I-X`` after ``O`` starts a
    chunk); it ends before ``O``, ``B-`` or a type change. A guessed chunk is correct when a
    gold chunk has the same first token, last token and type.

    :returns: ``tokens``, ``correct_tags`` (scalars), and per type (n_types,): ``correct``,
        ``found_guessed``, ``found_gold``.
    """
    valid = gold != PAD_TAG                                                # (B, T)
    T = gold.shape[1]
    steps = torch.arange(T, device=gold.device)

    def chunks(seq: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        ids = torch.where(valid, seq, 0).clamp(0, len(type_of) - 1)
        typ = torch.where(valid, type_of[ids], -1)                          # (B, T), -1 = O
        b = is_b[ids] & valid
        inside = typ >= 0
        none = torch.full_like(typ[:, :1], -1)
        prev = torch.cat([none, typ[:, :-1]], 1)
        nxt = torch.cat([typ[:, 1:], none], 1)
        nxt_b = torch.cat([b[:, 1:], torch.zeros_like(b[:, :1])], 1)
        start = inside & (b | (prev != typ))                                # startOfChunk
        end = inside & (nxt_b | (nxt != typ))                               # endOfChunk at t+1
        # the step where the chunk containing t ends: the first end at or after t
        at = torch.where(end, steps, T)
        last = torch.flip(torch.cummin(torch.flip(at, [1]), 1).values, [1])
        return start, typ, last

    sg, tg, lg = chunks(gold.to(type_of.device))
    sp, tp, lp = chunks(pred.to(type_of.device))
    ok = sg & sp & (tg == tp) & (lg == lp)
    count = lambda sel, typ: torch.bincount(typ[sel], minlength=n_types)  # noqa: E731
    return {"tokens": valid.sum(), "correct_tags": ((gold == pred) & valid).sum(),
            "correct": count(ok, tg), "found_guessed": count(sp, tp),
            "found_gold": count(sg, tg)}


def prf(correct: float, guessed: float, gold: float) -> tuple[float, float, float]:
    """Precision, recall and F1 (fractions), 0 where undefined, as conlleval."""
    p = correct / guessed if guessed else 0.0
    r = correct / gold if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


# -- the taggers --------------------------------------------------------------------------------

def check_tagger_config(cfg: Any) -> None:
    """Checks shared by the tagger configs (sample shape, tags, vocabularies)."""
    shape = cfg.sample_shape
    require(isinstance(shape, tuple) and len(shape) == 2
            and all(isinstance(s, int) and not isinstance(s, bool) for s in shape)
            and shape[0] >= 1 and shape[1] >= 1,
            f"sample_shape must be (T, 1 + C): T >= 1 steps, 1 word id + C >= 0 character "
            f"ids per step, got {shape!r}")
    require(cfg.n_classes == len(cfg.tags),
            f"n_classes ({cfg.n_classes}) must equal the number of tags ({len(cfg.tags)})")
    check_bio_tags(cfg.tags)
    require(cfg.vocab_size >= 2, f"vocab_size must be >= 2 (padding and unknown), got "
            f"{cfg.vocab_size}")
    require(cfg.n_chars >= 2, f"n_chars must be >= 2 (padding and unknown), got {cfg.n_chars}")
    require(0 <= cfg.unk_dropout < 1, f"unk_dropout must be in [0, 1), got {cfg.unk_dropout}")


class SequenceTagger(ZooModule):
    """What the CRF taggers share: input checks, the CRF (or softmax) output layer, training
    by negative log-likelihood, Viterbi prediction and entity-level evaluation.

    A subclass defines :meth:`emissions`. ``forward(x)`` returns the emission scores
    (B, T, K) (zeros at padded steps); ``predict(x)`` the Viterbi tags (B, T).
    ``evaluation_step`` reports the mean loss, token accuracy, and conlleval's entity
    precision, recall and F1 (overall and ``f1_<type>``) of that batch; run the evaluation in
    one batch (the recipes' ``eval_batch_size``) for exact corpus figures. The counts of every
    evaluation batch since the model last entered eval mode are kept in :attr:`eval_counts`
    (so after ``nnzoo train``, those of the test split), and :meth:`visualize` draws them.

    :param config: the tagger's config dataclass (fields ``sample_shape``, ``n_classes``,
        ``vocab_size``, ``n_chars``, ``tags``, ``constraints``, ``unk_dropout``).
    """

    integer_input = True

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        k = config.n_classes
        self.use_crf = getattr(config, "decoder", "crf") == "crf"
        self.crf = CRF(k, config.tags, config.constraints)
        if not self.use_crf:
            self.crf.requires_grad_(False)
        typ, is_b, types = chunk_tables(config.tags)
        self.types = types
        self.register_buffer("tag_type", typ, persistent=False)
        self.register_buffer("tag_is_b", is_b, persistent=False)
        self.eval_counts: dict[str, torch.Tensor] = {}

    # -- inputs ------------------------------------------------------------------------------

    def _split(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Checked ``x`` -> words (B, L), chars (B, L, C), lengths (B,), trimmed to the
        longest sequence of the batch."""
        self.check(x)
        cfg = self.config
        words, chars = x[..., 0], x[..., 1:]
        for name, ids, n in (("word ids", words, cfg.vocab_size), ("character ids", chars,
                                                                    cfg.n_chars)):
            if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= n):
                raise InputError(f"{self.model_id} input: {name} must lie in [0, {n}), got "
                                 f"[{int(ids.min())}, {int(ids.max())}]")
        lengths = lengths_from_mask(words != 0)
        L = int(lengths.max()) if len(lengths) else 1
        return words[:, :L], chars[:, :L], lengths

    def _targets(self, y: torch.Tensor | None, words: torch.Tensor, T: int) -> torch.Tensor:
        if y is None:
            raise InputError(f"{self.model_id} needs tags y (batch, steps) to train or evaluate")
        if not isinstance(y, torch.Tensor) or tuple(y.shape) != (words.shape[0], T):
            got = tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
            raise InputError(f"tags y must have shape ({words.shape[0]}, {T}) like the words, "
                             f"got {got}")
        if y.is_floating_point() or y.dtype == torch.bool:
            raise InputError(f"tags y must be integer tag ids, got dtype {y.dtype}")
        y = y[:, :words.shape[1]]
        tok = words != 0
        k = self.config.n_classes
        if bool(((y == PAD_TAG) != ~tok).any()) or (y.numel() and bool(
                ((y < 0) | (y >= k))[tok].any())):
            raise InputError(f"tags y must hold a tag id in [0, {k}) at every token and "
                             f"{PAD_TAG} exactly at the padded steps (token and tag sequences "
                             "of different lengths?)")
        return y

    # -- scores --------------------------------------------------------------------------------

    def emissions(self, words: torch.Tensor, chars: torch.Tensor, lengths: torch.Tensor
                  ) -> torch.Tensor:
        """Emission scores (B, L, K) of checked, trimmed inputs."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        words, chars, lengths = self._split(x)
        e = self.emissions(words, chars, lengths)                           # (B, L, K)
        return F.pad(e, (0, 0, 0, x.shape[1] - e.shape[1]))                 # (B, T, K)

    def _loss(self, e: torch.Tensor, y: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if self.use_crf:
            trans, start, end = self.crf.scores()
            nll = log_partition(e, lengths, trans, start, end) - sequence_score(
                e, y, lengths, trans, start, end)                          # -log p(y | x)
            return nll.mean()
        return F.cross_entropy(e.transpose(1, 2), y, ignore_index=PAD_TAG,  # per token
                               reduction="sum") / len(y)

    def _decode(self, e: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if self.use_crf:
            return viterbi_decode(e, lengths, *[s.detach() for s in self.crf.scores()])[0]
        steps = torch.arange(e.shape[1], device=e.device)
        return torch.where(steps[None] < lengths[:, None], e.argmax(2), PAD_TAG)

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        words, chars, lengths = self._split(x)
        y = self._targets(y, words, x.shape[1])
        p = self.config.unk_dropout
        if p > 0:                                   # a word becomes "unknown" with prob. p
            drop = (torch.rand(words.shape, device=words.device) < p) & (words != 0)
            words = torch.where(drop, 1, words)
        return {"loss": self._loss(self.emissions(words, chars, lengths), y, lengths)}

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        words, chars, lengths = self._split(x)
        y = self._targets(y, words, x.shape[1])
        e = self.emissions(words, chars, lengths)
        pred = self._decode(e, lengths)
        c = chunk_counts(y, pred, self.tag_type, self.tag_is_b, len(self.types))
        for key, v in c.items():
            self.eval_counts[key] = self.eval_counts.get(key, 0) + v.cpu()
        p, r, f1 = prf(*(float(c[k].sum()) for k in ("correct", "found_guessed", "found_gold")))
        out = {"loss": self._loss(e.float(), y, lengths),
               "accuracy": c["correct_tags"].float() / c["tokens"].clamp_min(1),
               "precision": torch.tensor(p), "recall": torch.tensor(r), "f1": torch.tensor(f1)}
        for i, typ in enumerate(self.types):
            out[f"f1_{typ}"] = torch.tensor(prf(float(c["correct"][i]),
                                                float(c["found_guessed"][i]),
                                                float(c["found_gold"][i]))[2])
        return out

    def train(self, mode: bool = True) -> SequenceTagger:
        if not mode:
            self.eval_counts = {}                   # a new evaluation begins
        return super().train(mode)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Viterbi tags (B, T) (argmax per step for the softmax decoder), :data:`PAD_TAG` at
        padded steps."""
        words, chars, lengths = self._split(x)
        pred = self._decode(self.emissions(words, chars, lengths), lengths)
        return F.pad(pred, (0, x.shape[1] - pred.shape[1]), value=PAD_TAG)

    def per_type_scores(self) -> dict[str, tuple[float, float, float, int]]:
        """``{type: (precision, recall, f1, gold chunks)}`` of :attr:`eval_counts`."""
        c = self.eval_counts
        if not c:
            return {}
        return {t: (*prf(float(c["correct"][i]), float(c["found_guessed"][i]),
                         float(c["found_gold"][i])), int(c["found_gold"][i]))
                for i, t in enumerate(self.types)}

    def visualize(self, out_dir: Path) -> list[Path]:
        """The learnt transition scores (CRF), and per-type precision / recall / F1 bars of
        the last evaluation (the test split after ``nnzoo train``)."""
        from nnzoo.core import plots

        out_dir = Path(out_dir)
        paths = []
        tags = list(self.config.tags)
        if self.use_crf:
            fig, ax = plots.subplots(figsize=(0.45 * len(tags) + 2.5,
                                                  0.45 * len(tags) + 2))
            w = self.crf.transitions.detach().float().cpu().numpy()
            m = float(abs(w).max()) or 1.0
            im = ax.imshow(w, cmap="RdBu_r", vmin=-m, vmax=m)
            ax.set_xticks(range(len(tags)), tags, rotation=60, ha="right", fontsize=7)
            ax.set_yticks(range(len(tags)), tags, fontsize=7)
            ax.set_xlabel("to tag")
            ax.set_ylabel("from tag")
            fig.colorbar(im, ax=ax, fraction=0.046)
            ax.set_title(f"{self.model_id}: transition scores A_ij", fontsize=9)
            paths.append(plots._save(fig, out_dir / "transitions.png"))
        scores = self.per_type_scores()
        if scores:
            import numpy as np

            names = list(scores)
            vals = np.array([scores[n][:3] for n in names]) * 100          # (n_types, 3)
            c = self.eval_counts
            p, r, f1 = prf(*(float(c[k].sum()) for k in ("correct", "found_guessed",
                                                          "found_gold")))
            fig, ax = plots.subplots(figsize=(1.1 * len(names) + 2.5, 3.6))
            xs = np.arange(len(names))
            for i, (lab, col) in enumerate(zip(("precision", "recall", "F1"),
                                               ("tab:blue", "tab:orange", "tab:green"))):
                ax.bar(xs + (i - 1) * 0.27, vals[:, i], 0.27, label=lab, color=col)
            ax.set_xticks(xs, [f"{n}\n({scores[n][3]})" for n in names], fontsize=8)
            ax.set_ylabel("%")
            ax.set_ylim(0, 100)
            ax.legend(fontsize=8)
            ax.grid(axis="y", alpha=0.3)
            ax.set_title(f"{self.model_id}: entity scores by type (gold chunks in brackets); "
                         f"overall P {100 * p:.1f} R {100 * r:.1f} F1 {100 * f1:.1f}", fontsize=9)
            paths.append(plots._save(fig, out_dir / "entity_f1_by_type.png"))
        return paths


# -- the feature CRF tagger --------------------------------------------------------------------

@dataclass
class CRFConfig:
    """Hyperparameters of :class:`FeatureCRF`.

    :param sample_shape: ``(T, 1 + C)``: steps, then the word id and C character ids.
    :param n_classes: number of tags K (set from the dataset).
    :param vocab_size: number of word ids (set from the dataset; 0 pad, 1 unknown).
    :param tags: the tag names, BIO (``O``, ``B-X``, ``I-X``).
    :param n_chars: number of character ids: 2 + ``len(alphabet)``.
    :param alphabet: the characters of ids 2, 3, ... (case and affix features read it).
    :param window: word and shape features of the ``window`` words on each side too.
    :param affix_len: prefixes and suffixes of 1..``affix_len`` characters are features.
    :param n_hash: buckets of the hashed affix features.
    :param constraints: BIO transition constraints in the CRF.
    :param unk_dropout: probability that a training word is replaced by the unknown word.
    """

    sample_shape: tuple[int, ...] = (24, 17)
    n_classes: int = len(TOY_TAGS)
    vocab_size: int = 200
    tags: tuple[str, ...] = TOY_TAGS
    n_chars: int = 2 + len(ALPHABET)
    alphabet: str = ALPHABET
    window: int = 1
    affix_len: int = 3
    n_hash: int = 1 << 15
    constraints: bool = True
    unk_dropout: float = 0.0

    def __post_init__(self) -> None:
        check_tagger_config(self)
        require(self.n_chars == 2 + len(self.alphabet),
                f"n_chars ({self.n_chars}) must be 2 + len(alphabet) ({2 + len(self.alphabet)})")
        require(self.window >= 0, f"window must be >= 0, got {self.window}")
        require(0 <= self.affix_len <= 6, f"affix_len must be in [0, 6], got {self.affix_len}")
        require(self.n_hash >= 1, f"n_hash must be >= 1, got {self.n_hash}")


#: Word shape features of :class:`FeatureCRF`, in order.
SHAPE_FEATURES = ("init-cap", "all-caps", "all-lower", "mixed-case", "has-digit", "all-digits",
                  "has-punct", "all-punct", "starts-@", "starts-#", "has-unknown-char",
                  "len-1", "len-2-3", "len-4-6", "len-7+", "first-token", "last-token")


@register("crf", config=CRFConfig, rule="gradient of the negative log-likelihood "
          "(forward-backward marginals)", peer="pytorch-crf",
          reference="https://github.com/kmkurn/pytorch-crf")
class FeatureCRF(SequenceTagger):
    """A classic feature-based linear-chain CRF tagger (Lafferty et al. 2001).

    The emission score of tag ``j`` at step ``t`` is a linear function of sparse features
    ``phi(x, t)``: ``e_t(j) = sum_f w_{f j} phi_f(x, t) + b_j``. The features: the identity of
    the word at each offset ``-window..window`` (one weight table per offset), hashed
    lowercase prefixes and suffixes of 1..``affix_len`` characters of the word, and
    :data:`SHAPE_FEATURES` of the word and its neighbours. A one-hot feature times a weight
    matrix is an embedding lookup, so each table is an ``nn.Embedding`` of K columns. Trained
    by gradient on the negative log-likelihood (the engine's optimizer; L2 through
    ``weight_decay``).

    :param config: a :class:`CRFConfig`.
    """

    def __init__(self, config: CRFConfig) -> None:
        super().__init__(config)
        k, w = config.n_classes, config.window
        self.word = nn.ModuleList(nn.Embedding(config.vocab_size, k, padding_idx=0)
                                  for _ in range(2 * w + 1))
        self.affix = nn.Embedding(config.n_hash, k)
        self.shape = nn.Linear(len(SHAPE_FEATURES) * (2 * w + 1), k)
        for emb in (*self.word, self.affix):
            nn.init.zeros_(emb.weight)
        # character classes of each char id: 0 pad, 1 unknown, 2 upper, 3 lower, 4 digit, 5 other
        cls = [0, 1] + [2 if c.isupper() else 3 if c.islower() else 4 if c.isdigit() else 5
                        for c in config.alphabet]
        low = [0, 1] + [2 + config.alphabet.index(c.lower()) if c.lower() in config.alphabet
                        else 2 + i for i, c in enumerate(config.alphabet)]
        self.register_buffer("char_class", torch.tensor(cls), persistent=False)   # (n_chars,)
        self.register_buffer("char_lower", torch.tensor(low), persistent=False)   # (n_chars,)

    def shape_features(self, chars: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """:data:`SHAPE_FEATURES` of every word, (B, L, S) float."""
        cls = self.char_class[chars]                                        # (B, L, C)
        real = cls > 0
        n = real.sum(2)                                                     # word length
        any_, all_ = (lambda m: m.any(2)), (lambda m: (m | ~real).all(2) & (n > 0))
        up, lo, dg, pu = cls == 2, cls == 3, cls == 4, cls == 5
        first = chars[..., 0] if chars.shape[2] else torch.zeros_like(n)
        at, hash_ = self._char_id("@"), self._char_id("#")
        steps = torch.arange(chars.shape[1], device=chars.device)
        f = [up[..., 0] if chars.shape[2] else n < 0, all_(up), all_(lo),
             any_(up) & any_(lo), any_(dg), all_(dg), any_(pu), all_(pu),
             first == at, first == hash_, any_(cls == 1),
             n == 1, (n >= 2) & (n <= 3), (n >= 4) & (n <= 6), n >= 7,
             (steps == 0)[None].expand_as(n), steps[None] == (lengths - 1)[:, None]]
        return torch.stack(f, 2).float()                                    # (B, L, S)

    def _char_id(self, c: str) -> int:
        return 2 + self.config.alphabet.index(c) if c in self.config.alphabet else -1

    def affix_ids(self, chars: torch.Tensor) -> torch.Tensor:
        """Hashed lowercase prefix and suffix ids of 1..affix_len characters, (B, L, 2A)."""
        a = self.config.affix_len
        if a == 0 or chars.shape[2] == 0:
            return chars.new_zeros((*chars.shape[:2], 0))
        low = self.char_lower[chars]                                        # (B, L, C)
        n = (chars > 0).sum(2, keepdim=True)                                # (B, L, 1)
        k = torch.arange(a, device=chars.device)                            # (A,)
        C = chars.shape[2]
        pre = low[..., :a]                                                  # first chars
        pre = F.pad(pre, (0, a - pre.shape[2]))                             # (B, L, A)
        idx = (n - 1 - k).clamp(0, C - 1)                                   # last chars
        suf = low.gather(2, idx) * (k < n)                                  # (B, L, A)
        # h_k = (salt_k + sum_{i<=k} c_i N^i) mod n_hash: an exact code of the affix, hashed
        pw = self.config.n_chars ** k                                       # (A,) N^i
        hp = torch.cumsum(pre * pw, 2)                                      # (B, L, A)
        hs = torch.cumsum(suf * pw, 2)
        salt = torch.arange(2 * a, device=chars.device) * 7919
        h = torch.cat([hp, hs], 2) + salt
        keep = torch.cat([k < n, k < n], 2)                                 # no affix past the word
        return torch.where(keep, h % self.config.n_hash, -1)

    def emissions(self, words: torch.Tensor, chars: torch.Tensor, lengths: torch.Tensor
                  ) -> torch.Tensor:
        w = self.config.window
        B, L = words.shape
        pw = F.pad(words, (w, w))                                           # (B, L + 2w)
        shp = F.pad(self.shape_features(chars, lengths), (0, 0, w, w))      # (B, L + 2w, S)
        e = sum(self.word[o](pw[:, o:o + L]) for o in range(2 * w + 1))     # sum_o W_o[word_t+o]
        feats = torch.cat([shp[:, o:o + L] for o in range(2 * w + 1)], 2)   # (B, L, S(2w+1))
        e = e + self.shape(feats)                                           # + W_s phi_shape
        aff = self.affix_ids(chars)                                         # (B, L, 2A)
        if aff.shape[2]:
            ok = aff >= 0
            e = e + (self.affix(aff.clamp_min(0)) * ok[..., None]).sum(2)   # + sum W_a[affix]
        return e                                                            # (B, L, K)


__all__ = ["ALPHABET", "CRF", "CRFConfig", "FORBIDDEN", "FeatureCRF", "PAD_TAG",
           "SHAPE_FEATURES", "SequenceTagger", "TOY_TAGS", "bio_constraints", "check_bio_tags",
           "check_tagger_config", "chunk_counts", "chunk_tables", "lengths_from_mask",
           "log_partition", "log_partition_reference", "prf", "sequence_score",
           "sequence_score_reference", "split_tag", "viterbi_decode", "viterbi_reference"]
