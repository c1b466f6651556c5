"""The engine: the loop that drives a model through its own learning rule.

Two paths, chosen by the model's registration:

- **iterative** (:meth:`Trainer.fit`): epochs of shuffled minibatches through
  ``training_step``; evaluation on the validation split after each epoch; optional early
  stopping on the recipe's metric; a checkpoint at the end of every epoch (and every
  ``checkpoint_every`` steps); ``metrics.jsonl`` lines for steps and epochs; a progress bar
  with the running metrics.
- **closed-form** (:meth:`Trainer.fit_closed_form`): one call of ``model.fit(X, y)`` on
  the whole training split, then the same evaluation, checkpoint and summary.

Batches are ``(x, y)``; ``y`` is ``None`` for unsupervised data (an RBM, a Hopfield net).
Sequences padded at the end (a model whose ``sequence_lengths`` gives their lengths: the
taggers, the sentence classifiers) are batched by length (sorted within shuffled chunks,
:func:`~nnzoo.core.loop.epoch_order`) and each batch is cut to its longest sequence, in
training and in evaluation, so that padding stays a small share of the work.

Training batches of images can be augmented (``TrainConfig.augment``: random crops of the
zero-padded image, horizontal flips; :mod:`nnzoo.core.augment`), and the model and its 4-d
batches kept in channels-last memory format (``TrainConfig.channels_last``, in training and
evaluation); a classifier's training loss takes ``TrainConfig.label_smoothing``
(:meth:`~nnzoo.models.base.Classifier.set_label_smoothing`, called here before training).

Exact resumption: the order of samples in epoch ``e`` is a function of ``(seed, e)``, the
augmentation of batch ``b`` of epoch ``e`` a function of ``(seed, e, b)`` (a private
generator, not the global ones), and a checkpoint holds the model, optimizers, scheduler,
every RNG, the position in the epoch and the epoch's running sums, so ``--resume`` after a
kill at any moment reproduces the uninterrupted run's numbers.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from nnzoo.core.augment import augment_batch, batch_generator, check_images, parse_augment
from nnzoo.core.config import TrainConfig, build_scheduler
from nnzoo.core.errors import CheckpointError, ConfigError
from nnzoo.core.io import (
    load_checkpoint,
    load_optimizer_state,
    optimizer_state,
    prefixed,
    unprefixed,
)
from nnzoo.core.loop import batch_slices, epoch_order, length_slices, optimize
from nnzoo.core.progress import progress
from nnzoo.core.rundir import RunDir
from nnzoo.core.seed import rng_state, set_rng_state
from nnzoo.data.base import ArrayDataset
from nnzoo.models.base import ClosedForm, ZooModule
from nnzoo.train.distributed import DistContext, broadcast_buffers

LOG_EVERY = 50  # steps between "step" lines in metrics.jsonl


@dataclass
class Progress:
    """Where training stands; saved in every checkpoint."""

    epoch: int = 0            # the epoch in progress (0-based)
    batch: int = 0            # the next batch within that epoch
    step: int = 0             # optimisation steps taken in all
    running: dict[str, float] = field(default_factory=dict)  # sums over the epoch so far
    seen: int = 0             # samples in those sums
    train_time: float = 0.0   # seconds spent in training steps, all epochs
    best: float | None = None
    best_epoch: int = -1
    bad_epochs: int = 0
    stopped_early: bool = False


class _StepModule(nn.Module):
    """Makes ``training_step`` the forward of a module, so DistributedDataParallel can wrap it
    and synchronise gradients in backward."""

    def __init__(self, model: ZooModule) -> None:
        super().__init__()
        self.model = model

    def forward(self, batch: Any) -> dict[str, torch.Tensor]:
        return self.model.training_step(batch)


def _take(y: torch.Tensor | None, idx: slice | torch.Tensor, device: torch.device
          ) -> torch.Tensor | None:
    """Targets ``y[idx]`` on ``device``; ``None`` for unsupervised data."""
    return None if y is None else y[idx].to(device, non_blocking=True)


def _cut(x: torch.Tensor, y: torch.Tensor | None, lengths: torch.Tensor | None
         ) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``x`` (and ``y`` when it has the same steps) cut along dimension 1 to the longest of
    the batch's ``lengths``; unchanged when ``lengths`` is None."""
    if lengths is None or not len(lengths):
        return x, y
    L = max(1, int(lengths.max()))
    if y is not None and y.dim() >= 2 and y.shape[1] == x.shape[1]:
        y = y[:, :L]
    return x[:, :L], y


