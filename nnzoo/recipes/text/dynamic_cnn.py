"""Recipes of the dynamic CNN (``dynamic-cnn``): ``toy-sentiment`` (default) and ``mr``
(:mod:`nnzoo.recipes.text.sentences`). MR set-up: the paper's SST one (d = 48, widths 7/5,
6/14 maps, k_top 4)."""

from __future__ import annotations

from nnzoo.recipes.base import add
from nnzoo.recipes.text.sentences import sentence_recipes

for _recipe in sentence_recipes(
        "dynamic-cnn", "DCNN (d 48, widths 7/5, maps 6/14, k_top 4, folding)",
        {"embed_dim": 48, "widths": (7, 5), "maps": (6, 14), "k_top": 4, "dropout": 0.5}):
    add(_recipe)
