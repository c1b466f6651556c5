"""Tests of nnzoo.data: offline and fast (the real-MNIST check is marked slow)."""

from __future__ import annotations

import collections
import gzip
import hashlib
import os
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from nnzoo.core.errors import ConfigError, DataMissingError, InputError, UnknownNameError
from nnzoo.data import (
    DATASETS,
    MNIST,
    ArrayDataset,
    Splits,
    data_root,
    ensure,
    list_datasets,
    load_dataset,
    load_digits,
    load_mnist,
    read_idx,
    verify,
)
from nnzoo.data.generated import (
    adding_problem,
    associative_recall,
    bars_and_stripes,
    copy_task,
    mackey_glass,
    mackey_glass_splits,
    random_patterns,
)
from nnzoo.data.registry import get_source
from nnzoo.data.sources import RemoteFile, Source, download, sha256_file

# ---------------------------------------------------------------------------------------
# data root


def test_data_root_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NNZOO_DATA", str(tmp_path))
    assert data_root() == tmp_path
    monkeypatch.setenv("NNZOO_DATA", "~/somewhere")
    assert data_root() == Path.home() / "somewhere"
    monkeypatch.delenv("NNZOO_DATA")
    assert data_root() == Path.home() / ".cache" / "nnzoo"


# ---------------------------------------------------------------------------------------
# IDX parser


def write_idx(path: Path, arr: np.ndarray, *, gz: bool) -> None:
    codes = {
        np.uint8: 0x08,
        np.int8: 0x09,
        np.int16: 0x0B,
        np.int32: 0x0C,
        np.float32: 0x0D,
        np.float64: 0x0E,
    }
    code = codes[arr.dtype.type]
    header = struct.pack(">BBBB", 0, 0, code, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
    data = header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()
    path.write_bytes(gzip.compress(data) if gz else data)


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize(
    "arr",
    [
        np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4),
        np.array([-5, 0, 7, 2**30], dtype=np.int32),
        np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4),
        np.array([[1.5, -2.25]], dtype=np.float64),
        np.array([-3, 300], dtype=np.int16),
    ],
    ids=["ubyte3d", "int32", "float32", "float64", "int16"],
)
def test_read_idx_round_trip(tmp_path: Path, arr: np.ndarray, gz: bool) -> None:
    path = tmp_path / ("x.idx.gz" if gz else "x.idx")
    write_idx(path, arr, gz=gz)
    out = read_idx(path)
    assert out.shape == arr.shape
    assert out.dtype == arr.dtype  # native byte order
    np.testing.assert_array_equal(out, arr)
    out[...] = 0  # writable


def test_read_idx_detects_gzip_by_magic_not_name(tmp_path: Path) -> None:
    arr = np.arange(10, dtype=np.uint8)
    path = tmp_path / "labels-no-gz-suffix"
    write_idx(path, arr, gz=True)
    np.testing.assert_array_equal(read_idx(path), arr)


def test_read_idx_truncated_and_corrupt(tmp_path: Path) -> None:
    arr = np.arange(100, dtype=np.uint8).reshape(10, 10)
    raw = tmp_path / "raw.idx"
    write_idx(raw, arr, gz=False)
    raw.write_bytes(raw.read_bytes()[:-7])
    with pytest.raises(InputError, match="raw.idx.*truncated"):
        read_idx(raw)

    gz = tmp_path / "cut.idx.gz"
    write_idx(gz, arr, gz=True)
    gz.write_bytes(gz.read_bytes()[:-10])
    with pytest.raises(InputError, match="cut.idx.gz"):
        read_idx(gz)

    bad = tmp_path / "bad.idx"
    bad.write_bytes(b"\x12\x34\x08\x01\x00\x00\x00\x01\x05")
    with pytest.raises(InputError, match="bad.idx.*magic"):
        read_idx(bad)

    long = tmp_path / "long.idx"
    write_idx(long, arr, gz=False)
    long.write_bytes(long.read_bytes() + b"\x00")
    with pytest.raises(InputError, match="long.idx"):
        read_idx(long)

    with pytest.raises(InputError, match="does not exist"):
        read_idx(tmp_path / "nothing.idx")


# ---------------------------------------------------------------------------------------
# sources: ensure, download, verify


