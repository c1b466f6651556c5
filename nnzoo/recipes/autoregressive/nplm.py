"""Recipes of the neural probabilistic language model (``nplm``, Bengio et al. 2003).

- ``generated`` (default; offline, seconds): 2,000 generated names (:mod:`nnzoo.data.names`)
  split as makemore splits ``names.txt``; a context of 3 characters, 10-dimensional
  embeddings, 64 tanh units, AdamW 3e-3, 10 epochs of batches of 32. Validation picks the
  epoch; the test loss (nats per character, padding ignored) is reported.
- ``names`` (``names.txt`` from the data root): makemore's ``--type mlp`` set-up: a context of
  16 characters (the longest name plus the start marker, blanks before it), 64-dimensional
  embeddings, 64 tanh units (69,147 parameters), AdamW with makemore's rate 5e-4 and weight
  decay 0.01, batch 32, 10 epochs of the training part (about 9,400 steps).
"""

from __future__ import annotations

from nnzoo.data.names import VOCAB
from nnzoo.recipes.base import Recipe, add

#: makemore's default sizes for ``--type mlp`` on names.txt (n_embd = n_embd2 = 64, the
#: block size 16 that its data decides).
MAKEMORE_MLP = {"block_size": 16, "embed_dim": 64, "hidden_size": 64}

add(Recipe(
    "nplm", "generated", "names",
    "MLP language model on 2,000 generated names (makemore's split): context 3, embeddings "
    "10, 64 tanh units, AdamW 3e-3, 10 epochs",
    model_hp={"block_size": 3, "embed_dim": 10, "hidden_size": 64, "boundary": 0,
              "vocab": VOCAB},
    train={"epochs": 10, "batch_size": 32, "lr": 3e-3, "optimizer": "adamw",
           "eval_batch_size": 500},
    metric="loss", higher_is_better=False, default=True,
    dataset_args={"source": "generated"}))

add(Recipe(
    "nplm", "names", "names",
    "makemore's MLP on names.txt: context 16, embeddings 64, 64 tanh units, AdamW 5e-4 "
    "(weight decay 0.01), batch 32, 10 epochs",
    model_hp={**MAKEMORE_MLP, "boundary": 0, "vocab": VOCAB},
    train={"epochs": 10, "batch_size": 32, "lr": 5e-4, "optimizer": "adamw",
           "weight_decay": 0.01, "eval_batch_size": 1000},
    metric="loss", higher_is_better=False,
    dataset_args={"source": "full"}))
