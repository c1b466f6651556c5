"""Discrete-time Markov chains: the registered model, which learns a transition matrix.

Markov: A. A. Markov, "Extension of the law of large numbers to dependent quantities"
(Izvestiya Fiz.-Mat. Obsch. Kazan Univ., 1906); history in B. Hayes, "First Links in the
Markov Chain", American Scientist 101(2), 2013. https://doi.org/10.1511/2013.101.92
Formulas: J. R. Norris, "Markov Chains", Cambridge University Press, 1997 (sections 1.2-1.8),
and J. G. Kemeny, J. L. Snell, "Finite Markov Chains", 1960 (the fundamental matrix).
Peer: PyDTMC (https://github.com/TommasoBelluzzo/PyDTMC), whose numbers the tests match.

:class:`MarkovChainModel` (registered as ``markov-chain``) learns ``P`` from integer state
sequences by maximum likelihood: ``P_ij = (c_ij + a) / (sum_k c_ik + n a)`` with ``c_ij`` the
count of transitions ``i -> j`` and ``a`` the additive (Laplace) smoothing. Counts add up over
batches, so learning is closed-form: one pass over the data.

The analysis of a transition matrix (classes, periods, stationary distributions, absorption,
passage times) is :class:`nnzoo.models.classic.markov_analysis.MarkovChain`; the state graph
is drawn by :mod:`nnzoo.models.classic.markov_chain_plots`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch

from nnzoo.core.config import require
from nnzoo.core.errors import NotFittedError
from nnzoo.core.io import atomic_write_text
from nnzoo.models.base import Batch, ZooModule
from nnzoo.models.classic.markov_analysis import (
    MarkovChain,
    check_states,
    counts_to_probabilities,
)
from nnzoo.models.classic.markov_chain_plots import plot_state_graph
from nnzoo.models.registry import register


@dataclass
class MarkovChainConfig:
    """Hyperparameters of :class:`MarkovChainModel`.

    :param sample_shape: ``(T,)``, the length of each state sequence (T >= 2).
    :param n_states: number of states; sequences hold indices in ``[0, n_states)``.
    :param smoothing: additive (Laplace) smoothing added to every transition count.
    :param vocabulary: optional state names, one character per state (for a character chain:
        its alphabet), used to write generated text; empty for anonymous states.
    """

    sample_shape: tuple[int, ...] = (64,)
    n_states: int = 65
    smoothing: float = 0.1
    vocabulary: str = ""

    def __post_init__(self) -> None:
        require(len(self.sample_shape) == 1 and self.sample_shape[0] >= 2,
                f"sample_shape must be (T,) with T >= 2 steps, got {self.sample_shape}")
        require(self.n_states >= 1, f"n_states must be >= 1, got {self.n_states}")
        require(self.smoothing >= 0 and math.isfinite(self.smoothing),
                f"smoothing must be a finite number >= 0, got {self.smoothing}")
        require(not self.vocabulary or len(self.vocabulary) == self.n_states,
                f"vocabulary must name all {self.n_states} states (one character each), got "
                f"{len(self.vocabulary)} characters")


@register("markov-chain", config=MarkovChainConfig, learning="closed-form",
          rule="maximum-likelihood transition counts (additive over batches)",
          peer="PyDTMC (analysis), markovify (text)",
          reference="https://github.com/jsvine/markovify")
class MarkovChainModel(ZooModule[MarkovChainConfig]):
    """A first-order Markov chain over ``n_states`` states learnt from state sequences.

    ``training_step((x, None))`` adds the transitions of ``x`` (B, T) to the counts buffer;
    ``P`` is the smoothed normalised counts. ``forward(x)`` is the log-likelihood of each
    sequence (B,) given its first state; ``predict(x)`` the most likely state after each
    sequence (B,); :meth:`chain` the :class:`MarkovChain` of ``P`` for analysis.

    :param config: a :class:`MarkovChainConfig`.
    """

    automatic_optimization = False
    integer_inputs = True

    counts: torch.Tensor  # c_ij (n, n) float64, transitions counted

    def __init__(self, config: MarkovChainConfig) -> None:
        super().__init__(config)
        n = config.n_states
        self.register_buffer("counts", torch.zeros(n, n, dtype=torch.float64))  # c_ij

    @property
    def transition_matrix(self) -> torch.Tensor:
        """``P`` (n, n) float64: the smoothed maximum-likelihood estimate."""
        return counts_to_probabilities(self.counts, self.config.smoothing)

    def chain(self) -> MarkovChain:
        """The :class:`MarkovChain` of the current ``P``, for analysis."""
        voc = self.config.vocabulary
        return MarkovChain(self.transition_matrix.cpu(), list(voc) if voc else None)

    def _checked(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        check_states(x, self.config.n_states, f"{self.model_id} input")
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._checked(x)
        logP = self.transition_matrix.log()                    # (n, n)
        return logP[x[:, :-1], x[:, 1:]].sum(1)                # (B,) sum_t log P[x_t, x_t+1]

    @torch.no_grad()
    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x = self._checked(batch[0])
        n = self.config.n_states
        pairs = (x[:, :-1] * n + x[:, 1:]).reshape(-1)         # transition i -> j as i n + j
        self.counts += torch.bincount(pairs, minlength=n * n).view(n, n).to(self.counts)
        return self._metrics(x)

    def fit(self, X: torch.Tensor, y: torch.Tensor | None = None) -> MarkovChainModel:
        """Maximum-likelihood fit on all of ``X`` (B, T): counts reset, then one pass."""
        self.counts.zero_()
        self.training_step((X, None))
        return self

    def _metrics(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        nll = -self(x).sum() / (x.shape[0] * (x.shape[1] - 1))  # per transition
        return {"loss": nll, "perplexity": nll.exp()}

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Mean negative log-likelihood per transition (nats) and its perplexity."""
        return self._metrics(self._checked(batch[0]))

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """The most likely next state after each sequence: ``argmax_j P[x_T, j]`` (B,)."""
        self._checked(x)
        if not bool(self.counts.any()) and self.config.smoothing == 0:
            raise NotFittedError("markov-chain has seen no transitions yet; fit it first")
        return self.transition_matrix[x[:, -1]].argmax(1)

    @torch.no_grad()
    def sample(self, n_steps: int, n_chains: int = 1, start: int | None = None,
               seed: int | None = None) -> torch.Tensor:
        """Sampled state sequences (n_chains, n_steps + 1) from the learnt chain.

        :raises NotFittedError: before any transition was counted.
        """
        if not bool(self.counts.any()):
            raise NotFittedError("markov-chain has seen no transitions yet; fit it before "
                                 "sampling")
        return self.chain().simulate(n_steps, n_chains, start, seed)

    def visualize(self, out_dir: Path) -> list[Path]:
        out_dir = Path(out_dir)
        voc = self.config.vocabulary
        P = self.transition_matrix.cpu()
        paths = [plot_state_graph(P, out_dir / "state_graph.png", list(voc) if voc else None,
                                  "markov-chain: learnt transitions", top=20,
                                  weight=self.counts.sum(1).cpu())]
        if voc and bool(self.counts.any()):
            first = int(self.counts.sum(1).argmax())
            s = self.sample(600, 1, start=first, seed=0)[0]
            text = "".join(voc[i] for i in s.tolist())
            path = out_dir / "generated_text.txt"
            atomic_write_text(path, text + "\n")
            paths.append(path)
        return paths


__all__ = ["MarkovChainConfig", "MarkovChainModel"]
