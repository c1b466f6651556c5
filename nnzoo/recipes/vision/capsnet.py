"""Recipes of the capsule network (Sabour et al. 2017) on digits, MNIST and Fashion-MNIST.

The MNIST and Fashion-MNIST recipes are the paper's set-up: its geometry (the config's
defaults), Adam at 1e-3 with the exponential decay of the authors' code (x0.96 every 2000 steps,
github.com/Sarasra/models ``research/capsules/experiment.py``), batches of 128 (the same file),
and training images shifted by up to 2 pixels with zero padding (the paper's augmentation). The
shift is the model's ``shift`` option, applied in its training step (the engine's
``augment=crop2`` draws shifts of the same kind). The epoch count is this project's budget, not the
paper's (which does not state one). Evaluation runs in batches of 500: the predictions u_hat of
a batch of 1,000 images take 737 MB (1000 x 1152 x 10 x 16 floats), and routing holds about
three such tensors."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

#: The small net for the 8x8 digits: 3x3 kernels, 64 filters, 8 channels of 8-D primary
#: capsules on a 2x2 map (32 capsules), 16-D digit capsules, a 256-512 decoder.
SMALL = {"conv_channels": 64, "conv_kernel": 3, "primary_channels": 8, "primary_kernel": 3,
         "primary_stride": 2, "decoder": (256, 512)}

#: The paper's training options on 28x28 images.
PAPER = {"shift": 2, "decay_rate": 0.96, "decay_steps": 2000}

add(Recipe("capsnet", "digits", "digits",
           "small CapsNet (3x3 kernels, 32 primary capsules, 3 routing iterations) on the 8x8 "
           "digits, Adam, cosine, 15 epochs", model_hp=SMALL,
           train={"epochs": 15, "batch_size": 32, "lr": 3e-3, "scheduler": "cosine"},
           default=True))
for ds in ("mnist", "fashion-mnist"):
    add(Recipe("capsnet", ds, ds,
               "CapsNet as published (Conv1 256@9x9, 1152 primary capsules, 3 routing "
               "iterations, decoder 512-1024-784), Adam 1e-3 decayed x0.96 every 2000 steps, "
               "shifts of up to 2 pixels, batches of 128, 30 epochs", model_hp=PAPER,
               train={"epochs": 30, "batch_size": 128, "lr": 1e-3,
                      "eval_batch_size": 500}))