def make_source(tmp_path: Path, payloads: dict[str, bytes], *, bad: str = "") -> Source:
    """A Source whose files are served from tmp_path/served via file:// URLs."""
    served = tmp_path / "served"
    served.mkdir(exist_ok=True)
    files = []
    for name, data in payloads.items():
        (served / name).write_bytes(data)
        digest = hashlib.sha256(data).hexdigest() if name != bad else "0" * 64
        files.append(RemoteFile(name, (served / name).as_uri(), digest, size=len(data)))
    return Source("toy", tuple(files), "https://example.org", "CC0", "a toy dataset")


def test_ensure_offline_names_directory_and_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NNZOO_OFFLINE", "1")
    root = tmp_path / "empty-root"
    with pytest.raises(DataMissingError) as info:
        ensure(MNIST, root=root)
    msg = str(info.value)
    assert "'mnist'" in msg
    assert str(root / "mnist") in msg
    for f in MNIST.files:
        assert f.name in msg
        assert f.url in msg
    assert "\n" not in msg  # one clear line
    assert not (root / "mnist").exists()  # nothing created when offline


def test_ensure_via_env_data_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NNZOO_DATA", str(tmp_path))
    monkeypatch.setenv("NNZOO_OFFLINE", "1")
    with pytest.raises(DataMissingError, match=str(tmp_path / "fashion-mnist")):
        load_mnist("fashion-mnist")


def test_ensure_no_network_gives_one_clear_error(tmp_path: Path) -> None:
    src = Source(
        "net",
        (RemoteFile("a.bin", (tmp_path / "nowhere" / "a.bin").as_uri(), "0" * 64),),
        "",
        "",
        "",
    )
    with pytest.raises(DataMissingError, match=r"'net'.*a\.bin.*Put the files in"):
        ensure(src, root=tmp_path / "root", progress=False)
    assert not (tmp_path / "root" / "net").exists()  # no empty folder left behind


def test_ensure_downloads_then_trusts_present_files(tmp_path: Path) -> None:
    src = make_source(tmp_path, {"a.bin": b"alpha" * 100, "b.bin": b"beta"})
    root = tmp_path / "root"
    d = ensure(src, root=root, download=True, progress=False)
    assert d == root / "toy"
    assert (d / "a.bin").read_bytes() == b"alpha" * 100
    assert sorted(p.name for p in d.iterdir()) == ["a.bin", "b.bin"]
    assert verify(src, root) == [("a.bin", "ok"), ("b.bin", "ok")]
    # present files are trusted without network, even offline
    assert ensure(src, root=root, download=False) == d
    (d / "b.bin").write_bytes(b"BETA")  # same size, wrong content
    assert verify(src, root) == [("a.bin", "ok"), ("b.bin", "bad checksum")]
    (d / "a.bin").unlink()
    assert verify(src, root)[0] == ("a.bin", "missing")


def test_download_good_checksum_is_atomic(tmp_path: Path) -> None:
    data = os.urandom(3 * (1 << 20) + 17)  # several chunks
    src = make_source(tmp_path, {"blob.gz": data})
    dest = tmp_path / "out" / "blob.gz"
    download(src.files[0], dest, progress=False)
    assert dest.read_bytes() == data
    assert sha256_file(dest) == hashlib.sha256(data).hexdigest()
    assert [p.name for p in dest.parent.iterdir()] == ["blob.gz"]  # no .part left


def test_download_bad_checksum_leaves_nothing(tmp_path: Path) -> None:
    src = make_source(tmp_path, {"blob.gz": b"payload"}, bad="blob.gz")
    dest = tmp_path / "out" / "blob.gz"
    with pytest.raises(DataMissingError) as info:
        download(src.files[0], dest, progress=False)
    msg = str(info.value)
    assert "blob.gz" in msg
    assert "0" * 64 in msg  # expected
    assert hashlib.sha256(b"payload").hexdigest() in msg  # actual
    assert list(dest.parent.iterdir()) == []


def test_download_falls_back_to_mirror_and_md5(tmp_path: Path) -> None:
    data = b"mirrored bytes"
    (tmp_path / "m.bin").write_bytes(data)
    f = RemoteFile(
        "m.bin",
        (tmp_path / "missing" / "m.bin").as_uri(),
        md5=hashlib.md5(data).hexdigest(),
        mirrors=((tmp_path / "m.bin").as_uri(),),
    )
    download(f, tmp_path / "got" / "m.bin", progress=False)
    assert (tmp_path / "got" / "m.bin").read_bytes() == data


