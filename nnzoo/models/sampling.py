"""What the language models' ``generate`` share: checking its arguments and drawing the next
token.

Every autoregressive model (the recurrent networks, the Transformer and GPT, the neural
probabilistic language model, WaveNet) generates the same way: read a prime, then draw one
token at a time from ``softmax(logits / temperature)``, optionally restricted to the ``top_k``
most likely tokens, with a generator of its own so that a seed gives the same text and no
global random state changes.
"""

from __future__ import annotations

import math

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
