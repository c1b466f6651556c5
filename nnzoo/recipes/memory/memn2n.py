"""Recipes of the end-to-end memory network (memn2n).

The engine minimises the *mean* cross-entropy of a batch; the authors' code (and the paper's
learning rates) the *sum* over a batch of 32. So the recipes' ``lr`` is 32 x the paper's
(0.005 with linear start -> 0.16) and the clipping norm 40 / 32 = 1.25: the same steps. SGD
without momentum, as the authors'. The model anneals the rate itself (x 0.5 every
``anneal_every`` epochs after linear start), following the epochs the engine feeds.

- ``toy`` (default; offline, seconds): the generated single-supporting-fact task
  (``babi-toy``), 3 hops, PE, temporal encoding, RN, adjacent tying, 5 linear-start epochs
  then 35 epochs.
- ``babi`` (bAbI 1k from the data root, one task: ``--set task=N``, 1-20): the authors' per-task
  set-up (``config_babi.m``): 3 hops, d = 20, PE, temporal encoding, RN 0.1, adjacent tying,
  20 linear-start epochs then 100 with the rate halved every 25, memory of 50 sentences,
  batch 32. One run; the benchmark (``nnzoo bench memn2n --tier full``) trains 10 restarts
  per task and keeps one by the paper's criterion, with the authors' code's choices on top
  (``--set encoding=position-authors --set empty_memory=zero --set answer=vocabulary`` here;
  the benchmark also sizes the memory to the task's longest story and clips per matrix).
- ``babi-joint``: all 20 tasks of bAbI 1k at once (``config_babi_joint.m``): d = 50, 30
  linear-start epochs then 60 with the rate halved every 15.
"""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

#: The engine's equivalents of the authors' SGD on the summed loss of 32 questions.
PAPER_TRAIN = {"optimizer": "sgd", "momentum": 0.0, "batch_size": 32, "lr": 0.005 * 32,
               "grad_clip": 40.0 / 32, "eval_batch_size": 500}

add(Recipe(
    "memn2n", "toy", "babi-toy",
    "3-hop MemN2N (PE, temporal encoding, RN, adjacent tying) on the generated "
    "single-supporting-fact task: 5 linear-start epochs, then 35; SGD as the paper",
    model_hp={"hops": 3, "embed_dim": 20, "linear_start_epochs": 5, "anneal_every": 15},
    train={**PAPER_TRAIN, "epochs": 40},
    default=True))

add(Recipe(
    "memn2n", "babi", "babi",
    "bAbI 1k, one task (--set task=N): 3 hops, d = 20, PE + TE + LS + RN, adjacent tying; "
    "20 linear-start epochs, then 100 with the rate halved every 25 (the authors' code)",
    model_hp={"hops": 3, "embed_dim": 20, "linear_start_epochs": 20, "anneal_every": 25},
    train={**PAPER_TRAIN, "epochs": 120},
    dataset_args={"task": 1, "size": "1k", "memory_size": 50}))

add(Recipe(
    "memn2n", "babi-joint", "babi",
    "bAbI 1k, the 20 tasks trained jointly: 3 hops, d = 50, PE + TE + LS + RN, adjacent "
    "tying; 30 linear-start epochs, then 60 with the rate halved every 15",
    model_hp={"hops": 3, "embed_dim": 50, "linear_start_epochs": 30, "anneal_every": 15},
    train={**PAPER_TRAIN, "epochs": 90},
    dataset_args={"task": "all", "size": "1k", "memory_size": 50}))
