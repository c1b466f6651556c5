"""The adversarial models, the deconvolutional net, the Zeiler-Fergus projection and the
Frechet distance, each checked against an independent computation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats
from torch import nn

from nnzoo.bench.generative.frechet import CNNFeatures, frechet_distance
from nnzoo.core.config import TrainConfig
from nnzoo.core.errors import ConfigError, InputError
from nnzoo.core.loop import optimize
from nnzoo.models import create
from nnzoo.models.generative.dcgan import (
    DCGANConfig,
    conv_output_size,
    dcgan_discriminator,
    dcgan_generator,
    transposed_output_size,
)
from nnzoo.models.generative.gan import discriminator_loss, generator_loss
from nnzoo.models.generative.generator import ImageGenerator
from nnzoo.models.generative.zeiler_fergus import forward_with_switches, project

# -- the GAN losses against their closed forms ----------------------------------------------

P_DATA = stats.norm(4.0, 1.25)
P_G = stats.norm(3.0, 1.0)


def _quantile_draws(dist: stats.rv_continuous, n: int = 400_001) -> torch.Tensor:
    """``n`` evenly spaced quantiles of ``dist``: their mean of f is E[f] to ~1e-5."""
    u = (np.arange(n) + 0.5) / n
    return torch.from_numpy(dist.ppf(u))


def _optimal_logit(x: torch.Tensor) -> torch.Tensor:
    """logit of D*(x) = p_data / (p_data + p_g): log p_data(x) - log p_g(x)."""
    return torch.from_numpy(P_DATA.logpdf(x.numpy()) - P_G.logpdf(x.numpy()))


def _jsd() -> float:
    """JSD(p_data || p_g) by numerical integration (scipy quad)."""
    def kl_to_mixture(p: stats.rv_continuous) -> float:
        def f(x: float) -> float:
            m = 0.5 * (P_DATA.pdf(x) + P_G.pdf(x))
            return float(p.pdf(x) * math.log(p.pdf(x) / m)) if p.pdf(x) > 0 else 0.0
        return integrate.quad(f, -20, 30, limit=200)[0]
    return 0.5 * kl_to_mixture(P_DATA) + 0.5 * kl_to_mixture(P_G)


def test_value_at_the_optimal_discriminator_is_minus_log4_plus_twice_the_jsd() -> None:
    real, fake = _quantile_draws(P_DATA), _quantile_draws(P_G)
    value = -float(discriminator_loss(_optimal_logit(real), _optimal_logit(fake)))
    expected = -math.log(4) + 2 * _jsd()
    assert expected > -math.log(4) + 0.05          # the two densities differ visibly
    assert value == pytest.approx(expected, abs=2e-4)
    # p_g = p_data: D* = 1/2 everywhere and V = -log 4 exactly
    half = torch.zeros(100, dtype=torch.float64)
    assert -float(discriminator_loss(half, half)) == pytest.approx(-math.log(4), abs=1e-12)


def test_generator_losses_match_their_formulas() -> None:
    logits = torch.randn(1000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    d = 1 / (1 + np.exp(-logits.numpy()))
    assert float(generator_loss(logits)) == pytest.approx(-np.mean(np.log(d)), rel=1e-10)
    assert float(generator_loss(logits, "minimax")) == pytest.approx(np.mean(np.log(1 - d)),
                                                                       rel=1e-10)
    real = torch.randn(500, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    dr = 1 / (1 + np.exp(-real.numpy()))
    assert float(discriminator_loss(real, logits)) == pytest.approx(
        -np.mean(np.log(dr)) - np.mean(np.log(1 - d)), rel=1e-10)


def test_the_non_saturating_loss_keeps_its_gradient_where_the_minimax_one_vanishes() -> None:
    """Goodfellow et al.'s reason for -log D(G(z)): when D rejects the fakes (D -> 0),
    d/dl log(1 - D) = -D -> 0 while d/dl -log D = -(1 - D) -> -1."""
    for kind, expected in (("minimax", -1 / (1 + math.exp(8))),
                           ("non-saturating", -1 / (1 + math.exp(-8)))):
        logit = torch.full((1,), -8.0, dtype=torch.float64, requires_grad=True)
        generator_loss(logit, kind).backward()
        assert float(logit.grad) == pytest.approx(expected, rel=1e-9)


# -- architecture -----------------------------------------------------------------------------

@pytest.mark.parametrize("n,k,s,p", [(1, 7, 1, 0), (7, 4, 2, 1), (14, 4, 2, 1), (2, 4, 2, 1),
                                     (5, 3, 2, 0), (3, 5, 3, 2)])
def test_transposed_conv_output_size(n: int, k: int, s: int, p: int) -> None:
    layer = nn.ConvTranspose2d(1, 1, k, s, p)
    assert layer(torch.zeros(1, 1, n, n)).shape[-1] == transposed_output_size(n, k, s, p)
    assert conv_output_size(transposed_output_size(n, k, s, p), k, s, p) == n


def test_dcgan_shapes_and_radford_rules() -> None:
    assert [transposed_output_size(n, 4, 2, 1) for n in (7, 14)] == [14, 28]
    for shape, stages in (((1, 28, 28), 2), ((1, 8, 8), 2), ((3, 32, 32), 3)):
        cfg = DCGANConfig(sample_shape=shape, stages=stages, width=8, latent_dim=10)
        g, d = dcgan_generator(cfg), dcgan_discriminator(cfg)
        img = g(torch.randn(5, 10))
        assert img.shape == (5, *shape) and float(img.detach().abs().max()) <= 1  # tanh
        assert d(img).shape == (5, 1)
        assert not any(isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)) for m in d.modules())
        acts = {type(m) for m in g.modules()} | {type(m) for m in d.modules()}
        assert nn.ReLU in acts and nn.LeakyReLU in acts
        assert all(m.negative_slope == 0.2 for m in d.modules() if isinstance(m, nn.LeakyReLU))
    model = create("dcgan", sample_shape=(1, 28, 28), width=64)
    w = torch.cat([m.weight.flatten() for m in model.modules()
                   if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))])
    assert float(w.std()) == pytest.approx(0.02, rel=0.05) and abs(float(w.mean())) < 1e-3
    opt_g, opt_d = model.configure_optimizers(TrainConfig(lr=2e-4))
    assert opt_g.param_groups[0]["betas"] == (0.5, 0.999) and opt_d.param_groups[0]["lr"] == 2e-4


# -- training -------------------------------------------------------------------------------

def test_gan_learns_the_mean_of_the_1d_toy() -> None:
    torch.manual_seed(0)
    model = create("gan", sample_shape=(1,), latent_dim=4, g_hidden=(32, 32),
                   d_hidden=(32, 32))
    opts = model.configure_optimizers(TrainConfig(lr=1e-3))
    data = torch.randn(20000, 1, generator=torch.Generator().manual_seed(1)) * 1.25 + 4
    before = float(model.generate(2000).mean())
    for i in range(600):
        optimize(model.training_step, (data[i * 32 % 19968:][:32], None), opts, automatic=False)
    after = model.generate(2000)
    assert abs(before - 4) > 2 and abs(float(after.mean()) - 4) < 0.5
    assert after.shape == (2000, 1)


def test_deconvnet_reconstruction_improves_and_generates_per_class() -> None:
    from nnzoo.data import load_dataset

    torch.manual_seed(0)
    d = load_dataset("digits").train
    model = create("deconvnet", sample_shape=(1, 8, 8), n_classes=10)
    opts = model.configure_optimizers(TrainConfig(lr=1e-3))
    first = float(model.evaluation_step((d.X[:256], d.y[:256]))["loss"])
    for _ in range(3):
        for i in range(0, 1280, 64):
            optimize(model.training_step, (d.X[i:i + 64], d.y[i:i + 64]), opts, automatic=True)
    model.eval()
    assert float(model.evaluation_step((d.X[:256], d.y[:256]))["loss"]) < 0.8 * first
    imgs = model.decode(model.prior(4, torch.Generator().manual_seed(0)), torch.arange(4))
    assert imgs.shape == (4, 1, 8, 8) and float(imgs.min()) >= 0 and float(imgs.max()) <= 1


def test_models_are_image_generators() -> None:
    for mid, kw in (("gan", {}), ("dcgan", {}), ("deconvnet", {"n_classes": 10})):
        m = create(mid, sample_shape=(1, 8, 8), **kw).eval()
        assert isinstance(m, ImageGenerator)
        z = m.prior(3, torch.Generator().manual_seed(0))
        assert z.shape == (3, m.latent_dim)
        labels = torch.tensor([0, 1, 2]) if m.conditional else None
        assert m.decode(z, labels).shape == (3, 1, 8, 8)
        again = m.decode(m.prior(3, torch.Generator().manual_seed(0)), labels)
        assert torch.equal(m.decode(z, labels), again)  # reproducible from the generator


# -- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("mid,field", [("gan", "latent_dim"), ("dcgan", "latent_dim"),
                                       ("deconvnet", "style_dim")])
def test_a_latent_size_of_zero_is_refused(mid: str, field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        create(mid, **{field: 0})


@pytest.mark.parametrize("mid", ["gan", "dcgan", "deconvnet"])
def test_images_outside_0_1_are_refused(mid: str) -> None:
    model = create(mid, sample_shape=(1, 8, 8))
    model.configure_optimizers(TrainConfig())
    bad = torch.rand(8, 1, 8, 8) * 2
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        model.training_step((bad, torch.zeros(8, dtype=torch.long)))
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        model.predict(-bad)


def test_conditional_requests_to_unconditional_models_and_missing_labels() -> None:
    for mid in ("gan", "dcgan"):
        m = create(mid, sample_shape=(1, 8, 8))
        with pytest.raises(InputError, match="unconditional"):
            m.decode(m.prior(2, torch.Generator()), torch.tensor([0, 1]))
    dn = create("deconvnet", sample_shape=(1, 8, 8))
    dn.configure_optimizers(TrainConfig())
    with pytest.raises(InputError, match="conditional"):
        dn.decode(dn.prior(2, torch.Generator()))
    with pytest.raises(InputError, match="class label"):
        dn.training_step((torch.rand(4, 1, 8, 8), None))
    with pytest.raises(InputError, match=r"\[0, 10\)"):
        dn.decode(dn.prior(2, torch.Generator()), torch.tensor([0, 10]))


def test_the_1d_gan_is_not_an_image_generator_it_says_so() -> None:
    m = create("gan", sample_shape=(1,))
    with pytest.raises(InputError, match="not images.*generate"):
        m.decode(m.prior(2, torch.Generator()))
    assert m.generate(5).shape == (5, 1)
    with pytest.raises(InputError, match="integer >= 1"):
        m.prior(0, torch.Generator())


def test_dcgan_needs_sides_divisible_by_its_stages() -> None:
    with pytest.raises(ConfigError, match="divisible by 4"):
        create("dcgan", sample_shape=(1, 10, 10))
    with pytest.raises(ConfigError, match="image"):
        create("dcgan", sample_shape=(64,))


# -- Zeiler-Fergus ----------------------------------------------------------------------------

def test_zeiler_fergus_unpooling_is_zero_off_the_switches() -> None:
    x = torch.rand(3, 2, 6, 6) + 0.1           # positive: ReLU keeps it, no ties at 0
    features = nn.Sequential(nn.ReLU(), nn.MaxPool2d(2))
    r = project(features, x, upto=1, channel=1, top=None)
    assert r.shape == x.shape
    assert float(r[:, 0].abs().max()) == 0      # the other map is not projected
    windows = x[:, 1].reshape(3, 3, 2, 3, 2).permute(0, 1, 3, 2, 4).reshape(3, 3, 3, 4)
    winner = windows.argmax(-1)                 # the switch of each 2x2 window, by hand
    expected = torch.zeros_like(windows).scatter_(-1, winner[..., None],
                                                  windows.gather(-1, winner[..., None]))
    expected = expected.reshape(3, 3, 3, 2, 2).permute(0, 1, 3, 2, 4).reshape(3, 6, 6)
    assert torch.equal(r[:, 1], expected)
    assert int((r[:, 1] != 0).sum()) == 3 * 9   # one position per window
    top = project(features, x, upto=1, channel=1, top=1)
    assert [int((t != 0).sum()) for t in top[:, 1]] == [1, 1, 1]


def test_zeiler_fergus_projection_of_a_cnn_has_the_image_shape() -> None:
    cnn = create("cnn", sample_shape=(1, 8, 8), n_classes=10)  # in training mode
    f = cnn.net.features
    x = torch.rand(4, 1, 8, 8)
    h, switches = forward_with_switches(f, x, len(f) - 1)
    assert h.shape == (4, 64, 2, 2) and len(switches) == 2
    busiest = int(h.flatten(2).amax(2).sum(0).argmax())   # a map that fired (ReLU: some may not)
    r = project(f, x, len(f) - 1, channel=busiest)
    assert r.shape == x.shape and float(r.abs().sum()) > 0
    assert f.training                                      # the mode is given back
    lenet = create("cnn", sample_shape=(1, 8, 8), n_classes=10, arch="lenet5")
    with pytest.raises(ConfigError, match="Tanh"):
        project(lenet.net.features, torch.rand(1, 1, 32, 32), 1, 0)


# -- the Frechet distance ---------------------------------------------------------------------

class _Pixels(nn.Module):
    """The identity feature extractor: the pixels themselves."""

    num_features = 4
    sample_shape = (1, 2, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(len(x), -1).double()


def test_frechet_distance_of_a_set_and_of_a_shifted_copy() -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.rand(2000, 4, generator=g) @ torch.tensor([[0.3, 0.1, 0, 0], [0, 0.2, 0.05, 0],
                                                          [0, 0, 0.25, 0.1], [0, 0, 0, 0.2]])
    x = x.reshape(-1, 1, 2, 2)
    assert frechet_distance(x, x, _Pixels()) == pytest.approx(0, abs=1e-6)
    shift = torch.tensor([0.3, -0.05, 0.2, 0.1]).reshape(1, 1, 2, 2)
    y = x + shift + 0.05
    # equal covariances: d^2 = ||mu_x - mu_y||^2 exactly
    assert frechet_distance(x, y, _Pixels()) == pytest.approx(
        float(((shift + 0.05) ** 2).sum()), rel=1e-4)
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        frechet_distance(x, y + 1, _Pixels())


def test_cnn_features_are_the_penultimate_layer() -> None:
    cnn = create("cnn", sample_shape=(1, 8, 8), n_classes=10).eval()
    feats = CNNFeatures(cnn)
    x = torch.rand(6, 1, 8, 8)
    f = feats(x)
    assert f.shape == (6, 128) and float(f.min()) >= 0        # after the hidden ReLU
    with torch.no_grad():
        assert torch.allclose(cnn.net.head[-1](f), cnn(x), atol=1e-5)  # the output layer's input
    with pytest.raises(ConfigError, match="convnet"):
        CNNFeatures(create("cnn", sample_shape=(1, 8, 8), n_classes=10, arch="lenet5"))


def test_deconvnet_loss_is_the_bernoulli_log_loss_of_its_reconstruction() -> None:
    """The loss is -sum_i [x_i log r_i + (1 - x_i) log(1 - r_i)] per image, computed here in
    NumPy from the model's reconstruction r, and the mse is the mean squared pixel error."""
    torch.manual_seed(0)
    model = create("deconvnet", sample_shape=(1, 8, 8), n_classes=10).eval()
    x = torch.rand(5, 1, 8, 8)
    y = torch.arange(5)
    with torch.no_grad():
        out = model.evaluation_step((x, y))
        r = model.reconstruct(x, y).double().numpy()
    xn = x.double().numpy()
    nll = -(xn * np.log(r) + (1 - xn) * np.log(1 - r)).sum() / len(xn)
    assert float(out["loss"]) == pytest.approx(nll, rel=1e-4)
    assert float(out["mse"]) == pytest.approx(((r - xn) ** 2).mean(), rel=1e-4)
