"""Recipes of the encoder-decoders (seq2seq, bahdanau-attention, luong-attention) on the
generated date-format task (:mod:`nnzoo.data.alignment`).

- ``dates-small`` (default of each id; offline, seconds): 2,000 training pairs (200
  validation, 200 test), 32-dimensional embeddings, 64 units, Adam 3e-3, batch 64,
  clipping at 5, 6 epochs. The validation metric is ``exact`` (greedy exact-match accuracy),
  which picks the epoch whose weights are kept; the test figure is read by nothing that
  selects.
- ``dates`` (each id; the benchmark's set-up, minutes): 10,000 training pairs, 1,000
  validation, 1,000 test, 8 epochs, otherwise the same. ``luong-attention`` takes
  ``--set score=dot|general|concat``.
- ``reversal`` (each id): reverse strings of 4-16 letters, 10,000 pairs, 128 units, 20 epochs.
"""

from __future__ import annotations

from nnzoo.data.alignment import DATE_SOURCE_CHARS, DATE_TARGET_CHARS, LETTERS
from nnzoo.recipes.base import Recipe, add

NAMES = {"seq2seq": "LSTM encoder-decoder (no attention)",
         "bahdanau-attention": "RNNsearch (BiGRU encoder, additive attention)",
         "luong-attention": "stacked LSTM with global attention (general score, input feeding)"}
TRAIN = {"batch_size": 64, "lr": 3e-3, "grad_clip": 5.0, "eval_batch_size": 500}
DATES = {"source_chars": DATE_SOURCE_CHARS, "target_chars": DATE_TARGET_CHARS,
         "max_target_len": 12}
#: The ``dates`` recipe's sizes (the benchmark trains with them).
FULL_HP = {"embed_dim": 32, "hidden_size": 64}
FULL_EPOCHS = 8

for mid, name in NAMES.items():
    add(Recipe(
        mid, "dates-small", "dates",
        f"{name}, 64 units, on 2,000 generated date pairs (10 formats -> ISO), 6 epochs",
        model_hp={**DATES, "embed_dim": 32, "hidden_size": 64},
        train={**TRAIN, "epochs": 6}, metric="exact", higher_is_better=True, default=True,
        dataset_args={"n": 2000}))
    add(Recipe(
        mid, "dates", "dates",
        f"{name}, 64 units, on 10,000 generated date pairs, {FULL_EPOCHS} epochs",
        model_hp={**DATES, **FULL_HP}, train={**TRAIN, "epochs": FULL_EPOCHS},
        metric="exact", higher_is_better=True, dataset_args={"n": 10000}))
    add(Recipe(
        mid, "reversal", "reversal",
        f"{name}, 128 units, reversing 10,000 strings of 4-16 letters, 20 epochs",
        model_hp={"source_chars": LETTERS, "target_chars": LETTERS, "max_target_len": 17,
                  "embed_dim": 32, "hidden_size": 128},
        train={**TRAIN, "epochs": 20}, metric="exact", higher_is_better=True,
        dataset_args={"n": 10000, "min_len": 4, "max_len": 16}))
