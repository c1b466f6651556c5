"""DMN+, the improved dynamic memory network, for question answering over a story.

Paper: C. Xiong, S. Merity, R. Socher, "Dynamic Memory Networks for Visual and Textual
Question Answering", ICML 2016, arXiv:1603.01417 (Xiong et al. 2016).
https://arxiv.org/abs/1603.01417

One sample is ``x (M + 1, W)`` int64 word ids (0 = padding): rows ``0..M-1`` the story's
sentences, row ``M`` the question (the layout of :mod:`nnzoo.data.babi`); the target is one
answer class. The modules, with the paper's equations (section 3; ``d`` = hidden size =
embedding size, ``o`` the element-wise product):

- **Sentence reader** (positional encoding, Sukhbaatar et al. 2015): sentence ``i`` of ``J``
  words ``w_1..w_J`` (embedded) becomes ``f_i = sum_j l_j o w_j`` with
  ``l_jk = (1 - j/J) - (k/d)(1 - 2j/J)`` (``j`` and ``k`` counted from 1). Since ``l_jk`` is
  ``a_j + (k/d) c_j`` with ``a_j = 1 - j/J`` and ``c_j = 2j/J - 1``, ``f_i = sum_j a_j w_j +
  (k/d) o sum_j c_j w_j``: two weighted sums, no tensor of the size of ``l``. Dropout
  (``dropout``) on the ``f_i``.
- **Input fusion layer**: a bidirectional GRU over the sentence vectors, the two directions
  summed, ``F_i = GRU_fwd(f_i, F->_{i-1}) + GRU_bwd(f_i, F<-_{i+1})``, so that a fact knows
  the facts before and after it. Stories shorter than ``M`` are packed: no GRU reads a pad.
- **Question module**: ``q``, the last state of a GRU over the question's words.
- **Episodic memory**, ``passes`` times (``m^0 = q``):

  - attention gate of each fact: ``z_i = [F_i o q; F_i o m; |F_i - q|; |F_i - m|]``,
    ``Z_i = W2 tanh(W1 z_i + b1) + b2``, ``g_i = softmax_i(Z_i)`` over the real facts;
  - attention GRU: a GRU whose update gate is replaced by the scalar ``g_i``,
    ``r_i = sigmoid(W_r F_i + U_r h_{i-1} + b_r)``,
    ``h~_i = tanh(W F_i + r_i o (U h_{i-1}) + b_h)``, ``h_i = g_i h~_i + (1 - g_i) h_{i-1}``;
    the episode is its last state ``c^t = h_N``;
  - untied memory update: ``m^t = ReLU(W^t [m^{t-1}; c^t; q] + b^t)``, one layer per pass.

  The attention and the attention GRU are shared by the passes (the paper unties the memory
  update; it does not say whether the attention is untied too).
- **Answer module**: ``softmax(W_a [m^T; q] + b_a)`` over the answers, dropout on its input.

Initialisation as the paper's bAbI set-up: Xavier (Glorot) uniform for every weight matrix,
zero biases, the word embedding uniform in ``[-sqrt(3), sqrt(3)]``. The L2 penalty falls on
the weights, never the biases (:meth:`DMNPlus.configure_optimizers`).

The cost of a batch is cut to its longest story (in sentences) and its longest sentence (in
words); the sentences are read all at once, the fusion GRU is torch's fused kernel, and only
the attention GRU steps in Python (``passes`` x sentences steps per batch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from nnzoo.core.config import TrainConfig, build_optimizer, require
from nnzoo.core.errors import InputError
from nnzoo.core.validation import check_labels
from nnzoo.models.base import Batch, Classifier
from nnzoo.models.memory import dmn_plus_plots
from nnzoo.models.registry import register


@dataclass
class DMNPlusConfig:
    """Hyperparameters of :class:`DMNPlus` (defaults: the paper's bAbI-10k set-up).

    :param sample_shape: ``(M + 1, W)``: ``M`` story sentences and the question, ``W`` words
        each (the dataset decides it).
    :param vocab_size: word ids ``0..vocab_size-1``, 0 the padding (the dataset decides it).
    :param n_classes: number of answers (the dataset decides it).
    :param hidden_size: ``d``, the embedding and every hidden size (80 in the paper).
    :param passes: episodic memory passes (3 in the paper).
    :param dropout: dropout on the sentence vectors and on the answer module's input (the
        paper keeps each input with probability 0.9).
    :param pad_index: the padding word id.
    """

    sample_shape: tuple[int, ...] = (51, 12)
    vocab_size: int = 0
    n_classes: int = 0
    hidden_size: int = 80
    passes: int = 3
    dropout: float = 0.1
    pad_index: int = 0

    def __post_init__(self) -> None:
        s = self.sample_shape
        require(isinstance(s, tuple) and len(s) == 2 and all(isinstance(v, int) for v in s),
                f"sample_shape must be (M + 1, W): M story sentences and the question, W words "
                f"each; got {s!r}")
        require(s[0] >= 2, f"sample_shape {s} has room for no story sentence: it must be "
                "(M + 1, W) with M >= 1")
        require(s[1] >= 1, f"sample_shape {s} has sentences of zero words (W = 0)")
        require(self.vocab_size >= 0, f"vocab_size must be >= 0, got {self.vocab_size}")
        require(self.n_classes >= 0, f"n_classes must be >= 0, got {self.n_classes}")
        require(self.hidden_size >= 1, f"hidden_size must be >= 1, got {self.hidden_size}")
        require(self.passes >= 1, f"passes must be >= 1, got {self.passes}")
        require(0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}")
        require(self.pad_index >= 0, f"pad_index must be >= 0, got {self.pad_index}")

    def validate(self) -> None:
        """What the dataset fills in: a vocabulary and at least two answers."""
        require(self.vocab_size >= 2, f"dmn-plus needs vocab_size >= 2 (word ids, 0 the pad), "
                f"got {self.vocab_size}")
        require(self.n_classes >= 2, f"dmn-plus needs n_classes >= 2 answers, got "
                f"{self.n_classes}")
        require(self.pad_index < self.vocab_size,
                f"pad_index must lie in [0, {self.vocab_size}), got {self.pad_index}")


def position_encoding(emb: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Sukhbaatar et al.'s position encoding of sentences: ``f = sum_j l_j o w_j``.

    ``l_jk = (1 - j/J) - (k/d)(1 - 2j/J)``, ``j = 1..J`` over the sentence's ``J`` real words,
    ``k = 1..d`` over the embedding; pads weigh nothing. Computed as ``sum_j a_j w_j + (k/d) o
    sum_j c_j w_j`` with ``a_j = 1 - j/J``, ``c_j = 2j/J - 1``.

    :param emb: word vectors ``(..., W, d)``.
    :param mask: ``(..., W)`` True on real words (at the start of each sentence).
    :returns: sentence vectors ``(..., d)`` (zeros for an all-pad sentence).
    """
    d = emb.shape[-1]
    m = mask.to(emb.dtype)
    J = m.sum(-1, keepdim=True).clamp(min=1.0)                     # (..., 1) words per sentence
    j = torch.arange(1, emb.shape[-2] + 1, device=emb.device, dtype=emb.dtype)
    a = (1.0 - j / J) * m                                          # (..., W)
    c = (2.0 * j / J - 1.0) * m
    k = torch.arange(1, d + 1, device=emb.device, dtype=emb.dtype) / d   # (d,)
    return (a.unsqueeze(-1) * emb).sum(-2) + k * (c.unsqueeze(-1) * emb).sum(-2)


