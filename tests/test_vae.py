"""The variational models' math against independent computations: the analytic KL against
Monte Carlo, the IWAE bound against the ELBO (k = 1, same sample) and against the exact
marginal of a linear-Gaussian model, DC-IGN's clamped-batch gradients, the MNIST
binarisations, and the bad inputs each one clear error."""

from __future__ import annotations

import math

import pytest
import torch

from nnzoo.core.errors import ConfigError, InputError
from nnzoo.models import create
from nnzoo.models.generative.dcign import image_factors
from nnzoo.models.generative.generator import ImageGenerator
from nnzoo.models.generative.iwae import (
    gaussian_log_density,
    iwae_bound,
    log_mean_exp,
    standard_normal_log_density,
)
from nnzoo.models.generative.vae import gaussian_kl

IDS = ("vae", "cvae", "beta-vae", "dcign")


def _model(mid: str, **kw: object) -> torch.nn.Module:
    extra = {"n_classes": 10} if mid in ("cvae", "dcign") else {}
    torch.manual_seed(0)
    return create(mid, sample_shape=(1, 8, 8), hidden=(32,), latent_dim=4,
                  channels=(8, 16), **extra, **kw)


def test_analytic_kl_matches_monte_carlo() -> None:
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(3, 5, generator=g, dtype=torch.float64)
    logvar = torch.randn(3, 5, generator=g, dtype=torch.float64)
    n = 400_000
    z = mu + (0.5 * logvar).exp() * torch.randn(n, 3, 5, generator=g, dtype=torch.float64)
    terms = gaussian_log_density(z, mu, logvar) - standard_normal_log_density(z)   # (n, 3)
    mc, se = terms.mean(0), terms.std(0) / math.sqrt(n)
    exact = gaussian_kl(mu, logvar)
    assert torch.all((mc - exact).abs() < 4 * se + 1e-9), (mc, exact, se)
    assert torch.all(exact > 0)
    assert float(gaussian_kl(torch.zeros(2, 3), torch.zeros(2, 3)).abs().max()) == 0.0


def test_log_mean_exp_is_stable() -> None:
    a = torch.tensor([[1000.0, 1000.0], [-1000.0, -1000.0 + math.log(3)]], dtype=torch.float64)
    got = log_mean_exp(a, 1)
    assert torch.allclose(got, torch.tensor([1000.0, -1000.0 + math.log(2)], dtype=torch.float64))


