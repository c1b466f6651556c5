"""The neural probabilistic language model: Bengio, Ducharme, Vincent 2003, the MLP language
model.

Paper: Y. Bengio, R. Ducharme, P. Vincent, C. Jauvin, "A neural probabilistic language
model", Journal of Machine Learning Research 3, 2003 (NIPS 2000 for the first version).
https://www.jmlr.org/papers/volume3/bengio03a/bengio03a.pdf

Reference implementation of the character version on ``names.txt``: A. Karpathy, makemore
(2022), ``--type mlp``, https://github.com/karpathy/makemore.

The next token is predicted from the ``n = block_size`` tokens before it (the current one
included, as makemore's ``X`` holds them), each looked up in one shared table ``C`` of
``m``-dimensional embeddings, concatenated into ``e = [C(x_t), C(x_{t-1}), ...,
C(x_{t-n+1})]`` (``n m`` numbers), then (the paper's equation, section 2.1)::

    a = tanh(d + H e)                 hidden layer, h units
    y = b + U a  (+ W e)              logits over the V tokens; W e: the optional direct
                                      connections from the embeddings to the output
    P(x_{t+1} = i | context) = softmax(y)_i

Positions before the start of a sequence read a blank token of their own (row ``V`` of
``C``, which is never predicted); with ``boundary`` set (the start/end marker of the
``names`` data), a context also stops at the last boundary token it holds, so a model that
generates many words one after another starts each word from a blank context, as it was
trained. Loss: the mean cross-entropy per predicted token (nats); targets ``-1`` are padding
and count for nothing (the language models' shared base, :class:`nnzoo.models.lm.NextTokenLM`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
from torch import nn

from nnzoo.core.config import require
from nnzoo.core.errors import InputError
from nnzoo.core.validation import check_input
from nnzoo.models.autoregressive import nplm_plots
from nnzoo.models.lm import NextTokenLM
from nnzoo.models.registry import register
from nnzoo.models.sampling import draw, generation_prime, sampling_generator


@dataclass
class NPLMConfig:
    """Hyperparameters of :class:`NPLM`.

    :param sample_shape: ``(T,)`` token ids per sequence (the dataset sets it).
    :param vocab_size: number of tokens V (the dataset sets it).
    :param task: ``lm``, the only task: the next token at every step.
    :param block_size: tokens of context n (the paper's n - 1 previous words; >= 1).
    :param embed_dim: size m of each token's embedding.
    :param hidden_size: units h of the tanh layer.
    :param direct: the paper's direct connections ``W e`` from the embeddings to the output.
    :param boundary: a token id at which a context restarts (the ``names`` data's
        start/end marker 0); -1: none.
    :param vocab: optional: the characters of the token ids (``len == vocab_size``), so that
        the plots label the embeddings and write generated text.
    """

    sample_shape: tuple[int, ...] = (16,)
    vocab_size: int = 27
    task: Literal["lm"] = "lm"
    block_size: int = 3
    embed_dim: int = 10
    hidden_size: int = 64
    direct: bool = False
    boundary: int = -1
    vocab: str = ""

    def __post_init__(self) -> None:
        s = self.sample_shape
        require(isinstance(s, tuple) and len(s) == 1 and isinstance(s[0], int) and s[0] >= 1,
                f"sample_shape must be (T,) with T >= 1 token ids, got {s!r}")
        require(self.vocab_size >= 2, f"vocab_size must be >= 2, got {self.vocab_size}")
        require(self.task == "lm", f"task must be 'lm' (next-token prediction), got "
                f"{self.task!r}")
        require(self.block_size >= 1, f"block_size (the context) must be >= 1 token, got "
                f"{self.block_size}")
        require(self.embed_dim >= 1, f"embed_dim must be >= 1, got {self.embed_dim}")
        require(self.hidden_size >= 1, f"hidden_size must be >= 1, got {self.hidden_size}")
        require(-1 <= self.boundary < self.vocab_size,
                f"boundary must be a token id in [0, {self.vocab_size}) or -1, got "
                f"{self.boundary}")
        require(not self.vocab or (len(self.vocab) == self.vocab_size
                                   and len(set(self.vocab)) == self.vocab_size),
                f"vocab must be {self.vocab_size} distinct characters, got {len(self.vocab)}")


@register("nplm", config=NPLMConfig, rule="backprop",
          peer="makemore --type mlp (run unchanged, same split and step budget)",
          reference="https://github.com/karpathy/makemore")
class NPLM(NextTokenLM[NPLMConfig]):
    """The MLP language model of Bengio et al. 2003; see the module docstring.

    ``forward(x)``: next-token logits ``(B, t, V)`` for token ids ``x`` ``(B, t)``, any
    ``1 <= t <= T`` (the logits at a step read only the context up to it).

    :param config: an :class:`NPLMConfig`.
    """

    def __init__(self, config: NPLMConfig) -> None:
        super().__init__(config)
        c = config
        self.blank = c.vocab_size                                # the row of "before the start"
        self.embedding = nn.Embedding(c.vocab_size + 1, c.embed_dim)          # C
        width = c.block_size * c.embed_dim                                     # n m
        self.hidden = nn.Linear(width, c.hidden_size)                          # H, d
        self.out = nn.Linear(c.hidden_size, c.vocab_size)                      # U, b
        self.direct = nn.Linear(width, c.vocab_size, bias=False) if c.direct else None  # W

    # -- the computation -----------------------------------------------------------------------

    def contexts(self, x: torch.Tensor) -> torch.Tensor:
        """The ``n`` context tokens of every position ``(B, T, n)``: ``[x_t, x_{t-1}, ...,
        x_{t-n+1}]``, the blank id before the start and before the last boundary token."""
        n = self.config.block_size
        pad = x.new_full((x.shape[0], n - 1), self.blank)
        win = torch.cat([pad, x], 1).unfold(1, n, 1).flip(-1)  # (B, T, n), [..., 0] = x_t
        if self.config.boundary >= 0:                           # forget what lies before it
            hit = (win == self.config.boundary).long()
            before = (hit.cumsum(-1) - hit) > 0                 # a boundary nearer to t
            win = win.masked_fill(before, self.blank)
        return win

    def _logits(self, ctx: torch.Tensor) -> torch.Tensor:
        """Logits ``(..., V)`` of contexts ``(..., n)``: ``b + U tanh(d + H e) (+ W e)``."""
        e = self.embedding(ctx).flatten(-2)                     # e = [C(x_t), ...], (..., n m)
        y = self.out(torch.tanh(self.hidden(e)))                # b + U tanh(d + H e)
        return y + self.direct(e) if self.direct is not None else y

    def _check(self, x: torch.Tensor) -> torch.Tensor:
        """Token ids ``(B, t)`` in range, ``1 <= t <= T`` (each step sees only its context)."""
        fits = x.dim() == 2 and 1 <= x.shape[1] <= self.sample_shape[0]
        shape = (x.shape[1],) if fits else self.sample_shape
        check_input(x, shape, name="nplm input", finite=False, integer=True)
        if x.shape[0] == 0:
            raise InputError("nplm input is an empty batch (0 sequences)")
        lo, hi = int(x.min()), int(x.max())
        if lo < 0 or hi >= self.config.vocab_size:
            raise InputError(f"nplm input must hold token ids in [0, {self.config.vocab_size}),"
                             f" got values from {lo} to {hi}")
        return x

    def _next_logits(self, x: torch.Tensor) -> torch.Tensor:
        return self._logits(self.contexts(x))                   # (B, T, V)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._next_logits(self._check(x))

    # -- generation ----------------------------------------------------------------------------

    @torch.no_grad()
    def generate(self, prime_ids: torch.Tensor, n: int, temperature: float = 1.0,
                 top_k: int = 0, seed: int | None = None) -> torch.Tensor:
        """Sample ``n`` tokens after ``prime_ids``, each from ``softmax(y / temperature)`` of
        the last ``block_size`` tokens, restricted to the ``top_k`` most likely (0: all).

        :param prime_ids: ``(P,)`` or ``(B, P)`` token ids, ``P >= 1``.
        :param seed: seeds the draws (a generator of its own); None: nondeterministic.
        :returns: the prime and the ``n`` new tokens, ``(P + n,)`` or ``(B, P + n)``.
        """
        prime, single = generation_prime(prime_ids, n, temperature, top_k,
                                         self.config.vocab_size)
        g = sampling_generator(self.device, seed)
        was = self.training
        self.eval()
        seq = prime.to(self.device, torch.long)
        k = self.config.block_size
        for _ in range(n):
            ctx = self.contexts(seq[:, -k:])[:, -1]             # (B, n): the last position's
            nxt = draw(self._logits(ctx), temperature, top_k, g)  # (B, 1)
            seq = torch.cat([seq, nxt], 1)
        self.train(was)
        return seq[0] if single else seq

    def visualize(self, out_dir: Path) -> list[Path]:
        """``embedding.png`` (the token embeddings projected on their two principal axes) and,
        with ``vocab``, ``sample.txt`` (text generated from the start marker)."""
        return nplm_plots.plot_nplm(self, Path(out_dir))


__all__ = ["NPLM", "NPLMConfig"]
