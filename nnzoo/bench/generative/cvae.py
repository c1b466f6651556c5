"""Benchmark of the conditional VAE: beside the nnzoo VAE with the same networks (the
label's one-hot excepted), optimiser and epochs on digits. Quality: the test IWAE NLL,
``-log p(x | y)`` for the CVAE and ``-log p(x)`` for the VAE, both bounded with k = 1000. For
exact likelihoods the difference would be ``log p(y | x) - log p(y)``, at most ``log 10 = 2.30``
nats with uniform classes; between two fitted models and two bounds it is not capped."""

from __future__ import annotations

from nnzoo.bench.generative.variational import fit_recipe, nnzoo_scorer, score_vae
from nnzoo.bench.runner import BenchResult, bench_task, one_thread
from nnzoo.data import load_dataset
from nnzoo.models.generative.iwae import iwae_bound, standard_normal_log_density


@bench_task("cvae", "quick", "digits")
def cvae_digits(quiet: bool) -> BenchResult:
    import torch

    splits = load_dataset("digits")
    k = 1000
    with one_thread():
        ours, t_ours, _ = fit_recipe("cvae", "digits", splits, quiet=quiet)
        vae, t_vae, _ = fit_recipe("vae", "digits", splits, quiet=quiet)
        x, y = splits.test.X, splits.test.targets()
        g = torch.Generator().manual_seed(0)
        with torch.no_grad():
            mu, logvar = ours.encode(x, y)
            nll = -float(iwae_bound(mu, logvar, lambda z: ours.log_likelihood(
                x, ours.decode_logits(z, y)) + standard_normal_log_density(z), k,
                generator=g).mean())
        s_vae = score_vae(*nnzoo_scorer(vae), splits, k=k, n_iwae=len(x))
    return BenchResult(
        "cvae", "quick", "digits", f"test IWAE NLL (k={k}, nats)", False,
        "nnzoo VAE (unconditional, same networks and budget)", nll, s_vae["iwae_nll"],
        t_ours, t_vae, "training, validation each epoch included",
        "64(+10)-128-8 MLP, Bernoulli decoder, grey digits in [0, 1], Adam 0.001, batch 64, "
        "60 epochs, best validation epoch kept; all 360 test images; single-threaded",
        notes="CVAE: -log p(x | y) (the label given); VAE: -log p(x). For exact likelihoods "
              "the difference would be at most log 10 = 2.30 nats (uniform classes); between "
              "two fitted models and two bounds it is not capped",
        extra={"vae": s_vae})
