"""Benchmarks of the WaveNet on the generated audio-like signal (:mod:`nnzoo.data.waveforms`).

There is no peer library to run (the reference implementation is TensorFlow 1 code), so the
WaveNet is measured against two simple predictors of the same quantised signal, fitted in
the same run on the same training signal and scored on the same test samples:

- the marginal histogram: ``p(q)`` = the training signal's level counts plus one (Laplace),
  the same for every step; its test cross-entropy, and the training histogram's entropy;
- a linear autoregressive predictor of order ``p``: ``x_t ~ N(w . (x_{t-1}, ..., x_{t-p}) + c,
  s^2)`` on the decoded levels (bin centres), fitted by least squares on the training
  signal, ``s`` the training residuals' standard deviation; a level's probability is the
  Gaussian mass of its bin (:func:`nnzoo.core.mulaw.bin_edges`, the outer bins open to
  infinity), so its score is a proper discrete likelihood of the same 256 outcomes. The order
  ``p`` in 1, 2, 4, ..., 64 is chosen on the validation signal.

Scoring: the whole test signal in one pass (:meth:`WaveNet.stream_logits`: a convolutional
network reads any length); every method is scored on the same targets, from the step where
both the WaveNet's receptive field and the largest AR order are full of real samples
(``W = max(R, 64)``) to the end. The figure is the mean negative log-likelihood per sample in
bits. The WaveNet is trained by nnzoo's engine on the recipe's windows (the validation
windows pick the epoch, as ``nnzoo train wavenet --recipe audio`` does).

Pictures: ``wavenet-audio-generated.png``, three test excerpts: the real signal, and from the
middle on a continuation the WaveNet generated from the real first half (temperature 1).

- Quick tier (``audio``): the ``audio-small`` recipe (seconds), the same baselines.
- Full tier (``audio``): the ``audio`` recipe.

Both run single-threaded (:func:`~nnzoo.bench.runner.one_thread`).
"""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from nnzoo.bench.runner import BenchResult, bench_task, one_thread, plots_dir
from nnzoo.core.errors import ConfigError
from nnzoo.core.mulaw import bin_edges, decode
from nnzoo.core.rundir import RunDir
from nnzoo.data import load_dataset
from nnzoo.data.waveforms import toy_audio_signal
from nnzoo.models.autoregressive.wavenet import WaveNet, n_parameters
from nnzoo.models.autoregressive.wavenet_plots import waveforms
from nnzoo.recipes import get_recipe
from nnzoo.recipes.runner import build_model
from nnzoo.train.engine import Trainer

#: The AR orders the validation signal chooses among.
AR_ORDERS = (1, 2, 4, 8, 16, 32, 64)
LOG2 = math.log(2)


def histogram_bits(train: torch.Tensor, test: torch.Tensor) -> tuple[float, float]:
    """``(test cross-entropy, training entropy)`` in bits of the training histogram of the
    256 levels (counts plus one)."""
    counts = torch.bincount(train, minlength=256).double() + 1
    p = counts / counts.sum()
    entropy = float(-(p * p.log2()).sum())
    return float(-p[test].log2().mean()), entropy


def _lags(x: torch.Tensor, p: int, start: int) -> torch.Tensor:
    """Design matrix ``(n, p + 1)``: ``x_{t-1} .. x_{t-p}`` and a 1 for each target
    ``t = start .. len(x) - 1``."""
    n = len(x) - start
    cols = [x[start - i: start - i + n] for i in range(1, p + 1)]
    return torch.stack([*cols, torch.ones(n, dtype=x.dtype)], dim=1)


def fit_ar(q: torch.Tensor, p: int) -> tuple[torch.Tensor, float]:
    """Least-squares AR(p) weights ``(p + 1,)`` (last: the constant) on the decoded levels of
    ``q``, and the residuals' standard deviation."""
    x = decode(q).double()
    A, y = _lags(x, p, p), x[p:]
    w = torch.linalg.lstsq(A, y[:, None]).solution[:, 0]
    return w, float((y - A @ w).std())


def ar_bits(q: torch.Tensor, w: torch.Tensor, s: float, start: int) -> torch.Tensor:
    """Negative log2-likelihood of each level ``q[start:]`` under the AR Gaussian, integrated
    over the level's bin: ``P(q) = Phi((e_{q+1} - m) / s) - Phi((e_q - m) / s)``."""
    p = len(w) - 1
    if start < p:
        raise ConfigError(f"the AR({p}) predictor needs {p} past samples; start at {start}")
    x = decode(q).double()
    m = _lags(x, p, start) @ w                                # predicted means
    e = bin_edges().clone()
    e[0], e[-1] = -math.inf, math.inf                         # the outer bins are open
    t = q[start:]
    mass = torch.special.ndtr((e[t + 1] - m) / s) - torch.special.ndtr((e[t] - m) / s)
    return -mass.clamp_min(1e-300).log2()


