"""What the CNNs need to train, each against a computation of its own: SGD with Nesterov
momentum, weight decay kept off norms and biases, label smoothing, warm-up before the cosine
and step schedules (and the step schedule's milestones), data augmentation, and channels-last
memory format."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from conftest import Cli
from torch import nn

from nnzoo.core.augment import (
    Augment,
    augment_batch,
    batch_generator,
    draw,
    parse_augment,
)
from nnzoo.core.config import TrainConfig, build_config, build_optimizer, build_scheduler
from nnzoo.core.errors import ConfigError, InputError
from nnzoo.core.rundir import RunDir
from nnzoo.data.base import ArrayDataset
from nnzoo.models import create
from nnzoo.models.base import Classifier
from nnzoo.train.engine import Trainer, evaluate

# -- SGD with Nesterov momentum --------------------------------------------------------------


def test_nesterov_two_steps_on_a_quadratic_by_hand() -> None:
    """f(p) = 1/2 sum_i a_i p_i^2, g = a p: v = mu v + g; p -= lr (g + mu v), twice."""
    a, p0, lr, mu = [2.0, -1.0, 0.5], [1.0, 3.0, -2.0], 0.1, 0.9
    p = torch.tensor(p0, requires_grad=True)
    opt = build_optimizer([p], TrainConfig(optimizer="sgd", lr=lr, momentum=mu, nesterov=True))
    for _ in range(2):
        opt.zero_grad()
        (0.5 * (torch.tensor(a) * p**2).sum()).backward()
        opt.step()
    want = []
    for ai, pi in zip(a, p0):
        v = 0.0
        for _ in range(2):
            g = ai * pi
            v = mu * v + g
            pi = pi - lr * (g + mu * v)
        want.append(pi)
    assert p.detach().tolist() == pytest.approx(want, rel=1e-6)
    plain = torch.tensor(p0, requires_grad=True)   # plain momentum steps p -= lr v: different
    opt = build_optimizer([plain], TrainConfig(optimizer="sgd", lr=lr, momentum=mu))
    for _ in range(2):
        opt.zero_grad()
        (0.5 * (torch.tensor(a) * plain**2).sum()).backward()
        opt.step()
    assert not torch.allclose(plain, p)


@pytest.mark.parametrize("values", [{"nesterov": True},                        # adam
                                    {"nesterov": True, "optimizer": "sgd", "momentum": 0}])
def test_nesterov_needs_sgd_with_momentum(values: dict) -> None:
    with pytest.raises(ConfigError, match="nesterov needs optimizer=sgd and momentum > 0"):
        build_config(TrainConfig, values)


# -- weight decay off norms and biases -------------------------------------------------------


class _TinyConvNet(Classifier):
    """conv 3x3 -> batch norm -> ReLU -> mean pool -> linear: a 4-d weight, 1-d norm
    parameters and biases."""

    model_id = "tiny-conv"

    def __init__(self, c: int = 2, k: int = 3) -> None:
        super().__init__(type("Cfg", (), {"sample_shape": (c, 6, 6)})())
        self.conv = nn.Conv2d(c, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, k)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        return self.fc(F.relu(self.bn(self.conv(x))).mean((2, 3)))


def test_decay_groups_leave_vectors_without_weight_decay() -> None:
    torch.manual_seed(0)
    net = _TinyConvNet()
    cfg = TrainConfig(optimizer="sgd", lr=0.1, weight_decay=0.01, decay_norms_and_biases=False)
    (opt,) = net.configure_optimizers(cfg)
    groups = {id(p): g["weight_decay"] for g in opt.param_groups for p in g["params"]}
    want = {id(net.conv.weight): 0.01, id(net.fc.weight): 0.01, id(net.conv.bias): 0.0,
            id(net.bn.weight): 0.0, id(net.bn.bias): 0.0, id(net.fc.bias): 0.0}
    assert groups == want
    (opt,) = net.configure_optimizers(TrainConfig(optimizer="sgd", weight_decay=0.01))
    assert len(opt.param_groups) == 1 and opt.param_groups[0]["weight_decay"] == 0.01
    # a group that names its own decay keeps it; one with none stays whole
    explicit = build_optimizer([{"params": [net.fc.weight, net.fc.bias], "weight_decay": 0.5},
                                {"params": [net.conv.weight, net.conv.bias],
                                 "weight_decay": 0.0}], cfg)
    assert [(len(g["params"]), g["weight_decay"]) for g in explicit.param_groups] == [
        (1, 0.5), (1, 0.0), (2, 0.0)]


@pytest.mark.parametrize("decay, factor", [(True, 1 - 0.1 * 0.5), (False, 1.0)])
def test_a_bias_with_zero_gradient_decays_only_when_asked(decay: bool, factor: float) -> None:
    """SGD at lr 0.1 and weight decay 0.5: a bias whose gradient is 0 steps by
    -lr wd b = b (1 - 0.05) when it decays, and stays put when it does not."""
    net = _TinyConvNet()
    with torch.no_grad():
        net.fc.bias.fill_(2.0)
    cfg = TrainConfig(optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=0.5,
                      decay_norms_and_biases=decay)
    (opt,) = net.configure_optimizers(cfg)
    w0 = net.fc.weight.detach().clone()
    for p in net.parameters():
        p.grad = torch.zeros_like(p)
    opt.step()
    assert torch.allclose(net.fc.bias, torch.full((3,), 2.0 * factor))
    assert torch.allclose(net.fc.weight, w0 * (1 - 0.05))     # the matrix decays either way


@pytest.mark.parametrize("model_id, hp", [("mlp", {}), ("resnet", {"sample_shape": (1, 8, 8)}),
                                          ("gan", {"sample_shape": (1, 8, 8)})])
def test_registered_models_keep_decay_off_their_vectors(model_id: str, hp: dict) -> None:
    """Every optimizer that a model's own ``configure_optimizers`` builds (MLP's fused Adam,
    the GAN's two) puts each parameter of fewer than two dimensions in a group without
    weight decay, and the others in one with it."""
    model = create(model_id, **hp)
    cfg = TrainConfig(weight_decay=0.05, decay_norms_and_biases=False)
    seen = 0
    for opt in model.configure_optimizers(cfg):
        for g in opt.param_groups:
            for p in g["params"]:
                assert g["weight_decay"] == (0.05 if p.dim() >= 2 else 0.0)
                seen += 1
    assert seen == sum(1 for p in model.parameters() if p.requires_grad)


# -- label smoothing -------------------------------------------------------------------------


def _smoothed_by_hand(logits: list[list[float]], y: list[int], e: float) -> float:
    """(1 - e) (-log p_y) + e mean_k(-log p_k), averaged over the rows, with math.exp/log."""
    total = 0.0
    for row, t in zip(logits, y):
        z = sum(math.exp(v) for v in row)
        nll = [-(v - math.log(z)) for v in row]
        total += (1 - e) * nll[t] + e * sum(nll) / len(row)
    return total / len(logits)


def test_label_smoothing_loss_is_the_formula_and_evaluation_is_plain() -> None:
    torch.manual_seed(1)
    net = _TinyConvNet()
    with torch.no_grad():
        net.fc.weight.mul_(20)                                    # confident scores
    x, y = torch.randn(5, 2, 6, 6), torch.tensor([0, 2, 1, 1, 0])
    net.eval()                                                    # batch norm: fixed statistics
    logits = net(x).detach().double().tolist()
    net.set_label_smoothing(0.2)
    train_loss = float(net.training_step((x, y))["loss"].detach())
    assert train_loss == pytest.approx(_smoothed_by_hand(logits, y.tolist(), 0.2), rel=1e-5)
    eval_loss = float(net.evaluation_step((x, y))["loss"])
    assert eval_loss == pytest.approx(_smoothed_by_hand(logits, y.tolist(), 0.0), rel=1e-5)
    assert abs(train_loss - eval_loss) > 0.01


def test_the_engine_gives_the_model_its_label_smoothing() -> None:
    data = ArrayDataset(torch.randn(8, 2, 6, 6), torch.arange(8) % 3)
    net = _TinyConvNet()
    Trainer(net, data, data, TrainConfig(label_smoothing=0.1), quiet=True)
    assert net.label_smoothing == 0.1
    googlenet = create("googlenet", sample_shape=(1, 28, 28))
    Trainer(googlenet, data, data, TrainConfig(label_smoothing=0.1), quiet=True)
    assert googlenet.label_smoothing == 0.1


def test_label_smoothing_is_refused_where_the_loss_is_not_a_cross_entropy() -> None:
    data = ArrayDataset(torch.randn(8, 1, 8, 8), torch.arange(8) % 3)
    with pytest.raises(ConfigError, match="label_smoothing applies to classifiers"):
        Trainer(create("perceptron", sample_shape=(1, 8, 8)), data, data,
                TrainConfig(label_smoothing=0.1), quiet=True)
    with pytest.raises(ConfigError, match=r"label_smoothing must be in \[0, 1\)"):
        TrainConfig(label_smoothing=1.0)


# -- schedules with warm-up ------------------------------------------------------------------


def _lrs(cfg: TrainConfig, steps_per_epoch: int) -> list[float]:
    """The rate of every optimizer step of the run, stepping the scheduler as the engine."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=cfg.lr)
    sched, unit = build_scheduler(opt, cfg, steps_per_epoch)
    out = []
    for _ in range(cfg.epochs):
        for _ in range(steps_per_epoch):
            out.append(opt.param_groups[0]["lr"])
            opt.step()                                   # no gradient: nothing moves
            if sched is not None and unit == "step":
                sched.step()
        if sched is not None and unit == "epoch":
            sched.step()
    return out


