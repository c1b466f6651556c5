"""Recipes of ``gpt``.

- ``excerpt`` (default; offline, seconds): the ``transformer`` excerpt recipe's set-up
  (:mod:`nnzoo.recipes.attention.transformer`) for GPT (no biases).
- ``nanogpt-cpu``: nanoGPT's character-level CPU set-up, from its README's command
  (``config/train_shakespeare_char.py`` with ``--block_size=64 --batch_size=12 --n_layer=4
  --n_head=4 --n_embd=128 --max_iters=2000 --lr_decay_iters=2000 --dropout=0.0``) and
  ``train.py``'s defaults: 4 blocks, 4 heads, width 128, context 64, no dropout, no biases
  (``bias = False``), GPT-2's initialisation, tied output matrix; 2,000 iterations of 12
  windows drawn at random starts of the training text (one epoch of 24,000 such windows);
  AdamW, ``lr`` 1e-3, betas (0.9, 0.99), weight decay 0.1 on the matrices only, 100 warm-up
  iterations then a cosine decay to 1e-4 at iteration 2,000, gradient norm clipped at 1;
  fp32. Data: the full Tiny Shakespeare with nanoGPT's split (first 90 % train, last 10 %
  validation, its vocabulary of the 65 sorted characters). The last weights are kept
  (``restore_best=false``; nanoGPT's split has no test part, so ``test`` is the validation
  part and selects nothing).
"""

from __future__ import annotations

from nnzoo.recipes.attention.transformer import EXCERPT_MODEL, EXCERPT_TRAIN
from nnzoo.recipes.base import Recipe, add
from nnzoo.recipes.recurrent.rnn import FULL_VOCAB

#: nanoGPT's CPU set-up: the iterations, the batch and the context.
NANOGPT_ITERS, NANOGPT_BATCH, NANOGPT_CONTEXT = 2000, 12, 64

add(Recipe(
    "gpt", "excerpt", "tinyshakespeare-chars",
    "character LM on the shipped Tiny Shakespeare excerpt (64-character windows): 2 blocks, "
    "4 heads, width 128, no biases, batch 16, AdamW 3e-3 with warm-up and cosine decay, "
    "5 epochs",
    model_hp=dict(EXCERPT_MODEL), train=dict(EXCERPT_TRAIN),
    metric="loss", higher_is_better=False, default=True,
    dataset_args={"seq_len": 64, "source": "excerpt"}))

add(Recipe(
    "gpt", "nanogpt-cpu", "tinyshakespeare-chars",
    "nanoGPT's CPU set-up on the full Tiny Shakespeare with its split: 4 blocks, 4 heads, "
    "width 128, context 64, no dropout, no biases; 2,000 iterations of batch 12 at random "
    "starts; AdamW 1e-3, betas (0.9, 0.99), weight decay 0.1 on matrices, 100 warm-up steps, "
    "cosine to 1e-4, clip 1",
    model_hp={"n_layers": 4, "n_heads": 4, "d_model": 128, "context": NANOGPT_CONTEXT,
              "dropout": 0.0, "bias": False, "vocab": FULL_VOCAB},
    train={"epochs": 1, "batch_size": NANOGPT_BATCH, "optimizer": "adamw", "lr": 1e-3,
           "betas": (0.9, 0.99), "weight_decay": 0.1, "scheduler": "warmup-cosine",
           "warmup_steps": 100, "min_lr": 1e-4, "grad_clip": 1.0, "restore_best": False,
           "eval_batch_size": 256},
    metric="loss", higher_is_better=False,
    dataset_args={"seq_len": NANOGPT_CONTEXT, "source": "full", "split": "nanogpt",
                  "random_windows": NANOGPT_ITERS * NANOGPT_BATCH, "seed": 1337}))
