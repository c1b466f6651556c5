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

Full tier, ``throughput`` (one task per model, :func:`throughput`): training images/s of the
net each model's Fashion-MNIST recipe trains, on this CPU, one thread, batch 128 of 1x28x28
images; the FLOPs of one training step counted by ``FlopCounterMode`` and the fraction of
the machine's fp32 matmul peak measured in the same run.
"""

from __future__ import annotations

import copy
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

import torch

from nnzoo.bench.runner import BenchResult, one_thread
from nnzoo.models import create
from nnzoo.recipes import get_recipe
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
        "median training epoch",
        f"{QUICK_EPOCHS} epoch{'' if QUICK_EPOCHS == 1 else 's'} of the default recipe, 1 thread",
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


#: Processes of the ``fashion-ddp`` rows: data-parallel training on both cores of this
#: machine, one thread each.
FASHION_DDP_PROCS = 2


def fashion_row(model_id: str, quiet: bool, recipe: str = "fashion-mnist",
                nproc: int = 1) -> BenchResult:
    """One row of the Fashion-MNIST table: ``model_id``'s ``recipe`` trained on the 55,000
    training images (validation: the last 5,000 of the training file, which chooses the
    epoch), the 10,000 test images scored once; at most :data:`FASHION_BUDGET_S` of training.
    The thread count is ``NNZOO_FASHION_THREADS`` (default 1; the command records it), and the
    net computes under bf16 autocast (``--amp``; ``NNZOO_FASHION_AMP=0`` for fp32): on this CPU
    (AVX-512 BF16) it trains the nets faster than fp32. The peer column is the
    published accuracy of the same architecture in zalando's table, not run.

    With ``nproc`` > 1 the recipe trains data-parallel (``nnzoo train --nproc``: the same
    global batch of 128 split across ``nproc`` processes of one thread each, gradients
    averaged), and the row's task is ``fashion-ddp``."""
    import os  # noqa: PLC0415

    from nnzoo.recipes import get_recipe  # noqa: PLC0415

    threads = 1 if nproc > 1 else int(os.environ.get("NNZOO_FASHION_THREADS", "1"))
    amp = os.environ.get("NNZOO_FASHION_AMP", "1") != "0"
    rec = get_recipe(model_id, recipe)
    hp, tr = rec.resolve()
    with torch.device("meta"):
        params = n_params(create(model_id, **hp, sample_shape=(1, 28, 28), n_classes=10))
    with tempfile.TemporaryDirectory() as out:
        if nproc > 1:
            summary = _train_data_parallel(model_id, recipe, nproc, out, quiet, amp)
        else:
            summary = train(model_id, recipe, overrides={"max_time": FASHION_BUDGET_S},
                            options=RunOptions(out=out, quiet=quiet, threads=threads, amp=amp))
    published = ZALANDO_TABLE.get(model_id)
    within = summary["train_time_s"] <= FASHION_BUDGET_S
    where = (f"{nproc} data-parallel processes of 1 thread" if nproc > 1
             else f"{threads} thread(s)")
    notes = (f"recipe {recipe!r}: {rec.description}; {summary['epochs']} of {tr.epochs} "
             f"epochs in {summary['train_time_s'] / 60:.1f} min of training on {where} "
             f"({'within' if within else 'over'} the 30-minute budget); epoch "
             f"{summary['scored_epoch']} chosen on validation (accuracy "
             f"{summary['val']['accuracy']:.4f})")
    if published:
        notes += (f"; published figure: zalando's table, {published[0]}: {published[1]:.3f} "
                  "(not run here; its own preprocessing and budget)")
    return BenchResult(
        model_id, "full", "fashion-ddp" if nproc > 1 else "fashion", "test accuracy", True,
        "published: zalandoresearch/fashion-mnist README table" if published else "none",
        summary["test"]["accuracy"], published[1] if published else None,
        summary["epoch_time_s"], None, "median training epoch",
        f"at most 30 min of training, {where}, CPU, "
        f"{'bf16 autocast' if amp else 'fp32'}", notes=notes,
        extra={"params": params, "epoch_s": summary["epoch_time_s"],
               "train_time_s": summary["train_time_s"], "epochs": summary["epochs"],
               "test_acc": summary["test"]["accuracy"], "val_acc": summary["val"]["accuracy"],
               "threads": threads, "processes": nproc, "amp": amp})