@pytest.mark.parametrize("mid", IDS)
def test_iwae_with_one_sample_is_the_elbo_of_that_sample(mid: str) -> None:
    model = _model(mid).double()
    x = torch.rand(6, 1, 8, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    y = torch.arange(6) % 10 if model.conditional else None
    eps = torch.randn(1, 6, model.latent_dim, dtype=torch.float64)
    with torch.no_grad():
        rec, kl_mc = model.elbo_terms(x, y, eps=eps[0], analytic_kl=False)
        bound = model.iwae(x, y, k=1, eps=eps)
        rec_a, kl_a = model.elbo_terms(x, y, eps=eps[0])
    torch.testing.assert_close(bound, rec - kl_mc, rtol=0, atol=1e-9)
    torch.testing.assert_close(rec, rec_a)            # same sample, same reconstruction term


def test_iwae_chunks_do_not_change_the_bound() -> None:
    model = _model("vae").double()
    x = torch.rand(3, 1, 8, 8, dtype=torch.float64)
    eps = torch.randn(50, 3, model.latent_dim, dtype=torch.float64)
    with torch.no_grad():
        whole = model.iwae(x, k=50, eps=eps)
        mu, logvar = model.encode(x)
        chunked = iwae_bound(mu, logvar, lambda z: model.log_likelihood(
            x, model.decode_logits(z)) + standard_normal_log_density(z), 50, chunk=7, eps=eps)
    torch.testing.assert_close(whole, chunked)


def test_iwae_rises_with_k_to_the_exact_marginal_of_a_linear_gaussian_model() -> None:
    """p(z) = N(0, I), p(x | z) = N(Wz + b, s^2 I): log p(x) = log N(x; b, W W^T + s^2 I)
    exactly. With a deliberately imperfect diagonal q(z | x), L_1 (the ELBO) is well below
    log p(x), the mean of L_k rises with k and L_2000 is within 0.05 nats of log p(x)."""
    g = torch.Generator().manual_seed(0)
    dx, dz, s = 6, 3, 0.5
    W = torch.randn(dx, dz, generator=g, dtype=torch.float64)
    b = torch.randn(dx, generator=g, dtype=torch.float64)
    x = (b + (W @ torch.randn(dz, 4, generator=g, dtype=torch.float64)).T
         + s * torch.randn(4, dx, generator=g, dtype=torch.float64))          # (4, dx)
    cov = W @ W.T + s * s * torch.eye(dx, dtype=torch.float64)
    exact = torch.distributions.MultivariateNormal(b, cov).log_prob(x)       # (4,)
    # the true posterior N(m, S), S = (I + W^T W / s^2)^-1, m = S W^T (x - b) / s^2 ...
    S = torch.linalg.inv(torch.eye(dz, dtype=torch.float64) + W.T @ W / s**2)
    m = (x - b) @ W @ S / s**2
    # ... approximated by a diagonal Gaussian with a shifted mean and inflated variances
    mu, logvar = m + 0.2, torch.log(torch.diagonal(S) * 2.0).expand_as(m)

    def log_joint(z: torch.Tensor) -> torch.Tensor:
        mean = z @ W.T + b
        return (-0.5 * (math.log(2 * math.pi * s * s) + (x - mean).pow(2) / (s * s))).sum(-1
                ) + standard_normal_log_density(z)

    def mean_bound(k: int, reps: int) -> tuple[torch.Tensor, torch.Tensor]:
        gen = torch.Generator().manual_seed(k)
        draws = torch.stack([iwae_bound(mu, logvar, log_joint, k, generator=gen)
                             for _ in range(reps)])
        return draws.mean(0), draws.std(0) / math.sqrt(reps)         # mean, standard error

    bounds = {k: mean_bound(k, reps) for k, reps in ((1, 4000), (10, 1000), (100, 200),
                                                     (2000, 40))}
    assert torch.all(exact - bounds[1][0] > 0.3), (exact, bounds[1])
    ks = sorted(bounds)
    for lo, hi in zip(ks[:-1], ks[1:]):
        (m_lo, se_lo), (m_hi, se_hi) = bounds[lo], bounds[hi]
        assert torch.all(m_hi >= m_lo - 4 * (se_lo**2 + se_hi**2).sqrt()), (lo, hi)
        assert float((m_hi - m_lo).mean()) > 0                 # and it rises on average
    m, se = bounds[2000]
    assert torch.all(m <= exact + 4 * se), (m, se, exact)      # a lower bound ...
    assert torch.all((exact - m).abs() < 0.05), (exact, m)     # ... within 0.05 nats


def test_dcign_clamped_units_get_only_the_difference_from_their_group_mean() -> None:
    model = _model("dcign").double()
    gx = torch.Generator().manual_seed(3)
    x = torch.rand(24, 1, 8, 8, dtype=torch.float64, generator=gx)
    y = torch.arange(24) % 2                      # two classes: groups of several images
    captured: dict[str, torch.Tensor] = {}

    def keep(_m: torch.nn.Module, _i: object, out: tuple[torch.Tensor, torch.Tensor]) -> None:
        for name, t in zip(("mu", "logvar"), out):
            t.retain_grad()
            captured[name] = t

    model.encoder.register_forward_hook(keep)
    for factor, varying in (("slant", [0]), ("thickness", [1]), ("class", [2, 3])):
        model.zero_grad()
        out = model.clamped_loss(x, y, factor)
        out["loss"].backward()
        mu, logvar = captured["mu"], captured["logvar"]
        groups = model.groups(x, y, factor)
        mean = torch.stack([mu.detach()[groups == g].mean(0) for g in groups])
        clamped = [j for j in range(model.latent_dim) if j not in varying]
        # step 5 of Kulkarni et al.: the clamped units' gradient is their difference from
        # the batch (group) mean, nothing else; the loss is a mean over the 24 images
        torch.testing.assert_close(mu.grad[:, clamped], (mu.detach() - mean)[:, clamped] / 24)
        assert float(logvar.grad[:, clamped].abs().max()) == 0.0
        assert float(mu.grad[:, varying].abs().max()) > 0         # the varying unit learns
        assert float(logvar.grad[:, varying].abs().max()) > 0
    assert len(torch.unique(model.groups(x, y, "slant"))) > 1


def test_dcign_factors_measure_slant_and_ink() -> None:
    img = torch.zeros(2, 1, 9, 9)
    for r in range(9):
        img[0, 0, r, 8 - r] = 1.0                # "/" : column falls as the row rises
        img[1, 0, r, 4] = 1.0                    # "|"
    slant, ink = image_factors(img)
    assert float(slant[0]) == pytest.approx(-1.0) and float(slant[1]) == pytest.approx(0.0)
    assert float(ink[0]) == pytest.approx(9 / 81)
    thick = img.clone()
    thick[1, 0, :, 3] = 1.0
    assert float(image_factors(thick)[1][1]) > float(ink[1])


@pytest.mark.parametrize("mid", IDS)
def test_every_variational_model_is_an_image_generator(mid: str) -> None:
    model = _model(mid)
    assert isinstance(model, ImageGenerator)
    z = model.prior(5, torch.Generator().manual_seed(0))
    assert z.shape == (5, model.latent_dim)
    torch.testing.assert_close(z, model.prior(5, torch.Generator().manual_seed(0)))
    y = torch.arange(5) if model.conditional else None
    img = model.decode(z, y)
    assert img.shape == (5, 1, 8, 8) and float(img.min()) >= 0 and float(img.max()) <= 1


def test_conv_decoder_reproduces_odd_and_even_sizes() -> None:
    for shape in ((1, 28, 28), (3, 9, 12)):
        model = create("vae", sample_shape=shape, arch="conv", latent_dim=3, hidden=(16,))
        x = torch.rand(2, *shape)
        assert model.decode_logits(model.encode(x)[0]).shape == (2, *shape)


def test_gaussian_decoder_trains_on_unbounded_images() -> None:
    model = _model("vae", decoder="gaussian")
    x = torch.randn(16, 1, 8, 8) * 2                 # no [0, 1] requirement
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = None
    for _ in range(30):
        loss = model.training_step((x, None))["loss"]
        first = first if first is not None else float(loss.detach())
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert float(loss.detach()) < first


def test_dynamic_binarization_redraws_bits() -> None:
    model = _model("vae", dynamic_binarization=True)
    x = torch.full((4, 1, 8, 8), 0.5)
    a, b = model.binarize(x), model.binarize(x)
    assert set(a.unique().tolist()) <= {0.0, 1.0} and not torch.equal(a, b)
    assert torch.equal(_model("vae").binarize(x), x)


def test_static_and_dynamic_mnist_binarisations() -> None:
    from nnzoo.data.mnist import _binarized

    g = torch.Generator().manual_seed(5)
    tr, te = torch.rand(10, 1, 4, 4, generator=g), torch.rand(3, 1, 4, 4, generator=g)
    s1, s2 = _binarized(tr, te, 8, "static", 0), _binarized(tr, te, 8, "static", 0)
    assert torch.equal(s1[0], s2[0]) and torch.equal(s1[1], s2[1])           # fixed draw
    assert set(s1[0].unique().tolist()) <= {0.0, 1.0}
    assert not torch.equal(_binarized(tr, te, 8, "static", 1)[0], s1[0])     # the seed counts
    d_tr, d_te = _binarized(tr, te, 8, "dynamic", 0)
    assert torch.equal(d_tr[:8], tr[:8])                       # training split stays grey
    assert torch.equal(d_tr[8:], s1[0][8:]) and torch.equal(d_te, s1[1])   # val/test fixed


def test_mnist_loader_refuses_an_unknown_binarisation() -> None:
    from nnzoo.data.mnist import load_mnist

    with pytest.raises(ConfigError, match="binarize must be one of"):
        load_mnist(binarize="half", download=False)


# -- bad input: one clear error each --------------------------------------------------------

@pytest.mark.parametrize("mid", IDS)
def test_bernoulli_decoder_refuses_images_outside_unit_interval(mid: str) -> None:
    model = _model(mid)
    x = torch.rand(4, 1, 8, 8)
    x[0, 0, 0, 0] = 1.5
    y = torch.arange(4)
    for call in (lambda: model.training_step((x, y)), lambda: model.evaluation_step((x, y)),
                 lambda: model.predict(x)):
        with pytest.raises(InputError, match=r"Bernoulli decoder and needs images with values "
                                             r"in \[0, 1\], got values in \[.*, 1\.5\]"):
            call()


@pytest.mark.parametrize("mid", IDS)
def test_latent_size_of_zero_is_a_config_error(mid: str) -> None:
    with pytest.raises(ConfigError, match="latent_dim must be >= 1"):
        create(mid, sample_shape=(1, 8, 8), latent_dim=0)


def test_conditional_model_without_labels_is_one_error() -> None:
    model = _model("cvae")
    x = torch.rand(4, 1, 8, 8)
    for call in (lambda: model.training_step((x, None)),
                 lambda: model.evaluation_step((x, None))):
        with pytest.raises(InputError, match="conditional model and needs labelled data"):
            call()
    with pytest.raises(InputError, match="needs a class label"):
        model.decode(torch.zeros(2, model.latent_dim))
    with pytest.raises(InputError, match="labels in"):
        model.training_step((x, torch.tensor([0, 1, 2, 10])))
    assert model.predict(x).shape == (4, model.latent_dim)      # codes under inferred labels


def test_dcign_without_labels_is_one_error() -> None:
    with pytest.raises(InputError, match="clamped batches from the class labels"):
        _model("dcign").training_step((torch.rand(4, 1, 8, 8), None))
