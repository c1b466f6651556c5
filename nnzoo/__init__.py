"""nnzoo: the Neural Network Zoo, runnable.

Classic neural architectures as readable PyTorch code, one registry, one catalog of the
whole genealogy, one engine and a benchmark against each model's peer library::

    import nnzoo
    nnzoo.list_models("*boltzmann*")      # catalog ids matching a glob
    nnzoo.card("cnn")                     # paper, year, lineage, implementation
    model = nnzoo.create("mlp", hidden=(128,), n_classes=10, sample_shape=(64,))
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def list_models(pattern: str | None = None, **filters: Any) -> list[str]:
    """Catalog ids matching ``pattern`` (glob or substring); ``implemented=True`` and
    ``family=``, ``category=``, ``framework=`` narrow the list."""
    from nnzoo.models import list_models as _list

    return _list(pattern, **filters)


def card(name: str) -> Any:
    """The :class:`~nnzoo.models.registry.Card` of architecture ``name`` (id or alias)."""
    from nnzoo.models import card as _card

    return _card(name)


def create(name: str, **hp: Any) -> Any:
    """Build implemented model ``name`` from hyperparameters."""
    from nnzoo.models import create as _create

    return _create(name, **hp)


__all__ = ["__version__", "card", "create", "list_models"]
