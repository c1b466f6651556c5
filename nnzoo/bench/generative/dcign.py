"""Benchmark of DC-IGN: are its units tied to the factors? Beside the nnzoo VAE with the same
convolutional networks, optimiser and epochs on digits, trained without clamping.

Quality: the mean, over slant and thickness, of the absolute correlation between the factor
measured on the test images (:func:`nnzoo.models.generative.dcign.image_factors`) and the
unit meant to carry it (DC-IGN: unit 0 for slant, unit 1 for thickness); the VAE has no such
assignment, so it gets its best unit for each factor (a generous reading for the peer)."""

from __future__ import annotations

import torch

from nnzoo.bench.generative.variational import fit_recipe, nnzoo_scorer, score_vae
from nnzoo.bench.runner import BenchResult, bench_task, one_thread
from nnzoo.data import load_dataset
from nnzoo.models.generative.dcign import image_factors


def _abs_corr(codes: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """``|corr(codes[:, j], factor)|`` for every unit ``j``."""
    c = codes - codes.mean(0)
    f = factor - factor.mean()
    return ((c * f[:, None]).sum(0) / (c.norm(dim=0) * f.norm()).clamp(min=1e-12)).abs()


@bench_task("dcign", "quick", "digits")
def dcign_digits(quiet: bool) -> BenchResult:
    splits = load_dataset("digits")
    conv = {"arch": "conv", "channels": (16, 32), "hidden": (128,), "latent_dim": 8}
    with one_thread():
        ours, t_ours, _ = fit_recipe("dcign", "digits", splits, quiet=quiet)
        vae, t_vae, _ = fit_recipe("vae", "digits", splits, overrides={**conv, "iwae_k": 0},
                                   quiet=quiet)
        x = splits.test.X
        slant, ink = image_factors(x)
        with torch.no_grad():
            c_ours, c_vae = ours.encode(x)[0], vae.encode(x)[0]
        ours_corr = [float(_abs_corr(c_ours, slant)[0]), float(_abs_corr(c_ours, ink)[1])]
        vae_corr = [float(_abs_corr(c_vae, slant).max()), float(_abs_corr(c_vae, ink).max())]
        s_ours = score_vae(*nnzoo_scorer(ours), splits, k=1000, n_iwae=len(x))
        s_vae = score_vae(*nnzoo_scorer(vae), splits, k=1000, n_iwae=len(x))
    return BenchResult(
        "dcign", "quick", "digits", "|corr(unit, factor)|, mean of slant and thickness", True,
        "nnzoo VAE (no clamping; its best unit per factor)", sum(ours_corr) / 2,
        sum(vae_corr) / 2, t_ours, t_vae, "training, validation each epoch included",
        "conv VAE 16-32 channels, 128 hidden, 8 latent units, Bernoulli decoder, Adam 0.001, "
        "batch 64, 60 epochs, best validation epoch kept; slant and ink measured on the 360 "
        "test images; single-threaded",
        notes=f"DC-IGN: slant unit {ours_corr[0]:.3f}, thickness unit {ours_corr[1]:.3f}, "
              f"IWAE NLL (k=1000) {s_ours['iwae_nll']:.2f}, probe {s_ours['probe']:.4f}; VAE "
              f"best units: slant {vae_corr[0]:.3f}, thickness {vae_corr[1]:.3f}, IWAE NLL "
              f"{s_vae['iwae_nll']:.2f}, probe {s_vae['probe']:.4f}",
        extra={"nnzoo": s_ours, "vae": s_vae, "nnzoo_corr": ours_corr, "vae_corr": vae_corr})
