"""The typed run: RunConfig reads and writes config.json as before it existed, ``--set`` reaches
the optimizer through TrainConfig, and the model base classes are generic over their config."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from nnzoo.core.config import TrainConfig
from nnzoo.core.errors import CheckpointError, ConfigError, InputError
from nnzoo.data import load_dataset
from nnzoo.models import create, get_spec
from nnzoo.models.base import Classifier, ZooModule
from nnzoo.recipes import get_recipe
from nnzoo.recipes.runner import (
    RunConfig,
    RunOptions,
    build_model,
    evaluate_run,
    resume,
    split_overrides,
    train,
)
from nnzoo.train.engine import Trainer

#: config.json of ``nnzoo train perceptron --epochs 2`` as commit 65c585d (the last one with
#: the run as a dict) wrote it; only the command's output folder and the date are shortened.
LEGACY: dict[str, Any] = {
    "model": "perceptron", "recipe": "digits", "dataset": "digits", "dataset_args": {},
    "model_hp": {"averaged": True, "online": True, "rate": 1.0},
    "train": {"epochs": 2, "batch_size": 256, "lr": 0.001, "optimizer": "adam",
              "momentum": 0.9, "weight_decay": 0.0, "scheduler": "none", "step_size": 10,
              "patience": 0, "checkpoint_every": 0, "eval_batch_size": 1000, "grad_clip": 0.0,
              "max_time": 0.0, "restore_best": True},
    "metric": "accuracy", "higher_is_better": True, "seed": 0, "device": "auto", "amp": False,
    "compile": False, "world_size": 1,
    "versions": {"nnzoo": "0.1.0", "torch": "2.13.0+cpu", "numpy": "2.4.6", "python": "3.11.7"},
    "git_revision": None, "command": "nnzoo train perceptron --epochs 2 --out runs --quiet",
    "created": "2026-12-01T17:38:03+0000",
}


#: TrainConfig fields added since that file, with their defaults, each after the key it follows
#: in TrainConfig: a legacy file is read with them and written back with them.
ADDED_TRAIN: dict[str, tuple[str, Any]] = {"betas": ("weight_decay", (0.9, 0.999)),
                                           "warmup_steps": ("step_size", 0),
                                           "min_lr": ("warmup_steps", 0.0),
                                           "nesterov": ("momentum", False),
                                           "decay_norms_and_biases": ("weight_decay", True),
                                           "gamma": ("step_size", 0.1),
                                           "milestones": ("gamma", ()),
                                           "label_smoothing": ("restore_best", 0.0),
                                           "augment": ("label_smoothing", "none"),
                                           "channels_last": ("augment", False)}


def _with_added(train: dict[str, Any]) -> dict[str, Any]:
    """``train`` (a legacy ``train`` section) with :data:`ADDED_TRAIN` in TrainConfig's order."""
    out = dict(train)
    for key, (after, value) in ADDED_TRAIN.items():
        items = list(out.items())
        at = [k for k, _ in items].index(after) + 1
        out = dict(items[:at] + [(key, value)] + items[at:])
    return out


def _opts(tmp_path: Path) -> RunOptions:
    return RunOptions(out=str(tmp_path), quiet=True, device="cpu")


def test_legacy_config_round_trips_key_for_key() -> None:
    cfg = RunConfig.from_json(copy.deepcopy(LEGACY))
    assert isinstance(cfg.train, TrainConfig) and cfg.train.epochs == 2
    out = cfg.to_json()
    want = {**copy.deepcopy(LEGACY), "train": _with_added(LEGACY["train"])}
    assert list(out) == list(LEGACY) and out == want
    assert json.dumps(out) == json.dumps(want)


def test_config_of_a_run_is_what_the_dict_was(tmp_path: Path) -> None:
    """A run written now has the keys, order and values of the legacy file (bar provenance)."""
    s = train("perceptron", overrides={"epochs": "2"}, options=_opts(tmp_path))
    written = json.loads((Path(s["run_dir"]) / "config.json").read_text())
    assert list(written) == list(LEGACY)
    skip = {"command", "created", "git_revision", "versions", "device"}
    want = {k: v for k, v in LEGACY.items() if k not in skip}
    want["model_hp"] = {**want["model_hp"], "kernel": "auto"}  # a hyperparameter added since
    want["train"] = json.loads(json.dumps(_with_added(want["train"])))
    assert {k: v for k, v in written.items() if k not in skip} == want
    assert written["device"] == "cpu"


