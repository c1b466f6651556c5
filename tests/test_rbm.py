"""The RBM's math against exact enumeration, its learning, its scikit-learn API and its errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nnzoo.core.errors import InputError, NotFittedError
from nnzoo.models import create
from nnzoo.models.energy.rbm_estimator import RBMTransformer
from nnzoo.models.energy.units import all_states


def _tiny(d: int, h: int, visible: str = "bernoulli", std: float = 0.7, seed: int = 0):  # type: ignore[no-untyped-def]
    """A tiny RBM with random weights and biases, in double precision."""
    torch.manual_seed(seed)
    m = create("rbm", sample_shape=(d,), n_hidden=h, visible=visible).double()
    m.weight.copy_(torch.randn(h, d, dtype=torch.float64) * std)
    m.vbias.copy_(torch.randn(d, dtype=torch.float64) * std)
    m.hbias.copy_(torch.randn(h, dtype=torch.float64) * std)
    return m


def _brute_log_z(m) -> float:  # type: ignore[no-untyped-def]
    """log sum_{v, h} exp(-E(v, h)) over every joint state, from the energy alone."""
    d, h = m.n_visible, m.config.n_hidden
    vs, hs = all_states(d, dtype=torch.float64), all_states(h, dtype=torch.float64)
    v = vs[:, None, :].expand(-1, len(hs), -1).reshape(-1, d)
    hh = hs[None].expand(len(vs), -1, -1).reshape(-1, h)
    return float(torch.logsumexp(-m.energy(v, hh), 0))


@pytest.mark.parametrize("d,h", [(6, 4), (4, 7)])  # both enumeration branches (sum over h / v)
def test_free_energy_and_log_z_match_enumeration(d: int, h: int) -> None:
    m = _tiny(d, h)
    vs = all_states(d, dtype=torch.float64)
    hs = all_states(h, dtype=torch.float64)
    # F(v) = -log sum_h exp(-E(v, h)), summed over every h from the energy
    e = torch.stack([m.energy(vs, hs[j].expand(len(vs), -1)) for j in range(len(hs))], 1)
    torch.testing.assert_close(m.free_energy(vs), -torch.logsumexp(-e, 1))
    assert float(m.exact_log_partition()) == pytest.approx(_brute_log_z(m), abs=1e-9)
    # the exact log-likelihood is a distribution over the 2^D visible states
    assert float(torch.logsumexp(m.log_likelihood(vs), 0)) == pytest.approx(0.0, abs=1e-9)


def test_gaussian_log_z_matches_numerical_integration() -> None:
    m = _tiny(2, 3, visible="gaussian", std=0.5)
    g = torch.linspace(-12, 12, 1201, dtype=torch.float64)
    grid = torch.cartesian_prod(g, g)                                 # (P, 2)
    step = float(g[1] - g[0])
    log_z_num = float(torch.logsumexp(-m.free_energy(grid), 0)) + 2 * math.log(step)
    assert float(m.exact_log_partition()) == pytest.approx(log_z_num, abs=1e-6)


@pytest.mark.parametrize("visible", ["bernoulli", "gaussian"])
def test_ais_log_z_agrees_with_exact_enumeration(visible: str) -> None:
    m = _tiny(10, 6, visible=visible, std=0.5)
    exact = float(m.exact_log_partition())
    g = torch.Generator().manual_seed(1)
    est, se = m.ais_log_partition(n_runs=200, n_betas=2000, generator=g)
    assert abs(est - exact) < max(0.05, 4 * se), (est, exact, se)
    # a bad estimate (far too few intermediate distributions) is visibly off or uncertain
    m.weight.mul_(4)
    exact = float(m.exact_log_partition())
    rough, rough_se = m.ais_log_partition(n_runs=20, n_betas=3, generator=g)
    assert abs(rough - exact) > 0.05 or rough_se > 0.05


def test_pseudo_log_likelihood_matches_conditionals() -> None:
    m = _tiny(6, 4)
    v = torch.bernoulli(torch.full((5, 6), 0.5, dtype=torch.float64))
    # log p(v_i | v_-i) from the joint over the two values of bit i
    ref = torch.zeros(5, dtype=torch.float64)
    terms = torch.zeros(5, 6, dtype=torch.float64)
    for i in range(6):
        v1, v0 = v.clone(), v.clone()
        v1[:, i], v0[:, i] = 1, 0
        lp = torch.stack([-m.free_energy(v0), -m.free_energy(v1)], 1)
        t = lp.gather(1, v[:, i:i + 1].long())[:, 0] - torch.logsumexp(lp, 1)
        terms[:, i] = t
        ref += t
    torch.testing.assert_close(m.pseudo_log_likelihood(v, exact=True), ref)
    # the one-bit estimate is D times the term of one bit
    est = m.pseudo_log_likelihood(v, generator=torch.Generator().manual_seed(0))
    assert all(bool(torch.isclose(6 * terms[b], est[b]).any()) for b in range(5))


@pytest.mark.parametrize("persistent", [True, False])
def test_training_raises_exact_log_likelihood(persistent: bool) -> None:
    from nnzoo.data.generated import bars_and_stripes

    X = bars_and_stripes(3)                                         # 14 patterns of 9 pixels
    torch.manual_seed(0)
    m = create("rbm", sample_shape=(9,), n_hidden=8, persistent=persistent, n_chains=14,
               learning_rate=0.1, momentum_coef=0.5, k=3, init_std=0.1)
    before = float(m.log_likelihood(X).mean())        # about 9 log(1/2) = -6.24
    for _ in range(1500):
        m.training_step((X[torch.randperm(len(X))], None))
    after = float(m.log_likelihood(X).mean())
    assert after > -4.5 and after > before + 1.5, (before, after)  # the best: -log 14 = -2.64


def test_weight_decay_shrinks_weights() -> None:
    torch.manual_seed(0)
    X = torch.bernoulli(torch.full((50, 12), 0.5))
    norms = []
    for l2 in (0.0, 0.5):
        torch.manual_seed(0)
        m = create("rbm", sample_shape=(12,), n_hidden=5, l2=l2, learning_rate=0.05,
                   momentum_coef=0.1 if l2 else 0.0)
        for _ in range(100):
            m.training_step((X, None))
        norms.append(float(m.weight.norm()))
    assert norms[1] < 0.7 * norms[0]


def test_engine_step_and_metrics() -> None:
    m = create("rbm", sample_shape=(1, 4, 4), n_hidden=6)
    x = torch.bernoulli(torch.full((8, 1, 4, 4), 0.5))
    out = m.training_step((x, None))
    assert set(out) == {"loss"} and 0 <= float(out["loss"]) <= 1
    ev = m.evaluation_step((x, None))
    assert {"loss", "free_energy", "pseudo_log_likelihood", "log_likelihood"} <= set(ev)
    assert m(x).shape == (8, 6) and m.sample(3, steps=5).shape == (3, 1, 4, 4)


# -- errors -------------------------------------------------------------------------------------

def test_non_binary_data_for_bernoulli_rbm_is_one_clear_error() -> None:
    m = create("rbm", sample_shape=(4,), n_hidden=3)
    bad = torch.tensor([[0.0, 1.0, 2.0, 0.5]])
    with pytest.raises(InputError, match=r"values in \[0, 1\] for Bernoulli"):
        m.training_step((bad, None))
    with pytest.raises(InputError, match=r"values in \[0, 1\] for Bernoulli"):
        m.predict(bad)
    with pytest.raises(InputError, match=r"values in \[0, 1\] for Bernoulli"):
        RBMTransformer(n_components=2).fit(bad.numpy() - 1)
    g = create("rbm", sample_shape=(4,), n_hidden=3, visible="gaussian")
    g.training_step((bad, None))  # real values are fine for Gaussian visible units


def test_sampling_and_transforming_before_fitting_are_errors() -> None:
    with pytest.raises(NotFittedError, match="not fitted"):
        RBMTransformer().transform(np.zeros((2, 4)))
    with pytest.raises(NotFittedError, match="not fitted"):
        RBMTransformer().sample(3)
    with pytest.raises(NotFittedError, match="not fitted"):
        RBMTransformer().score_samples(np.zeros((2, 4)))
    with pytest.raises(NotFittedError, match="not been trained"):
        create("rbm", sample_shape=(4,), n_hidden=3).sample(2)


def test_transformer_rejects_wrong_width() -> None:
    t = RBMTransformer(n_components=3, n_iter=1, random_state=0).fit(np.zeros((20, 4)))
    with pytest.raises(InputError, match="X has 5 features, but RBMTransformer is expecting 4"):
        t.transform(np.zeros((2, 5)))
    with pytest.raises(InputError, match="Expected 2D array"):
        t.transform(np.zeros(4))
    with pytest.raises(InputError, match="Complex data not supported"):
        t.transform(np.zeros((2, 4), dtype=complex))


def test_score_samples_exists_for_bernoulli_visible_units_only() -> None:
    g = RBMTransformer(n_components=2, n_iter=1, visible="gaussian", random_state=0)
    assert not hasattr(g, "score_samples")
    with pytest.raises(AttributeError, match="has no attribute 'score_samples'") as e:
        g.score_samples(np.zeros((2, 4)))
    assert "needs Bernoulli visible units" in str(e.value.__cause__)
    assert hasattr(RBMTransformer(), "score_samples")


# -- scikit-learn API --------------------------------------------------------------------------

def test_sklearn_api_pipeline_on_digits() -> None:
    """In a Pipeline with logistic regression, as good as scikit-learn's BernoulliRBM."""
    from sklearn.base import clone
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import BernoulliRBM
    from sklearn.pipeline import Pipeline
    from threadpoolctl import threadpool_limits

    t = RBMTransformer(n_components=64, learning_rate=0.06, n_iter=10, random_state=0)
    params = t.get_params()
    assert {"n_components", "learning_rate", "batch_size", "n_iter", "k", "persistent",
            "momentum", "weight_decay", "random_state"} <= set(params)
    c = clone(t).set_params(n_components=7)
    assert c.n_components == 7 and t.n_components == 64
    X, y = load_digits(return_X_y=True)
    X = X / 16
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=0)
    with threadpool_limits(1):  # small problems: one BLAS thread is faster on a busy machine
        scores = []
        for rbm in (t, BernoulliRBM(n_components=64, learning_rate=0.06, n_iter=10,
                                    random_state=0)):
            pipe = Pipeline([("rbm", rbm), ("logistic", LogisticRegression(C=100,
                                                                          max_iter=2000))])
            scores.append(pipe.fit(Xtr, ytr).score(Xte, yte))
    assert scores[0] > 0.85 and scores[0] >= scores[1] - 0.03, scores
    feats = t.transform(Xte)
    assert feats.shape == (len(Xte), 64) and feats.min() >= 0 and feats.max() <= 1
    pll = t.score_samples(Xte[:10])
    assert pll.shape == (10,) and (pll <= 0).all()
    # same seed, same model
    again = clone(t).fit(Xtr)
    np.testing.assert_array_equal(again.components_, t.components_)