def test_remote_file_needs_a_checksum() -> None:
    with pytest.raises(ConfigError):
        RemoteFile("x", "file:///x")


# ---------------------------------------------------------------------------------------
# digits


def test_digits_splits() -> None:
    s = load_digits()
    assert isinstance(s, Splits)
    assert s.sizes == {"train": 1293, "val": 144, "test": 360}
    assert s.sample_shape == (1, 8, 8) and s.n_classes == 10 and s.task == "classification"
    for part in (s.train, s.val, s.test):
        assert part.X.dtype == torch.float32 and part.y.dtype == torch.int64
        assert part.X.shape[1:] == (1, 8, 8)
        assert float(part.X.min()) >= 0.0 and float(part.X.max()) <= 1.0
    assert float(s.train.X.max()) == 1.0
    # stratified: every class's share in each split is within one sample of the whole's
    full = torch.cat([s.train.y, s.val.y, s.test.y])
    share = torch.bincount(full, minlength=10).double() / len(full)
    for part in (s.train, s.val, s.test):
        counts = torch.bincount(part.y, minlength=10).double()
        assert torch.all((counts - share * len(part)).abs() <= 1.0)
    # the three splits are disjoint and cover all 1797 images
    flat = torch.cat([s.train.X, s.val.X, s.test.X]).reshape(1797, -1)
    assert torch.unique(torch.cat([flat, full[:, None].float()], 1), dim=0).shape[0] >= 1790
    # deterministic
    t = load_digits()
    assert torch.equal(s.test.X, t.test.X) and torch.equal(s.train.y, t.train.y)


def test_array_dataset_subset_and_checks() -> None:
    ds = ArrayDataset(torch.arange(10.0).reshape(5, 2), torch.arange(5))
    sub = ds.subset([0, 4])
    assert len(sub) == 2 and sub.y.tolist() == [0, 4]
    assert len(ds.subset(slice(1, 3))) == 2
    assert len(ds.subset(torch.tensor([True, False, True, False, False]))) == 2
    with pytest.raises(InputError):
        ArrayDataset(torch.zeros(3, 2), torch.zeros(4))


# ---------------------------------------------------------------------------------------
# generated tasks


def test_copy_task() -> None:
    s = copy_task(n=50, seq_len=5, n_bits=4, seed=3)
    assert s.sizes == {"train": 50, "val": 5, "test": 5}
    X, y = s.train.X, s.train.y
    assert X.shape == (50, 12, 6) and y.shape == (50, 5, 4)
    assert torch.all(X[:, 0, 4] == 1) and torch.all(X[:, 6, 5] == 1)
    assert torch.equal(X[:, 1:6, :4], y)
    assert torch.all(X[:, 7:] == 0)
    assert torch.equal(copy_task(n=50, seq_len=5, n_bits=4, seed=3).test.y, s.test.y)
    assert not torch.equal(copy_task(n=50, seq_len=5, n_bits=4, seed=4).train.y, y)


def test_associative_recall() -> None:
    K, L, B = 4, 2, 3
    s = associative_recall(n=40, n_items=K, item_len=L, n_bits=B, seed=1)
    X, y = s.train.X, s.train.y
    assert X.shape == (40, K * (L + 1) + 2 * L + 2, B + 2) and y.shape == (40, L, B)
    items = X[:, : K * (L + 1)].reshape(40, K, L + 1, B + 2)
    assert torch.all(items[:, :, 0, B] == 1)
    query = X[:, K * (L + 1) + 1 : K * (L + 1) + 1 + L, :B]
    for i in range(40):  # the answer is the item after the (first) item equal to the query
        k = next(j for j in range(K - 1) if torch.equal(items[i, j, 1:, :B], query[i]))
        assert torch.equal(items[i, k + 1, 1:, :B], y[i])
    assert torch.equal(associative_recall(40, K, L, B, seed=1).train.X, X)


def test_adding_problem() -> None:
    s = adding_problem(n=200, seq_len=20, seed=0)
    X, y = s.train.X, s.train.y
    assert X.shape == (200, 20, 2) and y.shape == (200,)
    marks = X[..., 1]
    assert torch.all(marks.sum(1) == 2)
    assert torch.all(marks[:, :10].sum(1) == 1) and torch.all(marks[:, 10:].sum(1) == 1)
    torch.testing.assert_close((X[..., 0] * marks).sum(1), y)
    assert float(X[..., 0].min()) >= 0 and float(X[..., 0].max()) <= 1
    assert torch.equal(adding_problem(n=200, seq_len=20, seed=0).val.X, s.val.X)


