"""Matrix capsules with EM routing (Hinton et al. 2018): EM routing against a plain-loop
reference, the assignment probabilities, the spread loss and its margin schedule by hand, the
parameter count by hand, bad input."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from nnzoo.bench.vision.convnets import n_params
from nnzoo.core.errors import ConfigError, InputError
from nnzoo.models import create
from nnzoo.models.vision.em_capsules import EPS, EMCapsules, em_route, spread_loss


def _em_by_loops(v: np.ndarray, a_in: np.ndarray, beta_u: np.ndarray, beta_a: np.ndarray,
                 iterations: int, inv_temp: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Procedure 1 of the paper, one child, parent and pose value at a time."""
    n, k, p = v.shape
    r = [[1.0 / k] * k for _ in range(n)]
    mu = [[0.0] * p for _ in range(k)]
    var = [[0.0] * p for _ in range(k)]
    a = [0.0] * k
    for t in range(iterations):
        lam = inv_temp * (t + 1) / iterations
        for j in range(k):
            w = [r[i][j] * a_in[i] for i in range(n)]
            sw = sum(w) + EPS
            cost = 0.0
            for h in range(p):
                mu[j][h] = sum(w[i] * v[i, j, h] for i in range(n)) / sw
                var[j][h] = sum(w[i] * (v[i, j, h] - mu[j][h]) ** 2 for i in range(n)) / sw + EPS
                cost += (beta_u[j] + math.log(math.sqrt(var[j][h]))) * sw
            a[j] = 1 / (1 + math.exp(-lam * (beta_a[j] - cost)))
        if t < iterations - 1:
            for i in range(n):
                q = []
                for j in range(k):
                    pij = 1.0
                    for h in range(p):
                        pij *= math.exp(-(v[i, j, h] - mu[j][h]) ** 2 / (2 * var[j][h])) \
                            / math.sqrt(2 * math.pi * var[j][h])
                    q.append((a[j] + EPS) * pij)
                r[i] = [x / sum(q) for x in q]
    return np.array(mu), np.array(a), np.array(r)