C1, C2, C3 = 0.8535533905932737, 0.5, 0.14644660940672627   # (1 + cos(pi e / 4)) / 2


@pytest.mark.parametrize("values, want", [
    # cosine over 4 epochs of 2 steps, warm-up 3 steps: 1/4, 2/4, 3/4 of the epoch's rate
    ({"scheduler": "cosine", "warmup_steps": 3},
     [0.25, 0.5, 0.75 * C1, C1, C2, C2, C3, C3]),
    # step x0.5 every 2 epochs (step_size), warm-up 1 step
    ({"scheduler": "step", "step_size": 2, "gamma": 0.5, "warmup_steps": 1},
     [0.5, 1, 1, 1, 0.5, 0.5, 0.5, 0.5]),
    # step x0.1 after epochs 1 and 3 (milestones), warm-up 2 steps
    ({"scheduler": "step", "milestones": (1, 3), "warmup_steps": 2},
     [1 / 3, 2 / 3, 0.1, 0.1, 0.1, 0.1, 0.01, 0.01]),
    # milestones without warm-up: torch's MultiStepLR, per epoch
    ({"scheduler": "step", "milestones": (2, 3), "gamma": 0.5},
     [1, 1, 1, 1, 0.5, 0.5, 0.25, 0.25]),
    # the defaults as before: x0.1 every step_size epochs; cosine per epoch
    ({"scheduler": "step", "step_size": 3}, [1, 1, 1, 1, 1, 1, 0.1, 0.1]),
    ({"scheduler": "cosine"}, [1, 1, C1, C1, C2, C2, C3, C3]),
    # none with warm-up: the ramp, then the constant rate
    ({"scheduler": "none", "warmup_steps": 3}, [0.25, 0.5, 0.75, 1, 1, 1, 1, 1]),
])
def test_schedules_give_the_hand_written_rates(values: dict, want: list[float]) -> None:
    cfg = build_config(TrainConfig, {"lr": 1.0, "epochs": 4, **values})
    assert _lrs(cfg, steps_per_epoch=2) == pytest.approx(want, abs=1e-12)


