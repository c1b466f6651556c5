"""What the language models' ``generate`` share: checking its arguments and drawing the next
token; and drawing words one at a time, each from the start context.

Every autoregressive model (the recurrent networks, the Transformer and GPT, the neural
probabilistic language model, WaveNet) generates the same way: read a prime, then draw one
token at a time from ``softmax(logits / temperature)``, optionally restricted to the ``top_k``
most likely tokens, with a generator of its own so that a seed gives the same text and no
global random state changes.

A model trained on words one per sequence (the ``names`` data: ``[end, w_1, ..., w_n]``,
the end marker doubling as the start marker) has only ever seen one word in its context.
Drawn as one long stream, a word would see the words before it within the receptive field.
:func:`generate_words` restarts instead: every token is drawn from the start context
followed by the current word's tokens so far, ``[end, w_1, ..., w_k]``, and a drawn end
marker starts the next word from ``[end]``.
"""

from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

import torch

from nnzoo.core.errors import ConfigError, InputError


def generation_prime(prime_ids: torch.Tensor, n: int, temperature: float, top_k: int,
                     vocab_size: int) -> tuple[torch.Tensor, bool]:
    """Check ``generate``'s arguments; return the prime as ``(B, P)`` int64 and whether it was
    given as one sequence ``(P,)``.

    :raises ConfigError: for ``n`` not an integer >= 0, ``temperature`` not finite and > 0,
        ``top_k`` not an integer >= 0.
    :raises InputError: for a prime that is not ``(P,)`` or ``(B, P)`` integer ids with
        ``P >= 1`` in ``[0, vocab_size)``.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ConfigError(f"n (tokens to generate) must be an integer >= 0, got {n!r}")
    if not (isinstance(temperature, (int, float)) and not isinstance(temperature, bool)
            and math.isfinite(temperature) and temperature > 0):
        raise ConfigError(f"temperature must be a finite number > 0, got {temperature!r}")
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0:
        raise ConfigError(f"top_k must be an integer >= 0 (0 = all tokens), got {top_k!r}")
    given = torch.as_tensor(prime_ids)
    single = given.dim() == 1
    prime = given[None] if single else given
    if prime.dim() != 2 or 0 in prime.shape:
        raise InputError(f"prime_ids must be (P,) or (B, P) token ids with P >= 1, got shape "
                         f"{tuple(given.shape)}")
    if prime.is_floating_point() or prime.is_complex() or prime.dtype == torch.bool:
        raise InputError(f"prime_ids must be an integer tensor (token ids), got {prime.dtype}")
    if int(prime.min()) < 0 or int(prime.max()) >= vocab_size:
        raise InputError(f"prime_ids must lie in [0, {vocab_size}), got values from "
                         f"{int(prime.min())} to {int(prime.max())}")
    return prime.long(), single


def sampling_generator(device: torch.device, seed: int | None) -> torch.Generator:
    """A generator of its own on ``device``: seeded with ``seed``, or from the OS when None."""
    g = torch.Generator(device=device)
    if seed is None:
        g.seed()
    else:
        g.manual_seed(seed)
    return g


def draw(logits: torch.Tensor, temperature: float, top_k: int,
         generator: torch.Generator) -> torch.Tensor:
    """One token per row of ``logits`` ``(B, V)``: a draw from ``softmax(logits /
    temperature)`` over the ``top_k`` largest scores (0 or ``>= V``: all). Returns ``(B, 1)``."""
    scores = logits.float() / temperature
    if 0 < top_k < scores.shape[1]:
        kth = scores.topk(top_k, dim=1).values[:, -1:]          # (B, 1): the k-th largest
        scores = scores.masked_fill(scores < kth, float("-inf"))
    return torch.multinomial(torch.softmax(scores, 1), 1, generator=generator)


@runtime_checkable
class TokenGenerator(Protocol):
    """A language model that draws ``n`` tokens after a prime (its ``generate``)."""

    def generate(self, prime_ids: torch.Tensor, n: int, temperature: float = 1.0,
                 top_k: int = 0, seed: int | None = None) -> torch.Tensor: ...


def generate_words(model: TokenGenerator, prime_ids: torch.Tensor, n: int, end: int, *,
                   temperature: float = 1.0, top_k: int = 0,
                   seed: int | None = None) -> torch.Tensor:
    """Draw ``n`` tokens after ``prime_ids`` word by word: each token from ``model`` reading
    ``[end] + the current word so far`` (the tokens after the last ``end`` of the prime and
    of what has been drawn), so that no word sees the one before it.

    :param model: draws the next token (``model.generate(context, 1, ...)``, which checks the
        context, ``temperature`` and ``top_k``).
    :param prime_ids: ``(P,)`` or ``(B, P)`` token ids, ``P >= 1``; text after the prime's
        last ``end`` is the start of the first word.
    :param n: tokens to draw (an integer >= 0).
    :param end: the end-of-word token, also the start of every word's context.
    :param seed: seeds every draw (each call of ``model.generate`` gets its own seed from one
        generator seeded ``seed``); None: nondeterministic.
    :returns: the prime followed by the ``n`` tokens, ``(P + n,)`` or ``(B, P + n)``.
    :raises ConfigError: for ``n`` not an integer >= 0.
    :raises InputError: for a prime that is not ``(P,)`` or ``(B, P)`` integer ids.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ConfigError(f"n (tokens to generate) must be an integer >= 0, got {n!r}")
    given = torch.as_tensor(prime_ids)
    single = given.dim() == 1
    prime = given[None] if single else given
    if prime.dim() != 2 or 0 in prime.shape or prime.is_floating_point() \
            or prime.is_complex() or prime.dtype == torch.bool:
        raise InputError(f"prime_ids must be (P,) or (B, P) integer token ids with P >= 1, got "
                         f"shape {tuple(given.shape)} {given.dtype}")
    seeds = sampling_generator(torch.device("cpu"), seed)
    rows = []
    for row in prime.long().tolist():
        out = list(row)
        start = max((i + 1 for i, t in enumerate(out) if t == end), default=0)  # word begins
        for _ in range(n):
            context = torch.tensor([end] + out[start:], device=prime.device)   # [end, w_1..k]
            s = int(torch.randint(0, 2 ** 62, (1,), generator=seeds))
            nxt = int(model.generate(context, 1, temperature=temperature, top_k=top_k,
                                     seed=s)[-1])
            out.append(nxt)
            if nxt == end:
                start = len(out)                                  # the next word: from [end]
        rows.append(out)
    result = torch.tensor(rows, dtype=torch.long, device=prime.device)
    return result[0] if single else result
