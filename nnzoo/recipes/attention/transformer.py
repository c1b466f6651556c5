"""Recipes of ``transformer`` (the decoder-only Transformer language model).

- ``excerpt`` (default; offline, seconds): a character language model on the Tiny
  Shakespeare excerpt shipped in the package, 64-character windows, the char-rnn split
  (90 / 5 / 5 % in text order, :mod:`nnzoo.data.chars`): 2 pre-norm blocks, 4 heads, width
  128, learned positions, tied output matrix, no dropout, batch 16, AdamW 3e-3 (weight decay
  0.1 on the matrices) with 50 warm-up steps and a cosine decay to 3e-4, gradient norm
  clipped at 1, 5 epochs (about 650 steps). The validation loss picks the epoch kept; the
  test loss (nats per character) is the figure. (Chosen on the validation loss: width 128
  without dropout reached 1.83 nats after 6 epochs where width 64 with dropout 0.1 reached
  2.14.)
- ``tinyshakespeare`` (the full text from the data root): the recurrent LMs' char-rnn
  task (:mod:`nnzoo.recipes.recurrent.rnn`) for a Transformer of about their size: 4 blocks,
  4 heads, width 128 (0.8 M parameters), 128-character windows, batch 64, dropout 0.1,
  AdamW 1e-3 with warm-up and cosine decay to 1e-4, the same 20-minute budget.
"""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add
from nnzoo.recipes.recurrent.rnn import EXCERPT_VOCAB, FULL_VOCAB

#: The excerpt recipe's model and training (``gpt``'s excerpt recipe uses the same).
EXCERPT_MODEL = {"n_layers": 2, "n_heads": 4, "d_model": 128, "context": 64, "dropout": 0.0,
                 "vocab": EXCERPT_VOCAB}
EXCERPT_TRAIN = {"epochs": 5, "batch_size": 16, "optimizer": "adamw", "lr": 3e-3,
                 "betas": (0.9, 0.99), "weight_decay": 0.1, "scheduler": "warmup-cosine",
                 "warmup_steps": 50, "min_lr": 3e-4, "grad_clip": 1.0,
                 "eval_batch_size": 256}

add(Recipe(
    "transformer", "excerpt", "tinyshakespeare-chars",
    "character LM on the shipped Tiny Shakespeare excerpt (64-character windows): 2 pre-norm "
    "blocks, 4 heads, width 128, batch 16, AdamW 3e-3 with warm-up and cosine decay, "
    "5 epochs",
    model_hp=dict(EXCERPT_MODEL), train=dict(EXCERPT_TRAIN),
    metric="loss", higher_is_better=False, default=True,
    dataset_args={"seq_len": 64, "source": "excerpt"}))

add(Recipe(
    "transformer", "tinyshakespeare", "tinyshakespeare-chars",
    "the full Tiny Shakespeare, char-rnn split: 4 blocks, 4 heads, width 128 (0.8 M "
    "parameters), 128-character windows, batch 64, dropout 0.1, AdamW 1e-3, warm-up and "
    "cosine decay to 1e-4, 20-minute budget",
    model_hp={"n_layers": 4, "n_heads": 4, "d_model": 128, "context": 128, "dropout": 0.1,
              "vocab": FULL_VOCAB},
    train={"epochs": 20, "batch_size": 64, "optimizer": "adamw", "lr": 1e-3,
           "betas": (0.9, 0.99), "weight_decay": 0.1, "scheduler": "warmup-cosine",
           "warmup_steps": 100, "min_lr": 1e-4, "grad_clip": 1.0, "max_time": 1200.0,
           "eval_batch_size": 128},
    metric="loss", higher_is_better=False,
    dataset_args={"seq_len": 128, "source": "full"}))
