"""Sequence to sequence: an LSTM encoder whose final state starts an LSTM decoder.

Paper: I. Sutskever, O. Vinyals, Q. V. Le, "Sequence to sequence learning with neural
networks", NIPS 2014, https://arxiv.org/abs/1409.3215 (Sutskever 2014).

The encoder reads the source (backwards by default: Sutskever et al. found that reversing
the source sentence, not the target, made optimisation easier) with ``num_layers`` stacked
LSTM layers; its final ``(h, c)`` of every layer is the decoder's initial state, so the whole
source must pass through that fixed-size state. The decoder, another stacked LSTM of the same
size, reads ``<sos>, y_1, ..., y_{T-1}`` (teacher forcing in training, its own outputs when
decoding) and predicts ``p(y_t | y_<t, x) = softmax(W h_t + b)``. Training minimises the mean
cross-entropy of the target tokens; decoding is greedy or a beam search
(:mod:`~nnzoo.models.attention.decoding`). The shared machinery (checks, loss, decoding) is
:mod:`~nnzoo.models.attention.encdec`. This is the baseline of the attention models
(:mod:`~nnzoo.models.attention.bahdanau_attention`,
:mod:`~nnzoo.models.attention.luong_attention`): no attention, one vector for the whole source.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from nnzoo.models.attention.decoding import Tensors
from nnzoo.models.attention.encdec import EncDecConfig, Encoder, EncoderDecoder
from nnzoo.models.registry import register


@dataclass
class Seq2SeqConfig(EncDecConfig):
    """:class:`EncDecConfig` of ``seq2seq``; the source is read backwards by default."""

    reverse_source: bool = True


PEER = "none: no peer library is required; the rows compare the three encoder-decoders"


@register("seq2seq", config=Seq2SeqConfig, rule="backprop (teacher forcing)", peer=PEER,
          reference="https://github.com/google/seq2seq")
class Seq2Seq(EncoderDecoder[Seq2SeqConfig]):
    """Encoder-decoder LSTM (Sutskever et al. 2014). :param config: a :class:`Seq2SeqConfig`."""

    def __init__(self, config: Seq2SeqConfig) -> None:
        super().__init__(config)
        c = config
        self.encoder = Encoder("lstm", c.vocab_size, c.embed_dim, c.hidden_size, c.num_layers,
                               c.dropout, c.pad_index, bidirectional=False)
        self.tgt_embedding = nn.Embedding(c.n_classes, c.embed_dim)
        self.drop = nn.Dropout(c.dropout)
        self.decoder = nn.LSTM(c.embed_dim, c.hidden_size, num_layers=c.num_layers,
                               batch_first=True, dropout=c.dropout if c.num_layers > 1 else 0.0)
        self.head = nn.Linear(c.hidden_size, c.n_classes)

    def start(self, x: torch.Tensor) -> tuple[Tensors, Tensors]:
        """The encoder's final ``(h, c)`` as the first decoder state, batch-first
        ``(B, layers, H)``; the memory is only the source mask (nothing is attended)."""
        _, (h, c) = self.encoder(self.read_order(x), self.lengths_of(x))  # (L, B, H) each
        return (h.transpose(0, 1), c.transpose(0, 1)), (x != self.config.pad_index,)

    def step(self, prev: torch.Tensor, state: Tensors, memory: Tensors
             ) -> tuple[torch.Tensor, Tensors, torch.Tensor | None]:
        h, c = (s.transpose(0, 1).contiguous() for s in state)    # (L, N, H)
        emb = self.drop(self.tgt_embedding(prev))[:, None]         # (N, 1, E)
        out, (h, c) = self.decoder(emb, (h, c))                    # h_t = LSTM(h_{t-1}, y_{t-1})
        logits = self.head(self.out_drop(out[:, 0]))               # W h_t + b
        return logits, (h.transpose(0, 1), c.transpose(0, 1)), None

    def teacher_forced(self, x: torch.Tensor, y: torch.Tensor
                       ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The same logits as the step loop, with the decoder's fused kernel over all steps."""
        (h, c), _ = self.start(x)
        prev = torch.cat([y.new_full((y.shape[0], 1), self.config.sos_index), y[:, :-1]], 1)
        state = (h.transpose(0, 1).contiguous(), c.transpose(0, 1).contiguous())
        out, _ = self.decoder(self.drop(self.tgt_embedding(prev)), state)  # (B, T, H)
        return self.head(self.out_drop(out)), None


__all__ = ["Seq2Seq", "Seq2SeqConfig"]