@pytest.mark.parametrize("iterations", [1, 2, 3])
def test_em_routing_equals_a_plain_loop_reference(iterations: int) -> None:
    rng = np.random.default_rng(iterations)
    v = rng.normal(size=(2, 6, 3, 4))
    a_in = rng.uniform(0.1, 1.0, size=(2, 6))
    beta_u, beta_a = rng.normal(size=3), rng.normal(size=3)
    mu, a, r = em_route(torch.from_numpy(v), torch.from_numpy(a_in), torch.from_numpy(beta_u),
                        torch.from_numpy(beta_a), iterations, 0.5)
    for g in range(2):
        mu_ref, a_ref, r_ref = _em_by_loops(v[g], a_in[g], beta_u, beta_a, iterations, 0.5)
        np.testing.assert_allclose(mu[g].numpy(), mu_ref, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(a[g].numpy(), a_ref, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(r[g].numpy(), r_ref, rtol=1e-9, atol=1e-12)


def test_assignment_probabilities_sum_to_one_over_the_parents() -> None:
    torch.manual_seed(0)
    _, a, r = em_route(torch.randn(4, 9, 5, 16), torch.rand(4, 9), torch.zeros(5),
                       torch.zeros(5), 3, 0.01)
    torch.testing.assert_close(r.sum(-1), torch.ones(4, 9))
    assert ((a > 0) & (a < 1)).all()


def test_agreeing_votes_make_an_active_parent() -> None:
    # parent 0 gets nearly identical votes from every child, parent 1 scattered ones
    torch.manual_seed(0)
    v = torch.randn(1, 8, 2, 4, dtype=torch.float64)
    v[0, :, 0] = 1.0 + 1e-2 * torch.randn(8, 4, dtype=torch.float64)
    _, a, r = em_route(v, torch.ones(1, 8, dtype=torch.float64),
                       torch.zeros(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64),
                       3, 0.1)
    assert float(a[0, 0]) > 0.9 and float(a[0, 0]) > float(a[0, 1])
    assert (r[0, :, 0] > 0.5).all()


def test_spread_loss_on_a_hand_computed_case() -> None:
    a = torch.tensor([[0.8, 0.5, 0.1], [0.2, 0.6, 0.3]])
    # sample 0, m = 0.5: (0.5 - 0.3)^2 = 0.04 and 0 (0.5 - 0.7 < 0)
    assert float(spread_loss(a[:1], torch.tensor([0]), 0.5)) == pytest.approx(0.04)
    # sample 1, target 2, m = 0.9: (0.9 - 0.1)^2 + (0.9 + 0.3)^2 = 0.64 + 1.44
    assert float(spread_loss(a[1:], torch.tensor([2]), 0.9)) == pytest.approx(2.08)
    # both, m = 0.9: sample 0 gives (0.9 - 0.3)^2 + (0.9 - 0.7)^2 = 0.36 + 0.04
    assert float(spread_loss(a, torch.tensor([0, 2]), 0.9)) == pytest.approx((0.40 + 2.08) / 2)


def test_the_margin_rises_from_0_2_to_0_9() -> None:
    model = create("em-capsules", sample_shape=(1, 8, 8), conv_kernel=3, conv_stride=1,
                   conv_caps=(3, 2, 4), primary_types=4, conv_channels=8, margin_steps=4)
    assert isinstance(model, EMCapsules)
    batch = (torch.rand(3, 1, 8, 8), torch.tensor([0, 1, 2]))
    margins = []
    for _ in range(6):
        margins.append(model.margin)
        model.training_step(batch)
    assert margins == pytest.approx([0.2, 0.375, 0.55, 0.725, 0.9, 0.9])
    assert int(model.state_dict()["steps"]) == 6          # checkpointed


def test_parameter_count_by_hand() -> None:
    conv1 = 5 * 5 * 1 * 32 + 32
    primary = (32 * 8 * 16 + 8 * 16) + (32 * 8 + 8)         # pose and activation 1x1 convs
    caps1 = 3 * 3 * 8 * 16 * 16 + 2 * 16                      # 4x4 W per (child, type), betas
    caps2 = 3 * 3 * 16 * 16 * 16 + 2 * 16
    classes = 16 * 10 * 16 + 2 * 10                           # shared across positions
    model = create("em-capsules", sample_shape=(1, 28, 28), n_classes=10)
    assert n_params(model) == conv1 + primary + caps1 + caps2 + classes
    assert model(torch.rand(2, 1, 28, 28)).shape == (2, 10)


def test_an_image_below_the_minimum_names_the_size() -> None:
    # 5x5/2 Conv1, 3x3/2 and 3x3/1 ConvCaps: 17 -> 7 -> 3 -> 1
    with pytest.raises(ConfigError, match="em-capsules needs images of at least 17x17 pixels, "
                                          "got 16x16"):
        create("em-capsules", sample_shape=(1, 16, 16))
    create("em-capsules", sample_shape=(1, 17, 17))


def test_the_wrong_number_of_channels_and_bad_layers() -> None:
    model = create("em-capsules", sample_shape=(3, 32, 32))
    with pytest.raises(InputError, match=r"shape \(batch, 3, 32, 32\), got \(2, 1, 32, 32\)"):
        model(torch.randn(2, 1, 32, 32))
    with pytest.raises(ConfigError, match="triples"):
        create("em-capsules", conv_caps=(3, 2))


def test_visualize_writes_filters_and_routing(tmp_path: Path) -> None:
    model = create("em-capsules", sample_shape=(1, 8, 8), conv_kernel=3, conv_stride=1,
                   conv_caps=(3, 2, 4), primary_types=4, conv_channels=8)
    assert [p.name for p in model.visualize(tmp_path / "a")] == ["first_layer_filters.png"]
    model.eval()
    model.evaluation_step((torch.rand(6, 1, 8, 8), torch.arange(6)))
    paths = model.visualize(tmp_path / "b")
    assert [p.name for p in paths] == ["first_layer_filters.png", "routing.png"]
    assert all(p.stat().st_size > 1000 for p in paths)
