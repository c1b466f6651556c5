"""The self-organising map against MiniSom and brute-force computations, its API and errors."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from nnzoo.core.config import build_config
from nnzoo.core.errors import ConfigError, InputError, NotFittedError
from nnzoo.models import create
from nnzoo.models.classic.som import SelfOrganizingMap, SOMConfig
from nnzoo.models.classic.som_blocks import grid_tables, online_torch, schedule
from nnzoo.models.classic.som_estimator import SOM, SOMClassifier


def _som(**hp: object) -> SelfOrganizingMap:
    """A float64 map for ``sample_shape`` (D,) with the given hyperparameters."""
    return SelfOrganizingMap(build_config(SOMConfig, hp)).double()


def _data(n: int = 120, d: int = 4, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, d))


# -- the online rule against MiniSom ------------------------------------------------------------

@pytest.mark.parametrize("topology,neighborhood,random_order", [
    ("rectangular", "gaussian", True), ("hexagonal", "gaussian", True),
    ("rectangular", "bubble", True), ("hexagonal", "bubble", False),
    ("rectangular", "triangle", False), ("hexagonal", "mexican_hat", True)])
def test_online_training_equals_minisom(topology: str, neighborhood: str,
                                        random_order: bool) -> None:
    minisom = pytest.importorskip("minisom")
    X, T, (gx, gy) = _data(), 400, (5, 6)        # an even Y exercises the hexagonal offsets
    sigma = 2.0 if neighborhood in ("bubble", "triangle") else 1.5
    lr = 0.05 if neighborhood == "mexican_hat" else 0.5  # the hat diverges at 0.5
    peer = minisom.MiniSom(gx, gy, X.shape[1], sigma=sigma, learning_rate=lr,
                           neighborhood_function=neighborhood, topology=topology,
                           random_seed=3)
    w0 = peer.get_weights().copy()
    # MiniSom's order: its generator after the initial weights shuffles arange(T) % N
    rng = np.random.RandomState(3)
    rng.rand(gx, gy, X.shape[1])
    order = np.arange(T) % len(X)
    if random_order:
        rng.shuffle(order)
    peer.train(X, T, random_order=random_order)

    ours = _som(sample_shape=(X.shape[1],), map_size=(gx, gy), topology=topology,
                neighborhood=neighborhood, sigma=sigma, learning_rate=lr, n_iterations=T)
    ours.weight.copy_(torch.from_numpy(w0.reshape(gx * gy, -1)))
    ours.fit(torch.from_numpy(X), order=order, warm_start=True)
    np.testing.assert_allclose(ours.weight.numpy().reshape(gx, gy, -1), peer.get_weights(),
                               atol=1e-5)
    Xt = torch.from_numpy(X)
    assert float(ours.quantization_error(Xt)) == pytest.approx(peer.quantization_error(X))
    assert float(ours.topographic_error(Xt)) == pytest.approx(peer.topographic_error(X))


def test_sequential_order_and_default_schedule_are_minisoms() -> None:
    minisom = pytest.importorskip("minisom")
    X = _data(50, 3)
    peer = minisom.MiniSom(4, 4, 3, sigma=1.0, learning_rate=0.5, random_seed=0)
    ours = _som(sample_shape=(3,), map_size=(4, 4), sigma=1.0, n_iterations=130,
                order="sequential")
    ours.weight.copy_(torch.from_numpy(peer.get_weights().reshape(16, 3)))
    peer.train_batch(X, 130)                     # MiniSom's name for the sequential order
    ours.fit(torch.from_numpy(X), warm_start=True)
    np.testing.assert_allclose(ours.weight.numpy().reshape(4, 4, 3), peer.get_weights(),
                               atol=1e-5)


@pytest.mark.parametrize("decay,sigma_decay", [
    ("asymptotic_decay", "asymptotic_decay"), ("inverse_decay_to_zero", "inverse_decay_to_one"),
    ("linear_decay_to_zero", "linear_decay_to_one")])
def test_decay_functions_are_minisoms(decay: str, sigma_decay: str) -> None:
    minisom = pytest.importorskip("minisom")
    peer = minisom.MiniSom(3, 3, 2, sigma=2.5, learning_rate=0.7, decay_function=decay,
                           sigma_decay_function=sigma_decay)
    cfg = build_config(SOMConfig, {"sample_shape": (2,), "sigma": 2.5, "learning_rate": 0.7,
                                   "decay": decay, "sigma_decay": sigma_decay})
    t = np.array([0, 1, 17, 250, 999])
    eta, sig = schedule(cfg, t, 1000)
    assert eta.tolist() == [peer._learning_rate_decay_function(0.7, int(s), 1000) for s in t]
    assert sig.tolist() == [peer._sigma_decay_function(2.5, int(s), 1000) for s in t]


def test_nnzoo_decays_end_where_documented() -> None:
    cfg = build_config(SOMConfig, {"sample_shape": (2,), "sigma": 4.0, "learning_rate": 0.5,
                                   "decay": "exponential_decay",
                                   "sigma_decay": "exponential_decay_to_one"})
    eta, sig = schedule(cfg, np.array([0, 100]), 100)
    np.testing.assert_allclose(eta, [0.5, 0.005])
    np.testing.assert_allclose(sig, [4.0, 1.0])


@pytest.mark.parametrize("neighborhood", ["gaussian", "mexican_hat", "bubble", "triangle"])
def test_torch_loop_equals_numpy_loop(neighborhood: str) -> None:
    """The device-agnostic torch loop and the CPU NumPy loop apply the same rule (toroidal)."""
    X = torch.from_numpy(_data(60, 3))
    kw = dict(sample_shape=(3,), map_size=(4, 6), topology="hexagonal", toroidal=True,
              neighborhood=neighborhood, sigma=2.0, learning_rate=0.1, n_iterations=150)
    a, b = _som(**kw), _som(**kw)
    b.weight.copy_(a.weight)
    order = np.random.default_rng(1).integers(0, 60, 150)
    a.train_online(X, order)                                  # NumPy on the CPU
    eta, sigma = schedule(b.config, np.arange(150), 150)
    online_torch(b.weight, X[torch.as_tensor(order)], eta, sigma, b._tables(), neighborhood)
    torch.testing.assert_close(a.weight, b.weight, atol=1e-10, rtol=0)
    assert int(a.iteration) == 150


# -- geometry -----------------------------------------------------------------------------------

def _positions(gx: int, gy: int, hexagonal: bool) -> np.ndarray:
    """Unit positions written out as MiniSom's meshgrid builds them."""
    xx, yy = np.meshgrid(np.arange(gx), np.arange(gy))        # (Y, X)
    xx, yy = xx.astype(float), yy.astype(float)
    if hexagonal:
        xx[::-2] -= 0.5
        yy *= math.sqrt(3) / 2
    return np.stack([xx.T.ravel(), yy.T.ravel()], 1)           # unit i * Y + j


