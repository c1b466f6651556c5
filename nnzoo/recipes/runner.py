"""Running a recipe: what ``nnzoo train``, ``--resume`` and ``nnzoo eval`` do.

``train`` resolves the recipe and the overrides into a :class:`RunConfig` (``--set lr=0.01``
becomes ``RunConfig.train.lr``, which :func:`~nnzoo.core.config.build_optimizer` reads), loads
the dataset, builds the model from the dataset's sample shape and classes
(:func:`build_model`), creates the run folder, writes the config as ``config.json``, drives the
engine, loads back the weights of the best validation epoch (``restore_best``, on by
default), evaluates them on the test split, writes ``summary.json`` and the plots, and returns
the summary. ``resume`` rebuilds the same run from its ``config.json`` and continues from its
last checkpoint. ``evaluate_run`` reloads a finished or interrupted run and scores it (the
best validation epoch's weights, ``best.safetensors``, when the run keeps them).

A reinforcement-learning agent (``learning="environment"``) goes through the same three
functions, with :mod:`nnzoo.train.environment`'s loop in place of the engine: its recipe names
an environment id and :class:`~nnzoo.train.environment.RLConfig` settings; its run folder holds
the same ``config.json``, ``metrics.jsonl`` (episode, log and evaluation lines), checkpoint,
``summary.json`` (the final agent's evaluation return, mean and std, steps, training time, the
return curve) and ``plots/`` (the return curve and the agent's own pictures); :func:`play`
renders a trained agent's episodes to a GIF or MP4.
"""

from __future__ import annotations

import dataclasses
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

import nnzoo
from nnzoo.core import plots
from nnzoo.core.config import TrainConfig, build_config, coerce, config_dict
from nnzoo.core.device import check_threads, resolve_device, threads_for_work, using_threads
from nnzoo.core.errors import (
    CheckpointError,
    ConfigError,
    InputError,
    UnknownNameError,
    UsageError,
)
from nnzoo.core.io import load_checkpoint, unprefixed
from nnzoo.core.rundir import RunDir
from nnzoo.core.seed import isolated_rng, seed_everything
from nnzoo.data import load_dataset
from nnzoo.data.base import Splits
from nnzoo.data.registry import canonical_name, dataset_parameters
from nnzoo.models import create, get_spec
from nnzoo.models.base import Classifier, ZooModule
from nnzoo.models.rl.agent import Agent
from nnzoo.recipes.base import DATA_FIELDS, Recipe, get_recipe, is_agent, run_config_class
from nnzoo.train.distributed import DistContext, init_from_env, shutdown
from nnzoo.train.engine import Trainer, confusion_matrix, evaluate
from nnzoo.train.environment import (
    RLConfig,
    RLResult,
    build_agent,
    evaluate_agent,
    load_agent_checkpoint,
    render_episodes,
    train_agent,
)


@dataclass
class RunOptions:
    """How to run (not what): seed, device, precision, output folder, verbosity.

    :param seed: seeds initialisation, dropout and the data order.
    :param device: ``auto``, ``cpu`` or ``cuda``.
    :param amp: bf16 autocast.
    :param compile: ``torch.compile`` the model.
    :param out: the folder that holds run folders.
    :param quiet: no progress bars.
    :param threads: torch's intra-op threads while the run computes: a count, ``"auto"``
        (one thread when a training step is tiny, every core otherwise:
        :func:`run_threads`), or ``None`` to leave the count as it is (the library's
        default; ``nnzoo train`` passes ``"auto"``). The caller's count is restored after.
    """

    seed: int = 0
    device: str = "auto"
    amp: bool = False
    compile: bool = False
    out: str = "runs"
    quiet: bool = False
    threads: int | str | None = None

    def __post_init__(self) -> None:
        if self.threads != "auto":
            check_threads(self.threads)  # type: ignore[arg-type]


