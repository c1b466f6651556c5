"""Entity-level scores of BIO tag sequences on tensors: the chunk counts of conlleval
(:func:`nnzoo.data.conll.conlleval`, the line-by-line port of the CoNLL script, is the
reference the tests compare them with), vectorised over a batch, and precision, recall and F1.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from nnzoo.core.tags import PAD_TAG, check_bio_tags, split_tag


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


__all__ = ["chunk_counts", "chunk_tables", "prf"]
