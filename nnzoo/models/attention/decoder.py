"""The decoder-only Transformer language model that ``transformer`` and ``gpt`` share
(:mod:`nnzoo.models.attention.transformer` and :mod:`nnzoo.models.attention.gpt` register
it; the blocks are in :mod:`nnzoo.models.attention.blocks`).

The network (:class:`DecoderLM`), for token ids ``x`` (B, T) with ``T <= context``::

    h_0 = dropout(E[x] + P[0:T])              E: token embedding (V, d), P: positions
    h_l = Block_l(h_{l-1}),  l = 1..L         causal self-attention + MLP, residual
    logits = LN_f(h_L) W_out^T                (B, T, V); LN_f only with pre-norm blocks

With ``tie_weights`` the output matrix is the embedding matrix, ``W_out = E`` (Press & Wolf
2017; one tensor, one gradient). The loss is the mean cross-entropy of the next token per
position, ``-1/N sum_t log softmax(logits_t)[y_t]`` in nats; a target of ``-1`` is no target
(padding after the end of a word); it and the training steps are the language models' shared
base, :class:`nnzoo.models.lm.NextTokenLM`. Initialisation ``gpt2`` (GPT-2, nanoGPT): every weight
matrix and embedding ``N(0, 0.02^2)``, biases zero, and the projections that end a residual
branch ``N(0, (0.02 / sqrt(2 L))^2)`` so that the residual stream's variance does not grow
with depth; ``torch``: torch's default initialisation of each layer (as minGPT-style code
without an init function, makemore's Transformer).

Generation (:meth:`DecoderLM.generate`): the network reads the last ``context`` tokens and
the next token is drawn from ``softmax(logits / temperature)`` over the ``top_k`` most likely
tokens, one at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal, TypeVar, cast

import torch
from torch import nn

from nnzoo.core.config import TrainConfig, build_optimizer, require
from nnzoo.core.errors import InputError
from nnzoo.models.attention import transformer_plots
from nnzoo.models.attention.blocks import Block, Gelu, Norm, Positions, sinusoidal_positions
from nnzoo.models.lm import NextTokenLM
from nnzoo.models.sampling import draw, generation_prime, sampling_generator


@dataclass
class DecoderConfig:
    """Hyperparameters of :class:`DecoderLM` (shared by ``transformer`` and ``gpt``).

    :param sample_shape: one sample, ``(T,)`` token ids, ``T <= context``.
    :param vocab_size: number of token ids (the dataset gives it).
    :param n_classes: the dataset's classes per step (= ``vocab_size`` for a language model).
    :param task: ``lm``: the next token at every position.
    :param n_layers: blocks ``L``.
    :param n_heads: attention heads per block (``d_model % n_heads == 0``).
    :param d_model: width ``d`` of the residual stream.
    :param context: the longest sequence the network reads (rows of the position table).
    :param dropout: on the embeddings, the attention weights and each residual branch.
    :param bias: biases in the linear layers and layer norms.
    :param positions: ``learned`` table or fixed ``sinusoidal`` (Vaswani et al.).
    :param tie_weights: the output layer shares the token embedding's matrix.
    :param norm: ``pre`` (layer norm before each branch, and a final one) or ``post``
        (after each residual sum, as Vaswani et al.).
    :param gelu: ``exact`` GELU (erf) or its ``tanh`` approximation (GPT-2, makemore).
    :param init: ``gpt2`` (normal 0.02, scaled residual projections) or ``torch`` (each
        layer's default).
    :param vocab: optional: the token characters, index = id, for ``sample.txt``.
    """

    sample_shape: tuple[int, ...] = (64,)
    vocab_size: int = 0
    n_classes: int = 0
    task: Literal["lm"] = "lm"
    n_layers: int = 4
    n_heads: int = 4
    d_model: int = 128
    context: int = 64
    dropout: float = 0.0
    bias: bool = True
    positions: Positions = "learned"
    tie_weights: bool = True
    norm: Norm = "pre"
    gelu: Gelu = "exact"
    init: Literal["gpt2", "torch"] = "gpt2"
    vocab: str = ""

    #: the value of ``norm`` the registered id stands for (None: free).
    FIXED_NORM: ClassVar[str | None] = None

    def __post_init__(self) -> None:
        s = self.sample_shape
        require(isinstance(s, tuple) and len(s) == 1 and isinstance(s[0], int),
                f"sample_shape must be (T,) token ids, got {s!r}")
        require(self.context >= 1, f"context must be >= 1 positions, got {self.context} "
                "(a context of zero reads nothing)")
        require(s[0] >= 1, f"sequence length must be >= 1, got sample_shape {s}")
        require(s[0] <= self.context, f"samples of {s[0]} tokens do not fit the context of "
                f"{self.context} positions; set context >= {s[0]}")
        require(self.vocab_size >= 0, f"vocab_size must be >= 0, got {self.vocab_size}")
        for name in ("n_layers", "n_heads", "d_model"):
            require(getattr(self, name) >= 1, f"{name} must be >= 1, got {getattr(self, name)}")
        require(self.d_model % self.n_heads == 0, f"d_model {self.d_model} must be a multiple "
                f"of n_heads {self.n_heads} (each head is d_model / n_heads wide)")
        require(self.positions != "sinusoidal" or self.d_model % 2 == 0,
                f"sinusoidal positions need an even d_model, got {self.d_model}")
        require(0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}")
        require(self.task == "lm", f"task must be 'lm' (next-token prediction), got "
                f"{self.task!r}")
        require(self.positions in ("learned", "sinusoidal"),
                f"positions must be learned or sinusoidal, got {self.positions!r}")
        require(self.norm in ("pre", "post"), f"norm must be pre or post, got {self.norm!r}")
        if self.FIXED_NORM is not None:
            require(self.norm == self.FIXED_NORM, f"this model is {self.FIXED_NORM}-norm; "
                    f"norm={self.norm} is the transformer's option")

    def validate(self) -> None:
        """What the data decides (checked once the dataset filled it in)."""
        require(self.vocab_size >= 2, f"a language model needs vocab_size >= 2, got "
                f"{self.vocab_size}")
        if self.vocab:
            require(len(self.vocab) == self.vocab_size and len(set(self.vocab)) == self.vocab_size,
                    f"vocab must be {self.vocab_size} distinct characters (one per token id), "
                    f"got {len(self.vocab)}")


DC = TypeVar("DC", bound=DecoderConfig)


class DecoderLM(NextTokenLM[DC]):
    """A decoder-only Transformer language model; see the module docstring.

    ``forward(x)``: next-token logits ``(B, T, V)`` for token ids ``(B, T)``, ``T <= context``.

    :param config: a :class:`DecoderConfig` (one of the per-id subclasses).
    """

    recent_rows: ClassVar[int] = 4

    def __init__(self, config: DC) -> None:
        super().__init__(config)
        config.validate()
        c = config
        self.tok = nn.Embedding(c.vocab_size, c.d_model)                       # E
        self.pos: nn.Embedding | None = None
        if c.positions == "learned":
            self.pos = nn.Embedding(c.context, c.d_model)                      # P, learned
        else:
            self.register_buffer("pos_table", sinusoidal_positions(c.context, c.d_model),
                                 persistent=False)                             # P, fixed
        self.drop = nn.Dropout(c.dropout)
        self.blocks = nn.ModuleList(Block(c.d_model, c.n_heads, c.dropout, c.bias, c.norm,
                                          c.gelu) for _ in range(c.n_layers))
        self.ln_f = nn.LayerNorm(c.d_model, bias=c.bias) if c.norm == "pre" else nn.Identity()
        self.head = nn.Linear(c.d_model, c.vocab_size, bias=False)             # W_out
        if c.tie_weights:
            self.tok.weight = self.head.weight                                 # W_out = E
        if c.init == "gpt2":
            self.apply(_init_gpt2)
            for name, p in self.named_parameters():  # the projections ending a residual branch
                if name.endswith("proj.weight"):
                    nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * c.n_layers))

    # -- input checks ------------------------------------------------------------------------

    def _check(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, T)`` integer token ids in range with ``1 <= T <= context``."""
        c = self.config
        if not isinstance(x, torch.Tensor) or x.dim() != 2:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise InputError(f"{self.model_id} input must be (B, T) token ids, got shape "
                             f"{shape}")
        n, steps = x.shape
        if n == 0 or steps == 0:
            raise InputError(f"{self.model_id} input is empty: shape {(n, steps)}")
        if steps > c.context:
            raise InputError(f"input of shape {(n, steps)}: a sequence of {steps} tokens is "
                             f"longer than the position table; {self.model_id} reads at most "
                             f"context = {c.context} tokens")
        if x.is_floating_point() or x.is_complex() or x.dtype == torch.bool:
            raise InputError(f"{self.model_id} input must be integer token ids, got {x.dtype}")
        lo, hi = int(x.min()), int(x.max())
        if lo < 0 or hi >= c.vocab_size:
            raise InputError(f"{self.model_id} input must hold token ids in [0, "
                             f"{c.vocab_size}), got values from {lo} to {hi}")
        return x

    # -- the computation -----------------------------------------------------------------------

    def _positions(self, T: int) -> torch.Tensor:
        if self.pos is not None:
            return self.pos.weight[:T]                                  # (T, d)
        return self.get_buffer("pos_table")[:T]

    def _hidden(self, x: torch.Tensor) -> torch.Tensor:
        """The last block's output after the final norm ``(B, T, d)`` (no checks)."""
        h = self.drop(self.tok(x) + self._positions(x.shape[1]))       # E[x] + P[0:T]
        for block in self.blocks:
            h = block(h)
        return self.ln_f(h)

    def _next_logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self._hidden(x))                               # (B, T, V)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._next_logits(self._check(x))

    @torch.no_grad()
    def attention_maps(self, x: torch.Tensor) -> torch.Tensor:
        """The attention weights of every block and head, ``(L, B, h, T, T)`` (eval mode)."""
        self._check(x)
        was = self.training
        self.eval()
        h = self.drop(self.tok(x) + self._positions(x.shape[1]))
        maps = []
        for block in cast(list[Block], self.blocks):
            maps.append(block.attn.weights(block.attention_input(h)))
            h = block(h)
        self.train(was)
        return torch.stack(maps)

    # -- learning ----------------------------------------------------------------------------

    def configure_optimizers(self, cfg: TrainConfig) -> list[torch.optim.Optimizer]:
        """``cfg``'s optimizer with weight decay on the matrices only (every parameter of two
        or more dimensions: the linear layers' weights and the embeddings), none on biases
        and layer-norm gains, as GPT-2 and nanoGPT."""
        params = [p for p in self.parameters() if p.requires_grad]
        decay = [p for p in params if p.dim() >= 2]
        rest = [p for p in params if p.dim() < 2]
        groups = [{"params": decay, "weight_decay": cfg.weight_decay},
                  {"params": rest, "weight_decay": 0.0}]
        return [build_optimizer([g for g in groups if g["params"]], cfg)]

    # -- generation ----------------------------------------------------------------------------

    @torch.no_grad()
    def generate(self, prime_ids: torch.Tensor, n: int, temperature: float = 1.0,
                 top_k: int = 0, seed: int | None = None) -> torch.Tensor:
        """Sample ``n`` tokens after ``prime_ids``, each drawn from ``softmax(logits /
        temperature)`` over the ``top_k`` most likely tokens (0: all; 1: greedy), the network
        reading the last ``context`` tokens each time.

        :param prime_ids: ``(P,)`` or ``(B, P)`` token ids, ``P >= 1`` (a prime longer than
            the context is read from its last ``context`` tokens).
        :param n: tokens to generate; :param temperature: > 0;
        :param top_k: keep the ``top_k`` most likely tokens; :param seed: seeds the draws.
        :returns: the prime followed by the ``n`` new tokens, ``(P + n,)`` or ``(B, P + n)``.
        """
        c = self.config
        prime, single = generation_prime(prime_ids, n, temperature, top_k, c.vocab_size)
        self._check(prime[:, -c.context:])
        g = sampling_generator(self.device, seed)
        was = self.training
        self.eval()
        out = prime.to(self.device, torch.long)
        for _ in range(n):
            h = self._hidden(out[:, -c.context:])                      # the last context tokens
            nxt = draw(self.head(h[:, -1]), temperature, top_k, g)      # (B, 1)
            out = torch.cat([out, nxt], dim=1)
        self.train(was)
        return out[0] if single else out

    # -- pictures ------------------------------------------------------------------------------

    def visualize(self, out_dir: Path) -> list[Path]:
        """``attention.png`` (every head of every block on a window of the last evaluation)
        and, with ``vocab``, ``sample.txt`` (text generated from that window's start)."""
        return transformer_plots.plot_decoder(self, Path(out_dir))


def _init_gpt2(module: nn.Module) -> None:
    """GPT-2's initialisation of one layer: normal(0, 0.02) weights, zero biases."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, mean=0.0, std=0.02)
    if isinstance(module, nn.Linear) and module.bias is not None:
        nn.init.zeros_(module.bias)


__all__ = ["DecoderConfig", "DecoderLM"]
