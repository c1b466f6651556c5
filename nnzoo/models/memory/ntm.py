"""Neural Turing machine: a controller network with read and write heads on an external
memory matrix, every memory access differentiable.

Paper: A. Graves, G. Wayne, I. Danihelka, "Neural Turing Machines", arXiv:1410.5401, 2014.
https://arxiv.org/abs/1410.5401 (Graves 2014). Reference implementation whose set-up the
copy benchmark follows: loudinthecloud/pytorch-ntm, https://github.com/loudinthecloud/pytorch-ntm.

One step t, batched over the batch (B) and the heads (H = read + write heads), memory
M_{t-1} of N rows of width W (:mod:`nnzoo.models.memory.addressing` has the addressing math):

1. Controller: ``h_t = LSTM([x_t; r_{t-1}], (h_{t-1}, c_{t-1}))`` (or, feed-forward,
   ``h_t = tanh(A [x_t; r_{t-1}] + b)``), r_{t-1} the previous step's read vectors.
2. Each head's parameters from one linear map of h_t: key k (W), strength
   ``beta = softplus(.) >= 0``, gate ``g = sigmoid(.)``, shift ``s = softmax(.)`` over
   -R..R, sharpening ``gamma = 1 + softplus(.) >= 1``; a write head also erase
   ``e = sigmoid(.)`` (W) and add a (W).
3. Addressing (eq. 5-9): ``w_t = sharpen(shift(g w_c + (1 - g) w_{t-1}, s), gamma)`` with
   ``w_c = softmax(beta cos(k, M_{t-1}(i)))``; every head addresses M_{t-1}.
4. Read (eq. 2): ``r_t = sum_i w_t(i) M_{t-1}(i)``.
5. Write (eq. 3-4): ``M_t(i) = M_{t-1}(i) prod_h (1 - w_t^h(i) e^h) + sum_h w_t^h(i) a^h``.
6. Output: ``y_t = sigmoid(V [h_t; r_t] + c)`` (logits are returned; the loss is the binary
   cross-entropy on the answer steps).

Initial state (as pytorch-ntm): the memory starts from a fixed random matrix (a buffer,
uniform in +-1/sqrt(N + W)), the read vectors from small fixed random vectors, the head
weightings from zeros, the LSTM state from learned vectors. Gradients are clipped element-wise
to +-``clip_value`` (a hook on each parameter, so any training loop applies it), and the
optimiser is RMSprop with momentum (``rmsprop=True``: ``lr`` and ``momentum`` of the training
config, smoothing ``rmsprop_alpha``), both as pytorch-ntm trains the copy task.

Data: :mod:`nnzoo.data.algorithmic` (copy, repeat-copy, associative recall); a batch is
``x (B, S, C_in)``, and the engine's targets ``y (B, S, C_out + 1)`` carry the answer mask
in their last channel. Costs are reported per sequence in bits (the binary cross-entropy
summed over a sequence's output bits, log base 2, as Graves et al.'s Figure 3) and as wrong
bits per sequence (outputs thresholded at 0.5, pytorch-ntm's "cost").
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core.config import TrainConfig, build_optimizer, require
from nnzoo.core.errors import InputError
from nnzoo.models.base import Batch, ZooModule
from nnzoo.models.memory.addressing import address
from nnzoo.models.registry import register

Controller = Literal["lstm", "feedforward"]
Task = Literal["copy", "repeat-copy", "recall"]
TASKS = ("copy", "repeat-copy", "recall")
LN2 = math.log(2.0)


def channels(task: str, n_bits: int) -> tuple[int, int]:
    """``(C_in, C_out)`` of ``task`` with ``n_bits`` bits per vector: copy has a delimiter
    input channel; repeat-copy a delimiter and a repeat-count input and an end-marker output;
    recall an item flag and a query flag (the layouts of :mod:`nnzoo.data.algorithmic`)."""
    return {"copy": (n_bits + 1, n_bits), "repeat-copy": (n_bits + 2, n_bits + 1),
            "recall": (n_bits + 2, n_bits)}[task]


class EpisodeLike(Protocol):
    """A batch of a task: inputs ``x (B, S, C_in)``, targets ``y (B, S, C_out)``, answer
    ``mask (B, S)``, and its ``length`` (:class:`nnzoo.data.algorithmic.Episode`)."""

    @property
    def x(self) -> torch.Tensor: ...
    @property
    def y(self) -> torch.Tensor: ...
    @property
    def mask(self) -> torch.Tensor: ...
    @property
    def length(self) -> int: ...


@dataclass
class NTMConfig:
    """Hyperparameters of :class:`NTM` (defaults: pytorch-ntm's copy task).

    :param sample_shape: one sequence ``(S, C_in)``; ``C_in`` must be the task's (checked
        when the machine is built).
    :param task: ``copy``, ``repeat-copy`` or ``recall``: fixes the input and output widths.
    :param n_bits: bits per vector of the task (8 for copy and repeat-copy, 6 for recall).
    :param controller: ``lstm`` or ``feedforward`` (one tanh layer).
    :param controller_size: the controller's hidden units.
    :param memory_rows: N, rows of the memory.
    :param memory_width: W, the width of a row.
    :param read_heads: read heads (>= 1).
    :param write_heads: write heads (>= 1).
    :param shift_range: R: the heads shift by -R..R rows (1: {-1, 0, +1}).
    :param clip_value: clip every gradient element to [-clip_value, clip_value]; 0 = off.
    :param rmsprop: train with RMSprop (``lr``, ``momentum`` of the training config and
        ``rmsprop_alpha``); False: the training config's ``optimizer``.
    :param rmsprop_alpha: RMSprop's smoothing constant of the squared gradients.
    :param compile_step: run one step of the machine through ``torch.compile`` (fuses its
        few dozen small operations; worth it for long runs, costs a minute or two of
        compilation first, and another for each new batch size).
    """

    sample_shape: tuple[int, ...] = (41, 9)
    task: Task = "copy"
    n_bits: int = 8
    controller: Controller = "lstm"
    controller_size: int = 100
    memory_rows: int = 128
    memory_width: int = 20
    read_heads: int = 1
    write_heads: int = 1
    shift_range: int = 1
    clip_value: float = 10.0
    rmsprop: bool = True
    rmsprop_alpha: float = 0.95
    compile_step: bool = False

    def __post_init__(self) -> None:
        s = self.sample_shape
        require(self.task in TASKS, f"task must be one of {', '.join(TASKS)}, got {self.task!r}")
        require(self.n_bits >= 1, f"n_bits must be >= 1, got {self.n_bits}")
        require(isinstance(s, tuple) and len(s) == 2 and all(isinstance(v, int) for v in s),
                f"sample_shape must be (steps, channels), got {s!r}")
        require(s[0] >= 1, f"sequence length must be >= 1, got sample_shape {s}")
        require(self.controller in ("lstm", "feedforward"),
                f"controller must be lstm or feedforward, got {self.controller!r}")
        for name in ("controller_size", "memory_rows", "memory_width", "read_heads",
                     "write_heads"):
            require(getattr(self, name) >= 1, f"{name} must be >= 1, got {getattr(self, name)}")
        require(self.shift_range >= 0, f"shift_range must be >= 0, got {self.shift_range}")
        require(2 * self.shift_range + 1 <= self.memory_rows,
                f"shift_range {self.shift_range} needs at least {2 * self.shift_range + 1} "
                f"memory rows, got {self.memory_rows}")
        require(self.clip_value >= 0, f"clip_value must be >= 0, got {self.clip_value}")
        require(0 < self.rmsprop_alpha < 1,
                f"rmsprop_alpha must be in (0, 1), got {self.rmsprop_alpha}")


@register("ntm", config=NTMConfig, rule="backpropagation through time, RMSprop",
          peer="pytorch-ntm's published convergence (README: copy task, same set-up)",
          reference="https://github.com/loudinthecloud/pytorch-ntm")
class NTM(ZooModule[NTMConfig]):
    """Neural Turing machine (Graves, Wayne & Danihelka 2014).

    :param config: an :class:`NTMConfig`.
    """

    lstm: nn.LSTMCell   # the controller: one of the two
    ff: nn.Linear
    memory_init: torch.Tensor
    read_init: torch.Tensor

    def __init__(self, config: NTMConfig) -> None:
        super().__init__(config)
        c = config
        self.c_in, self.c_out = channels(c.task, c.n_bits)
        require(c.sample_shape[1] == self.c_in,
                f"the {c.task} task with {c.n_bits} bits has {self.c_in} input channels, got "
                f"sample_shape {c.sample_shape}")
        N, W, R = c.memory_rows, c.memory_width, c.read_heads
        S = 2 * c.shift_range + 1
        ctrl_in = self.c_in + R * W
        self.read_size = W + 3 + S                    # k, beta, g, s, gamma
        self.write_size = 3 * W + 3 + S               # ... and e, a
        if c.controller == "lstm":
            self.lstm = nn.LSTMCell(ctrl_in, c.controller_size)
            bound = 5 / math.sqrt(ctrl_in + c.controller_size)  # pytorch-ntm's LSTM init
            nn.init.uniform_(self.lstm.weight_ih, -bound, bound)
            nn.init.uniform_(self.lstm.weight_hh, -bound, bound)
            nn.init.zeros_(self.lstm.bias_ih)
            nn.init.zeros_(self.lstm.bias_hh)
            self.h0 = nn.Parameter(torch.randn(1, c.controller_size) * 0.05)
            self.c0 = nn.Parameter(torch.randn(1, c.controller_size) * 0.05)
        else:
            self.ff = nn.Linear(ctrl_in, c.controller_size)
        # every head's parameters from one matrix, its rows grouped by kind so that each
        # activation is one operation over all heads: [keys (H W) | beta, gamma (2H) |
        # g (H), erase (Hw W) | shifts (H S) | add (Hw W)]; each head's rows initialised as
        # its own linear layer would be (Xavier, gain 1.4, over the head's output size)
        H, Hw = R + c.write_heads, c.write_heads
        self.split = [H * W, 2 * H, H + Hw * W, H * S, Hw * W]
        self.heads = nn.Linear(c.controller_size, sum(self.split))
        with torch.no_grad():
            for h in range(H):
                size = self.read_size if h < R else self.write_size
                bound = 1.4 * math.sqrt(6 / (c.controller_size + size))
                rows = self._head_rows(h)
                self.heads.weight[rows] = torch.empty(len(rows), c.controller_size
                                                      ).uniform_(-bound, bound)
            nn.init.normal_(self.heads.bias, std=0.01)
        self.out = nn.Linear(c.controller_size + R * W, self.c_out)
        nn.init.xavier_uniform_(self.out.weight, gain=1.0)
        nn.init.normal_(self.out.bias, std=0.01)
        stdev = 1 / math.sqrt(N + W)
        self.register_buffer("memory_init", torch.empty(N, W).uniform_(-stdev, stdev))
        self.register_buffer("read_init", torch.randn(R, W) * 0.01)
        self._compiled: Callable[..., tuple[torch.Tensor, ...]] | None = None
        #: the first sequence of the last evaluated batch (x, y, mask), for :meth:`visualize`
        self._recent: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None
        if c.clip_value > 0:
            v = c.clip_value
            for p in self.parameters():
                p.register_hook(lambda g, v=v: g.clamp(-v, v))

    # ------------------------------------------------------------------ the machine

    def _head_rows(self, h: int) -> list[int]:
        """The rows of :attr:`heads` that belong to head ``h`` (reads first, then writes)."""
        c, W = self.config, self.config.memory_width
        R, H, S = c.read_heads, c.read_heads + c.write_heads, 2 * c.shift_range + 1
        o = [sum(self.split[:i]) for i in range(5)]
        rows = list(range(o[0] + h * W, o[0] + (h + 1) * W))              # key
        rows += [o[1] + h, o[1] + H + h, o[2] + h]                         # beta, gamma, g
        rows += list(range(o[3] + h * S, o[3] + (h + 1) * S))              # shift
        if h >= R:                                                         # erase, add
            j = h - R
            rows += list(range(o[2] + H + j * W, o[2] + H + (j + 1) * W))
            rows += list(range(o[4] + j * W, o[4] + (j + 1) * W))
        return rows

    def _heads(self, h: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The heads' parameters from the controller output ``h``, squashed into their
        ranges: keys ``(B, H, W)``, beta >= 0, gamma >= 1, g in [0, 1] ``(B, H)``, shift
        weights ``(B, H, 2R+1)`` (a softmax), erase in [0, 1] and add ``(B, Hw, W)``."""
        c, W = self.config, self.config.memory_width
        B, H, Hw = h.shape[0], c.read_heads + c.write_heads, c.write_heads
        key, bg, ge, s, add = self.heads(h).split(self.split, 1)
        beta, gamma = F.softplus(bg).view(B, 2, H).unbind(1)   # beta = softplus(.)
        ge = torch.sigmoid(ge)                                  # g, e = sigmoid(.)
        shift = torch.softmax(s.view(B, H, -1), -1)
        return (key.view(B, H, W), beta, ge[:, :H], shift, 1 + gamma,
                ge[:, H:].view(B, Hw, W), add.view(B, Hw, W))

    def _step(self, x_t: torch.Tensor, reads: torch.Tensor, memory: torch.Tensor,
              weights: torch.Tensor, h: torch.Tensor, cell: torch.Tensor
              ) -> tuple[torch.Tensor, ...]:
        """One step of the machine (module docstring, 1-5): returns the new read vectors
        ``(B, Hr W)``, memory ``(B, N, W)``, weightings ``(B, H, N)`` and controller state
        ``h, cell`` (``cell`` unused by the feed-forward controller)."""
        c = self.config
        R, B = c.read_heads, x_t.shape[0]
        inp = torch.cat([x_t, reads], 1)
        if c.controller == "lstm":
            h, cell = self.lstm(inp, (h, cell))
        else:
            h = torch.tanh(self.ff(inp))
        key, beta, gate, shift, gamma, erase, add = self._heads(h)
        weights = address(memory, weights, key, beta, gate, shift, gamma)
        w_r, w_w = weights[:, :R], weights[:, R:]
        reads = torch.bmm(w_r, memory).reshape(B, -1)              # r = sum_i w(i) M(i)
        # M <- M * prod_h (1 - w_h e_h^T) + sum_h w_h a_h^T
        if c.write_heads == 1:
            keep = 1 - w_w.transpose(1, 2) * erase                 # (B, N, 1) * (B, 1, W)
        else:
            keep = (1 - w_w.unsqueeze(-1) * erase.unsqueeze(-2)).prod(1)
        memory = torch.baddbmm(memory * keep, w_w.transpose(1, 2), add)
        return reads, memory, weights, h, cell

    def run(self, x: torch.Tensor, trace: bool = False
            ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Run the machine over ``x (B, S, C_in)`` from its initial state.

        :param trace: also return the heads' weightings and the memory at every step.
        :return: output logits ``(B, S, C_out)`` and, with ``trace``, ``{"read": (B, S, Hr,
            N), "write": (B, S, Hw, N), "memory": (B, S, N, W)}`` (the memory after each
            step's write), else ``{}``.
        """
        c = self.config
        B, S, _ = x.shape
        R = c.read_heads
        memory = self.memory_init.expand(B, -1, -1)
        reads = self.read_init.reshape(1, -1).expand(B, -1)
        weights = x.new_zeros(B, R + c.write_heads, c.memory_rows)
        if c.controller == "lstm":
            h, cell = self.h0.expand(B, -1), self.c0.expand(B, -1)
        else:
            h = cell = x.new_zeros(B, c.controller_size)
        step = self._step
        if c.compile_step and not trace:
            if self._compiled is None:
                self._compiled = torch.compile(self._step, dynamic=False)
            step = self._compiled
        hs, rs = [], []
        rec: dict[str, list[torch.Tensor]] = {"read": [], "write": [], "memory": []}
        # (S, B, C) in a fresh tensor, so that every x_t has the strides (C, 1) whatever S
        # (a compiled step is specialised to its inputs' strides)
        xs = torch.empty(S, B, x.shape[2], dtype=x.dtype, device=x.device)
        xs.copy_(x.transpose(0, 1))
        for t in range(S):
            reads, memory, weights, h, cell = step(xs[t], reads, memory, weights, h, cell)
            hs.append(h)
            rs.append(reads)
            if trace:
                rec["read"].append(weights[:, :R].detach())
                rec["write"].append(weights[:, R:].detach())
                rec["memory"].append(memory.detach())
        # y_t = V [h_t; r_t] + c for every step in one matrix product
        logits = self.out(torch.cat([torch.stack(hs, 1), torch.stack(rs, 1)], -1))
        return logits, ({k: torch.stack(v, 1) for k, v in rec.items()} if trace else {})

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Output logits ``(B, S, C_out)`` for inputs ``x (B, S, C_in)`` of any length S."""
        self._check_x(x)
        return self.run(x)[0]

    def _check_x(self, x: torch.Tensor, finite: bool = False) -> None:
        """Inputs are float ``(batch, steps, C_in)`` of any number of steps."""
        if not isinstance(x, torch.Tensor):
            raise InputError(f"ntm input must be a torch.Tensor, got {type(x).__name__}")
        if x.dim() != 3 or x.shape[2] != self.c_in or x.shape[1] < 1:
            raise InputError(f"ntm input must have shape (batch, steps, {self.c_in}) for the "
                             f"{self.config.task} task, got {tuple(x.shape)}")
        if not x.is_floating_point():
            raise InputError(f"ntm input must be a floating-point tensor, got dtype {x.dtype}")
        if finite and not bool(torch.isfinite(x).all()):
            raise InputError("ntm input holds NaN or infinite values")

    # ------------------------------------------------------------------ losses and metrics

    def episode_costs(self, x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor
                      ) -> dict[str, torch.Tensor]:
        """Loss and costs of a batch: ``loss`` the mean binary cross-entropy per scored bit
        (nats; what is minimised), ``cost_bits`` the cross-entropy summed over each
        sequence's scored bits in bits (log base 2), averaged over the sequences, and
        ``bit_errors`` the wrong bits per sequence (outputs thresholded at 0.5).

        :param x: ``(B, S, C_in)``; ``y``: ``(B, S, C_out)`` targets; ``mask``: ``(B, S)``.
        """
        last = int(mask.any(0).nonzero().max()) + 1 if mask.any() else 1
        x, y, m = x[:, :last], y[:, :last], mask[:, :last].unsqueeze(-1).to(x.dtype)
        logits = self(x)
        bce = F.binary_cross_entropy_with_logits(logits, y, reduction="none") * m
        n_bits = m.sum() * y.shape[-1]
        B = x.shape[0]
        wrong = ((logits.detach() > 0).to(y.dtype) != y).to(y.dtype) * m
        return {"loss": bce.sum() / n_bits.clamp_min(1),
                "cost_bits": bce.detach().sum() / LN2 / B,
                "bit_errors": wrong.sum() / B}

    def episode(self, ep: EpisodeLike) -> dict[str, torch.Tensor]:
        """:meth:`episode_costs` of an :class:`~nnzoo.data.algorithmic.Episode`."""
        dev = self.device
        return self.episode_costs(ep.x.to(dev), ep.y.to(dev), ep.mask.to(dev))

    def _unpack(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x, y = batch
        if y is None or y.dim() != 3 or y.shape[:2] != x.shape[:2] \
                or y.shape[2] != self.c_out + 1:
            got = None if y is None else tuple(y.shape)
            raise InputError(f"ntm targets must be (B, S, {self.c_out + 1}): the {self.c_out} "
                             f"output bits and the answer mask, got {got}")
        return x, y[..., :self.c_out], y[..., self.c_out] > 0.5

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        return self.episode_costs(*self._unpack(batch))

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y, mask = self._unpack(batch)
        self._recent = (x[:1].detach().cpu(), y[:1].detach().cpu(), mask[:1].detach().cpu())
        return self.episode_costs(x, y, mask)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Output bits (0./1.) ``(B, S, C_out)`` at every step (checked input)."""
        self._check_x(x, finite=True)
        return (self.run(x)[0] > 0).to(x.dtype)

    def configure_optimizers(self, cfg: TrainConfig) -> list[torch.optim.Optimizer]:
        """RMSprop with momentum (``rmsprop=True``, as pytorch-ntm) or ``cfg.optimizer``."""
        if not self.config.rmsprop:
            return [build_optimizer(self.parameters(), cfg)]
        return [torch.optim.RMSprop(self.parameters(), lr=cfg.lr, momentum=cfg.momentum,
                                    alpha=self.config.rmsprop_alpha)]

    def visualize(self, out_dir: Path) -> list[Path]:
        """The heads' weightings and the memory over the first sequence of the last
        evaluated batch (``ntm_plots``); nothing before any evaluation."""
        from nnzoo.models.memory import ntm_plots

        if self._recent is None:
            return []
        return ntm_plots.plot_machine(self, Path(out_dir), ntm_plots.Sequence1(*self._recent))


__all__ = ["NTM", "NTMConfig"]