def test_fast_epoch_loop_equals_the_update_rule() -> None:
    """RBM.run_epoch (the transformer's tight PCD-1 loop) makes the same updates as update."""
    X = torch.bernoulli(torch.full((53, 12), 0.3))
    slices = [slice(i, min(i + 10, 53)) for i in range(0, 53, 10)]
    models = []
    for fast in (True, False):
        torch.manual_seed(0)
        m = create("rbm", sample_shape=(12,), n_hidden=7, n_chains=10, learning_rate=0.1)
        with torch.no_grad():
            if fast:
                m.run_epoch(X, slices)
            else:
                for sl in slices:
                    m.update(X[sl])
        models.append(m)
    for k, t in models[0].state_dict().items():
        torch.testing.assert_close(t, models[1].state_dict()[k], msg=k)


def test_gaussian_rbm_learns_standardised_data() -> None:
    """Gaussian-Bernoulli RBM (momentum and weight decay on) on two standardised clusters:
    the exact log-density of the data rises above the standard normal's."""
    g = torch.Generator().manual_seed(0)
    centers = torch.tensor([[1.5, -1.5, 1.0, 0.0], [-1.5, 1.5, -1.0, 0.0]])
    X = centers[torch.randint(0, 2, (400,), generator=g)] + 0.3 * torch.randn(400, 4,
                                                                              generator=g)
    X = (X - X.mean(0)) / X.std(0)
    torch.manual_seed(0)
    m = create("rbm", sample_shape=(4,), n_hidden=4, visible="gaussian", persistent=False,
               learning_rate=0.03, momentum_coef=0.5, l2=1e-4, init_std=0.1)
    before = float(m.log_likelihood(X).mean())          # about N(0, I): -4/2 log(2 pi e)
    for _ in range(20):
        for i in range(0, 400, 20):
            m.training_step((X[i:i + 20], None))
    after = float(m.log_likelihood(X).mean())
    assert after > before + 0.4, (before, after)  # here: -5.69 -> -5.03


