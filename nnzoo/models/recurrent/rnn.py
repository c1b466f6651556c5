"""Recurrent networks: Elman RNN, LSTM and GRU cells, stacked and bidirectional, for sequence
classification, sequence regression and character language modelling.

Papers:

- Elman RNN: J. L. Elman, "Finding structure in time", Cognitive Science 14(2), 1990.
  https://doi.org/10.1207/s15516709cog1402_1
- LSTM: S. Hochreiter, J. Schmidhuber, "Long short-term memory", Neural Computation 9(8), 1997,
  https://doi.org/10.1162/neco.1997.9.8.1735; the forget gate: F. A. Gers, J. Schmidhuber,
  F. Cummins, "Learning to forget: continual prediction with LSTM", Neural Computation 12(10),
  2000, https://doi.org/10.1162/089976600300015015.
- GRU: K. Cho et al., "Learning phrase representations using RNN encoder-decoder for
  statistical machine translation", EMNLP 2014, https://arxiv.org/abs/1406.1078.
- Bidirectional RNN: M. Schuster, K. K. Paliwal, "Bidirectional recurrent neural networks",
  IEEE Trans. Signal Processing 45(11), 1997, https://doi.org/10.1109/78.650093; BiLSTM:
  A. Graves, J. Schmidhuber, 2005, https://doi.org/10.1016/j.neunet.2005.06.042.
- BiGRU: D. Bahdanau, K. Cho, Y. Bengio, "Neural machine translation by jointly learning to
  align and translate", arXiv:1409.0473, 2014 (ICLR 2015): its encoder reads the sentence with
  a bidirectional RNN of gated recurrent units. https://arxiv.org/abs/1409.0473
- Attention pooling: Z. Yang, D. Yang, C. Dyer, X. He, A. Smola, E. Hovy, "Hierarchical
  attention networks for document classification", NAACL 2016 (word attention, an additive
  score in the style of Bahdanau et al. 2014 against one learned context vector).
  https://aclanthology.org/N16-1174

Reference implementation of the character language model: A. Karpathy, char-rnn (2015),
https://github.com/karpathy/char-rnn.

The cells (Elman, LSTM, GRU) are written out, one step each, in
:mod:`nnzoo.models.recurrent.cells`, with torch's gate order and equations; the network uses
torch's fused kernels, which the tests compare with those readable cells.

The network (:class:`~nnzoo.models.recurrent.network.Recurrent`, shared by the six ids below,
with its math): token ids -> embedding (or real vectors) -> stacked cells, one or both
directions -> a linear head, for sequence classification, regression and language modelling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from nnzoo.models.recurrent.network import Cell, Recurrent, RecurrentConfig
from nnzoo.models.registry import register


@dataclass
class RNNConfig(RecurrentConfig):
    """:class:`RecurrentConfig` of ``rnn``: Elman cells, one direction."""

    cell: Cell = "rnn"
    FIXED: ClassVar[tuple[str, bool] | None] = ("rnn", False)


@dataclass
class LSTMConfig(RecurrentConfig):
    """:class:`RecurrentConfig` of ``lstm``: LSTM cells, one direction."""

    cell: Cell = "lstm"
    FIXED: ClassVar[tuple[str, bool] | None] = ("lstm", False)


@dataclass
class GRUConfig(RecurrentConfig):
    """:class:`RecurrentConfig` of ``gru``: GRU cells, one direction."""

    cell: Cell = "gru"
    FIXED: ClassVar[tuple[str, bool] | None] = ("gru", False)


@dataclass
class BiRNNConfig(RecurrentConfig):
    """:class:`RecurrentConfig` of ``birnn``: Elman cells, both directions."""

    cell: Cell = "rnn"
    bidirectional: bool = True
    FIXED: ClassVar[tuple[str, bool] | None] = ("rnn", True)


@dataclass
class BiLSTMConfig(RecurrentConfig):
    """:class:`RecurrentConfig` of ``bilstm``: LSTM cells, both directions."""

    cell: Cell = "lstm"
    bidirectional: bool = True
    FIXED: ClassVar[tuple[str, bool] | None] = ("lstm", True)


@dataclass
class BiGRUConfig(RecurrentConfig):
    """:class:`RecurrentConfig` of ``bigru``: GRU cells, both directions."""

    cell: Cell = "gru"
    bidirectional: bool = True
    FIXED: ClassVar[tuple[str, bool] | None] = ("gru", True)


_PEER = "PyTorch nn.{} (fused kernel) in a hand-written training loop"
_CHAR_RNN = "https://github.com/karpathy/char-rnn"


@register("rnn", config=RNNConfig, rule="backpropagation through time", peer=_PEER.format("RNN"),
          reference=_CHAR_RNN)
class RNN(Recurrent[RNNConfig]):
    """Elman recurrent network (Elman 1990). :param config: an :class:`RNNConfig`."""


@register("lstm", config=LSTMConfig, rule="backpropagation through time",
          peer=_PEER.format("LSTM"), reference=_CHAR_RNN)
class LSTM(Recurrent[LSTMConfig]):
    """Long short-term memory (Hochreiter & Schmidhuber 1997; forget gate, Gers et al. 2000).
    :param config: an :class:`LSTMConfig`."""


@register("gru", config=GRUConfig, rule="backpropagation through time", peer=_PEER.format("GRU"),
          reference="https://github.com/pytorch/examples/tree/main/word_language_model")
class GRU(Recurrent[GRUConfig]):
    """Gated recurrent unit (Cho et al. 2014). :param config: a :class:`GRUConfig`."""


@register("birnn", config=BiRNNConfig, rule="backpropagation through time",
          peer=_PEER.format("RNN(bidirectional=True)"),
          reference="https://doi.org/10.1109/78.650093")
class BiRNN(Recurrent[BiRNNConfig]):
    """Bidirectional Elman network (Schuster & Paliwal 1997).
    :param config: a :class:`BiRNNConfig`."""


@register("bilstm", config=BiLSTMConfig, rule="backpropagation through time",
          peer=_PEER.format("LSTM(bidirectional=True)"),
          reference="https://github.com/pytorch/examples/tree/main/word_language_model")
class BiLSTM(Recurrent[BiLSTMConfig]):
    """Bidirectional LSTM (Graves & Schmidhuber 2005). :param config: a :class:`BiLSTMConfig`."""


@register("bigru", config=BiGRUConfig, rule="backpropagation through time",
          peer=_PEER.format("GRU(bidirectional=True)"),
          reference="https://github.com/pytorch/examples/tree/main/word_language_model")
class BiGRU(Recurrent[BiGRUConfig]):
    """Bidirectional GRU (Bahdanau et al. 2014 use it as their encoder).
    :param config: a :class:`BiGRUConfig`."""


__all__ = ["BiGRU", "BiGRUConfig", "BiLSTM", "BiLSTMConfig", "BiRNN", "BiRNNConfig", "GRU",
           "GRUConfig", "LSTM", "LSTMConfig", "RNN", "RNNConfig"]
