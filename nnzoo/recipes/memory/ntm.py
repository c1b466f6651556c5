"""Recipes of the neural Turing machine (``ntm``) on the algorithmic tasks of Graves et al.
2014, generated offline (:mod:`nnzoo.data.algorithmic`): every sequence has its own random
length, padded at the end; the engine's batches mix lengths and the loss counts only the
answer steps. Metric: the cost per sequence in bits (binary cross-entropy summed over a
sequence's output bits, log base 2), lower is better. Every recipe trains with RMSprop
(momentum 0.9, alpha 0.95) and element-wise gradient clipping at 10, as pytorch-ntm.

- ``copy-short`` (default; offline, about 30 s on one core): copy of sequences of 1-5
  vectors of 8 bits, a 64 x 20 memory, 2,000 training sequences, batch 16, RMSprop 3e-3,
  6 epochs (test: about 3 bits per sequence, one wrong bit in 24).
- ``copy``: lengths 1-20, pytorch-ntm's machine (LSTM 100, memory 128 x 20), 50,000
  training sequences, batch 16, RMSprop 1e-3. (The benchmark ``ntm/full/copy`` trains the
  same machine with batch 1 on a fresh sequence per iteration, as pytorch-ntm.)
- ``repeat-copy``: 1-10 vectors repeated 1-10 times (section 4.2).
- ``recall``: associative recall of 2-6 items of three 6-bit vectors (section 4.3), a
  feed-forward controller of 100 units (``--set controller=lstm`` for the LSTM).
"""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

add(Recipe(
    "ntm", "copy-short", "algorithmic-copy",
    "NTM copy task, sequences of 1-5 vectors of 8 bits, LSTM controller 100, memory 64 x 20, "
    "RMSprop 3e-3, 6 epochs of 2,000 sequences",
    model_hp={"task": "copy", "controller_size": 100, "memory_rows": 64},
    train={"epochs": 6, "batch_size": 16, "lr": 3e-3, "eval_batch_size": 500},
    metric="cost_bits", higher_is_better=False, default=True,
    dataset_args={"n": 2000, "min_len": 1, "max_len": 5, "n_val": 200, "n_test": 200}))

add(Recipe(
    "ntm", "copy", "algorithmic-copy",
    "NTM copy task, lengths 1-20 (pytorch-ntm's machine: LSTM 100, memory 128 x 20), "
    "50,000 sequences, batch 16, RMSprop 1e-3, 20 epochs",
    model_hp={"task": "copy"},
    train={"epochs": 20, "batch_size": 16, "lr": 1e-3, "eval_batch_size": 500},
    metric="cost_bits", higher_is_better=False,
    dataset_args={"n": 50_000, "min_len": 1, "max_len": 20, "n_val": 500, "n_test": 1000}))

add(Recipe(
    "ntm", "repeat-copy", "algorithmic-repeat-copy",
    "NTM repeat-copy task: 1-10 vectors of 8 bits, repeated 1-10 times, then an end marker; "
    "LSTM 100, memory 128 x 20, RMSprop 1e-3",
    model_hp={"task": "repeat-copy"},
    train={"epochs": 20, "batch_size": 16, "lr": 1e-3, "eval_batch_size": 200},
    metric="cost_bits", higher_is_better=False,
    dataset_args={"n": 50_000, "min_len": 1, "max_len": 10, "n_val": 500, "n_test": 1000}))

add(Recipe(
    "ntm", "recall", "algorithmic-recall",
    "NTM associative recall: 2-6 items of three 6-bit vectors, then a query; feed-forward "
    "controller 100, memory 128 x 20, RMSprop 1e-3",
    model_hp={"task": "recall", "n_bits": 6, "controller": "feedforward"},
    train={"epochs": 20, "batch_size": 16, "lr": 1e-3, "eval_batch_size": 500},
    metric="cost_bits", higher_is_better=False,
    dataset_args={"n": 50_000, "min_len": 2, "max_len": 6, "n_val": 500, "n_test": 1000}))
