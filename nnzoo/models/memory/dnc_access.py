"""The memory access of the differentiable neural computer: each step of Graves et al. 2016
("Hybrid computing using a neural network with dynamic external memory", Nature 538, Methods)
as a pure function of batched tensors, so that each can be tested on its own.

Shapes: ``B`` sequences, ``N`` memory rows (locations) of ``W`` numbers, ``R`` read heads, one
write head. Weightings over the rows are non-negative and sum to at most 1.

- Retention (free gates ``f^i`` release what head ``i`` read last step):
  ``psi_t = prod_i (1 - f_t^i w^{r,i}_{t-1})``.
- Usage (a row is used once written, until freed):
  ``u_t = (u_{t-1} + w^w_{t-1} - u_{t-1} o w^w_{t-1}) o psi_t``.
- Allocation: ``phi_t`` lists the rows in ascending order of usage (the free list), then
  ``a_t[phi_t[j]] = (1 - u_t[phi_t[j]]) prod_{i<j} u_t[phi_t[i]]``: the least used row gets
  almost all of the weight when it is free. As in DeepMind's release, the usage is first
  lifted to ``eps + (1 - eps) u`` (``eps = 1e-6``) so that no product is exactly zero. The
  gradient flows through the values, not through the order (the sort is a constant).
- Write weighting: ``w^w_t = g^w_t [g^a_t a_t + (1 - g^a_t) c^w_t]`` with the content
  weighting ``c^w_t = C(M_{t-1}, k^w_t, beta^w_t)``.
- Erase and write: ``M_t = M_{t-1} o (E - w^w_t e_t^T) + w^w_t v_t^T``.
- Temporal links: the precedence ``p_t = (1 - sum_i w^w_t[i]) p_{t-1} + w^w_t`` is where the
  last write went; ``L_t[i, j] = (1 - w^w_t[i] - w^w_t[j]) L_{t-1}[i, j] + w^w_t[i] p_{t-1}[j]``
  with ``L_t[i, i] = 0``: row ``i`` was written right after row ``j``.
- Directional weightings: forward ``f^i_t = L_t w^{r,i}_{t-1}``, backward
  ``b^i_t = L_t^T w^{r,i}_{t-1}``.
- Read weighting, mixed by the read modes ``pi^i_t`` (a softmax over three):
  ``w^{r,i}_t = pi^i_t[0] b^i_t + pi^i_t[1] c^{r,i}_t + pi^i_t[2] f^i_t``, and the read
  vector ``r^i_t = M_t^T w^{r,i}_t``.
"""

from __future__ import annotations

import torch

#: The usage floor before sorting (DeepMind's ``_EPSILON``).
USAGE_EPS = 1e-6


def retention(free_gates: torch.Tensor, read_weights: torch.Tensor) -> torch.Tensor:
    """``psi = prod_i (1 - f^i w^{r,i})``: ``(B, R)`` gates, ``(B, R, N)`` last reads ->
    ``(B, N)``."""
    return torch.prod(1 - free_gates.unsqueeze(-1) * read_weights, dim=1)


def update_usage(usage: torch.Tensor, write_weights: torch.Tensor, psi: torch.Tensor
                 ) -> torch.Tensor:
    """``u_t = (u + w^w - u o w^w) o psi``: ``(B, N)`` each (``w^w`` of the previous step)."""
    return (usage + write_weights - usage * write_weights) * psi


def allocation(usage: torch.Tensor, eps: float = USAGE_EPS) -> torch.Tensor:
    """The allocation weighting ``a`` ``(B, N)`` of usage ``u`` ``(B, N)``: the rows sorted by
    ascending usage (``phi``), ``a[phi_j] = (1 - u[phi_j]) prod_{i<j} u[phi_i]``.

    :param eps: the usage is lifted to ``eps + (1 - eps) u`` first (0: the formula as is).
    """
    u = eps + (1 - eps) * usage
    sorted_u, phi = torch.sort(u, dim=-1, stable=True)              # free list: least used first
    ones = torch.ones_like(sorted_u[..., :1])
    before = torch.cumprod(torch.cat([ones, sorted_u[..., :-1]], dim=-1), dim=-1)  # prod_{i<j}
    sorted_a = (1 - sorted_u) * before
    return torch.zeros_like(u).scatter(-1, phi, sorted_a)          # back to row order


def write_weighting(alloc: torch.Tensor, content: torch.Tensor, alloc_gate: torch.Tensor,
                    write_gate: torch.Tensor) -> torch.Tensor:
    """``w^w = g^w [g^a a + (1 - g^a) c^w]``: ``(B, N)`` weightings, ``(B, 1)`` gates."""
    return write_gate * (alloc_gate * alloc + (1 - alloc_gate) * content)


def erase_and_write(memory: torch.Tensor, write_weights: torch.Tensor, erase: torch.Tensor,
                    value: torch.Tensor) -> torch.Tensor:
    """``M o (E - w e^T) + w v^T``: memory ``(B, N, W)``, weights ``(B, N)``, erase and write
    vectors ``(B, W)``."""
    w = write_weights.unsqueeze(-1)                                  # (B, N, 1)
    return memory * (1 - w * erase.unsqueeze(1)) + w * value.unsqueeze(1)


def update_links(link: torch.Tensor, write_weights: torch.Tensor, precedence: torch.Tensor
                 ) -> torch.Tensor:
    """``L_t[i, j] = (1 - w[i] - w[j]) L[i, j] + w[i] p_{t-1}[j]``, zero diagonal: link
    ``(B, N, N)``, this step's write weights and the previous precedence ``(B, N)``."""
    wi, wj = write_weights.unsqueeze(-1), write_weights.unsqueeze(-2)  # (B, N, 1), (B, 1, N)
    new = (1 - wi - wj) * link + wi * precedence.unsqueeze(-2)
    eye = torch.eye(link.shape[-1], dtype=torch.bool, device=link.device)
    return new.masked_fill(eye, 0.0)


def update_precedence(precedence: torch.Tensor, write_weights: torch.Tensor) -> torch.Tensor:
    """``p_t = (1 - sum_i w[i]) p_{t-1} + w``: ``(B, N)``."""
    return (1 - write_weights.sum(-1, keepdim=True)) * precedence + write_weights


def directional(link: torch.Tensor, read_weights: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """Forward ``f^i = L w^{r,i}`` and backward ``b^i = L^T w^{r,i}`` weightings ``(B, R, N)``
    of the link ``(B, N, N)`` and the previous read weights ``(B, R, N)``."""
    forward = read_weights @ link.transpose(1, 2)   # f[r, i] = sum_j L[i, j] w[r, j]
    backward = read_weights @ link                  # b[r, j] = sum_i L[i, j] w[r, i]
    return forward, backward


def read_weighting(modes: torch.Tensor, backward: torch.Tensor, content: torch.Tensor,
                   forward: torch.Tensor) -> torch.Tensor:
    """``w^r = pi[0] b + pi[1] c + pi[2] f``: modes ``(B, R, 3)``, weightings ``(B, R, N)``."""
    return modes[..., 0:1] * backward + modes[..., 1:2] * content + modes[..., 2:3] * forward


__all__ = ["USAGE_EPS", "allocation", "directional", "erase_and_write", "read_weighting",
           "retention", "update_links", "update_precedence", "update_usage", "write_weighting"]
