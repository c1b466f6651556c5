"""WaveNet: an autoregressive model of a sequence of discrete values built from dilated causal
convolutions.

Paper: A. van den Oord, S. Dieleman, H. Zen, K. Simonyan, O. Vinyals, A. Graves,
N. Kalchbrenner, A. Senior, K. Kavukcuoglu, "WaveNet: A Generative Model for Raw Audio",
arXiv:1609.03499, 2016 (van den Oord et al. 2016). https://arxiv.org/abs/1609.03499

The model factorises the joint probability of a sequence as a product of conditionals,
``p(x) = prod_t p(x_t | x_1, ..., x_{t-1})`` (section 2), each a softmax over the ``V``
values a step can take (section 2.2: 256 mu-law levels for audio,
:mod:`nnzoo.core.mulaw`; characters for text). Input and output are aligned as in a
language model: the logits at step ``t`` read ``x_1 .. x_t`` and score ``x_{t+1}``.

The network, for token ids ``x`` of shape ``(B, T)``:

- input: an embedding of the token ids to ``C = residual_channels`` channels (the one-hot
  input of the paper times a 1x1 convolution, which is the same thing), ``h^0 (B, C, T)``;
- layers ``l = 1 .. L`` with dilations ``d_l`` doubling within a stack and stacks repeating
  (``1, 2, ..., 2^(layers-1)`` times ``stacks``; section 2.1). Each layer (section 2.3 and
  2.4, figure 4):

  .. math::

      z = \\tanh(W_{f} *_{d} h) \\odot \\sigma(W_{g} *_{d} h), \\quad
      s_l = W_{s} z, \\quad h \\leftarrow h + W_{r} z

  where ``*_d`` is a causal convolution of kernel ``k`` and dilation ``d``: the output at
  ``t`` reads ``h_{t - d(k-1)}, ..., h_{t - d}, h_t`` (the input is padded on the left with
  ``d(k-1)`` zeros, so nothing after ``t`` is read), and ``W_s``, ``W_r`` are 1x1
  convolutions to the skip and residual channels;
- output (figure 4): ``ReLU -> 1x1 -> ReLU -> 1x1`` on the sum of the skips
  ``sum_l s_l``, giving the logits ``(B, T, V)``; the loss is the mean cross-entropy per
  predicted step (nats), steps whose target is ``-1`` (padding) left out.

Receptive field: each layer adds ``d (k - 1)`` steps of the past, so the output at ``t``
depends on exactly the inputs ``t - R + 1 .. t`` with
``R = 1 + (k - 1) sum_l d_l`` (e.g. ``1 + 2 (1 + 2 + ... + 128) = 511`` for two stacks of
eight layers of kernel 2). :attr:`WaveNet.receptive_field` computes it; the tests measure it
by perturbing inputs.

Generation (:meth:`WaveNet.generate`) draws one step at a time. The fast path keeps, for
every layer, the last ``d (k - 1)`` inputs of that layer in a queue, so that a new step costs
one window of each convolution instead of a pass over the whole sequence (the idea of
Paine et al. 2016's "Fast Wavenet generation"); the tests check it against recomputing the
whole sequence at each step (``cached=False``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core.config import require
from nnzoo.core.errors import InputError
from nnzoo.models.autoregressive import wavenet_plots
from nnzoo.models.base import Batch, ZooModule
from nnzoo.models.lm import IGNORE, next_token_targets
from nnzoo.models.registry import register
from nnzoo.models.sampling import draw, generation_prime, sampling_generator


@dataclass
class WaveNetConfig:
    """Hyperparameters of :class:`WaveNet`.

    :param sample_shape: ``(T,)`` token ids of one training sequence; the network accepts any
        length from 1 to T in ``forward`` (and any length in :meth:`WaveNet.stream_logits`).
    :param vocab_size: number of values a step takes (V: 256 mu-law levels, or characters).
    :param task: ``lm``: next value at every step (the only task; ``nnzoo sample`` reads it).
    :param residual_channels: C, the channels of the residual stream and of the embedding.
    :param dilation_channels: channels of the gated activation z (each of the filter and
        gate convolutions has this many outputs).
    :param skip_channels: channels of each layer's skip output and of their sum.
    :param end_channels: channels of the hidden 1x1 layer of the output stage.
    :param kernel_size: k, the taps of each dilated convolution (2 in the paper).
    :param layers: layers per stack; their dilations are ``1, 2, 4, ..., 2^(layers-1)``.
    :param stacks: how many times the stack of dilations repeats.
    :param dropout: dropout on z before the 1x1 convolutions (0: none).
    :param vocab: optional: the characters of the token ids (index = id), for text samples
        in the run's pictures.
    """

    sample_shape: tuple[int, ...] = (64,)
    vocab_size: int = 256
    task: Literal["lm"] = "lm"
    residual_channels: int = 32
    dilation_channels: int = 32
    skip_channels: int = 64
    end_channels: int = 64
    kernel_size: int = 2
    layers: int = 6
    stacks: int = 1
    dropout: float = 0.0
    vocab: str = ""

    def __post_init__(self) -> None:
        s = self.sample_shape
        require(isinstance(s, tuple) and len(s) == 1 and isinstance(s[0], int),
                f"sample_shape must be (T,), the token ids of one sequence, got {s!r}")
        require(s[0] >= 1, f"sequence length T must be >= 1, got sample_shape {s}")
        require(self.vocab_size >= 2, f"vocab_size must be >= 2, got {self.vocab_size}")
        require(self.task == "lm", f"task must be 'lm' (next value at every step), got "
                f"{self.task!r}")
        for name in ("residual_channels", "dilation_channels", "skip_channels",
                     "end_channels", "layers", "stacks"):
            require(getattr(self, name) >= 1, f"{name} must be >= 1, got {getattr(self, name)}")
        require(self.kernel_size >= 2, f"kernel_size must be >= 2 (a kernel of 1 sees no past), "
                f"got {self.kernel_size}")
        require(self.layers <= 16, f"layers must be <= 16 (dilation 2^15), got {self.layers}")
        require(0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}")

    def validate(self) -> None:
        """Check what the data decides (run by the model, once the dataset filled it in)."""
        if self.vocab:
            require(len(self.vocab) == self.vocab_size and len(set(self.vocab)) == len(self.vocab),
                    f"vocab must be {self.vocab_size} distinct characters (one per token id), "
                    f"got {len(self.vocab)}")

    @property
    def dilations(self) -> list[int]:
        """``[1, 2, ..., 2^(layers-1)]`` repeated ``stacks`` times."""
        return [2 ** i for i in range(self.layers)] * self.stacks

    @property
    def receptive_field(self) -> int:
        """``R = 1 + (k - 1) * sum(dilations)``: the inputs the output at one step reads."""
        return 1 + (self.kernel_size - 1) * sum(self.dilations)


class GatedLayer(nn.Module):
    """One residual layer: dilated causal convolution, gated activation, 1x1 residual and skip
    outputs (section 2.3-2.4).

    :param c: a :class:`WaveNetConfig`.
    :param dilation: ``d`` of this layer's convolution.
    """

    def __init__(self, c: WaveNetConfig, dilation: int) -> None:
        super().__init__()
        self.dilation = dilation
        self.pad = dilation * (c.kernel_size - 1)  # the past this layer reads
        # filter and gate in one convolution: outputs [W_f * h ; W_g * h]
        self.conv = nn.Conv1d(c.residual_channels, 2 * c.dilation_channels, c.kernel_size,
                              dilation=dilation)
        self.drop = nn.Dropout(c.dropout)
        self.residual = nn.Conv1d(c.dilation_channels, c.residual_channels, 1)
        self.skip = nn.Conv1d(c.dilation_channels, c.skip_channels, 1)

    def gate(self, window: torch.Tensor) -> torch.Tensor:
        """``z = tanh(W_f * h) . sigmoid(W_g * h)`` on an already padded window ``(B, C, n)``
        (``n - pad`` steps out)."""
        f, g = self.conv(window).chunk(2, dim=1)
        return self.drop(torch.tanh(f) * torch.sigmoid(g))

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(h + W_r z, W_s z)`` for ``h (B, C, T)``; step t reads ``h`` at ``<= t`` only."""
        z = self.gate(F.pad(h, (self.pad, 0)))            # zeros before the first step
        return h + self.residual(z), self.skip(z)


