"""What the next-token language models share for learning: the target checks, the loss, the
training and evaluation steps and ``predict``.

A language model reads token ids ``x (B, T)`` and returns logits ``(B, T, V)``; the target of
position ``t`` is the token that follows it, ``y_t = x_{t+1}``, or ``-1`` where there is none
(padding after the end of a word). The loss is the mean cross-entropy of the next token over
the scored positions, in nats::

    loss = -1/N  sum_{t: y_t != -1}  log softmax(logits_t)[y_t],   N = #{t: y_t != -1}

and ``bits_per_char = loss / ln 2``. :class:`NextTokenLM` is the base of the decoder-only
Transformer (:mod:`nnzoo.models.attention.decoder`) and of the neural probabilistic language
model (:mod:`nnzoo.models.autoregressive.nplm`); :func:`next_token_targets` is also WaveNet's
target check (its loss sums over padded batches, :mod:`nnzoo.models.autoregressive.wavenet`).
Generation is in :mod:`nnzoo.models.sampling`.
"""

from __future__ import annotations

import math
from typing import ClassVar, Protocol, TypeVar

import torch
import torch.nn.functional as F

from nnzoo.core.errors import InputError
from nnzoo.models.base import Batch, ZooModule

#: The target of a position with no next token (padding): not scored.
IGNORE = -1


def next_token_targets(name: str, x: torch.Tensor, y: torch.Tensor | None, vocab_size: int,
                       noun: str = "token") -> torch.Tensor:
    """Return ``y`` if it holds the next ``noun`` of every position of ``x``: integer ids of
    ``x``'s shape in ``[0, vocab_size)`` or :data:`IGNORE`, at least one of them scored.

    :param name: the model, for the messages.
    :raises InputError: one line naming what was expected, for a missing ``y``, another shape
        or dtype, an id out of range, or targets that are all padding.
    """
    if y is None:
        raise InputError(f"{name} trains on (x, y) pairs: y (the next {noun} of each position) "
                         "is missing")
    if tuple(y.shape) != tuple(x.shape) or y.is_floating_point() or y.is_complex() \
            or y.dtype == torch.bool:
        raise InputError(f"{name} targets must be token ids of shape {tuple(x.shape)} (the next "
                         f"{noun} of each position, {IGNORE} = padding), got {tuple(y.shape)} "
                         f"{y.dtype}")
    lo, hi = int(y.min()), int(y.max())
    if lo < IGNORE or hi >= vocab_size:
        raise InputError(f"{name} targets must lie in [0, {vocab_size}) or be {IGNORE} "
                         f"(padding), got values from {lo} to {hi}")
    if not bool((y != IGNORE).any()):
        raise InputError(f"{name} targets are all padding ({IGNORE}): nothing to predict")
    return y


class LMConfig(Protocol):
    """What :class:`NextTokenLM` needs of its config: the sample shape and the vocabulary."""

    @property
    def sample_shape(self) -> tuple[int, ...]: ...

    @property
    def vocab_size(self) -> int: ...


#: The config dataclass of a language model.
LC = TypeVar("LC", bound=LMConfig)


class NextTokenLM(ZooModule[LC]):
    """Base of a next-token language model over token ids (see the module docstring).

    A subclass gives :meth:`_check` (the input checks of ``forward``) and :meth:`_next_logits`
    (the logits without checks; ``forward`` is ``_next_logits(_check(x))``), and its config a
    ``vocab_size``. It gets the loss, :meth:`training_step`, :meth:`evaluation_step` (which
    keeps the first :attr:`recent_rows` sequences of the batch for the pictures) and
    :meth:`predict`.
    """

    integer_inputs: ClassVar[bool] = True
    #: How many sequences of the last evaluation batch :attr:`_recent` keeps.
    recent_rows: ClassVar[int] = 8

    def __init__(self, config: LC) -> None:
        super().__init__(config)
        self._recent: torch.Tensor | None = None   # inputs of the last evaluation (pictures)

    def _check(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``x`` if it is a valid input; raise one :class:`InputError` otherwise."""
        raise NotImplementedError

    def _next_logits(self, x: torch.Tensor) -> torch.Tensor:
        """Next-token logits ``(B, T, V)`` of checked token ids ``x (B, T)``."""
        raise NotImplementedError

    def _targets(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        return next_token_targets(self.model_id, x, y, self.config.vocab_size)

    def _loss(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        """Mean next-token cross-entropy over the scored positions (nats) and in bits."""
        logits = self._next_logits(x)                                   # (B, T, V)
        loss = F.cross_entropy(logits.flatten(0, 1).float(), y.flatten(), ignore_index=IGNORE)
        return {"loss": loss, "bits_per_char": loss.detach() / math.log(2)}

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        self._check(x)
        return self._loss(x, self._targets(x, y))

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        self._check(x)
        self._recent = x[:self.recent_rows].detach()
        return self._loss(x, self._targets(x, y))

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """The most likely next token at each position ``(B, T)``."""
        return self(x).argmax(-1)


__all__ = ["IGNORE", "LMConfig", "NextTokenLM", "next_token_targets"]
