"""The model registry: which catalog architectures nnzoo implements, and how to build them.

A model file registers its class with :func:`register`; the registration names the catalog
entry (paper, year, lineage live in ``nnzoo/catalog/catalog.json``, once), the config
dataclass, how it learns, the peer library it is measured against and the reference
implementation it follows. :func:`card` joins the two into what ``nnzoo info`` shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from nnzoo.catalog import Entry, load_catalog
from nnzoo.core.config import build_config, config_dict
from nnzoo.core.errors import UnknownNameError
from nnzoo.models.base import ZooModule

Learning = Literal["iterative", "closed-form", "environment"]
M = TypeVar("M", bound=type[ZooModule[Any]])


@dataclass(frozen=True)
class ModelSpec:
    """How nnzoo implements one catalog architecture.

    :param id: the catalog id (``mlp``, ``cnn``...).
    :param cls: the model class; ``cls(config)`` builds it.
    :param config: the hyperparameter dataclass (it has the field ``sample_shape``).
    :param learning: ``iterative`` (the engine calls ``training_step`` on minibatches),
        ``closed-form`` (``fit`` on the whole training split) or ``environment`` (an agent).
    :param rule: the learning rule in words (``backprop``, ``Rosenblatt's rule``...).
    :param peer: the maintained library it is benchmarked against.
    :param reference: the reference implementation the field points to (URL).
    :param estimator: the scikit-learn style estimator class, where there is one.
    """

    id: str
    cls: type[ZooModule[Any]]
    config: type[Any]
    learning: Learning
    rule: str
    peer: str
    reference: str
    estimator: type | None = None


_MODELS: dict[str, ModelSpec] = {}


def register(
    id: str, *, config: type[Any], learning: Learning = "iterative", rule: str = "backprop",
    peer: str, reference: str,
) -> Callable[[M], M]:
    """Class decorator: register ``cls`` as the implementation of catalog entry ``id``."""
    load_catalog().get(id)  # the architecture must be in the catalog

    def deco(cls: M) -> M:
        if id in _MODELS:
            raise ValueError(f"model {id!r} registered twice")
        cls.model_id = id
        _MODELS[id] = ModelSpec(id, cls, config, learning, rule, peer, reference)
        return cls

    return deco


def register_estimator(id: str) -> Callable[[type], type]:
    """Class decorator: attach a scikit-learn style estimator to registered model ``id``."""

    def deco(est: type) -> type:
        spec = _MODELS[id]
        _MODELS[id] = ModelSpec(**{**spec.__dict__, "estimator": est})
        return est

    return deco


def _ensure_loaded() -> None:
    import nnzoo.models  # noqa: F401  (importing the package registers every model file)


def implemented_ids() -> list[str]:
    """Ids of every implemented architecture, in registration order."""
    _ensure_loaded()
    return list(_MODELS)


def get_spec(name: str) -> ModelSpec:
    """The spec of model ``name`` (id or alias, case-insensitive).

    :raises UnknownNameError: with the closest implemented ids (and says when the name is a
        catalog architecture that nnzoo does not implement yet).
    """
    _ensure_loaded()
    cat = load_catalog()
    try:
        mid = cat.resolve(name)
    except UnknownNameError:
        raise UnknownNameError("model id", name, list(_MODELS)) from None
    if mid not in _MODELS:
        err = UnknownNameError("model id", name, list(_MODELS))
        err.args = (f"{cat.get(mid).name} ({mid!r}) is in the catalog but not implemented yet; "
                    f"implemented: {', '.join(sorted(_MODELS))}",)
        raise err
    return _MODELS[mid]


def create(name: str, **hp: Any) -> ZooModule[Any]:
    """Build model ``name`` from hyperparameters (values may be strings, as from ``--set``)."""
    spec = get_spec(name)
    cfg = build_config(spec.config, hp, what=spec.id)
    return spec.cls(cfg)


def list_models(
    pattern: str | None = None, *, implemented: bool = False, family: str | None = None,
    category: str | None = None, framework: str | None = None,
) -> list[str]:
    """Catalog ids matching ``pattern`` (a glob such as ``"*boltzmann*"``, or a substring)."""
    ids = set(implemented_ids()) if implemented else None
    return [e.id for e in load_catalog().search(
        pattern, family=family, category=category, framework=framework, ids=ids)]


@dataclass(frozen=True)
class Card:
    """Everything known about one architecture: the catalog entry and, when implemented,
    how nnzoo implements it (config defaults, learning rule, peer, reference)."""

    entry: Entry
    spec: ModelSpec | None = None
    defaults: dict[str, Any] = field(default_factory=dict)

    @property
    def implemented(self) -> bool:
        return self.spec is not None

    def to_dict(self) -> dict[str, Any]:
        d = self.entry.to_dict()
        d["implemented"] = self.implemented
        if self.spec:
            d["implementation"] = {
                "class": f"{self.spec.cls.__module__}.{self.spec.cls.__qualname__}",
                "learning": self.spec.learning, "rule": self.spec.rule,
                "peer": self.spec.peer, "reference": self.spec.reference,
                "estimator": (f"{self.spec.estimator.__module__}.{self.spec.estimator.__name__}"
                              if self.spec.estimator else None),
                "hyperparameters": {k: list(v) if isinstance(v, tuple) else v
                                    for k, v in self.defaults.items()},
            }
        return d


def card(name: str) -> Card:
    """The card of catalog architecture ``name`` (implemented or not)."""
    _ensure_loaded()
    entry = load_catalog().get(name)
    spec = _MODELS.get(entry.id)
    defaults = config_dict(spec.config()) if spec else {}
    return Card(entry, spec, defaults)


__all__ = ["Card", "ModelSpec", "card", "create", "get_spec", "implemented_ids",
           "list_models", "register", "register_estimator"]
