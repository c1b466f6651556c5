"""What the three encoder-decoders share: the config, the recurrent encoder, the attention
scores, the training loss and the decoding (:mod:`~nnzoo.models.attention.seq2seq`,
:mod:`~nnzoo.models.attention.bahdanau_attention`,
:mod:`~nnzoo.models.attention.luong_attention` register them).

Data (:mod:`nnzoo.data.alignment`): a batch is ``x`` ``(B, S)`` source token ids, end-padded
with ``pad_index``, and ``y`` ``(B, T)`` target ids: the characters, ``<eos>``, then
``<pad>``. The decoder reads ``<sos>, y_1, .., y_{T-1}`` (teacher forcing: the true previous
token) and is trained on the mean cross-entropy of the target tokens,
``-1/N sum_{t: y_t != pad} log p(y_t | y_<t, x)``. At test time it reads its own previous
output (greedy or beam search, :mod:`~nnzoo.models.attention.decoding`).

Attention (Bahdanau et al. 2014, Luong et al. 2015): scores ``e_j`` of the source positions,
``alpha_j = exp(e_j) / sum_k exp(e_k)`` over the real positions only (padding gets
``e_j = -inf``, so ``alpha_j = 0`` there and the weights sum to 1), and the context
``c = sum_j alpha_j h_j``. The scores (``s`` a decoder state, ``h_j`` an encoder state):

- additive (Bahdanau et al. 2014, appendix A.1.2): ``e_j = v^T tanh(W s + U h_j)``;
- dot (Luong et al. 2015, section 3.1): ``e_j = s^T h_j``;
- general: ``e_j = s^T W h_j``;
- concat: ``e_j = v^T tanh(W [s; h_j])``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from nnzoo.core.config import require
from nnzoo.core.errors import ConfigError, InputError
from nnzoo.models.attention.decoding import Decoded, Tensors, beam_search, greedy
from nnzoo.models.base import Batch, ZooModule

Score = Literal["additive", "dot", "general", "concat"]


@dataclass
class EncDecConfig:
    """Hyperparameters every encoder-decoder shares.

    :param sample_shape: ``(S,)``: the longest source, in tokens.
    :param vocab_size: source vocabulary, special tokens included (set by the data).
    :param n_classes: target vocabulary, special tokens included (set by the data).
    :param embed_dim: size of the token embeddings (source and target have their own).
    :param hidden_size: state size of each recurrent layer (per direction).
    :param num_layers: stacked recurrent layers.
    :param dropout: dropout on the embeddings, between layers and before the output.
    :param max_target_len: the most tokens a decoding emits (``<eos>`` included).
    :param beam_width: the beam of :meth:`EncoderDecoder.predict` (1: greedy).
    :param length_norm: ``alpha`` of the beam's final ranking ``log p / n^alpha`` (0: off).
    :param reverse_source: read each source backwards (Sutskever et al. 2014's trick; the
        padding stays at the end, and attention weights are given back in reading order).
    :param pad_index: ``<pad>`` id (no loss, masked out of attention).
    :param sos_index: ``<sos>`` id, the decoder's first input.
    :param eos_index: ``<eos>`` id, ends an output.
    :param source_chars: optional: the source characters, id ``3 + i`` (plots).
    :param target_chars: optional: the target characters, id ``3 + i`` (plots).
    """

    sample_shape: tuple[int, ...] = (29,)
    vocab_size: int = 49
    n_classes: int = 14
    embed_dim: int = 32
    hidden_size: int = 64
    num_layers: int = 1
    dropout: float = 0.0
    max_target_len: int = 12
    beam_width: int = 1
    length_norm: float = 0.0
    reverse_source: bool = False
    pad_index: int = 0
    sos_index: int = 1
    eos_index: int = 2
    source_chars: str = ""
    target_chars: str = ""

    def __post_init__(self) -> None:
        s = self.sample_shape
        require(isinstance(s, tuple) and len(s) == 1 and all(isinstance(v, int) for v in s),
                f"sample_shape must be (S,): the longest source in tokens, got {s!r}")
        require(s[0] >= 1, f"sample_shape must be positive, got {s}")
        for name in ("embed_dim", "hidden_size", "num_layers", "max_target_len", "beam_width"):
            require(getattr(self, name) >= 1, f"{name} must be >= 1, got {getattr(self, name)}")
        require(self.vocab_size >= 4, f"vocab_size must count <pad>, <sos>, <eos> and at least "
                f"one character (>= 4), got {self.vocab_size}")
        require(self.n_classes >= 4, f"n_classes (the target vocabulary) must count <pad>, "
                f"<sos>, <eos> and at least one character (>= 4), got {self.n_classes}")
        require(0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}")
        require(0 <= self.length_norm <= 2, f"length_norm must be in [0, 2], got "
                f"{self.length_norm}")
        ids = (self.pad_index, self.sos_index, self.eos_index)
        require(len(set(ids)) == 3 and all(0 <= i < min(self.vocab_size, self.n_classes)
                                           for i in ids),
                f"pad_index, sos_index, eos_index must be three different ids in both "
                f"vocabularies, got {ids}")

    def validate(self) -> None:
        """Check what the data decides (run by the model, once the dataset filled it in)."""
        for name, n in (("source_chars", self.vocab_size), ("target_chars", self.n_classes)):
            chars = getattr(self, name)
            require(not chars or len(chars) + 3 == n,
                    f"{name} must hold {n - 3} characters (ids 3..{n - 1}), got {len(chars)}")


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``alpha_j = exp(e_j) / sum_{k real} exp(e_k)`` on real positions, 0 on padding.

    :param scores: ``(..., S)`` scores ``e_j``.
    :param mask: ``(..., S)`` True on real source positions (at least one per row).
    """
    return torch.softmax(scores.float().masked_fill(~mask, float("-inf")), dim=-1)