@dataclass(frozen=True)
class RunConfig:
    """What a run is: the run folder's ``config.json``, typed.

    :meth:`to_json` writes, and :meth:`from_json` reads, the same JSON object as before this
    class existed (same keys, same order), so older run folders resume and evaluate.

    :param model: model id.
    :param recipe: recipe name.
    :param dataset: dataset id (canonical name).
    :param dataset_args: keyword arguments of the dataset's loader.
    :param model_hp: the model's hyperparameters without the fields the dataset decides
        (``DATA_FIELDS``; an agent's: without ``ENV_FIELDS`` either); :func:`build_model`
        (an agent's: :func:`~nnzoo.train.environment.build_agent`) adds those and parses the
        rest.
    :param train: the engine's hyperparameters (an agent's: the loop's :class:`RLConfig`).
    :param metric: the validation metric that picks the best epoch.
    :param higher_is_better: direction of ``metric``.
    :param seed: seeds initialisation, dropout and the data order.
    :param device: ``auto``, ``cpu`` or ``cuda``, as asked.
    :param amp: bf16 autocast.
    :param compile: ``torch.compile`` the model.
    :param world_size: processes that trained the run.
    :param versions: versions of nnzoo, torch, NumPy and Python that made the run.
    :param git_revision: the source checkout's commit, when there was one.
    :param command: the command line.
    :param created: when the run started (ISO 8601).
    """

    model: str
    recipe: str
    dataset: str
    dataset_args: dict[str, Any]
    model_hp: dict[str, Any]
    train: TrainConfig | RLConfig
    metric: str
    higher_is_better: bool
    seed: int
    device: str
    amp: bool
    compile: bool
    world_size: int = 1
    versions: dict[str, str] = field(default_factory=dict)
    git_revision: str | None = None
    command: str = ""
    created: str = ""

    def to_json(self) -> dict[str, Any]:
        """The JSON object of ``config.json`` (``train`` as a plain dict)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["train"] = config_dict(self.train)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any], source: str = "run config") -> RunConfig:
        """Read :meth:`to_json`'s object (``dataset_args`` may be missing: runs written before
        it existed); unknown keys are ignored.

        :raises CheckpointError: when a key the run needs is missing or ``train`` is not an
            object.
        """
        need = [f.name for f in dataclasses.fields(cls)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
                and f.name != "dataset_args"]
        missing = [k for k in need if k not in data]
        if missing:
            raise CheckpointError(f"{source} lacks {', '.join(map(repr, missing))}")
        if not isinstance(data["train"], dict) or not isinstance(data["model_hp"], dict):
            raise CheckpointError(f"{source}: 'train' and 'model_hp' must be JSON objects")
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["dataset_args"] = dict(data.get("dataset_args") or {})
        try:
            train_cls = run_config_class(str(data["model"]))
        except UnknownNameError:
            train_cls = TrainConfig  # a model this install lacks: the loading fails later
        values["train"] = build_config(train_cls, data["train"])
        return cls(**values)


def _git_revision() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5, cwd=Path(__file__).resolve().parent)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _versions() -> dict[str, str]:
    return {"nnzoo": nnzoo.__version__, "torch": torch.__version__, "numpy": np.__version__,
            "python": platform.python_version()}


def _dataset_tags(splits: Splits) -> tuple[str, ...] | None:
    """The tag set a tagging dataset carries in ``meta["tags"]``; None when it has none."""
    tags = splits.meta.get("tags")
    if tags is None:
        return None
    if not isinstance(tags, (list, tuple)) or not all(isinstance(t, str) for t in tags):
        raise InputError(f"dataset {splits.name!r}: meta['tags'] must be a sequence of tag "
                         f"names, got {tags!r}")
    return tuple(tags)


def build_model(model_id: str, model_hp: dict[str, Any], splits: Splits, seed: int = 0,
                device: torch.device | None = None, compile: bool = False) -> ZooModule[Any]:
    """Model ``model_id`` as a run builds it for dataset ``splits``.

    The fields the dataset decides (``DATA_FIELDS``: ``sample_shape``, ``n_classes``,
    ``vocab_size``, ``n_outputs``, and a tagger's ``tags``) are taken from ``splits``; the
    other hyperparameters from ``model_hp`` (values may be strings, as from ``--set``).

    :param model_id: model id or alias.
    :param model_hp: hyperparameters, e.g. :attr:`RunConfig.model_hp`.
    :param splits: the dataset the model is for.
    :param seed: seeds the initial weights (the global generators are seeded with it).
    :param device: where the model's tensors go (CPU when None).
    :param compile: ``torch.compile`` the model.
    :raises ConfigError: for a classifier on a dataset without classes, or a bad value.
    """
    spec = get_spec(model_id)
    fields = {f.name for f in dataclasses.fields(spec.config)}
    data_hp: dict[str, Any] = {"sample_shape": splits.sample_shape}
    if "n_classes" in fields:
        if splits.task == "regression" and "n_outputs" in fields:
            # a model that does both: n_classes = 0 means regression onto n_outputs targets
            y = splits.train.y
            data_hp["n_classes"] = 0
            data_hp["n_outputs"] = int(np.prod(y.shape[1:])) if y is not None else 1
        elif splits.n_classes is None:
            # a model that classifies in some modes only (the DNC's babi task) validates
            # what its mode needs itself
            if not getattr(spec.config, "classes_optional", False):
                raise ConfigError(f"{model_id} is a classifier; dataset {splits.name!r} is a "
                                  f"{splits.task} task without classes")
        else:  # classes of samples, or of every step of a sequence (a language model)
            data_hp["n_classes"] = splits.n_classes
    if "vocab_size" in fields and "vocab_size" in splits.meta:
        data_hp["vocab_size"] = splits.meta["vocab_size"]
    tags = _dataset_tags(splits)
    if "tags" in fields and tags is not None:  # a tagger takes the dataset's tag set
        data_hp["tags"] = tags
    seed_everything(seed)
    model = create(model_id, **{**model_hp, **data_hp}).to(device or torch.device("cpu"))
    if compile:
        model.compile()
    return model


def train(model: str, recipe: str | None = None, *, dataset: str | None = None,
          overrides: dict[str, Any] | None = None, options: RunOptions | None = None
          ) -> dict[str, Any]:
    """Train ``model`` with ``recipe`` (its default when None); return the run's summary."""
    opts = options or RunOptions()
    spec = get_spec(model)
    rec = get_recipe(spec.id, recipe)
    if spec.learning == "environment":
        return _execute_agent(_agent_run_config(rec, dataset, overrides or {}, opts), opts,
                              run=None)
    ds_name = canonical_name(dataset) if dataset else rec.dataset
    rest, ds_args = split_overrides(rec, ds_name, overrides or {})
    model_hp, cfg = rec.resolve_run(rest)
    config = RunConfig(
        model=spec.id, recipe=rec.name, dataset=ds_name,
        dataset_args={**(rec.dataset_args if dataset in (None, rec.dataset) else {}),
                      **ds_args},
        model_hp=model_hp, train=cfg, metric=rec.metric,
        higher_is_better=rec.higher_is_better, seed=opts.seed, device=opts.device,
        amp=opts.amp, compile=opts.compile, world_size=1,
        versions=_versions(), git_revision=_git_revision(),
        command=" ".join(["nnzoo", *sys.argv[1:]]),
        created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    )
    return _execute(config, opts, run=None)


def split_overrides(rec: Recipe, dataset: str, overrides: dict[str, Any]
                    ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Route ``--set`` keys: a field of the model's config or of :class:`TrainConfig` goes to
    the recipe (first, as before), any other key that the dataset's loader takes (``target``
    of ``csv:FILE``, ``max_len`` of ``sentences:DIR``...) goes to the dataset, parsed by its
    type hint.

    :returns: ``(model and training overrides, dataset arguments)``.
    :raises UnknownNameError: for a key that none of the three takes (with the closest).
    """
    spec = get_spec(rec.model)
    if spec.learning == "environment":  # an environment takes no loader arguments
        return dict(overrides), {}
    hp = {f.name for f in dataclasses.fields(spec.config) if f.name not in DATA_FIELDS}
    hp |= {f.name for f in dataclasses.fields(TrainConfig)}
    ds_params = dataset_parameters(dataset)
    rest: dict[str, Any] = {}
    ds_args: dict[str, Any] = {}
    for key, val in overrides.items():
        if key in hp:
            rest[key] = val
        elif key in ds_params:
            ds_args[key] = coerce(ds_params[key], val, key)
        else:
            raise UnknownNameError(f"hyperparameter of {spec.id} or argument of dataset "
                                   f"{dataset!r}", key, [*hp, *ds_params])
    return rest, ds_args


def engine_config(config: RunConfig) -> TrainConfig:
    """The engine's :class:`TrainConfig` of a run of a model the engine trains.

    :raises UsageError: for an agent's run (its ``train`` is an :class:`RLConfig`).
    """
    if not isinstance(config.train, TrainConfig):
        raise UsageError(f"{config.model} is a reinforcement-learning agent: its run has no "
                         "engine settings (see nnzoo.train.environment)")
    return config.train


def read_run_config(run: RunDir) -> RunConfig:
    """The :class:`RunConfig` of run folder ``run`` (its ``config.json``)."""
    return RunConfig.from_json(run.read_config(), source=f"run config {run.config_path}")


def resume(run_dir: str | Path, *, options: RunOptions | None = None) -> dict[str, Any]:
    """Continue the run in ``run_dir`` from its last checkpoint (the same config and seed)."""
    run = RunDir.open(run_dir)
    config = read_run_config(run)
    opts = options or RunOptions()
    opts = RunOptions(seed=config.seed, device=config.device, amp=config.amp,
                      compile=config.compile, out=str(run.path.parent), quiet=opts.quiet,
                      threads=opts.threads)
    if is_agent(config.model):
        return _execute_agent(config, opts, run=run)
    return _execute(config, opts, run=run)


def step_work(model: ZooModule[Any], x: torch.Tensor) -> int:
    """Multiply-adds of one training step on the batch ``x``, estimated as three forward
    passes (forward, and a backward of about twice its work).

    The forward's matrix products and convolutions are counted by
    :class:`torch.utils.flop_counter.FlopCounterMode` on ``x`` in evaluation mode, without
    gradients, and with the global generators and the thread count given back afterwards
    (:func:`~nnzoo.core.seed.isolated_rng`), so the count changes nothing of the run. A
    forward that cannot take ``x`` alone, or whose work is not in such operators (fused
    recurrent kernels), is counted as one multiply-add per parameter and sample at least, and
    per parameter and token on token inputs (integer ``x``: a recurrent or convolutional text
    model applies its weights at every position).
    """
    from torch.utils.flop_counter import FlopCounterMode

    flops = 0
    was = model.training
    model.eval()
    try:
        with isolated_rng(None), torch.no_grad(), FlopCounterMode(display=False) as counter:
            model(x)
        flops = counter.get_total_flops()
    except Exception:  # noqa: BLE001 - a model whose forward needs more than x: the bound below
        flops = 0
    finally:
        model.train(was)
    params = sum(p.numel() for p in model.parameters())
    positions = x[0].numel() if len(x) and not x.is_floating_point() else 1
    return 3 * max(flops // 2, params * len(x) * positions)


def run_threads(threads: int | str | None, model: ZooModule[Any], splits: Splits,
                cfg: TrainConfig, device: torch.device) -> int | None:
    """The intra-op thread count a run uses (``None``: leave it as it is).

    ``"auto"`` on the CPU gives one thread when a training step of the recipe's batch is
    tiny, every core when it is big (:func:`~nnzoo.core.device.threads_for_work` of
    :func:`step_work`); on a GPU it leaves the count alone.
    """
    if threads != "auto":
        return check_threads(threads)  # type: ignore[arg-type]
    if device.type != "cpu":
        return None
    x = splits.train.X[:cfg.batch_size].to(device)
    return threads_for_work(step_work(model, x))


def _execute(config: RunConfig, opts: RunOptions, run: RunDir | None) -> dict[str, Any]:
    device = resolve_device(opts.device)
    splits = load_dataset(config.dataset, **config.dataset_args)
    cfg = engine_config(config)
    dist = init_from_env(device)
    if dist.enabled and device.type == "cuda":
        device = torch.device("cuda", dist.local_rank)
    try:
        model = build_model(config.model, config.model_hp, splits, opts.seed, device,
                            opts.compile)
        with using_threads(run_threads(opts.threads, model, splits, cfg, device)):
            return _run(config, opts, run, model, splits, device, dist)
    finally:
        shutdown(dist)


def _run(config: RunConfig, opts: RunOptions, run: RunDir | None, model: ZooModule[Any],
         splits: Splits, device: torch.device, dist: DistContext) -> dict[str, Any]:
    """Train the built model (the thread count already set), score it and finish the run."""
    cfg = engine_config(config)
    resuming = run is not None
    tags = _dataset_tags(splits)
    if "tags" in config.model_hp and tags is not None:  # what build_model used
        config = dataclasses.replace(config, model_hp={**config.model_hp,
                                                       "tags": list(tags)})
    config = dataclasses.replace(config, world_size=dist.world_size)
    if dist.is_main and run is None:
        run = RunDir.create(opts.out, f"{config.model}-{config.recipe}")
        run.write_config(config.to_json())
    trainer = Trainer(
        model, splits.train, splits.val, cfg, seed=opts.seed,
        run=run if dist.is_main else None, device=device, metric=config.metric,
        higher_is_better=config.higher_is_better, amp=opts.amp, quiet=opts.quiet,
        dist=dist, state={"model": config.model, "recipe": config.recipe})
    if resuming and run is not None and run.checkpoint_path.exists():
        trainer.restore(run.checkpoint_path)
        if dist.is_main:
            run.truncate_metrics(trainer.progress.step)
    t0 = time.perf_counter()
    if get_spec(config.model).learning == "closed-form":
        trainer.fit_closed_form()
    else:
        trainer.fit()
    wall = time.perf_counter() - t0
    scored = trainer.restore_best()
    if not dist.is_main or run is None:
        return {}
    return _finish(run, model, splits, cfg, trainer, dist, device, opts, wall, scored)


def _finish(run: RunDir, model: ZooModule[Any], splits: Splits, cfg: TrainConfig,
            trainer: Trainer, dist: DistContext, device: torch.device, opts: RunOptions,
            wall: float, scored: int) -> dict[str, Any]:
    config = read_run_config(run)
    epochs = run.read_metrics("epoch")
    p = trainer.progress
    record = next((e for e in epochs if e["epoch"] == scored), epochs[-1] if epochs else {})
    test = evaluate(model, splits.test, batch_size=cfg.eval_batch_size, device=device,
                    amp=opts.amp, channels_last=cfg.channels_last)
    times = [e["epoch_time"] for e in epochs if e.get("epoch_time")]
    summary = {
        "model": config.model, "recipe": config.recipe, "dataset": splits.name,
        "run_dir": str(run.path), "epochs": len(epochs), "steps": p.step,
        "best_epoch": p.best_epoch, "scored_epoch": scored, "stopped_early": p.stopped_early,
        "val": {k[4:]: v for k, v in record.items() if k.startswith("val_")},
        "test": test, "train_time_s": p.train_time,
        "epoch_time_s": statistics.median(times) if times else None,
        "wall_time_s_this_process": wall, "device": str(device), "world_size": dist.world_size,
        "threads": torch.get_num_threads(),
    }
    run.write_summary(summary)
    plots.learning_curve(epochs, run.plots_dir / "learning_curve.png",
                         f"{config.model} / {config.recipe}")
    if isinstance(model, Classifier) and splits.n_classes:
        cm = confusion_matrix(model, splits.test, splits.n_classes, cfg.eval_batch_size)
        plots.confusion_matrix(cm, run.plots_dir / "confusion_matrix.png", splits.classes,
                               f"{config.model} on {splits.name} test")
    model.visualize(run.plots_dir)
    return summary


def load_run_model(run_dir: str | Path, device: str = "auto"
                   ) -> tuple[RunDir, RunConfig, ZooModule[Any], Splits]:
    """Rebuild the model of a run and load its weights: those of the best validation epoch
    (``best.safetensors``) when the run's ``restore_best`` is on and the file exists, else the
    last checkpoint's."""
    run = RunDir.open(run_dir)
    config = read_run_config(run)
    if is_agent(config.model):
        raise UsageError(f"{run.path} is a run of the agent {config.model}: it has no "
                         "dataset; load it with load_run_agent")
    dev = resolve_device(device)
    splits = load_dataset(config.dataset, **config.dataset_args)
    model = build_model(config.model, config.model_hp, splits, config.seed, dev)
    path = run.checkpoint_path
    if engine_config(config).restore_best and run.best_path.exists():
        path = run.best_path
    tensors, state = load_checkpoint(path)
    if state.get("model") != config.model:
        raise CheckpointError(f"{path} is a checkpoint of {state.get('model')!r}, "
                              f"but this run trains {config.model!r}")
    try:
        model.load_state_dict(unprefixed("model", tensors))
    except RuntimeError as e:
        first = str(e).strip().splitlines()[0]
        raise CheckpointError(f"{path} does not fit {config.model} ({first})") from None
    return run, config, model.eval(), splits


def evaluate_run(run_dir: str | Path, device: str = "auto") -> dict[str, Any]:
    """Validation and test metrics of a run's weights (see :func:`load_run_model`).

    An agent's run: ``test`` holds the mean and std of the return over ``eval_episodes``
    fresh deterministic episodes (:func:`evaluate_agent_run`), and there is no ``val``.
    """
    if is_agent(read_run_config(RunDir.open(run_dir)).model):
        return evaluate_agent_run(run_dir)
    run, config, model, splits = load_run_model(run_dir, device)
    bs = engine_config(config).eval_batch_size
    return {"run_dir": str(run.path), "model": config.model, "recipe": config.recipe,
            "dataset": splits.name,
            "val": evaluate(model, splits.val, batch_size=bs),
            "test": evaluate(model, splits.test, batch_size=bs)}


# ----------------------------------------------------------------- reinforcement-learning agents
def _check_agent_options(model: str, opts: RunOptions) -> None:
    """Refuse the engine's options that an agent's loop does not have.

    :raises ConfigError: for ``--amp``, ``--compile`` or a CUDA device.
    """
    if opts.amp or opts.compile:
        raise ConfigError(f"{model} is a reinforcement-learning agent: --amp and --compile are "
                          "options of the engine's models, not of the environment loop")
    if opts.device not in ("auto", "cpu"):
        raise ConfigError(f"{model} is a reinforcement-learning agent: agents run on the CPU "
                          f"(their networks are tiny beside an environment step); got device "
                          f"{opts.device!r}")


def _agent_run_config(rec: Recipe, env_id: str | None, overrides: dict[str, Any],
                      opts: RunOptions) -> RunConfig:
    """The :class:`RunConfig` of an agent's run: the recipe's environment (or ``env_id``),
    its hyperparameters and :class:`RLConfig` with ``overrides`` applied."""
    _check_agent_options(rec.model, opts)
    if "epochs" in overrides:
        raise ConfigError(f"{rec.model} is a reinforcement-learning agent: it trains for "
                          "environment steps, not epochs; use --set steps=N")
    model_hp, cfg = rec.resolve_run(overrides)
    return RunConfig(
        model=rec.model, recipe=rec.name, dataset=env_id or rec.dataset, dataset_args={},
        model_hp=model_hp, train=cfg, metric=rec.metric,
        higher_is_better=rec.higher_is_better, seed=opts.seed, device="cpu", amp=False,
        compile=False, world_size=1, versions=_versions(), git_revision=_git_revision(),
        command=" ".join(["nnzoo", *sys.argv[1:]]),
        created=time.strftime("%Y-%m-%dT%H:%M:%S%z"))


def _agent_threads(threads: int | str | None) -> int | None:
    """``auto`` is one thread for an agent: a step's networks are far too small to share."""
    return 1 if threads == "auto" else check_threads(threads)  # type: ignore[arg-type]


def _execute_agent(config: RunConfig, opts: RunOptions, run: RunDir | None) -> dict[str, Any]:
    """Build the agent, train it in the environment loop (resuming ``run``'s checkpoint when
    there is one), then write the summary and the plots."""
    cfg = config.train
    assert isinstance(cfg, RLConfig)
    with using_threads(_agent_threads(opts.threads)):
        agent = build_agent(config.model, config.model_hp, config.dataset, config.seed,
                            cfg.env_kwargs)
        if run is None:  # created once the agent is built: a bad id leaves no empty folder
            run = RunDir.create(opts.out, f"{config.model}-{config.recipe}")
            run.write_config(config.to_json())
        t0 = time.perf_counter()
        result = train_agent(agent, config.dataset, cfg, seed=config.seed, run=run,
                             quiet=opts.quiet)
        return _finish_agent(run, config, agent, result, time.perf_counter() - t0)


#: Points of the return curve that ``summary.json`` keeps.
CURVE_POINTS = 100


def _finish_agent(run: RunDir, config: RunConfig, agent: Agent, result: RLResult,
                  wall: float) -> dict[str, Any]:
    _, mean, std = result.evals[-1]
    grid = np.unique(np.linspace(0, result.steps, CURVE_POINTS + 1)[1:].round().astype(int))
    curve = plots.resample_returns(result.episodes, grid)
    summary = {
        "model": config.model, "recipe": config.recipe, "dataset": config.dataset,
        "run_dir": str(run.path), "steps": result.steps, "episodes": len(result.episodes),
        "test": {"return": mean, "return_std": std},
        "evals": [list(e) for e in result.evals],
        "return_curve": {"steps": grid.tolist(),
                         "return": [None if np.isnan(v) else float(v) for v in curve],
                         "window": 10},
        "train_time_s": result.train_time_s,
        "step_time_ms": 1000 * result.train_time_s / max(result.steps, 1),
        "wall_time_s_this_process": wall, "device": "cpu", "world_size": 1,
        "threads": torch.get_num_threads(),
    }
    run.write_summary(summary)
    plots.training_returns(result.episodes, result.evals, run.plots_dir / "return_curve.png",
                           f"{config.model} / {config.recipe} on {config.dataset}")
    agent.eval()
    agent.visualize(run.plots_dir)
    return summary


def load_run_agent(run_dir: str | Path) -> tuple[RunDir, RunConfig, Agent]:
    """Rebuild the agent of a run and load its last checkpoint (networks and agent state).

    :raises UsageError: for a run of a model that is not an agent.
    :raises CheckpointError: for a run without a checkpoint, or one of another model.
    """
    run = RunDir.open(run_dir)
    config = read_run_config(run)
    if not is_agent(config.model):
        raise UsageError(f"{run.path} is a run of {config.model}, not of a reinforcement-"
                         "learning agent ('nnzoo play' and agent evaluation need one)")
    if not run.checkpoint_path.exists():
        raise CheckpointError(f"{run.path} has no checkpoint yet: nothing to load")
    cfg = config.train
    assert isinstance(cfg, RLConfig)
    agent = build_agent(config.model, config.model_hp, config.dataset, config.seed,
                        cfg.env_kwargs)
    load_agent_checkpoint(agent, run.checkpoint_path)
    return run, config, agent.eval()


def evaluate_agent_run(run_dir: str | Path, episodes: int | None = None) -> dict[str, Any]:
    """The return of a run's agent over fresh deterministic episodes: ``episodes`` (default
    the run's ``eval_episodes``) episodes of the run's evaluation seeds that its own
    evaluations never played (they start after the first ``eval_episodes``)."""
    run, config, agent = load_run_agent(run_dir)
    cfg = config.train
    assert isinstance(cfg, RLConfig)
    n = episodes or cfg.eval_episodes
    with using_threads(1):
        returns = evaluate_agent(agent, config.dataset, n, config.seed, cfg.env_kwargs,
                                 first=cfg.eval_episodes)
    return {"run_dir": str(run.path), "model": config.model, "recipe": config.recipe,
            "dataset": config.dataset,
            "test": {"return": float(returns.mean()), "return_std": float(returns.std())},
            "returns": returns.tolist()}


def play(run_dir: str | Path, *, episodes: int = 1, seed: int = 0,
         out: str | Path | None = None, fps: float = 30.0) -> dict[str, Any]:
    """Render deterministic episodes of a run's agent to one GIF or MP4 file.

    Episode ``j`` is reset with :func:`~nnzoo.train.environment.eval_seed` ``(seed, j)``;
    the file holds one frame per step (the state the agent acts in), the episodes one after
    the other. Only the file ``out`` is written (default ``RUN_DIR/plots/play.gif``).

    :returns: ``{"path", "returns", "lengths"}``.
    :raises UsageError: for a run that is not an agent's, a file that is neither ``.gif``
        nor ``.mp4``, or an MP4 without an ffmpeg writer here.
    """
    if episodes < 1:
        raise UsageError(f"--episodes must be >= 1, got {episodes}")
    if not fps > 0:
        raise UsageError(f"--fps must be > 0, got {fps}")
    run, config, agent = load_run_agent(run_dir)
    path = Path(out) if out is not None else run.plots_dir / "play.gif"
    plots.check_animation_path(path)
    cfg = config.train
    assert isinstance(cfg, RLConfig)
    with using_threads(1), plots.animation_writer(path, fps) as write:
        def captioned(frame: np.ndarray, episode: int, step: int) -> None:
            write(plots.caption_frame(frame, f"{config.model} · episode {episode} · "
                                             f"step {step}"))

        returns, lengths = render_episodes(agent, config.dataset, episodes, seed, captioned,
                                           cfg.env_kwargs)
    return {"path": str(path), "returns": returns.tolist(), "lengths": lengths}


def episode_still(run_dir: str | Path, out: str | Path, *, seed: int = 0) -> Path:
    """Write four frames (the first, two between, the last) of one deterministic episode of
    a run's agent (evaluation seed ``seed``, as :func:`play`) side by side to the PNG
    ``out``; the gallery's picture of an agent."""
    _, config, agent = load_run_agent(run_dir)
    cfg = config.train
    assert isinstance(cfg, RLConfig)
    kept: list[tuple[int, np.ndarray]] = []
    last: list[tuple[int, np.ndarray]] = []

    def keep(rgb: np.ndarray, episode: int, step: int) -> None:
        if step % 10 == 0:  # a frame in ten: memory stays small on 500-step episodes
            kept.append((step, rgb))
        else:
            last[:] = [(step, rgb)]

    with using_threads(1):
        returns, _ = render_episodes(agent, config.dataset, 1, seed, keep, cfg.env_kwargs)
    frames = kept + last
    picks = sorted({round(i * (len(frames) - 1) / 3) for i in range(4)})
    return plots.frame_strip([(f"step {frames[i][0]}", frames[i][1]) for i in picks], out,
                             f"{config.model} on {config.dataset}: return {returns[0]:.4g}")