def attention_gru_step(f_in: torch.Tensor, h: torch.Tensor, g: torch.Tensor,
                       u: nn.Linear) -> torch.Tensor:
    """One step of the attention GRU (Xiong et al. 2016, section 3.3).

    ``r = sigmoid(Wr f + br + Ur h)``, ``h~ = tanh(W f + bh + r o (U h))``,
    ``h' = g h~ + (1 - g) h``: the GRU's update gate replaced by the attention gate ``g``.

    :param f_in: ``(B, 2d)``: ``[Wr f + br, W f + bh]`` of this step's fact, precomputed for
        all facts at once.
    :param h: ``(B, d)`` previous state.
    :param g: ``(B, 1)`` the fact's attention gate.
    :param u: ``[Ur; U]`` (no bias): one product with ``h`` gives both.
    """
    xr, xh = f_in.chunk(2, dim=-1)
    ur, uh = u(h).chunk(2, dim=-1)
    r = torch.sigmoid(xr + ur)
    h_tilde = torch.tanh(xh + r * uh)
    return g * h_tilde + (1.0 - g) * h


@register("dmn-plus", config=DMNPlusConfig, rule="backprop (Adam, L2 on the weights)",
          peer="the published per-task bAbI-10k errors of Xiong et al. 2016 (their table)",
          reference="https://github.com/ethancaballero/Improved-Dynamic-Memory-Networks-DMN-plus")
