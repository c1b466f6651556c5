"""Recipes: model + dataset + metric + default hyperparameters = what ``nnzoo train`` runs.

Each implemented model has one default recipe that works offline on embedded data (the
scikit-learn digits), and further recipes for the real datasets. A ``--set key=value``
override names a field of the model's config or of
:class:`~nnzoo.core.config.TrainConfig` (one flat namespace, checked for clashes when a recipe
is registered).

A reinforcement-learning agent's recipe (a model registered with ``learning="environment"``)
names a gymnasium environment id in ``dataset``, holds :class:`~nnzoo.train.environment.RLConfig`
values in ``train`` (``{"steps": 50_000}``) and scores ``metric="return"``; its ``--set`` keys
name a field of the agent's config or of ``RLConfig``.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from typing import Any

from nnzoo.core.config import TrainConfig, build_config, config_dict
from nnzoo.core.errors import UnknownNameError
from nnzoo.models import get_spec
from nnzoo.models.rl.agent import ENV_FIELDS
from nnzoo.train.environment import RLConfig

#: Fields the dataset decides; a recipe or override cannot set them. ``vocab_size`` comes from
#: ``Splits.meta["vocab_size"]`` (token datasets). A model that both classifies and regresses
#: has ``n_classes`` and ``n_outputs``: on a regression dataset it gets ``n_classes = 0`` and
#: ``n_outputs`` = the size of one target.
DATA_FIELDS = ("sample_shape", "n_classes", "vocab_size", "n_outputs")


def is_agent(model: str) -> bool:
    """Whether ``model`` (id or alias) is a reinforcement-learning agent
    (``learning="environment"``): trained by :mod:`nnzoo.train.environment`, not the engine."""
    return get_spec(model).learning == "environment"


def fixed_fields(model: str) -> tuple[str, ...]:
    """The config fields of ``model`` that the data decides and no recipe or ``--set`` may
    give: ``DATA_FIELDS``, and for an agent the environment's ``ENV_FIELDS`` too."""
    return DATA_FIELDS + ENV_FIELDS if is_agent(model) else DATA_FIELDS


def run_config_class(model: str) -> type[TrainConfig] | type[RLConfig]:
    """The dataclass of a run's ``train`` settings: :class:`RLConfig` for an agent,
    :class:`TrainConfig` otherwise."""
    return RLConfig if is_agent(model) else TrainConfig


@dataclass(frozen=True)
class Recipe:
    """One way of training one model.

    :param model: model id.
    :param name: recipe name (``digits``, ``mnist``...).
    :param dataset: dataset id (:func:`nnzoo.data.load_dataset`); an agent's: a gymnasium
        environment id (``CartPole-v1``).
    :param dataset_args: keyword arguments of the dataset's loader (a fold, a series length).
    :param description: one line for ``nnzoo info``.
    :param model_hp: model config values that differ from the config's defaults.
    :param train: :class:`TrainConfig` values that differ from its defaults; an agent's:
        :class:`~nnzoo.train.environment.RLConfig` values.
    :param metric: the validation metric that picks the best epoch and drives early stopping
        (an agent's: ``return``, its evaluation episodes' mean return).
    :param higher_is_better: direction of ``metric``.
    :param default: the recipe ``nnzoo train ID`` runs when none is named (offline data).
    :param module: the module that registered it (set by :func:`add` to its caller's).
    """

    model: str
    name: str
    dataset: str
    description: str
    model_hp: dict[str, Any] = field(default_factory=dict)
    train: dict[str, Any] = field(default_factory=dict)
    metric: str = "accuracy"
    higher_is_better: bool = True
    default: bool = False
    dataset_args: dict[str, Any] = field(default_factory=dict)
    module: str = ""

    def resolve(self, overrides: dict[str, Any] | None = None
                ) -> tuple[dict[str, Any], TrainConfig | RLConfig]:
        """Model hyperparameters and the TrainConfig (an agent's: the RLConfig), with
        ``overrides`` parsed and checked."""
        fixed = fixed_fields(self.model)
        train_cls = run_config_class(self.model)
        model_fields = [f.name for f in dataclasses.fields(get_spec(self.model).config)
                        if f.name not in fixed]
        train_fields = [f.name for f in dataclasses.fields(train_cls)]
        model_hp, train_hp = dict(self.model_hp), dict(self.train)
        for key, val in (overrides or {}).items():
            if key in model_fields:
                model_hp[key] = val
            elif key in train_fields:
                train_hp[key] = val
            else:
                raise UnknownNameError(f"hyperparameter of {self.model}", key,
                                       model_fields + train_fields)
        spec = get_spec(self.model)
        cfg = build_config(spec.config, model_hp, what=self.model)  # validates now
        model_hp = {k: v for k, v in config_dict(cfg).items() if k not in fixed}
        return model_hp, build_config(train_cls, train_hp)


_RECIPES: dict[str, dict[str, Recipe]] = {}


def add(recipe: Recipe) -> Recipe:
    """Register ``recipe`` (its hyperparameters are checked now, not at run time), recording
    the calling module as its ``module`` unless it names one."""
    recipe.resolve()
    if not recipe.module:
        recipe = dataclasses.replace(recipe, module=sys._getframe(1).f_globals["__name__"])
    book = _RECIPES.setdefault(recipe.model, {})
    if recipe.name in book:
        raise ValueError(f"recipe {recipe.model}/{recipe.name} registered twice")
    if recipe.default and any(r.default for r in book.values()):
        raise ValueError(f"{recipe.model} has two default recipes")
    book[recipe.name] = recipe
    return recipe


def recipes_for(model: str) -> list[Recipe]:
    """Every recipe of ``model`` (id or alias), default first."""
    _ensure_loaded()
    book = _RECIPES.get(get_spec(model).id, {})
    return sorted(book.values(), key=lambda r: (not r.default, r.name))


def get_recipe(model: str, name: str | None = None) -> Recipe:
    """Recipe ``name`` of ``model``, or its default recipe."""
    recipes = recipes_for(model)
    if not recipes:
        raise UnknownNameError(f"recipe of {model}", name or "default", [])
    if name is None:
        return recipes[0]
    for r in recipes:
        if r.name == name:
            return r
    raise UnknownNameError(f"recipe of {get_spec(model).id}", name, [r.name for r in recipes])


def _ensure_loaded() -> None:
    import nnzoo.recipes  # noqa: F401  (importing the package registers every recipe)