def _layout(x: torch.Tensor, channels_last: bool) -> torch.Tensor:
    """``x`` in channels-last memory format when asked and ``x`` is 4-d (N, C, H, W); the
    same values either way."""
    if channels_last and x.dim() == 4:
        return x.contiguous(memory_format=torch.channels_last)
    return x


def _autocast(device: torch.device, amp: bool) -> contextlib.AbstractContextManager:
    if not amp:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)


@torch.no_grad()
def evaluate(model: ZooModule, data: ArrayDataset, *, batch_size: int = 1000,
             device: torch.device | None = None, amp: bool = False,
             channels_last: bool = False) -> dict[str, float]:
    """Mean of ``model.evaluation_step`` over ``data`` (weighted by batch size), in batches
    of at most ``batch_size``, with the figures of ``model.evaluation_summary()`` in place of
    those averages. Padded sequences go in length order, each batch cut to its longest and
    holding at most ``batch_size`` x mean length steps (:func:`length_slices`). Batches are
    never augmented; ``channels_last`` puts 4-d batches in that memory format."""
    device = device or model.device
    was = model.training
    model.eval()
    sums: dict[str, float] = {}
    lengths = model.sequence_lengths(data.X)
    order = None if lengths is None else torch.sort(lengths, stable=True).indices
    slices = (batch_slices(len(data), batch_size) if order is None or lengths is None
              else length_slices(lengths[order], batch_size))
    for sl in slices:
        idx = sl if order is None else order[sl]
        x, y = _cut(data.X[idx].to(device), _take(data.y, idx, device),
                    None if lengths is None else lengths[idx])
        x = _layout(x, channels_last)
        with _autocast(device, amp):
            out = model.evaluation_step((x, y))
        for k, v in out.items():
            sums[k] = sums.get(k, 0.0) + float(v) * len(x)
    means = {k: v / max(1, len(data)) for k, v in sums.items()}
    means.update(model.evaluation_summary())
    model.train(was)
    return means


@torch.no_grad()
def confusion_matrix(model: ZooModule, data: ArrayDataset, n_classes: int,
                     batch_size: int = 1000) -> torch.Tensor:
    """Counts (true class, predicted class) over ``data``; shape (K, K)."""
    was = model.training
    model.eval()
    cm = torch.zeros(n_classes, n_classes, dtype=torch.long)
    y = data.targets()
    for sl in batch_slices(len(data), batch_size):
        pred = model(data.X[sl].to(model.device)).argmax(1).cpu()
        cm += torch.bincount(y[sl] * n_classes + pred, minlength=n_classes**2).view(
            n_classes, n_classes)
    model.train(was)
    return cm