def _train_data_parallel(model_id: str, recipe: str, nproc: int, out: str, quiet: bool,
                         amp: bool) -> dict[str, Any]:
    """``nnzoo train model_id --recipe recipe --nproc nproc --threads 1`` into ``out``, at
    most :data:`FASHION_BUDGET_S` of training; the run's ``summary.json``."""
    import json  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    from nnzoo.train.distributed import launch  # noqa: PLC0415

    argv = ["train", model_id, "--recipe", recipe, "--threads", "1", "--out", out,
            "--set", f"max_time={FASHION_BUDGET_S}", *(["--amp"] if amp else []),
            *(["--quiet"] if quiet else [])]
    rc = launch(argv, nproc, {})
    summaries = sorted(Path(out).glob("*/summary.json"))
    if rc != 0 or len(summaries) != 1:
        raise RuntimeError(f"the data-parallel run of {model_id} / {recipe} failed "
                           f"(exit status {rc}; {len(summaries)} summaries in {out})")
    summary: dict[str, Any] = json.loads(summaries[0].read_text())
    return summary


# -- training throughput -------------------------------------------------------------------------

#: The geometry of the throughput rows: Fashion-MNIST's images, batch, steps.
THROUGHPUT_SHAPE = (1, 28, 28)
THROUGHPUT_BATCH = 128
WARMUP_STEPS = 2
#: Timed steps: at least ``MIN_STEPS``; more while the timed steps took under
#: ``STEP_BUDGET_S`` seconds in all, at most ``MAX_STEPS``.
MIN_STEPS, MAX_STEPS, STEP_BUDGET_S = 3, 20, 20.0


def _conv_backward_flops(grad_out_shape: Any, x_shape: Any, w_shape: Any, _bias: Any,
                         _stride: Any, _padding: Any, _dilation: Any, transposed: bool,
                         _output_padding: Any, _groups: int, output_mask: Any,
                         out_shape: Any = None, **_: Any) -> int:
    """FLOPs of ``aten.convolution_backward``: the input's gradient (a transposed
    convolution of the output's gradient with the weights) and the weights' gradient, each
    as many multiply-adds as the forward convolution, groups included.

    torch's own formula (``torch.utils.flop_counter.conv_backward_flop``, torch 2.13) counts
    the weights' gradient of a grouped convolution as if it were not grouped: ``groups``
    times too many (1024 times for a depthwise layer of 1024 channels); this one counts it as
    the forward pass."""
    from torch.utils.flop_counter import conv_flop_count  # noqa: PLC0415

    flops = 0
    if output_mask[0]:
        flops += conv_flop_count(grad_out_shape, w_shape, x_shape, not transposed)
    if output_mask[1]:
        flops += conv_flop_count(x_shape, w_shape, grad_out_shape, transposed)
    return flops


def count_flops(fn: Callable[[], Any]) -> int:
    """FLOPs of the matrix products and convolutions ``fn()`` runs (forward and backward),
    as :class:`torch.utils.flop_counter.FlopCounterMode` counts them: ``2 m n k`` for an
    ``(m, k) @ (k, n)`` product, ``2 C_in/groups C_out k_h k_w H_out W_out`` per image for a
    convolution's forward pass, the same for each gradient its backward pass computes (with
    :func:`_conv_backward_flops` in place of torch's formula, which overcounts grouped
    convolutions). Element-wise work (activations, norms, the optimizer) is not counted."""
    from torch.utils.flop_counter import FlopCounterMode  # noqa: PLC0415

    mapping = {torch.ops.aten.convolution_backward: _conv_backward_flops}
    with FlopCounterMode(display=False, custom_mapping=mapping) as counter:
        fn()
    return int(counter.get_total_flops())


