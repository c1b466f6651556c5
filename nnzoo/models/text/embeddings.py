"""Word embeddings of the sentence classifiers: random, or read from a GloVe or word2vec
text file.

Word vectors (Kim 2014 uses word2vec, many re-implementations GloVe) are read from a local
*text* file: GloVe's ``word v1 ... vD`` lines, or word2vec's text format, whose first line is
``n_words D``. :func:`pretrained_matrix` gives every vocabulary word its vector; words that
the file lacks get ``U[-a, a]`` with ``a = 0.25``, Kim's choice, which gives them about the
variance of the pre-trained vectors (Y. Kim, "Convolutional Neural Networks for Sentence
Classification", EMNLP 2014, https://arxiv.org/abs/1408.5882, section 3.1). The vocabulary that
fixes which word each embedding row holds is a text file with one word per line, line ``i`` =
id ``i`` (``nnzoo.data.sentences.save_vocab`` writes it from ``Splits.meta["vocab"]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from nnzoo.core.errors import ConfigError, InputError
from nnzoo.core.tags import PAD


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


__all__ = ["make_embedding", "pretrained_matrix", "read_vocab", "read_word_vectors"]
