"""Benchmarks of the autoencoders: each beside an independent peer or a stated baseline.

- ``ae`` quick ``digits``: nnzoo's autoencoder beside scikit-learn's ``MLPRegressor`` fitted
  ``X -> X`` with the same layers (64-32-64), ReLU units (the code too, as MLPRegressor has
  one activation), identity output and squared error, Adam (lr 1e-3, batch 200), 200
  epochs, no L2, Glorot-uniform weights and biases on both sides (scikit-learn's rule; each
  side draws its own), mean of seeds 0-2. scikit-learn's loss is the squared error averaged
  over the D outputs, nnzoo's summed (Adam's steps do not depend on that scale, up to its
  epsilon). scikit-learn computes in float64, nnzoo in float32.
- ``sae`` quick ``digits``: the sparse autoencoder (64-100-64, sigmoid code, squared error
  (chosen by the validation selections below), KL towards rho = 0.05, beta 3) beside the
  plain autoencoder of the same layers without the penalty (baseline); the row's extra holds
  the test mean activation against rho.
- ``dae`` quick ``digits``: the denoising autoencoder (64-64-64, 25 % masking) beside the
  same autoencoder trained without noise (baseline), scored on denoising: the test images
  masked at 25 % (a fixed draw) reconstructed against the clean ones.
- ``dae`` quick ``sdae-digits`` and full ``sdae-mnist``: stacked denoising autoencoders
  (greedy pre-training, then fine-tuning) beside nnzoo's MLP with the same layers and
  sigmoid units and no pre-training (Glorot-uniform initial weights, chosen over PyTorch's
  default by the validation selections below), at the same fine-tuning budget.
- ``deep-ae`` quick ``digits``: the RBM-pre-trained deep autoencoder beside the same net from
  random weights (baseline).
- ``sae`` full ``mnist``: the sparse autoencoder 784-196-784; the row shows the test mean
  activation against rho and the learned filters.

Selections on the validation split (no test figure computed; the row's figure is the choice,
every candidate's validation figures are in its extra; see
:mod:`nnzoo.bench.generative.selection`):

- ``dae`` quick ``select-init-sdae-digits`` and full ``select-init-sdae-mnist``: the SDAE
  rows' baseline MLP from PyTorch's default initialisation or from Glorot uniform, at the
  row's budget, trained on the training split and scored on the validation split; the init of
  the higher validation accuracy is the one the rows use.
- ``sae`` quick ``select-loss-digits`` and full ``select-loss-mnist``: the ``sae/digits`` and
  ``sae/mnist`` recipes with squared error or Bernoulli cross-entropy; the loss whose
  validation mean activation is closest to rho is the one the recipes and rows use.

Every other row reports the test reconstruction error (mean squared error per value) or the
accuracy, and the linear-probe accuracy of the codes
(:func:`~nnzoo.bench.generative.probe.linear_probe`). Both sides run single-threaded; the time
is each side's whole fit.
"""

from __future__ import annotations

import math
import time
import warnings
from functools import partial
from typing import Any

import numpy as np
import torch
from torch import nn

from nnzoo.bench.arrays import flat, targets
from nnzoo.bench.generative.probe import linear_probe
from nnzoo.bench.generative.selection import selection_row
from nnzoo.bench.runner import BenchResult, bench_task, one_thread, peer_run, plots_dir, timed
from nnzoo.core.config import TrainConfig
from nnzoo.core.loop import batch_slices, epoch_order, optimize
from nnzoo.core.seed import isolated_rng
from nnzoo.data import load_dataset
from nnzoo.models import create
from nnzoo.models.base import ZooModule

#: Quick-tier budget of the stacked denoising autoencoder on digits (both sides' fine-tuning).
SDAE_QUICK: dict[str, Any] = {"hidden": (128, 128), "latent": 128, "pretrain_epochs": 10,
                              "epochs": 50, "batch": 32, "lr": 0.1, "momentum": 0.9,
                              "noise": 0.25, "pretrain_batch": 32}
