"""Registry-driven tests: every implemented model is built, stepped, checkpointed and fed bad
input; then each model's math is checked against an independent computation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nnzoo.core.config import TrainConfig
from nnzoo.core.errors import ConfigError, InputError
from nnzoo.core.io import load_checkpoint, save_checkpoint
from nnzoo.core.loop import epoch_order, optimize
from nnzoo.models import create, get_spec, implemented_ids

SHAPE = (1, 8, 8)


def _batch(n: int = 16, k: int = 10, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, *SHAPE, generator=g), torch.randint(0, k, (n,), generator=g)


@pytest.fixture(params=implemented_ids())
def model_id(request: pytest.FixtureRequest) -> str:
    return request.param


def _build(mid: str):  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    return create(mid, sample_shape=SHAPE, n_classes=10)


def test_forward_shape(model_id: str) -> None:
    model = _build(model_id).eval()
    x, _ = _batch()
    assert model(x).shape == (16, 10)


def test_training_step_learns(model_id: str) -> None:
    """One step of the model's own rule changes its state and returns finite metrics; a few
    epochs on a small batch fit it better than chance."""
    model = _build(model_id)
    opts = model.configure_optimizers(TrainConfig(lr=1e-2))
    x, y = _batch(32)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    out = optimize(model.training_step, (x, y), opts, automatic=model.automatic_optimization)
    assert "loss" in out and all(math.isfinite(float(v)) for v in out.values())
    after = model.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)
    for _ in range(60):
        optimize(model.training_step, (x, y), opts, automatic=model.automatic_optimization)
    model.eval()
    assert float((model(x).argmax(1) == y).float().mean()) >= 0.5


def test_checkpoint_round_trip(model_id: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = _build(model_id)
    x, y = _batch()
    opts = model.configure_optimizers(TrainConfig())
    optimize(model.training_step, (x, y), opts, automatic=model.automatic_optimization)
    model.eval()
    save_checkpoint(tmp_path / "c.safetensors", model.state_dict(), {"model": model_id})
    tensors, state = load_checkpoint(tmp_path / "c.safetensors")
    assert state == {"model": model_id}
    torch.manual_seed(123)
    clone = create(model_id, sample_shape=SHAPE, n_classes=10)
    clone.load_state_dict(tensors)
    clone.eval()
    assert torch.equal(model(x), clone(x))


@pytest.mark.parametrize("bad, what", [
    (torch.rand(4, 1, 7, 8), "shape"),
    (torch.rand(1, 8, 8), "shape"),
    (torch.randint(0, 2, (4, 1, 8, 8)), "floating"),
])
def test_bad_input_is_one_clear_error(model_id: str, bad: torch.Tensor, what: str) -> None:
    model = _build(model_id)
    with pytest.raises(InputError, match=what):
        model(bad)


def test_non_finite_input_rejected_by_predict(model_id: str) -> None:
    model = _build(model_id)
    x, _ = _batch(4)
    for v in (float("nan"), float("inf")):
        x[1, 0, 2, 3] = v
        with pytest.raises(InputError, match="NaN or infinite"):
            model.predict(x)


def test_bad_hyperparameters(model_id: str) -> None:
    with pytest.raises(ConfigError):
        create(model_id, sample_shape=SHAPE, n_classes=1)
    with pytest.raises(ConfigError):
        create(model_id, sample_shape=SHAPE, n_classes="ten")


def test_card_is_complete(model_id: str) -> None:
    from nnzoo.models import card

    c = card(model_id)
    assert c.implemented and c.spec is get_spec(model_id)
    assert c.entry.paper.url.startswith("https://") and c.entry.year > 1900
    assert c.spec.peer and c.spec.reference


# -- the math of each model -----------------------------------------------------------------

def _rosenblatt_reference(X: np.ndarray, y: np.ndarray, k: int, order: list[np.ndarray]
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rosenblatt's online multiclass rule in plain NumPy, one sample at a time."""
    W, b = np.zeros((k, X.shape[1])), np.zeros(k)
    Ws, bs, seen = np.zeros_like(W), np.zeros_like(b), 0
    for perm in order:
        for i in perm:
            p = int(np.argmax(W @ X[i] + b))
            if p != y[i]:
                W[y[i]] += X[i]
                b[y[i]] += 1
                W[p] -= X[i]
                b[p] -= 1
            Ws += W
            bs += b
            seen += 1
    return W, b, (Ws / seen, bs / seen)  # type: ignore[return-value]