def test_older_run_folder_without_dataset_args_evaluates_and_resumes(tmp_path: Path) -> None:
    """config.json written before ``dataset_args`` and ``restore_best`` existed still works,
    and resuming it gives the numbers of a run that was never stopped."""
    whole = train("mlp", overrides={"epochs": "2"}, options=_opts(tmp_path / "whole"))
    part = train("mlp", overrides={"epochs": "1"}, options=_opts(tmp_path / "part"))
    run = Path(part["run_dir"])
    cfg = json.loads((run / "config.json").read_text())
    del cfg["dataset_args"]
    del cfg["train"]["restore_best"]
    cfg["train"]["epochs"] = 2
    (run / "config.json").write_text(json.dumps(cfg))
    assert evaluate_run(run, device="cpu")["test"] == pytest.approx(part["test"], abs=1e-6)
    again = resume(run, options=RunOptions(quiet=True))
    assert again["epochs"] == 2
    assert again["test"] == pytest.approx(whole["test"], abs=1e-6)


@pytest.mark.parametrize("drop", ["model", "train", "seed"])
def test_config_missing_a_key_is_one_clear_error(drop: str) -> None:
    data = {k: v for k, v in copy.deepcopy(LEGACY).items() if k != drop}
    with pytest.raises(CheckpointError, match=f"lacks '{drop}'"):
        RunConfig.from_json(data, source="run config x/config.json")


def test_config_with_a_bad_train_section_is_one_clear_error() -> None:
    with pytest.raises(CheckpointError, match="must be JSON objects"):
        RunConfig.from_json({**copy.deepcopy(LEGACY), "train": [1, 2]})
    with pytest.raises(ConfigError, match="lr must be > 0"):
        RunConfig.from_json({**copy.deepcopy(LEGACY),
                             "train": {**LEGACY["train"], "lr": -1}})


def test_set_lr_reaches_the_optimizer() -> None:
    """``--set lr=0.05`` -> split_overrides -> TrainConfig.lr -> build_optimizer."""
    rec = get_recipe("mlp")
    rest, ds_args = split_overrides(rec, rec.dataset, {"lr": "0.05", "optimizer": "sgd"})
    assert ds_args == {}
    model_hp, cfg = rec.resolve(rest)
    assert cfg.lr == 0.05 and cfg.optimizer == "sgd"
    splits = load_dataset(rec.dataset, **rec.dataset_args)
    model = build_model("mlp", model_hp, splits)
    (opt,) = model.configure_optimizers(cfg)
    assert isinstance(opt, torch.optim.SGD) and opt.param_groups[0]["lr"] == 0.05


def test_build_model_takes_the_data_fields_from_the_dataset() -> None:
    rec = get_recipe("mlp")
    splits = load_dataset(rec.dataset, **rec.dataset_args)
    a = build_model("mlp", {}, splits, seed=3)
    b = build_model("mlp", {}, splits, seed=3)
    assert a.config.sample_shape == splits.sample_shape
    assert a.config.n_classes == splits.n_classes
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(),
                                                  b.state_dict().values()))
    assert isinstance(create("mlp"), ZooModule)
    assert issubclass(get_spec("mlp").cls, ZooModule)


@dataclass(frozen=True)
class _ToyConfig:
    sample_shape: tuple[int, ...] = (3,)
    n_classes: int = 2


class _Typed(Classifier[_ToyConfig]):
    def __init__(self, config: _ToyConfig) -> None:
        super().__init__(config)
        self.linear = nn.Linear(config.sample_shape[0], config.n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


class _Untyped(Classifier):  # not parametrised: its config is Any
    def __init__(self, config: _ToyConfig) -> None:
        super().__init__(config)
        self.linear = nn.Linear(3, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


@pytest.mark.parametrize("cls", [_Typed, _Untyped])
def test_generic_base_with_and_without_a_type_argument(cls: type[Classifier]) -> None:
    model = cls(_ToyConfig())
    assert isinstance(model, ZooModule) and isinstance(model, nn.Module)
    assert model.config == _ToyConfig() and model.sample_shape == (3,)
    x, y = torch.randn(5, 3), torch.tensor([0, 1, 0, 1, 1])
    assert model.predict(x).shape == (5,)
    assert set(model.training_step((x, y))) == {"loss", "accuracy"}
    with pytest.raises(InputError, match="needs labels"):
        model.training_step((x, None))
    with pytest.raises(InputError, match="shape"):
        model.predict(torch.randn(5, 4))


def test_closed_form_path_needs_a_fit_method() -> None:
    data = load_dataset("digits")
    model = _Typed(_ToyConfig(sample_shape=(64,), n_classes=10))
    trainer = Trainer(model, data.train.subset(slice(0, 8)), data.val.subset(slice(0, 8)),
                      TrainConfig(epochs=1))
    with pytest.raises(ConfigError, match="no closed-form fit"):
        trainer.fit_closed_form()
