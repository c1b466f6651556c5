"""Kim's convolutional network for sentence classification (CNN-rand / static / non-static).

Paper: Y. Kim, "Convolutional Neural Networks for Sentence Classification", EMNLP 2014.
https://arxiv.org/abs/1408.5882

Reference implementation: https://github.com/yoonkim/CNN_sentence (Theano, the author's code).

The math. A sentence of T words is the matrix of its word vectors ``x_1 .. x_T`` (each of
dimension E). A filter of width ``h`` (weights ``w`` in R^{h E}, bias ``b``) gives a feature
at every window of ``h`` consecutive words,

    c_i = relu(w . x_{i:i+h-1} + b),

max-over-time pooling keeps its largest value ``c^ = max_i c_i`` (the strongest n-gram
match, wherever it is), and the concatenation of the ``c^`` of all filters (100 of each width
3, 4, 5) is classified by a softmax layer after dropout (p = 0.5). After every update the
softmax weight vector of each class is rescaled to L2 norm ``s = 3`` when it is longer
(Kim's l2-norm constraint, Hinton et al. 2012's max-norm):

    w_k <- w_k * min(1, s / ||w_k||).

Word vectors are random ``U[-0.25, 0.25]`` (CNN-rand, trained with the rest), or read from a
GloVe or word2vec text file (``embeddings_path`` and ``vocab_path``), kept fixed
(``static=True``, CNN-static) or fine-tuned (CNN-non-static).

Details where this file departs from or pins down the paper:

- Convolutions are *wide* (zero padding of ``h - 1`` on both sides, as Kim's code pads every
  sentence by ``h_max - 1`` zero vectors), and the max runs over the windows that overlap the
  sentence only, so a prediction does not depend on how far a batch is padded (Kim's code
  also takes the windows of pure padding, worth ``relu(b)``).
- Kim trains with Adadelta (rho 0.95) and minibatches of 50; the recipes use Adam (the
  engine's optimizers), which reaches the same accuracy on MR in fewer epochs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core.config import require
from nnzoo.models.registry import register
from nnzoo.models.text.common import SentenceClassifier, check_text_config, sentence_lengths, trim
from nnzoo.models.text.embeddings import make_embedding, read_vocab
from nnzoo.models.text.sentence_plots import plot_attention, plot_filter_norms


@dataclass
class TextCNNConfig:
    """Hyperparameters of :class:`TextCNN`.

    :param sample_shape: ``(T,)``: token positions of one padded sentence.
    :param vocab_size: vocabulary size V (ids in ``[0, V)``; 0 = padding, 1 = unknown word).
    :param n_classes: number of classes.
    :param embed_dim: word-vector dimension E (300 as word2vec's GoogleNews vectors).
    :param filter_widths: window widths ``h`` of the filters.
    :param n_filters: feature maps per width.
    :param dropout: dropout rate on the pooled features.
    :param max_norm: L2 bound ``s`` of each class's softmax weight vector after every update;
        0 = no constraint.
    :param pad_index: the padding id.
    :param embed_init: random word vectors are ``U[-embed_init, embed_init]``.
    :param embeddings_path: a GloVe or word2vec text file of pre-trained vectors ("" = random).
    :param vocab_path: the vocabulary (one word per line, line i = id i) that says which word
        each embedding row holds; needed with ``embeddings_path``.
    :param static: keep the word vectors fixed (Kim's CNN-static); fine-tuned otherwise.
    """

    sample_shape: tuple[int, ...] = (20,)
    vocab_size: int = 100
    n_classes: int = 2
    embed_dim: int = 300
    filter_widths: tuple[int, ...] = (3, 4, 5)
    n_filters: int = 100
    dropout: float = 0.5
    max_norm: float = 3.0
    pad_index: int = 0
    embed_init: float = 0.25
    embeddings_path: str = ""
    vocab_path: str = ""
    static: bool = False

    def __post_init__(self) -> None:
        check_text_config(self.sample_shape, self.vocab_size, self.pad_index, self.embed_dim,
                          self.n_classes, self.embeddings_path, self.vocab_path, self.embed_init)
        require(len(self.filter_widths) >= 1 and all(w >= 1 for w in self.filter_widths),
                f"filter_widths must be positive widths, got {self.filter_widths}")
        require(self.n_filters >= 1, f"n_filters must be >= 1, got {self.n_filters}")
        require(0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}")
        require(self.max_norm >= 0, f"max_norm must be >= 0 (0 = off), got {self.max_norm}")


def max_over_time(c: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Max of each feature map over its valid positions: c (B, C, L), valid (B, L) bool ->
    (B, C). Invalid positions count as -inf; a row with no valid position gives -inf."""
    return c.masked_fill(~valid[:, None, :], float("-inf")).amax(-1)


@register("text-cnn", config=TextCNNConfig, rule="backpropagation (max-norm constrained)",
          peer="Kim (2014) published 10-fold MR accuracy (CNN-rand 76.1 %)",
          reference="https://github.com/yoonkim/CNN_sentence")
class TextCNN(SentenceClassifier[TextCNNConfig]):
    """Kim's sentence CNN: embeddings, wide convolutions of several widths, ReLU, max-over-time
    pooling, dropout, a softmax layer with max-norm constrained weights.

    :param config: a :class:`TextCNNConfig`.
    """

    def __init__(self, config: TextCNNConfig) -> None:
        super().__init__(config)
        c = config
        self.embedding = make_embedding(c.vocab_size, c.embed_dim, pad_index=c.pad_index,
                                        scale=c.embed_init, embeddings_path=c.embeddings_path,
                                        vocab_path=c.vocab_path, static=c.static)
        self.convs = nn.ModuleList(nn.Conv1d(c.embed_dim, c.n_filters, w, padding=w - 1)
                                   for w in c.filter_widths)
        self.dropout = nn.Dropout(c.dropout)
        self.out = nn.Linear(c.n_filters * len(c.filter_widths), c.n_classes)
        self._recent: torch.Tensor | None = None  # last evaluated sentences (not state)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Max-pooled feature maps of every filter: (B, T) ids -> (B, n_filters * n_widths)."""
        x, lengths = trim(x, self.config.pad_index)                          # (B, T), (B,)
        e = self.embedding(x).transpose(1, 2)                               # (B, E, T)
        pooled = []
        for conv, w in zip(self.convs, self.config.filter_widths):
            c = F.relu(conv(e))               # c_i = relu(w . x_{i-h+1:i} + b)  (B, C, T+h-1)
            pos = torch.arange(c.shape[-1], device=x.device)
            valid = pos[None, :] < (lengths + w - 1)[:, None]  # window overlaps the sentence
            pooled.append(max_over_time(c, valid))                           # (B, C)
        return torch.cat(pooled, 1)                                          # (B, C * n_w)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        if not self.training:
            self._recent = x[:8].detach()  # a few evaluated sentences, for :meth:`visualize`
        return self.out(self.dropout(self.features(x)))                      # (B, K)

    @torch.no_grad()
    def pooling_sources(self, x: torch.Tensor) -> torch.Tensor:
        """Which words the max-pooled features come from: for every filter, the window that
        won the max over time gives each of its words ``1 / (n_filters * n_widths)``;
        (B, T) ids -> (B, T) shares summing to 1 over each sentence's words."""
        self.check(x)
        lengths = sentence_lengths(x, self.config.pad_index)
        e = self.embedding(x).transpose(1, 2)                               # (B, E, T)
        share = torch.zeros(x.shape, device=x.device)                        # (B, T)
        for conv, w in zip(self.convs, self.config.filter_widths):
            c = F.relu(conv(e))                                              # (B, C, T+w-1)
            pos = torch.arange(c.shape[-1], device=x.device)
            valid = pos[None, :] < (lengths + w - 1)[:, None]
            end = c.masked_fill(~valid[:, None, :], float("-inf")).argmax(-1)  # (B, C)
            words = end[..., None] - (w - 1) + torch.arange(w, device=x.device)  # (B, C, w)
            inside = (words >= 0) & (words < lengths[:, None, None])
            hits = inside.float() / inside.sum(-1, keepdim=True).clamp(min=1)  # per filter 1
            share.scatter_add_(1, words.clamp(0, x.shape[1] - 1).flatten(1), hits.flatten(1))
        return share / share.sum(1, keepdim=True)

    @torch.no_grad()
    def after_step(self) -> None:
        """w_k <- w_k * min(1, s / ||w_k||) for each class's weight vector (rows of W)."""
        if self.config.max_norm > 0:
            self.out.weight.copy_(torch.renorm(self.out.weight, 2, 0, self.config.max_norm))

    def visualize(self, out_dir: Path) -> list[Path]:
        """``filter_norms.png``, and ``pooling_sources.png``: for the first sentences of the
        last evaluation, the share of the max-pooled features that each word feeds (words
        from ``vocab_path`` when given, else token ids)."""
        out_dir = Path(out_dir)
        paths = [plot_filter_norms([conv.weight for conv in self.convs
                                    if isinstance(conv, nn.Conv1d)],
                                   [f"width {w}" for w in self.config.filter_widths],
                                   out_dir / "filter_norms.png",
                                   "text-cnn: filter weight norm by window offset")]
        x = getattr(self, "_recent", None)
        if x is not None:
            was = self.training
            self.eval()
            share = self.pooling_sources(x.to(self.device))
            self.train(was)
            vocab = read_vocab(self.config.vocab_path) if self.config.vocab_path else None
            tokens = [[vocab[i] if vocab else f"#{i}" for i in row[row != self.config.pad_index]
                       .tolist()] for row in x.cpu()]
            paths.append(plot_attention(share, tokens, out_dir / "pooling_sources.png",
                                        "text-cnn: share of max-pooled features from each word"))
        return paths
