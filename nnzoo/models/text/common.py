"""The base of the sentence classifiers: the token layout and its checks.

Inputs of every sentence model are token ids ``(B, T)`` int64 over a vocabulary whose index 0
is the padding token and 1 the unknown word (the layout of ``nnzoo.data.sentences``); each
sentence is padded at the end with 0. :class:`SentenceClassifier` checks that layout once per
call (:func:`check_tokens`): ids in ``[0, vocab_size)`` and at least one token per sentence.

Word vectors are read by :mod:`nnzoo.models.text.embeddings`; the pictures the sentence
classifiers share are in :mod:`nnzoo.models.text.sentence_plots`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, TypeVar

import torch
from torch import nn

from nnzoo.core.config import TrainConfig, build_optimizer, require
from nnzoo.core.errors import InputError
from nnzoo.core.tags import PAD
from nnzoo.core.validation import check_input
from nnzoo.models.base import Classifier


def check_text_config(sample_shape: tuple[int, ...], vocab_size: int, pad_index: int,
                      embed_dim: int, n_classes: int, embeddings_path: str, vocab_path: str,
                      embed_init: float) -> None:
    """The checks every sentence-model config shares (one :class:`ConfigError` each)."""
    require(isinstance(sample_shape, tuple) and len(sample_shape) == 1
            and isinstance(sample_shape[0], int) and sample_shape[0] >= 1,
            f"sample_shape must be (T,) with T >= 1 token positions, got {sample_shape!r}")
    require(vocab_size >= 2, f"vocab_size must be >= 2 (padding and unknown), got {vocab_size}")
    require(0 <= pad_index < vocab_size,
            f"pad_index must be in [0, vocab_size={vocab_size}), got {pad_index}")
    require(embed_dim >= 1, f"embed_dim must be >= 1, got {embed_dim}")
    require(n_classes >= 2, f"n_classes must be >= 2, got {n_classes}")
    require(embed_init > 0, f"embed_init must be > 0, got {embed_init}")
    if embeddings_path:
        require(Path(embeddings_path).is_file(),
                f"embeddings_path {embeddings_path!r} is not a file (a GloVe or word2vec text "
                "file)")
        require(bool(vocab_path) and Path(vocab_path).is_file(),
                "embeddings_path needs vocab_path: a text file of the vocabulary, one word per "
                f"line (line i = token id i), got {vocab_path!r}")


def check_tokens(x: torch.Tensor, vocab_size: int, pad_index: int = PAD,
                 name: str = "input") -> None:
    """Token ids ``x`` (B, T) must lie in ``[0, vocab_size)`` and every row must hold at least
    one token other than padding.

    :raises InputError: naming the offending ids or the first empty sentence.
    """
    if x.numel() == 0:
        return
    lo, hi = int(x.min()), int(x.max())
    if lo < 0 or hi >= vocab_size:
        raise InputError(f"{name} holds token ids in [{lo}, {hi}]; expected ids in "
                         f"[0, {vocab_size}) (vocab_size {vocab_size})")
    lengths = (x != pad_index).sum(1)  # (B,)
    empty = (lengths == 0).nonzero()
    if len(empty):
        raise InputError(f"{name}: sentence {int(empty[0, 0])} has length 0 (only padding id "
                         f"{pad_index}); every sentence needs at least one token")


def sentence_lengths(x: torch.Tensor, pad_index: int = PAD) -> torch.Tensor:
    """Number of tokens of each sentence padded at the end: (B, T) -> (B,) int64."""
    return (x != pad_index).sum(1)


def trim(x: torch.Tensor, pad_index: int = PAD) -> tuple[torch.Tensor, torch.Tensor]:
    """Drop the columns of padding past the longest sentence of the batch (a dataset padded
    to its longest sentence wastes most of each batch on padding otherwise).

    :returns: ``x[:, :max length]`` and the lengths (B,).
    """
    lengths = sentence_lengths(x, pad_index)
    return x[:, : max(1, int(lengths.max()))] if x.shape[0] else x, lengths


class SentenceConfig(Protocol):
    """What :class:`SentenceClassifier` reads of a sentence model's config dataclass."""

    @property
    def sample_shape(self) -> tuple[int, ...]: ...
    @property
    def vocab_size(self) -> int: ...
    @property
    def pad_index(self) -> int: ...


#: The config dataclass of a :class:`SentenceClassifier` subclass.
SC = TypeVar("SC", bound=SentenceConfig)


class SentenceClassifier(Classifier[SC]):
    """A classifier of padded token-id sentences ``(B, T)`` int64: checks shape, dtype, the id
    range and empty sentences before any computation.

    A subclass sets :attr:`embedding` (:func:`~nnzoo.models.text.embeddings.make_embedding`).

    :param config: the model's config; it has ``sample_shape``, ``vocab_size``, ``pad_index``.
    """

    integer_inputs = True
    embedding: nn.Embedding                                    # the word vectors

    def check(self, x: torch.Tensor, *, finite: bool = False) -> torch.Tensor:
        """``x`` must be (B, L) integer token ids with 1 <= L <= T (a batch cut to its
        longest sentence holds fewer positions than the config's T), each row a sentence."""
        T = self.config.sample_shape[0]
        if not (isinstance(x, torch.Tensor) and x.dim() == 2 and 1 <= x.shape[1] <= T):
            got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise InputError(f"{self.model_id} input must have shape (batch, positions <= "
                             f"{T}), got {got}")
        check_input(x, (x.shape[1],), name=f"{self.model_id} input", finite=finite,
                    integer=True)
        check_tokens(x, self.config.vocab_size, self.config.pad_index,
                     name=f"{self.model_id} input")
        return x

    def sequence_lengths(self, X: torch.Tensor) -> torch.Tensor:
        """Tokens of each sentence of ``X`` (N, T), padded at the end."""
        return sentence_lengths(X, self.config.pad_index)

    def after_step(self) -> None:
        """Called after every optimizer step (a constraint on the weights). Nothing here."""

    def configure_optimizers(self, cfg: TrainConfig) -> list[torch.optim.Optimizer]:
        """The engine's optimizer over every trainable parameter but the word vectors, and
        :class:`torch.optim.SparseAdam` over the word vectors when ``cfg`` asks for Adam
        without weight decay: a batch touches a few hundred of the vocabulary's rows, and
        updating only those (lazy Adam) saves a dense Adam step over V x E values. Any
        other optimizer gets dense gradients for every parameter. :meth:`after_step` runs
        after each step of the first optimizer.
        """
        emb = self.embedding
        lazy = (cfg.optimizer in ("adam", "adamw") and cfg.weight_decay == 0
                and emb.weight.requires_grad)
        emb.sparse = lazy
        rest = [p for p in self.parameters() if p.requires_grad and (p is not emb.weight
                                                                      or not lazy)]
        opts = [build_optimizer(rest, cfg)]
        opts[0].register_step_post_hook(lambda *_: self.after_step())
        if lazy:
            opts.append(torch.optim.SparseAdam([emb.weight], lr=cfg.lr))
        return opts


__all__ = ["SentenceClassifier", "SentenceConfig", "check_text_config", "check_tokens",
           "sentence_lengths", "trim"]