def _train(model: WaveNet, splits: Any, cfg: Any, quiet: bool) -> tuple[Trainer, int]:
    with tempfile.TemporaryDirectory() as tmp:
        trainer = Trainer(model, splits.train, splits.val, cfg, seed=0,
                          run=RunDir.create(Path(tmp), "bench"), quiet=quiet, metric="loss",
                          higher_is_better=False)
        trainer.fit()
        scored = trainer.restore_best()
    return trainer, scored


def audio_task(recipe: str, quiet: bool, tier: str) -> BenchResult:
    """The WaveNet of ``recipe`` beside the histogram and the AR predictor; see the module
    docstring."""
    rec = get_recipe("wavenet", recipe)
    hp, cfg = rec.resolve()
    args = dict(rec.dataset_args)
    splits = load_dataset(rec.dataset, **args)
    seed = int(args.get("seed", 0))
    sizes = {part: int(args[f"n_{part}"]) for part in ("train", "val", "test")}
    signals = {part: toy_audio_signal(n, seed, part) for part, n in sizes.items()}
    with one_thread():
        model = build_model("wavenet", hp, splits, 0, torch.device("cpu"))
        assert isinstance(model, WaveNet)
        trainer, scored = _train(model, splits, cfg, quiet)
        R = model.receptive_field
        W = max(R, max(AR_ORDERS))
        test = signals["test"]
        model.eval()
        logp = torch.log_softmax(model.stream_logits(test[None, :-1])[0].double(), -1)
        nll = -logp[torch.arange(len(test) - 1), test[1:]]    # target i + 1 from inputs <= i
        wavenet_bits = float(nll[W - 1:].mean()) / LOG2        # targets W .. n - 1
        t0 = time.perf_counter()
        val_scores = {}
        for order in AR_ORDERS:                                # the order, chosen on validation
            w, s = fit_ar(signals["train"], order)
            val_scores[order] = float(ar_bits(signals["val"], w, s, W).mean())
        best = min(val_scores, key=lambda k: val_scores[k])
        w, s = fit_ar(signals["train"], best)
        ar_test = float(ar_bits(test, w, s, W).mean())
        ar_time = time.perf_counter() - t0
        hist_test, hist_entropy = histogram_bits(signals["train"], test[W:])
        plot = _generated_plot(model, test, R)
    p = trainer.progress
    return BenchResult(
        "wavenet", tier, "audio", "test bits/sample", False,
        f"linear AR({best}) predictor, Gaussian mass of each mu-law bin (least squares; order "
        "chosen on validation)", wavenet_bits, ar_test, p.train_time, ar_time,
        "training (nnzoo) / fitting every AR order (baseline)",
        f"recipe {recipe}: {p.epoch} epochs ({p.step} steps), weights of epoch {scored} (best "
        f"validation), {n_parameters(model):,} parameters, receptive field {R}; "
        f"{sizes['train']:,} training samples, test targets {W} to {sizes['test'] - 1} of the "
        "test signal; 1 thread",
        notes="not a peer library (none runs this model here): simple predictors fitted in the "
              "same run on the same training signal; the marginal histogram scores "
              f"{hist_test:.3f} bits; the time ratio compares a network's training with a "
              "least-squares fit and says only what the gain costs",
        extra={"parameters": n_parameters(model), "receptive_field": R, "epochs": p.epoch,
               "steps": p.step, "scored_epoch": scored, "histogram_test_bits": hist_test,
               "histogram_train_entropy_bits": hist_entropy, "ar_order": best,
               "ar_sigma": s, "ar_val_bits": val_scores, "scored_from": W,
               "generated_plot": str(plot)})


def _generated_plot(model: WaveNet, test: torch.Tensor, R: int) -> Path:
    """Three test excerpts of ``2 R`` samples (at least 512): real, and generated from the
    real first half on."""
    n = max(2 * R, 512)
    starts = [int(f * (len(test) - n)) for f in (0.1, 0.5, 0.9)]
    real = torch.stack([test[s:s + n] for s in starts])
    gen = model.generate(real[:, :n // 2], n - n // 2, seed=0)
    return waveforms(real, gen, n // 2, plots_dir() / "wavenet-audio-generated.png",
                     title="wavenet: test signal (blue) and generated continuations "
                     "(orange, from the dashed line)")


@bench_task("wavenet", "quick", "audio")
def quick_audio(quiet: bool) -> BenchResult:
    """The ``audio-small`` recipe (seconds) beside the same baselines."""
    return audio_task("audio-small", quiet, "quick")


@bench_task("wavenet", "full", "audio")
def full_audio(quiet: bool) -> BenchResult:
    """The ``audio`` recipe beside the histogram and the AR predictor."""
    return audio_task("audio", quiet, "full")
