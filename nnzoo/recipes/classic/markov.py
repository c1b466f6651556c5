"""Recipes of the Markov chains.

- ``markov-chain/shakespeare-chars`` (default, offline): a first-order chain over the 65
  characters of Tiny Shakespeare, fitted by maximum likelihood (one pass, Laplace smoothing
  0.1) to 64-character windows of the excerpt shipped inside the package; the metric is the
  validation negative log-likelihood per character (nats).
"""

from __future__ import annotations

from nnzoo.data.text import CHARS
from nnzoo.recipes.base import Recipe, add

add(Recipe("markov-chain", "shakespeare-chars", "markov-sequences",
           "character bigram chain (65 states) on the shipped Tiny Shakespeare excerpt, "
           "maximum likelihood with additive smoothing 0.1, one pass",
           model_hp={"n_states": len(CHARS), "smoothing": 0.1, "vocabulary": CHARS},
           train={"epochs": 1, "batch_size": 256}, metric="loss", higher_is_better=False,
           default=True))