class AttentionScore(nn.Module):
    """The score ``e_j`` of every source position for a decoder state ``s``.

    ``keys(h)`` precomputes what depends on the source alone (``U h_j``, ``W h_j``, ...), once
    per sentence (Bahdanau et al. note that ``U_a h_j`` does not depend on the step);
    ``forward(s, keys)`` gives ``e`` ``(B, S)``, or ``(B, T, S)`` for ``s`` ``(B, T, D)``.

    :param kind: ``additive``, ``dot``, ``general`` or ``concat``.
    :param query_dim: size of ``s``.
    :param key_dim: size of ``h_j``.
    :param attn_dim: hidden size of the additive and concat scores (``v``'s size).
    """

    def __init__(self, kind: Score, query_dim: int, key_dim: int, attn_dim: int) -> None:
        super().__init__()
        self.kind = kind
        if kind == "dot" and query_dim != key_dim:
            raise ConfigError(f"the dot score needs decoder and encoder states of one size, "
                              f"got {query_dim} and {key_dim}")
        if kind in ("additive", "concat"):
            # concat's W [s; h] = W_s s + W_h h: the same algebra as additive's W s + U h
            self.W = nn.Linear(query_dim, attn_dim, bias=False)    # W (acting on s)
            self.U = nn.Linear(key_dim, attn_dim, bias=False)      # U (acting on h_j)
            self.v = nn.Linear(attn_dim, 1, bias=False)            # v
        elif kind == "general":
            self.W = nn.Linear(key_dim, query_dim, bias=False)     # W h_j

    def keys(self, h: torch.Tensor) -> torch.Tensor:
        """What the score needs of the source states ``h`` ``(B, S, key_dim)``."""
        if self.kind in ("additive", "concat"):
            return self.U(h)                                       # U h_j    (B, S, A)
        if self.kind == "general":
            return self.W(h)                                       # W h_j    (B, S, D)
        return h                                                   # h_j

    def forward(self, s: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        if self.kind in ("additive", "concat"):
            q = self.W(s)                                          # W s
            if s.dim() == 2:
                return self.v(torch.tanh(q[:, None] + keys))[..., 0]   # v^T tanh(W s + U h_j)
            return self.v(torch.tanh(q[:, :, None] + keys[:, None]))[..., 0]  # (B, T, S)
        if s.dim() == 2:
            return torch.einsum("bd,bsd->bs", s, keys)             # s^T (W) h_j
        return torch.einsum("btd,bsd->bts", s, keys)


def concat_weight(score: AttentionScore) -> torch.Tensor:
    """Luong's ``W_a`` of the concat score as one matrix acting on ``[s; h_j]``."""
    return torch.cat([score.W.weight, score.U.weight], dim=1)


RNN = Literal["lstm", "gru"]
_CELLS: dict[str, type[nn.LSTM] | type[nn.GRU]] = {"lstm": nn.LSTM, "gru": nn.GRU}


class Encoder(nn.Module):
    """Embedding -> dropout -> stacked recurrent layers (one or both directions), reading
    only the real tokens of each end-padded source (packed sequences).

    ``forward(x, lengths)`` gives the top layer's states ``(B, S, dirs * H)`` (zeros on
    padding) and the final state in torch's layout ``(layers * dirs, B, H)`` (a pair for
    the LSTM): forward directions end at the last real token.
    """

    def __init__(self, cell: RNN, vocab: int, embed: int, hidden: int, layers: int,
                 dropout: float, pad: int, bidirectional: bool) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed, padding_idx=pad)
        self.drop = nn.Dropout(dropout)
        self.rnn = _CELLS[cell](embed, hidden, num_layers=layers, batch_first=True,
                                dropout=dropout if layers > 1 else 0.0,
                                bidirectional=bidirectional)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor | tuple[torch.Tensor, torch.Tensor]]:
        emb = self.drop(self.embedding(x))                         # (B, S, E)
        packed = pack_padded_sequence(emb, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, final = self.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return out, final


C = TypeVar("C", bound=EncDecConfig)


class EncoderDecoder(ZooModule[C]):
    """Base class: checks, teacher-forced loss, exact-match evaluation, decoding, plots.

    A subclass gives :meth:`start` (encode a checked source: the decoder's first state and
    the memory it reads, both batch-first tuples whose last memory entry is the source mask
    ``(B, S)``) and :meth:`step` (one decoder step, the :class:`~nnzoo.models.attention.
    decoding.StepFn` contract). :meth:`teacher_forced` runs the steps over a whole target; a
    subclass may compute the same logits faster.
    """

    integer_inputs = True

    def __init__(self, config: C) -> None:
        super().__init__(config)
        config.validate()
        self.out_drop = nn.Dropout(config.dropout)
        self._recent: tuple[torch.Tensor, torch.Tensor] | None = None  # last evaluation (plots)

    # -- input checks ----------------------------------------------------------------------

    def _check(self, x: torch.Tensor) -> torch.Tensor:
        """Shape ``(B, S')`` with ``1 <= S' <= S``, integer ids in range, no empty source."""
        c = self.config
        S = c.sample_shape[0]
        if not isinstance(x, torch.Tensor):
            raise InputError(f"{self.model_id} input must be a torch.Tensor, got "
                             f"{type(x).__name__}")
        if x.dim() != 2 or x.shape[1] < 1:
            raise InputError(f"{self.model_id} input must have shape (batch, S) with S <= {S} "
                             f"source tokens, got {tuple(x.shape)}")
        if x.shape[1] > S:
            raise InputError(f"{self.model_id} input of shape {tuple(x.shape)} has sources of "
                             f"{x.shape[1]} tokens, longer than the model's maximum {S}")
        if x.is_floating_point() or x.dtype == torch.bool or x.is_complex():
            raise InputError(f"{self.model_id} input must be an integer tensor (token ids), got "
                             f"dtype {x.dtype}")
        if x.shape[0] == 0:
            raise InputError(f"{self.model_id} input is an empty batch (0 sequences)")
        lo, hi = int(x.min()), int(x.max())
        if lo < 0 or hi >= c.vocab_size:
            raise InputError(f"{self.model_id} input must hold token ids in [0, {c.vocab_size}), "
                             f"got values from {lo} to {hi}")
        if bool((x[:, 0] == c.pad_index).any()):
            rows = (x[:, 0] == c.pad_index).nonzero().flatten()[:5].tolist()
            raise InputError(f"empty sources: rows {rows} start with <pad> (id {c.pad_index}); "
                             "every source needs a token")
        return x.long()

    def _targets(self, y: torch.Tensor | None, batch: int) -> torch.Tensor:
        c = self.config
        if y is None:
            raise InputError(f"{self.model_id} trains on (source, target) pairs; y is missing")
        if y.dim() != 2 or y.shape[0] != batch or y.is_floating_point():
            raise InputError(f"targets must be token ids of shape ({batch}, T), got "
                             f"{tuple(y.shape)} {y.dtype}")
        if y.shape[1] > c.max_target_len:
            raise InputError(f"targets of {y.shape[1]} tokens are longer than the model's "
                             f"max_target_len {c.max_target_len}")
        if int(y.min()) < 0 or int(y.max()) >= c.n_classes:
            raise InputError(f"targets must lie in [0, {c.n_classes}), got values from "
                             f"{int(y.min())} to {int(y.max())}")
        return y.long()

    # -- what a subclass gives ---------------------------------------------------------------

    def start(self, x: torch.Tensor) -> tuple[Tensors, Tensors]:
        """``(first decoder state, memory)`` for the checked source ``x``."""
        raise NotImplementedError

    def step(self, prev: torch.Tensor, state: Tensors, memory: Tensors
             ) -> tuple[torch.Tensor, Tensors, torch.Tensor | None]:
        """One decoder step: logits ``(N, V)``, the new state, attention ``(N, S)`` or None."""
        raise NotImplementedError

    # -- shared machinery ----------------------------------------------------------------------

    def lengths_of(self, x: torch.Tensor) -> torch.Tensor:
        """Real length of each end-padded source ``(B,)``."""
        return (x != self.config.pad_index).sum(1)

    def read_order(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` as the encoder reads it: each source's real tokens backwards when
        ``reverse_source`` (the padding stays at the end); the same index undoes it."""
        if not self.config.reverse_source:
            return x
        return x.gather(1, self._flip_index(x))

    def _flip_index(self, x: torch.Tensor) -> torch.Tensor:
        n = self.lengths_of(x)[:, None]                            # (B, 1)
        j = torch.arange(x.shape[1], device=x.device)[None]        # (1, S)
        return torch.where(j < n, n - 1 - j, j)                    # j -> n-1-j on real tokens

    def teacher_forced(self, x: torch.Tensor, y: torch.Tensor
                       ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Logits ``(B, T, V)`` of every target step given the true previous tokens, and the
        attention ``(B, T, S)`` (None without attention), by :meth:`step` in a loop."""
        state, memory = self.start(x)
        prev = torch.cat([y.new_full((y.shape[0], 1), self.config.sos_index), y[:, :-1]], 1)
        logits, atts = [], []
        for t in range(y.shape[1]):
            out, state, att = self.step(prev[:, t], state, memory)
            logits.append(out)
            if att is not None:
                atts.append(att)
        return torch.stack(logits, 1), (torch.stack(atts, 1) if atts else None)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Teacher-forced logits ``(B, T, V)`` with targets ``y``; without, the logits of
        greedy decoding ``(B, max_target_len, V)`` (steps after ``<eos>`` read ``<pad>``)."""
        x = self._check(x)
        if y is not None:
            return self.teacher_forced(x, self._targets(y, x.shape[0]))[0]
        tokens = self.decode(x, beam_width=1).tokens
        return self.teacher_forced(x, tokens)[0]

    def _loss(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        logits, _ = self.teacher_forced(x, y)                      # (B, T, V)
        real = y != self.config.pad_index
        loss = F.cross_entropy(logits.flatten(0, 1).float(), y.flatten(),
                               ignore_index=self.config.pad_index)  # mean -log p(y_t | ...)
        hit = (logits.detach().argmax(-1) == y) & real
        return {"loss": loss, "token_accuracy": hit.sum() / real.sum().clamp(min=1)}

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x = self._check(batch[0])
        return self._loss(x, self._targets(batch[1], x.shape[0]))

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x = self._check(batch[0])
        y = self._targets(batch[1], x.shape[0])
        out = {k: v.detach() for k, v in self._loss(x, y).items()}
        pred = self.decode(x, beam_width=1).tokens
        out["exact"] = exact_match(pred, y, self.config.pad_index).float().mean()
        self._recent = (x[:4].detach(), y[:4].detach())
        return out

    @torch.no_grad()
    def decode(self, x: torch.Tensor, beam_width: int | None = None,
               length_norm: float | None = None, max_len: int | None = None) -> Decoded:
        """Greedy (``beam_width=1``) or beam-search outputs of the sources ``x``.

        :param x: ``(B, S')`` source ids.
        :param beam_width: the beam ``K``; the config's ``beam_width`` when None.
        :param length_norm: ``alpha`` of the final ranking; the config's when None.
        :param max_len: the most output tokens; the config's ``max_target_len`` when None.
        """
        c = self.config
        K = c.beam_width if beam_width is None else beam_width
        alpha = c.length_norm if length_norm is None else length_norm
        L = c.max_target_len if max_len is None else max_len
        if isinstance(K, bool) or not isinstance(K, int) or K < 1:
            raise ConfigError(f"beam_width must be an integer >= 1, got {K!r}")
        if isinstance(L, bool) or not isinstance(L, int) or L < 1:
            raise ConfigError(f"max_len must be an integer >= 1, got {L!r}")
        x = self._check(x)
        was = self.training
        self.eval()
        state, memory = self.start(x)
        kw = {"sos": c.sos_index, "eos": c.eos_index, "pad": c.pad_index,
              "banned": (c.pad_index, c.sos_index)}
        if K == 1:
            out = greedy(self.step, state, memory, x.shape[0], L, **kw)  # type: ignore[arg-type]
        else:
            out = beam_search(self.step, state, memory, x.shape[0], L, K, alpha=alpha,
                              **kw)  # type: ignore[arg-type]
        self.train(was)
        if out.attention is not None and c.reverse_source:       # back to reading order
            idx = self._flip_index(x)[:, None].expand(-1, out.attention.shape[1], -1)
            out.attention = out.attention.gather(2, idx)
        return out

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Output ids ``(B, max_target_len)`` (``<pad>`` after ``<eos>``), decoded with the
        config's ``beam_width`` and ``length_norm``."""
        return self.decode(x).tokens

    def visualize(self, out_dir: Path) -> list[Path]:
        """``attention.png``: the attention of a few sources of the last evaluation (source
        characters against output characters); nothing for a model without attention."""
        from nnzoo.models.attention import seq2seq_plots

        if self._recent is None:
            return []
        return seq2seq_plots.plot_attention(self, self._recent[0], Path(out_dir))


def exact_match(pred: torch.Tensor, y: torch.Tensor, pad: int) -> torch.Tensor:
    """Per row ``(B,)``: whether the output equals the target token for token (both up to
    their padding, which follows ``<eos>``)."""
    T = max(pred.shape[1], y.shape[1])
    a = F.pad(pred, (0, T - pred.shape[1]), value=pad)
    b = F.pad(y, (0, T - y.shape[1]), value=pad)
    return (a == b).all(1)


def n_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


__all__ = ["RNN", "AttentionScore", "EncDecConfig", "Encoder", "EncoderDecoder", "Score",
           "concat_weight", "exact_match", "masked_softmax", "n_parameters"]
