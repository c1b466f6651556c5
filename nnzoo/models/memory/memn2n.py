"""End-to-end memory network (MemN2N): soft attention over a story's sentences, several hops.

Paper: S. Sukhbaatar, A. Szlam, J. Weston, R. Fergus, "End-To-End Memory Networks", NIPS 2015,
https://arxiv.org/abs/1503.08895. Reference implementation: the authors' Matlab code for bAbI,
https://github.com/facebookarchive/MemNN/tree/master/MemN2N-babi-matlab, whose defaults the
recipes and the benchmark follow (``config_babi.m``); the paper's own text could not be read
where this was written, so every training figure below is read from that code.

Inputs (:mod:`nnzoo.data.babi`): ``x`` of shape ``(B, M + 1, W)``, rows ``0..M-1`` the story's
sentences oldest first (word id 0 = padding, empty rows at the end), row ``M`` the question.

**One hop** ``k``, with embedding matrices ``A^k, C^k`` (``V x d``)::

    m_i = sum_j l_j * A^k x_ij + T_A^k(i)          memory vector of sentence i
    c_i = sum_j l_j * C^k x_ij + T_C^k(i)          its output vector
    p_i = softmax_i(u^k . m_i)                      attention over the sentences
    o^k = sum_i p_i c_i                             what the hop reads
    u^{k+1} = u^k + o^k      (adjacent tying)   or   H u^k + o^k   (layer-wise tying)

with ``u^1 = sum_j l_j * B q_j`` the question, and the answer ``a = softmax(W u^{K+1})``.

- **Sentence encoding**: bag of words (``l_j = 1``) or **position encoding**
  ``l_kj = (1 - j/J) - (k/d)(1 - 2j/J)`` for word ``j = 1..J`` of a ``J``-word sentence and
  embedding coordinate ``k = 1..d`` (:func:`position_encoding`).
- **Temporal encoding**: ``T_A(i)``, ``T_C(i)`` are learned rows indexed by how recent
  sentence ``i`` is (0 = the last one before the question).
- **Random noise** (RN): in training, the time indices are a sorted random subset of
  ``0 .. n + n_blank - 1`` with ``n_blank`` uniform in ``0..ceil(rn * n)``: empty memories
  inserted between the sentences, as the authors' code does it (``randomize_time = 0.1``),
  so the model cannot rely on exact positions (:func:`noisy_time`).
- **Weight tying**: *adjacent* ``A^{k+1} = C^k``, ``W^T = C^K``, ``B = A^1``
  (with ``T_A^{k+1} = T_C^k``), so ``K + 1`` embedding tables ``E_0..E_K`` hold ``B = A^1 =
  E_0``, ``C^k = A^{k+1} = E_k``; *layer-wise* ``A^1 = .. = A^K``, ``C^1 = .. = C^K`` with
  the linear map ``H`` between hops and separate ``B`` and ``W``.
- **Linear start** (LS): the attention softmax is removed (``p_i = u . m_i``) for the first
  ``linear_start_epochs`` epochs, then put back (the authors' code: a fixed 20 epochs).
- **Empty memory rows** (``empty_memory``): ``"masked"`` (default) gives them no attention;
  ``"zero"`` is the authors' code: every one of the ``M`` slots takes part in the softmax,
  an empty one as the zero vector (nil words, no time word), so its score is ``u . 0 = 0``
  and ``p_i = exp(0) / Z`` of the attention goes nowhere (its output vector is 0 too).
- **Answer softmax** (``answer``): ``"classes"`` (default) over the dataset's answers only;
  ``"vocabulary"`` is the authors' code, ``a = softmax(W u)`` over every word of the
  vocabulary (``W^T = C^K`` whole with adjacent tying, its time rows included), the padding
  ("nil") word's score held at 0, and a question answered wrong when a non-answer word wins.
  The bAbI loader makes word id ``c + 1`` answer class ``c``, so the class scores are rows
  ``1..n_classes`` of ``W`` in both modes.
- **Position encoding variant** (``encoding="position-authors"``): the authors' code
  (``build_model.m``) weighs word ``j`` by ``l_kj = 1 + 4 (k - (d+1)/2)(j - (J+1)/2) / (d J)``
  with one ``J`` for every sentence, ``J = W + 1`` (the longest sentence plus the time
  word's slot, which is last); the time vector is weighed by the same table's column ``J``
  (``T(i) * l_kJ``). The question uses the same table.
- The padding ("nil") word contributes nothing to a sentence (the authors' code keeps its
  embedding at zero after every update: the same function), and the weights start from
  ``N(0, init_std^2)``, ``init_std = 0.1`` as the authors' ``Weight.m``.

Training protocol of the authors' code (``config_babi.m``, ``train.m``): SGD on the loss
summed over a batch of 32 (drawn with replacement), learning rate 0.01 (0.005 with LS),
halved every 25 epochs for 100 epochs (after 20 LS epochs), each weight matrix's gradient
rescaled to spectral norm 40 on its own (``Weight.m``), weights drawn from N(0, 0.1^2),
d = 20, memory of the last ``min(50, longest training story)`` sentences. The engine uses the
mean loss, so the recipes' learning rate is 32 x the paper's and the clipping norm 40 / 32;
:mod:`nnzoo.bench.memory.memn2n_restarts` trains several restarts at once with the summed
loss, as the benchmark does.

Parameters hold a leading dimension of ``copies`` independent networks (1 for the engine;
several restarts trained together by :func:`~nnzoo.bench.memory.memn2n_restarts.fit_restarts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core.config import TrainConfig, build_optimizer, require
from nnzoo.models.base import Batch, Classifier, _labelled
from nnzoo.models.memory.memn2n_blocks import (
    distinct_rows,
    noisy_time,
    position_encoding,
    position_encoding_authors,
    recency,
)
from nnzoo.models.registry import register


@dataclass
class MemN2NConfig:
    """Hyperparameters of :class:`MemN2N` (defaults: the paper's bAbI set-up, 3 hops, PE, TE,
    RN, adjacent tying).

    :param sample_shape: ``(M + 1, W)``: memory size plus the question row, words per row.
    :param n_classes: answer classes (word ids ``1..n_classes`` are the answers).
    :param vocab_size: ``V``, words including the padding id 0.
    :param embed_dim: ``d``.
    :param hops: ``K``, 1 to 3 in the paper (any >= 1 here).
    :param encoding: ``"position"`` (the paper's PE), ``"position-authors"`` (the authors'
        code's PE variant, see the module docstring) or ``"bow"``.
    :param temporal: add the temporal encoding ``T_A``, ``T_C``.
    :param tying: ``"adjacent"`` or ``"layerwise"``.
    :param linear_start_epochs: epochs without the attention softmax (LS); 0 = off.
    :param random_noise: RN, the most empty memories added per sentence in training; 0 = off.
    :param anneal_every: multiply the learning rate by ``anneal_factor`` every this many epochs
        after linear start (0 = constant); counted from the epochs the engine feeds.
    :param anneal_factor: the factor.
    :param init_std: standard deviation of the initial weights.
    :param empty_memory: ``"masked"`` (empty rows take no attention) or ``"zero"`` (the
        authors' code: all ``M`` slots share the softmax, an empty one with score 0).
    :param answer: ``"classes"`` (softmax over the answers) or ``"vocabulary"`` (the authors'
        code: over every word, time words included).
    """

    sample_shape: tuple[int, ...] = (51, 6)
    n_classes: int = 6
    vocab_size: int = 20
    embed_dim: int = 20
    hops: int = 3
    encoding: Literal["position", "position-authors", "bow"] = "position"
    temporal: bool = True
    tying: Literal["adjacent", "layerwise"] = "adjacent"
    linear_start_epochs: int = 0
    random_noise: float = 0.1
    anneal_every: int = 25
    anneal_factor: float = 0.5
    init_std: float = 0.1
    empty_memory: Literal["masked", "zero"] = "masked"
    answer: Literal["classes", "vocabulary"] = "classes"

    def __post_init__(self) -> None:
        s = self.sample_shape
        require(isinstance(s, tuple) and len(s) == 2 and all(isinstance(v, int) for v in s)
                and s[0] >= 2 and s[1] >= 1,
                f"sample_shape must be (memory_size + 1, words) with memory_size >= 1 and "
                f"words >= 1, got {s!r}")
        require(self.n_classes >= 2, f"n_classes must be >= 2, got {self.n_classes}")
        require(self.vocab_size > self.n_classes,
                f"vocab_size ({self.vocab_size}) must exceed n_classes ({self.n_classes}): "
                "word ids 1..n_classes are the answers")
        require(self.embed_dim >= 1, f"embed_dim must be >= 1, got {self.embed_dim}")
        require(self.hops >= 1, f"hops must be >= 1, got {self.hops}")
        require(self.encoding in ("position", "position-authors", "bow"),
                f"encoding must be 'position', 'position-authors' or 'bow', got "
                f"{self.encoding!r}")
        require(self.empty_memory in ("masked", "zero"),
                f"empty_memory must be 'masked' or 'zero', got {self.empty_memory!r}")
        require(self.answer in ("classes", "vocabulary"),
                f"answer must be 'classes' or 'vocabulary', got {self.answer!r}")
        require(self.tying in ("adjacent", "layerwise"),
                f"tying must be 'adjacent' or 'layerwise', got {self.tying!r}")
        require(self.linear_start_epochs >= 0,
                f"linear_start_epochs must be >= 0, got {self.linear_start_epochs}")
        require(0.0 <= self.random_noise <= 1.0,
                f"random_noise must lie in [0, 1], got {self.random_noise}")
        require(self.anneal_every >= 0, f"anneal_every must be >= 0, got {self.anneal_every}")
        require(0.0 < self.anneal_factor <= 1.0,
                f"anneal_factor must lie in (0, 1], got {self.anneal_factor}")
        require(self.init_std > 0, f"init_std must be > 0, got {self.init_std}")

    @property
    def memory_size(self) -> int:
        """``M``, the sentences the memory holds."""
        return self.sample_shape[0] - 1


@register("memn2n", config=MemN2NConfig, rule="backprop (SGD, linear start, annealing)",
          peer="the authors' Matlab code (Sukhbaatar et al. 2015): its published bAbI 1k "
               "errors", reference="https://github.com/facebookarchive/MemNN")
class MemN2N(Classifier[MemN2NConfig]):
    """End-to-end memory network (Sukhbaatar et al. 2015); see the module docstring.

    :param config: a :class:`MemN2NConfig`.
    :param copies: independent networks held side by side (restarts trained at once).
    """

    integer_inputs = True
    samples_seen: torch.Tensor
    n_train: torch.Tensor
    time_scale: torch.Tensor

    def __init__(self, config: MemN2NConfig, copies: int = 1) -> None:
        super().__init__(config)
        c = config
        R, V, d, K, M = copies, c.vocab_size, c.embed_dim, c.hops, c.memory_size
        self.copies = copies
        n_tables = K + 1 if c.tying == "adjacent" else 3          # E_0..E_K, or B, A, C
        n_time = K + 1 if c.tying == "adjacent" else 2            # T_0..T_K, or T_A, T_C
        self.emb = nn.Parameter(torch.randn(R, n_tables, V, d) * c.init_std)
        self.temb = nn.Parameter(torch.randn(R, n_time, M, d) * c.init_std)
        if c.tying == "layerwise":
            self.H = nn.Parameter(torch.randn(R, d, d) * c.init_std)
            rows = c.vocab_size if c.answer == "vocabulary" else c.n_classes
            self.W = nn.Parameter(torch.randn(R, rows, d) * c.init_std)
        # the time vector's weights: ones, or the authors' PE table's last column l_{k,J}
        J = c.sample_shape[1] + 1
        scale = (position_encoding_authors(J, d)[J - 1] if c.encoding == "position-authors"
                 else torch.ones(d))
        self.register_buffer("time_scale", scale, persistent=False)
        # the engine's progress as the model sees it: linear start and annealing follow it
        self.register_buffer("samples_seen", torch.zeros((), dtype=torch.long))
        self.register_buffer("n_train", torch.zeros((), dtype=torch.long))
        self._optimizers: list[torch.optim.Optimizer] = []
        self._base_lr = 0.0
        self.linear = False  # the attention softmax removed (linear start)
        self.last_attention: torch.Tensor | None = None
        self._recent: torch.Tensor | None = None

    # -- the tables of each role -----------------------------------------------------------

    def _roles(self, k: int) -> tuple[int, int, int, int]:
        """Indices into ``emb`` and ``temb`` of ``A^k, C^k, T_A^k, T_C^k`` (hop ``k`` 0-based)."""
        if self.config.tying == "adjacent":
            return k, k + 1, k, k + 1
        return 1, 2, 0, 1

    def answer_matrix(self, vocabulary: bool = False) -> torch.Tensor:
        """``W``: ``(R, n_classes, d)``, the answers' rows (with adjacent tying, of ``C^K``);
        ``vocabulary=True``: every word's row, ``(R, V, d)`` with the padding row 0, then
        (adjacent tying with temporal encoding) the ``M`` time rows of ``T_C^K``."""
        c = self.config
        n = c.n_classes
        if c.tying == "adjacent":
            W = self.emb[:, -1]
        else:
            W = self.W
            if c.answer == "classes":
                require(not vocabulary, "answer='classes' keeps no vocabulary-wide W")
                return W
        if not vocabulary:
            return W[:, 1:1 + n]
        parts = [torch.zeros_like(W[:, :1]), W[:, 1:]]     # the nil word's score: 0
        if c.tying == "adjacent" and c.temporal:
            parts.append(self.temb[:, -1])
        return torch.cat(parts, 1)

    def weight_matrices(self) -> list[list[tuple[str, int | None]]]:
        """The authors' weight matrices as parts of the parameters, ``(name, table)`` (``None``:
        the whole parameter): each embedding table with its time rows (one lookup table of
        words and time words in their code), ``H`` and ``W``; for per-matrix clipping."""
        c = self.config
        time = c.temporal
        if c.tying == "adjacent":
            return [[("emb", t), *([("temb", t)] if time else [])]
                    for t in range(c.hops + 1)]
        return [[("emb", 0)], [("emb", 1), *([("temb", 0)] if time else [])],
                [("emb", 2), *([("temb", 1)] if time else [])], [("H", None)], [("W", None)]]

    def answer_targets(self, y: torch.Tensor) -> torch.Tensor:
        """The index of class ``y`` among the scores the loss sees: ``y`` over the classes,
        its word id ``y + 1`` over the vocabulary."""
        return y + 1 if self.config.answer == "vocabulary" else y

    def predicted_class(self, scores: torch.Tensor) -> torch.Tensor:
        """Class of the highest of ``scores`` (:meth:`forward_sentences` with ``vocabulary``
        as ``answer`` says); over the vocabulary, -1 (always wrong) when a word that is no
        answer wins."""
        top = scores.argmax(-1)
        if self.config.answer == "classes":
            return top
        c = top - 1
        return c.masked_fill((c < 0) | (c >= self.config.n_classes), -1)

    # -- the forward pass ------------------------------------------------------------------

    def bags(self, words: torch.Tensor) -> torch.Tensor:
        """Word weights of sentences ``words`` (U, W) as a sparse ``(P U, V)`` matrix.

        Position encoding is affine in the coordinate ``k``: ``l_kj = a_j + (k/d) b_j`` with
        ``a_j = 1 - j/J`` and ``b_j = 2j/J - 1`` (the authors' variant, ``J`` fixed:
        ``a_j = 1 - 2 (d+1)(j - (J+1)/2) / (d J)``, ``b_j = 4 (j - (J+1)/2) / J``), so
        ``sum_j l_j * E x_j = P_a E + (k/d) P_b E``
        where ``P_a[u, v]`` sums ``a_j`` over the positions ``j`` of word ``v`` in sentence
        ``u`` (likewise ``P_b``; rows ``0..U-1`` are ``P_a``, ``U..2U-1`` ``P_b``): a sparse
        product instead of a gather per word. Bag of words: ``P_a`` counts the words (P = 1).
        """
        U, W = words.shape
        valid = words > 0
        J = valid.sum(-1, keepdim=True).clamp(min=1).float()
        j = torch.arange(1, W + 1, device=words.device, dtype=torch.float32)
        row = torch.arange(U, device=words.device)[:, None].expand(U, W)[valid]
        col = words[valid]
        V = self.config.vocab_size
        if self.config.encoding == "bow":
            vals = torch.ones(len(col), device=words.device)
            return torch.sparse_coo_tensor(torch.stack([row, col]), vals, (U, V),
                                           check_invariants=False)
        if self.config.encoding == "position-authors":
            d, Jf = self.config.embed_dim, float(W + 1)      # the time word's slot is last
            centred = j - (Jf + 1) / 2
            a = (1 - 2 * (d + 1) * centred / (d * Jf)).expand(U, W)[valid]
            b = (4 * centred / Jf).expand(U, W)[valid]
        else:
            a = (1 - j / J).expand(U, W)[valid]
            b = (2 * j / J - 1).expand(U, W)[valid]
        idx = torch.stack([torch.cat([row, row + U]), torch.cat([col, col])])
        return torch.sparse_coo_tensor(idx, torch.cat([a, b]), (2 * U, V), check_invariants=False)

    def encode(self, words: torch.Tensor) -> torch.Tensor:
        """``sum_j l_j * E x_j`` of sentences ``words`` (U, W) for every table ``E`` of every
        copy: ``(R, T, U, d)``."""
        U = words.shape[0]
        R, T, V, d = self.emb.shape
        Ef = self.emb.permute(2, 0, 1, 3).reshape(V, R * T * d)
        both = torch.sparse.mm(self.bags(words), Ef)               # (P U, R T d)
        enc = both[:U].view(U, R, T, d)
        if self.config.encoding != "bow":
            kd = torch.arange(1, d + 1, device=words.device, dtype=torch.float32) / d
            enc = enc + both[U:].view(U, R, T, d) * kd
        return enc.permute(1, 2, 0, 3)

    def forward_copies(self, x: torch.Tensor, *, time: torch.Tensor | None = None,
                       attention: bool = False, vocabulary: bool = False) -> torch.Tensor:
        """Answer scores of every copy: ``x`` (R, B, M + 1, W) -> (R, B, n_classes).

        :param time: time indices (R, B, S) of the first ``S`` memory rows (None: recency,
            or random noise in training mode).
        :param attention: keep the hops' attention (R, B, K, S) in :attr:`last_attention`.
        :param vocabulary: scores of every word (:meth:`answer_matrix`), not of the classes.
        """
        uniq, inv = distinct_rows(x.reshape(-1, x.shape[-1]))
        return self.forward_sentences(uniq, inv.view(x.shape[:-1]), time=time,
                                      attention=attention, vocabulary=vocabulary)

    def forward_sentences(self, sentences: torch.Tensor, ids: torch.Tensor, *,
                          time: torch.Tensor | None = None, attention: bool = False,
                          vocabulary: bool = False) -> torch.Tensor:
        """:meth:`forward_copies` on sentences given by index: ``sentences`` (U, W) word ids
        (an all-zero row for empty slots) and ``ids`` (R, B, M + 1) rows of it."""
        c = self.config
        M = c.memory_size
        filled = (sentences > 0).any(-1)[ids[..., :M]]            # (R, B, M)
        n = filled.sum(-1)                                        # sentences per sample
        # masked: only the rows anyone uses; zero (the authors'): every slot is in the softmax
        S = M if c.empty_memory == "zero" else max(1, int(n.max()))
        mem, filled = ids[..., :S], filled[..., :S]
        if time is None:
            time = (noisy_time(n, S, M, c.random_noise, None)
                    if self.training and c.random_noise > 0 else recency(n, S))
        enc = self.encode(sentences)                              # (R, T, U, d)
        R, T, U, d = enc.shape
        B = ids.shape[1]
        tables = enc.unbind(1)
        u = tables[0].gather(1, ids[..., M, None].expand(R, B, d))   # u^1 = B q  (R, B, d)
        rows = mem.reshape(R, B * S, 1).expand(R, B * S, d)
        steps = time.reshape(R, B * S, 1).expand(R, B * S, d)
        present = filled.reshape(R, B * S, 1).to(enc.dtype)       # no time word in empty rows
        memo: dict[tuple[int, int], torch.Tensor] = {}

        def memory(t: int, tt: int) -> torch.Tensor:
            """``E_t x_i + T_tt(i)`` of every memory row: (R, B, S, d), once per table."""
            if (t, tt) not in memo:
                v = tables[t].gather(1, rows)
                if c.temporal:
                    v = v + self.temb[:, tt].gather(1, steps) * self.time_scale * present
                memo[t, tt] = v.view(R, B, S, d)
            return memo[t, tt]

        keep = []
        for k in range(c.hops):
            a, cc, ta, tc = self._roles(k)
            m, mem_c = memory(a, ta), memory(cc, tc)
            score = torch.einsum("rbsd,rbd->rbs", m, u)
            if self.linear:                                       # linear start: no softmax
                p = score.masked_fill(~filled, 0.0)
            elif c.empty_memory == "zero":                        # empty slots score u . 0
                p = score.softmax(-1)
            else:
                p = score.masked_fill(~filled, torch.finfo(score.dtype).min).softmax(-1)
            o = torch.einsum("rbs,rbsd->rbd", p * filled, mem_c)
            u = (torch.einsum("rde,rbe->rbd", self.H, u) if c.tying == "layerwise" else u) + o
            if attention:
                keep.append(p.detach())
        if attention:
            self.last_attention = torch.stack(keep, 2)
        return torch.einsum("rbd,rkd->rbk", u, self.answer_matrix(vocabulary))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Answer scores ``(B, n_classes)`` of copy 0 (the only one, for the engine)."""
        self.check(x)
        return self.forward_copies(x.unsqueeze(0).expand(self.copies, *x.shape))[0]

    # -- training: linear start and annealing follow the epochs seen -------------------------

    def on_fit_start(self, X: torch.Tensor, seed: int = 0) -> None:
        """Record the training split's size: linear start and annealing count epochs."""
        if int(self.n_train) == 0:
            self.n_train.fill_(len(X))
        self._sync_schedule()

    def epoch_seen(self) -> int:
        """Epochs of training the model has taken part in (0 before :meth:`on_fit_start`)."""
        n = int(self.n_train)
        return int(self.samples_seen) // n if n else 0

    def _sync_schedule(self) -> None:
        c = self.config
        e = self.epoch_seen()
        self.linear = bool(self.n_train) and e < c.linear_start_epochs
        if self._optimizers and self._base_lr > 0:
            after = e - c.linear_start_epochs + 1             # 1-based epoch after LS
            times = after // c.anneal_every if c.anneal_every and after > 0 else 0
            for opt in self._optimizers:
                for g in opt.param_groups:
                    g["lr"] = self._base_lr * c.anneal_factor ** times

    def configure_optimizers(self, cfg: TrainConfig) -> list[torch.optim.Optimizer]:
        """The engine's optimizer, whose learning rate the model anneals (``anneal_every``)."""
        self._optimizers = [build_optimizer(list(self.parameters()), cfg)]
        self._base_lr = cfg.lr
        return self._optimizers

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Cross-entropy of the answer; linear start and the learning rate follow the epoch."""
        x, y = _labelled(batch, self.model_id)
        self._sync_schedule()
        self.check(x)
        logits = self.forward_copies(x.unsqueeze(0).expand(self.copies, *x.shape),
                                     vocabulary=self.config.answer == "vocabulary")[0]
        loss = F.cross_entropy(logits, self.answer_targets(y))
        self.samples_seen += len(x)
        return {"loss": loss,
                "accuracy": (self.predicted_class(logits.detach()) == y).float().mean()}

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Loss and accuracy; keeps a few questions and their attention for the plots."""
        x, y = _labelled(batch, self.model_id)
        self._sync_schedule()
        self.check(x)
        logits = self.forward_copies(x[None], attention=True,
                                     vocabulary=self.config.answer == "vocabulary")[0]
        self._recent = x[:6].detach()
        return {"loss": F.cross_entropy(logits.float(), self.answer_targets(y)),
                "accuracy": (self.predicted_class(logits) == y).float().mean()}

    @torch.no_grad()
    def attention(self, x: torch.Tensor) -> torch.Tensor:
        """The attention of each hop over the memory rows, ``(B, K, M)`` (rows past the last
        sentence 0 when masked; with ``empty_memory="zero"`` each takes its share of the
        softmax), with the softmax as the model stands (linear during linear start)."""
        self.check(x)
        was = self.training
        self.eval()
        self.forward_copies(x[None], attention=True)
        self.train(was)
        p = self.last_attention
        assert p is not None
        out = torch.zeros(len(x), self.config.hops, self.config.memory_size, device=x.device)
        out[..., :p.shape[-1]] = p[0]
        return out

    def visualize(self, out_dir: Path) -> list[Path]:
        """``attention.png``: each hop's attention over the sentences of a few questions of
        the last evaluation (:func:`~nnzoo.models.memory.memn2n_plots.plot_attention`)."""
        from nnzoo.models.memory.memn2n_plots import plot_attention

        if self._recent is None:
            return []
        x = self._recent.to(self.device)
        return [plot_attention(x, self.attention(x), Path(out_dir) / "attention.png")]


__all__ = ["MemN2N", "MemN2NConfig", "distinct_rows", "noisy_time", "position_encoding",
           "position_encoding_authors", "recency"]
