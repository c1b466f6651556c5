"""The recurrent network that the six recurrent ids share (:mod:`nnzoo.models.recurrent.rnn`
registers them): the cell, the number of layers and the directions are configuration.

The network (:class:`Recurrent`): token ids -> embedding (or real vectors as they are) ->
dropout -> ``num_layers`` stacked cells (dropout between layers; with ``bidirectional`` a
second stack reads the sequence backwards and the two states are concatenated at every
step) -> dropout -> a linear head. Three tasks:

- ``classify``: one class per sequence. The sequence is pooled into one vector: the last
  real step of the forward direction and, when bidirectional, the first step of the backward
  one (the final state of each direction), or, with ``attention``, the attention-weighted
  mean of every step (Yang et al. 2016: ``u_t = tanh(W h_t + b)``, ``a = softmax_t(u_t .
  u_w)``, ``s = sum_t a_t h_t``). Cross-entropy loss.
- ``regress``: the same pooling, ``n_outputs`` real values, mean squared error.
- ``lm``: the next token at every step, logits ``(B, T, V)``; the loss is the mean
  cross-entropy per token (nats); a target ``-1`` is padding (the end of a short word in
  the ``names`` data) and counts for nothing. With ``bptt = k > 0`` a training window is
  read in chunks of ``k`` steps: the state is carried from chunk to chunk but detached, so
  gradients flow back at most ``k`` steps (truncated backpropagation through time, Williams
  & Peng 1990) while each chunk still starts from the context of all the window before it.
  (The whole window is one training step, so memory still grows with its length.)

Variable lengths (token input, ``classify``/``regress``): a batch is ``(B, T)`` padded at the
end with ``pad_index``; lengths are ``(x != pad_index).sum(1)`` and the batch is packed
(``pack_padded_sequence``) so that no cell reads a pad. Language-model windows and real-valued
sequences are always full length. Initial states are zeros unless given (``state``, as torch
lays them out: ``(num_layers * directions, B, H)``, a pair ``(h0, c0)`` for the LSTM).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal, TypeVar

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from nnzoo.core.config import require
from nnzoo.core.errors import ConfigError, InputError
from nnzoo.core.validation import check_labels
from nnzoo.models.base import Batch, ZooModule
from nnzoo.models.recurrent import rnn_plots
from nnzoo.models.recurrent.cells import CELLS, FUSED, State, detach_state
from nnzoo.models.sampling import draw, generation_prime, sampling_generator

Cell = Literal["rnn", "lstm", "gru"]
Task = Literal["classify", "lm", "regress"]


@dataclass
class RecurrentConfig:
    """Hyperparameters of :class:`Recurrent` (shared by the six ids; each id fixes ``cell``
    and ``bidirectional``).

    :param sample_shape: one sample: ``(T,)`` int64 token ids when ``vocab_size > 0``,
        ``(T, D)`` real values when ``vocab_size == 0``.
    :param vocab_size: number of token ids (0: real-valued input, no embedding).
    :param n_classes: classes of ``classify``.
    :param n_outputs: values predicted per sequence by ``regress``.
    :param task: ``classify`` (one class per sequence), ``lm`` (next token at every step) or
        ``regress`` (real values per sequence).
    :param cell: ``rnn`` (Elman, tanh), ``lstm`` or ``gru``.
    :param bidirectional: a second stack reads the sequence backwards (not for ``lm``).
    :param embed_dim: size of the token embedding.
    :param hidden_size: state size H of each cell (per direction).
    :param num_layers: stacked layers.
    :param dropout: dropout between layers, on the embeddings and before the head.
    :param attention: pool the steps by attention (Yang et al. 2016) instead of taking the
        final states (``classify`` and ``regress``).
    :param pad_index: the padding token id (token ``classify``/``regress``; language-model
        windows are never padded).
    :param bptt: ``lm``: truncated backpropagation through time in chunks of this many steps;
        0 = through the whole window.
    :param vocab: optional: the token characters, index = id (``len == vocab_size``), so that
        :meth:`Recurrent.visualize` can write generated text.
    """

    sample_shape: tuple[int, ...] = (50, 2)
    vocab_size: int = 0
    n_classes: int = 0
    n_outputs: int = 1
    task: Task = "classify"
    cell: Cell = "lstm"
    bidirectional: bool = False
    embed_dim: int = 128
    hidden_size: int = 128
    num_layers: int = 1
    dropout: float = 0.0
    attention: bool = False
    pad_index: int = 0
    bptt: int = 0
    vocab: str = ""

    #: ``(cell, bidirectional)`` that the registered id stands for (None: free).
    FIXED: ClassVar[tuple[str, bool] | None] = None

    def __post_init__(self) -> None:
        s = self.sample_shape
        require(isinstance(s, tuple) and all(isinstance(v, int) for v in s),
                f"sample_shape must be a tuple of sizes, got {s!r}")
        require(len(s) in (1, 2), f"sample_shape must be (T,) token ids or (T, D) real values, "
                f"got {s}")
        require(s[0] >= 1, f"sequence length must be >= 1, got sample_shape {s} "
                "(sequence length zero)")
        require(all(v >= 1 for v in s), f"sample_shape must be positive, got {s}")
        require(self.vocab_size >= 0, f"vocab_size must be >= 0, got {self.vocab_size}")
        require((len(s) == 1) == (self.vocab_size > 0),
                f"sample_shape {s} does not fit vocab_size {self.vocab_size}: token input is "
                "(T,) with vocab_size > 0, real-valued input (T, D) with vocab_size 0")
        require(self.n_classes >= 0, f"n_classes must be >= 0, got {self.n_classes}")
        require(self.n_outputs >= 1, f"n_outputs must be >= 1, got {self.n_outputs}")
        require(self.task in ("classify", "lm", "regress"),
                f"task must be classify, lm or regress, got {self.task!r}")
        require(self.cell in CELLS, f"cell must be rnn, lstm or gru, got {self.cell!r}")
        for name in ("embed_dim", "hidden_size", "num_layers"):
            require(getattr(self, name) >= 1, f"{name} must be >= 1, got {getattr(self, name)}")
        require(0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}")
        require(self.bptt >= 0, f"bptt must be >= 0 (0 = whole window), got {self.bptt}")
        if self.FIXED is not None:
            cell, bidi = self.FIXED
            ids = {("rnn", False): "rnn", ("lstm", False): "lstm", ("gru", False): "gru",
                   ("rnn", True): "birnn", ("lstm", True): "bilstm", ("gru", True): "bigru"}
            require(self.cell == cell and self.bidirectional == bidi,
                    f"{ids[(cell, bidi)]} is cell={cell}, bidirectional={bidi}; for "
                    f"cell={self.cell}, bidirectional={self.bidirectional} use "
                    f"{ids[(self.cell, self.bidirectional)]}")
        if self.task == "lm":
            require(not self.bidirectional, "a language model predicts the next token, so it "
                    "cannot read the sequence backwards: use rnn, lstm or gru for task 'lm'")
            require(not self.attention, "attention pools a sequence into one vector; it is "
                    "for task classify or regress, not lm")
        if self.vocab_size and self.task != "lm":
            require(0 <= self.pad_index < self.vocab_size,
                    f"pad_index must lie in [0, {self.vocab_size}), got {self.pad_index}")

    def validate(self) -> None:
        """Check what the data decides (run by the model, once the dataset filled it in)."""
        if self.task == "classify":
            require(self.n_classes >= 2, f"task 'classify' needs n_classes >= 2, got "
                    f"{self.n_classes}")
        if self.task == "lm":
            require(self.vocab_size >= 2, "task 'lm' needs token input with vocab_size >= 2, "
                    f"got {self.vocab_size}")
        if self.vocab:
            require(len(self.vocab) == self.vocab_size and len(set(self.vocab)) == len(self.vocab),
                    f"vocab must be {self.vocab_size} distinct characters (one per token id), "
                    f"got {len(self.vocab)}")


#: The config of a :class:`Recurrent` subclass (each model id has its own, fixing the cell).
RC = TypeVar("RC", bound=RecurrentConfig)


class Recurrent(ZooModule[RC]):
    """A recurrent network over token ids or real vectors; see the module docstring.

    ``forward(x, state=None)``: class scores ``(B, K)`` (``classify``), values ``(B,
    n_outputs)`` (``regress``) or next-token logits ``(B, T, V)`` (``lm``).

    :param config: a :class:`RecurrentConfig` (one of the per-id subclasses).
    """

    def __init__(self, config: RC) -> None:
        super().__init__(config)
        config.validate()
        c = config
        self.directions = 2 if c.bidirectional else 1
        self.embedding: nn.Embedding | None = None
        if c.vocab_size:
            pad = c.pad_index if c.task != "lm" else None
            self.embedding = nn.Embedding(c.vocab_size, c.embed_dim, padding_idx=pad)
        d_in = c.embed_dim if c.vocab_size else c.sample_shape[1]
        self.rnn = FUSED[c.cell](d_in, c.hidden_size, num_layers=c.num_layers, batch_first=True,
                                 dropout=c.dropout if c.num_layers > 1 else 0.0,
                                 bidirectional=c.bidirectional)
        self.drop = nn.Dropout(c.dropout)
        width = c.hidden_size * self.directions
        if c.attention:  # Yang et al. 2016: u_t = tanh(W h_t + b), score_t = u_t . u_w
            self.att_proj = nn.Linear(width, width)
            self.att_context = nn.Parameter(torch.randn(width) / math.sqrt(width))
        n_out = {"lm": c.vocab_size, "classify": c.n_classes, "regress": c.n_outputs}[c.task]
        self.head = nn.Linear(width, n_out)
        self._recent: torch.Tensor | None = None  # a few inputs of the last evaluation (plots)

    @property
    def integer_input(self) -> bool:
        return self.config.vocab_size > 0

    # -- input checks ------------------------------------------------------------------------

    def _check(self, x: torch.Tensor, finite: bool = False) -> torch.Tensor:
        """Shape, dtype, token range and non-empty sequences; one InputError otherwise."""
        self.check(x, finite=finite)
        if x.shape[0] == 0:
            raise InputError(f"{self.model_id} input is an empty batch (0 sequences)")
        if self.integer_input:
            lo, hi = int(x.min()), int(x.max())
            if lo < 0 or hi >= self.config.vocab_size:
                raise InputError(f"{self.model_id} input must hold token ids in [0, "
                                 f"{self.config.vocab_size}), got values from {lo} to {hi}")
        return x

    def _lengths(self, x: torch.Tensor) -> torch.Tensor | None:
        """Real lengths of end-padded token sequences ``(B,)``; None when all are full."""
        if not self.integer_input or self.config.task == "lm":
            return None
        lengths = (x != self.config.pad_index).sum(1)             # (B,)
        if bool((lengths == 0).any()):
            rows = (lengths == 0).nonzero().flatten()[:5].tolist()
            raise InputError(f"empty sequences: rows {rows} hold only padding (pad_index "
                             f"{self.config.pad_index}); every sequence needs a token")
        return None if bool((lengths == x.shape[1]).all()) else lengths

    def _check_state(self, state: State | None, B: int) -> None:
        if state is None:
            return
        want = (self.config.num_layers * self.directions, B, self.config.hidden_size)
        parts = state if isinstance(state, tuple) else (state,)
        n = 2 if self.config.cell == "lstm" else 1
        if len(parts) != n or any(tuple(p.shape) != want for p in parts):
            what = "a pair (h0, c0), each" if n == 2 else "h0"
            raise InputError(f"initial state must be {what} of shape {want}, got "
                             f"{[tuple(p.shape) for p in parts]}")

    # -- the computation -----------------------------------------------------------------------

    def _encode(self, x: torch.Tensor, state: State | None = None,
                lengths: torch.Tensor | None = None) -> tuple[torch.Tensor, State]:
        """Outputs ``(B, T, dirs * H)`` of the last layer and the final state (no checks)."""
        inp = self.drop(self.embedding(x)) if self.embedding is not None else x  # (B, T, E)
        if lengths is None:
            out, state = self.rnn(inp, state)
            return out, state
        packed = pack_padded_sequence(inp, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, state = self.rnn(packed, state)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return out, state  # padded steps are zeros

    def encode(self, x: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Checked :meth:`_encode`: outputs ``(B, T, dirs * H)`` and the final state.

        :param x: ``(B, T)`` token ids (end-padded) or ``(B, T, D)`` real values.
        :param state: initial state (torch's layout), zeros when None.
        """
        self._check(x)
        self._check_state(state, x.shape[0])
        return self._encode(x, state, self._lengths(x))

    def _attention(self, out: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        """Attention weights ``(B, T)`` over the steps, zero on padding."""
        u = torch.tanh(self.att_proj(out))                         # (B, T, W)
        score = u @ self.att_context                               # (B, T)
        if lengths is not None:
            pad = torch.arange(out.shape[1], device=out.device)[None] >= lengths[:, None]
            score = score.masked_fill(pad, float("-inf"))
        return torch.softmax(score, dim=1)                         # a_t, sums to 1

    def _pool(self, out: torch.Tensor, state: State, lengths: torch.Tensor | None
              ) -> torch.Tensor:
        """One vector per sequence ``(B, dirs * H)``: attention or the final states."""
        if self.config.attention:
            a = self._attention(out, lengths)                      # (B, T)
            return (a[:, :, None] * out).sum(1)                    # s = sum_t a_t h_t
        h = state[0] if isinstance(state, tuple) else state        # (L * dirs, B, H)
        last = h.view(self.config.num_layers, self.directions, *h.shape[1:])[-1]  # (dirs, B, H)
        return last.transpose(0, 1).reshape(h.shape[1], -1)       # forward last | backward first

    def _lm_logits(self, x: torch.Tensor, state: State | None) -> tuple[torch.Tensor, State]:
        out, state = self._encode(x, state)                        # (B, T, H)
        return self.head(self.drop(out)), state                    # (B, T, V)

    def forward(self, x: torch.Tensor, state: State | None = None) -> torch.Tensor:
        self._check(x)
        self._check_state(state, x.shape[0])
        if self.config.task == "lm":
            return self._lm_logits(x, state)[0]                    # (B, T, V)
        lengths = self._lengths(x)
        out, final = self._encode(x, state, lengths)
        return self.head(self.drop(self._pool(out, final, lengths)))  # (B, K) or (B, n_outputs)

    @torch.no_grad()
    def attention_weights(self, x: torch.Tensor) -> torch.Tensor:
        """The attention over the steps of each sequence ``(B, T)`` (zeros on padding)."""
        if not self.config.attention:
            raise ConfigError(f"{self.model_id} was built with attention=False; it has no "
                              "attention weights")
        self._check(x)
        lengths = self._lengths(x)
        out, _ = self._encode(x, None, lengths)
        return self._attention(out, lengths)

    # -- learning ----------------------------------------------------------------------------

    def _targets(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        c = self.config
        if y is None:
            raise InputError(f"{self.model_id} ({c.task}) trains on (x, y) pairs; y is missing")
        if c.task == "classify":
            check_labels(y, x.shape[0], c.n_classes)
        elif c.task == "lm":
            if tuple(y.shape) != tuple(x.shape) or y.is_floating_point():
                raise InputError(f"language-model targets must be token ids of shape "
                                 f"{tuple(x.shape)} (the next token of each step), got "
                                 f"{tuple(y.shape)} {y.dtype}")
            if int(y.min()) < -1 or int(y.max()) >= c.vocab_size:
                raise InputError(f"language-model targets must lie in [0, {c.vocab_size}) or "
                                 f"be -1 (padding), got values from {int(y.min())} to "
                                 f"{int(y.max())}")
            if not bool((y >= 0).any()):
                raise InputError("language-model targets are all padding (-1): nothing to "
                                 "predict")
        elif y.numel() != x.shape[0] * c.n_outputs or not y.is_floating_point():
            raise InputError(f"regression targets must be {c.n_outputs} real value(s) per "
                             f"sequence, got shape {tuple(y.shape)} {y.dtype}")
        return y

    def _lm_loss(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy per token (nats), by truncated BPTT in chunks of ``bptt``."""
        T = x.shape[1]
        k = self.config.bptt or T
        state: State | None = None
        total = x.new_zeros((), dtype=torch.float32)
        for s in range(0, T, k):  # chunks of the window, the state carried, its gradient cut
            logits, state = self._lm_logits(x[:, s:s + k], state)  # (B, k, V)
            total = total + F.cross_entropy(logits.flatten(0, 1).float(),
                                            y[:, s:s + k].flatten(), reduction="sum",
                                            ignore_index=-1)
            state = detach_state(state)
        return total / (y >= 0).sum()                              # nats per predicted token

    def _loss(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        c = self.config
        if c.task == "lm":
            loss = self._lm_loss(x, y)
            return {"loss": loss, "bits_per_char": loss.detach() / math.log(2)}
        out = self(x)
        if c.task == "classify":                                   # -log softmax(s)_y
            return {"loss": F.cross_entropy(out.float(), y),
                    "accuracy": (out.detach().argmax(1) == y).float().mean()}
        return {"loss": F.mse_loss(out.float().reshape(y.shape), y)}  # mean (f(x) - y)^2

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        self._check(x)
        return self._loss(x, self._targets(x, y))

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        self._check(x)
        y = self._targets(x, y)
        self._recent = x[:8].detach()
        if self.config.task == "lm":  # the whole window at once: the same as chunks with carry
            logits = self(x)
            loss = F.cross_entropy(logits.flatten(0, 1).float(), y.flatten(), ignore_index=-1)
            return {"loss": loss, "bits_per_char": loss / math.log(2)}
        return {k: v.detach() for k, v in self._loss(x, y).items()}

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Class indices ``(B,)`` (``classify``), values ``(B, n_outputs)`` (``regress``) or the
        most likely next token at each step ``(B, T)`` (``lm``); every input check applies."""
        self._check(x, finite=True)
        out = self(x)
        return out if self.config.task == "regress" else out.argmax(-1)

    # -- generation ----------------------------------------------------------------------------

    @torch.no_grad()
    def generate(self, prime_ids: torch.Tensor, n: int, temperature: float = 1.0,
                 top_k: int = 0, seed: int | None = None) -> torch.Tensor:
        """Sample ``n`` tokens after ``prime_ids`` (the state is carried step to step).

        Each token is drawn from ``softmax(logits / temperature)`` restricted to the ``top_k``
        most likely tokens (0: all). Lower temperatures give safer, more repetitive text;
        ``top_k=1`` is greedy decoding.

        :param prime_ids: ``(P,)`` or ``(B, P)`` token ids, ``P >= 1``.
        :param n: tokens to generate.
        :param temperature: > 0.
        :param top_k: keep the ``top_k`` most likely tokens; 0 keeps all.
        :param seed: seeds the sampling (a generator of its own); None: nondeterministic.
        :returns: the prime followed by the ``n`` new tokens, ``(P + n,)`` or ``(B, P + n)``.
        """
        c = self.config
        if c.task != "lm":
            raise ConfigError(f"generate needs a language model (task 'lm'); this "
                              f"{self.model_id} has task {c.task!r}")
        prime, single = generation_prime(prime_ids, n, temperature, top_k, c.vocab_size)
        dev = self.device
        g = sampling_generator(dev, seed)
        was = self.training
        self.eval()
        prime = prime.to(dev, torch.long)
        logits, state = self._lm_logits(prime, None)               # read the prime
        tokens = [prime]
        for _ in range(n):
            nxt = draw(logits[:, -1], temperature, top_k, g)       # (B, 1)
            tokens.append(nxt)
            logits, state = self._lm_logits(nxt, state)            # one step, state carried
        self.train(was)
        out = torch.cat(tokens, dim=1)                             # (B, P + n)
        return out[0] if single else out

    # -- pictures ------------------------------------------------------------------------------

    def visualize(self, out_dir: Path) -> list[Path]:
        """``lm``: ``sample.txt``, text generated from the start of the last evaluated window
        (needs ``vocab``). Otherwise, for a few sequences of the last evaluation: the attention
        over the steps (``attention.png``) or the last layer's state over time
        (``hidden_states.png``)."""
        return rnn_plots.plot_recurrent(self, Path(out_dir))


def n_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


__all__ = ["Cell", "Recurrent", "RecurrentConfig", "Task", "n_parameters"]