#: Full-tier budget of the stacked denoising autoencoder on MNIST (both sides' fine-tuning).
SDAE_FULL: dict[str, Any] = {"hidden": (500, 500), "latent": 500, "pretrain_epochs": 4,
                             "epochs": 12, "batch": 100, "lr": 0.05, "momentum": 0.9,
                             "noise": 0.25, "pretrain_batch": 100}
#: Full-tier budget of the sparse autoencoder on MNIST.
SAE_FULL = {"latent": 196, "epochs": 10, "batch": 128}


def fit(model: ZooModule[Any], X: torch.Tensor, y: torch.Tensor | None, cfg: TrainConfig,
        seed: int) -> ZooModule[Any]:
    """Train ``model`` as the engine does, in memory: ``on_fit_start`` on all of ``X``, then
    ``cfg.epochs`` epochs of shuffled minibatches through ``training_step``."""
    opts = model.configure_optimizers(cfg)
    slices = batch_slices(len(X), cfg.batch_size)
    model.train()
    model.on_fit_start(X, seed)
    for epoch in range(cfg.epochs):
        order = epoch_order(len(X), seed, epoch)
        for sl in slices:
            idx = order[sl]
            optimize(model.training_step, (X[idx], None if y is None else y[idx]), opts,
                     automatic=model.automatic_optimization)
    return model.eval()


def _digits() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    s = load_dataset("digits")
    return s.train.X, targets(s), s.test.X, targets(s, "test")


def _mnist() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """All 60,000 MNIST training images (train + validation) and the 10,000 test images."""
    s = load_dataset("mnist")
    return (torch.cat([s.train.X, s.val.X]), torch.cat([targets(s), targets(s, "val")]),
            s.test.X, targets(s, "test"))


@torch.no_grad()
def _scores(model: Any, Xtr: torch.Tensor, ytr: torch.Tensor, Xte: torch.Tensor,
            yte: torch.Tensor) -> tuple[float, float]:
    """(test mean squared error per value, linear-probe accuracy of the codes)."""
    mse = float((model.reconstruct(Xte) - Xte).pow(2).mean())
    return mse, linear_probe(model.predict(Xtr), ytr, model.predict(Xte), yte)


# -- ae beside scikit-learn's MLPRegressor ---------------------------------------------------

def _glorot_(model: nn.Module) -> None:
    """scikit-learn's MLP initialisation: weights and biases ~ U(-b, b), b = sqrt(6 /
    (fan_in + fan_out)) (ReLU units)."""
    for m in model.modules():
        if isinstance(m, nn.Linear):
            b = math.sqrt(6 / (m.in_features + m.out_features))
            nn.init.uniform_(m.weight, -b, b)
            nn.init.uniform_(m.bias, -b, b)


