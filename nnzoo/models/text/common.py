"""Pieces shared by the sentence classifiers: token checks, word-vector loading, attention plots.

Inputs of every sentence model are token ids ``(B, T)`` int64 over a vocabulary whose index 0
is the padding token and 1 the unknown word (the layout of ``nnzoo.data.sentences``); each
sentence is padded at the end with 0. :class:`SentenceClassifier` checks that layout once per
call (:func:`check_tokens`): ids in ``[0, vocab_size)`` and at least one token per sentence.

Word vectors (Kim 2014 uses word2vec, many re-implementations GloVe) are read from a local
*text* file: GloVe's ``word v1 ... vD`` lines, or word2vec's text format, whose first line is
``n_words D``. :func:`pretrained_matrix` gives every vocabulary word its vector; words that
the file lacks get ``U[-a, a]`` with ``a = 0.25``, Kim's choice, which gives them about the
variance of the pre-trained vectors (Y. Kim, "Convolutional Neural Networks for Sentence
Classification", EMNLP 2014, https://arxiv.org/abs/1408.5882, section 3.1). The vocabulary that
fixes which word each embedding row holds is a text file with one word per line, line ``i`` =
id ``i`` (``nnzoo.data.sentences.save_vocab`` writes it from ``Splits.meta["vocab"]``).

:func:`plot_attention` draws the attention weights of a model over the tokens of sentences
(any model with ``attention_weights(x) -> (B, T)`` may use it).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from nnzoo.core.config import TrainConfig, build_optimizer, require
from nnzoo.core.errors import ConfigError, InputError
from nnzoo.models.base import Classifier

PAD, UNK = 0, 1
PAD_TOKEN, UNK_TOKEN = "<pad>", "<unk>"


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


class SentenceClassifier(Classifier):
    """A classifier of padded token-id sentences ``(B, T)`` int64: checks shape, dtype, the id
    range and empty sentences before any computation.

    :param config: the model's config; it has ``sample_shape``, ``vocab_size``, ``pad_index``.
    """

    integer_input = True

    def check(self, x: torch.Tensor, *, finite: bool = False) -> torch.Tensor:
        super().check(x, finite=finite)
        check_tokens(x, self.config.vocab_size, self.config.pad_index,
                     name=f"{self.model_id} input")
        return x

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
        emb: nn.Embedding = self.embedding  # type: ignore[assignment]
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


# -- word vectors ----------------------------------------------------------------------------

def read_vocab(path: str | Path) -> list[str]:
    """The vocabulary of a text file, one word per line (line i = token id i)."""
    words = Path(path).read_text(encoding="utf-8").split("\n")
    if words and words[-1] == "":
        words.pop()
    return words


def read_word_vectors(path: str | Path, words: Sequence[str] | None = None
                      ) -> tuple[dict[str, np.ndarray], int]:
    """Read a GloVe or word2vec *text* file: ``{word: vector}`` and the dimension.

    Only the words in ``words`` are kept when it is given (a large file stays on disk).

    :raises InputError: a line with a different number of values than the first, or values
        that are not numbers (naming the file and the line).
    """
    path = Path(path)
    wanted = set(words) if words is not None else None
    vectors: dict[str, np.ndarray] = {}
    dim = 0
    with path.open(encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            parts = line.rstrip("\n").rstrip().split(" ")
            if lineno == 1 and len(parts) == 2 and all(p.isdigit() for p in parts):
                dim = int(parts[1])  # word2vec text header: "n_words dim"
                continue
            if len(parts) < 2:
                continue  # blank line
            if not dim:
                dim = len(parts) - 1
            if len(parts) - 1 != dim:
                raise InputError(f"{path}, line {lineno}: {len(parts) - 1} values, expected "
                                 f"{dim} (one word then its vector, space separated)")
            word = parts[0]
            if wanted is not None and word not in wanted:
                continue
            try:
                vectors[word] = np.asarray(parts[1:], dtype=np.float32)
            except ValueError:
                raise InputError(f"{path}, line {lineno}: the vector of {word!r} holds values "
                                 "that are not numbers") from None
    if not dim:
        raise InputError(f"{path} holds no word vectors")
    return vectors, dim


def pretrained_matrix(path: str | Path, vocab: Sequence[str], dim: int, *, scale: float = 0.25,
                      pad_index: int = PAD, generator: torch.Generator | None = None
                      ) -> tuple[torch.Tensor, torch.Tensor]:
    """Embedding matrix (V, D) for ``vocab`` from word-vector file ``path``.

    Row ``i`` is the file's vector of ``vocab[i]``; words the file lacks get ``U[-scale,
    scale]`` (Kim 2014); the padding row is zero.

    :returns: the matrix and a bool mask (V,) of the words found in the file.
    :raises ConfigError: when the file's vectors are not ``dim``-dimensional.
    """
    vectors, file_dim = read_word_vectors(path, vocab)
    if file_dim != dim:
        raise ConfigError(f"{path} holds {file_dim}-dimensional vectors but embed_dim is {dim}; "
                          f"set embed_dim={file_dim}")
    V = len(vocab)
    W = (torch.rand(V, dim, generator=generator) * 2 - 1) * scale  # U[-a, a]  (V, D)
    found = torch.tensor([w in vectors for w in vocab], dtype=torch.bool)  # (V,)
    if bool(found.any()):
        rows = found.nonzero().squeeze(1)
        W[rows] = torch.from_numpy(np.stack([vectors[vocab[i]] for i in rows.tolist()]))
    if 0 <= pad_index < V:
        W[pad_index] = 0.0
        found[pad_index] = False
    return W, found


def make_embedding(vocab_size: int, embed_dim: int, *, pad_index: int = PAD,
                   scale: float = 0.25, embeddings_path: str = "", vocab_path: str = "",
                   static: bool = False) -> nn.Embedding:
    """The word-embedding layer of a sentence model.

    Random ``U[-scale, scale]`` vectors (Kim's CNN-rand), or vectors from ``embeddings_path``
    for the words of ``vocab_path`` (CNN-static when ``static``: not trained; CNN-non-static
    otherwise). The padding row is zero and gets no gradient.

    :raises ConfigError: when the vocabulary file does not have ``vocab_size`` words.
    """
    emb = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_index)
    with torch.no_grad():
        if embeddings_path:
            vocab = read_vocab(vocab_path)
            if len(vocab) != vocab_size:
                raise ConfigError(f"vocab_path {vocab_path!r} lists {len(vocab)} words but "
                                  f"vocab_size is {vocab_size}")
            W, _ = pretrained_matrix(embeddings_path, vocab, embed_dim, scale=scale,
                                     pad_index=pad_index)
            emb.weight.copy_(W)
        else:
            emb.weight.uniform_(-scale, scale)  # Kim's CNN-rand: U[-0.25, 0.25]
            emb.weight[pad_index].zero_()
    emb.weight.requires_grad_(not static)
    return emb


# -- plots --------------------------------------------------------------------------------------

def plot_attention(weights: torch.Tensor | np.ndarray, tokens: Sequence[Sequence[str]],
                   path: str | Path, title: str = "attention weights") -> Path:
    """Heat map of attention weights over the tokens of one or more sentences.

    :param weights: (N, T) or (T,) weights (each row sums to 1 over its tokens).
    :param tokens: the N sentences as lists of words (each at most T long); cells past a
        sentence's end are left blank.
    :param path: the PNG to write (atomically).
    :param title: the figure's title.
    """
    from nnzoo.core import plots

    w = torch.as_tensor(weights).detach().float().cpu().numpy()
    w = w[None] if w.ndim == 1 else w
    n = min(len(w), len(tokens))
    T = max(1, max(len(t) for t in tokens[:n]) if n else 1)
    grid = np.full((n, T), np.nan)
    for i in range(n):  # one row per sentence, up to its own length
        k = min(len(tokens[i]), w.shape[1])
        grid[i, :k] = w[i, :k]
    fig, ax = plots.subplots(figsize=(max(4.0, 0.62 * T + 1.5), 0.55 * n + 1.2))
    im = ax.imshow(np.ma.masked_invalid(grid), cmap="Reds", aspect="auto", vmin=0.0,
                   vmax=float(np.nanmax(grid)) if n else 1.0)
    for i in range(n):
        for j, word in enumerate(list(tokens[i])[:w.shape[1]]):
            ax.text(j, i, word, ha="center", va="center", fontsize=7, rotation=0)
    ax.set_yticks(range(n), [str(i) for i in range(n)], fontsize=7)
    ax.set_xticks([])
    ax.set_ylabel("sentence")
    fig.colorbar(im, ax=ax, fraction=0.025, pad=0.01)
    ax.set_title(title)
    return plots._save(fig, path)


def plot_filter_norms(weights: Sequence[torch.Tensor], labels: Sequence[str], path: str | Path,
                      title: str) -> Path:
    """Mean L2 norm of convolution filters at each offset of their window, one line per
    layer or filter width (which positions of an n-gram a layer weighs most).

    :param weights: conv weights ``(C_out, C_in, w)``.
    :param labels: one legend label per weight.
    :param path: the PNG to write; :param title: its title.
    """
    from nnzoo.core import plots

    fig, ax = plots.subplots(figsize=(5.5, 3.4))
    for W, label in zip(weights, labels):
        norms = W.detach().float().cpu().norm(dim=1).mean(0).numpy()  # (w,)
        ax.plot(np.arange(1, len(norms) + 1), norms, marker="o", label=label)
    ax.set_xlabel("offset in the filter window")
    ax.set_ylabel("mean filter norm")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title)
    return plots._save(fig, path)


__all__ = ["PAD", "PAD_TOKEN", "UNK", "UNK_TOKEN", "SentenceClassifier", "check_text_config",
           "check_tokens", "make_embedding", "trim", "plot_attention", "plot_filter_norms",
           "pretrained_matrix", "read_vocab", "read_word_vectors", "sentence_lengths"]
