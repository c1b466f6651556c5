"""The recurrent cells as readable equations, and a reference unroll of torch's fused layers.

The cells, with torch's gate order and equations (those of its fused kernels), for an input
``x`` and the previous state ``h`` (and ``c``); ``s`` is the logistic sigmoid:

- Elman:  ``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)``
- LSTM:   ``[i, f, g, o] = W_ih x + b_ih + W_hh h + b_hh``;
  ``c' = s(f) * c + s(i) * tanh(g)``; ``h' = s(o) * tanh(c')``
- GRU:    ``[r_i, z_i, n_i] = W_ih x + b_ih``, ``[r_h, z_h, n_h] = W_hh h + b_hh``;
  ``r = s(r_i + r_h)``, ``z = s(z_i + z_h)``, ``n = tanh(n_i + r * n_h)``;
  ``h' = (1 - z) * n + z * h``

:func:`elman_cell`, :func:`lstm_cell` and :func:`gru_cell` are those equations, one step each;
:func:`reference_unroll` runs them over time, layers and directions with the weights of a
torch ``nn.RNN``/``nn.LSTM``/``nn.GRU``, so that tests compare them with the fused kernel the
network uses for speed.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from nnzoo.core.errors import ConfigError, InputError

State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]

# -- the cells, one step each, as readable equations --------------------------------------------


def elman_cell(x: torch.Tensor, h: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor,
               b_ih: torch.Tensor, b_hh: torch.Tensor) -> torch.Tensor:
    """One step of the Elman cell (Elman 1990), as ``nn.RNN`` with ``tanh``.

    :param x: input ``(B, D)``; :param h: previous state ``(B, H)``.
    :param w_ih: ``(H, D)``; :param w_hh: ``(H, H)``; :param b_ih: ``(H,)``; :param b_hh: ``(H,)``.
    :returns: the new state ``(B, H)``.
    """
    return torch.tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)  # h' = tanh(W_ih x + W_hh h + b)


def lstm_cell(x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor], w_ih: torch.Tensor,
              w_hh: torch.Tensor, b_ih: torch.Tensor, b_hh: torch.Tensor
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """One step of the LSTM cell with a forget gate (Gers et al. 2000), as ``nn.LSTM``.

    :param x: input ``(B, D)``; :param state: ``(h, c)``, each ``(B, H)``.
    :param w_ih: ``(4H, D)``; :param w_hh: ``(4H, H)``; :param b_ih, b_hh: ``(4H,)``; the
        rows are the input, forget, cell and output gates, in torch's order.
    :returns: the new ``(h, c)``.
    """
    h, c = state
    gates = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh    # (B, 4H)
    i, f, g, o = gates.chunk(4, dim=1)               # each (B, H)
    i, f, o = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o)  # gates in (0, 1)
    g = torch.tanh(g)                                # candidate cell content
    c = f * c + i * g                                # c' = f * c + i * g: keep, then write
    h = o * torch.tanh(c)                            # h' = o * tanh(c'): read out
    return h, c


def gru_cell(x: torch.Tensor, h: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor,
             b_ih: torch.Tensor, b_hh: torch.Tensor) -> torch.Tensor:
    """One step of the GRU (Cho et al. 2014) with torch's equations (the reset gate applied
    after the recurrent product, ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``).

    :param x: input ``(B, D)``; :param h: previous state ``(B, H)``.
    :param w_ih: ``(3H, D)``; :param w_hh: ``(3H, H)``; :param b_ih, b_hh: ``(3H,)``; the rows
        are the reset, update and new gates, in torch's order.
    :returns: the new state ``(B, H)``.
    """
    r_i, z_i, n_i = (x @ w_ih.T + b_ih).chunk(3, dim=1)  # (B, H) each
    r_h, z_h, n_h = (h @ w_hh.T + b_hh).chunk(3, dim=1)
    r = torch.sigmoid(r_i + r_h)                     # reset gate
    z = torch.sigmoid(z_i + z_h)                     # update gate
    n = torch.tanh(n_i + r * n_h)                    # candidate state
    return (1 - z) * n + z * h                       # h' = (1 - z) * n + z * h


#: The cell of each ``cell`` name (the LSTM's takes and returns a pair ``(h, c)``).
CELLS: dict[str, Callable[..., State]] = {"rnn": elman_cell, "lstm": lstm_cell, "gru": gru_cell}
#: torch's fused module of each ``cell`` name.
FUSED: dict[str, type[nn.RNN] | type[nn.LSTM] | type[nn.GRU]] = {
    "rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def _cell_name(rnn: nn.RNNBase) -> str:
    for name, cls in FUSED.items():
        if isinstance(rnn, cls):
            return name
    raise ConfigError(f"reference_unroll needs an nn.RNN, nn.LSTM or nn.GRU, got "
                      f"{type(rnn).__name__}")


def reference_unroll(rnn: nn.RNNBase, x: torch.Tensor, state: State | None = None,
                     lengths: torch.Tensor | None = None) -> tuple[torch.Tensor, State]:
    """Run the readable cells over time, layers and directions with the weights of ``rnn``.

    The same computation as ``rnn(x, state)`` (``batch_first``, dropout off), one step at a
    time: a reference for the fused kernel. With ``lengths``, sequence ``b`` stops at step
    ``lengths[b]``: its state is frozen beyond it and its outputs there are zeros (what packing
    gives), and its backward direction starts at its last real step.

    :param rnn: a ``batch_first`` ``nn.RNN`` (tanh), ``nn.LSTM`` or ``nn.GRU``.
    :param x: ``(B, T, D)``.
    :param state: initial state ``(L * dirs, B, H)`` (a pair for the LSTM); zeros when None.
    :param lengths: ``(B,)`` real lengths, or None (all ``T``).
    :returns: outputs ``(B, T, dirs * H)`` and the final state, laid out as torch's.
    """
    name = _cell_name(rnn)
    B, T, _ = x.shape
    H, L = rnn.hidden_size, rnn.num_layers
    dirs = 2 if rnn.bidirectional else 1
    zeros = x.new_zeros(L * dirs, B, H)
    if state is None:
        state = (zeros, zeros.clone()) if name == "lstm" else zeros
    if isinstance(state, tuple) != (name == "lstm"):
        raise InputError(f"the state of an {type(rnn).__name__} must be "
                         + ("a pair (h, c)" if name == "lstm" else "one tensor h"))
    h0, c0 = state if isinstance(state, tuple) else (state, None)     # c: the LSTM's cells
    lengths = torch.full((B,), T, device=x.device) if lengths is None else lengths.to(x.device)
    finals_h, finals_c = [], []
    inp = x
    for layer in range(L):
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            w = [getattr(rnn, f"{p}{sfx}") for p in ("weight_ih", "weight_hh", "bias_ih",
                                                      "bias_hh")]
            h = h0[k]
            c = None if c0 is None else c0[k]
            out = x.new_zeros(B, T, H)
            for t in (range(T - 1, -1, -1) if d else range(T)):
                keep = (t < lengths)[:, None]                      # (B, 1): a real step
                if c is not None:
                    new, new_c = lstm_cell(inp[:, t], (h, c), *w)
                    c = torch.where(keep, new_c, c)
                else:
                    new = (elman_cell if name == "rnn" else gru_cell)(inp[:, t], h, *w)
                h = torch.where(keep, new, h)
                out[:, t] = torch.where(keep, new, 0.0)
            outs.append(out)
            finals_h.append(h)
            if c is not None:
                finals_c.append(c)
        inp = torch.cat(outs, dim=2)                               # (B, T, dirs * H)
    h_n = torch.stack(finals_h)                                    # (L * dirs, B, H)
    return inp, ((h_n, torch.stack(finals_c)) if name == "lstm" else h_n)


def detach_state(state: State) -> State:
    """The state cut from the graph (the boundary of truncated backpropagation)."""
    if isinstance(state, tuple):
        return (state[0].detach(), state[1].detach())
    return state.detach()


__all__ = ["CELLS", "FUSED", "State", "detach_state", "elman_cell", "gru_cell", "lstm_cell",
           "reference_unroll"]