@pytest.mark.parametrize("topology,gx,gy", [("rectangular", 5, 4), ("rectangular", 3, 7),
                                             ("hexagonal", 5, 4), ("hexagonal", 3, 6)])
def test_toroidal_distance_is_the_shortest_way_round(topology: str, gx: int, gy: int) -> None:
    hexa = topology == "hexagonal"
    cfg = build_config(SOMConfig, {"sample_shape": (2,), "map_size": (gx, gy),
                                   "topology": topology, "toroidal": True})
    d2 = grid_tables(cfg)["d2"].numpy()
    p = _positions(gx, gy, hexa)
    height = gy * math.sqrt(3) / 2 if hexa else gy
    best = np.full(d2.shape, np.inf)                            # min over the 9 images
    for a, b in itertools.product((-1, 0, 1), repeat=2):
        shifted = p + np.array([a * gx, b * height])
        best = np.minimum(best, ((p[:, None] - shifted[None]) ** 2).sum(-1))
    np.testing.assert_allclose(d2, best, atol=1e-12)
    if not hexa:                                                # the formula, by hand
        k = lambda i, j: i * gy + j  # noqa: E731
        assert d2[k(0, 0), k(gx - 1, gy - 1)] == 2.0           # one step each way round
        assert d2[k(0, 0), k(gx // 2, 0)] == min(gx // 2, gx - gx // 2) ** 2


def test_toroidal_hexagonal_map_needs_even_rows() -> None:
    with pytest.raises(ConfigError, match="even"):
        build_config(SOMConfig, {"map_size": (4, 5), "topology": "hexagonal",
                                 "toroidal": True})


# -- quality measures against brute force --------------------------------------------------------

def _brute_errors(X: np.ndarray, W: np.ndarray, gx: int, gy: int, kind: str
                  ) -> tuple[float, float]:
    """Quantisation and topographic error with explicit loops over samples."""
    qe, te = 0.0, 0
    pos = _positions(gx, gy, kind == "hex")
    for x in X:
        d = [np.linalg.norm(x - w) for w in W]
        first, second = np.argsort(d)[:2]
        qe += d[first]
        (i1, j1), (i2, j2) = divmod(first, gy), divmod(second, gy)
        if kind == "rect8":
            adjacent = max(abs(i1 - i2), abs(j1 - j2)) == 1
        elif kind == "rect4":
            adjacent = abs(i1 - i2) + abs(j1 - j2) == 1
        else:
            adjacent = abs(np.linalg.norm(pos[first] - pos[second]) - 1) < 1e-9
        te += not adjacent
    return qe / len(X), te / len(X)


@pytest.mark.parametrize("kind", ["rect8", "rect4", "hex"])
def test_quantization_and_topographic_error_match_brute_force(kind: str) -> None:
    X = _data(80, 3, seed=2)
    m = _som(sample_shape=(3,), map_size=(4, 5), rect_neighbours=4 if kind == "rect4" else 8,
             topology="hexagonal" if kind == "hex" else "rectangular")
    m.weight.copy_(torch.from_numpy(_data(20, 3, seed=5)))
    qe, te = _brute_errors(X, m.weight.numpy(), 4, 5, kind)
    Xt = torch.from_numpy(X)
    assert float(m.quantization_error(Xt)) == pytest.approx(qe, abs=1e-12)
    assert float(m.topographic_error(Xt)) == pytest.approx(te, abs=1e-12)
    assert 0 < te < 1                                            # the test can tell


def test_u_matrix_of_a_2x2_map_by_hand() -> None:
    m = _som(sample_shape=(2,), map_size=(2, 2))
    # units (0,0), (0,1), (1,0), (1,1)
    m.weight.copy_(torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [3.0, 4.0]]))
    s5, s13, s20 = math.sqrt(5), math.sqrt(13), math.sqrt(20)
    sums = np.array([[1 + 2 + 5, 1 + s5 + s20], [2 + s5 + s13, 5 + s20 + s13]])
    np.testing.assert_allclose(m.distance_map(normalize=False).numpy(), sums)
    np.testing.assert_allclose(m.distance_map().numpy(), sums / sums.max())
    np.testing.assert_allclose(m.distance_map("mean", normalize=False).numpy(), sums / 3)
    four = _som(sample_shape=(2,), map_size=(2, 2), rect_neighbours=4)
    four.weight.copy_(m.weight)                  # only the two edge neighbours of each unit
    np.testing.assert_allclose(four.distance_map(normalize=False).numpy(),
                               [[1 + 2, 1 + s20], [2 + s13, s20 + s13]])


