"""Benchmarks of the image convolutional networks of the genealogy (AlexNet, ZFNet, VGG,
ResNet, ...): what their quick rows share.

Quick tier (``digits``, one task per model): the model's default recipe trained as ``nnzoo
train ID`` runs it, for :data:`QUICK_EPOCHS` epochs, single-threaded: test accuracy and time
per epoch. The same row checks architecture parity where torchvision has the architecture:
nnzoo's parameter counts in the ImageNet geometry beside the counts torchvision's
documentation publishes (``num_params`` of each ``torchvision.models.<name>`` page,
IMAGENET1K_V1 weights, https://pytorch.org/vision/stable/models.html; the same figure as the
weights' metadata in torchvision's source, ``torchvision/models/<family>.py``), and, where
torchvision imports, beside torchvision's models built in the same run. torchvision is not a
declared dependency: the build on the package index is a CUDA build, several GB, whose
operators the CPU torch cannot load (``operator torchvision::nms does not exist``); on a CUDA
machine, ``pip install torchvision`` matching its torch adds that column.
"""

from __future__ import annotations

import tempfile
from typing import Any

import torch

from nnzoo.bench.runner import BenchResult, one_thread
from nnzoo.models import create
from nnzoo.recipes.runner import RunOptions, train

QUICK_EPOCHS = 1

#: torchvision name -> (nnzoo model id, its hyperparameters for that net, published count)
TORCHVISION_PARAMS: dict[str, tuple[str, dict[str, Any], int]] = {
    "alexnet": ("alexnet", {"variant": "owt", "geometry": "imagenet", "hidden": 4096},
                61_100_840),
    "vgg11": ("vgg", {"variant": "vgg11", "geometry": "imagenet", "batch_norm": False,
                      "hidden": 4096}, 132_863_336),
    "vgg13": ("vgg", {"variant": "vgg13", "geometry": "imagenet", "batch_norm": False,
                      "hidden": 4096}, 133_047_848),
    "vgg13_bn": ("vgg", {"variant": "vgg13", "geometry": "imagenet", "batch_norm": True,
                         "hidden": 4096}, 133_053_736),
    "vgg16": ("vgg", {"variant": "vgg16", "geometry": "imagenet", "batch_norm": False,
                      "hidden": 4096}, 138_357_544),
    "vgg19": ("vgg", {"variant": "vgg19", "geometry": "imagenet", "batch_norm": False,
                      "hidden": 4096}, 143_667_240),
    "vgg19_bn": ("vgg", {"variant": "vgg19", "geometry": "imagenet", "batch_norm": True,
                         "hidden": 4096}, 143_678_248),
    "googlenet": ("googlenet", {"geometry": "imagenet", "aux_heads": False}, 6_624_904),
    "densenet121": ("densenet", {"variant": "densenet121"}, 7_978_856),
    "resnet18": ("resnet", {"variant": "resnet18"}, 11_689_512),
    "resnet34": ("resnet", {"variant": "resnet34"}, 21_797_672),
    "resnet50": ("resnet", {"variant": "resnet50"}, 25_557_032),
}


def n_params(model: Any) -> int:
    """Number of trainable parameters (buffers such as BN running statistics excluded)."""
    return sum(p.numel() for p in model.parameters())


def parity(model_id: str) -> tuple[dict[str, dict[str, int | None]], str]:
    """For each torchvision net that ``model_id`` builds: nnzoo's parameter count in the
    ImageNet geometry (3x224x224, 1000 classes), the published count and, when torchvision
    imports, torchvision's model's count built here; and a note saying which ran."""
    try:
        import torchvision  # noqa: PLC0415  (optional: a CUDA build)
        note = f"torchvision {torchvision.__version__} built beside nnzoo"
    except Exception as e:  # noqa: BLE001  (ImportError, or RuntimeError: torchvision::nms)
        torchvision = None
        note = f"torchvision not run: it does not import here ({type(e).__name__}: {e})"
    rows: dict[str, dict[str, int | None]] = {}
    for name, (mid, hp, count) in TORCHVISION_PARAMS.items():
        if mid != model_id:
            continue
        with torch.device("meta"):  # shapes only: no memory, no initialisation
            model = create(mid, **hp, sample_shape=(3, 224, 224), n_classes=1000)
            built = None
            if torchvision is not None:
                built = n_params(getattr(torchvision.models, name)())
        rows[name] = {"nnzoo": n_params(model), "published": count, "torchvision_built": built}
    return rows, note


