"""The autoencoders (``ae``, ``deep-ae``, ``sae``, ``dae``): their loss math against
independent computations, the corruption statistics, RBM and greedy pre-training, the stacked
classifier, the pictures, ``nnzoo train`` offline, and one clear error per bad input."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.special import expit, rel_entr

from nnzoo.core.config import TrainConfig
from nnzoo.core.errors import ConfigError, InputError, NotFittedError
from nnzoo.core.loop import optimize
from nnzoo.data import load_dataset
from nnzoo.models import create
from nnzoo.models.generative.autoencoder import corrupt, kl_sparsity, reconstruction_loss

IDS = ("ae", "deep-ae", "sae", "dae")


def _digits(n: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    s = load_dataset("digits")
    X, y = s.train.X, s.train.y
    assert y is not None
    return (X, y) if n is None else (X[:n], y[:n])


def _steps(model: torch.nn.Module, batch: tuple[torch.Tensor, torch.Tensor | None], n: int,
           lr: float = 1e-2) -> dict[str, torch.Tensor]:
    opts = model.configure_optimizers(TrainConfig(lr=lr))
    model.train()
    for _ in range(n):
        out = optimize(model.training_step, batch, opts, automatic=True)
    return out


# -- loss math ------------------------------------------------------------------------------

def test_bernoulli_and_gaussian_losses_match_their_formulas() -> None:
    g = torch.Generator().manual_seed(0)
    a = torch.randn(5, 1, 4, 4, generator=g, dtype=torch.float64)
    x = torch.rand(5, 1, 4, 4, generator=g, dtype=torch.float64)
    an, xn = a.flatten(1).numpy(), x.flatten(1).numpy()
    p = expit(an)
    bce = -(xn * np.log(p) + (1 - xn) * np.log(1 - p)).sum(1)
    np.testing.assert_allclose(reconstruction_loss(a, x, "bernoulli").numpy(), bce, rtol=1e-10)
    sq = 0.5 * ((xn - an) ** 2).sum(1)
    np.testing.assert_allclose(reconstruction_loss(a, x, "gaussian").numpy(), sq, rtol=1e-12)


def test_kl_sparsity_penalty_is_the_bernoulli_kl_summed_over_units() -> None:
    rho, q = 0.05, np.array([0.01, 0.05, 0.2, 0.5, 0.93])
    want = (rel_entr(rho, q) + rel_entr(1 - rho, 1 - q)).sum()      # scipy, element-wise
    by_hand = sum(rho * math.log(rho / v) + (1 - rho) * math.log((1 - rho) / (1 - v))
                  for v in q)
    got = float(kl_sparsity(rho, torch.tensor(q, dtype=torch.float64)))
    assert got == pytest.approx(want, rel=1e-12) and got == pytest.approx(by_hand, rel=1e-12)
    assert float(kl_sparsity(rho, torch.full((7,), rho, dtype=torch.float64))) == \
        pytest.approx(0.0, abs=1e-15)                                    # zero at rho


def test_kl_sparsity_gradient_by_finite_differences_and_its_closed_form() -> None:
    rho = 0.1
    q = torch.tensor([0.03, 0.1, 0.4, 0.8], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: kl_sparsity(rho, t), (q,))
    kl_sparsity(rho, q).backward()
    closed = -rho / q.detach() + (1 - rho) / (1 - q.detach())
    torch.testing.assert_close(q.grad, closed)


def test_sae_loss_is_reconstruction_plus_beta_kl_of_the_batch_mean_activation() -> None:
    X, _ = _digits(40)
    torch.manual_seed(0)
    m = create("sae", latent=20, rho=0.05, beta=2.5, loss="bernoulli").double().eval()
    x = X.double()
    out = m.evaluation_step((x, None))
    with torch.no_grad():
        z = m.encoder(x)
        a = m.decoder(z)
    q = z.mean(0).numpy()
    kl = (rel_entr(0.05, q) + rel_entr(0.95, 1 - q)).sum()
    assert float(out["kl"]) == pytest.approx(2.5 * kl, rel=1e-9)
    recon = float(reconstruction_loss(a, x, "bernoulli").mean())
    assert float(out["loss"]) == pytest.approx(recon + 2.5 * kl, rel=1e-9)
    l1 = create("sae", latent=20, sparsity="l1", l1=0.01, code_activation="relu").double()
    o = l1.evaluation_step((x, None))
    with torch.no_grad():
        want_l1 = 0.01 * float(l1.encoder(x).abs().sum(1).mean())
    assert float(o["l1"]) == pytest.approx(want_l1, rel=1e-9)


def test_autoencoder_gradient_by_finite_differences() -> None:
    X, _ = _digits(6)
    torch.manual_seed(0)
    m = create("sae", latent=5, hidden=(7,), activation="tanh").double()
    x = X.double()
    names = [n for n, _ in m.named_parameters()]
    wrapped = _Objective(m)

    def loss(*ps: torch.Tensor) -> torch.Tensor:
        return torch.func.functional_call(wrapped, {f"m.{n}": p for n, p in zip(names, ps)},
                                          (x,))

    params = tuple(p.detach().clone().requires_grad_() for p in m.parameters())
    assert torch.autograd.gradcheck(loss, params)


class _Objective(torch.nn.Module):
    """The autoencoder's training objective as a module's forward (for functional_call)."""

    def __init__(self, m: torch.nn.Module) -> None:
        super().__init__()
        self.m = m

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.m.eval()                                   # no running-mean update
        return self.m.objective(x, x)["loss"]  # type: ignore[operator]


# -- corruption --------------------------------------------------------------------------------

N = 200_000


def _tolerance(p: float) -> float:
    return 5 * math.sqrt(p * (1 - p) / N)                # 5 binomial standard errors


@pytest.mark.parametrize("nu", [0.1, 0.25, 0.5])
def test_masking_zeroes_a_fraction_nu(nu: float) -> None:
    x = torch.ones(N)
    out = corrupt(x, "masking", nu, torch.Generator().manual_seed(1))
    assert abs(float((out == 0).float().mean()) - nu) < _tolerance(nu)
    assert set(out.unique().tolist()) <= {0.0, 1.0}


@pytest.mark.parametrize("nu", [0.1, 0.3])
def test_salt_and_pepper_sets_a_fraction_nu_to_0_or_1_by_a_fair_coin(nu: float) -> None:
    x = torch.full((N,), 0.5)
    out = corrupt(x, "salt-pepper", nu, torch.Generator().manual_seed(2))
    changed = out != 0.5
    assert abs(float(changed.float().mean()) - nu) < _tolerance(nu)
    assert abs(float((out == 1).float().mean()) - nu / 2) < _tolerance(nu / 2)
    assert abs(float((out == 0).float().mean()) - nu / 2) < _tolerance(nu / 2)


@pytest.mark.parametrize("sigma", [0.1, 0.5])
def test_gaussian_noise_has_the_level_as_deviation(sigma: float) -> None:
    x = torch.rand(N, generator=torch.Generator().manual_seed(3))
    d = corrupt(x, "gaussian", sigma, torch.Generator().manual_seed(4)) - x
    assert abs(float(d.mean())) < 5 * sigma / math.sqrt(N)
    assert float(d.std()) == pytest.approx(sigma, rel=0.01)


def test_dae_corrupts_in_training_only() -> None:
    X, _ = _digits(64)
    torch.manual_seed(0)
    m = create("dae", noise=0.5)
    seen = []
    m.encoder.register_forward_pre_hook(lambda _, args: seen.append(args[0].clone()))
    m.train()
    m.training_step((X, None))
    assert float((seen[-1] == 0).float().mean()) > float((X == 0).float().mean()) + 0.2
    m.evaluation_step((X, None))
    torch.testing.assert_close(seen[-1], X)


# -- pre-training --------------------------------------------------------------------------

def test_rbm_pretraining_initialises_encoder_and_mirrored_decoder() -> None:
    X, _ = _digits(300)
    torch.manual_seed(0)
    m = create("deep-ae", hidden=(32, 16), latent=4, pretrain_epochs=2)
    before = [lin.weight.clone() for lin in m.encoder.dense.layers]
    rbms = m.pretrain(X)
    enc, dec = list(m.encoder.dense.layers), list(m.decoder.dense.layers)[::-1]
    assert len(rbms) == 3 and bool(m.pretrained)
    for li, rbm in enumerate(rbms):
        assert int(rbm.updates) > 0
        torch.testing.assert_close(enc[li].weight, rbm.weight)
        torch.testing.assert_close(enc[li].bias, rbm.hbias)
        torch.testing.assert_close(dec[li].weight, rbm.weight.T)
        torch.testing.assert_close(dec[li].bias, rbm.vbias)
        assert not torch.equal(enc[li].weight, before[li])
    # each RBM is trained on the hidden probabilities of the one below
    assert rbms[1].n_visible == 32 and rbms[2].n_visible == 16
    assert all(r.config.visible == "bernoulli" for r in rbms)
    g = create("deep-ae", hidden=(8,), latent=4, pretrain_epochs=1, loss="gaussian")
    kinds = [r.config.visible for r in g.pretrain(X[:100] * 4 - 2)]   # real-valued data
    assert kinds == ["gaussian", "bernoulli"]                        # Gaussian visible first


def test_engine_hook_pretrains_once_and_none_leaves_the_weights() -> None:
    X, _ = _digits(200)
    torch.manual_seed(0)
    m = create("deep-ae", hidden=(16,), latent=4, pretrain_epochs=1)
    m.on_fit_start(X)
    w = m.encoder.dense.layers[0].weight.clone()
    m.on_fit_start(X)                                             # already pre-trained
    assert torch.equal(m.encoder.dense.layers[0].weight, w)
    n = create("deep-ae", hidden=(16,), latent=4, pretrain="none")
    w0 = n.encoder.dense.layers[0].weight.clone()
    n.on_fit_start(X)
    assert torch.equal(n.encoder.dense.layers[0].weight, w0) and not bool(n.pretrained)


def test_greedy_pretraining_trains_one_layer_at_a_time_with_lower_layers_frozen() -> None:
    X, _ = _digits(200)
    torch.manual_seed(0)
    m = create("dae", stacked=True, hidden=(24, 16), latent=8, n_classes=10,
               pretrain_epochs=2, pretrain_batch=20)

    def snap() -> dict[str, torch.Tensor]:
        return {k: v.clone() for k, v in m.named_parameters()}

    def changed(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> set[str]:
        return {k for k in a if not torch.equal(a[k], b[k])}

    s0 = snap()
    curve = m.pretrain_layer(0, X)
    s1 = snap()
    assert changed(s0, s1) == {"encoder.dense.layers.0.weight", "encoder.dense.layers.0.bias",
                               "decoder.biases.0"}
    assert curve[-1] < curve[0]
    m.pretrain_layer(1, X)
    s2 = snap()
    assert changed(s1, s2) == {"encoder.dense.layers.1.weight", "encoder.dense.layers.1.bias",
                               "decoder.biases.1"}
    m.pretrain_layer(2, X)
    assert changed(s2, snap()) == {"encoder.dense.layers.2.weight",
                                   "encoder.dense.layers.2.bias", "decoder.biases.2"}
    with pytest.raises(InputError, match="layer"):
        m.pretrain_layer(3, X)


def test_stacked_dae_predicts_classes_after_fine_tuning() -> None:
    from nnzoo.bench.generative.autoencoders import fit

    s = load_dataset("digits")
    torch.manual_seed(0)
    m = create("dae", stacked=True, hidden=(64,), latent=64, n_classes=10,
               pretrain_epochs=3)
    with pytest.raises(NotFittedError, match="not been trained"):
        m.predict(s.test.X)
    fit(m, s.train.X, s.train.y, TrainConfig(epochs=15, batch_size=32, optimizer="sgd",
                                             lr=0.1, momentum=0.9), seed=0)
    pred = m.predict(s.test.X)
    assert pred.dtype == torch.long and pred.shape == (len(s.test.X),)
    assert bool(m.pretrained)
    assert float((pred == s.test.y).float().mean()) > 0.9
    with pytest.raises(InputError, match="needs labels"):
        m.training_step((s.test.X, None))


# -- architectures ---------------------------------------------------------------------------

@pytest.mark.parametrize("shape,channels", [((1, 8, 8), (4, 8)), ((1, 28, 28), (8, 16)),
                                            ((3, 16, 12), (4,))])
def test_conv_autoencoder_reconstructs_the_input_shape(shape: tuple[int, ...],
                                                       channels: tuple[int, ...]) -> None:
    m = create("ae", sample_shape=shape, arch="conv", channels=channels, hidden=(), latent=6)
    x = torch.rand(3, *shape)
    assert m(x).shape == x.shape and m.predict(x).shape == (3, 6)
    with torch.no_grad():
        out = m(x)
    assert float(out.min()) >= 0 and float(out.max()) <= 1                 # Bernoulli means


def test_training_lowers_the_reconstruction_loss() -> None:
    X, _ = _digits(128)
    for mid in IDS:
        torch.manual_seed(0)
        m = create(mid, pretrain_epochs=1) if mid == "deep-ae" else create(mid)
        first = float(m.evaluation_step((X, None))["recon"])
        _steps(m, (X, None), 60)
        assert float(m.evaluation_step((X, None))["recon"]) < first, mid


# -- pictures and the command ------------------------------------------------------------------

def test_plots_filters_reconstructions_and_sae_histogram(tmp_path: Path) -> None:
    X, _ = _digits(64)
    for mid in ("ae", "sae"):
        torch.manual_seed(0)
        m = create(mid)
        m.on_fit_start(X)
        _steps(m, (X, None), 2)
        (tmp_path / mid).mkdir()
        names = {p.name for p in m.visualize(tmp_path / mid)}
        assert {"filters.png", "reconstructions.png"} <= names
        if mid == "sae":
            assert "mean_activations.png" in names


@pytest.mark.parametrize("mid,recipe", [("ae", None), ("deep-ae", None), ("sae", None),
                                        ("dae", None), ("dae", "sdae-digits")])
def test_nnzoo_train_works_offline_on_digits(cli, tmp_path: Path, mid: str,  # type: ignore[no-untyped-def]
                                             recipe: str | None) -> None:
    args = ["train", mid, "--epochs", "2", "--out", str(tmp_path), "--quiet"]
    if recipe:
        args += ["--recipe", recipe]
    if mid == "deep-ae" or recipe:
        args += ["--set", "pretrain_epochs=1"]
    code, out, err = cli(*args)
    assert code == 0, err
    run = next(tmp_path.iterdir())
    assert (run / "summary.json").exists() and (run / "plots" / "filters.png").exists()


# -- bad input: one clear error each -------------------------------------------------------

@pytest.mark.parametrize("mid", IDS)
def test_latent_size_zero_is_one_clear_error(mid: str) -> None:
    with pytest.raises(ConfigError, match="latent"):
        create(mid, latent=0)


@pytest.mark.parametrize("mid", IDS)
def test_images_outside_unit_interval_for_a_bernoulli_decoder(mid: str) -> None:
    X, _ = _digits(16)
    m = create(mid, loss="bernoulli", pretrain_epochs=1) if mid == "deep-ae" \
        else create(mid, loss="bernoulli")
    for bad in (X * 16, X - 0.5):
        with pytest.raises(InputError, match=r"\[0, 1\].*Bernoulli decoder"):
            m.training_step((bad, None))
        with pytest.raises(InputError, match=r"\[0, 1\].*Bernoulli decoder"):
            m.predict(bad)
    g = create(mid, loss="gaussian", pretrain_epochs=1) if mid == "deep-ae" \
        else create(mid, loss="gaussian")
    assert math.isfinite(float(g.training_step((X * 16 - 8, None))["loss"]))


@pytest.mark.parametrize("level", [1.0, 1.5, -0.1])
def test_corruption_level_outside_0_1_is_one_clear_error(level: float) -> None:
    with pytest.raises(ConfigError, match=r"corruption level.*\[0, 1\)"):
        create("dae", noise=level)
    with pytest.raises(InputError, match=r"corruption level.*\[0, 1\)"):
        corrupt(torch.rand(4, 4), "masking", level)


def test_other_bad_hyperparameters() -> None:
    with pytest.raises(ConfigError, match="under-complete"):
        create("ae", latent=64)                                   # digits have 64 values
    with pytest.raises(ConfigError, match="sigmoid"):
        create("sae", code_activation="relu")                     # KL needs sigmoid units
    with pytest.raises(ConfigError, match="divisible"):
        create("ae", sample_shape=(1, 6, 6), arch="conv", channels=(4, 4), hidden=(), latent=2)
    with pytest.raises(ConfigError, match="arch='mlp'"):
        create("deep-ae", arch="conv")
    with pytest.raises(ConfigError, match="sigmoid"):
        create("dae", stacked=True, activation="relu")
    with pytest.raises(ConfigError, match="corruption"):
        create("dae", corruption="speckle")