def reservoirpy_mackey_glass(n_timesteps, tau=17, a=0.2, b=0.1, n=10, x0=1.2, h=1.0, seed=0):
    """reservoirpy.datasets.mackey_glass, re-derived: deque history, RK4 with x(t-tau) fixed."""

    def eq(xt, xtau):
        return -b * xt + a * xtau / (1 + xtau**n)

    def rk4(xt, xtau):
        k1 = h * eq(xt, xtau)
        k2 = h * eq(xt + 0.5 * k1, xtau)
        k3 = h * eq(xt + 0.5 * k2, xtau)
        k4 = h * eq(xt + k3, xtau)
        return xt + k1 / 6 + k2 / 3 + k3 / 3 + k4 / 6

    rs = np.random.default_rng(seed)
    length = int(np.floor(tau / h))
    history = collections.deque(x0 * np.ones(length) + 0.2 * (rs.random(length) - 0.5))
    xt, out = x0, np.zeros(n_timesteps)
    for i in range(n_timesteps):
        out[i] = xt
        if tau == 0:
            xtau = 0.0
        else:
            xtau = history.popleft()
            history.append(xt)
        xt = rk4(xt, xtau)
    return out


def test_mackey_glass_matches_reservoirpy_algorithm() -> None:
    x = mackey_glass(2000, seed=5555)
    assert x.shape == (2000,) and x.dtype == torch.float64
    ref = reservoirpy_mackey_glass(2000, seed=5555)
    np.testing.assert_allclose(x.numpy(), ref, rtol=0, atol=1e-12)
    assert float(x[0]) == 1.2
    assert float(x.min()) > 0.0 and float(x.max()) < 1.5
    # chaotic, not a fixed point or a short cycle
    assert float(x[500:].std()) > 0.1
    # other parameters, other history length
    np.testing.assert_allclose(
        mackey_glass(300, tau=30, dt=1.0, seed=1).numpy(),
        reservoirpy_mackey_glass(300, tau=30, seed=1),
        rtol=0,
        atol=1e-12,
    )
    assert torch.equal(mackey_glass(100, seed=2), mackey_glass(100, seed=2))
    assert not torch.equal(mackey_glass(100, seed=2), mackey_glass(100, seed=3))


def test_mackey_glass_splits_in_time_order() -> None:
    s = mackey_glass_splits(1001, seed=5555)
    x = mackey_glass(1001, seed=5555).float()
    assert s.sizes == {"train": 700, "val": 100, "test": 200}
    X = torch.cat([s.train.X, s.val.X, s.test.X])[:, 0]
    y = torch.cat([s.train.y, s.val.y, s.test.y])[:, 0]
    assert torch.equal(X, x[:-1]) and torch.equal(y, x[1:])
    assert s.task == "regression" and s.sample_shape == (1,)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_bars_and_stripes(size: int) -> None:
    P = bars_and_stripes(size)
    assert P.shape == (2 ** (size + 1) - 2, size * size)
    assert torch.unique(P, dim=0).shape[0] == P.shape[0]
    assert set(P.unique().tolist()) <= {0.0, 1.0}
    grids = P.reshape(-1, size, size)
    rows_const = (grids == grids[:, :, :1]).all(dim=(1, 2))
    cols_const = (grids == grids[:, :1, :]).all(dim=(1, 2))
    assert torch.all(rows_const | cols_const)


def test_random_patterns() -> None:
    P = random_patterns(20, 64, seed=7)
    assert P.shape == (20, 64) and set(P.unique().tolist()) == {-1.0, 1.0}
    assert torch.equal(P, random_patterns(20, 64, seed=7))
    Q = random_patterns(5, 10, seed=0, values=(0, 1))
    assert set(Q.unique().tolist()) <= {0.0, 1.0}


