"""Hyperparameter dataclasses: typed fields, ``--set key=value`` parsing and validation.

Every model has a config dataclass (nanoGPT style) and every run a :class:`TrainConfig`.
A ``--set`` override is parsed against the field's type hint (``int``, ``float``, ``bool``,
``str``, ``Literal[...]`` choices, ``tuple[int, ...]``) and the dataclass's
``__post_init__`` checks ranges, so a bad value fails before any work starts.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import torch

from nnzoo.core.augment import parse_augment
from nnzoo.core.errors import ConfigError, UnknownNameError

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def coerce(tp: Any, raw: Any, key: str) -> Any:
    """Parse ``raw`` (a string from the command line, or a value) as type ``tp``."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        none = raw is None or (isinstance(raw, str) and raw.lower() in ("none", "null"))
        if none and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return coerce(a, raw, key)
            except ConfigError as e:
                errors.append(str(e))
        raise ConfigError(errors[0] if errors else f"{key}: cannot parse {raw!r}")
    if origin is Literal:
        val = raw
        if isinstance(raw, str):
            val = raw.strip()
        if val not in args:
            raise ConfigError(f"{key} must be one of {', '.join(map(str, args))}; got {raw!r}")
        return val
    if origin in (tuple, list):
        elem = args[0] if args else str
        if isinstance(raw, str):
            parts = [p for p in raw.replace("(", "").replace(")", "").split(",") if p.strip()]
        elif isinstance(raw, (list, tuple)):
            parts = list(raw)
        else:
            parts = [raw]
        return tuple(coerce(elem, p, key) for p in parts)
    if tp is bool:
        if isinstance(raw, bool):
            return raw
        s = str(raw).strip().lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
        raise ConfigError(f"{key} must be true or false, got {raw!r}")
    if tp in (int, float):
        if isinstance(raw, bool):
            raise ConfigError(f"{key} must be a number, got {raw!r}")
        try:
            val = float(raw) if tp is float else _as_int(raw)
        except (TypeError, ValueError):
            kind = "an integer" if tp is int else "a number"
            raise ConfigError(f"{key} must be {kind}, got {raw!r}") from None
        if tp is float and val != val:
            raise ConfigError(f"{key} must be a number, got {raw!r}")
        return val
    if tp is str:
        return str(raw)
    return raw


def _as_int(raw: Any) -> int:
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValueError(raw)
        return int(raw)
    s = str(raw).strip()
    return int(float(s)) if "e" in s.lower() and float(s).is_integer() else int(s)


