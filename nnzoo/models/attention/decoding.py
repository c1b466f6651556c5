"""Decoding an encoder-decoder: greedy and beam search, over any one-step decoder.

Both searches drive a ``step(prev, state, memory) -> (logits, state, attention)`` function
(:class:`StepFn`): ``prev`` ``(N,)`` the previous output token, ``state`` and ``memory``
tuples of tensors whose first dimension is the batch ``N`` (so a beam reorders them with one
index), ``logits`` ``(N, V)`` the scores of the next token, ``attention`` ``(N, S)`` the
weights over the source positions (None without attention). The first ``prev`` is
``<sos>``; a hypothesis ends at ``<eos>``, and after it holds ``<pad>``. Tokens that are
never outputs (``<pad>``, ``<sos>``: ``banned``) get probability 0. The score of an output
``y_1 .. y_n`` is its log-probability ``sum_t log p(y_t | y_<t, x)`` (the softmax over the
whole vocabulary).

- :func:`greedy`: ``y_t = argmax_v log p(v | y_<t, x)``.
- :func:`beam_search`: the ``K`` best hypotheses by total log-probability are kept at each
  step (Sutskever et al. 2014 decode with a beam; Bahdanau et al. 2014 too). A hypothesis
  that ended stays in the beam, extended by ``<pad>`` at no cost, so it competes with the
  live ones until the end; the answer is the best of the ``K`` at ``max_len`` (or when all
  have ended), ranked by ``log p / n^alpha`` with ``n`` its length counting ``<eos>``
  (``alpha = 0``: the plain log-probability; ``alpha = 1``: per token, which undoes the
  search's preference for short outputs). ``K = 1`` is greedy decoding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import torch

Tensors = tuple[torch.Tensor, ...]


class StepFn(Protocol):
    """One decoder step: ``(prev (N,), state, memory) -> (logits (N, V), state, attention
    (N, S) or None)``; ``state`` and ``memory`` are batch-first tuples."""

    def __call__(self, prev: torch.Tensor, state: Tensors, memory: Tensors
                 ) -> tuple[torch.Tensor, Tensors, torch.Tensor | None]: ...


@dataclass
class Decoded:
    """A decoded batch.

    :param tokens: ``(B, max_len)`` output ids, ``<pad>`` after ``<eos>``.
    :param log_prob: ``(B,)`` total log-probability of each output.
    :param attention: ``(B, max_len, S)`` the weights each output step put on the source
        (zeros after ``<eos>``), or None.
    """

    tokens: torch.Tensor
    log_prob: torch.Tensor
    attention: torch.Tensor | None


def expand(tensors: Tensors, k: int) -> Tensors:
    """Each batch row repeated ``k`` times in place: ``(N, ...) -> (N * k, ...)``."""
    return tuple(t.repeat_interleave(k, dim=0) for t in tensors)


def _log_probs(logits: torch.Tensor, banned: Sequence[int]) -> torch.Tensor:
    logp = torch.log_softmax(logits.float(), dim=-1)              # log p(v | y_<t, x)
    if banned:
        logp[:, list(banned)] = float("-inf")                      # never an output
    return logp


def _pad_to(tokens: torch.Tensor, att: torch.Tensor | None, max_len: int, pad: int
            ) -> tuple[torch.Tensor, torch.Tensor | None]:
    extra = max_len - tokens.shape[1]
    if extra > 0:
        tokens = torch.cat([tokens, tokens.new_full((tokens.shape[0], extra), pad)], 1)
        if att is not None:
            att = torch.cat([att, att.new_zeros(att.shape[0], extra, att.shape[2])], 1)
    return tokens, att


@torch.no_grad()
def greedy(step: StepFn, state: Tensors, memory: Tensors, batch: int, max_len: int, *,
           sos: int, eos: int, pad: int, banned: Sequence[int] = ()) -> Decoded:
    """Greedy decoding of ``batch`` sequences (see the module docstring)."""
    device = memory[0].device
    prev = torch.full((batch,), sos, dtype=torch.long, device=device)
    done = torch.zeros(batch, dtype=torch.bool, device=device)
    total = torch.zeros(batch, device=device)
    tokens, atts = [], []
    for _ in range(max_len):
        logits, state, att = step(prev, state, memory)
        best, nxt = _log_probs(logits, banned).max(dim=-1)         # argmax_v log p(v | ...)
        nxt = nxt.masked_fill(done, pad)
        total = total + best.masked_fill(done, 0.0)
        tokens.append(nxt)
        if att is not None:
            atts.append(att.float().masked_fill(done[:, None], 0.0))
        done = done | (nxt == eos)
        prev = nxt
        if bool(done.all()):
            break
    out = torch.stack(tokens, 1)                                   # (B, t)
    attention = torch.stack(atts, 1) if atts else None             # (B, t, S)
    out, attention = _pad_to(out, attention, max_len, pad)
    return Decoded(out, total, attention)


@torch.no_grad()
def beam_search(step: StepFn, state: Tensors, memory: Tensors, batch: int, max_len: int,
                width: int, *, sos: int, eos: int, pad: int, banned: Sequence[int] = (),
                alpha: float = 0.0) -> Decoded:
    """Beam search of width ``width`` for ``batch`` sequences (see the module docstring).

    ``state`` and ``memory`` are those of the ``batch`` sequences; each row is repeated
    ``width`` times here.
    """
    K = width
    device = memory[0].device
    state, memory = expand(state, K), expand(memory, K)
    score = torch.zeros(batch, K, device=device)
    score[:, 1:] = float("-inf")                                   # one live beam at first
    prev = torch.full((batch * K,), sos, dtype=torch.long, device=device)
    done = torch.zeros(batch * K, dtype=torch.bool, device=device)
    length = torch.zeros(batch * K, device=device)
    hist = torch.zeros(batch * K, 0, dtype=torch.long, device=device)
    att_hist: torch.Tensor | None = None
    rows = torch.arange(batch, device=device)[:, None] * K          # (B, 1)
    for _ in range(max_len):
        logits, state, att = step(prev, state, memory)
        logp = _log_probs(logits, banned)                          # (B*K, V)
        logp[done] = float("-inf")                                 # an ended hypothesis...
        logp[done, pad] = 0.0                                      # ...only pads, at no cost
        V = logp.shape[1]
        cand = (score.reshape(-1, 1) + logp).reshape(batch, K * V)  # log p(y_<t) + log p(v)
        score, idx = cand.topk(K, dim=1)                           # (B, K) the K best
        src = (rows + idx // V).reshape(-1)                        # parent of each new beam
        tok = (idx % V).reshape(-1)
        state = tuple(s[src] for s in state)
        hist = torch.cat([hist[src], tok[:, None]], 1)
        if att is not None:
            a = att.float()[src].masked_fill(done[src][:, None], 0.0)[:, None]  # (B*K, 1, S)
            att_hist = a if att_hist is None else torch.cat([att_hist[src], a], 1)
        length = length[src] + (~done[src]).float()
        done = done[src] | (tok == eos)
        prev = tok
        if bool(done.all()):
            break
    final = score.reshape(-1) / length.clamp(min=1) ** alpha       # log p / n^alpha
    best = final.reshape(batch, K).argmax(1) + rows[:, 0]          # (B,)
    out, attention = _pad_to(hist[best], None if att_hist is None else att_hist[best],
                             max_len, pad)
    return Decoded(out, score.reshape(-1)[best], attention)


__all__ = ["Decoded", "StepFn", "Tensors", "beam_search", "expand", "greedy"]