@register("wavenet", config=WaveNetConfig, rule="backprop (maximum likelihood, next value)",
          peer="names.txt: the published 76K-parameter WaveNet-style model (1.993 nats per "
               "character, Karpathy's makemore lectures; makemore has no WaveNet); the "
               "audio-like signal: a linear AR predictor and the marginal histogram",
          reference="https://github.com/ibab/tensorflow-wavenet")
class WaveNet(ZooModule[WaveNetConfig]):
    """WaveNet over token ids (van den Oord et al. 2016); see the module docstring.

    ``forward(x)``: logits ``(B, T, V)`` of the next value at every step of ``x (B, T)``.

    :param config: a :class:`WaveNetConfig`.
    """

    integer_inputs = True

    def __init__(self, config: WaveNetConfig) -> None:
        super().__init__(config)
        config.validate()
        c = config
        self.embedding = nn.Embedding(c.vocab_size, c.residual_channels)
        self.layers = nn.ModuleList(GatedLayer(c, d) for d in c.dilations)
        self.end1 = nn.Conv1d(c.skip_channels, c.end_channels, 1)
        self.end2 = nn.Conv1d(c.end_channels, c.vocab_size, 1)
        self._recent: torch.Tensor | None = None   # inputs of the last evaluation (pictures)
        self._sums = [0.0, 0]                       # summed NLL and steps of one evaluation

    @property
    def receptive_field(self) -> int:
        """``1 + (k - 1) * sum of the dilations`` (:attr:`WaveNetConfig.receptive_field`)."""
        return self.config.receptive_field

    # -- checks ------------------------------------------------------------------------------

    def _check_ids(self, x: torch.Tensor, name: str = "input") -> torch.Tensor:
        """Token ids in ``[0, V)``; one InputError otherwise."""
        if not isinstance(x, torch.Tensor):
            raise InputError(f"wavenet {name} must be a torch.Tensor, got {type(x).__name__}")
        if x.is_floating_point() or x.dtype in (torch.bool, torch.complex64, torch.complex128):
            raise InputError(f"wavenet {name} must be an integer tensor (token ids), got dtype "
                             f"{x.dtype}")
        if x.numel() and (int(x.min()) < 0 or int(x.max()) >= self.config.vocab_size):
            raise InputError(f"wavenet {name} must hold token ids in [0, "
                             f"{self.config.vocab_size}), got values from {int(x.min())} to "
                             f"{int(x.max())}")
        return x

    def _check(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, T')`` with ``1 <= T' <= T`` (the engine cuts padded batches), ids in range."""
        T = self.config.sample_shape[0]
        if not isinstance(x, torch.Tensor) or x.dim() != 2 or not 1 <= x.shape[1] <= T \
                or x.shape[0] == 0:
            got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise InputError(f"wavenet input must have shape (batch, {T}) (or fewer than {T} "
                             f"steps), got {got}")
        return self._check_ids(x)

    # -- the network ---------------------------------------------------------------------------

    def _head(self, skips: torch.Tensor) -> torch.Tensor:
        """``ReLU -> 1x1 -> ReLU -> 1x1`` on the summed skips ``(B, S, T)`` -> ``(B, T, V)``."""
        out = self.end2(F.relu(self.end1(F.relu(skips))))
        return out.transpose(1, 2)

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(B, T, V)`` of ids ``x (B, T)`` of any length (no checks)."""
        h = self.embedding(x).transpose(1, 2)              # (B, C, T)
        total: torch.Tensor | float = 0.0
        for layer in self.layers:
            h, s = layer(h)
            total = total + s                              # sum of the skips (B, S, T)
        assert isinstance(total, torch.Tensor)
        return self._head(total)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._logits(self._check(x))

    @torch.no_grad()
    def stream_logits(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(B, T, V)`` of sequences ``(B, T)`` of any length: a convolutional network
        has no positional table, so a whole test signal can be scored in one pass."""
        if not isinstance(x, torch.Tensor) or x.dim() != 2 or 0 in x.shape:
            raise InputError("stream_logits needs token ids of shape (batch, steps), got "
                             f"{tuple(x.shape) if isinstance(x, torch.Tensor) else x!r}")
        return self._logits(self._check_ids(x))

    # -- learning ------------------------------------------------------------------------------

    def _targets(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        return next_token_targets("wavenet", x, y, self.config.vocab_size, noun="value")

    def _nll(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, int]:
        """Summed cross-entropy ``-log softmax(logits)_y`` (nats) and the scored steps."""
        logits = self(x)
        nll = F.cross_entropy(logits.flatten(0, 1).float(), y.flatten(), ignore_index=IGNORE,
                              reduction="sum")
        return nll, int((y != IGNORE).sum())

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        self._check(x)
        nll, n = self._nll(x, self._targets(x, y))
        loss = nll / n                                     # nats per scored step
        return {"loss": loss, "bits": loss.detach() / math.log(2)}

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        self._check(x)
        nll, n = self._nll(x, self._targets(x, y))
        self._sums[0] += float(nll)
        self._sums[1] += n
        self._recent = x[:8].detach()
        loss = nll / n
        return {"loss": loss, "bits": loss / math.log(2)}

    def evaluation_summary(self) -> dict[str, float]:
        """Loss per scored step over the whole evaluation (summed NLL / scored steps), not the
        mean of batch means: padded sequences score different numbers of steps."""
        total, n = self._sums
        if not n:
            return {}
        return {"loss": total / n, "bits": total / n / math.log(2)}

    def train(self, mode: bool = True) -> WaveNet:
        if not mode:
            self._sums = [0.0, 0]                          # a new evaluation begins
        return super().train(mode)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """The most likely next value at every step ``(B, T)``."""
        return self(x).argmax(-1)

    # -- generation ----------------------------------------------------------------------------

    def _step(self, token: torch.Tensor, queues: list[torch.Tensor]) -> torch.Tensor:
        """Logits ``(B, V)`` of one new step ``token (B,)``; ``queues[l]`` holds the last
        ``pad_l`` inputs of layer ``l`` ``(B, C, pad_l)`` and is moved on by one step."""
        h = self.embedding(token)[:, :, None]              # (B, C, 1)
        total: torch.Tensor | float = 0.0
        for i, layer in enumerate(self.layers):
            assert isinstance(layer, GatedLayer)
            window = torch.cat([queues[i], h], dim=2)     # (B, C, pad + 1): the taps it reads
            queues[i] = window[:, :, 1:]
            z = layer.gate(window)                         # (B, D, 1)
            h = h + layer.residual(z)
            total = total + layer.skip(z)
        assert isinstance(total, torch.Tensor)
        return self._head(total)[:, -1]

    def _empty_queues(self, B: int) -> list[torch.Tensor]:
        """Zeros: the causal padding that precedes the first step."""
        C = self.config.residual_channels
        return [torch.zeros(B, C, layer.pad, device=self.device) for layer in self.layers
                if isinstance(layer, GatedLayer)]

    @torch.no_grad()
    def generate(self, prime_ids: torch.Tensor, n: int, temperature: float = 1.0,
                 top_k: int = 0, seed: int | None = None, cached: bool = True) -> torch.Tensor:
        """Sample ``n`` values after ``prime_ids``, one step at a time.

        Each value is drawn from ``softmax(logits / temperature)`` restricted to the ``top_k``
        most likely values (0: all).

        :param prime_ids: ``(P,)`` or ``(B, P)`` token ids, ``P >= 1``.
        :param n: values to generate.
        :param temperature: > 0.
        :param top_k: keep the ``top_k`` most likely values; 0 keeps all.
        :param seed: seeds the draws (a generator of its own); None: nondeterministic.
        :param cached: keep each layer's recent inputs (one window per layer per step); False
            recomputes the network over the last ``receptive_field`` steps at every step (the
            same numbers, slower).
        :returns: the prime followed by the ``n`` new values, ``(P + n,)`` or ``(B, P + n)``.
        """
        prime, single = generation_prime(prime_ids, n, temperature, top_k,
                                         self.config.vocab_size)
        dev = self.device
        g = sampling_generator(dev, seed)
        was = self.training
        self.eval()
        seq = prime.to(dev, torch.long)
        queues = self._empty_queues(seq.shape[0])
        if cached:
            for t in range(seq.shape[1]):                  # read the prime step by step
                logits = self._step(seq[:, t], queues)
        R = self.receptive_field
        out = [seq]
        for i in range(n):
            if not cached:                                 # the whole (recent) past again
                past = torch.cat(out, dim=1)[:, -R:]
                logits = self._logits(past)[:, -1]
            nxt = draw(logits, temperature, top_k, g)       # (B, 1)
            out.append(nxt)
            if cached and i < n - 1:
                logits = self._step(nxt[:, 0], queues)
        self.train(was)
        res = torch.cat(out, dim=1)
        return res[0] if single else res

    # -- pictures ------------------------------------------------------------------------------

    def visualize(self, out_dir: Path) -> list[Path]:
        """Text samples (``samples.txt``, with ``vocab``) or generated waveforms beside real
        ones (``waveforms.png``, mu-law levels), and the dilation pattern of the receptive
        field (``receptive_field.png``)."""
        return wavenet_plots.plot_wavenet(self, Path(out_dir))


def n_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


__all__ = ["IGNORE", "GatedLayer", "WaveNet", "WaveNetConfig", "n_parameters"]
