"""The differentiable neural computer (DNC): an LSTM controller that reads and writes an
external memory matrix through differentiable attention, with usage-based allocation and a
temporal link matrix that remembers the order of writes.

Paper: A. Graves, G. Wayne, M. Reynolds et al., "Hybrid computing using a neural network with
dynamic external memory", Nature 538, 471-476, 2016. https://doi.org/10.1038/nature20101
(the equations are those of its Methods; DeepMind's release:
https://github.com/google-deepmind/dnc).

One step ``t`` (input ``x_t``, ``R`` read vectors ``r_{t-1}`` of width ``W`` from the last
step, memory ``M`` of ``N`` rows):

1. Controller: ``h_t = LSTM([x_t; r^1_{t-1}; ...; r^R_{t-1}], h_{t-1})``.
2. Interface vector ``xi_t = W_xi h_t``, cut into (the nonlinearities of the Methods):
   ``R`` read keys ``k^{r,i}`` (as they are), read strengths ``beta^{r,i} = oneplus(.)``,
   the write key ``k^w``, write strength ``beta^w = oneplus(.)``, erase vector
   ``e = sigmoid(.)``, write vector ``v`` (as it is), ``R`` free gates ``f^i = sigmoid(.)``,
   the allocation gate ``g^a = sigmoid(.)``, the write gate ``g^w = sigmoid(.)`` and ``R``
   read modes ``pi^i = softmax(.)`` over (backward, content, forward);
   ``oneplus(x) = 1 + log(1 + e^x)``. Its size is ``R W + 3 W + 5 R + 3``.
3. Write: retention, usage, allocation, write weighting, erase and write, links and
   precedence (:mod:`nnzoo.models.memory.dnc_access`, each with its formula), content
   weightings ``C(M, k, beta) = softmax_i(beta cos(k, M[i]))``
   (:func:`nnzoo.models.memory.addressing.content_weights`).
4. Read: forward and backward weightings through the new links, content weightings on the
   new memory, mixed by the read modes; ``r^i_t = M_t^T w^{r,i}_t``.
5. Output: ``y_t = W_y h_t + W_r [r^1_t; ...; r^R_t]`` (one linear layer on ``[h_t; r_t]``,
   with a bias).

Everything starts at zero: memory, usage, links, precedence, weightings, read vectors and the
LSTM state.

Task ``copy`` (the NTM's copy layout, :func:`nnzoo.data.generated.copy_task`): the input is
``(B, S, n_bits + 2)``, the data bits then two flag channels; the model emits ``n_bits``
logits per step, and the loss is the binary cross-entropy of the last ``T`` steps against
the ``(B, T, n_bits)`` target. Reported: the cost per sequence in bits (the summed
cross-entropy of one sequence, in bits, as Graves et al. report the NTM's) and the bit errors
per sequence (outputs thresholded at 1/2).

Task ``babi`` (question answering, :mod:`nnzoo.data.babi`'s encoding: ``x`` ``(B, M + 1, W)``
word ids, ``M`` story sentences then the question, 0 the padding; ``y`` the answer class):
the DNC reads the story and the question one word per step, as Graves et al. feed bAbI,
each word an embedding of ``embedding_size`` numbers and every sentence followed by a learned
end-of-sentence step (id ``vocab_size``); the padding is skipped. The answer's scores are the
output ``y_t`` at the question's last word, ``n_classes`` of them, trained with
cross-entropy. Graves et al. train one larger DNC jointly on the 20 tasks of bAbI-10k; the
recipes here train small ones on one task.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core.config import require
from nnzoo.core.errors import InputError
from nnzoo.core.validation import check_input, check_labels
from nnzoo.models.base import Batch, ZooModule
from nnzoo.models.memory import dnc_access as acc
from nnzoo.models.memory import dnc_plots
from nnzoo.models.memory.addressing import content_weights
from nnzoo.models.registry import register

Task = Literal["copy", "babi"]
#: The names of the per-step weightings a traced forward pass records (see :meth:`DNC.trace`).
TRACED = ("write_weights", "read_weights", "usage", "allocation", "read_modes", "gates")


@dataclass
class DNCConfig:
    """Hyperparameters of :class:`DNC`.

    :param sample_shape: ``copy``: one sequence ``(S, D)``, ``S`` steps of ``D = n_bits + 2``
        real inputs (two flag channels; sequences of any length run, ``D`` is fixed).
        ``babi``: ``(M + 1, W)`` word ids, ``M`` sentences and the question (the dataset
        decides it).
    :param task: ``copy``: ``D - 2`` logits per step, scored on the last ``T`` steps.
        ``babi``: ``n_classes`` answer scores after the question's last word.
    :param memory_size: ``N``, the rows of the memory.
    :param word_size: ``W``, the width of a row.
    :param read_heads: ``R``.
    :param hidden_size: the LSTM controller's units.
    :param controller_layers: stacked LSTM layers of the controller (the read vectors and the
        input enter the first; the last one's state drives the interface and the output).
    :param vocab_size: ``babi``: word ids ``0..vocab_size-1``, 0 the padding (the dataset
        decides it).
    :param n_classes: ``babi``: the number of answers (the dataset decides it).
    :param embedding_size: ``babi``: the width of a word's embedding.
    """

    sample_shape: tuple[int, ...] = (22, 8)
    task: Task = "copy"
    memory_size: int = 16
    word_size: int = 16
    read_heads: int = 1
    hidden_size: int = 64
    controller_layers: int = 1
    vocab_size: int = 0
    n_classes: int = 0
    embedding_size: int = 32
    #: a dataset without classes (copy) builds it too: only ``babi`` needs ``n_classes``
    classes_optional: ClassVar[bool] = True

    def __post_init__(self) -> None:
        s = self.sample_shape
        require(isinstance(s, tuple) and all(isinstance(v, int) for v in s),
                f"sample_shape must be a tuple of sizes (steps, inputs), got {s!r}")
        require(len(s) == 2, f"sample_shape must be (steps, inputs) real values, got {s}")
        require(s[0] >= 1, f"sequence length must be >= 1, got sample_shape {s}")
        require(self.task in ("copy", "babi"), f"task must be 'copy' or 'babi', got "
                f"{self.task!r}")
        if self.task == "copy":
            require(s[1] >= 3, f"the copy layout needs at least one data bit and two flag "
                    f"channels (inputs >= 3), got sample_shape {s}")
        else:
            require(s[0] >= 2 and s[1] >= 1, f"babi's sample_shape must be (M + 1, W) with "
                    f"M >= 1 sentences of W >= 1 words and the question, got {s}")
        for name in ("memory_size", "word_size", "read_heads", "hidden_size",
                     "controller_layers", "embedding_size"):
            require(getattr(self, name) >= 1, f"{name} must be >= 1, got {getattr(self, name)}")
        require(self.vocab_size >= 0 and self.n_classes >= 0,
                f"vocab_size and n_classes must be >= 0, got {self.vocab_size} and "
                f"{self.n_classes}")

    def validate(self) -> None:
        """What a ``babi`` dataset fills in: a vocabulary and at least two answers."""
        if self.task == "babi":
            require(self.vocab_size >= 2, f"dnc on babi needs vocab_size >= 2 (word ids, 0 "
                    f"the padding), got {self.vocab_size}")
            require(self.n_classes >= 2, f"dnc on babi needs n_classes >= 2 answers, got "
                    f"{self.n_classes}")

    @property
    def n_outputs(self) -> int:
        """Logits per step: the data bits of the copy layout, or the answers of babi."""
        return self.n_classes if self.task == "babi" else self.sample_shape[1] - 2

    @property
    def step_size(self) -> int:
        """Numbers the controller reads from the input at each step."""
        return self.embedding_size if self.task == "babi" else self.sample_shape[1]

    @property
    def interface_size(self) -> int:
        """``R W + 3 W + 5 R + 3``: keys, strengths, erase and write vectors, gates, modes."""
        R, W = self.read_heads, self.word_size
        return R * W + 3 * W + 5 * R + 3


def oneplus(x: torch.Tensor) -> torch.Tensor:
    """``1 + log(1 + e^x)``: a strength in ``[1, inf)``."""
    return 1 + F.softplus(x)


@dataclass
class Interface:
    """The interface vector cut into its parts, after their nonlinearities (batch ``B``)."""

    read_keys: torch.Tensor       # (B, R, W)
    read_strengths: torch.Tensor  # (B, R)
    write_key: torch.Tensor       # (B, 1, W)
    write_strength: torch.Tensor  # (B, 1)
    erase: torch.Tensor           # (B, W)
    write_vector: torch.Tensor    # (B, W)
    free_gates: torch.Tensor      # (B, R)
    alloc_gate: torch.Tensor      # (B, 1)
    write_gate: torch.Tensor      # (B, 1)
    read_modes: torch.Tensor      # (B, R, 3): backward, content, forward


def split_interface(xi: torch.Tensor, read_heads: int, word_size: int) -> Interface:
    """Cut ``xi`` ``(B, R W + 3 W + 5 R + 3)`` in the order of the Methods and apply each
    part's nonlinearity."""
    R, W = read_heads, word_size
    sizes = [R * W, R, W, 1, W, W, R, 1, 1, 3 * R]
    require(xi.shape[-1] == sum(sizes), f"the interface vector of R={R}, W={W} has "
            f"{sum(sizes)} numbers, got {xi.shape[-1]}")
    kr, br, kw, bw, e, v, f, ga, gw, pi = torch.split(xi, sizes, dim=-1)
    B = xi.shape[0]
    return Interface(
        read_keys=kr.reshape(B, R, W), read_strengths=oneplus(br),
        write_key=kw.reshape(B, 1, W), write_strength=oneplus(bw),
        erase=torch.sigmoid(e), write_vector=v, free_gates=torch.sigmoid(f),
        alloc_gate=torch.sigmoid(ga), write_gate=torch.sigmoid(gw),
        read_modes=torch.softmax(pi.reshape(B, R, 3), dim=-1))


@dataclass
class MemoryState:
    """What the memory carries from step to step (batch ``B``)."""

    memory: torch.Tensor         # (B, N, W)
    usage: torch.Tensor          # (B, N)
    link: torch.Tensor           # (B, N, N)
    precedence: torch.Tensor     # (B, N)
    read_weights: torch.Tensor   # (B, R, N)
    write_weights: torch.Tensor  # (B, N)
    reads: torch.Tensor          # (B, R, W)

    @classmethod
    def zeros(cls, B: int, N: int, W: int, R: int, device: torch.device,
              dtype: torch.dtype = torch.float32) -> MemoryState:
        def z(*shape: int) -> torch.Tensor:
            return torch.zeros(*shape, device=device, dtype=dtype)

        return cls(z(B, N, W), z(B, N), z(B, N, N), z(B, N), z(B, R, N), z(B, N), z(B, R, W))


def memory_step(s: MemoryState, it: Interface) -> tuple[MemoryState, dict[str, torch.Tensor]]:
    """One write then one read of the memory (Methods, in their order); returns the new state
    and the step's allocation weighting (for the plots)."""
    psi = acc.retention(it.free_gates, s.read_weights)                     # (B, N)
    usage = acc.update_usage(s.usage, s.write_weights, psi)                # u_t
    alloc = acc.allocation(usage)                                          # a_t
    c_w = content_weights(s.memory, it.write_key, it.write_strength)[:, 0]  # C(M_{t-1}, k^w)
    w_w = acc.write_weighting(alloc, c_w, it.alloc_gate, it.write_gate)    # w^w_t
    memory = acc.erase_and_write(s.memory, w_w, it.erase, it.write_vector)  # M_t
    link = acc.update_links(s.link, w_w, s.precedence)                     # L_t (p_{t-1})
    precedence = acc.update_precedence(s.precedence, w_w)                  # p_t
    fwd, bwd = acc.directional(link, s.read_weights)                       # L w, L^T w
    c_r = content_weights(memory, it.read_keys, it.read_strengths)         # C(M_t, k^r)
    w_r = acc.read_weighting(it.read_modes, bwd, c_r, fwd)                 # (B, R, N)
    reads = w_r @ memory                                                   # r^i = M^T w^r
    return MemoryState(memory, usage, link, precedence, w_r, w_w, reads), {"allocation": alloc}


@register("dnc", config=DNCConfig, rule="backpropagation through time",
          peer="dnc 1.1.0 (ixaxaar's PyTorch DNC), same task, memory, controller and optimiser",
          reference="https://github.com/google-deepmind/dnc")
class DNC(ZooModule[DNCConfig]):
    """Differentiable neural computer (Graves et al. 2016); see the module docstring.

    ``forward(x)``: ``copy``: logits ``(B, S, n_outputs)`` for every step of ``x``
    ``(B, S, D)``; ``babi``: answer scores ``(B, n_classes)`` of stories ``(B, M + 1, W)``.

    :param config: a :class:`DNCConfig`.
    """

    def __init__(self, config: DNCConfig) -> None:
        config.validate()
        super().__init__(config)
        c = config
        R, W = c.read_heads, c.word_size
        # babi: the words' embeddings and one more row, the end-of-sentence step
        self.embed = (nn.Embedding(c.vocab_size + 1, c.embedding_size, padding_idx=0)
                      if c.task == "babi" else None)
        self.controller = nn.LSTM(c.step_size + R * W, c.hidden_size,
                                  num_layers=c.controller_layers, batch_first=True)
        self.interface = nn.Linear(c.hidden_size, c.interface_size)   # W_xi
        self.output = nn.Linear(c.hidden_size + R * W, c.n_outputs)   # [W_y, W_r]
        self._trace: dict[str, torch.Tensor] | None = None            # last traced pass (plots)
        self._recent: torch.Tensor | None = None                      # inputs of the last eval

    # -- input checks ------------------------------------------------------------------------

    def _check(self, x: torch.Tensor, finite: bool = False) -> torch.Tensor:
        """``copy``: ``(B, S, D)`` floats, ``B, S >= 1``; ``babi``: stories of word ids with
        a question (:meth:`_check_stories`). One InputError otherwise."""
        if self.config.task == "babi":
            return self._check_stories(x)
        D = self.config.sample_shape[1]
        if not isinstance(x, torch.Tensor) or x.dim() != 3 or x.shape[2] != D:
            got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise InputError(f"dnc input must have shape (batch, steps, {D}), got {got}")
        if x.shape[0] == 0 or x.shape[1] == 0:
            raise InputError(f"dnc input must hold at least one sequence of one step, got "
                             f"shape {tuple(x.shape)}")
        return check_input(x, tuple(x.shape[1:]), name="dnc input", finite=finite)

    def _check_stories(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, M + 1, W)`` word ids in ``[0, vocab_size)``, ``B >= 1``, a question in row
        ``M``."""
        c = self.config
        if (not isinstance(x, torch.Tensor) or x.dim() != 3 or x.dtype != torch.int64
                or x.shape[2] != c.sample_shape[1]):
            got = (f"{tuple(x.shape)} {x.dtype}" if isinstance(x, torch.Tensor)
                   else type(x).__name__)
            raise InputError(f"dnc (babi) input must be int64 word ids of shape (batch, "
                             f"sentences + 1, {c.sample_shape[1]}), got {got}")
        if x.shape[0] == 0 or x.shape[1] < 2:
            raise InputError(f"dnc (babi) input needs at least one story of one sentence and "
                             f"a question, got shape {tuple(x.shape)}")
        lo, hi = int(x.min()), int(x.max())
        if lo < 0 or hi >= c.vocab_size:
            raise InputError(f"dnc (babi) input must hold word ids in [0, {c.vocab_size}), "
                             f"got values from {lo} to {hi}")
        empty = (x[:, -1] == 0).all(1)
        if bool(empty.any()):
            raise InputError(f"dnc (babi): samples {empty.nonzero().flatten()[:5].tolist()} "
                             "have an empty question (the last row is all padding)")
        return x

    def word_steps(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The steps the DNC reads for stories ``x`` ``(B, M + 1, W)``: each non-empty row's
        words, then the end-of-sentence id ``vocab_size``, padding dropped, as ids ``(B, L)``
        (0 after a story's last step) and the number of steps of each story ``(B,)``."""
        B, R, _ = x.shape
        eos = torch.full((B, R, 1), self.config.vocab_size, dtype=x.dtype, device=x.device)
        rows = torch.cat([x, torch.where((x != 0).any(2, keepdim=True), eos, 0)], dim=2)
        flat = rows.flatten(1)
        keep = flat != 0
        order = torch.sort((~keep).to(torch.int8), dim=1, stable=True).indices  # words first
        lengths = keep.sum(1)
        ids = flat.gather(1, order)[:, :int(lengths.max())]
        return ids, lengths

    def _answer_scores(self, x: torch.Tensor) -> torch.Tensor:
        """``babi``: the output at the question's last word (its end-of-sentence step)."""
        assert self.embed is not None
        ids, lengths = self.word_steps(x)
        out = self._run(self.embed(ids))[0]                                # (B, L, K)
        return out[torch.arange(len(ids), device=x.device), lengths - 1]

    def _targets(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        if y is None:
            raise InputError("the dnc copy task needs targets (B, T, n_bits); the batch has none")
        n = self.config.n_outputs
        if (y.dim() != 3 or y.shape[0] != x.shape[0] or y.shape[2] != n
                or not 1 <= y.shape[1] <= x.shape[1]):
            raise InputError(f"copy targets must have shape ({x.shape[0]}, T, {n}) with "
                             f"1 <= T <= {x.shape[1]} steps, got {tuple(y.shape)}")
        if not y.is_floating_point() or bool(((y != 0) & (y != 1)).any()):
            raise InputError("copy targets must be bits: floating-point 0s and 1s")
        return y

    # -- the computation -----------------------------------------------------------------------

    def _run(self, x: torch.Tensor, record: bool = False
             ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Logits ``(B, S, n_outputs)`` and, with ``record``, every step's weightings of the
        first sequence (``TRACED``, each ``(S, ...)``) and the final link matrix."""
        c = self.config
        B, S, _ = x.shape
        s = MemoryState.zeros(B, c.memory_size, c.word_size, c.read_heads, x.device, x.dtype)
        hc: tuple[torch.Tensor, torch.Tensor] | None = None
        outs, trace = [], {k: [] for k in TRACED}  # type: ignore[var-annotated]
        for t in range(S):
            inp = torch.cat([x[:, t], s.reads.flatten(1)], dim=-1)         # [x_t; r_{t-1}]
            h, hc = self.controller(inp.unsqueeze(1), hc)                  # (B, 1, H)
            h = h[:, 0]
            it = split_interface(self.interface(h), c.read_heads, c.word_size)
            s, extra = memory_step(s, it)
            outs.append(self.output(torch.cat([h, s.reads.flatten(1)], dim=-1)))  # y_t
            if record:
                trace["write_weights"].append(s.write_weights[0])
                trace["read_weights"].append(s.read_weights[0])
                trace["usage"].append(s.usage[0])
                trace["allocation"].append(extra["allocation"][0])
                trace["read_modes"].append(it.read_modes[0])
                trace["gates"].append(torch.cat([it.write_gate[0], it.alloc_gate[0]]))
        rec = {k: torch.stack(v).detach() for k, v in trace.items()} if record else {}
        if record:
            rec["link"] = s.link[0].detach()
            rec["memory"] = s.memory[0].detach()
        return torch.stack(outs, dim=1), rec

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check(x)
        return self._answer_scores(x) if self.config.task == "babi" else self._run(x)[0]

    @torch.no_grad()
    def trace(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Run ``x`` ``(B, S, D)`` and return the first sequence's weightings at every step:
        ``write_weights (S, N)``, ``read_weights (S, R, N)``, ``usage (S, N)``,
        ``allocation (S, N)``, ``read_modes (S, R, 3)``, ``gates (S, 2)`` (write, allocation),
        the final ``link (N, N)`` and ``memory (N, W)``, and ``outputs (S, n_outputs)``
        (probabilities). ``babi``: ``x`` is stories of word ids and the steps are the first
        story's words (:meth:`word_steps`); ``outputs`` are the answer probabilities."""
        self._check(x, finite=True)
        if self.embed is not None:
            ids, lengths = self.word_steps(x[:1])
            logits, rec = self._run(self.embed(ids[:, :int(lengths[0])]), record=True)
            rec["outputs"] = torch.softmax(logits[0], dim=-1)
            return rec
        logits, rec = self._run(x, record=True)
        rec["outputs"] = torch.sigmoid(logits[0])
        return rec

    # -- learning ------------------------------------------------------------------------------

    def _loss(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        logits = self._run(x)[0][:, -y.shape[1]:]                         # the answer steps
        bce = F.binary_cross_entropy_with_logits(logits.float(), y, reduction="none")
        per_seq = bce.flatten(1).sum(1) / math.log(2)                      # bits per sequence
        errors = ((logits.detach() > 0).float() != y).flatten(1).sum(1).float()
        return {"loss": bce.mean(), "cost_bits": per_seq.detach().mean(),
                "bit_errors": errors.mean()}

    def _answer_loss(self, x: torch.Tensor, y: torch.Tensor | None) -> dict[str, torch.Tensor]:
        """``babi``: cross-entropy of the answer scores, and the accuracy."""
        if y is None:
            raise InputError("dnc on babi trains on (story, answer) pairs; the batch has no "
                             "answers")
        check_labels(y, x.shape[0], self.config.n_classes, name="answers")
        scores = self._answer_scores(x)
        return {"loss": F.cross_entropy(scores.float(), y),
                "accuracy": (scores.detach().argmax(1) == y).float().mean()}

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        self._check(x)
        if self.config.task == "babi":
            return self._answer_loss(x, y)
        return self._loss(x, self._targets(x, y))

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        self._check(x)
        self._recent = x[:1].detach()
        out = (self._answer_loss(x, y) if self.config.task == "babi"
               else self._loss(x, self._targets(x, y)))
        return {k: v.detach() for k, v in out.items()}

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """``copy``: the bits the model emits at every step ``(B, S, n_outputs)`` (0. or 1.,
        the logits thresholded at 0; in the copy layout the last ``T`` steps are the answer).
        ``babi``: the answer class of each story ``(B,)``."""
        self._check(x, finite=True)
        if self.config.task == "babi":
            return self._answer_scores(x).argmax(1)
        return (self._run(x)[0] > 0).float()

    # -- pictures ------------------------------------------------------------------------------

    def visualize(self, out_dir: Path) -> list[Path]:
        """For the first sequence of the last evaluation: write and read weightings over time
        with the usage (``dnc_weights.png``), and the final link matrix (``dnc_links.png``)."""
        if self._recent is None:
            return []
        return dnc_plots.plot_trace(self.trace(self._recent), Path(out_dir))


__all__ = ["DNC", "DNCConfig", "Interface", "MemoryState", "memory_step", "oneplus",
           "split_interface"]
