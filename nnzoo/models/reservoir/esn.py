"""Echo state network: a fixed random leaky-tanh reservoir and a ridge-regression readout.

Paper: H. Jaeger, "The 'echo state' approach to analysing and training recurrent neural
networks", GMD Report 148, 2001, https://www.ai.rug.nl/minds/uploads/EchoStatesTechRep.pdf.
Leaky-integrator units: H. Jaeger, M. Lukosevicius, D. Popovici, U. Siewert, "Optimization
and applications of echo state networks with leaky-integrator neurons", Neural Networks
20(3), 2007, https://doi.org/10.1016/j.neunet.2007.04.016. Practice: M. Lukosevicius,
"A practical guide to applying echo state networks", Neural Networks: Tricks of the Trade,
2012, https://doi.org/10.1007/978-3-642-35289-8_36.

Reference implementation: reservoirpy (``Reservoir`` + ``Ridge``, v0.4),
https://github.com/reservoirpy/reservoirpy, whose equations and initialisation this file
follows.

The math. Input ``u(t)`` (D), reservoir state ``x(t)`` (N), leak rate ``a``:

- ``x(t) = (1 - a) x(t-1) + a tanh(W_in u(t) + W x(t-1) + b)``, ``x(0) = 0`` before the
  first input (reservoirpy's ``Reservoir._step``).
- ``W`` (N, N): ``round(connectivity N^2)`` entries drawn N(0, 1) at random positions, the
  rest 0, then scaled by ``spectral_radius / rho(W)`` with ``rho`` the largest eigenvalue
  modulus (true eigenvalues, :func:`nnzoo.core.linalg.spectral_radius`). A draw with
  ``rho = 0`` (nilpotent: a small sparse reservoir) is drawn again, up to ``REDRAWS``
  times; all-zero weights (connectivity 0) are a :class:`ConfigError`.
- ``W_in`` (N, D): ``round(input_connectivity N D)`` (at least one) entries of +-1 with
  probability 1/2 (``bernoulli``, reservoirpy's default) or U(-1, 1) (``uniform``), times
  ``input_scaling``; ``b`` (N,): +-1 times ``bias_scaling`` (0 = no bias, reservoirpy's
  default).
- Readout ``y(t) = W_out^T z(t) + b_out`` with ``z(t) = x(t)`` (or ``[u(t); x(t)]`` when
  ``input_to_readout``), fitted by ridge regression with an unpenalised intercept
  (reservoirpy's ``Ridge``: features and targets centred, then
  ``W_out = (Z^T Z + ridge I)^-1 Z^T Y``, ``b_out = mean(Y) - mean(Z) W_out``) on the steps
  after the first ``washout`` ones (the transient from the zero state).

Two data layouts, chosen by ``sample_shape``:

- ``(D,)``, one series: ``X`` (N, D) is one sequence in time order (``fit`` reads it as
  (1, N, D)) and ``y`` (N, n_outputs) its teacher signal (for forecasting, the next value).
  ``fit`` keeps the reservoir state at the end of the series (buffer ``last_state``);
  ``forward``/``predict`` run their rows from that state (the validation split follows the
  training split, so it continues it exactly; ``evaluation_step`` does not score the first
  ``washout`` steps of a split, which re-synchronise the reservoir with a split that does
  not) and :meth:`EchoStateNetwork.generate` runs the network in closed loop from there,
  feeding each prediction back as the next input.
- ``(T, D)``, a batch of sequences: ``X`` (B, T, D), each sequence from the zero state; the
  readout reads the time average of the states after the washout (``pooling="mean"``) or
  the last state (``pooling="last"``). With ``n_classes > 0`` ``y`` holds class labels
  (B,), the readout is fitted to one-hot targets and ``predict`` returns the argmax class;
  with ``n_classes = 0`` ``y`` holds (B, n_outputs) real targets.

``training_step((x, y))`` fits the readout on that batch alone, as ``fit`` does, except
that in the series layout a batch shorter than twice the washout discards only its first
half (a minibatch is a short excerpt of the series; ``fit`` raises instead).

The reservoir's recurrence and random draws are in :mod:`nnzoo.models.reservoir.esn_reservoir`
(the recurrence as torch ops, and for a few sequences on the CPU as a NumPy loop, whose calls
cost less than torch's for a mat-vec of a few hundred units), the plots in
:mod:`nnzoo.models.reservoir.esn_plots`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
import torch.nn.functional as F

from nnzoo.core.config import require
from nnzoo.core.errors import InputError, NotFittedError
from nnzoo.core.linalg import ridge
from nnzoo.core.validation import check_input, check_labels
from nnzoo.models.base import Batch, ZooModule
from nnzoo.models.registry import register
from nnzoo.models.reservoir.esn_plots import plot_evaluation, plot_spectrum
from nnzoo.models.reservoir.esn_reservoir import (
    draw_input,
    draw_recurrent,
    leaky_reservoir,
    scale_to_radius,
)


@dataclass
class ESNConfig:
    """Hyperparameters of :class:`EchoStateNetwork` (defaults: reservoirpy's tutorial ESN,
    100 units, spectral radius 1.25, leak rate 0.3, ridge 1e-5).

    :param sample_shape: ``(D,)``: one time step of one series (``X`` (N, D) is a series in
        time order); ``(T, D)``: sequences of ``T`` steps (``X`` (B, T, D)).
    :param n_outputs: readout size for regression (``n_classes = 0``).
    :param n_classes: 0 = regression; > 0 = classify sequences (needs ``(T, D)``).
    :param n_units: reservoir size N.
    :param spectral_radius: the largest eigenvalue modulus ``W`` is scaled to (>= 0).
    :param leak_rate: ``a`` in (0, 1]: 1 = no leak (Jaeger 2001), smaller = slower units.
    :param input_scaling: scale of the input weights.
    :param connectivity: fraction of the N^2 recurrent weights that are non-zero.
    :param input_connectivity: fraction of the N D input weights that are non-zero.
    :param bias_scaling: scale of the +-1 reservoir biases (0: none).
    :param ridge: the L2 penalty of the readout.
    :param washout: initial steps of each sequence left out of the readout's fit.
    :param input_to_readout: the readout also reads the input ``[u(t); x(t)]``.
    :param input_weights: ``bernoulli`` (+-1) or ``uniform`` (U(-1, 1)) input weights.
    :param pooling: sequences layout: ``mean`` (time average after the washout) or ``last``
        (the final state) is what the readout reads.
    """

    sample_shape: tuple[int, ...] = (1,)
    n_outputs: int = 1
    n_classes: int = 0
    n_units: int = 100
    spectral_radius: float = 1.25
    leak_rate: float = 0.3
    input_scaling: float = 1.0
    connectivity: float = 0.1
    input_connectivity: float = 0.1
    bias_scaling: float = 0.0
    ridge: float = 1e-5
    washout: int = 0
    input_to_readout: bool = False
    input_weights: Literal["bernoulli", "uniform"] = "bernoulli"
    pooling: Literal["mean", "last"] = "mean"

    def __post_init__(self) -> None:
        s = self.sample_shape
        require(isinstance(s, tuple) and len(s) in (1, 2)
                and all(isinstance(v, int) and v >= 1 for v in s),
                f"sample_shape must be (D,) for one series or (T, D) for sequences, with "
                f"positive sizes, got {s!r}")
        require(self.n_units >= 1, f"n_units must be >= 1, got {self.n_units}")
        require(self.n_outputs >= 1, f"n_outputs must be >= 1, got {self.n_outputs}")
        require(self.n_classes >= 0, f"n_classes must be >= 0, got {self.n_classes}")
        require(self.n_classes == 0 or len(s) == 2,
                f"n_classes > 0 classifies sequences and needs sample_shape (T, D), got {s}")
        require(self.n_classes != 1, "n_classes must be 0 (regression) or >= 2, got 1")
        for name in ("spectral_radius", "input_scaling", "bias_scaling", "ridge"):
            v = getattr(self, name)
            require(math.isfinite(v) and v >= 0, f"{name} must be a finite number >= 0, "
                                                  f"got {v}")
        require(0 < self.leak_rate <= 1, f"leak_rate must be in (0, 1], got {self.leak_rate}")
        require(0 <= self.connectivity <= 1,
                f"connectivity must be in [0, 1], got {self.connectivity}")
        require(0 < self.input_connectivity <= 1,
                f"input_connectivity must be in (0, 1], got {self.input_connectivity}")
        require(self.washout >= 0, f"washout must be >= 0 steps, got {self.washout}")
        require(len(s) == 1 or self.washout < s[0],
                f"washout ({self.washout}) must be shorter than the sequences "
                f"(T = {s[0]} steps of sample_shape {s})")
        require(self.input_weights in ("bernoulli", "uniform"),
                f"input_weights must be bernoulli or uniform, got {self.input_weights!r}")
        require(self.pooling in ("mean", "last"),
                f"pooling must be mean or last, got {self.pooling!r}")


@register("esn", config=ESNConfig, learning="closed-form",
          rule="ridge regression readout on teacher-forced reservoir states",
          peer="reservoirpy", reference="https://github.com/reservoirpy/reservoirpy")
class EchoStateNetwork(ZooModule[ESNConfig]):
    """Echo state network (Jaeger 2001) with leaky-integrator units (Jaeger et al. 2007).

    The reservoir (``W``, ``W_in``, ``bias``) is drawn once at construction from the global
    torch generator and never trained; ``fit`` solves the ridge readout (``w_out``,
    ``b_out``). Every tensor is a buffer of a size fixed by the config, so the state dict
    round-trips into a fresh model. See the module docstring for the two data layouts.

    :param config: an :class:`ESNConfig`.
    """

    automatic_optimization = False

    W: torch.Tensor           # (N, N) recurrent weights
    W_in: torch.Tensor        # (N, D) input weights
    bias: torch.Tensor        # (N,)
    w_out: torch.Tensor       # (F, K) readout
    b_out: torch.Tensor       # (K,)
    last_state: torch.Tensor  # (N,) the state where the fitted series ended
    fitted: torch.Tensor      # () bool

    def __init__(self, config: ESNConfig) -> None:
        super().__init__(config)
        c = config
        N, D = c.n_units, c.sample_shape[-1]
        K = c.n_classes or c.n_outputs
        self.n_inputs, self.n_readout = D, K
        n_feat = N + (D if c.input_to_readout else 0)
        self.register_buffer("W", draw_recurrent(config, N))                 # (N, N)
        self.register_buffer("W_in", draw_input(config, N, D))               # (N, D)
        sign = torch.randint(0, 2, (N,)).float() * 2 - 1
        self.register_buffer("bias", sign * c.bias_scaling)                  # (N,)
        self.register_buffer("w_out", torch.zeros(n_feat, K))                # (F, K)
        self.register_buffer("b_out", torch.zeros(K))                        # (K,)
        self.register_buffer("last_state", torch.zeros(N))                   # x at series end
        self.register_buffer("fitted", torch.zeros((), dtype=torch.bool))
        self._last_eval: tuple[torch.Tensor, torch.Tensor | None] | None = None  # for plots

    # -- initialisation ---------------------------------------------------------------------

    @torch.no_grad()
    def set_reservoir(self, W: torch.Tensor | None = None, W_in: torch.Tensor | None = None,
                      bias: torch.Tensor | None = None, *, rescale: bool = False) -> None:
        """Replace the reservoir's matrices (to reproduce a published reservoir, or another
        library's); the readout is reset to unfitted.

        :param W: recurrent weights (N, N).
        :param W_in: input weights (N, D).
        :param bias: reservoir biases (N,).
        :param rescale: scale ``W`` to the config's ``spectral_radius`` first.
        :raises InputError: on a wrong shape, non-finite values, or (with ``rescale``) a ``W``
            whose spectral radius is 0.
        """
        N, D = self.config.n_units, self.n_inputs
        for name, t, shape in (("W", W, (N, N)), ("W_in", W_in, (N, D)), ("bias", bias, (N,))):
            if t is None:
                continue
            t = torch.as_tensor(t)
            if tuple(t.shape) != shape or not t.is_floating_point():
                raise InputError(f"{name} must be a float tensor of shape {shape}, got "
                                 f"{tuple(t.shape)} {t.dtype}")
            if not bool(torch.isfinite(t).all()):
                raise InputError(f"{name} holds NaN or infinite values")
            if name == "W" and rescale:
                t = scale_to_radius(t, self.config.spectral_radius, "the given W", InputError)
            getattr(self, name).copy_(t)
        self.fitted.fill_(False)

    # -- the reservoir ----------------------------------------------------------------------

    def _check_seq(self, u: torch.Tensor, name: str = "u") -> torch.Tensor:
        """``u`` must be float (B, T, D) with the model's D, finite."""
        if not isinstance(u, torch.Tensor):
            raise InputError(f"{name} must be a torch.Tensor, got {type(u).__name__}")
        if u.dim() != 3 or u.shape[-1] != self.n_inputs or u.shape[1] < 1:
            raise InputError(f"{name} must have shape (batch, time, {self.n_inputs}), got "
                             f"{tuple(u.shape)}")
        return check_input(u, tuple(u.shape[1:]), name=name, finite=True)

    def _states(self, u: torch.Tensor, x0: torch.Tensor | None = None) -> torch.Tensor:
        """States without checks; u (B, T, D) -> (B, T, N)."""
        u = u.to(self.W.dtype)
        drive = u @ self.W_in.T + self.bias                      # W_in u(t) + b  (B, T, N)
        return leaky_reservoir(drive, self.W, self.config.leak_rate, x0)

    @torch.no_grad()
    def states(self, u: torch.Tensor, x0: torch.Tensor | None = None) -> torch.Tensor:
        """Reservoir states driven by ``u`` (B, T, D), starting from the zero state (or
        ``x0`` (B, N)); returns (B, T, N). Any length T."""
        return self._states(self._check_seq(u), x0)

    def _features(self, u: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        """What the readout reads: states (..., N), or ``[u; x]`` (..., D + N)."""
        return torch.cat([u.to(s.dtype), s], -1) if self.config.input_to_readout else s

    def _pool(self, u: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        """Sequences layout: one feature vector per sequence (B, F)."""
        z = self._features(u, s)                                 # (B, T, F)
        if self.config.pooling == "last":
            return z[:, -1]
        return z[:, self.config.washout:].mean(1)                # time average after washout

    def _readout(self, z: torch.Tensor) -> torch.Tensor:
        return z @ self.w_out + self.b_out                       # W_out^T z + b_out

    # -- fitting ----------------------------------------------------------------------------

    def _targets(self, y: torch.Tensor | None, n: int) -> torch.Tensor:
        """Check ``y`` against ``n`` samples; regression targets as (n, K), class labels as
        one-hot (n, K)."""
        if y is None:
            raise InputError("the echo state network needs targets y to fit its readout")
        if not isinstance(y, torch.Tensor):
            raise InputError(f"y must be a torch.Tensor, got {type(y).__name__}")
        K = self.n_readout
        if self.config.n_classes:
            check_labels(y, n, self.config.n_classes)
            return F.one_hot(y.long(), K).to(self.W.dtype)
        if y.dim() == 1 and K == 1:
            y = y[:, None]
        if y.dim() != 2 or y.shape[0] != n or y.shape[1] != K:
            raise InputError(f"y must have shape ({n}, {K}) to match X (one target row per "
                             f"{'time step' if self.series else 'sequence'}), got "
                             f"{tuple(y.shape)}")
        if not y.is_floating_point():
            raise InputError(f"y must hold real numbers (regression), got dtype {y.dtype}")
        if not bool(torch.isfinite(y).all()):
            raise InputError("y holds NaN or infinite values")
        return y.to(self.W.dtype)

    @property
    def series(self) -> bool:
        """True for the one-series layout (``sample_shape = (D,)``)."""
        return len(self.sample_shape) == 1

    @torch.no_grad()
    def fit(self, X: torch.Tensor, y: torch.Tensor) -> EchoStateNetwork:
        """Teacher-forced training: drive the reservoir with ``X``, solve the ridge readout.

        :param X: one series (N, D) in time order, or sequences (B, T, D) (by
            ``sample_shape``).
        :param y: the teacher signal (N, n_outputs); or per sequence, labels (B,) or
            targets (B, n_outputs).
        :raises InputError: on wrong shapes, lengths that differ, non-finite values, or a
            washout not shorter than the series.
        """
        return self._fit(X, y, self.config.washout)

    def _fit(self, X: torch.Tensor, y: torch.Tensor | None, washout: int
             ) -> EchoStateNetwork:
        self.check(X, finite=True)
        Y = self._targets(y, X.shape[0])
        if self.series:
            if washout >= X.shape[0]:
                raise InputError(f"washout ({washout} steps) must be shorter than the series "
                                 f"({X.shape[0]} steps)")
            u = X[None]                                          # one sequence (1, N, D)
            s = self._states(u)                                  # (1, N, Nu)
            Z = self._features(u, s)[0, washout:]                # (N - washout, F)
            Y = Y[washout:]
            self.last_state.copy_(s[0, -1])                      # where the series ended
        else:
            Z = self._pool(X, self._states(X))                   # (B, F)
        W, b = ridge(Z, Y, self.config.ridge, intercept=True)    # (F, K), (K,)
        self.w_out.copy_(W)
        self.b_out.copy_(b)
        self.fitted.fill_(True)
        return self

    @torch.no_grad()
    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Fit the readout on this batch alone (see the module docstring) and report the
        fit's training error."""
        x, y = batch
        washout = self.config.washout
        if self.series:
            washout = min(washout, x.shape[0] // 2)              # a short excerpt
        self._fit(x, y, washout)
        return self.evaluation_step((x, y), _start=None)

    # -- inference --------------------------------------------------------------------------

    def _require_fitted(self) -> None:
        if not bool(self.fitted):
            raise NotFittedError("esn: the readout is not fitted yet; call fit(X, y) first")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Readout outputs: series layout, x (B, D) continues the fitted series -> (B, K);
        sequences layout, x (B, T, D) -> (B, K) (class scores or regression outputs)."""
        self.check(x)
        self._require_fitted()
        return self._outputs(x, self.last_state[None])

    def _outputs(self, x: torch.Tensor, start: torch.Tensor | None) -> torch.Tensor:
        if self.series:
            u = x[None]                                          # (1, B, D)
            return self._readout(self._features(u, self._states(u, start)))[0]   # (B, K)
        return self._readout(self._pool(x, self._states(x)))     # (B, K)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Like ``forward`` with every check (finite values); class indices (B,) when
        classifying sequences."""
        self.check(x, finite=True)
        out = self(x)
        return out.argmax(1) if self.config.n_classes else out

    @torch.no_grad()
    def evaluation_step(self, batch: Batch, _start: str | None = "last"
                        ) -> dict[str, torch.Tensor]:
        """Mean squared error (``loss``), ``rmse`` and ``nrmse`` (RMSE over the targets'
        standard deviation) for regression; squared error to the one-hot targets and
        ``accuracy`` for classification.

        A series batch is run from the state where the fitted series ended; its first
        ``min(washout, len // 2)`` steps re-synchronise the reservoir with it (a split that
        does not follow the training series directly starts with a transient) and are not
        scored, as they are not in training."""
        x, y = batch
        self.check(x, finite=True)
        self._require_fitted()
        Y = self._targets(y, x.shape[0])
        start = self.last_state[None] if _start == "last" else None
        out = self._outputs(x, start)                            # (B, K)
        if self.series:                                          # re-synchronisation steps
            skip = min(self.config.washout, x.shape[0] // 2)     # are not scored
            out, Y = out[skip:], Y[skip:]
        mse = (out - Y).pow(2).mean()
        if _start is not None:
            self._last_eval = (x.detach().cpu(), None if y is None else y.detach().cpu())
        if self.config.n_classes:
            return {"loss": mse, "accuracy": (out.argmax(1) == Y.argmax(1)).float().mean()}
        rmse = mse.sqrt()
        return {"loss": mse, "rmse": rmse, "nrmse": rmse / Y.std(correction=0).clamp_min(1e-12)}

    @torch.no_grad()
    def generate(self, n_steps: int, warmup: torch.Tensor | None = None) -> torch.Tensor:
        """Closed-loop generation: each prediction is fed back as the next input.

        :param n_steps: number of steps to generate.
        :param warmup: true inputs (T0, D) (or (B, T0, D)) that drive the reservoir from the
            zero state first (teacher forcing); the prediction after its last step is the
            first generated value. None: continue the fitted series from ``last_state``;
            the first generated value is then the prediction after the series' last input
            (for forecasting data, the estimate of the last training target).
        :returns: (n_steps, D), or (B, n_steps, D) for a batched warmup.
        :raises InputError: when the readout's size differs from the input's (nothing to
            feed back), or on a bad warmup.
        """
        self._require_fitted()
        if not self.series or self.n_readout != self.n_inputs or self.config.n_classes:
            raise InputError(f"generation feeds outputs back as inputs: it needs the series "
                             f"layout and n_outputs == D ({self.n_readout} vs {self.n_inputs})")
        if isinstance(n_steps, bool) or not isinstance(n_steps, int) or n_steps < 0:
            raise InputError(f"n_steps must be an integer >= 0, got {n_steps!r}")
        single = warmup is None or (isinstance(warmup, torch.Tensor) and warmup.dim() == 2)
        if warmup is None:
            x = self.last_state[None].clone()                    # (1, N)
            u_last = None
        else:
            w = self._check_seq(warmup[None] if warmup.dim() == 2 else warmup, "warmup")
            s = self._states(w)                                  # (B, T0, N)
            x, u_last = s[:, -1], w[:, -1]
        y = self._readout(self._features_step(u_last, x))        # first prediction (B, D)
        out = torch.empty(x.shape[0], n_steps, self.n_inputs, dtype=x.dtype, device=x.device)
        a, WT = self.config.leak_rate, self.W.T.contiguous()
        for t in range(n_steps):                                 # closed loop
            out[:, t] = y
            h = torch.addmm(y @ self.W_in.T + self.bias, x, WT).tanh_()   # u(t) = y(t-1)
            x = torch.lerp(x, h, a)
            y = self._readout(self._features_step(y, x))
        return out[0] if single else out

    def _features_step(self, u: torch.Tensor | None, x: torch.Tensor) -> torch.Tensor:
        """Readout features of one step (B, F); ``u`` None means the input is unknown, which
        only happens without ``input_to_readout`` or at the end of a fitted series."""
        if not self.config.input_to_readout:
            return x
        if u is None:
            raise InputError("with input_to_readout, generation needs a warmup series (the "
                             "last input of the fitted series is not stored)")
        return torch.cat([u.to(x.dtype), x], -1)

    # -- pictures ---------------------------------------------------------------------------

    def visualize(self, out_dir: Path) -> list[Path]:
        """The eigenvalues of ``W``; and, for the last evaluated series (in ``nnzoo train``
        the test split): one-step prediction against truth, closed-loop generation from a
        warmup on its start against truth, and a few reservoir state traces."""
        out_dir = Path(out_dir)
        paths = [plot_spectrum(self, out_dir / "spectrum.png")]
        if not bool(self.fitted) or self._last_eval is None:
            return paths
        x, y = self._last_eval
        return paths + plot_evaluation(self, x.to(self.W.device, self.W.dtype), y, out_dir)


__all__ = ["ESNConfig", "EchoStateNetwork"]
