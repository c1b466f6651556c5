"""The capsule network (Sabour et al. 2017): squashing, routing by agreement, the margin loss and
the masked decoder against hand computations and a plain-loop reference; the paper's geometry's
parameter count by hand; the shift augmentation and the learning-rate decay; bad input."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from nnzoo.bench.vision.convnets import n_params
from nnzoo.core.config import TrainConfig
from nnzoo.core.errors import ConfigError, InputError, UsageError
from nnzoo.core.loop import optimize
from nnzoo.models import create
from nnzoo.models.vision.capsnet import CapsNet, margin_loss, random_shift, route, squash


def test_squash_is_the_formula_on_hand_values() -> None:
    # (3, 4): ||s|| = 5, ||s||^2 = 25 -> 25/26 * (3/5, 4/5); (1, 0): 1/2 * (1, 0)
    s = torch.tensor([[3.0, 4.0], [1.0, 0.0], [0.0, -0.5]], dtype=torch.float64)
    want = torch.tensor([[25 / 26 * 0.6, 25 / 26 * 0.8], [0.5, 0.0],
                         [0.0, -(0.25 / 1.25)]], dtype=torch.float64)
    torch.testing.assert_close(squash(s), want, rtol=1e-12, atol=1e-12)
    # the length is ||s||^2 / (1 + ||s||^2): below 1 however long s is
    assert float(squash(torch.tensor([[1e3, 0.0]])).norm()) == pytest.approx(1e6 / (1 + 1e6))


def test_squash_maps_zero_to_zero_with_a_finite_gradient() -> None:
    s = torch.zeros(2, 8, requires_grad=True)
    v = squash(s)
    assert torch.equal(v, torch.zeros(2, 8))
    v.sum().backward()
    assert s.grad is not None and torch.isfinite(s.grad).all()


def test_coupling_coefficients_sum_to_one_over_the_parents() -> None:
    torch.manual_seed(0)
    u_hat = torch.randn(3, 7, 4, 5)
    for iterations in (1, 2, 3):
        _, c = route(u_hat, iterations)
        torch.testing.assert_close(c.sum(-1), torch.ones(3, 7))
        assert (c > 0).all()
    model = create("capsnet", sample_shape=(1, 8, 8), conv_kernel=3, primary_kernel=3,
                   conv_channels=16, primary_channels=4).eval()
    _, c = model.capsules(torch.rand(5, 1, 8, 8))
    assert c.shape == (5, 4 * 2 * 2, 10)
    torch.testing.assert_close(c.sum(-1), torch.ones(5, 16))
    # one routing iteration: the coefficients are uniform, 1 / K
    _, c1 = route(u_hat, 1)
    torch.testing.assert_close(c1, torch.full_like(c1, 1 / 4))


def _route_by_loops(u_hat: np.ndarray, iterations: int) -> tuple[np.ndarray, np.ndarray]:
    """Procedure 1 of the paper, one child i and one parent j at a time, in plain Python."""
    n, k, d = u_hat.shape
    b = [[0.0] * k for _ in range(n)]
    v = [[0.0] * d for _ in range(k)]
    c = [[0.0] * k for _ in range(n)]
    for r in range(iterations):
        for i in range(n):
            z = sum(math.exp(b[i][j]) for j in range(k))
            c[i] = [math.exp(b[i][j]) / z for j in range(k)]
        for j in range(k):
            s = [sum(c[i][j] * u_hat[i, j, e] for i in range(n)) for e in range(d)]
            sq = sum(x * x for x in s)
            norm = math.sqrt(sq)
            v[j] = [sq / (1 + sq) * x / norm for x in s]
        if r < iterations - 1:
            for i in range(n):
                for j in range(k):
                    b[i][j] += sum(u_hat[i, j, e] * v[j][e] for e in range(d))
    return np.array(v), np.array(c)


@pytest.mark.parametrize("iterations", [1, 2, 3, 5])
def test_routing_equals_a_plain_loop_reference(iterations: int) -> None:
    rng = np.random.default_rng(iterations)
    u_hat = rng.normal(size=(2, 5, 3, 4))                     # (B, N, K, D)
    v, c = route(torch.from_numpy(u_hat), iterations)
    for bi in range(2):
        v_ref, c_ref = _route_by_loops(u_hat[bi], iterations)
        np.testing.assert_allclose(v[bi].numpy(), v_ref, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(c[bi].numpy(), c_ref, rtol=1e-10, atol=1e-12)


def test_routing_sends_a_child_to_the_parent_it_agrees_with() -> None:
    # children 0-3 all predict (1, 0) for parent 0 and scattered vectors for parent 1; child 4
    # predicts (1, 0) for both: routing moves child 4 toward parent 0, where the others agree
    u_hat = torch.zeros(1, 5, 2, 2, dtype=torch.float64)
    u_hat[0, :, 0] = torch.tensor([1.0, 0.0])
    u_hat[0, :4, 1] = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    u_hat[0, 4, 1] = torch.tensor([1.0, 0.0])
    _, c = route(u_hat, 3)
    assert float(c[0, 4, 0]) > 0.5 > float(c[0, 4, 1])


def test_margin_loss_on_a_hand_computed_case() -> None:
    lengths = torch.tensor([[0.95, 0.3, 0.05], [0.5, 0.2, 0.8]])
    y = torch.tensor([0, 2])
    # sample 0: present 0 (0.95 > 0.9); absent 0.5 (0.3 - 0.1)^2 = 0.02 and 0 (0.05 < 0.1)
    # sample 1: present (0.9 - 0.8)^2 = 0.01; absent 0.5 (0.4^2 + 0.1^2) = 0.085
    want = (0.02 + 0.095) / 2
    assert float(margin_loss(lengths, y)) == pytest.approx(want, abs=1e-7)
    assert float(margin_loss(lengths, y, lam=1.0)) == pytest.approx((0.04 + 0.18) / 2, abs=1e-7)


def test_the_decoder_sees_only_the_masked_capsule() -> None:
    torch.manual_seed(0)
    model = create("capsnet", sample_shape=(1, 8, 8), conv_kernel=3, primary_kernel=3,
                   conv_channels=16, primary_channels=4, decoder=(32, 32)).eval()
    v = torch.randn(4, 10, 16)
    labels = torch.tensor([0, 3, 9, 3])
    rec = model.decode(v, labels)
    assert rec.shape == (4, 1, 8, 8) and ((rec > 0) & (rec < 1)).all()
    other = v.clone()
    keep = torch.nn.functional.one_hot(labels, 10).bool()
    other[~keep] = torch.randn(int((~keep).sum()), 16)       # every other class's capsule
    assert torch.equal(model.decode(other, labels), rec)
    changed = v.clone()
    changed[torch.arange(4), labels] += 1.0                   # the masked capsule itself
    assert not torch.allclose(model.decode(changed, labels), rec)
    bare = create("capsnet", sample_shape=(1, 8, 8), conv_kernel=3, primary_kernel=3,
                  decoder=())
    assert isinstance(bare, CapsNet)
    with pytest.raises(UsageError, match="no decoder"):
        bare.decode(v, labels)


def test_the_papers_parameter_count_by_hand() -> None:
    conv1 = 9 * 9 * 1 * 256 + 256                             # 256 filters of 9x9, biases
    primary = 9 * 9 * 256 * (32 * 8) + 32 * 8                 # 32 x 8 channels of 9x9 on 256
    n_primary = 32 * 6 * 6                                    # 28 - 8 = 20; (20 - 9) // 2 + 1
    digits = n_primary * 10 * (16 * 8)                        # W_ij: 16 x 8 per (i, j)
    decoder = (160 * 512 + 512) + (512 * 1024 + 1024) + (1024 * 784 + 784)
    with torch.device("meta"):
        model = create("capsnet", sample_shape=(1, 28, 28), n_classes=10)
    assert isinstance(model, CapsNet) and model.config.n_primary == 1152
    assert n_params(model) == conv1 + primary + digits + decoder == 8_215_568
    assert model.decoder is not None and n_params(model.decoder) == decoder
    # the paper, as public reproductions quote it: "8.2M parameters and 6.8M parameters
    # without the reconstruction subnetwork"
    assert round(n_params(model) / 1e6, 1) == 8.2
    assert round((n_params(model) - decoder) / 1e6, 1) == 6.8


def test_the_paper_geometry_trains_on_28x28() -> None:
    torch.manual_seed(0)
    model = create("capsnet", sample_shape=(1, 28, 28), n_classes=10)
    x, y = torch.rand(4, 1, 28, 28), torch.randint(0, 10, (4,))
    assert model(x).shape == (4, 10)
    out = model.training_step((x, y))
    out["loss"].backward()
    assert torch.isfinite(out["loss"]) and set(out) >= {"margin_loss", "reconstruction_sse"}
    assert all(p.grad is not None for p in model.parameters())


def test_an_image_below_the_minimum_names_the_size() -> None:
    with pytest.raises(ConfigError, match=r"capsnet needs images of at least 17x17 pixels, "
                                          r"got 16x16"):
        create("capsnet", sample_shape=(1, 16, 16))
    create("capsnet", sample_shape=(1, 17, 17), decoder=())  # 17 is enough: a 1x1 map
    with pytest.raises(ConfigError, match="at least 5x5 pixels, got 4x4"):
        create("capsnet", sample_shape=(1, 4, 4), conv_kernel=3, primary_kernel=3)


def test_the_wrong_number_of_channels() -> None:
    model = create("capsnet", sample_shape=(3, 32, 32), conv_channels=8, primary_channels=2,
                   decoder=())
    with pytest.raises(InputError, match=r"shape \(batch, 3, 32, 32\), got \(2, 1, 32, 32\)"):
        model(torch.randn(2, 1, 32, 32))


def test_bad_hyperparameters_are_one_clear_error() -> None:
    with pytest.raises(ConfigError, match="m_minus < m_plus"):
        create("capsnet", m_plus=0.1, m_minus=0.9)
    with pytest.raises(ConfigError, match="routing_iterations"):
        create("capsnet", routing_iterations=0)
    with pytest.raises(ConfigError, match="decay_rate"):
        create("capsnet", decay_rate=1.5)


def test_random_shift_moves_each_image_within_the_range() -> None:
    torch.manual_seed(0)
    x = torch.rand(64, 2, 6, 5)
    out = random_shift(x, 2)
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2))
    offsets = set()
    for i in range(len(x)):
        hits = [(dy, dx) for dy in range(5) for dx in range(5)
                if torch.equal(out[i], padded[i, :, dy:dy + 6, dx:dx + 5])]
        assert len(hits) == 1                                 # brute force over every offset
        offsets.add(hits[0])
    assert len(offsets) > 10                                  # drawn per image
    assert random_shift(x, 0) is x


def test_the_learning_rate_decays_exponentially_per_step() -> None:
    torch.manual_seed(0)
    model = create("capsnet", sample_shape=(1, 8, 8), conv_kernel=3, primary_kernel=3,
                   conv_channels=8, primary_channels=2, decoder=(), decay_rate=0.5,
                   decay_steps=4)
    (opt,) = model.configure_optimizers(TrainConfig(lr=1e-3))
    batch = (torch.rand(4, 1, 8, 8), torch.tensor([0, 1, 2, 3]))
    for step in range(1, 9):
        optimize(model.training_step, batch, [opt], automatic=True)
        assert opt.param_groups[0]["lr"] == pytest.approx(1e-3 * 0.5 ** (step / 4), rel=1e-9)
    (plain,) = create("capsnet", sample_shape=(1, 8, 8), conv_kernel=3, primary_kernel=3,
                      decoder=()).configure_optimizers(TrainConfig(lr=1e-3))
    assert not plain._optimizer_step_post_hooks  # decay_rate 1: no hook


def _small(**kw: object) -> CapsNet:
    torch.manual_seed(0)
    model = create("capsnet", sample_shape=(1, 8, 8), conv_kernel=3, primary_kernel=3,
                   conv_channels=8, primary_channels=2, decoder=(16,), **kw)
    assert isinstance(model, CapsNet)
    return model


def test_the_decoder_reads_the_true_class_in_training_and_the_longest_capsule_otherwise(
        monkeypatch: pytest.MonkeyPatch) -> None:
    model = _small()
    x, y = torch.rand(6, 1, 8, 8), torch.tensor([0, 1, 2, 3, 4, 5])
    seen: list[torch.Tensor] = []
    decode = model.decode

    def recording(v: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        seen.append(labels)
        return decode(v, labels)

    monkeypatch.setattr(model, "decode", recording)
    model.training_step((x, y))
    model.eval()
    model.evaluation_step((x, y))
    assert torch.equal(seen[0], y)
    assert torch.equal(seen[1], model(x).argmax(1))
    assert not torch.equal(seen[1], y)   # an untrained net: its longest capsules are not y


def test_visualize_writes_filters_reconstructions_and_routing(tmp_path: Path) -> None:
    model = _small()
    assert [p.name for p in model.visualize(tmp_path / "a")] == ["first_layer_filters.png"]
    model.eval()
    model.evaluation_step((torch.rand(6, 1, 8, 8), torch.arange(6)))
    paths = model.visualize(tmp_path / "b")
    assert [p.name for p in paths] == ["first_layer_filters.png", "reconstructions.png",
                                       "routing.png"]
    assert all(p.stat().st_size > 1000 for p in paths)


def test_a_resumed_run_continues_the_shifts_and_the_decay_exactly(tmp_path: Path) -> None:
    """The shifts come from torch's generator and the decayed rate lives in the optimiser's
    state: both are in the checkpoint, so a run stopped after epoch 1 and resumed in a new
    Trainer ends with the weights and the rate of a run never stopped."""
    from nnzoo.core.rundir import RunDir
    from nnzoo.core.seed import seed_everything
    from nnzoo.data import load_dataset
    from nnzoo.train.engine import Trainer

    splits = load_dataset("digits")
    cfg = TrainConfig(epochs=2, batch_size=128, lr=3e-3)
    hp = {"shift": 1, "decay_rate": 0.5, "decay_steps": 5}

    def trainer(run: RunDir) -> Trainer:
        seed_everything(0)
        return Trainer(_small(**hp), splits.train, splits.val, cfg, run=run, quiet=True,
                       state={"model": "capsnet"})

    whole = trainer(RunDir.create(tmp_path, "whole"))
    whole.fit()
    staged = RunDir.create(tmp_path, "staged")
    first = trainer(staged)
    first.fit(until_epoch=1)
    first.checkpoint()
    second = trainer(staged)
    second.restore(staged.checkpoint_path)
    second.fit()
    steps = 2 * whole.steps_per_epoch
    lr = whole.optimizers[0].param_groups[0]["lr"]
    assert lr == pytest.approx(3e-3 * 0.5 ** (steps / 5), rel=1e-9)
    assert second.optimizers[0].param_groups[0]["lr"] == lr
    for (k, a), b in zip(whole.model.state_dict().items(), second.model.state_dict().values()):
        assert torch.equal(a, b), k


def test_the_full_mnist_row_reports_the_error_and_copies_the_plots(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The row's plumbing, with the 30-epoch training replaced by a recorded summary: the
    error in percent, the budget, the figures copied under ``<out>/plots`` with the model's
    prefix."""
    import nnzoo.bench.vision.capsnet as bench
    from nnzoo.bench import runner

    run = tmp_path / "run"
    (run / "plots").mkdir(parents=True)
    (run / "plots" / "routing.png").write_bytes(b"png")
    calls = []

    def fake_train(model: str, recipe: str, **kw: object) -> dict[str, object]:
        calls.append((model, recipe, kw["overrides"]))
        return {"run_dir": str(run), "test": {"accuracy": 0.9962}, "val": {"accuracy": 0.996},
                "train_time_s": 3600.0, "epoch_time_s": 1200.0, "epochs": 3, "threads": 2,
                "device": "cpu", "scored_epoch": 3}

    monkeypatch.setattr(bench, "train", fake_train)
    token = runner._PLOTS.set(tmp_path / "out" / "plots")
    monkeypatch.setenv("NNZOO_CAPSNET_EPOCHS", "3")
    try:
        row = bench.capsnet_mnist(True)
    finally:
        runner._PLOTS.reset(token)
    assert calls == [("capsnet", "mnist", {"epochs": 3})]
    assert row.nnzoo == pytest.approx(0.38) and row.peer_value == 0.25
    assert not row.higher_is_better and row.nnzoo_time_s == 3600.0
    assert row.budget.startswith("3 epochs of the mnist recipe (60 min of training")
    copied = tmp_path / "out" / "plots" / "capsnet-mnist-routing.png"
    assert copied.read_bytes() == b"png"
    # a top-level figure of the row's extra, under a name of its own: what --merge publishes
    assert row.extra["figure_routing"] == str(copied)
    assert runner._is_plot(row.extra["figure_routing"])
    monkeypatch.setenv("NNZOO_CAPSNET_EPOCHS", "many")
    with pytest.raises(ConfigError, match="NNZOO_CAPSNET_EPOCHS"):
        bench.capsnet_mnist(True)
