"""The vision nets' throughput rows (nnzoo/bench/vision/convnets.py): the FLOP counts against
the convolution formula and a hand count of a small net, and the row's arithmetic."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest
import torch
from torch import nn

import nnzoo.bench.vision.cnn as cnn_bench
import nnzoo.bench.vision.convnets as vb
from nnzoo.bench.runner import tasks
from nnzoo.models import create


def _conv_forward(c_in: int, c_out: int, k: int, h_out: int, w_out: int, groups: int = 1
                  ) -> int:
    """2 * C_in/groups * C_out * k * k * H_out * W_out: a multiply and an add per weight and
    output position."""
    return 2 * (c_in // groups) * c_out * k * k * h_out * w_out


@pytest.mark.parametrize(("c_in", "c_out", "k", "stride", "pad", "groups"),
                         [(3, 8, 5, 2, 1, 1), (1, 4, 3, 1, 1, 1), (6, 6, 3, 1, 1, 6)])
def test_flops_of_one_convolution_are_the_formula(c_in: int, c_out: int, k: int, stride: int,
                                                   pad: int, groups: int) -> None:
    conv = nn.Conv2d(c_in, c_out, k, stride, pad, groups=groups)
    b, side = 2, 17
    side_out = (side + 2 * pad - k) // stride + 1
    x = torch.randn(b, c_in, side, side)
    forward = b * _conv_forward(c_in, c_out, k, side_out, side_out, groups)
    assert vb.count_flops(lambda: conv(x)) == forward
    # backward: the weight's gradient costs as much as the forward pass, and so does the
    # input's when the input needs one
    assert vb.count_flops(lambda: conv(x).sum().backward()) == 2 * forward
    xg = x.clone().requires_grad_(True)
    assert vb.count_flops(lambda: conv(xg).sum().backward()) == 3 * forward


def test_train_step_flops_of_a_small_convnet_by_hand() -> None:
    """convnet, one stage of 4 channels, hidden 5, 3 classes, on 1x8x8: conv 1->4 and 4->4
    (3x3, same size), 2x2 pool to 4x4x4 = 64, linear 64->5, linear 5->3."""
    m = create("cnn", sample_shape=(1, 8, 8), n_classes=3, channels=(4,), hidden=5)
    x, y = torch.randn(2, 1, 8, 8), torch.tensor([0, 2])
    c1, c2 = _conv_forward(1, 4, 3, 8, 8), _conv_forward(4, 4, 3, 8, 8)
    l1, l2 = 2 * 64 * 5, 2 * 5 * 3
    forward = c1 + c2 + l1 + l2
    backward = c1 + 2 * c2 + 2 * l1 + 2 * l2   # the first layer needs no input gradient
    assert vb.train_step_flops(m, x, y) == 2 * (forward + backward)
    assert all(p.grad is None for p in m.parameters())  # counted on a copy


def test_throughput_row_arithmetic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vb, "WARMUP_STEPS", 1)
    monkeypatch.setattr(vb, "MIN_STEPS", 2)
    monkeypatch.setattr(vb, "MAX_STEPS", 2)
    peaks = iter([40.0, 50.0])
    monkeypatch.setattr(cnn_bench, "matmul_peak", lambda: next(peaks))
    r = vb.throughput("cnn", quiet=True)
    e = r.extra
    assert (r.model, r.tier, r.task) == ("cnn", "full", "throughput")
    assert len(e["step_times_s"]) == 2 and r.nnzoo_time_s == statistics.median(e["step_times_s"])
    assert r.nnzoo == pytest.approx(128 / r.nnzoo_time_s)
    assert e["gflops"] == pytest.approx(e["train_step_flops"] / r.nnzoo_time_s / 1e9)
    assert e["matmul_peak_gflops"] == [40.0, 50.0]
    assert e["fraction_of_peak"] == pytest.approx(e["gflops"] / 50.0)
    hp = {"channels": (32, 64)}  # the Fashion-MNIST recipe's net is the default convnet
    model = create("cnn", **hp, sample_shape=(1, 28, 28), n_classes=10)
    assert e["params"] == vb.n_params(model)
    xb, yb = torch.zeros(128, 1, 28, 28), torch.zeros(128, dtype=torch.long)
    assert e["train_step_flops"] == vb.train_step_flops(model, xb, yb)


def test_every_vision_net_has_a_throughput_row() -> None:
    ids = {"cnn", "alexnet", "zfnet", "nin", "vgg", "googlenet", "resnet", "senet",
           "densenet", "mobilenet"}
    assert ids <= {t.model for t in tasks(None, "full", ["throughput"])}


def test_data_parallel_fashion_run_launches_nnzoo_train_and_reads_its_summary(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import json

    import nnzoo.train.distributed as distributed

    calls: list[tuple[list[str], int]] = []

    def fake_launch(argv: list[str], nproc: int, rdzv: dict[str, object]) -> int:
        calls.append((argv, nproc))
        run = tmp_path / "resnet-fashion-mnist-ddp-1"
        run.mkdir()
        (run / "summary.json").write_text(json.dumps({"world_size": nproc, "epochs": 3}))
        return 0

    monkeypatch.setattr(distributed, "launch", fake_launch)
    summary = vb._train_data_parallel("resnet", "fashion-mnist-ddp", 2, str(tmp_path),
                                      quiet=True, amp=True)
    assert summary == {"world_size": 2, "epochs": 3}
    argv, nproc = calls[0]
    assert nproc == 2
    assert argv[:4] == ["train", "resnet", "--recipe", "fashion-mnist-ddp"]
    assert "--amp" in argv and f"max_time={vb.FASHION_BUDGET_S}" in argv
    assert argv[argv.index("--threads") + 1] == "1"
    # a failed launch is one clear error, not a missing file
    monkeypatch.setattr(distributed, "launch", lambda argv, nproc, rdzv: 1)
    with pytest.raises(RuntimeError, match="exit status 1"):
        vb._train_data_parallel("resnet", "fashion-mnist-ddp", 2, str(tmp_path / "none"),
                                quiet=True, amp=False)


def test_the_data_parallel_row_is_registered_with_its_recipe() -> None:
    from nnzoo.recipes import get_recipe

    models = {t.model for t in tasks(None, "full", ["fashion-ddp"])}
    assert models == {"resnet", "senet"}
    for model in models:  # the global batch splits evenly across the processes
        _, tr = get_recipe(model, "fashion-mnist-ddp").resolve()
        assert tr.batch_size % vb.FASHION_DDP_PROCS == 0


def test_the_table_schedule_warms_up_one_epoch_then_follows_the_epoch_cosine() -> None:
    import math

    from nnzoo.core.config import TrainConfig, build_optimizer, build_scheduler
    from nnzoo.core.errors import ConfigError
    from nnzoo.recipes.vision.table import STEPS_PER_EPOCH, table_training

    cfg = TrainConfig(**table_training(3))
    opt = build_optimizer([torch.nn.Parameter(torch.zeros(2))], cfg)
    sched, every = build_scheduler(opt, cfg, STEPS_PER_EPOCH)
    assert every == "step" and sched is not None
    rates = []
    for _ in range(3 * STEPS_PER_EPOCH):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    w = STEPS_PER_EPOCH
    # the ramp lr (s + 1) / (w + 1) of the first epoch
    assert rates[0] == pytest.approx(0.1 / (w + 1))
    assert rates[w - 1] == pytest.approx(0.1 * w / (w + 1))
    for epoch in (1, 2):  # lr (1 + cos(pi e / 3)) / 2, constant through the epoch
        want = 0.1 * (1 + math.cos(math.pi * epoch / 3)) / 2
        assert rates[epoch * w] == pytest.approx(want) == rates[epoch * w + w - 1]
    with pytest.raises(ConfigError, match="at least 2 epochs"):
        table_training(1)
