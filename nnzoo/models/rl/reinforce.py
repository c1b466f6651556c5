"""REINFORCE: the likelihood-ratio policy gradient of Williams (1992), "Simple statistical
gradient-following algorithms for connectionist reinforcement learning".

A softmax policy network :math:`\\pi_\\theta(a \\mid s)` plays whole episodes; after every
``n_episodes`` finished episodes the agent moves :math:`\\theta` along the Monte-Carlo estimate
of the gradient of the expected return,

.. math::

    \\nabla_\\theta J \\approx \\frac{1}{N} \\sum_{\\text{episodes}} \\sum_t
        (G_t - b(s_t)) \\, \\nabla_\\theta \\log \\pi_\\theta(a_t \\mid s_t),
    \\qquad G_t = \\sum_{k \\ge t} \\gamma^{k - t} r_k,

with the reward-to-go :math:`G_t` (``reward_to_go=False``: the whole episode's return
:math:`G_0` at every step, Williams' episodic form). The baseline :math:`b` does not depend on
the action, so it leaves the estimator's expectation unchanged and only lowers its variance
(Williams' "reinforcement comparison"): ``baseline="none"`` (:math:`b = 0`), ``"mean"`` (an
exponential moving average of the returns of earlier updates, so it never depends on the
episodes it scores) or ``"value"`` (a learned state value :math:`V_w(s_t)`, fitted to
:math:`G_t` by least squares beside the policy). As in most implementations the
:math:`\\gamma^t` factor of the discounted objective's exact gradient is left out.

Episodes cut by a time limit count as finished: their returns are the rewards played.
Greedy evaluation takes the most probable action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F

from nnzoo.core.config import require
from nnzoo.models.registry import register
from nnzoo.models.rl._policy import (
    ACTIVATIONS,
    Episodes,
    check_common,
    dense,
    features,
    input_size,
    load_optimizer_state,
    optimizer_state,
)
from nnzoo.models.rl.agent import Agent, Step, check_discount


@dataclass
class REINFORCEConfig:
    """Hyperparameters of REINFORCE.

    :param sample_shape: the shape of one observation (``(1,)``: a discrete state index).
    :param n_states: the number of discrete states (0: vector observations).
    :param n_actions: the number of discrete actions.
    :param gamma: the discount of the returns, in [0, 1].
    :param lr: Adam's learning rate of the policy.
    :param net_arch: the hidden layer sizes of the policy (``()``: a linear softmax policy).
    :param activation: the hidden layers' activation, ``tanh`` or ``relu``.
    :param baseline: ``none``, ``mean`` (moving average of earlier returns) or ``value`` (a
        learned state value).
    :param baseline_decay: the weight of the past in the ``mean`` baseline's moving average.
    :param value_lr: Adam's learning rate of the value network (``baseline="value"``).
    :param value_arch: the hidden layer sizes of the value network.
    :param value_steps: gradient steps of the value network per update.
    :param reward_to_go: weight each step by the return from it on (True) or by the whole
        episode's return (False).
    :param n_episodes: finished episodes per update (more when several end on one step).
    :param normalize_advantage: divide the weights ``G_t - b`` of a batch by their standard
        deviation (a per-batch step size, not a change of direction).
    :param max_grad_norm: clip the policy gradient's norm to this (0: no clipping).
    """

    sample_shape: tuple[int, ...] = (4,)
    n_states: int = 0
    n_actions: int = 2
    gamma: float = 0.99
    lr: float = 0.01
    net_arch: tuple[int, ...] = (32,)
    activation: Literal["tanh", "relu"] = "tanh"
    baseline: Literal["none", "mean", "value"] = "value"
    baseline_decay: float = 0.9
    value_lr: float = 0.01
    value_arch: tuple[int, ...] = (32,)
    value_steps: int = 1
    reward_to_go: bool = True
    n_episodes: int = 1
    normalize_advantage: bool = False
    max_grad_norm: float = 0.0

    def __post_init__(self) -> None:
        check_common(self)
        check_discount(self.gamma)
        require(self.lr > 0, f"lr must be > 0, got {self.lr}")
        require(self.value_lr > 0, f"value_lr must be > 0, got {self.value_lr}")
        require(0.0 <= self.baseline_decay < 1.0,
                f"baseline_decay must be in [0, 1), got {self.baseline_decay}")
        require(all(h >= 1 for h in self.value_arch),
                f"value_arch must be positive layer sizes, got {self.value_arch}")
        require(self.value_steps >= 1, f"value_steps must be >= 1, got {self.value_steps}")
        require(self.n_episodes >= 1, f"n_episodes must be >= 1, got {self.n_episodes}")
        require(self.max_grad_norm >= 0, f"max_grad_norm must be >= 0, got "
                                         f"{self.max_grad_norm}")


def discounted_returns(rewards: np.ndarray, gamma: float, reward_to_go: bool = True
                       ) -> np.ndarray:
    """The weight of each step of one episode: :math:`G_t = \\sum_{k \\ge t}
    \\gamma^{k-t} r_k` (``reward_to_go``), or :math:`G_0` at every step."""
    out = np.zeros(len(rewards), dtype=np.float64)
    g = 0.0
    for t in range(len(rewards) - 1, -1, -1):  # G_t = r_t + gamma G_{t+1}
        g = float(rewards[t]) + gamma * g
        out[t] = g
    return out if reward_to_go else np.full(len(rewards), out[0] if len(out) else 0.0)


def policy_gradient_loss(logits: torch.Tensor, actions: torch.Tensor,
                         weights: torch.Tensor, n_episodes: int) -> torch.Tensor:
    """The surrogate whose gradient is minus the REINFORCE estimate:
    :math:`-\\frac{1}{N} \\sum_t w_t \\log \\pi(a_t \\mid s_t)` with :math:`w_t = G_t - b(s_t)`
    (no gradient through the weights).

    :param logits: ``(T, n_actions)`` the policy's logits at the steps of the batch.
    :param actions: ``(T,)`` the actions taken.
    :param weights: ``(T,)`` :math:`G_t - b(s_t)`.
    :param n_episodes: N, the number of episodes the steps come from.
    """
    logp = F.log_softmax(logits, dim=-1).gather(1, actions.view(-1, 1)).squeeze(1)  # (T,)
    return -(weights.detach() * logp).sum() / n_episodes


@register("reinforce", config=REINFORCEConfig, learning="environment",
          rule="likelihood-ratio policy gradient on Monte-Carlo returns, optional baseline",
          peer="nnzoo DQN (Stable-Baselines3 has no REINFORCE)",
          reference="https://doi.org/10.1007/BF00992696")
class REINFORCE(Agent[REINFORCEConfig]):
    """REINFORCE (Williams 1992) with a softmax policy network.

    :param config: :class:`REINFORCEConfig`.
    """

    action_kind = "discrete"

    def __init__(self, config: REINFORCEConfig) -> None:
        super().__init__(config)
        c = config
        act = ACTIVATIONS[c.activation]
        n_in = input_size(c.sample_shape, c.n_states)
        self.policy = dense(n_in, c.net_arch, c.n_actions, act)
        self.optimizer = torch.optim.Adam(self.policy.parameters(), lr=c.lr)
        self.value = dense(n_in, c.value_arch, 1, act) if c.baseline == "value" else None
        self.value_optimizer = (torch.optim.Adam(self.value.parameters(), lr=c.value_lr)
                                if self.value is not None else None)
        self.episodes = Episodes(keep_steps=True)
        self.finished: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.mean_return: float | None = None  # the "mean" baseline, from earlier updates
        self.updates = 0

    @property
    def integer_input(self) -> bool:
        return self.config.n_states > 0

    def _x(self, obs: np.ndarray | torch.Tensor) -> torch.Tensor:
        return features(obs, self.sample_shape, self.config.n_states, "reinforce observations")

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """The policy's logits ``(n, n_actions)`` for observations ``(n, *sample_shape)``."""
        return self.policy(self._x(obs))

    @torch.no_grad()
    def act(self, obs: np.ndarray, *, explore: bool) -> np.ndarray:
        logits = self.policy(self._x(obs))  # (n, A)
        if not explore:
            return logits.argmax(1).numpy()
        probs = torch.softmax(logits, dim=1)
        return torch.multinomial(probs, 1, generator=self.torch_rng).squeeze(1).numpy()

    def observe(self, step: Step) -> dict[str, float]:
        done = step.done
        self.episodes.ensure(len(done))
        for i in range(len(done)):
            self.episodes.add(i, step.obs[i], int(step.action[i]), float(step.reward[i]))
            if done[i]:
                self.finished.append(self.episodes.pop(i))
        if len(self.finished) < self.config.n_episodes:
            return {}
        return self.update()

    def weights(self, returns: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """:math:`G_t - b(s_t)` for the batch's returns and network inputs."""
        c = self.config
        if c.baseline == "mean":
            b = self.mean_return if self.mean_return is not None else 0.0
            return returns - b
        if c.baseline == "value":
            assert self.value is not None
            with torch.no_grad():
                return returns - self.value(x).squeeze(1)
        return returns

    def update(self) -> dict[str, float]:
        """One policy-gradient step on the finished episodes (and the baseline's update)."""
        c = self.config
        batch, self.finished = self.finished, []
        obs = np.concatenate([e[0] for e in batch])
        actions = torch.as_tensor(np.concatenate([e[1] for e in batch]))
        returns = torch.as_tensor(np.concatenate(
            [discounted_returns(e[2], c.gamma, c.reward_to_go) for e in batch]),
            dtype=torch.float32)
        x = self._x(obs)  # (T, n_in)
        w = self.weights(returns, x)
        if c.normalize_advantage and len(w) > 1:
            w = w / (w.std() + 1e-8)
        logits = self.policy(x)
        loss = policy_gradient_loss(logits, actions, w, len(batch))
        self.optimizer.zero_grad()
        loss.backward()
        if c.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(self.policy.parameters(), c.max_grad_norm)
        self.optimizer.step()
        metrics = {"loss": loss.item(), "return": float(np.mean([e[2].sum() for e in batch])),
                   "entropy": float(torch.distributions.Categorical(logits=logits.detach())
                                    .entropy().mean())}
        if c.baseline == "value":
            assert self.value is not None and self.value_optimizer is not None
            for _ in range(c.value_steps):  # V_w(s_t) -> G_t by least squares
                v_loss = F.mse_loss(self.value(x).squeeze(1), returns)
                self.value_optimizer.zero_grad()
                v_loss.backward()
                self.value_optimizer.step()
            metrics["value_loss"] = v_loss.item()
        elif c.baseline == "mean":  # the moving average, for the next updates
            m = float(returns.mean())
            self.mean_return = m if self.mean_return is None else (
                c.baseline_decay * self.mean_return + (1 - c.baseline_decay) * m)
        self.updates += 1
        return metrics

    def agent_state(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        tensors, state = super().agent_state()
        t, s = optimizer_state(self.optimizer, "policy_opt")
        tensors.update(t)
        state["policy_opt"] = s
        if self.value_optimizer is not None:
            t, s = optimizer_state(self.value_optimizer, "value_opt")
            tensors.update(t)
            state["value_opt"] = s
        t, s = self.episodes.state("running")
        tensors.update(t)
        state["running"] = s
        fin = Episodes(keep_steps=True)
        fin.ensure(len(self.finished))
        for i, (o, a, r) in enumerate(self.finished):
            fin.obs[i], fin.actions[i], fin.rewards[i] = list(o), list(a), list(r)
        t, s = fin.state("finished")
        tensors.update(t)
        state.update(finished=s, mean_return=self.mean_return, updates=self.updates)
        return tensors, state

    def load_agent_state(self, tensors: dict[str, torch.Tensor], state: dict[str, Any]) -> None:
        super().load_agent_state(tensors, state)
        load_optimizer_state(self.optimizer, tensors, state["policy_opt"], "policy_opt")
        if self.value_optimizer is not None:
            load_optimizer_state(self.value_optimizer, tensors, state["value_opt"], "value_opt")
        self.episodes.load_state(tensors, state["running"], "running")
        fin = Episodes(keep_steps=True)
        fin.load_state(tensors, state["finished"], "finished")
        self.finished = [(np.asarray(fin.obs[i]), np.asarray(fin.actions[i], dtype=np.int64),
                          np.asarray(fin.rewards[i], dtype=np.float64))
                         for i in range(len(fin.rewards))]
        self.mean_return = state["mean_return"]
        self.updates = int(state["updates"])
