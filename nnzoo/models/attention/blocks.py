"""The parts the decoder-only Transformers share (``transformer`` and ``gpt``): scaled
dot-product attention, multi-head causal self-attention, the position-wise MLP, the residual
block (pre-norm or post-norm) and the position tables.

Scaled dot-product attention (Vaswani et al. 2017, eq. 1), for queries ``Q`` (T, d), keys
``K`` (S, d) and values ``V`` (S, d_v)::

    Attention(Q, K, V) = softmax(Q K^T / sqrt(d) + M) V

where the mask ``M`` is 0 where a query may look and ``-inf`` where it may not; the causal
mask lets position ``t`` see positions ``s <= t`` only, so what a decoder predicts at ``t``
depends on nothing after ``t``. :func:`attention` computes it with torch's fused
``F.scaled_dot_product_attention`` (one kernel, no ``(T, T)`` matrix kept for the backward
pass); :func:`explicit_attention` writes the formula out and returns the weights too (the
tests check that the two agree; the plots draw the weights).

Multi-head attention (ibid., section 3.2.2): ``h`` heads each attend in a ``d / h``-wide
subspace, ``head_i = Attention(X W_i^Q, X W_i^K, X W_i^V)``, and
``MultiHead(X) = Concat(head_1, ..., head_h) W^O``. The three input projections of every
head are one ``(d, 3d)`` matrix (one matrix product instead of ``3h``).

A block (the decoder layer without cross-attention), with ``LN`` layer normalisation and the
MLP ``GELU(x W_1 + b_1) W_2 + b_2`` (4x wide)::

    pre-norm  (GPT-2, nanoGPT):  x = x + Attn(LN(x));  x = x + MLP(LN(x))
    post-norm (Vaswani et al.):  x = LN(x + Attn(x));  x = LN(x + MLP(x))

Dropout acts on the attention weights and on each branch before it joins the residual
stream. Positions: a learned table ``P`` (T_max, d) added to the token embeddings, or the
fixed sinusoids ``PE(t, 2i) = sin(t / 10000^(2i/d))``, ``PE(t, 2i+1) = cos(t / 10000^(2i/d))``.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

Norm = Literal["pre", "post"]
Positions = Literal["learned", "sinusoidal"]
Gelu = Literal["exact", "tanh"]


def causal_mask(t: int, s: int | None = None, device: torch.device | None = None
                ) -> torch.Tensor:
    """The additive causal mask ``M`` (t, s): 0 where query ``i`` may see key ``j``
    (``j <= i + s - t``: the queries are the last ``t`` of ``s`` positions), ``-inf``
    elsewhere."""
    s = t if s is None else s
    allowed = torch.ones(t, s, dtype=torch.bool, device=device).tril(diagonal=s - t)
    zero = torch.zeros(t, s, device=device)
    return zero.masked_fill(~allowed, float("-inf"))


def explicit_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                       mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``softmax(Q K^T / sqrt(d) + M) V`` written out; returns the output and the weights.

    :param q: queries ``(..., T, d)``; :param k: keys ``(..., S, d)``;
    :param v: values ``(..., S, d_v)``; :param mask: additive ``(T, S)`` (None: no mask).
    :returns: ``(..., T, d_v)`` and the attention weights ``(..., T, S)`` (rows sum to 1).
    """
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])     # Q K^T / sqrt(d)
    if mask is not None:
        scores = scores + mask                                     # -inf: never looked at
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, causal: bool = True,
              dropout: float = 0.0) -> torch.Tensor:
    """Scaled dot-product attention with torch's fused kernel (the same formula as
    :func:`explicit_attention` with the causal mask when ``causal``), dropout ``dropout`` on
    the weights."""
    return F.scaled_dot_product_attention(q, k, v, dropout_p=dropout, is_causal=causal)


