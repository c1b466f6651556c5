"""The training of the Fashion-MNIST table's recipes (``nnzoo bench ID --tier full --task
fashion``): one protocol for every net of the genealogy, fixed before any run and chosen on no
score -- what the ResNet paper trains its CIFAR nets with, on 28x28 images:

- SGD with Nesterov momentum 0.9, batch 128, a one-epoch linear warm-up to ``lr`` (430 steps
  of the 55,000 training images), and the per-epoch cosine schedule of ``E`` epochs: epoch
  ``e`` (from 0) at ``lr (1 + cos(pi e / E)) / 2`` (torch's ``CosineAnnealingLR``), so the
  last epoch's rate is small only when ``E`` is not (2 epochs: the second at ``lr / 2``);
- weight decay ``weight_decay`` on the weights only (biases and norm parameters excluded);
- label smoothing 0.1;
- random crops of the image padded with 4 zero pixels, and horizontal flips (clothes are
  left-right symmetric; digits are not, so the MNIST recipes do not flip).

Each net's epochs are sized so that its row fits the table's 30 minutes of training on one
thread of this CPU under bf16 autocast (:data:`nnzoo.bench.vision.convnets.FASHION_BUDGET_S`).
"""

from __future__ import annotations

from typing import Any

from nnzoo.core.config import require

STEPS_PER_EPOCH = 430  # ceil(55000 / 128)


def table_training(epochs: int, lr: float = 0.1, weight_decay: float = 5e-4) -> dict[str, Any]:
    """The table's training settings for ``epochs`` epochs (see the module); at least 2, as
    the first is the warm-up's."""
    require(epochs >= 2, f"a table recipe needs at least 2 epochs (the first warms up), got "
            f"{epochs}")
    return {"epochs": epochs, "batch_size": 128, "optimizer": "sgd", "lr": lr,
            "momentum": 0.9, "nesterov": True, "weight_decay": weight_decay,
            "decay_norms_and_biases": False, "label_smoothing": 0.1,
            "augment": "crop4+flip", "scheduler": "cosine", "warmup_steps": STEPS_PER_EPOCH}


def table_description(net: str, epochs: int, lr: float = 0.1) -> str:
    """The recipe line of a table recipe."""
    return (f"{net} on Fashion-MNIST, the table's protocol: SGD Nesterov {lr:g}, one-epoch "
            f"warm-up then cosine, crop+flip, label smoothing 0.1, {epochs} epochs")
