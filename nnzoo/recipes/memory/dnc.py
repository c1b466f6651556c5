"""Recipes of the differentiable neural computer (``dnc``).

- ``copy`` (default; offline, generated, about half a minute of one core): the copy task of
  the NTM paper in its fixed-length form (:func:`nnzoo.data.generated.copy_task`): 5 random
  6-bit vectors between a start and an end flag, then 5 blank steps where the DNC must repeat
  them. Memory 16 x 16, one read head, an LSTM controller of 64 units, Adam 3e-3, batch 16,
  gradient norm clipped at 10, 8 epochs of 800 sequences (400 steps). Metric: the cost per
  sequence in bits on the validation split (the summed binary cross-entropy of the answer, as
  Graves et al. report it); the test split's figure is the one ``nnzoo train`` prints, beside
  the bit errors per sequence. It is a demonstration, not the solved task: in this budget the
  validation cost falls from about 28 to about 19.5 bits per sequence (30 bits to copy; Adam
  3e-3 and 8 epochs were chosen over 1e-3 and 6 epochs, 24.0 bits, on that validation
  figure). The plots show the allocation walking down the free rows, the usage filling, the
  read weighting and the link matrix.
- ``copy-long``: the same with 10-vector sequences, 4,000 training sequences and 20 epochs
  (5,000 steps at Adam 1e-3, the benchmark's rate; no published figure comes from it); the
  random-length form, 1 to 10 vectors per batch, is the benchmark's
  (``nnzoo bench dnc --tier full --task copy``).
"""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

_MODEL = {"memory_size": 16, "word_size": 16, "read_heads": 1, "hidden_size": 64}
_TRAIN = {"batch_size": 16, "lr": 1e-3, "grad_clip": 10.0, "eval_batch_size": 256}

add(Recipe(
    "dnc", "copy", "copy",
    "copy task (NTM layout): 5 random 6-bit vectors, then repeat them; memory 16 x 16, 1 read "
    "head, LSTM 64, Adam 3e-3, batch 16, clip 10, 8 epochs of 800 sequences",
    model_hp=dict(_MODEL), train={**_TRAIN, "lr": 3e-3, "epochs": 8},
    metric="cost_bits", higher_is_better=False, default=True,
    dataset_args={"n": 800, "seq_len": 5, "n_bits": 6, "n_val": 100, "n_test": 100}))

add(Recipe(
    "dnc", "copy-long", "copy",
    "copy task: 10 random 6-bit vectors; memory 16 x 16, 1 read head, LSTM 64, Adam 1e-3, "
    "batch 16, clip 10, 20 epochs of 4000 sequences",
    model_hp=dict(_MODEL), train={**_TRAIN, "epochs": 20},
    metric="cost_bits", higher_is_better=False,
    dataset_args={"n": 4000, "seq_len": 10, "n_bits": 6, "n_val": 200, "n_test": 200}))
