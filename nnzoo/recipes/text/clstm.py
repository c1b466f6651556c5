"""Recipes of C-LSTM (``clstm``): ``toy-sentiment`` (default) and ``mr``
(:mod:`nnzoo.recipes.text.sentences`). MR set-up: the paper's (300-d, width 3 x 150 maps,
LSTM 150, dropout 0.5)."""

from __future__ import annotations

from nnzoo.recipes.base import add
from nnzoo.recipes.text.sentences import sentence_recipes

for _recipe in sentence_recipes(
        "clstm", "C-LSTM (width 3 x 150 maps, LSTM 150)",
        {"embed_dim": 300, "filter_width": 3, "n_filters": 150, "hidden_size": 150,
         "dropout": 0.5}):
    add(_recipe)