def test_u_matrix_equals_minisoms_distance_map() -> None:
    minisom = pytest.importorskip("minisom")
    for topology, gy in (("rectangular", 4), ("hexagonal", 5)):
        peer = minisom.MiniSom(5, gy, 3, topology=topology, random_seed=0)
        ours = _som(sample_shape=(3,), map_size=(5, gy), topology=topology)
        ours.weight.copy_(torch.from_numpy(peer.get_weights().reshape(5 * gy, 3)))
        for scaling in ("sum", "mean"):
            np.testing.assert_allclose(ours.distance_map(scaling).numpy(),
                                       peer.distance_map(scaling), atol=1e-12)


# -- the batch map --------------------------------------------------------------------------------

def test_one_batch_epoch_is_the_neighbourhood_weighted_mean() -> None:
    X = _data(70, 3, seed=4)
    m = _som(sample_shape=(3,), map_size=(3, 4), training="batch", n_epochs=5, sigma=1.3)
    m.weight.copy_(torch.from_numpy(_data(12, 3, seed=6)))
    W = m.weight.numpy().copy()
    m.train_batch_epoch(torch.from_numpy(X), 2)
    sigma = 1.3 / (1 + 2 / (5 / 2))                              # asymptotic decay at e = 2
    pos = _positions(3, 4, False)
    num, den = np.zeros_like(W), np.zeros(12)
    for x in X:                                                  # sample by sample
        c = np.argmin(np.linalg.norm(x - W, axis=1))
        h = np.exp(-((pos - pos[c]) ** 2).sum(1) / (2 * sigma**2))
        num += h[:, None] * x
        den += h
    np.testing.assert_allclose(m.weight.numpy(), num / den[:, None], atol=1e-12)