@bench_task("ae", "quick", "digits")
def ae_digits(quiet: bool) -> BenchResult:
    Xtr, ytr, Xte, yte = _digits()
    a, b = flat(Xtr, np.float64), flat(Xte, np.float64)
    width, epochs, batch, seeds = 32, 200, 200, (0, 1, 2)
    cfg = TrainConfig(epochs=epochs, batch_size=batch, lr=1e-3, optimizer="adam")
    ours: list[tuple[float, float, float]] = []
    theirs: list[tuple[float, float, float]] = []

    def peer_side(seed: int) -> tuple[float, float, float]:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPRegressor

        reg = MLPRegressor(hidden_layer_sizes=(width,), activation="relu", solver="adam",
                           alpha=0.0, batch_size=batch, learning_rate_init=1e-3,
                           max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1,
                           shuffle=True, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            _, t = timed(lambda: reg.fit(a, a))
        mse = float(((reg.predict(b) - b) ** 2).mean())
        codes = [np.maximum(x @ reg.coefs_[0] + reg.intercepts_[0], 0) for x in (a, b)]
        return mse, linear_probe(codes[0], ytr, codes[1], yte), t

    with one_thread():
        for seed in seeds:
            with isolated_rng(seed):
                model = create("ae", sample_shape=tuple(Xtr.shape[1:]), hidden=(),
                               latent=width, activation="relu", code_activation="relu",
                               loss="gaussian")
                _glorot_(model)
                _, t = timed(partial(fit, model, Xtr, None, cfg, seed))
            ours.append((*_scores(model, Xtr, ytr, Xte, yte), t))
            run = peer_run(partial(peer_side, seed))
            if run.value is None:
                break
            theirs.append(run.value)
    mean = lambda rows, i: float(np.mean([r[i] for r in rows])) if rows else None  # noqa: E731
    return BenchResult(
        "ae", "quick", "digits", "test mse", False, "scikit-learn MLPRegressor (X -> X)",
        mean(ours, 0), mean(theirs, 0), mean(ours, 2), mean(theirs, 2), "fit (mean of seeds)",
        f"64-{width}-64, ReLU hidden units (code included), identity output, squared error, "
        f"Adam lr 1e-3, batch {batch}, {epochs} epochs, no L2, Glorot-uniform init (each side "
        f"its own draw); mean of seeds {seeds[0]}-{seeds[-1]}; 1293 training images",
        notes="scikit-learn averages the squared error over the 64 outputs, nnzoo sums it "
              "(the same Adam steps up to epsilon); scikit-learn computes in float64, nnzoo in "
              "float32; single-threaded",
        extra={"probe_accuracy_nnzoo": mean(ours, 1), "probe_accuracy_peer": mean(theirs, 1)},
        status=run.status)


# -- baselines of the same layers -------------------------------------------------------------

def _pair(mid: str, hp: dict[str, Any], base_id: str, base_hp: dict[str, Any],
          cfg: TrainConfig, data: tuple[torch.Tensor, ...], seed: int = 0
          ) -> tuple[Any, float, Any, float]:
    Xtr, ytr = data[0], data[1]
    shape = tuple(Xtr.shape[1:])
    with one_thread(), isolated_rng(seed):
        ours = create(mid, sample_shape=shape, **hp)
        _, t_ours = timed(lambda: fit(ours, Xtr, ytr, cfg, seed))
    with one_thread(), isolated_rng(seed):
        base = create(base_id, sample_shape=shape, **base_hp)
        _, t_base = timed(lambda: fit(base, Xtr, ytr, cfg, seed))
    return ours, t_ours, base, t_base


def _sae_row(tier: str, task: str, data: tuple[torch.Tensor, ...], latent: int, epochs: int,
             batch: int) -> BenchResult:
    Xtr, ytr, Xte, yte = data
    rho = 0.05
    cfg = TrainConfig(epochs=epochs, batch_size=batch, lr=1e-3)
    hp = {"latent": latent, "sparsity": "kl", "rho": rho, "beta": 3.0, "loss": "gaussian"}
    base_hp = {**hp, "beta": 0.0}
    sae, t, base, t_base = _pair("sae", hp, "sae", base_hp, cfg, data)
    mse, probe = _scores(sae, Xtr, ytr, Xte, yte)
    mse_b, probe_b = _scores(base, Xtr, ytr, Xte, yte)
    act = sae.mean_activations(Xte)
    from nnzoo.models.generative import autoencoder_plots
    from nnzoo.models.generative.autoencoder import first_filters

    out = plots_dir()
    filt = first_filters(sae)
    figs = {"plot_mean_activations": str(autoencoder_plots.plot_mean_activations(
        act, rho, out / f"sae-{task}-mean-activations.png",
        f"sae / {task}: test mean activation of each code unit"))}
    if filt is not None:
        figs["plot_filters"] = str(autoencoder_plots.plot_filters(
            filt, out / f"sae-{task}-filters.png", f"sae / {task}: learned filters"))
    mean_act = float(act.mean())
    return BenchResult(
        "sae", tier, task, "test mse", False, "plain autoencoder of the same layers (baseline: "
        "beta = 0)", mse, mse_b, t, t_base, "fit",
        f"{Xtr[0].numel()}-{latent}-{Xtr[0].numel()} sigmoid code, KL towards rho = {rho} "
        f"(beta 3) against the same net with beta 0; squared-error loss (Ng's notes; chosen "
        f"over Bernoulli cross-entropy on validation: sae/{tier}/select-loss-{task}), Adam lr "
        f"1e-3, batch {batch}, {epochs} epochs, seed 0, single-threaded",
        notes="the sparse code trades reconstruction for sparsity; the must-show is the test "
              "mean activation within 10 % of rho (extra)",
        extra={"test_mean_activation": mean_act, "rho": rho,
               "mean_activation_within_10pct": abs(mean_act - rho) <= 0.1 * rho,
               "units_within_10pct": float(((act - rho).abs() <= 0.1 * rho).float().mean()),
               "baseline_mean_activation": float(base.mean_activations(Xte).mean()),
               "probe_accuracy_nnzoo": probe, "probe_accuracy_baseline": probe_b, **figs})


@bench_task("sae", "quick", "digits")
def sae_digits(quiet: bool) -> BenchResult:
    return _sae_row("quick", "digits", _digits(), 100, 100, 64)


@bench_task("sae", "full", "mnist")
def sae_mnist(quiet: bool) -> BenchResult:
    return _sae_row("full", "mnist", _mnist(), int(SAE_FULL["latent"]),
                    int(SAE_FULL["epochs"]), int(SAE_FULL["batch"]))


@bench_task("dae", "quick", "digits")
def dae_digits(quiet: bool) -> BenchResult:
    Xtr, ytr, Xte, yte = data = _digits()
    cfg = TrainConfig(epochs=200, batch_size=64, lr=1e-3)
    hp = {"latent": 64, "corruption": "masking", "noise": 0.25}
    dae, t, base, t_base = _pair("dae", hp, "dae", {**hp, "noise": 0.0}, cfg, data)
    from nnzoo.models.generative.autoencoder import corrupt

    noisy = corrupt(Xte, "masking", 0.25, torch.Generator().manual_seed(0))
    den = float((dae.reconstruct(noisy) - Xte).pow(2).mean())
    den_b = float((base.reconstruct(noisy) - Xte).pow(2).mean())
    mse, probe = _scores(dae, Xtr, ytr, Xte, yte)
    mse_b, probe_b = _scores(base, Xtr, ytr, Xte, yte)
    return BenchResult(
        "dae", "quick", "digits", "denoising mse", False,
        "the same autoencoder trained without noise (baseline)", den, den_b, t, t_base, "fit",
        "64-64-64 sigmoid, Bernoulli loss, 25 % masking noise in training (baseline: none), "
        "Adam lr 1e-3, batch 64, 200 epochs, seed 0; scored on the test images masked at 25 % "
        "(one fixed draw) against the clean images; single-threaded",
        extra={"clean_mse_nnzoo": mse, "clean_mse_baseline": mse_b,
               "probe_accuracy_nnzoo": probe, "probe_accuracy_baseline": probe_b})


@bench_task("deep-ae", "quick", "digits")
def deep_ae_digits(quiet: bool) -> BenchResult:
    Xtr, ytr, Xte, yte = data = _digits()
    cfg = TrainConfig(epochs=100, batch_size=64, lr=1e-3)
    hp = {"hidden": (128, 64, 32), "latent": 8, "pretrain_epochs": 10, "pretrain_lr": 0.05}
    ours, t, base, t_base = _pair("deep-ae", hp, "deep-ae", {**hp, "pretrain": "none"}, cfg,
                                  data)
    mse, probe = _scores(ours, Xtr, ytr, Xte, yte)
    mse_b, probe_b = _scores(base, Xtr, ytr, Xte, yte)
    return BenchResult(
        "deep-ae", "quick", "digits", "test mse", False,
        "the same deep autoencoder from random weights (baseline)", mse, mse_b, t, t_base,
        "fit (pre-training included)",
        "64-128-64-32-8 sigmoid, linear code, Bernoulli loss; RBM pre-training CD-1 (lr 0.05, "
        "batch 32, 10 epochs per layer) against none; then Adam lr 1e-3, batch 64, 100 epochs "
        "on both; seed 0; single-threaded",
        extra={"probe_accuracy_nnzoo": probe, "probe_accuracy_baseline": probe_b})


# -- stacked denoising autoencoders beside the MLP --------------------------------------------

def _sdae_row(tier: str, task: str, data: tuple[torch.Tensor, ...], hidden: tuple[int, ...],
              latent: int, pretrain_epochs: int, epochs: int, batch: int, lr: float,
              momentum: float, noise: float, pretrain_batch: int) -> BenchResult:
    Xtr, ytr, Xte, yte = data
    cfg = TrainConfig(epochs=epochs, batch_size=batch, lr=lr, optimizer="sgd",
                      momentum=momentum)
    n_classes = int(ytr.max()) + 1
    hp = {"stacked": True, "hidden": hidden, "latent": latent, "n_classes": n_classes,
          "corruption": "masking", "noise": noise, "pretrain_epochs": pretrain_epochs,
          "pretrain_lr": 1e-3, "pretrain_batch": pretrain_batch}
    mlp_hp = {"hidden": (*hidden, latent), "activation": "sigmoid", "n_classes": n_classes,
              "init": "glorot"}
    sdae, t, mlp, t_mlp = _pair("dae", hp, "mlp", mlp_hp, cfg, data)
    acc = float((sdae.predict(Xte) == yte).float().mean())
    acc_mlp = float((mlp.predict(Xte) == yte).float().mean())
    layers = "-".join(map(str, (Xtr[0].numel(), *hidden, latent, n_classes)))
    return BenchResult(
        "dae", tier, task, "accuracy", True,
        "nnzoo MLP, same layers, no pre-training (Glorot init)", acc, acc_mlp, t, t_mlp,
        "whole fit (pre-training + fine-tuning)",
        f"{layers} sigmoid; SDAE: {pretrain_epochs} epochs of greedy pre-training per layer "
        f"(25 % masking, Adam 1e-3, batch {pretrain_batch}); both: {epochs} epochs of SGD "
        f"(lr {lr}, momentum {momentum}, batch {batch}, constant rate), last epoch scored, "
        "seed 0, single-threaded; the MLP starts from Glorot-uniform weights (chosen over "
        f"PyTorch's default on validation accuracy: dae/{tier}/select-init-{task})",
        notes="the issue quotes 1.28 % test error for Vincent et al. 2010's SDAE-3 on MNIST "
              "(their table 3; the paper could not be opened here to check the figure), "
              "with 1000 units per layer, far more epochs and hyperparameters chosen on "
              "validation" if tier == "full" else "",
        extra={"test_error_nnzoo": 1 - acc,
               "test_error_mlp": 1 - acc_mlp,
               "vincent2010_sdae3_test_error": 0.0128 if tier == "full" else None,
               "n_train": len(Xtr), "n_test": len(Xte)})


def _sdae_budget(tier: str, task: str, data: tuple[torch.Tensor, ...],
                 f: dict[str, Any]) -> BenchResult:
    return _sdae_row(tier, task, data, tuple(f["hidden"]), int(f["latent"]),
                     int(f["pretrain_epochs"]), int(f["epochs"]), int(f["batch"]),
                     float(f["lr"]), float(f["momentum"]), float(f["noise"]),
                     int(f["pretrain_batch"]))


@bench_task("dae", "quick", "sdae-digits")
def sdae_digits(quiet: bool) -> BenchResult:
    return _sdae_budget("quick", "sdae-digits", _digits(), SDAE_QUICK)


@bench_task("dae", "full", "sdae-mnist")
def sdae_mnist(quiet: bool) -> BenchResult:
    return _sdae_budget("full", "sdae-mnist", _mnist(), SDAE_FULL)


# -- selections on the validation split ---------------------------------------------------------

def _train_val(name: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The training and validation images and labels of ``name`` (the test split is never
    returned: a selection must not see it)."""
    s = load_dataset(name)
    return s.train.X, targets(s), s.val.X, targets(s, "val")


#: The initialisations the SDAE row's baseline MLP chooses between.
INIT_CANDIDATES = ("torch", "glorot")


def _select_init(tier: str, task: str, data: tuple[torch.Tensor, ...], f: dict[str, Any],
                 note: str = "") -> BenchResult:
    """The SDAE row's baseline MLP (same layers, sigmoid, no pre-training) at the row's
    fine-tuning budget from each initialisation, trained on the training split and scored on
    the validation split; the chosen init is the one of higher validation accuracy (the
    first candidate, PyTorch's default, on a tie)."""
    Xtr, ytr, Xva, yva = data
    n_classes = int(ytr.max()) + 1
    cfg = TrainConfig(epochs=int(f["epochs"]), batch_size=int(f["batch"]), lr=float(f["lr"]),
                      optimizer="sgd", momentum=float(f["momentum"]))
    candidates: dict[str, dict[str, float]] = {}
    t0 = time.perf_counter()
    for init in INIT_CANDIDATES:
        with one_thread(), isolated_rng(0):
            mlp = create("mlp", sample_shape=tuple(Xtr.shape[1:]),
                         hidden=(*f["hidden"], f["latent"]), activation="sigmoid",
                         n_classes=n_classes, init=init)
            fit(mlp, Xtr, ytr, cfg, 0)
            with torch.no_grad():
                acc = float((mlp.predict(Xva) == yva).float().mean())
        candidates[init] = {"validation_accuracy": acc}
    seconds = time.perf_counter() - t0
    chosen = max(INIT_CANDIDATES, key=lambda k: candidates[k]["validation_accuracy"])  # tie: 1st
    layers = "-".join(map(str, (Xtr[0].numel(), *f["hidden"], f["latent"], n_classes)))
    return selection_row(
        "dae", tier, task, f"validation accuracy of the chosen init ({chosen})", True,
        candidates[chosen]["validation_accuracy"], seconds,
        f"the dae/{task.removeprefix('select-init-')} row's baseline: nnzoo MLP {layers} "
        f"sigmoid, no pre-training, {f['epochs']} epochs of SGD (lr {f['lr']}, momentum "
        f"{f['momentum']}, batch {f['batch']}, constant rate), last epoch scored, seed 0, "
        f"single-threaded; trained on the {len(Xtr):,} training images, scored on the "
        f"{len(Xva):,} validation images{note}",
        "between PyTorch's default initialisation (torch) and Glorot uniform (glorot), the "
        "init of the higher validation accuracy of the baseline MLP at the row's budget, "
        "seed 0 (a tie: torch)", candidates, chosen)


@bench_task("dae", "quick", "select-init-sdae-digits")
def select_init_sdae_digits(quiet: bool) -> BenchResult:
    return _select_init("quick", "select-init-sdae-digits", _train_val("digits"), SDAE_QUICK)


@bench_task("dae", "full", "select-init-sdae-mnist")
def select_init_sdae_mnist(quiet: bool) -> BenchResult:
    return _select_init("full", "select-init-sdae-mnist", _train_val("mnist"), SDAE_FULL,
                        " (the row itself trains on all 60,000)")


#: The reconstruction losses the sparse autoencoder's recipes choose between.
LOSS_CANDIDATES = ("gaussian", "bernoulli")
#: Validation distances to rho closer than this are a tie (0.2 % of rho = 0.05).
TIE = 1e-4


def closest_to_rho(candidates: dict[str, dict[str, float]], tie: float = TIE) -> str:
    """The candidate of the smallest ``distance_to_rho``; candidates within ``tie`` of that
    distance are a tie, won by the smallest ``validation_mse`` (then by their order)."""
    best = min(c["distance_to_rho"] for c in candidates.values())
    tied = [k for k, c in candidates.items() if c["distance_to_rho"] - best <= tie]
    return min(tied, key=lambda k: candidates[k]["validation_mse"])


def _select_loss(tier: str, task: str, recipe: str, quiet: bool) -> BenchResult:
    """The sparse autoencoder's ``recipe`` trained (engine, best validation epoch kept, seed 0)
    with each reconstruction loss; the chosen loss is the one whose validation mean code
    activation is closest to rho, a tie (within :data:`TIE`) going to the lower validation
    reconstruction error (mean squared error per value, the same scale for both losses)."""
    from nnzoo.bench.generative.variational import fit_recipe
    from nnzoo.recipes import get_recipe

    rec = get_recipe("sae", recipe)
    splits = load_dataset(rec.dataset)
    hp, cfg = rec.resolve()
    rho = float(hp["rho"])
    Xva = splits.val.X
    candidates: dict[str, dict[str, float]] = {}
    t0 = time.perf_counter()
    for loss in LOSS_CANDIDATES:
        with one_thread(), isolated_rng(0):
            sae, _, epoch = fit_recipe("sae", recipe, splits, {"loss": loss}, quiet=quiet)
        with torch.no_grad():
            act = sae.mean_activations(Xva)
            mse = float((sae.reconstruct(Xva) - Xva).pow(2).mean())
        candidates[loss] = {
            "validation_mean_activation": float(act.mean()),
            "distance_to_rho": abs(float(act.mean()) - rho),
            "validation_units_within_10pct": float(((act - rho).abs() <= 0.1 * rho)
                                                   .float().mean()),
            "validation_mse": mse, "scored_epoch": epoch}
    seconds = time.perf_counter() - t0
    chosen = closest_to_rho(candidates)
    names = {"gaussian": "squared error", "bernoulli": "Bernoulli cross-entropy"}
    shape = "-".join(map(str, (Xva[0].numel(), hp["latent"], Xva[0].numel())))
    return selection_row(
        "sae", tier, task, f"validation mean activation of the chosen loss ({names[chosen]})",
        False, candidates[chosen]["validation_mean_activation"], seconds,
        f"the sae/{recipe} recipe ({shape} sigmoid code, KL towards rho = {rho} (beta "
        f"{hp['beta']:g}), Adam lr {cfg.lr:g}, batch {cfg.batch_size}, {cfg.epochs} epochs, "
        f"best validation epoch kept) with each loss, seed 0, single-threaded; trained on the "
        f"{len(splits.train)} training images, scored on the {len(Xva)} validation images",
        f"between squared error (gaussian) and Bernoulli cross-entropy (bernoulli), the loss "
        f"whose validation mean code activation is closest to rho = {rho} at the recipe's "
        f"budget, seed 0; a tie (distances within {TIE:g}) goes to the lower validation "
        "reconstruction error (mean squared error per value)", candidates, chosen,
        notes="the metric is the chosen loss's validation mean activation (rho is the aim)")


@bench_task("sae", "quick", "select-loss-digits")
def select_loss_digits(quiet: bool) -> BenchResult:
    return _select_loss("quick", "select-loss-digits", "digits", quiet)


@bench_task("sae", "full", "select-loss-mnist")
def select_loss_mnist(quiet: bool) -> BenchResult:
    return _select_loss("full", "select-loss-mnist", "mnist", quiet)
