"""Recipes of Kim's CNN (``text-cnn``): ``toy-sentiment`` (default) and ``mr``
(:mod:`nnzoo.recipes.text.sentences`). MR set-up: CNN-rand, 300-d random vectors, widths
3/4/5 x 100 maps, dropout 0.5, max-norm 3."""

from __future__ import annotations

from nnzoo.recipes.base import add
from nnzoo.recipes.text.sentences import sentence_recipes

for _recipe in sentence_recipes(
        "text-cnn", "Kim's CNN-rand (widths 3/4/5 x 100, dropout 0.5, max-norm 3)",
        {"embed_dim": 300, "filter_widths": (3, 4, 5), "n_filters": 100, "dropout": 0.5,
         "max_norm": 3.0}):
    add(_recipe)