def test_perceptron_online_rule_matches_reference() -> None:
    from nnzoo.models import PerceptronClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5)).astype(np.float32)
    y = rng.integers(0, 3, size=60)
    clf = PerceptronClassifier(epochs=3, batch_size=1, seed=7).fit(X, y)
    order = [epoch_order(60, 7, e).numpy() for e in range(3)]
    W, b, (Wa, ba) = _rosenblatt_reference(X.astype(np.float64), y, 3, order)
    m = clf.model_
    np.testing.assert_allclose(m.weight.numpy(), W, atol=1e-4)
    np.testing.assert_allclose(m.bias.numpy(), b, atol=1e-4)
    np.testing.assert_allclose((m.weight_sum / m.seen.float()).numpy(), Wa, atol=1e-4)
    np.testing.assert_allclose((m.bias_sum / m.seen.float()).numpy(), ba, atol=1e-4)


def test_perceptron_separates_separable_data() -> None:
    """The perceptron convergence theorem: on linearly separable data it reaches zero errors."""
    from nnzoo.models import PerceptronClassifier

    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 4)).astype(np.float32)
    W = rng.normal(size=(3, 4))
    y = np.argmax(X @ W.T, 1)
    margin = np.sort(X @ W.T, 1)
    keep = margin[:, -1] - margin[:, -2] > 0.3
    X, y = X[keep], y[keep]
    clf = PerceptronClassifier(averaged=False, epochs=200, batch_size=1).fit(X, y)
    assert clf.score(X, y) == 1.0


def test_mlp_gradient_matches_finite_differences() -> None:
    torch.manual_seed(0)
    model = create("mlp", sample_shape=(5,), n_classes=3, hidden=(4, 4), activation="tanh"
                   ).double()
    x, y = torch.randn(6, 5, dtype=torch.float64), torch.tensor([0, 1, 2, 0, 1, 2])
    loss = model.training_step((x, y))["loss"]
    params = list(model.parameters())
    grads = torch.autograd.grad(loss, params)
    eps = 1e-6
    for p, g in zip(params, grads):
        flat = p.data.view(-1)
        for i in range(0, flat.numel(), max(1, flat.numel() // 5)):
            old = flat[i].item()
            flat[i] = old + eps
            up = model.training_step((x, y))["loss"].item()
            flat[i] = old - eps
            down = model.training_step((x, y))["loss"].item()
            flat[i] = old
            assert abs((up - down) / (2 * eps) - g.view(-1)[i].item()) < 1e-6


def test_mlp_architecture_of_layered_recipe() -> None:
    from nnzoo.recipes import get_recipe

    hp, _ = get_recipe("mlp", "mnist").resolve()
    model = create("mlp", **hp, sample_shape=(1, 28, 28), n_classes=10)
    widths = [m.out_features for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert widths == [700, 700, 400, 10]


def test_lenet5_layers_and_parameter_count() -> None:
    """LeNet-5 with a full C3 has 61,706 parameters; feature maps are 6@28, 16@10, 120@1."""
    model = create("cnn", arch="lenet5", sample_shape=(1, 28, 28), n_classes=10)
    assert sum(p.numel() for p in model.parameters()) == 61_706
    feats = model.net.features
    x = torch.nn.functional.pad(torch.rand(2, 1, 28, 28), (2, 2, 2, 2))
    assert feats[0](x).shape == (2, 6, 28, 28)
    assert feats[:4](x).shape == (2, 16, 10, 10)
    assert feats(x).shape == (2, 120, 1, 1)
    assert model(torch.rand(2, 1, 8, 8)).shape == (2, 10)  # resized to 32x32


def test_convnet_rejects_images_too_small_for_its_stages() -> None:
    with pytest.raises(ConfigError, match="at least 8x8"):
        create("cnn", sample_shape=(1, 6, 6), n_classes=10, channels=(8, 8, 8))