def quick_digits(model_id: str, quiet: bool) -> BenchResult:
    """The quick row of ``model_id``: its default recipe for :data:`QUICK_EPOCHS` epochs."""
    with one_thread(), tempfile.TemporaryDirectory() as out:
        summary = train(model_id, overrides={"epochs": QUICK_EPOCHS},
                        options=RunOptions(out=out, quiet=quiet, threads=1))
    rows, note = parity(model_id)
    if rows:
        equal = all(r["nnzoo"] == r["published"] for r in rows.values())
        notes = (f"parameter counts equal torchvision's published ones ({', '.join(rows)}): "
                 f"{equal}; {note}")
        peer = "none (architecture parity: torchvision's published parameter counts)"
    else:
        notes, peer = "torchvision has no such architecture", "none"
    return BenchResult(
        model_id, "quick", "digits", "test accuracy", True, peer,
        summary["test"]["accuracy"], None, summary["epoch_time_s"], None,
        "median training epoch", f"{QUICK_EPOCHS} epochs of the default recipe, 1 thread",
        notes=notes, extra={"parameters_imagenet": rows,
                            "parameters": summary.get("parameters")})


# -- the Fashion-MNIST table ------------------------------------------------------------------

#: The time budget of one net's row: 30 minutes of training (the engine's ``max_time`` stops at
#: the end of the epoch that crosses it; the recipes' epochs are sized to finish inside it).
FASHION_BUDGET_S = 1800.0

#: Published Fashion-MNIST test accuracies of the same architectures, from the benchmark table
#: of zalandoresearch/fashion-mnist's README (commit 02cf0676, "Note that we haven't yet tested
#: these results"): model id -> (the table's classifier and preprocessing, accuracy).
ZALANDO_TABLE: dict[str, tuple[str, float]] = {
    "cnn": ("2 Conv Layers with max pooling (Keras), no preprocessing", 0.876),
    "alexnet": ("AlexNet with Triplet loss, no preprocessing", 0.899),
    "vgg": ("VGG16 26M parameters, no preprocessing", 0.935),
    "googlenet": ("GoogleNet with cross-entropy loss, no preprocessing", 0.937),
    "resnet": ("ResNet18; normalization, random flips, translation, rotation", 0.949),
    "densenet": ("DenseNet-BC 768K params; mean/std, random crops and horizontal flips", 0.954),
    "mobilenet": ("MobileNet; horizontal flips", 0.950),
    "capsnet": ("Capsule Network 8M parameters; shift of at most 2 pixels, horizontal flip",
                0.936),
}


def fashion_row(model_id: str, quiet: bool, recipe: str = "fashion-mnist") -> BenchResult:
    """One row of the Fashion-MNIST table: ``model_id``'s ``recipe`` trained on the 55,000
    training images (validation: the last 5,000 of the training file, which chooses the
    epoch), the 10,000 test images scored once; at most :data:`FASHION_BUDGET_S` of training.
    The thread count is ``NNZOO_FASHION_THREADS`` (default 1; the command records it), and the
    net computes under bf16 autocast (``--amp``; ``NNZOO_FASHION_AMP=0`` for fp32): on this CPU
    (AVX-512 BF16) it trains ResNet-20 about 1.8 times faster. The peer column is the
    published accuracy of the same architecture in zalando's table, not run."""
    import os  # noqa: PLC0415

    from nnzoo.recipes import get_recipe  # noqa: PLC0415

    threads = int(os.environ.get("NNZOO_FASHION_THREADS", "1"))
    amp = os.environ.get("NNZOO_FASHION_AMP", "1") != "0"
    rec = get_recipe(model_id, recipe)
    hp, tr = rec.resolve()
    with torch.device("meta"):
        params = n_params(create(model_id, **hp, sample_shape=(1, 28, 28), n_classes=10))
    with tempfile.TemporaryDirectory() as out:
        summary = train(model_id, recipe, overrides={"max_time": FASHION_BUDGET_S},
                        options=RunOptions(out=out, quiet=quiet, threads=threads, amp=amp))
    published = ZALANDO_TABLE.get(model_id)
    within = summary["train_time_s"] <= FASHION_BUDGET_S
    notes = (f"recipe {recipe!r}: {rec.description}; {summary['epochs']} of {tr.epochs} "
             f"epochs in {summary['train_time_s'] / 60:.1f} min of training on {threads} "
             f"thread(s) ({'within' if within else 'over'} the 30-minute budget); epoch "
             f"{summary['scored_epoch']} chosen on validation (accuracy "
             f"{summary['val']['accuracy']:.4f})")
    if published:
        notes += (f"; published figure: zalando's table, {published[0]}: {published[1]:.3f} "
                  "(not run here; its own preprocessing and budget)")
    return BenchResult(
        model_id, "full", "fashion", "test accuracy", True,
        "published: zalandoresearch/fashion-mnist README table" if published else "none",
        summary["test"]["accuracy"], published[1] if published else None,
        summary["epoch_time_s"], None, "median training epoch",
        f"at most 30 min of training, {threads} thread(s), CPU, "
        f"{'bf16 autocast' if amp else 'fp32'}", notes=notes,
        extra={"params": params, "epoch_s": summary["epoch_time_s"],
               "train_time_s": summary["train_time_s"], "epochs": summary["epochs"],
               "test_acc": summary["test"]["accuracy"], "val_acc": summary["val"]["accuracy"],
               "threads": threads, "amp": amp})