def test_batch_map_keeps_units_without_weight() -> None:
    m = _som(sample_shape=(2,), map_size=(1, 4), training="batch", neighborhood="bubble",
             sigma=1.0)                                          # h = 1 at the winner only
    m.weight.copy_(torch.tensor([[0.0, 0.0], [5.0, 5.0], [9.0, 9.0], [20.0, 20.0]]))
    X = torch.tensor([[0.0, 1.0], [0.0, 3.0], [9.0, 8.0]], dtype=torch.float64)
    m.train_batch_epoch(X, 0)
    torch.testing.assert_close(m.weight, torch.tensor(
        [[0.0, 2.0], [5.0, 5.0], [9.0, 8.0], [20.0, 20.0]], dtype=torch.float64))


def test_blended_batch_equals_minisoms_offline_batch() -> None:
    minisom = pytest.importorskip("minisom")
    X = _data(60, 3, seed=8)
    peer = minisom.MiniSom(4, 3, 3, sigma=1.5, learning_rate=0.5, random_seed=2)
    ours = _som(sample_shape=(3,), map_size=(4, 3), sigma=1.5, training="batch", n_epochs=3,
                batch_blend=True)
    ours.weight.copy_(torch.from_numpy(peer.get_weights().reshape(12, 3)))
    peer.train_batch_offline(X, 3)
    ours.fit(torch.from_numpy(X), warm_start=True)
    np.testing.assert_allclose(ours.weight.numpy().reshape(4, 3, 3), peer.get_weights(),
                               atol=1e-10)


# -- BMU-label classification ---------------------------------------------------------------------

def test_units_take_the_majority_class_or_the_nearest_labelled_units() -> None:
    m = _som(sample_shape=(1,), map_size=(1, 5))
    m.weight.copy_(torch.tensor([[0.0], [10.0], [20.0], [30.0], [40.0]], dtype=torch.float64))
    X = torch.tensor([[0.1], [0.2], [-0.1], [29.0], [31.0], [40.0]], dtype=torch.float64)
    y = torch.tensor([2, 1, 2, 0, 0, 1])
    m.label_units(X, y)
    # units 0, 3, 4 won samples (majorities 2, 0, 1); on the map, unlabelled unit 1 is
    # nearest to unit 0 (distance 1), unlabelled unit 2 to unit 3 (distance 1)
    assert m.unit_labels.tolist() == [2, 2, 0, 0, 1]
    assert m.unit_hits.tolist() == [3, 0, 0, 2, 1]
    assert m.predict(torch.tensor([[9.0], [33.0]], dtype=torch.float64)).tolist() == [2, 0]


def test_classifier_on_digits_beats_chance_by_far() -> None:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    clf = SOMClassifier(map_size=(8, 8), sigma=1.5, n_iterations=3000, random_state=0)
    clf.fit(X[:1000] / 16, y[:1000])
    assert clf.score(X[1000:] / 16, y[1000:]) > 0.75
    with pytest.raises(InputError, match="needs the labels y"):
        clf.score(X[1000:] / 16)
    assert clf.transform(X[:5] / 16).shape == (5, 64)
    clf.set_params(output="coordinates")
    coords = clf.transform(X[:5] / 16)
    assert coords.shape == (5, 2) and coords.max() < 8
    np.testing.assert_array_equal(coords, clf.winner(X[:5] / 16))


def test_estimators_fit_in_a_pipeline_and_clone() -> None:
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = _data(90, 4)
    pipe = make_pipeline(StandardScaler(), SOM(map_size=(3, 3), training="batch",
                                               n_epochs=5, random_state=0)).fit(X)
    assert pipe.transform(X).shape == (90, 9)
    est = clone(SOM(map_size=(2, 3), sigma=0.8))
    assert est.get_params()["map_size"] == (2, 3)
    assert est.fit(X).score(X) == pytest.approx(-est.quantization_error(X))
    assert est.distance_map().shape == (2, 3)


