"""Benchmark of the beta-VAE: beside the nnzoo VAE (beta = 1) with the same networks,
optimiser and epochs on digits. Quality: the test IWAE NLL (k = 1000); beta = 2 gives
up likelihood for a code closer to the factorised prior (lower KL), and the row shows what
that costs and what it does to the linear probe of the codes.

``select-beta-digits`` records how the recipe's beta was chosen, on the validation split only
(:func:`select_beta_digits`; no test figure is computed)."""

from __future__ import annotations

import time
from typing import Any

import torch

from nnzoo.bench.generative.selection import selection_row
from nnzoo.bench.generative.variational import fit_recipe, nnzoo_scorer, score_vae
from nnzoo.bench.runner import BenchResult, bench_task, one_thread
from nnzoo.core.seed import isolated_rng
from nnzoo.data import load_dataset
from nnzoo.data.base import Splits
from nnzoo.models.generative.vae import gaussian_kl


@bench_task("beta-vae", "quick", "digits")
def beta_vae_digits(quiet: bool) -> BenchResult:
    splits = load_dataset("digits")
    k = 1000
    with one_thread():
        ours, t_ours, _ = fit_recipe("beta-vae", "digits", splits, quiet=quiet)
        vae, t_vae, _ = fit_recipe("vae", "digits", splits, quiet=quiet)
        s_ours = score_vae(*nnzoo_scorer(ours), splits, k=k, n_iwae=len(splits.test))
        s_vae = score_vae(*nnzoo_scorer(vae), splits, k=k, n_iwae=len(splits.test))

    def fmt(s: dict[str, float]) -> str:
        return (f"-ELBO {s['neg_elbo']:.2f}, KL {s['kl']:.3f}, probe {s['probe']:.4f}")

    return BenchResult(
        "beta-vae", "quick", "digits", f"test IWAE NLL (k={k}, nats)", False,
        "nnzoo VAE (beta = 1, same networks and budget)", s_ours["iwae_nll"],
        s_vae["iwae_nll"], t_ours, t_vae, "training, validation each epoch included",
        "64-128-8 MLP, Bernoulli decoder, beta 2 against 1, grey digits in [0, 1], Adam "
        "0.001, batch 64, 60 epochs, best validation epoch kept; all 360 test images; "
        "single-threaded",
        notes=f"beta-VAE: {fmt(s_ours)}; VAE: {fmt(s_vae)}. A higher NLL is the expected "
              "price of beta > 1",
        extra={"nnzoo": s_ours, "vae": s_vae})


#: The beta values the digits selection tries.
BETA_CANDIDATES = (1.5, 2.0, 3.0, 4.0, 6.0)
#: The least validation KL (nats per image) of a code that has not collapsed onto the prior.
MIN_KL = 0.5


@torch.no_grad()
def validation_kl(model: Any, splits: Splits, batch: int = 500) -> float:
    """The mean analytic ``KL(q(z | x) || p(z))`` (nats per image) of a trained VAE over the
    validation images (the test split is never read)."""
    X = splits.val.X
    total = sum(float(gaussian_kl(*model.encode(X[i:i + batch])).sum())
                for i in range(0, len(X), batch))
    return total / len(X)


def largest_coding_beta(candidates: dict[str, dict[str, float]],
                        min_kl: float = MIN_KL) -> float | None:
    """The largest ``beta`` among the candidates whose ``validation_kl`` is at least
    ``min_kl``; ``None`` when every code collapsed."""
    coding = [c["beta"] for c in candidates.values() if c["validation_kl"] >= min_kl]
    return max(coding) if coding else None


@bench_task("beta-vae", "quick", "select-beta-digits")
def select_beta_digits(quiet: bool) -> BenchResult:
    """The beta of ``beta-vae/digits``: the largest candidate whose code still carries at least
    :data:`MIN_KL` nats per validation image."""
    splits = load_dataset("digits")
    rule = (f"the largest beta in {{{', '.join(f'{b:g}' for b in BETA_CANDIDATES)}}} whose "
            f"validation KL (nats per image, best validation epoch's weights, seed 0) is at "
            f"least {MIN_KL} (a code not collapsed onto the prior)")
    candidates: dict[str, dict[str, float]] = {}
    t0 = time.perf_counter()
    with one_thread():
        for beta in BETA_CANDIDATES:
            with isolated_rng(0):
                model, _, epoch = fit_recipe("beta-vae", "digits", splits, {"beta": beta},
                                             quiet=quiet)
            candidates[f"{beta:g}"] = {"beta": beta, "validation_kl": validation_kl(model, splits),
                                       "scored_epoch": epoch}
    seconds = time.perf_counter() - t0
    chosen = largest_coding_beta(candidates)
    return selection_row(
        "beta-vae", "quick", "select-beta-digits", "chosen beta", True, chosen, seconds,
        "beta-vae/digits recipe (64-128-8 MLP, Bernoulli decoder, Adam 0.001, batch 64, 60 "
        "epochs, best validation epoch kept) at each beta, seed 0, single-threaded; 1293 "
        "training and 144 validation images",
        rule, candidates, None if chosen is None else f"{chosen:g}")
