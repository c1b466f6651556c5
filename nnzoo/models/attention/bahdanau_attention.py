"""RNNsearch: an encoder-decoder whose decoder attends to every source position (additive
attention).

Paper: D. Bahdanau, K. Cho, Y. Bengio, "Neural machine translation by jointly learning to
align and translate", arXiv:1409.0473, 2014 (ICLR 2015), https://arxiv.org/abs/1409.0473
(Bahdanau 2014). Section 3 and appendix A give the model; this file follows them:

- Encoder: a bidirectional RNN of gated units (GRU, ``cell="gru"``; LSTM as an option)
  reads the source; the annotation of position j is ``h_j = [->h_j; <-h_j]`` (both
  directions of the top layer, ``2H`` numbers).
- Decoder state: ``s_0 = tanh(W_s <-h_1)`` (the backward state at the first position,
  appendix A.2.2); ``s_i = f(s_{i-1}, y_{i-1}, c_i)``, a GRU cell whose input is the embedding
  of the previous output concatenated with the context ``[E y_{i-1}; c_i]`` (so ``c_i`` enters
  its candidate and both gates, ``C c_i``, ``C_z c_i``, ``C_r c_i``).
- Alignment (A.1.2): ``e_ij = v_a^T tanh(W_a s_{i-1} + U_a h_j)`` (``U_a h_j`` computed once
  per source), ``alpha_ij = softmax_j(e_ij)`` over the real source positions, the context
  ``c_i = sum_j alpha_ij h_j``.
- Output (deep output with one maxout layer, A.2.2):
  ``t~_i = U_o s_i + V_o E y_{i-1} + C_o c_i`` (``2l`` numbers; the index of ``s`` and ``c``
  follows Eq. (4), ``p(y_i | ...) = g(y_{i-1}, s_i, c_i)``, where the appendix prints
  ``s_{i-1}`` and ``c_{i-1}``), ``t_i = [max(t~_{2j-1}, t~_{2j})]_{j=1..l}``,
  ``p(y_i | ...) = softmax(W_o t_i)``.

Sizes are configuration (the paper: n = 1000 units, m = 620-dimensional embeddings, l = 500
maxout units); biases are kept (the paper omits them for readability). Shared machinery:
:mod:`~nnzoo.models.attention.encdec`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from nnzoo.core.config import require
from nnzoo.models.attention.decoding import Tensors
from nnzoo.models.attention.encdec import (
    RNN,
    AttentionScore,
    EncDecConfig,
    Encoder,
    EncoderDecoder,
    masked_softmax,
)
from nnzoo.models.attention.seq2seq import PEER
from nnzoo.models.registry import register


@dataclass
class BahdanauConfig(EncDecConfig):
    """:class:`EncDecConfig` of ``bahdanau-attention``.

    :param cell: ``gru`` (the paper's gated hidden unit) or ``lstm``, in both the encoder and
        the decoder (the decoder is one layer; ``num_layers`` stacks the encoder).
    :param attn_dim: ``n'``, the hidden size of the alignment model (0: ``hidden_size``).
    :param maxout: ``l``, the maxout units of the deep output (0: ``hidden_size``).
    """

    cell: RNN = "gru"
    attn_dim: int = 0
    maxout: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.cell in ("gru", "lstm"), f"cell must be gru or lstm, got {self.cell!r}")
        require(self.attn_dim >= 0, f"attn_dim must be >= 0 (0: hidden_size), got "
                f"{self.attn_dim}")
        require(self.maxout >= 0, f"maxout must be >= 0 (0: hidden_size), got {self.maxout}")


@register("bahdanau-attention", config=BahdanauConfig, rule="backprop (teacher forcing)",
          peer=PEER, reference="https://github.com/lisa-groundhog/GroundHog")
class BahdanauAttention(EncoderDecoder[BahdanauConfig]):
    """RNNsearch (Bahdanau et al. 2014). :param config: a :class:`BahdanauConfig`."""

    def __init__(self, config: BahdanauConfig) -> None:
        super().__init__(config)
        c = config
        H, E = c.hidden_size, c.embed_dim
        self.encoder = Encoder(c.cell, c.vocab_size, E, H, c.num_layers, c.dropout,
                               c.pad_index, bidirectional=True)
        self.init = nn.Linear(H, H)                                # W_s
        self.score = AttentionScore("additive", H, 2 * H, c.attn_dim or H)  # W_a, U_a, v_a
        self.tgt_embedding = nn.Embedding(c.n_classes, E)          # E (target)
        self.drop = nn.Dropout(c.dropout)
        cell = nn.GRUCell if c.cell == "gru" else nn.LSTMCell
        self.cell = cell(E + 2 * H, H)                             # f(s, [E y; c])
        l_units = c.maxout or H
        self.deep = nn.Linear(H + E + 2 * H, 2 * l_units)          # [U_o V_o C_o]
        self.head = nn.Linear(l_units, c.n_classes)                # W_o

    def start(self, x: torch.Tensor) -> tuple[Tensors, Tensors]:
        """``s_0 = tanh(W_s <-h_1)`` (and a zero LSTM cell); memory: the annotations ``h_j``
        ``(B, S, 2H)``, ``U_a h_j`` and the source mask."""
        H = self.config.hidden_size
        h, _ = self.encoder(self.read_order(x), self.lengths_of(x))  # (B, S, 2H)
        s0 = torch.tanh(self.init(h[:, 0, H:]))                    # <-h_1: backward, first step
        state = (s0,) if self.config.cell == "gru" else (s0, torch.zeros_like(s0))
        return state, (h, self.score.keys(h), x != self.config.pad_index)

    def step(self, prev: torch.Tensor, state: Tensors, memory: Tensors
             ) -> tuple[torch.Tensor, Tensors, torch.Tensor | None]:
        h, keys, mask = memory
        s_prev = state[0]                                          # s_{i-1}
        alpha = masked_softmax(self.score(s_prev, keys), mask)     # softmax_j e_ij  (N, S)
        ctx = torch.einsum("ns,nsd->nd", alpha.to(h.dtype), h)     # c_i = sum_j alpha_ij h_j
        emb = self.drop(self.tgt_embedding(prev))                  # E y_{i-1}
        inp = torch.cat([emb, ctx], 1)
        new: Tensors = ((self.cell(inp, s_prev),) if len(state) == 1   # s_i = f(s, y, c)
                        else tuple(self.cell(inp, (state[0], state[1]))))
        t = self.deep(self.out_drop(torch.cat([new[0], emb, ctx], 1)))  # U_o s + V_o Ey + C_o c
        t = t.view(t.shape[0], -1, 2).max(-1).values               # maxout over pairs
        return self.head(t), new, alpha                            # W_o t_i


__all__ = ["BahdanauAttention", "BahdanauConfig"]
