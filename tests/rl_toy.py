"""A small agent for the loop's tests: linear Q-learning with a replay buffer and
epsilon-greedy exploration, registered on demand (never by importing nnzoo).

``register()`` puts it in the registry as ``TOY_ID`` (a catalog id nnzoo does not implement)
with a default recipe on CartPole-v1; ``unregister()`` takes both out again. Run as a script,
``python tests/rl_toy.py ARGS`` registers it and runs ``nnzoo ARGS`` (the SIGKILL test's child
process).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from nnzoo.core.config import require
from nnzoo.core.io import load_optimizer_state, optimizer_state, prefixed, unprefixed
from nnzoo.core.replay import ReplayBuffer
from nnzoo.models.rl.agent import Agent, Step, as_batch, check_discount

TOY_ID = "c51"  # in the catalog, not implemented by nnzoo: the toy borrows its id


@dataclass
class ToyConfig:
    """The toy's hyperparameters (the environment fills sample_shape, n_states, n_actions)."""

    sample_shape: tuple[int, ...] = (4,)
    n_states: int = 0
    n_actions: int = 2
    gamma: float = 0.99
    lr: float = 0.01
    epsilon: float = 0.2
    batch_size: int = 16
    buffer_size: int = 2000
    learning_starts: int = 50

    def __post_init__(self) -> None:
        check_discount(self.gamma)
        require(self.lr > 0, f"lr must be > 0, got {self.lr}")
        require(0 <= self.epsilon <= 1, f"epsilon must be in [0, 1], got {self.epsilon}")


class ToyQ(Agent[ToyConfig]):
    """Linear Q-learning: Q(s, .) = W s + b, one Adam step on a replayed batch per step."""

    model_id = TOY_ID
    action_kind = "discrete"

    def __init__(self, config: ToyConfig) -> None:
        super().__init__(config)
        c = config
        self.n_in = c.n_states or int(np.prod(c.sample_shape))
        self.q = torch.nn.Linear(self.n_in, c.n_actions)
        self.opt = torch.optim.Adam(self.q.parameters(), lr=c.lr)
        self.replay = ReplayBuffer(c.buffer_size, tuple(c.sample_shape), (),
                                   obs_dtype=np.int64 if c.n_states else np.float32,
                                   batch_size=c.batch_size)
        self.updates = 0

    @property
    def integer_input(self) -> bool:
        return bool(self.config.n_states)

    def features(self, obs: Any) -> torch.Tensor:
        x = torch.as_tensor(as_batch(obs, self.config.sample_shape, self.model_id))
        if self.config.n_states:
            return F.one_hot(x.reshape(-1).long(), self.config.n_states).float()
        return x.float().reshape(len(x), -1)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.q(self.features(obs))

    @torch.no_grad()
    def act(self, obs: np.ndarray, *, explore: bool) -> np.ndarray:
        greedy = self.forward(obs).argmax(1).numpy().astype(np.int64)
        if not explore:
            return greedy
        random = self.np_rng.random(len(greedy)) < self.config.epsilon
        greedy[random] = self.np_rng.integers(0, self.config.n_actions, int(random.sum()))
        return greedy

    def observe(self, step: Step) -> dict[str, float]:
        self.replay.add(step.obs, step.action, step.reward, step.next_obs, step.terminated)
        if len(self.replay) < self.config.learning_starts:
            return {}
        b = self.replay.sample(self.config.batch_size, self.np_rng)
        q = self.forward(b.obs).gather(1, torch.as_tensor(b.action).long()[:, None])[:, 0]
        with torch.no_grad():
            nxt = self.forward(b.next_obs).max(1).values
            target = torch.as_tensor(b.reward) + self.config.gamma * (
                1 - torch.as_tensor(b.terminated)) * nxt
        loss = F.smooth_l1_loss(q, target)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.updates += 1
        return {"loss": loss.item(), "updates": float(self.updates)}

    def agent_state(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        tensors, state = super().agent_state()
        opt_t, opt_j = optimizer_state(self.opt)
        rep_t, rep_j = self.replay.state()
        tensors.update(prefixed("opt", opt_t))
        tensors.update(rep_t)
        state.update(opt=opt_j, replay=rep_j, updates=self.updates)
        return tensors, state

    def load_agent_state(self, tensors: dict[str, torch.Tensor], state: dict[str, Any]) -> None:
        super().load_agent_state(tensors, state)
        load_optimizer_state(self.opt, unprefixed("opt", tensors), state["opt"])
        self.replay.load_state(tensors, state["replay"])
        self.updates = int(state["updates"])

    def visualize(self, out_dir: Path) -> list[Path]:
        from nnzoo.core import plots

        fig, ax = plots.subplots(figsize=(3, 2))
        ax.imshow(self.q.weight.detach().numpy(), cmap="bwr")
        ax.set_title("Q weights")
        return [plots.save(fig, Path(out_dir) / "q_weights.png")]


class ContinuousToy(ToyQ):
    """The toy claiming continuous actions: for the action-kind errors."""

    action_kind = "continuous"


def register() -> None:
    """Register the toy as ``TOY_ID`` with a default recipe on CartPole-v1 (idempotent)."""
    from nnzoo.models import registry
    from nnzoo.recipes import base

    if TOY_ID in registry._MODELS:
        return
    registry.register(TOY_ID, config=ToyConfig, learning="environment",
                      rule="Q-learning (test toy)", peer="none",
                      reference="https://example.invalid/toy")(ToyQ)
    base._ensure_loaded()
    base.add(base.Recipe(
        model=TOY_ID, name="cartpole", dataset="CartPole-v1", default=True,
        description="test toy on CartPole", metric="return", module=__name__,
        train={"steps": 600, "eval_episodes": 2, "checkpoint_every": 200, "log_every": 100}))
    base.add(base.Recipe(
        model=TOY_ID, name="frozenlake", dataset="FrozenLake-v1", metric="return",
        description="test toy on FrozenLake", module=__name__,
        train={"steps": 300, "eval_episodes": 2, "env_kwargs": {"is_slippery": True}}))


def unregister() -> None:
    """Take the toy and its recipes out of the registry again."""
    from nnzoo.models import registry
    from nnzoo.recipes import base

    registry._MODELS.pop(TOY_ID, None)
    base._RECIPES.pop(TOY_ID, None)


if __name__ == "__main__":
    from nnzoo.cli import main

    register()
    sys.exit(main(sys.argv[1:]))
