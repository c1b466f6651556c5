"""Benchmark of the beta-VAE: beside the nnzoo VAE (beta = 1) with the same networks,
optimiser and epochs on digits. Quality: the test IWAE NLL (k = 1000); beta = 2 gives
up likelihood for a code closer to the factorised prior (lower KL), and the row shows what
that costs and what it does to the linear probe of the codes."""

from __future__ import annotations

from nnzoo.bench.generative.variational import fit_recipe, nnzoo_scorer, score_vae
from nnzoo.bench.runner import BenchResult, bench_task, one_thread
from nnzoo.data import load_dataset


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
