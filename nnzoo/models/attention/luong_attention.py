"""Global attention: a stacked LSTM encoder-decoder whose top decoder state is compared with
every source state (dot, general or concat score), with input feeding.

Paper: M.-T. Luong, H. Pham, C. D. Manning, "Effective approaches to attention-based neural
machine translation", EMNLP 2015, https://arxiv.org/abs/1508.04025 (Luong 2015). Section 3
gives the model; this file implements the global attention of section 3.1 and the input
feeding of section 3.3 (the local attention of section 3.2 is not implemented):

- Encoder and decoder: stacked LSTMs (``num_layers``); the encoder's final state starts the
  decoder, as in Sutskever et al. 2014. The source states ``h-_s`` are the encoder's top
  layer; ``h_t`` is the decoder's top layer at step t.
- Alignment (Eq. 7): ``a_t(s) = exp(score(h_t, h-_s)) / sum_s' exp(score(h_t, h-_s'))`` over
  the real source positions, with ``score`` (``score=``) one of
  ``dot: h_t^T h-_s``, ``general: h_t^T W_a h-_s``, ``concat: v_a^T tanh(W_a [h_t; h-_s])``.
- Context ``c_t = sum_s a_t(s) h-_s``; attentional state (Eq. 5)
  ``h~_t = tanh(W_c [c_t; h_t])``; prediction (Eq. 6) ``p(y_t | y_<t, x) = softmax(W_s h~_t)``.
- Input feeding (``input_feeding=True``, section 3.3): ``h~_{t-1}`` is concatenated with the
  embedding of ``y_{t-1}`` as the decoder's input (zeros at the first step), so each
  alignment knows the previous ones. Without it every step's attention is independent and
  training runs the decoder's fused kernel over the whole target at once.

Unlike Bahdanau et al. (2014) the path is ``h_t -> a_t -> c_t -> h~_t`` (the current state
attends, not the previous one). Shared machinery: :mod:`~nnzoo.models.attention.encdec`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from nnzoo.core.config import require
from nnzoo.models.attention.decoding import Tensors
from nnzoo.models.attention.encdec import (
    AttentionScore,
    EncDecConfig,
    Encoder,
    EncoderDecoder,
    masked_softmax,
)
from nnzoo.models.attention.seq2seq import PEER
from nnzoo.models.registry import register

LuongScore = Literal["dot", "general", "concat"]


@dataclass
class LuongConfig(EncDecConfig):
    """:class:`EncDecConfig` of ``luong-attention``.

    :param score: ``dot``, ``general`` or ``concat`` (section 3.1).
    :param input_feeding: feed ``h~_{t-1}`` to the next step (section 3.3).
    :param attn_dim: hidden size of the concat score (0: ``hidden_size``).
    """

    score: LuongScore = "general"
    input_feeding: bool = True
    attn_dim: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.score in ("dot", "general", "concat"),
                f"score must be dot, general or concat, got {self.score!r}")
        require(self.attn_dim >= 0, f"attn_dim must be >= 0 (0: hidden_size), got "
                f"{self.attn_dim}")


@register("luong-attention", config=LuongConfig, rule="backprop (teacher forcing)", peer=PEER,
          reference="https://arxiv.org/abs/1508.04025")
class LuongAttention(EncoderDecoder[LuongConfig]):
    """Global attention (Luong et al. 2015). :param config: a :class:`LuongConfig`."""

    def __init__(self, config: LuongConfig) -> None:
        super().__init__(config)
        c = config
        H, E = c.hidden_size, c.embed_dim
        self.encoder = Encoder("lstm", c.vocab_size, E, H, c.num_layers, c.dropout,
                               c.pad_index, bidirectional=False)
        self.tgt_embedding = nn.Embedding(c.n_classes, E)
        self.drop = nn.Dropout(c.dropout)
        self.decoder = nn.LSTM(E + (H if c.input_feeding else 0), H, num_layers=c.num_layers,
                               batch_first=True, dropout=c.dropout if c.num_layers > 1 else 0.0)
        self.score = AttentionScore(c.score, H, H, c.attn_dim or H)
        self.combine = nn.Linear(2 * H, H, bias=False)             # W_c
        self.head = nn.Linear(H, c.n_classes)                      # W_s

    def start(self, x: torch.Tensor) -> tuple[Tensors, Tensors]:
        """State: the encoder's final ``(h, c)`` batch-first ``(B, layers, H)`` and
        ``h~_0 = 0``; memory: the source states ``h-_s``, their keys and the mask."""
        hs, (h, c) = self.encoder(self.read_order(x), self.lengths_of(x))  # (B, S, H)
        feed = hs.new_zeros(hs.shape[0], self.config.hidden_size)  # h~_0
        return ((h.transpose(0, 1), c.transpose(0, 1), feed),
                (hs, self.score.keys(hs), x != self.config.pad_index))

    def _attend(self, ht: torch.Tensor, memory: Tensors
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """``h~_t`` and ``a_t`` for top states ``ht`` ``(B, D)`` or ``(B, T, D)``."""
        hs, keys, mask = memory
        m = mask if ht.dim() == 2 else mask[:, None]
        a = masked_softmax(self.score(ht, keys), m)                # a_t(s)
        ctx = a.to(hs.dtype) @ hs if ht.dim() == 3 else torch.einsum("ns,nsd->nd",
                                                                     a.to(hs.dtype), hs)
        h_att = torch.tanh(self.combine(torch.cat([ctx, ht], -1)))  # h~_t = tanh(W_c[c_t; h_t])
        return h_att, a

    def step(self, prev: torch.Tensor, state: Tensors, memory: Tensors
             ) -> tuple[torch.Tensor, Tensors, torch.Tensor | None]:
        h, c = (s.transpose(0, 1).contiguous() for s in state[:2])  # (L, N, H)
        inp = self.drop(self.tgt_embedding(prev))                  # E y_{t-1}
        if self.config.input_feeding:
            inp = torch.cat([inp, state[2]], 1)                    # [E y_{t-1}; h~_{t-1}]
        out, (h, c) = self.decoder(inp[:, None], (h, c))
        h_att, a = self._attend(out[:, 0], memory)
        logits = self.head(self.out_drop(h_att))                   # W_s h~_t
        return logits, (h.transpose(0, 1), c.transpose(0, 1), h_att), a

    def teacher_forced(self, x: torch.Tensor, y: torch.Tensor
                       ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Without input feeding the steps are independent given ``h_t``: one fused decoder
        pass, then attention for all steps at once (the same numbers as the step loop)."""
        if self.config.input_feeding:
            return super().teacher_forced(x, y)
        (h, c, _), memory = self.start(x)
        prev = torch.cat([y.new_full((y.shape[0], 1), self.config.sos_index), y[:, :-1]], 1)
        out, _ = self.decoder(self.drop(self.tgt_embedding(prev)),
                              (h.transpose(0, 1).contiguous(), c.transpose(0, 1).contiguous()))
        h_att, a = self._attend(out, memory)                       # (B, T, H), (B, T, S)
        return self.head(self.out_drop(h_att)), a


__all__ = ["LuongAttention", "LuongConfig", "LuongScore"]
