"""Recipes: what ``nnzoo train ID`` runs. Importing this package registers them all."""

from nnzoo.recipes import vision  # noqa: F401  (registration)
from nnzoo.recipes.base import DATA_FIELDS, Recipe, add, get_recipe, recipes_for

__all__ = ["DATA_FIELDS", "Recipe", "add", "get_recipe", "recipes_for"]