@pytest.mark.parametrize("values, match", [
    ({"scheduler": "onecycle", "warmup_steps": 10}, "does not apply to onecycle"),
    ({"milestones": (3, 2)}, "milestones must be increasing"),
    ({"milestones": (0,)}, "milestones must be increasing"),
    ({"gamma": 0.0}, r"gamma must be in \(0, 1\]"),
])
def test_bad_schedule_settings_are_one_clear_error(values: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        build_config(TrainConfig, values)


# -- data augmentation -----------------------------------------------------------------------


def test_a_crop_is_the_padded_image_sliced_at_its_offset() -> None:
    torch.manual_seed(2)
    x = torch.randn(6, 3, 5, 7)
    aug = Augment(pad=2)
    out = augment_batch(x, aug, batch_generator(0, 1, 2))
    offsets, flips = draw(aug, 6, batch_generator(0, 1, 2))
    assert flips is None and offsets is not None
    for n in range(6):                                # brute force, pixel by pixel
        dy, dx = int(offsets[n, 0]), int(offsets[n, 1])
        for i in range(5):
            for j in range(7):
                si, sj = i + dy - 2, j + dx - 2       # the source pixel, or padding
                inside = 0 <= si < 5 and 0 <= sj < 7
                want = x[n, :, si, sj] if inside else torch.zeros(3)
                assert torch.equal(out[n, :, i, j], want), (n, i, j)
    assert set(offsets.flatten().tolist()) <= set(range(5))


def test_flip_mirrors_half_the_samples_and_twice_is_the_identity() -> None:
    x = torch.randn(400, 1, 3, 4)
    aug = parse_augment("flip")
    gen = batch_generator(3, 0, 0)
    once = augment_batch(x, aug, gen)
    _, flips = draw(aug, 400, batch_generator(3, 0, 0))
    assert flips is not None
    assert torch.equal(once[flips], x[flips].flip(3)) and torch.equal(once[~flips], x[~flips])
    assert 150 < int(flips.sum()) < 250
    twice = augment_batch(once, aug, batch_generator(3, 0, 0))
    assert torch.equal(twice, x)


def test_draws_are_a_function_of_seed_epoch_and_step() -> None:
    x = torch.randn(16, 1, 8, 8)
    aug = parse_augment("crop4+flip")
    torch.manual_seed(0)
    a = augment_batch(x, aug, batch_generator(7, 2, 5))
    torch.manual_seed(123)                                  # the global generator plays no part
    b = augment_batch(x, aug, batch_generator(7, 2, 5))
    assert torch.equal(a, b)
    for other in [(8, 2, 5), (7, 3, 5), (7, 2, 6)]:
        assert not torch.equal(a, augment_batch(x, aug, batch_generator(*other)))
    # a process's share of the global batch gets the rows of the whole batch's draws
    share = augment_batch(x[1::3], aug, batch_generator(7, 2, 5), total=16,
                          share=slice(1, None, 3))
    assert torch.equal(share, a[1::3])


def test_augment_spec_and_shape_errors_are_one_line() -> None:
    assert parse_augment("crop4+flip") == parse_augment("flip+crop4") == Augment(4, True)
    assert not parse_augment("none").active
    for bad in ("rotate", "crop", "crop0", "flip+flip", "crop4+crop2", ""):
        with pytest.raises(ConfigError, match="known: none, crop<P>"):
            TrainConfig(augment=bad)
    with pytest.raises(InputError, match=r"shape \(N, C, H, W\)"):
        augment_batch(torch.randn(4, 64), parse_augment("flip"), batch_generator(0, 0, 0))
    with pytest.raises(InputError, match="floating point"):
        augment_batch(torch.zeros(4, 1, 5, 5, dtype=torch.long), parse_augment("flip"),
                      batch_generator(0, 0, 0))


class _Recorder(_TinyConvNet):
    """Records the inputs of every training and evaluation step."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, list[torch.Tensor]] = {"train": [], "eval": []}

    def training_step(self, batch: tuple) -> dict[str, torch.Tensor]:
        self.seen["train"].append(batch[0].clone())
        return super().training_step(batch)

    def evaluation_step(self, batch: tuple) -> dict[str, torch.Tensor]:
        self.seen["eval"].append(batch[0].clone())
        return super().evaluation_step(batch)


def _images(n: int = 24) -> ArrayDataset:
    g = torch.Generator().manual_seed(5)
    return ArrayDataset(torch.randn(n, 2, 6, 6, generator=g), torch.arange(n) % 3)


def test_the_engine_augments_training_batches_only_and_resumes_their_draws() -> None:
    data, val = _images(), _images(10)
    net = _Recorder()
    cfg = TrainConfig(epochs=1, batch_size=8, augment="crop2+flip", optimizer="sgd")
    trainer = Trainer(net, data, val, cfg, seed=4, quiet=True)
    batches = [x for x, _, _ in trainer._batches(0, 0)]
    again = [x for x, _, _ in trainer._batches(0, 1)]        # resumed after the first batch
    assert all(torch.equal(a, b) for a, b in zip(batches[1:], again))
    order = torch.randperm(24, generator=torch.Generator().manual_seed(4 * 1_000_003 + 0))
    plain = [data.X[order[i:i + 8]] for i in range(0, 24, 8)]
    assert not any(torch.equal(a, p) for a, p in zip(batches, plain))
    for b, (a, p) in enumerate(zip(batches, plain)):           # the draws of (4, 0, b)
        assert torch.equal(a, augment_batch(p, trainer.augment, batch_generator(4, 0, b)))
    trainer.fit()
    assert all(torch.equal(a, b) for a, b in zip(net.seen["train"], batches))
    assert torch.equal(torch.cat(net.seen["eval"]), val.X)     # evaluation: untouched
    net.seen["eval"].clear()
    evaluate(net, val)
    assert torch.equal(torch.cat(net.seen["eval"]), val.X)


def test_a_resumed_augmented_run_matches_the_uninterrupted_one(tmp_path: Path) -> None:
    data, val = _images(), _images(10)
    cfg = TrainConfig(epochs=2, batch_size=8, augment="crop2+flip", optimizer="sgd", lr=0.05)

    def fresh() -> _TinyConvNet:
        torch.manual_seed(0)
        return _TinyConvNet()

    whole = fresh()
    Trainer(whole, data, val, cfg, seed=1, quiet=True).fit()
    first = fresh()
    run = RunDir.create(tmp_path, "aug")
    Trainer(first, data, val, cfg, seed=1, quiet=True, run=run).fit(until_epoch=1)
    torch.manual_seed(99)                                      # another process's generators
    resumed = _TinyConvNet()
    t = Trainer(resumed, data, val, cfg, seed=1, quiet=True, run=run)
    t.restore(run.checkpoint_path)
    t.fit()
    for a, b in zip(whole.state_dict().values(), resumed.state_dict().values()):
        assert torch.equal(a, b)


# -- channels-last ---------------------------------------------------------------------------


@pytest.mark.parametrize("amp", [False, True])
def test_channels_last_trains_like_the_contiguous_layout(amp: bool) -> None:
    """Same weights after two epochs to float rounding (SGD: Adam would divide the conv
    bias's gradient, rounding noise since batch norm follows, by its own square root)."""
    data, val = _images(), _images(10)
    nets = {}
    for cl in (False, True):
        torch.manual_seed(0)
        net = _TinyConvNet()
        cfg = TrainConfig(epochs=2, batch_size=8, lr=0.05, optimizer="sgd", channels_last=cl)
        Trainer(net, data, val, cfg, seed=0, quiet=True, amp=amp).fit()
        nets[cl] = net
    assert nets[True].conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert not nets[True].conv.weight.is_contiguous()
    assert nets[False].conv.weight.is_contiguous()
    tol = 2e-2 if amp else 1e-5                                # bf16 rounds to 8 bits
    for a, b in zip(nets[False].state_dict().values(), nets[True].state_dict().values()):
        assert torch.allclose(a.float(), b.float(), atol=tol, rtol=tol)
    nets[False].eval()
    nets[True].eval()
    x = val.X
    assert torch.allclose(nets[False](x), nets[True](x.contiguous(
        memory_format=torch.channels_last)), atol=10 * tol, rtol=10 * tol)


def test_cli_channels_last_reaches_the_run(cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli("train", "cnn", "--epochs", "1", "--channels-last", "--amp",
                         "--set", "augment=crop1+flip", "--set", "label_smoothing=0.1",
                         "--set", "optimizer=sgd", "--set", "nesterov=true",
                         "--set", "lr=0.05", "--set", "decay_norms_and_biases=false",
                         "--set", "weight_decay=5e-4", "--set", "milestones=1",
                         "--set", "scheduler=step", "--set", "warmup_steps=5",
                         "--out", str(tmp_path), "--quiet", "--device", "cpu")
    assert code == 0, err
    run = next(p for p in tmp_path.iterdir() if p.is_dir())
    train = json.loads((run / "config.json").read_text())["train"]
    assert train["channels_last"] is True and train["augment"] == "crop1+flip"
    assert train["milestones"] == [1] and train["nesterov"] is True
    code, _, err = cli("train", "dqn", "--channels-last", "--out", str(tmp_path))
    assert code == 2 and "--channels-last is the engine's" in err


@pytest.mark.parametrize("args, needle", [
    (["lstm", "--set", "augment=flip"], "augment needs image batches of shape (N, C, H, W)"),
    (["cnn", "--set", "augment=rotate"], "known: none, crop<P>"),
    (["perceptron", "--set", "label_smoothing=0.1"], "label_smoothing applies to classifiers"),
    (["mlp", "--set", "nesterov=true"], "nesterov needs optimizer=sgd"),
])
def test_cli_bad_training_settings_are_one_line(cli: Cli, tmp_path: Path, args: list[str],
                                                needle: str) -> None:
    code, _, err = cli("train", *args, "--out", str(tmp_path), "--quiet", "--device", "cpu")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and needle in lines[0], err
