"""Recipes: what ``nnzoo train ID`` runs.

Importing this package imports every recipe module in its family packages (the families of
:mod:`nnzoo.models`), which
registers the recipes with :mod:`nnzoo.recipes.base`.
"""

from nnzoo.core.discover import import_submodules

import_submodules(__name__, skip=("base", "runner", "sampling"))

from nnzoo.recipes.base import DATA_FIELDS, Recipe, add, get_recipe, recipes_for  # noqa: E402

__all__ = ["DATA_FIELDS", "Recipe", "add", "get_recipe", "recipes_for"]
