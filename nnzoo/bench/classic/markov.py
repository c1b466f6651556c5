"""Benchmarks of the Markov chains: text generation against markovify, analysis against PyDTMC.

- ``text-excerpt`` / ``text-tinyshakespeare`` (state sizes 2 and 3): both libraries build the
  word chain of the same text (the excerpt shipped in the package, or the full Tiny
  Shakespeare from the data root); the tables are compared entry by entry, then each makes
  the same number of sentences with markovify's defaults (``tries=10``, overlap ratio 0.7,
  overlap total 15). Time: the generation; the build times are in ``extra``. Quality: the
  share of calls that returned a sentence (the two should be close: same chain, same test).
- ``analysis-500`` (quick) / ``analysis-2000`` (full): a random irreducible chain with 10
  successors per state; both compute the communicating classes, irreducibility, the period,
  the stationary distribution and the mean first-passage times. Quality: Kemeny's constant
  ``K = sum_j pi_j m_ij`` (the same for every ``i``), from each side's numbers; the largest
  differences of ``pi`` and ``M`` are in ``extra``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from nnzoo.bench.runner import BenchResult, bench_task, peer_run, timed
from nnzoo.core.seed import isolated_rng
from nnzoo.data.text import shakespeare_excerpt, tinyshakespeare
from nnzoo.models.classic.markov_analysis import MarkovChain
from nnzoo.models.classic.markov_text import MarkovText

# -- text ---------------------------------------------------------------------------------------

def _text(task: str, tier: str, text: str, state_size: int, n_sentences: int) -> BenchResult:
    ours, t_ours_build = timed(lambda: MarkovText.from_text(text, state_size, seed=0))
    mine, t_ours = timed(lambda: ours.make_sentences(n_sentences))
    ok = lambda out: sum(s is not None for s in out) / len(out)  # noqa: E731

    def peer_side() -> dict[str, Any]:
        import markovify

        peer, t_build = timed(lambda: markovify.Text(text, state_size=state_size))
        with isolated_rng(0):            # markovify draws from Python's global generator
            theirs, t = timed(lambda: [peer.make_sentence() for _ in range(n_sentences)])
        return {"version": markovify.__version__, "equal": peer.chain.model == ours.model,
                "rate": ok(theirs), "t": t, "t_build": t_build}

    run = peer_run(peer_side)
    p = run.value or {}
    return BenchResult(
        "markov-chain", tier, f"{task}-state{state_size}", "sentence rate", True,
        f"markovify {p['version']}" if p else "markovify", ok(mine), p.get("rate"), t_ours,
        p.get("t"),
        f"{n_sentences} make_sentence", f"word chain, state size {state_size}, "
        f"{len(text):,} characters, tries 10, overlap 0.7 / 15",
        notes="sentence rate = share of make_sentence calls that returned a sentence; "
              "tables compared entry by entry (transition_table_equal).",
        extra={"transition_table_equal": p.get("equal"), "states": ours.n_states,
               "transitions": ours.n_transitions, "nnzoo_build_s": t_ours_build,
               "peer_build_s": p.get("t_build"),
               "nnzoo_sentences_per_s": n_sentences / t_ours,
               "peer_sentences_per_s": n_sentences / p["t"] if p else None},
        status=run.status)


@bench_task("markov-chain", "quick", "text-excerpt-state2")
def text_excerpt(quiet: bool) -> BenchResult:
    return _text("text-excerpt", "quick", shakespeare_excerpt(), 2, 2000)


@bench_task("markov-chain", "quick", "text-excerpt-state3")
def text_excerpt3(quiet: bool) -> BenchResult:
    return _text("text-excerpt", "quick", shakespeare_excerpt(), 3, 2000)


@bench_task("markov-chain", "full", "text-tinyshakespeare-state2")
def text_full(quiet: bool) -> BenchResult:
    return _text("text-tinyshakespeare", "full", tinyshakespeare(), 2, 5000)


@bench_task("markov-chain", "full", "text-tinyshakespeare-state3")
def text_full3(quiet: bool) -> BenchResult:
    return _text("text-tinyshakespeare", "full", tinyshakespeare(), 3, 5000)


# -- analysis -----------------------------------------------------------------------------------

def random_sparse_chain(n: int, k: int = 10, seed: int = 0) -> np.ndarray:
    """A random irreducible chain: ``k`` random successors per state plus ``i -> i + 1``."""
    rng = np.random.default_rng(seed)
    P = np.zeros((n, n))
    rows = np.repeat(np.arange(n), k)
    P[rows, rng.integers(0, n, n * k)] = rng.random(n * k)
    P[np.arange(n), (np.arange(n) + 1) % n] += rng.random(n)
    return P / P.sum(1, keepdims=True)


def _analysis(n: int, tier: str) -> BenchResult:
    P = random_sparse_chain(n)

    def ours() -> dict[str, Any]:
        mc = MarkovChain(torch.from_numpy(P))
        return {"classes": len(mc.communicating_classes()), "irreducible": mc.is_irreducible,
                "period": mc.period, "pi": mc.stationary_distributions()[0].numpy(),
                "mfpt": mc.mean_first_passage_times().numpy()}

    def theirs() -> dict[str, Any]:
        from pydtmc import MarkovChain as PyMarkovChain
        from pydtmc import __version__ as pydtmc_version

        def analyse() -> dict[str, Any]:
            mc = PyMarkovChain(P)
            return {"classes": len(mc.communicating_classes),
                    "irreducible": mc.is_irreducible, "period": mc.period,
                    "pi": mc.stationary_distributions[0],
                    "mfpt": mc.mean_first_passage_times_to()}

        out, t = timed(analyse)                         # the import is not timed
        return {**out, "version": pydtmc_version, "t": t}

    a, t_ours = timed(ours)
    run = peer_run(theirs)
    b = run.value
    kemeny = lambda r: float(r["mfpt"][0] @ r["pi"])  # noqa: E731  K = sum_j pi_j m_0j
    return BenchResult(
        "markov-chain", tier, f"analysis-{n}", "Kemeny constant", True,
        f"PyDTMC {b['version']}" if b else "PyDTMC", kemeny(a), kemeny(b) if b else None,
        t_ours, b["t"] if b else None,
        "classes + period + stationary + MFPT",
        f"random irreducible chain, {n} states, 10 successors each, float64",
        notes="Kemeny's constant from each side's stationary distribution and mean "
              "first-passage times; equal values mean the same analysis.",
        extra={} if b is None else {
            "max_abs_diff_pi": float(np.abs(a["pi"] - b["pi"]).max()),
            "max_abs_diff_mfpt": float(np.abs(a["mfpt"] - b["mfpt"]).max()),
            "same_structure": (a["classes"], a["irreducible"], a["period"])
            == (b["classes"], b["irreducible"], b["period"])},
        status=run.status)


@bench_task("markov-chain", "quick", "analysis-500")
def analysis_500(quiet: bool) -> BenchResult:
    return _analysis(500, "quick")


@bench_task("markov-chain", "full", "analysis-2000")
def analysis_2000(quiet: bool) -> BenchResult:
    return _analysis(2000, "full")