def test_fit_is_reproducible_with_a_seed() -> None:
    X = _data(50, 3)
    a = SOM(map_size=(3, 3), n_iterations=200, random_state=4).fit(X)
    b = SOM(map_size=(3, 3), n_iterations=200, random_state=4).fit(X)
    np.testing.assert_array_equal(a.weights_, b.weights_)


@pytest.mark.parametrize("init", ["sample", "pca"])
def test_data_initialisations(init: str) -> None:
    X = torch.from_numpy(_data(40, 3))
    m = _som(sample_shape=(3,), map_size=(3, 2), init=init)
    m.initialize(X)
    W = m.weight.numpy()
    if init == "sample":                               # every unit is one of the samples
        assert all(np.isclose(X.numpy(), w).all(1).any() for w in W)
    else:                                              # the corners span mean +- pc1 +- pc2
        mean = X.numpy().mean(0)
        np.testing.assert_allclose((W[0] + W[-1]) / 2, mean, atol=1e-12)
        vals, vecs = np.linalg.eigh(np.cov(X.numpy().T))
        pc1 = vecs[:, -1]
        assert abs(abs(np.dot((W[-2] - W[0]) / 2, pc1)) - 1) < 1e-9


def test_visualize_writes_the_u_matrix_and_component_planes(tmp_path: Path) -> None:
    for topology in ("rectangular", "hexagonal"):
        m = create("som", sample_shape=(1, 4, 4), map_size=(4, 4), topology=topology,
                   n_iterations=200)
        X = torch.rand(40, 1, 4, 4)
        m.fit(X, torch.randint(0, 3, (40,)))
        paths = m.visualize(tmp_path / topology)
        assert {p.name for p in paths} == {"u_matrix.png", "component_planes.png",
                                           "codebook.png"}
        assert all(p.stat().st_size > 1000 for p in paths)


# -- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [(0, 5), (5, 0), (0, 0), (3,), (-1, 2)])
def test_a_map_smaller_than_1x1_is_a_config_error(size: tuple[int, ...]) -> None:
    with pytest.raises(ConfigError, match="map_size"):
        create("som", map_size=size)


def test_bad_hyperparameters_are_config_errors() -> None:
    for hp in ({"sigma": 0}, {"learning_rate": -1.0}, {"n_iterations": 0},
               {"rect_neighbours": 6}, {"neighborhood": "cone"}, {"decay": "fast"}):
        with pytest.raises(ConfigError):
            create("som", **hp)
    with pytest.raises(ConfigError, match="output"):
        SOM(output="weights").fit(_data(10, 2))


def test_bad_data_is_one_clear_error() -> None:
    m = create("som", sample_shape=(3,), map_size=(2, 2), n_iterations=10)
    X = torch.rand(8, 3)
    for v in (float("nan"), float("inf")):
        bad = X.clone()
        bad[2, 1] = v
        with pytest.raises(InputError, match="NaN or infinite"):
            m.fit(bad)
    with pytest.raises(InputError, match="shape"):
        m.fit(torch.rand(8, 4))
    with pytest.raises(InputError, match="shape"):
        m.predict(torch.rand(3))
    with pytest.raises(InputError, match="shape"):
        m.fit(X, torch.zeros(7, dtype=torch.long))               # X and y of different lengths
    with pytest.raises(NotFittedError, match="labels"):
        m.predict(X)                                              # no labels yet
    m.fit(X)                                                      # unsupervised: still none
    with pytest.raises(NotFittedError, match="labels"):
        m.predict(X)
    with pytest.raises(InputError, match="order"):
        m.fit(X, order=np.arange(5))


def test_estimator_bad_input() -> None:
    X = _data(20, 3)
    with pytest.raises(NotFittedError):
        SOMClassifier().predict(X)
    with pytest.raises(NotFittedError):
        SOM().transform(X)
    with pytest.raises(InputError, match="inconsistent numbers of samples"):
        SOMClassifier(n_iterations=10).fit(X, np.zeros(19))
    with pytest.raises(InputError, match="Input X contains NaN"):
        SOM(n_iterations=10).fit(np.where(X > 0.9, np.nan, X))
    clf = SOMClassifier(map_size=(2, 2), n_iterations=50).fit(X, np.arange(20) % 2)
    with pytest.raises(InputError, match="X has 5 features, but SOMClassifier is expecting 3"):
        clf.predict(_data(4, 5))
