"""C-LSTM: a convolutional layer reads n-grams, an LSTM reads the sequence of n-gram features.

Paper: C. Zhou, C. Sun, Z. Liu, F. C. M. Lau, "A C-LSTM Neural Network for Text
Classification", arXiv:1511.08630, 2015. https://arxiv.org/abs/1511.08630

Reference implementation: https://github.com/zackhy/TextClassification (TensorFlow,
``clstm_classifier.py``).

The math. Filters of one width ``k`` slide over the word vectors ``x_1 .. x_T`` (dimension
E); filter ``j`` gives ``c_{i,j} = relu(w_j . x_{i:i+k-1} + b_j)``, and the ``n`` filters
together give a feature vector ``c_i`` (n) per window, a sequence of ``T - k + 1`` windows
kept in order (no pooling: pooling would break the sequence). An LSTM reads ``c_1, c_2, ...``;

    i_t, f_t, o_t = sigmoid(W [c_t, h_{t-1}] + b),  g_t = tanh(W_g [c_t, h_{t-1}] + b_g),
    m_t = f_t * m_{t-1} + i_t * g_t,                h_t = o_t * tanh(m_t),

and its last hidden state, after dropout, feeds a softmax layer. The paper's set-up: 300-d
word2vec vectors, one filter width 3 with 150 maps, an LSTM of 150 units, dropout 0.5 and L2
0.001 on the softmax layer (the defaults here; L2 is the engine's ``weight_decay``).

Variable lengths: a sentence of s tokens has ``max(1, s - k + 1)`` windows (the input is
zero-padded by ``k - 1`` at the end, so a sentence shorter than ``k`` still has one); the LSTM
runs over exactly those (a packed sequence) and its state after the last one classifies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from nnzoo.core.config import require
from nnzoo.models.registry import register
from nnzoo.models.text.common import SentenceClassifier, check_text_config, trim
from nnzoo.models.text.embeddings import make_embedding
from nnzoo.models.text.sentence_plots import plot_filter_norms


@dataclass
class CLSTMConfig:
    """Hyperparameters of :class:`CLSTM`.

    :param sample_shape: ``(T,)``: token positions of one padded sentence.
    :param vocab_size: vocabulary size V (0 = padding, 1 = unknown word).
    :param n_classes: number of classes.
    :param embed_dim: word-vector dimension E.
    :param filter_width: width k of the filters (one width, as the paper found best).
    :param n_filters: feature maps n = the LSTM's input size.
    :param hidden_size: LSTM units.
    :param num_layers: stacked LSTM layers.
    :param dropout: dropout rate before the softmax layer (and between LSTM layers).
    :param pad_index: the padding id.
    :param embed_init: random word vectors are ``U[-embed_init, embed_init]``.
    :param embeddings_path: a GloVe or word2vec text file ("" = random vectors).
    :param vocab_path: the vocabulary file (one word per line) of ``embeddings_path``'s rows.
    :param static: keep the word vectors fixed.
    """

    sample_shape: tuple[int, ...] = (20,)
    vocab_size: int = 100
    n_classes: int = 2
    embed_dim: int = 300
    filter_width: int = 3
    n_filters: int = 150
    hidden_size: int = 150
    num_layers: int = 1
    dropout: float = 0.5
    pad_index: int = 0
    embed_init: float = 0.25
    embeddings_path: str = ""
    vocab_path: str = ""
    static: bool = False

    def __post_init__(self) -> None:
        check_text_config(self.sample_shape, self.vocab_size, self.pad_index, self.embed_dim,
                          self.n_classes, self.embeddings_path, self.vocab_path, self.embed_init)
        require(self.filter_width >= 1, f"filter_width must be >= 1, got {self.filter_width}")
        require(self.n_filters >= 1, f"n_filters must be >= 1, got {self.n_filters}")
        require(self.hidden_size >= 1, f"hidden_size must be >= 1, got {self.hidden_size}")
        require(self.num_layers >= 1, f"num_layers must be >= 1, got {self.num_layers}")
        require(0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}")


@register("clstm", config=CLSTMConfig, rule="backpropagation through time",
          peer="none run (Zhou et al. report SST figures, not MR)",
          reference="https://github.com/zackhy/TextClassification")
class CLSTM(SentenceClassifier[CLSTMConfig]):
    """C-LSTM: embeddings, one convolution of width k with ReLU, an LSTM over the window
    features, its last state classified by a softmax layer after dropout.

    :param config: a :class:`CLSTMConfig`.
    """

    def __init__(self, config: CLSTMConfig) -> None:
        super().__init__(config)
        c = config
        self.embedding = make_embedding(c.vocab_size, c.embed_dim, pad_index=c.pad_index,
                                        scale=c.embed_init, embeddings_path=c.embeddings_path,
                                        vocab_path=c.vocab_path, static=c.static)
        self.conv = nn.Conv1d(c.embed_dim, c.n_filters, c.filter_width)
        self.lstm = nn.LSTM(c.n_filters, c.hidden_size, c.num_layers, batch_first=True,
                            dropout=c.dropout if c.num_layers > 1 else 0.0)
        self.dropout = nn.Dropout(c.dropout)
        self.out = nn.Linear(c.hidden_size, c.n_classes)

    def window_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The convolution's feature vector of every window, and each sentence's number of
        windows: (B, T) ids -> ((B, T, n), (B,))."""
        k = self.config.filter_width
        x, lengths = trim(x, self.config.pad_index)              # (B, T), (B,)
        e = self.embedding(x).transpose(1, 2)                    # (B, E, T)
        e = F.pad(e, (0, k - 1))                                 # zeros after the end
        c = F.relu(self.conv(e)).transpose(1, 2)                 # c_i (B, T, n)
        windows = (lengths - k + 1).clamp(min=1)  # (B,)
        return c, windows

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        c, windows = self.window_features(x)
        packed = pack_padded_sequence(c, windows.cpu(), batch_first=True, enforce_sorted=False)
        _, (h_n, _) = self.lstm(packed)                          # h_n (layers, B, H)
        return self.out(self.dropout(h_n[-1]))                   # last state -> (B, K)

    def visualize(self, out_dir: Path) -> list[Path]:
        return [plot_filter_norms([self.conv.weight], [f"width {self.config.filter_width}"],
                                  out_dir / "filter_norms.png",
                                  "clstm: filter weight norm by window offset")]
