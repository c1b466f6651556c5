"""BiLSTM-CRF: a bidirectional LSTM over word and character features, with a CRF on top.

Papers: Z. Huang, W. Xu, K. Yu, "Bidirectional LSTM-CRF Models for Sequence Tagging", 2015,
https://arxiv.org/abs/1508.01991; G. Lample, M. Ballesteros, S. Subramanian, K. Kawakami,
C. Dyer, "Neural Architectures for Named Entity Recognition", NAACL 2016,
https://aclanthology.org/N16-1030 (character BiLSTM, dropout 0.5, word LSTM of 100 units per
direction); X. Ma, E. Hovy, "End-to-end Sequence Labeling via Bi-directional
LSTM-CNNs-CRF", ACL 2016, https://aclanthology.org/P16-1101 (character CNN: 30-dimensional
character embeddings, 30 filters of width 3, max-pooled).

Reference implementation: https://github.com/glample/tagger (Theano, Lample et al.).

The network, for a sentence of L words with C characters each:

- word embedding ``w_t = E[word_t]`` (``word_dim``);
- character features of each word (``char_encoder``): ``cnn``: ``max_k conv(E_c[chars])``
  (Ma & Hovy), ``lstm``: the last states of a BiLSTM over the characters, forward and
  backward, concatenated (Lample et al.), ``none``: no character features;
- ``h_t = BiLSTM([w_t; c_t])`` (``hidden`` units per direction), dropout before and after;
- emission scores ``e_t = W h_t + b`` (K tags);
- output layer (``decoder``): the linear-chain CRF of :mod:`nnzoo.models.text.crf` (Viterbi
  decoding, optional BIO constraints), or ``softmax``: independent per-token classification,
  the ablation of Lample et al. (Table 4) and the baseline of the benchmark.

Pretrained word embeddings (Lample et al. use skip-n-gram vectors) are not loaded: the word
embeddings start random, which costs several F1 points on WNUT-17.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from nnzoo.core.config import require
from nnzoo.core.tags import ALPHABET, TOY_TAGS
from nnzoo.models.registry import register
from nnzoo.models.text.tagger import SequenceTagger, check_tagger_config


@dataclass
class BiLSTMCRFConfig:
    """Hyperparameters of :class:`BiLSTMCRF`.

    :param sample_shape: ``(T, 1 + C)``: steps, then the word id and C character ids.
    :param n_classes: number of tags K (set from the dataset).
    :param vocab_size: number of word ids (set from the dataset; 0 pad, 1 unknown).
    :param tags: the tag names, BIO.
    :param n_chars: number of character ids (0 pad, 1 unknown).
    :param word_dim: word embedding size.
    :param char_encoder: ``cnn`` (Ma & Hovy 2016), ``lstm`` (Lample et al. 2016) or ``none``.
    :param char_dim: character embedding size.
    :param char_hidden: character features: CNN filters, or LSTM units per direction.
    :param char_kernel: width of the character convolution.
    :param hidden: word BiLSTM units per direction.
    :param layers: stacked word BiLSTM layers.
    :param dropout: dropout on the BiLSTM's input and output.
    :param decoder: ``crf`` or ``softmax`` (per-token, no transitions).
    :param constraints: BIO transition constraints in the CRF.
    :param unk_dropout: probability that a training word is replaced by the unknown word.
    """

    sample_shape: tuple[int, ...] = (24, 17)
    n_classes: int = len(TOY_TAGS)
    vocab_size: int = 200
    tags: tuple[str, ...] = TOY_TAGS
    n_chars: int = 2 + len(ALPHABET)
    word_dim: int = 100
    char_encoder: Literal["cnn", "lstm", "none"] = "cnn"
    char_dim: int = 30
    char_hidden: int = 30
    char_kernel: int = 3
    hidden: int = 100
    layers: int = 1
    dropout: float = 0.5
    decoder: Literal["crf", "softmax"] = "crf"
    constraints: bool = True
    unk_dropout: float = 0.0

    def __post_init__(self) -> None:
        check_tagger_config(self)
        for name in ("word_dim", "char_dim", "char_hidden", "char_kernel", "hidden", "layers"):
            require(getattr(self, name) >= 1, f"{name} must be >= 1, got {getattr(self, name)}")
        require(self.char_encoder in ("cnn", "lstm", "none"),
                f"char_encoder must be cnn, lstm or none, got {self.char_encoder!r}")
        require(self.decoder in ("crf", "softmax"),
                f"decoder must be crf or softmax, got {self.decoder!r}")
        require(0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}")
        require(self.char_encoder == "none" or self.sample_shape[1] >= 2,
                f"char_encoder {self.char_encoder!r} needs character ids: sample_shape must be "
                f"(T, 1 + C) with C >= 1, got {self.sample_shape}")


class CharCNN(nn.Module):
    """Ma & Hovy (2016): ``max over characters of conv(char embeddings)``.

    :param n_chars: character ids; :param dim: embedding size; :param filters: output size;
    :param kernel: convolution width.
    """

    def __init__(self, n_chars: int, dim: int, filters: int, kernel: int) -> None:
        super().__init__()
        self.emb = nn.Embedding(n_chars, dim, padding_idx=0)
        self.conv = nn.Conv1d(dim, filters, kernel, padding=kernel // 2)
        self.out_dim = filters

    def forward(self, chars: torch.Tensor) -> torch.Tensor:
        B, L, C = chars.shape
        x = self.emb(chars.reshape(B * L, C)).transpose(1, 2)               # (BL, D, C)
        h = self.conv(x)[..., :C]                                           # (BL, F, C)
        pad = (chars.reshape(B * L, 1, C) == 0)
        h = h.masked_fill(pad, float("-inf")).amax(2)                       # max over chars
        return torch.where(torch.isfinite(h), h, 0.0).view(B, L, -1)        # (B, L, F)


class CharLSTM(nn.Module):
    """Lample et al. (2016): the final forward and backward states of a BiLSTM over the
    characters of each word, concatenated.

    :param n_chars: character ids; :param dim: embedding size; :param hidden: units per
        direction.
    """

    def __init__(self, n_chars: int, dim: int, hidden: int) -> None:
        super().__init__()
        self.emb = nn.Embedding(n_chars, dim, padding_idx=0)
        self.lstm = nn.LSTM(dim, hidden, batch_first=True, bidirectional=True)
        self.out_dim = 2 * hidden

    def forward(self, chars: torch.Tensor) -> torch.Tensor:
        B, L, C = chars.shape
        flat = chars.reshape(B * L, C)
        n = (flat != 0).sum(1)                                              # chars per word
        packed = pack_padded_sequence(self.emb(flat), n.clamp_min(1).cpu(), batch_first=True,
                                      enforce_sorted=False)
        _, (h, _) = self.lstm(packed)                                       # h (2, BL, H)
        out = torch.cat([h[0], h[1]], 1) * (n > 0)[:, None]                 # [h_fwd; h_bwd]
        return out.view(B, L, -1)                                           # (B, L, 2H)


@register("bilstm-crf", config=BiLSTMCRFConfig, peer="BiLSTM-softmax baseline (same encoder, "
          "per-token softmax), run in the same bench", reference="https://github.com/glample/tagger")
class BiLSTMCRF(SequenceTagger[BiLSTMCRFConfig]):
    """BiLSTM-CRF tagger (Huang et al. 2015; Lample et al. 2016) with character features.

    Layout of ``x``, ``y`` and the predictions: see :mod:`nnzoo.models.text.crf`.

    :param config: a :class:`BiLSTMCRFConfig`.
    """

    def __init__(self, config: BiLSTMCRFConfig) -> None:
        super().__init__(config)
        c = config
        self.word = nn.Embedding(c.vocab_size, c.word_dim, padding_idx=0)
        self.chars: nn.Module | None = None
        feat = c.word_dim
        if c.char_encoder == "cnn":
            self.chars = CharCNN(c.n_chars, c.char_dim, c.char_hidden, c.char_kernel)
        elif c.char_encoder == "lstm":
            self.chars = CharLSTM(c.n_chars, c.char_dim, c.char_hidden)
        if self.chars is not None:
            feat += self.chars.out_dim
        self.drop = nn.Dropout(c.dropout)
        self.lstm = nn.LSTM(feat, c.hidden, num_layers=c.layers, batch_first=True,
                            bidirectional=True, dropout=c.dropout if c.layers > 1 else 0.0)
        self.out = nn.Linear(2 * c.hidden, c.n_classes)

    def emissions(self, words: torch.Tensor, chars: torch.Tensor, lengths: torch.Tensor
                  ) -> torch.Tensor:
        x = self.word(words)                                                # (B, L, Dw)
        if self.chars is not None:
            x = torch.cat([x, self.chars(chars)], 2)                        # [w_t; c_t]
        packed = pack_padded_sequence(self.drop(x), lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        h, _ = self.lstm(packed)
        h, _ = pad_packed_sequence(h, batch_first=True, total_length=words.shape[1])
        return self.out(self.drop(h))                                       # (B, L, K)


__all__ = ["BiLSTMCRF", "BiLSTMCRFConfig", "CharCNN", "CharLSTM"]