def field_types(cls: type) -> dict[str, Any]:
    """The resolved type hint of each field of dataclass ``cls``."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls) if f.init}


def build_config(cls: type[T], values: dict[str, Any] | None = None, *, what: str = "") -> T:
    """Instantiate dataclass ``cls`` from ``values`` (strings or typed), with clear errors."""
    types_ = field_types(cls)
    kwargs = {}
    for key, raw in (values or {}).items():
        if key not in types_:
            raise UnknownNameError(f"hyperparameter{' of ' + what if what else ''}", key, types_)
        kwargs[key] = coerce(types_[key], raw, key)
    try:
        return cls(**kwargs)
    except TypeError as e:
        raise ConfigError(f"{what or cls.__name__}: {e}") from None


def replace_config(cfg: T, values: dict[str, Any], *, what: str = "") -> T:
    """A copy of dataclass instance ``cfg`` with ``values`` parsed and applied."""
    return build_config(type(cfg), {**config_dict(cfg), **values}, what=what)


def config_dict(cfg: Any) -> dict[str, Any]:
    """A dataclass instance as a plain dict (tuples kept), only init fields."""
    return {f.name: getattr(cfg, f.name) for f in dataclasses.fields(cfg) if f.init}


def parse_overrides(items: list[str] | None) -> dict[str, str]:
    """Parse ``["lr=0.1", "hidden=64,32"]`` into a dict, rejecting malformed items."""
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, val = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set expects key=value, got {item!r}")
        out[key.strip()] = val.strip()
    return out


def require(cond: bool, message: str) -> None:
    """Raise :class:`ConfigError` with ``message`` unless ``cond`` holds."""
    if not cond:
        raise ConfigError(message)


@dataclass
class TrainConfig:
    """How a model is trained: the engine's hyperparameters, shared by every recipe.

    :param epochs: passes over the training split.
    :param batch_size: global minibatch size (split across processes with ``--nproc``).
    :param lr: learning rate.
    :param optimizer: ``adam``, ``adamw``, ``sgd`` (with ``momentum``; ``nesterov``) or
        ``adadelta`` (Zeiler 2012, rho 0.95 and epsilon 1e-6 as Kim 2014; ``lr`` scales the
        step, 1.0 is the paper's).
    :param momentum: SGD momentum.
    :param nesterov: SGD with Nesterov momentum (Sutskever et al. 2013, in torch's form):
        ``v <- mu v + g``, ``p <- p - lr (g + mu v)``, where plain momentum steps
        ``p <- p - lr v``; only with ``optimizer="sgd"`` and ``momentum > 0``.
    :param weight_decay: L2 penalty (decoupled for ``adamw``).
    :param decay_norms_and_biases: True: ``weight_decay`` applies to every parameter; False:
        every parameter of fewer than two dimensions (biases, the weights and biases of batch
        and layer norms) goes in a param group with ``weight_decay`` 0, as Goyal et al. 2017
        and nanoGPT, for every model whose optimizer :func:`build_optimizer` builds.
    :param betas: Adam's and AdamW's decay rates of the first and second moment estimates.
    :param scheduler: ``none``, ``cosine`` (to zero over the run, per epoch), ``step`` (x
        ``gamma`` at each of ``milestones``, or every ``step_size`` epochs), ``onecycle``
        (Smith 2018, per step; it has its own warm-up) or ``warmup-cosine`` (per step, as GPT-2
        and nanoGPT: ``lr (s + 1) / (w + 1)`` for the first ``w = warmup_steps`` steps, then a
        cosine from ``lr`` down to ``min_lr`` at the last step of the run; see
        :func:`warmup_cosine`).
    :param step_size: epochs between decays of the ``step`` scheduler (when ``milestones`` is
        empty).
    :param gamma: the factor of each decay of the ``step`` scheduler.
    :param milestones: epoch counts (increasing, >= 1) after which the ``step`` scheduler
        multiplies the rate by ``gamma`` (``(100, 150)``: epochs 1-100 at ``lr``, 101-150 at
        ``gamma lr``, then ``gamma^2 lr``; He et al. 2016's CIFAR ResNets decay at 32k and
        48k iterations); empty: after every ``step_size`` epochs.
    :param warmup_steps: linear warm-up steps: of ``warmup-cosine``, and of ``none``,
        ``cosine`` and ``step``, whose rate of step ``s`` (0-based) is then multiplied by
        ``(s + 1) / (w + 1)`` while ``s < w`` (the same ramp; the epoch schedule itself is
        unchanged, see :func:`warmup_factor`); not with ``onecycle``.
    :param min_lr: the rate ``warmup-cosine`` decays to.
    :param patience: stop after this many epochs without a better validation metric; 0 = off.
    :param checkpoint_every: also checkpoint every this many steps inside an epoch; 0 = only
        at the end of each epoch.
    :param eval_batch_size: batch size for evaluation.
    :param grad_clip: clip the global gradient norm to this value before each step; 0 = off.
    :param max_time: stop at the end of the epoch in which the training time (optimizer steps,
        not evaluation) passes this many seconds; 0 = no limit.
    :param restore_best: when training ends, load back the weights of the epoch with the best
        validation metric (kept in memory and in the run's ``best.safetensors``), so that the
        test split scores the model that validation chose; False: the last epoch's weights.
    :param label_smoothing: ``e`` in [0, 1): a classifier's training loss becomes
        ``(1 - e) CE(y) + e mean_k(-log p_k)`` (Szegedy et al. 2016), the cross-entropy
        against the target ``(1 - e) onehot(y) + e / K``; its evaluation loss stays the plain
        cross-entropy. Only for models that train on a cross-entropy over classes.
    :param augment: data augmentation of the training batches of images (N, C, H, W):
        ``none``, or ``+``-joined transforms: ``crop<P>`` (pad every side with P zero pixels,
        then cut a random H x W window: He et al. 2016's ``crop4``) and ``flip`` (mirror left
        to right with probability 1/2), drawn per sample from ``(seed, epoch, step)``
        (:mod:`nnzoo.core.augment`); evaluation batches are never augmented.
    :param channels_last: keep the model's 4-d weights and the 4-d batches in
        ``torch.channels_last`` memory format (NHWC strides; the same values), the layout of
        cuDNN's and oneDNN's fastest convolutions; combines with ``--amp``.
    """

    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    optimizer: Literal["adam", "adamw", "sgd", "adadelta"] = "adam"
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 0.0
    decay_norms_and_biases: bool = True
    betas: tuple[float, ...] = (0.9, 0.999)
    scheduler: Literal["none", "cosine", "step", "onecycle", "warmup-cosine"] = "none"
    step_size: int = 10
    gamma: float = 0.1
    milestones: tuple[int, ...] = ()
    warmup_steps: int = 0
    min_lr: float = 0.0
    patience: int = 0
    checkpoint_every: int = 0
    eval_batch_size: int = 1000
    grad_clip: float = 0.0
    max_time: float = 0.0
    restore_best: bool = True
    label_smoothing: float = 0.0
    augment: str = "none"
    channels_last: bool = False

    def __post_init__(self) -> None:
        require(self.epochs >= 1, f"epochs must be >= 1, got {self.epochs}")
        require(self.batch_size >= 1, f"batch_size must be >= 1, got {self.batch_size}")
        require(self.lr > 0, f"lr must be > 0, got {self.lr}")
        require(0 <= self.momentum < 1, f"momentum must be in [0, 1), got {self.momentum}")
        require(self.weight_decay >= 0, f"weight_decay must be >= 0, got {self.weight_decay}")
        require(len(self.betas) == 2 and all(0 <= b < 1 for b in self.betas),
                f"betas must be two numbers in [0, 1), got {self.betas}")
        require(not self.nesterov or (self.optimizer == "sgd" and self.momentum > 0),
                "nesterov needs optimizer=sgd and momentum > 0, got optimizer="
                f"{self.optimizer} and momentum={self.momentum}")
        require(self.step_size >= 1, f"step_size must be >= 1, got {self.step_size}")
        require(0 < self.gamma <= 1, f"gamma must be in (0, 1], got {self.gamma}")
        require(all(m >= 1 for m in self.milestones)
                and all(a < b for a, b in zip(self.milestones, self.milestones[1:])),
                f"milestones must be increasing epochs >= 1, got {self.milestones}")
        require(not (self.warmup_steps and self.scheduler == "onecycle"),
                "warmup_steps does not apply to onecycle (it warms up by itself, over the "
                "first 30% of the run); set warmup_steps=0")
        require(self.warmup_steps >= 0, f"warmup_steps must be >= 0, got {self.warmup_steps}")
        require(0 <= self.min_lr <= self.lr, f"min_lr must be in [0, lr = {self.lr:g}], got "
                f"{self.min_lr}")
        require(self.patience >= 0, f"patience must be >= 0, got {self.patience}")
        require(self.checkpoint_every >= 0,
                f"checkpoint_every must be >= 0, got {self.checkpoint_every}")
        require(self.eval_batch_size >= 1,
                f"eval_batch_size must be >= 1, got {self.eval_batch_size}")
        require(self.grad_clip >= 0, f"grad_clip must be >= 0, got {self.grad_clip}")
        require(self.max_time >= 0, f"max_time must be >= 0 seconds, got {self.max_time}")
        require(0 <= self.label_smoothing < 1,
                f"label_smoothing must be in [0, 1), got {self.label_smoothing}")
        parse_augment(self.augment)  # a ConfigError listing the known transforms


#: Parameter dtypes that Adam and AdamW update with torch's fused CPU kernel.
FUSED_DTYPES = (torch.float32, torch.float64)


def _tensors(params: list[Any]) -> list[torch.Tensor]:
    """The tensors of ``params``: plain tensors, or those of param-group dicts."""
    out: list[torch.Tensor] = []
    for p in params:
        if isinstance(p, dict):
            ps = p.get("params", [])
            out.extend([ps] if isinstance(ps, torch.Tensor) else ps)
        else:
            out.append(p)
    return out


def fused_applies(params: list[torch.Tensor]) -> bool:
    """Whether Adam over ``params`` runs as torch's fused CPU kernel: every parameter a
    dense CPU tensor of a :data:`FUSED_DTYPES` dtype (CUDA keeps torch's default
    multi-tensor path, other dtypes the single-tensor one)."""
    return bool(params) and all(
        isinstance(p, torch.Tensor) and p.device.type == "cpu" and p.layout == torch.strided
        and p.dtype in FUSED_DTYPES for p in params)


def _same_layout(t: torch.Tensor, p: torch.Tensor) -> bool:
    """Whether ``t`` is laid out in memory as parameter ``p`` (both contiguous: the fast
    test; otherwise the same strides)."""
    return (t.is_contiguous() and p.is_contiguous()) or t.stride() == p.stride()


def match_grad_layouts(opt: torch.optim.Optimizer, *_: Any) -> None:
    """Give every gradient of ``opt``'s parameters its parameter's strides (a step pre-hook
    of the fused optimizers; see :func:`match_state_layouts` for why).

    Gradients from autograd already follow their parameter's layout, so this copies only a
    gradient assigned by hand with other strides (a transposed matrix, say), and otherwise
    costs one contiguity test per parameter.
    """
    for group in opt.param_groups:
        for p in group["params"]:
            g = p.grad
            if g is not None and not _same_layout(g, p):
                p.grad = torch.empty_like(p).copy_(g)


def match_state_layouts(opt: torch.optim.Optimizer, *_: Any) -> None:
    """Give every per-parameter state tensor of ``opt`` (Adam's moments) its parameter's
    strides (a ``load_state_dict`` post-hook of the fused optimizers).

    torch's fused CPU Adam kernel walks the parameter, its gradient and both moments as flat
    arrays, element ``i`` of each at offset ``i`` in memory, whatever their strides. A
    checkpoint stores tensors contiguous, so the moments of a channels-last parameter (the
    CNN's) come back in the other layout, and the kernel would pair each weight with another
    weight's moments. Copying them into the parameter's layout once, when they are loaded,
    makes element ``i`` the same element everywhere.
    """
    for group in opt.param_groups:
        for p in group["params"]:
            state = opt.state.get(p)
            if state is None:
                continue
            for key, val in state.items():
                if isinstance(val, torch.Tensor) and val.shape == p.shape \
                        and not _same_layout(val, p):
                    state[key] = torch.empty_like(p).copy_(val)


def decay_groups(params: list[Any], cfg: TrainConfig) -> list[Any]:
    """``params`` (tensors or param-group dicts) with weight decay taken off the parameters
    of fewer than two dimensions when ``cfg.decay_norms_and_biases`` is False.

    Each group whose weight decay (its own ``weight_decay``, else ``cfg.weight_decay``) is
    not zero is split in two: its matrices and kernels (``p.dim() >= 2``) keep it, its
    vectors and scalars (biases, batch- and layer-norm weights and biases) get a group of
    their own with ``weight_decay`` 0; the other keys of the group go to both. With
    ``decay_norms_and_biases`` True (the default), or no decay, ``params`` is returned as it
    is. Empty groups are dropped.
    """
    if cfg.decay_norms_and_biases:
        return params
    groups = [p if isinstance(p, dict) else {"params": [p]} for p in params]
    out: list[Any] = []
    for g in groups:
        ps = g["params"]
        ps = [ps] if isinstance(ps, torch.Tensor) else list(ps)
        if g.get("weight_decay", cfg.weight_decay) == 0:
            out.append({**g, "params": ps})
            continue
        out.append({**g, "params": [p for p in ps if p.dim() >= 2]})
        out.append({**g, "params": [p for p in ps if p.dim() < 2], "weight_decay": 0.0})
    return [g for g in out if g["params"]]


def build_optimizer(params: Any, cfg: TrainConfig) -> torch.optim.Optimizer:
    """The optimizer ``cfg`` names, over ``params`` (tensors or param-group dicts), with
    weight decay on every parameter, or (``decay_norms_and_biases=False``) on those of two
    dimensions or more only (:func:`decay_groups`).

    Adam and AdamW over CPU parameters of :data:`FUSED_DTYPES` run as torch's fused kernel
    (``fused=True``: one pass over each parameter instead of about ten elementwise
    operations; the same update rule, equal to the single-tensor one to float rounding),
    with :func:`match_grad_layouts` as a step pre-hook and :func:`match_state_layouts` as
    a ``load_state_dict`` post-hook, so that the kernel's flat-memory walk pairs the right
    elements, also after a checkpoint is restored. Elsewhere (CUDA, other
    dtypes) they are torch's defaults.
    """
    params = decay_groups(list(params), cfg)   # an iterator is read once
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum,
                               weight_decay=cfg.weight_decay, nesterov=cfg.nesterov)
    if cfg.optimizer == "adadelta":
        return torch.optim.Adadelta(params, lr=cfg.lr, rho=0.95, eps=1e-6,
                                    weight_decay=cfg.weight_decay)
    cls = torch.optim.AdamW if cfg.optimizer == "adamw" else torch.optim.Adam
    betas = (float(cfg.betas[0]), float(cfg.betas[1]))
    if not fused_applies(_tensors(params)):
        return cls(params, lr=cfg.lr, betas=betas, weight_decay=cfg.weight_decay)
    opt = cls(params, lr=cfg.lr, betas=betas, weight_decay=cfg.weight_decay, fused=True)
    opt.register_step_pre_hook(match_grad_layouts)
    opt.register_load_state_dict_post_hook(match_state_layouts)
    return opt


def build_scheduler(
    opt: torch.optim.Optimizer, cfg: TrainConfig, steps_per_epoch: int
) -> tuple[torch.optim.lr_scheduler.LRScheduler | None, str]:
    """The scheduler ``cfg`` names and whether it steps per ``"epoch"`` or per ``"step"``.

    Without warm-up, ``cosine`` and ``step`` are torch's per-epoch schedulers
    (``CosineAnnealingLR``; ``StepLR``, or ``MultiStepLR`` at ``milestones``). With
    ``warmup_steps`` they, and ``none``, become one per-step ``LambdaLR`` of
    :func:`warmup_factor`, whose rate after the warm-up is the per-epoch one.
    """
    if cfg.warmup_steps and cfg.scheduler in ("none", "cosine", "step"):
        lam = functools.partial(warmup_factor, warmup=cfg.warmup_steps,
                                steps_per_epoch=max(1, steps_per_epoch), scheduler=cfg.scheduler,
                                epochs=cfg.epochs, step_size=cfg.step_size, gamma=cfg.gamma,
                                milestones=tuple(cfg.milestones))
        return torch.optim.lr_scheduler.LambdaLR(opt, lam), "step"
    if cfg.scheduler == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.epochs), "epoch"
    if cfg.scheduler == "step":
        if cfg.milestones:
            return torch.optim.lr_scheduler.MultiStepLR(
                opt, milestones=list(cfg.milestones), gamma=cfg.gamma), "epoch"
        return (torch.optim.lr_scheduler.StepLR(opt, step_size=cfg.step_size, gamma=cfg.gamma),
                "epoch")
    if cfg.scheduler == "onecycle":
        total = max(1, cfg.epochs * steps_per_epoch)
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=total), "step"
    if cfg.scheduler == "warmup-cosine":
        total = max(1, cfg.epochs * steps_per_epoch)
        lam = functools.partial(_warmup_cosine_factor, warmup=cfg.warmup_steps, total=total,
                                floor=cfg.min_lr / cfg.lr)
        return torch.optim.lr_scheduler.LambdaLR(opt, lam), "step"
    return None, "epoch"


def epoch_factor(epoch: int, *, scheduler: str, epochs: int, step_size: int, gamma: float,
                 milestones: tuple[int, ...]) -> float:
    """The per-epoch schedule's rate in epoch ``epoch`` (0-based), as a factor of ``lr``:

    - ``none``: 1;
    - ``cosine``: ``(1 + cos(pi e / E)) / 2`` over ``E = epochs`` (``CosineAnnealingLR``'s
      closed form with ``eta_min = 0``);
    - ``step``: ``gamma^n``, ``n`` the milestones ``m <= e`` (``MultiStepLR``), or
      ``n = e // step_size`` without milestones (``StepLR``).
    """
    if scheduler == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * epoch / epochs))
    if scheduler == "step":
        n = sum(m <= epoch for m in milestones) if milestones else epoch // step_size
        return float(gamma ** n)
    return 1.0


def warmup_factor(step: int, *, warmup: int, steps_per_epoch: int, scheduler: str,
                  epochs: int, step_size: int, gamma: float, milestones: tuple[int, ...]
                  ) -> float:
    """The rate of step ``step`` (0-based) of a per-epoch schedule with a linear warm-up, as
    a factor of ``lr`` (``LambdaLR``'s lambda; a module-level function, so that a partial of
    it pickles with the scheduler's state):

    ``min(1, (s + 1) / (w + 1)) * epoch_factor(s // steps_per_epoch)``

    The ramp is :func:`warmup_cosine`'s (``lr / (w + 1)`` at the first step, ``lr`` at step
    ``w``); it multiplies the epoch schedule (:func:`epoch_factor`), which is 1 in the first
    epoch, so a warm-up shorter than an epoch ends at ``lr`` exactly, and the epochs after it
    follow the same rates as without warm-up.
    """
    ramp = warmup_cosine(step, 1.0, 1.0, warmup, warmup) if step < warmup else 1.0
    return ramp * epoch_factor(step // steps_per_epoch, scheduler=scheduler, epochs=epochs,
                               step_size=step_size, gamma=gamma, milestones=milestones)


def warmup_cosine(step: int, lr: float, min_lr: float, warmup: int, total: int) -> float:
    """The learning rate of step ``step`` (0-based) under ``warmup-cosine`` (GPT-2's and
    nanoGPT's ``get_lr``):

    - warm-up, ``s < w``: ``lr (s + 1) / (w + 1)``;
    - decay, ``w <= s <= total``: ``r = (s - w) / (total - w)``,
      ``min_lr + (1 + cos(pi r)) / 2 (lr - min_lr)``;
    - after ``total`` steps: ``min_lr``.
    """
    if step < warmup:
        return lr * (step + 1) / (warmup + 1)
    if step > total:
        return min_lr
    r = (step - warmup) / max(1, total - warmup)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * r)) * (lr - min_lr)


def _warmup_cosine_factor(step: int, *, warmup: int, total: int, floor: float) -> float:
    """:func:`warmup_cosine` as a factor of the base rate (``LambdaLR``'s lambda; a partial of
    a module-level function, so the scheduler's state is picklable)."""
    return warmup_cosine(step, 1.0, floor, warmup, total)


__all__ = [
    "FUSED_DTYPES", "TrainConfig", "build_config", "build_optimizer", "build_scheduler",
    "config_dict", "decay_groups", "epoch_factor", "field_types", "fused_applies",
    "match_grad_layouts",
    "match_state_layouts", "parse_overrides",
    "replace_config", "require", "warmup_cosine", "warmup_factor",
]