class DMNPlus(Classifier[DMNPlusConfig]):
    """DMN+ (Xiong et al. 2016): positional sentence reader, input fusion BiGRU, attention-GRU
    episodic memory with untied ReLU memory updates, linear answer module.

    ``forward(x)``: answer scores ``(B, n_classes)`` of ``x (B, M + 1, W)`` word ids.

    :param config: a :class:`DMNPlusConfig`.
    """

    integer_inputs = True

    def __init__(self, config: DMNPlusConfig) -> None:
        super().__init__(config)
        config.validate()
        c, d = config, config.hidden_size
        self.embedding = nn.Embedding(c.vocab_size, d)
        self.question_gru = nn.GRU(d, d, batch_first=True)
        self.fusion = nn.GRU(d, d, batch_first=True, bidirectional=True)
        self.att1 = nn.Linear(4 * d, d)                 # W1, b1
        self.att2 = nn.Linear(d, 1)                     # W2, b2
        self.agru_in = nn.Linear(d, 2 * d)              # [Wr; W] f + [br; bh]
        self.agru_u = nn.Linear(d, 2 * d, bias=False)   # [Ur; U] h
        self.memory = nn.ModuleList(nn.Linear(3 * d, d) for _ in range(c.passes))  # W^t, b^t
        self.answer = nn.Linear(2 * d, c.n_classes)     # W_a [m^T; q]
        self.drop = nn.Dropout(c.dropout)
        self._init_weights()
        self._recent: torch.Tensor | None = None       # a few inputs of the last evaluation

    def _init_weights(self) -> None:
        """Xavier uniform weights, zero biases, embedding uniform in [-sqrt 3, sqrt 3]. The
        GRUs keep their gates' matrices stacked (``d`` rows each): each block is initialised
        as the ``d x n_in`` matrix it stands for."""
        d = self.config.hidden_size
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.startswith("embedding"):
                    nn.init.uniform_(p, -math.sqrt(3.0), math.sqrt(3.0))
                elif p.dim() >= 2 and "gru" in name:
                    for block in p.split(d, dim=0):
                        nn.init.xavier_uniform_(block)
                elif p.dim() >= 2:
                    nn.init.xavier_uniform_(p)
                else:
                    nn.init.zeros_(p)

    # -- input checks ----------------------------------------------------------------------------

    def _check(self, x: torch.Tensor) -> torch.Tensor:
        """Shape, dtype, word-id range, a question and at least one sentence per sample."""
        self.check(x)
        if x.shape[0] == 0:
            raise InputError("dmn-plus input is an empty batch (0 stories)")
        lo, hi = int(x.min()), int(x.max())
        if lo < 0 or hi >= self.config.vocab_size:
            raise InputError(f"dmn-plus input must hold word ids in [0, "
                             f"{self.config.vocab_size}), got values from {lo} to {hi}")
        pad = self.config.pad_index
        if bool((x[:, -1] == pad).all(1).any()):
            rows = (x[:, -1] == pad).all(1).nonzero().flatten()[:5].tolist()
            raise InputError(f"dmn-plus: samples {rows} have an empty question (row M is all "
                             "padding)")
        if bool((x[:, :-1] == pad).all(2).all(1).any()):
            rows = (x[:, :-1] == pad).all(2).all(1).nonzero().flatten()[:5].tolist()
            raise InputError(f"dmn-plus: samples {rows} have an empty story (no sentence)")
        return x

    # -- the computation -----------------------------------------------------------------------

    def _facts(self, story: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Fused facts of the real sentences, moved to the front of each story.

        :param story: ``(B, M, W)`` word ids.
        :returns: facts ``(B, N, d)`` (N = the batch's longest story, zeros past each story's
            end), their mask ``(B, N)``, and ``order (B, N)``: the story row of each fact.
        """
        pad = self.config.pad_index
        words = story != pad                                       # (B, M, W)
        real = words.any(-1)                                       # (B, M) real sentences
        # real sentences first, in story order (a stable sort of "is padding")
        order = torch.sort((~real).to(torch.int8), dim=1, stable=True).indices
        n = int(real.sum(1).max())
        order = order[:, :n]                                       # (B, N)
        story = story.gather(1, order[:, :, None].expand(-1, -1, story.shape[2]))
        words = story != pad
        w_max = int(words.any(1).any(0).nonzero().max()) + 1       # longest sentence
        story, words = story[:, :, :w_max], words[:, :, :w_max]
        # words at the start of each sentence: compact them too (pads inside move to the end)
        worder = torch.sort((~words).to(torch.int8), dim=2, stable=True).indices
        story, words = story.gather(2, worder), words.gather(2, worder)
        f = position_encoding(self.embedding(story), words)        # (B, N, d)
        f = self.drop(f)
        lengths = real.sum(1)                                      # (B,)
        mask = torch.arange(n, device=story.device)[None] < lengths[:, None]
        packed = pack_padded_sequence(f, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.fusion(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=n)  # (B, N, 2d)
        d = self.config.hidden_size
        fused = out[..., :d] + out[..., d:]                        # forward + backward
        return fused, mask, order

    def _question(self, question: torch.Tensor) -> torch.Tensor:
        """``q (B, d)``: the GRU state after the question's last real word."""
        words = question != self.config.pad_index                  # (B, W)
        worder = torch.sort((~words).to(torch.int8), dim=1, stable=True).indices
        question = question.gather(1, worder)
        lengths = words.sum(1)
        w_max = int(lengths.max())
        out, _ = self.question_gru(self.embedding(question[:, :w_max]))   # (B, w, d)
        return out[torch.arange(out.shape[0], device=out.device), lengths - 1]

    def gate_scores(self, facts: torch.Tensor, q: torch.Tensor, m: torch.Tensor,
                    mask: torch.Tensor) -> torch.Tensor:
        """Attention gates ``g (B, N)`` of one pass: ``softmax_i(W2 tanh(W1 z_i + b1) + b2)``
        with ``z_i = [f_i o q; f_i o m; |f_i - q|; |f_i - m|]``, zero on padding facts."""
        q, m = q[:, None], m[:, None]
        z = torch.cat([facts * q, facts * m, (facts - q).abs(), (facts - m).abs()], dim=-1)
        Z = self.att2(torch.tanh(self.att1(z))).squeeze(-1)        # (B, N)
        return torch.softmax(Z.masked_fill(~mask, float("-inf")), dim=1)

    def _episodes(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor,
                                                  torch.Tensor]:
        """``(m^T, q, gates (B, passes, N), order (B, N))``."""
        facts, mask, order = self._facts(x[:, :-1])
        q = self._question(x[:, -1])
        f_in = self.agru_in(facts)                                 # (B, N, 2d), all facts at once
        m, gates = q, []
        for t in range(self.config.passes):
            g = self.gate_scores(facts, q, m, mask)                # (B, N)
            h = torch.zeros_like(q)
            for i in range(facts.shape[1]):                        # padding facts: g = 0, h kept
                h = attention_gru_step(f_in[:, i], h, g[:, i:i + 1], self.agru_u)
            m = F.relu(self.memory[t](torch.cat([m, h, q], dim=-1)))   # untied update
            gates.append(g)
        return m, q, torch.stack(gates, 1), order

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check(x)
        m, q, _, _ = self._episodes(x)
        return self.answer(self.drop(torch.cat([m, q], dim=-1)))  # (B, n_classes)

    @torch.no_grad()
    def attention_gates(self, x: torch.Tensor) -> torch.Tensor:
        """The attention gate of every story row in every pass, ``(B, passes, M)`` (zeros on
        padding rows), in eval mode (no dropout)."""
        self._check(x)
        was = self.training
        self.eval()
        _, _, g, order = self._episodes(x)
        self.train(was)
        out = g.new_zeros(x.shape[0], self.config.passes, x.shape[1] - 1)
        out.scatter_(2, order[:, None].expand(-1, self.config.passes, -1), g)
        return out

    # -- learning ------------------------------------------------------------------------------

    def configure_optimizers(self, cfg: TrainConfig) -> list[torch.optim.Optimizer]:
        """The optimizer of ``cfg``, its L2 penalty (``weight_decay``) on the weights only:
        the biases go in a group without it (the paper: "l2 regularization on all weights
        except bias"). Adam's ``weight_decay`` adds ``lambda w`` to the gradient, the gradient
        of ``lambda/2 ||w||^2``."""
        decay = [p for n, p in self.named_parameters() if p.requires_grad and p.dim() >= 2]
        plain = [p for n, p in self.named_parameters() if p.requires_grad and p.dim() < 2]
        return [build_optimizer([{"params": decay},
                                 {"params": plain, "weight_decay": 0.0}], cfg)]

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        if y is None:
            raise InputError("dmn-plus trains on (story, answer) pairs; the batch has no answers")
        check_labels(y, x.shape[0], self.config.n_classes, name="answers")
        return super().training_step(batch)

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        if y is not None:
            check_labels(y, x.shape[0], self.config.n_classes, name="answers")
        self._recent = x[:4].detach()
        return super().evaluation_step(batch)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """The answer class of each story ``(B,)``; every input check applies."""
        self._check(x)
        return self(x).argmax(1)

    def visualize(self, out_dir: Path) -> list[Path]:
        """``attention_gates.png``: the gates over the story's sentences in each pass, for a
        few stories of the last evaluation."""
        if self._recent is None:
            return []
        x = self._recent.to(self.device)
        return [dmn_plus_plots.plot_gates(self.attention_gates(x).cpu(), x.cpu(),
                                          Path(out_dir) / "attention_gates.png",
                                          pad_index=self.config.pad_index)]


__all__ = ["DMNPlus", "DMNPlusConfig", "attention_gru_step", "position_encoding"]