def sinusoidal_positions(n: int, d: int) -> torch.Tensor:
    """The fixed position table ``(n, d)`` of Vaswani et al. (section 3.5)."""
    t = torch.arange(n, dtype=torch.float64)[:, None]                     # (n, 1)
    rate = 10000.0 ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)    # 1 / 10000^(2i/d)
    pe = torch.zeros(n, d, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(t * rate)
    pe[:, 1::2] = torch.cos(t * rate)[:, : d // 2]
    return pe.float()


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention: ``(B, T, d) -> (B, T, d)``.

    :param d_model: width ``d``; :param n_heads: heads ``h`` (``d % h == 0``);
    :param dropout: on the attention weights and on the output; :param bias: biases in the
        projections.
    """

    def __init__(self, d_model: int, n_heads: int, dropout: float = 0.0, bias: bool = True
                 ) -> None:
        super().__init__()
        self.n_heads, self.dropout = n_heads, dropout
        self.qkv = nn.Linear(d_model, 3 * d_model, bias=bias)       # [W^Q | W^K | W^V]
        self.proj = nn.Linear(d_model, d_model, bias=bias)          # W^O
        self.drop = nn.Dropout(dropout)

    def _heads(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Queries, keys and values ``(B, h, T, d / h)`` of every head."""
        B, T, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=2)
        q, k, v = (z.view(B, T, self.n_heads, d // self.n_heads).transpose(1, 2)
                   for z in (q, k, v))
        return q, k, v

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, d = x.shape
        q, k, v = self._heads(x)
        y = attention(q, k, v, causal=True, dropout=self.dropout if self.training else 0.0)
        y = y.transpose(1, 2).reshape(B, T, d)                     # Concat(head_1..head_h)
        return self.drop(self.proj(y))                             # ... W^O

    def weights(self, x: torch.Tensor) -> torch.Tensor:
        """The attention weights ``(B, h, T, T)`` of every head (no dropout)."""
        q, k, _ = self._heads(x)
        T = x.shape[1]
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
        return torch.softmax(scores + causal_mask(T, device=x.device), dim=-1)


class MLP(nn.Module):
    """The position-wise feed-forward layer ``GELU(x W_1 + b_1) W_2 + b_2`` (``4 d`` wide
    inside), dropout on its output. ``gelu="exact"``: ``x Phi(x)``; ``"tanh"``: GPT-2's
    approximation ``x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""

    def __init__(self, d_model: int, dropout: float = 0.0, bias: bool = True,
                 gelu: Gelu = "exact") -> None:
        super().__init__()
        self.fc = nn.Linear(d_model, 4 * d_model, bias=bias)
        self.proj = nn.Linear(4 * d_model, d_model, bias=bias)
        self.drop = nn.Dropout(dropout)
        self.approximate = "tanh" if gelu == "tanh" else "none"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.proj(F.gelu(self.fc(x), approximate=self.approximate)))


class Block(nn.Module):
    """One decoder block: causal self-attention and the MLP, each with a residual connection
    and layer normalisation, ``norm="pre"`` or ``"post"`` (see the module docstring)."""

    def __init__(self, d_model: int, n_heads: int, dropout: float = 0.0, bias: bool = True,
                 norm: Norm = "pre", gelu: Gelu = "exact") -> None:
        super().__init__()
        self.norm = norm
        self.ln1 = nn.LayerNorm(d_model, bias=bias)
        self.attn = CausalSelfAttention(d_model, n_heads, dropout, bias)
        self.ln2 = nn.LayerNorm(d_model, bias=bias)
        self.mlp = MLP(d_model, dropout, bias, gelu)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.norm == "pre":
            x = x + self.attn(self.ln1(x))                         # x + Attn(LN(x))
            return x + self.mlp(self.ln2(x))                       # x + MLP(LN(x))
        x = self.ln1(x + self.attn(x))                             # LN(x + Attn(x))
        return self.ln2(x + self.mlp(x))                           # LN(x + MLP(x))

    def attention_input(self, x: torch.Tensor) -> torch.Tensor:
        """What the attention of this block reads (``LN(x)`` pre-norm, ``x`` post-norm)."""
        return self.ln1(x) if self.norm == "pre" else x


__all__ = ["MLP", "Block", "CausalSelfAttention", "Gelu", "Norm", "Positions", "attention",
           "causal_mask", "explicit_attention", "sinusoidal_positions"]