@pytest.mark.parametrize(
    ("fn", "kwargs", "message"),
    [
        (copy_task, {"seq_len": 0}, "seq_len must be >= 1, got 0"),
        (copy_task, {"n_bits": 2.5}, "n_bits must be an integer"),
        (copy_task, {"n": -1}, "n must be >= 1"),
        (associative_recall, {"n_items": 1}, "n_items must be >= 2"),
        (adding_problem, {"seq_len": 1}, "seq_len must be >= 2"),
        (adding_problem, {"seed": -3}, "seed must be >= 0"),
        (mackey_glass, {"n_steps": 0}, "n_steps must be >= 1"),
        (mackey_glass, {"n_steps": 10, "dt": 0}, "dt must be > 0"),
        (mackey_glass, {"n_steps": 10, "tau": 0.5}, "tau must be 0 or >= dt"),
        (mackey_glass_splits, {"test_fraction": 0.95}, "must be < 1"),
        (bars_and_stripes, {"size": 0}, "size must be >= 1"),
        (random_patterns, {"n_patterns": 3, "n_units": 4, "values": (1, 1)}, "different"),
        (random_patterns, {"n_patterns": 0, "n_units": 4}, "n_patterns must be >= 1"),
    ],
)
def test_generated_bad_arguments(fn, kwargs, message) -> None:
    with pytest.raises(ConfigError, match=message):
        fn(**kwargs)


# ---------------------------------------------------------------------------------------
# registry


def test_registry() -> None:
    names = list_datasets()
    for required in (
        "digits",
        "mnist",
        "fashion-mnist",
        "copy",
        "associative-recall",
        "adding",
        "mackey-glass",
        "bars-and-stripes",
    ):
        assert required in names
    assert DATASETS["digits"].embedded and DATASETS["digits"].source is None
    assert get_source("mnist") is MNIST and not DATASETS["mnist"].embedded
    assert load_dataset("bars_and_stripes").sizes["train"] == 30
    assert load_dataset("copy", n=10, seq_len=3, seed=1).sample_shape == (8, 10)
    with pytest.raises(UnknownNameError, match="did you mean 'mnist'"):
        load_dataset("mnsit")
    with pytest.raises(ConfigError, match="does not take 'seed'"):
        load_dataset("digits", seed=1)


def test_every_embedded_dataset_loads() -> None:
    for name, info in DATASETS.items():
        if not info.embedded:
            continue
        s = load_dataset(name)
        assert s.name == name
        for part in (s.train, s.val, s.test):
            assert len(part) > 0 and tuple(part.X.shape[1:]) == s.sample_shape
            assert torch.isfinite(part.X).all()


def test_load_mnist_from_small_fake_files_is_validated(tmp_path: Path) -> None:
    """A wrong-shaped file in the data root gives an InputError, not a crash later on."""
    d = tmp_path / "mnist"
    d.mkdir()
    for f in MNIST.files:
        write_idx(d / f.name, np.zeros((3,), dtype=np.uint8), gz=True)
    src = Source(
        "mnist", tuple(RemoteFile(f.name, f.url, f.sha256) for f in MNIST.files), "", "", ""
    )
    assert ensure(src, root=tmp_path, download=False) == d
    import nnzoo.data.mnist as m

    orig = m.SOURCES["mnist"]
    m.SOURCES["mnist"] = src
    try:
        with pytest.raises(InputError, match="expected"):
            load_mnist("mnist", root=tmp_path, download=False)
    finally:
        m.SOURCES["mnist"] = orig


# ---------------------------------------------------------------------------------------
# real data (slow): needs NNZOO_DATA with mnist/


@pytest.mark.slow
def test_real_mnist() -> None:
    root = data_root()
    if not all((root / "mnist" / f.name).is_file() for f in MNIST.files):
        pytest.skip(f"MNIST files not in {root / 'mnist'} (set NNZOO_DATA)")
    assert verify(MNIST) == [(f.name, "ok") for f in MNIST.files]
    s = load_mnist("mnist", download=False)
    assert s.sizes == {"train": 55000, "val": 5000, "test": 10000}
    assert s.sample_shape == (1, 28, 28) and s.train.X.dtype == torch.float32
    assert float(s.train.X.min()) == 0.0 and float(s.train.X.max()) == 1.0
    train_counts = torch.bincount(torch.cat([s.train.y, s.val.y]), minlength=10).tolist()
    assert train_counts == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    test_counts = torch.bincount(s.test.y, minlength=10).tolist()
    assert test_counts == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert s.train.y[:5].tolist() == [5, 0, 4, 1, 9]
