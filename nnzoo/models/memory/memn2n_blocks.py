"""Building blocks of the end-to-end memory network (:mod:`nnzoo.models.memory.memn2n`):
the position encodings, the time indices (recency and random noise) and the distinct-row
table that lets a batch embed each sentence once."""

from __future__ import annotations

import math

import numpy as np
import torch


def position_encoding(J: int, d: int) -> torch.Tensor:
    """The paper's position encoding of a ``J``-word sentence: ``(J, d)`` with entry
    ``[j-1, k-1] = (1 - j/J) - (k/d)(1 - 2j/J)``."""
    j = torch.arange(1, J + 1, dtype=torch.float32)[:, None]
    k = torch.arange(1, d + 1, dtype=torch.float32)[None, :]
    return (1 - j / J) - (k / d) * (1 - 2 * j / J)


def position_encoding_authors(J: int, d: int) -> torch.Tensor:
    """The authors' code's position weights (``build_model.m``): ``(J, d)`` with entry
    ``[j-1, k-1] = 1 + 4 (k - (d+1)/2)(j - (J+1)/2) / (d J)``, one ``J`` for all sentences."""
    j = torch.arange(1, J + 1, dtype=torch.float32)[:, None]
    k = torch.arange(1, d + 1, dtype=torch.float32)[None, :]
    return 1 + 4 * (k - (d + 1) / 2) * (j - (J + 1) / 2) / (d * J)


def distinct_rows(rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The distinct rows of ``rows`` (N, W) and, for each row, the index of its copy:
    ``(table (U, W), inverse (N,))`` with ``table[inverse] == rows``, sorted; a
    lexicographic sort of the columns, far faster on CPU than ``torch.unique(dim=0)``."""
    a = rows.cpu().numpy()
    if len(a) == 0:
        return rows[:0], torch.zeros(0, dtype=torch.long, device=rows.device)
    order = np.lexsort(a.T[::-1])
    ordered = a[order]
    first = np.ones(len(a), dtype=bool)
    first[1:] = (ordered[1:] != ordered[:-1]).any(1)
    inverse = np.empty(len(a), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    return (torch.from_numpy(ordered[first]).to(rows.device),
            torch.from_numpy(inverse).to(rows.device))


def recency(n: torch.Tensor, S: int) -> torch.Tensor:
    """Time index of each of ``S`` memory rows holding ``n`` sentences (``n`` of any shape):
    ``n - 1 - i`` for row ``i < n`` (0 = the most recent), 0 for empty rows."""
    i = torch.arange(S, device=n.device)
    return (n[..., None] - 1 - i).clamp(min=0)


def noisy_time(n: torch.Tensor, S: int, M: int, rn: float, generator: torch.Generator | None
               ) -> torch.Tensor:
    """Random-noise time indices (RN): for ``n`` sentences, ``n_blank`` uniform in
    ``0..ceil(rn * n)``; the ``n`` indices are a sorted random subset of
    ``0 .. n + n_blank - 1`` (the newest sentence the smallest), clamped to ``M - 1``."""
    P = S + math.ceil(rn * S)                      # the most positions any sample needs
    top = torch.ceil(rn * n.float()).long()
    u = torch.rand(n.shape, generator=generator, device=n.device)
    blank = torch.floor(u * (top + 1).float()).long().clamp(max=top)
    scores = torch.rand((*n.shape, P), generator=generator, device=n.device)
    pos = torch.arange(P, device=n.device)
    scores = scores.masked_fill(pos >= (n + blank)[..., None], 2.0)   # not available
    pick = scores.argsort(-1)[..., :S]             # a random subset of the available positions
    pick = pick.masked_fill(torch.arange(S, device=n.device) >= n[..., None], P)  # n of them
    chosen = pick.sort(-1).values                  # ascending: chosen[0] is the newest
    back = (n[..., None] - 1 - torch.arange(S, device=n.device)).clamp(min=0)
    return chosen.gather(-1, back).clamp(max=M - 1)


__all__ = ["distinct_rows", "noisy_time", "position_encoding", "position_encoding_authors",
           "recency"]