class Trainer:
    """Drives one model over one dataset; see the module docstring.

    :param model: the model (already on ``device``).
    :param train: training split; :param val: validation split (early stopping, curves).
    :param cfg: the engine's hyperparameters.
    :param seed: fixes the data order of every epoch.
    :param run: the run folder (``None`` on ranks other than 0, or for in-memory training).
    :param device: where tensors live.
    :param metric: the validation metric that decides early stopping and the best epoch.
    :param higher_is_better: direction of ``metric``.
    :param amp: bf16 autocast; :param quiet: no progress bars.
    :param dist: the process group (``DistContext()`` for one process).
    :param state: checkpoint fields the caller adds (model id, recipe...) and checks on resume.
    """

    def __init__(self, model: ZooModule, train: ArrayDataset, val: ArrayDataset,
                 cfg: TrainConfig, *, seed: int = 0, run: RunDir | None = None,
                 device: torch.device | None = None, metric: str = "accuracy",
                 higher_is_better: bool = True, amp: bool = False, quiet: bool = False,
                 dist: DistContext | None = None, state: dict[str, Any] | None = None
                 ) -> None:
        self.model, self.train_data, self.val_data, self.cfg = model, train, val, cfg
        self.seed, self.run, self.metric = seed, run, metric
        self.device = device or model.device
        self.higher = higher_is_better
        self.amp, self.quiet = amp, quiet
        self.dist = dist or DistContext()
        self.state = dict(state or {})
        self.progress = Progress()
        self.best_state: dict[str, torch.Tensor] | None = None  # weights of the best epoch
        self.augment = parse_augment(cfg.augment)
        if self.augment.active:
            check_images(train.X)  # images (N, C, H, W), before any work
        model.set_label_smoothing(cfg.label_smoothing)
        if cfg.channels_last:  # 4-d weights in NHWC strides, before the optimizers see them
            model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # documented; the stubs omit it
        self.optimizers = model.configure_optimizers(cfg)
        self.min_last = max(2, self.dist.world_size)
        self.steps_per_epoch = len(batch_slices(len(train), cfg.batch_size, self.min_last))
        self.lengths = model.sequence_lengths(train.X)      # padded sequences: batch by length
        scheds = [build_scheduler(o, cfg, self.steps_per_epoch) for o in self.optimizers]
        self.schedulers = [s for s, _ in scheds if s is not None]
        self.sched_unit = scheds[0][1] if scheds else "epoch"
        self.step_fn: Callable[[Any], dict[str, torch.Tensor]] = model.training_step
        if self.dist.enabled:
            if not model.automatic_optimization:
                raise ConfigError(
                    f"{model.model_id} learns by its own rule, not by gradients; --nproc needs "
                    "a gradient-trained model")
            from torch.nn.parallel import DistributedDataParallel as DDP

            ids = [self.device.index] if self.device.type == "cuda" else None
            self.step_fn = DDP(_StepModule(model), device_ids=ids)
        if cfg.batch_size % self.dist.world_size:
            raise ConfigError(f"batch_size {cfg.batch_size} must be divisible by the "
                              f"{self.dist.world_size} processes")

    # -- checkpoints -----------------------------------------------------------------------

    def checkpoint(self) -> None:
        """Write the checkpoint (rank 0 only) atomically."""
        if self.run is None or not self.dist.is_main:
            return
        tensors = prefixed("model", self.model.state_dict())
        opt_meta = []
        for i, opt in enumerate(self.optimizers):
            t, m = optimizer_state(opt)
            tensors.update(prefixed(f"optim.{i}", t))
            opt_meta.append(m)
        rng_t, rng_m = rng_state()
        tensors.update(prefixed("rng", rng_t))
        state = {**self.state, "progress": self.progress.__dict__, "optimizers": opt_meta,
                 "schedulers": [s.state_dict() for s in self.schedulers], "rng": rng_m}
        self.run.save_checkpoint(tensors, state)

    def restore(self, path: Path) -> None:
        """Load a checkpoint into the model, optimizers, schedulers, RNGs and progress."""
        tensors, state = load_checkpoint(path)
        for key in ("model", "recipe"):
            want, got = self.state.get(key), state.get(key)
            if want is not None and got != want:
                raise CheckpointError(f"checkpoint {path} holds {key} {got!r}, not {want!r}")
        try:
            self.model.load_state_dict(unprefixed("model", tensors))
            for i, (opt, meta) in enumerate(zip(self.optimizers, state["optimizers"])):
                load_optimizer_state(opt, unprefixed(f"optim.{i}", tensors), meta)
            for s, sd in zip(self.schedulers, state["schedulers"]):
                s.load_state_dict(sd)
            set_rng_state(unprefixed("rng", tensors), state["rng"])
            self.progress = Progress(**state["progress"])
        except (KeyError, RuntimeError, ValueError, TypeError) as e:
            raise CheckpointError(f"checkpoint {path} does not fit this model ({e})") from None
        best = RunDir(path.parent).best_path
        if self.cfg.restore_best and best.exists():
            self.best_state = unprefixed("model", load_checkpoint(best)[0])

    def restore_best(self) -> int:
        """Load the weights of the best validation epoch into the model (when
        ``cfg.restore_best`` and an epoch was scored); return the epoch whose weights the
        model now holds (1-based)."""
        if self.cfg.restore_best and self.best_state is not None:
            self.model.load_state_dict(self.best_state)
            return self.progress.best_epoch
        return self.progress.epoch

    def _keep_best(self) -> None:
        self.best_state = {k: v.detach().to("cpu", copy=True)
                           for k, v in self.model.state_dict().items()}
        if self.run is not None and self.dist.is_main:
            self.run.save_best(prefixed("model", self.best_state),
                               {**self.state, "epoch": self.progress.epoch + 1})

    # -- the iterative path ----------------------------------------------------------------

    def _batches(self, epoch: int, start: int
                 ) -> Iterator[tuple[torch.Tensor, torch.Tensor | None, float]]:
        """This process's share of each global batch, and the weight of its loss.

        DDP averages the processes' gradients; weighting each process's mean loss by
        ``world * n_rank / n_global`` makes that average the gradient of the global batch's
        mean loss even when the shares differ in size (the last batch).

        Padded sequences (``self.lengths`` not None) come in the length-bucketed order of
        :func:`~nnzoo.core.loop.epoch_order`, each share cut to its longest sequence.

        Augmentation (``cfg.augment``) draws for the whole global batch ``b`` of the epoch
        from :func:`~nnzoo.core.augment.batch_generator` ``(seed, epoch, b)``, and each
        process applies its share's rows, so the draws depend neither on the process count
        nor on where a resumed run restarted.
        """
        n, lengths = len(self.train_data), self.lengths
        order = epoch_order(n, self.seed, epoch, lengths=lengths, batch_size=self.cfg.batch_size)
        slices = batch_slices(n, self.cfg.batch_size, self.min_last)
        r, w = self.dist.rank, self.dist.world_size
        for b, sl in enumerate(slices[start:], start):
            idx = order[sl][r::w]  # this process's share of the global batch
            weight = w * len(idx) / (sl.stop - sl.start)
            x, y = _cut(self.train_data.X[idx], _take(self.train_data.y, idx, self.device),
                        None if lengths is None else lengths[idx])
            x = x.to(self.device, non_blocking=True)
            if self.augment.active:
                x = augment_batch(x, self.augment, batch_generator(self.seed, epoch, b),
                                  total=sl.stop - sl.start, share=slice(r, None, w))
            yield _layout(x, self.cfg.channels_last), y, weight

    def fit(self, until_epoch: int | None = None) -> dict[str, Any]:
        """Train until ``cfg.epochs`` (or ``until_epoch``, to train in stages) or early
        stopping; return the last epoch's record."""
        cfg, p = self.cfg, self.progress
        last = min(cfg.epochs, until_epoch or cfg.epochs)
        self.model.train()
        if p.step == 0 and p.batch == 0:
            self.model.on_fit_start(self.train_data.X.to(self.device), self.seed)
        record: dict[str, Any] = {}
        autocast = _autocast(self.device, self.amp)
        while p.epoch < last and not p.stopped_early:
            t_epoch = time.perf_counter()
            bar = progress(self._batches(p.epoch, p.batch), total=self.steps_per_epoch,
                           initial=p.batch, desc=f"epoch {p.epoch + 1}/{cfg.epochs}",
                           quiet=self.quiet or not self.dist.is_main, unit="batch")
            for x, y, weight in bar:
                t0 = time.perf_counter()
                out = optimize(self.step_fn, (x, y), self.optimizers,
                               automatic=self.model.automatic_optimization, autocast=autocast,
                               loss_scale=weight, clip=cfg.grad_clip)
                if self.sched_unit == "step":
                    for s in self.schedulers:
                        s.step()
                for k, v in out.items():
                    p.running[k] = p.running.get(k, 0.0) + float(v) * len(x)
                p.seen += len(x)
                p.step += 1
                p.batch += 1
                p.train_time += time.perf_counter() - t0
                if p.step % LOG_EVERY == 0 or p.batch == self.steps_per_epoch:
                    means = {k: v / p.seen for k, v in p.running.items()}
                    bar.set_postfix({k: f"{v:.4g}" for k, v in means.items()})
                    if p.step % LOG_EVERY == 0:
                        self._log({"kind": "step", "epoch": p.epoch + 1, "step": p.step,
                                   **{f"train_{k}": v for k, v in means.items()}})
                if cfg.checkpoint_every and p.step % cfg.checkpoint_every == 0 \
                        and p.batch < self.steps_per_epoch:
                    self.checkpoint()
            bar.close()
            record = self._end_epoch(epoch_time=time.perf_counter() - t_epoch)
        return record

    def _end_epoch(self, epoch_time: float | None = None) -> dict[str, Any]:
        p = self.progress
        train = {f"train_{k}": v / max(1, p.seen) for k, v in p.running.items()}
        broadcast_buffers(self.model, self.dist)
        val = {f"val_{k}": v for k, v in evaluate(
            self.model, self.val_data, batch_size=self.cfg.eval_batch_size, device=self.device,
            amp=self.amp, channels_last=self.cfg.channels_last).items()}
        lr = self.optimizers[0].param_groups[0]["lr"] if self.optimizers else None
        if self.sched_unit == "epoch":
            for s in self.schedulers:
                s.step()
        score = val.get(f"val_{self.metric}")
        if score is not None and not math.isnan(score):
            better = p.best is None or (score > p.best if self.higher else score < p.best)
            if better:
                p.best, p.best_epoch, p.bad_epochs = score, p.epoch + 1, 0
                if self.cfg.restore_best:
                    self._keep_best()
            else:
                p.bad_epochs += 1
                p.stopped_early = bool(self.cfg.patience) and p.bad_epochs >= self.cfg.patience
        if self.cfg.max_time and p.train_time >= self.cfg.max_time:
            p.stopped_early = True  # the time budget is spent
        record = {"kind": "epoch", "epoch": p.epoch + 1, "step": p.step, **train, **val,
                  "lr": lr, "epoch_time": epoch_time, "train_time": p.train_time}
        self._log(record)
        p.epoch, p.batch, p.running, p.seen = p.epoch + 1, 0, {}, 0
        self.checkpoint()
        return record

    def _log(self, record: dict[str, Any]) -> None:
        if self.run is not None and self.dist.is_main:
            self.run.log(record)

    # -- the closed-form path --------------------------------------------------------------

    def fit_closed_form(self) -> dict[str, Any]:
        """Fit the model in one call on the whole training split, then evaluate."""
        if not isinstance(self.model, ClosedForm):
            raise ConfigError(f"{self.model.model_id} has no closed-form fit(X, y); it trains "
                              "by steps (Trainer.fit)")
        if self.augment.active or self.cfg.label_smoothing:
            raise ConfigError(f"{self.model.model_id} fits in closed form on the whole training "
                              "split, without batches or a cross-entropy: augment and "
                              "label_smoothing do not apply (set augment=none, "
                              "label_smoothing=0)")
        t0 = time.perf_counter()
        data = self.train_data
        self.model.fit(data.X.to(self.device), _take(data.y, slice(None), self.device))
        p = self.progress
        p.train_time = time.perf_counter() - t0
        p.seen = len(self.train_data)
        p.running = {k: v * p.seen for k, v in evaluate(
            self.model, self.train_data, batch_size=self.cfg.eval_batch_size,
            device=self.device).items()}
        p.epoch = self.cfg.epochs - 1
        return self._end_epoch()