@pytest.mark.slow
def test_gallery_setup_matches_bernoulli_rbm() -> None:
    """scikit-learn's gallery set-up (nudged digits, 100 hidden, rate 0.06, 10 epochs,
    LogisticRegression(C=6000)): RBM features as good as BernoulliRBM's (about 0.93)."""
    from nnzoo.bench.energy.rbm import rbm_digits

    r = rbm_digits(True)
    assert r.nnzoo is not None and r.peer_value is not None
    assert r.nnzoo >= 0.92 and r.nnzoo >= r.peer_value - 0.005, (r.nnzoo, r.peer_value)


def test_mean_field_cd1_update_matches_the_rule_by_hand() -> None:
    """CD-1 with visible probabilities: dW = rate (<h v>_data - <h v>_recon), vn = p(v|h)."""
    torch.manual_seed(0)
    m = create("rbm", sample_shape=(6,), n_hidden=4, persistent=False, k=1,
               learning_rate=0.1, mean_field_visible=True).double()
    m.weight.normal_(0, 0.5)
    v = (torch.rand(5, 6) < 0.5).double()
    W, b, c = m.weight.clone(), m.vbias.clone(), m.hbias.clone()
    torch.manual_seed(3)
    m.update(v)
    torch.manual_seed(3)
    hp = torch.sigmoid(c + v @ W.T)
    h = (torch.rand_like(hp) < hp).double()
    vn = torch.sigmoid(b + h @ W)                      # the mean, not a sample
    hn = torch.sigmoid(c + vn @ W.T)
    dW = 0.1 * (hp.T @ v - hn.T @ vn) / 5
    torch.testing.assert_close(m.weight, W + dW)
    torch.testing.assert_close(m.vbias, b + 0.1 * (v - vn).mean(0))


