"""Dynamic convolutional neural network (DCNN): wide convolutions, dynamic k-max pooling,
folding.

Paper: N. Kalchbrenner, E. Grefenstette, P. Blunsom, "A Convolutional Neural Network for
Modelling Sentences", ACL 2014. https://arxiv.org/abs/1404.2188

Reference implementation: https://github.com/FredericGodin/DynamicCNN (Theano/Lasagne).

The math. A sentence of length s is the matrix of its word vectors, d rows by s columns.
Each layer ``l = 1..L`` maps feature maps ``F^{l-1}_k`` (d rows each) to maps ``F^l_j``:

- *wide one-dimensional convolution*, separately in every row ``r``:
  ``F^l_j[r] = sum_k m^l_{j,k}[r] * F^{l-1}_k[r]`` with filters of width ``m`` and zero
  padding ``m - 1`` on both sides, so a sequence of length n becomes n + m - 1;
- *folding* (last layer only): every two adjacent rows are summed, d rows -> d/2;
- *dynamic k-max pooling*: the k largest values of each row are kept in their original
  order, with ``k_l = max(k_top, ceil((L - l) / L * s))`` for ``l < L`` and ``k_L = k_top``,
  so k shrinks with depth and grows with the sentence;
- a bias per map and row, then the non-linearity (tanh): ``F <- tanh(F + b)``.

The ``k_top x d/2`` values of each of the last maps are flattened and classified by a softmax
layer after dropout. The paper's set-up for the Stanford Sentiment Treebank: d = 48, two
layers of widths 7 and 5 with 6 and 14 maps, k_top = 4 (the defaults here).

Sentences are padded at the end; each keeps its own length through the layers (the length
of a map after pooling is ``min(k_l, n + m - 1)``), positions past it are zero, and a
sentence shorter than ``k_top`` at the top is zero-padded to ``k_top``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core.config import require
from nnzoo.models.registry import register
from nnzoo.models.text.common import SentenceClassifier, check_text_config, trim
from nnzoo.models.text.embeddings import make_embedding
from nnzoo.models.text.sentence_plots import plot_filter_norms


@dataclass
class DynamicCNNConfig:
    """Hyperparameters of :class:`DynamicCNN`.

    :param sample_shape: ``(T,)``: token positions of one padded sentence.
    :param vocab_size: vocabulary size V (0 = padding, 1 = unknown word).
    :param n_classes: number of classes.
    :param embed_dim: word-vector dimension d (even when ``fold``).
    :param widths: filter width m of each convolutional layer.
    :param maps: feature maps of each layer.
    :param k_top: k of the last k-max pooling.
    :param fold: fold (sum pairs of rows) before the last pooling.
    :param activation: non-linearity after pooling.
    :param dropout: dropout rate before the softmax layer.
    :param pad_index: the padding id.
    :param embed_init: random word vectors are ``U[-embed_init, embed_init]``.
    :param embeddings_path: a GloVe or word2vec text file ("" = random vectors).
    :param vocab_path: the vocabulary file (one word per line) of ``embeddings_path``'s rows.
    :param static: keep the word vectors fixed.
    """

    sample_shape: tuple[int, ...] = (20,)
    vocab_size: int = 100
    n_classes: int = 2
    embed_dim: int = 48
    widths: tuple[int, ...] = (7, 5)
    maps: tuple[int, ...] = (6, 14)
    k_top: int = 4
    fold: bool = True
    activation: Literal["tanh", "relu"] = "tanh"
    dropout: float = 0.5
    pad_index: int = 0
    embed_init: float = 0.25
    embeddings_path: str = ""
    vocab_path: str = ""
    static: bool = False

    def __post_init__(self) -> None:
        check_text_config(self.sample_shape, self.vocab_size, self.pad_index, self.embed_dim,
                          self.n_classes, self.embeddings_path, self.vocab_path, self.embed_init)
        require(len(self.widths) >= 1 and all(w >= 1 for w in self.widths),
                f"widths must be positive, got {self.widths}")
        require(len(self.maps) == len(self.widths) and all(m >= 1 for m in self.maps),
                f"maps must give a positive count per layer ({len(self.widths)} layers), "
                f"got {self.maps}")
        require(self.k_top >= 1, f"k_top must be >= 1, got {self.k_top}")
        require(not self.fold or self.embed_dim % 2 == 0,
                f"folding needs an even embed_dim, got {self.embed_dim}")
        require(self.activation in ("tanh", "relu"),
                f"activation must be tanh or relu, got {self.activation!r}")
        require(0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}")


def kmax_pool(x: torch.Tensor, k: torch.Tensor, lengths: torch.Tensor, k_max: int
              ) -> torch.Tensor:
    """k-max pooling with a k per sample: the ``k[b]`` largest values of each row of sample b
    among its first ``lengths[b]`` positions, in their original order, zero-padded to
    ``k_max``.

    :param x: (B, C, L) values.
    :param k: (B,) how many to keep (at most ``min(lengths[b], k_max)``).
    :param lengths: (B,) valid positions of each sample.
    :param k_max: output length.
    :returns: (B, C, k_max).
    """
    B, C, L = x.shape
    pos = torch.arange(L, device=x.device)
    masked = x.masked_fill(pos[None, None, :] >= lengths[:, None, None], float("-inf"))
    if k_max > L:  # fewer positions than asked: pad with -inf (never kept)
        masked = F.pad(masked, (0, k_max - L), value=float("-inf"))
    top = masked.topk(k_max, dim=-1).indices                        # (B, C, k_max) by value
    keep = torch.arange(k_max, device=x.device)[None, None, :] < k[:, None, None]
    order = torch.where(keep, top, torch.full_like(top, L)).sort(-1).values  # by position
    vals = x.gather(-1, order.clamp(max=L - 1))                     # (B, C, k_max)
    return vals * (order < L)                                       # dropped slots -> 0


def dynamic_k(layer: int, n_layers: int, lengths: torch.Tensor, k_top: int) -> torch.Tensor:
    """k_l = max(k_top, ceil((L - l) / L * s)) for l < L; k_L = k_top; (B,) int64."""
    if layer == n_layers:
        return torch.full_like(lengths, k_top)
    k = ((n_layers - layer) * lengths + n_layers - 1) // n_layers  # integer ceil
    return torch.clamp(k, min=k_top)


class RowConv(nn.Module):
    """Wide one-dimensional convolution in each of the d rows separately, summed over the
    input maps: (B, C_in, d, n) -> (B, C_out, d, n + m - 1). One grouped conv1d with a group
    per row (weight (d * C_out, C_in, m))."""

    def __init__(self, c_in: int, c_out: int, d: int, width: int) -> None:
        super().__init__()
        self.c_in, self.c_out, self.d, self.width = c_in, c_out, d, width
        self.conv = nn.Conv1d(d * c_in, d * c_out, width, padding=width - 1, groups=d,
                              bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, C, d, n = x.shape
        z = x.transpose(1, 2).reshape(B, d * C, n)          # rows as groups  (B, d*C_in, n)
        y = self.conv(z)                                     # (B, d*C_out, n+m-1)
        return y.view(B, d, self.c_out, -1).transpose(1, 2)  # (B, C_out, d, n+m-1)


@register("dynamic-cnn", config=DynamicCNNConfig, rule="backpropagation",
          peer="none run (Kalchbrenner et al. report no MR figure)",
          reference="https://github.com/FredericGodin/DynamicCNN")
class DynamicCNN(SentenceClassifier[DynamicCNNConfig]):
    """Kalchbrenner et al.'s DCNN: stacked wide row-wise convolutions, folding and dynamic
    k-max pooling, a softmax layer on the top k_top columns.

    :param config: a :class:`DynamicCNNConfig`.
    """

    def __init__(self, config: DynamicCNNConfig) -> None:
        super().__init__(config)
        c = config
        self.embedding = make_embedding(c.vocab_size, c.embed_dim, pad_index=c.pad_index,
                                        scale=c.embed_init, embeddings_path=c.embeddings_path,
                                        vocab_path=c.vocab_path, static=c.static)
        d, c_in = c.embed_dim, 1
        self.convs = nn.ModuleList()
        self.biases = nn.ParameterList()
        for i, (w, m) in enumerate(zip(c.widths, c.maps)):
            self.convs.append(RowConv(c_in, m, d, w))
            last = i == len(c.widths) - 1
            rows = d // 2 if (last and c.fold) else d
            self.biases.append(nn.Parameter(torch.zeros(m, rows, 1)))  # a bias per map, row
            c_in = m
        self.top_rows = d // 2 if c.fold else d
        self.dropout = nn.Dropout(c.dropout)
        self.out = nn.Linear(c.maps[-1] * self.top_rows * c.k_top, c.n_classes)
        self.act = torch.tanh if c.activation == "tanh" else F.relu

    @property
    def rows(self) -> list[RowConv]:
        """The row-wise convolutions of :attr:`convs`, bottom first."""
        return [conv for conv in self.convs if isinstance(conv, RowConv)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        c = self.config
        x, s = trim(x, c.pad_index)                                # (B, T), lengths (B,)
        h = self.embedding(x).transpose(1, 2)[:, None]             # (B, 1, d, T)
        n = s                                                      # valid length per sample
        L = len(self.convs)
        for layer, (conv, bias) in enumerate(zip(self.rows, self.biases), 1):
            h = conv(h)                                            # (B, C, d, n + m - 1)
            n = n + conv.width - 1
            if layer == L and c.fold:                              # fold: rows 2i + (2i+1)
                h = h.view(h.shape[0], h.shape[1], -1, 2, h.shape[-1]).sum(3)  # (B, C, d/2, .)
            k = torch.minimum(dynamic_k(layer, L, s, c.k_top), n)  # k_l, at most the length
            k_out = c.k_top if layer == L else int(k.max())
            B, C, R, N = h.shape
            h = kmax_pool(h.reshape(B, C * R, N), k, n, k_out).view(B, C, R, k_out)
            n = k
            pos = torch.arange(k_out, device=x.device)
            h = self.act(h + bias) * (pos < n[:, None])[:, None, None, :]  # (B, C, R, k_out)
        return self.out(self.dropout(h.flatten(1)))                # (B, K)

    def visualize(self, out_dir: Path) -> list[Path]:
        ws = [conv.conv.weight for conv in self.rows]  # (d * C_out, C_in, m) row filters
        return [plot_filter_norms(ws, [f"layer {i + 1} (width {conv.width})"
                                       for i, conv in enumerate(self.rows)],
                                  out_dir / "filter_norms.png",
                                  "dynamic-cnn: row-filter weight norm by window offset")]


__all__ = ["DynamicCNN", "DynamicCNNConfig", "dynamic_k", "kmax_pool"]
