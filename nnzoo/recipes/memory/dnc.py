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
- ``babi-toy`` (offline, generated, about a minute of one core): the DNC reads the stories of
  the generated bAbI-format "where is" task (:func:`nnzoo.data.babi.load_babi_toy`, 2,000
  questions, the last 10 % for validation, a memory of 10 sentences) one word per step
  (``task=babi``). Memory 16 x 16, two read heads, an LSTM of 64, embeddings of 32, Adam
  3e-3, batch 32, clip 10, 6 epochs. It is a demonstration of the reading, not the solved
  task: in this budget (and in 6 epochs of 10,000 questions) it learns to answer with the
  story's last location, not to find the person's own; Graves et al. trained a larger DNC
  on the 20 tasks of bAbI-10k together.
- ``babi``: one bAbI task (``--set task=N``, 1k by default, ``--set size=10k``) with the same
  DNC and a memory of the last 50 sentences, 20 epochs.
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

_BABI_MODEL = {"task": "babi", "memory_size": 16, "word_size": 16, "read_heads": 2,
               "hidden_size": 64, "embedding_size": 32}
_BABI_TRAIN = {"batch_size": 32, "lr": 3e-3, "grad_clip": 10.0, "eval_batch_size": 256}

add(Recipe(
    "dnc", "babi-toy", "babi-toy",
    "generated bAbI-format 'where is' task (2,000 questions, memory of 10 sentences), read one "
    "word per step: memory 16 x 16, 2 read heads, LSTM 64, Adam 3e-3, batch 32, clip 10, "
    "6 epochs",
    model_hp=dict(_BABI_MODEL), train={**_BABI_TRAIN, "epochs": 6},
    metric="accuracy", higher_is_better=True,
    dataset_args={"n_train": 2000, "n_test": 500, "memory_size": 10}))

add(Recipe(
    "dnc", "babi", "babi",
    "one bAbI task (--set task=N; 1k unless --set size=10k), read one word per step: memory "
    "16 x 16, 2 read heads, LSTM 64, Adam 3e-3, batch 32, clip 10, 20 epochs, the last 50 "
    "sentences",
    model_hp=dict(_BABI_MODEL), train={**_BABI_TRAIN, "epochs": 20},
    metric="accuracy", higher_is_better=True,
    dataset_args={"task": 1, "size": "1k", "memory_size": 50, "val_fraction": 0.1}))