def test_visible_bias_init_and_momentum_warmup() -> None:
    X = torch.tensor([[1.0, 0.0, 1.0], [1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    m = create("rbm", sample_shape=(3,), n_hidden=2, vbias_init="logit-mean")
    m.on_fit_start(X)
    p = torch.tensor([0.75, 0.25, 0.5])
    torch.testing.assert_close(m.vbias, torch.log(p / (1 - p)))

    def run(momentum: float, warmup: int, n: int) -> torch.Tensor:
        torch.manual_seed(0)
        r = create("rbm", sample_shape=(3,), n_hidden=2, persistent=False,
                   momentum_coef=momentum, momentum_warmup=warmup)
        for _ in range(n):
            r.update(X)
        return r.weight.clone()

    # the first two updates run at momentum 0.5, then 0.9 takes over
    torch.testing.assert_close(run(0.9, 2, 2), run(0.5, 0, 2))
    assert not torch.allclose(run(0.9, 2, 3), run(0.5, 0, 3))


def test_gaussian_transformer_passes_scikit_learn_estimator_checks() -> None:
    """scikit-learn's API checks, on the Gaussian RBM: its generated data (normal values,
    negative ones) is what Gaussian visible units take, while Bernoulli visible units reject
    anything outside [0, 1], so most checks cannot apply to them (and to the DBN)."""
    from sklearn.utils.estimator_checks import check_estimator

    check_estimator(
        RBMTransformer(n_components=3, n_iter=2, visible="gaussian", random_state=0))


def test_transformer_clones_and_fits_in_a_pipeline() -> None:
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    t = RBMTransformer(n_components=3, n_iter=2, batch_size=5, random_state=1)
    c = clone(t)
    assert c.get_params() == t.get_params() and not hasattr(c, "model_")
    c.set_params(n_components=4)
    assert c.get_params()["n_components"] == 4 and t.n_components == 3
    X = np.random.default_rng(0).normal(size=(30, 5)) * 10   # scaled into [0, 1] by the pipe
    pipe = make_pipeline(MinMaxScaler(), t).fit(X)
    assert pipe.transform(X).shape == (30, 3)
    assert np.array_equal(pipe.transform(X), make_pipeline(MinMaxScaler(), clone(t)).fit(X)
                          .transform(X))                      # random_state fixes the fit
