"""Recipes: what ``nnzoo train ID`` runs.

Importing this package imports every recipe module in it (one per family of models), which
registers the recipes with :mod:`nnzoo.recipes.base`.
"""

import importlib
import pkgutil

for _m in pkgutil.iter_modules(__path__):
    if _m.name not in ("base", "runner"):
        importlib.import_module(f"{__name__}.{_m.name}")

from nnzoo.recipes.base import DATA_FIELDS, Recipe, add, get_recipe, recipes_for  # noqa: E402

__all__ = ["DATA_FIELDS", "Recipe", "add", "get_recipe", "recipes_for"]