def train_step_flops(model: Any, x: torch.Tensor, y: torch.Tensor) -> int:
    """FLOPs of one training step of ``model`` on ``(x, y)``: its ``training_step`` (the loss
    it trains on: GoogLeNet's auxiliary heads included) and the backward pass, on a copy."""
    m = copy.deepcopy(model).train()
    return count_flops(lambda: m.training_step((x, y))["loss"].backward())


def throughput(model_id: str, quiet: bool, recipe: str = "fashion-mnist") -> BenchResult:
    """The ``full/throughput`` row of ``model_id``: training images/s on this CPU, one thread,
    of the net its ``recipe`` trains (its small geometry), on batches of
    :data:`THROUGHPUT_BATCH` random ``1x28x28`` images (the speed of dense kernels does not
    depend on the values), with the model's own optimizer; the FLOPs of one training step
    (:func:`train_step_flops`) and the fraction of this machine's fp32 matmul peak (a 2048^2
    ``torch.mm`` on one thread, measured before and after the timed steps in this run)."""
    from nnzoo.bench.vision.cnn import matmul_peak  # noqa: PLC0415  (the cnn row's peak)

    hp, cfg = get_recipe(model_id, recipe).resolve({})
    with one_thread():
        torch.manual_seed(0)
        model = create(model_id, **hp, sample_shape=THROUGHPUT_SHAPE, n_classes=10).train()
        g = torch.Generator().manual_seed(0)
        x = torch.randn(THROUGHPUT_BATCH, *THROUGHPUT_SHAPE, generator=g)
        y = torch.randint(0, 10, (THROUGHPUT_BATCH,), generator=g)
        opt = model.configure_optimizers(cfg)

        def step() -> float:
            t0 = time.perf_counter()
            for o in opt:
                o.zero_grad(set_to_none=True)
            model.training_step((x, y))["loss"].backward()
            for o in opt:
                o.step()
            return time.perf_counter() - t0

        flops = train_step_flops(model, x, y)
        peak_before = matmul_peak()
        for _ in range(WARMUP_STEPS):
            step()
        times: list[float] = []
        while len(times) < MIN_STEPS or (sum(times) < STEP_BUDGET_S and len(times) < MAX_STEPS):
            times.append(step())
        peak_after = matmul_peak()
    step_s = statistics.median(times)
    images_s = THROUGHPUT_BATCH / step_s
    gflops = flops / step_s / 1e9
    peak = max(peak_before, peak_after)
    params = n_params(model)
    if not quiet:
        print(f"  {model_id}: {images_s:.0f} images/s, {gflops:.1f} GFLOP/s of {peak:.0f}")
    return BenchResult(
        model_id, "full", "throughput", "training images/s", True,
        "none (this machine's fp32 matmul peak, measured in the run)", images_s, None, step_s,
        None, f"median training step (batch {THROUGHPUT_BATCH})",
        f"the {recipe} recipe's net ({', '.join(f'{k}={v}' for k, v in hp.items()) or 'defaults'}"
        f"), 1x28x28, batch {THROUGHPUT_BATCH}, 1 thread, {WARMUP_STEPS} warm-up + "
        f"{len(times)} timed steps, random images",
        notes=f"{images_s:.0f} training images/s = {gflops:.1f} GFLOP/s "
              f"({flops / THROUGHPUT_BATCH / 1e6:.1f} MFLOP per image, forward and backward, "
              f"counted by FlopCounterMode: convolutions and matrix products only), "
              f"{100 * gflops / peak:.0f} % of this machine's fp32 matmul peak "
              f"({peak:.0f} GFLOP/s, 2048^2 torch.mm on 1 thread, best of before and after); "
              f"{params:,} parameters. A shared machine: compare rows of the same run.",
        extra={"images_per_s": images_s, "train_step_flops": flops,
               "train_flops_per_image": flops / THROUGHPUT_BATCH, "gflops": gflops,
               "matmul_peak_gflops": [peak_before, peak_after], "fraction_of_peak": gflops / peak,
               "step_times_s": times, "batch": THROUGHPUT_BATCH, "threads": 1,
               "params": params, "recipe": recipe})
