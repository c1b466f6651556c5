"""MNIST and Fashion-MNIST from their original IDX files.

MNIST: Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, "Gradient-based learning applied to
document recognition", Proc. IEEE 86(11), 1998. Fashion-MNIST: H. Xiao, K. Rasul,
R. Vollgraf, "Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning
Algorithms", arXiv:1708.07747, 2017. Both are four gzipped IDX files with the same names,
kept under ``<root>/mnist/`` and ``<root>/fashion-mnist/``.

Checksums. Every sha256 below was computed with ``sha256sum`` from the genuine files (the
copies in the project's shared data folder). MNIST: their md5s equal the ones torchvision
publishes (f68b3c2d..., d53e105e..., 9fb629c4..., ec29112d...). Fashion-MNIST: the md5 of
each file, kept alongside, was checked with ``md5sum`` against the four values published in
the Fashion-MNIST README (zalandoresearch/fashion-mnist) and in the shared copy's SOURCE.md:
train-images 8d4fb7e6..., train-labels 25c81989..., t10k-images bef4ecab..., t10k-labels
bb300cfd...; all four agree, so these sha256 values are those of the upstream files.
"""

from __future__ import annotations

import gzip
import os
import zlib
from functools import partial
from pathlib import Path

import numpy as np
import torch

from nnzoo.core.errors import ConfigError, InputError, UnknownNameError
from nnzoo.data.base import ArrayDataset, Splits, check_labels, check_shape
from nnzoo.data.registry import register_dataset
from nnzoo.data.sources import RemoteFile, Source, ensure

# IDX type codes (http://yann.lecun.com/exdb/mnist/, "THE IDX FILE FORMAT"); big-endian data.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
GZIP_MAGIC = b"\x1f\x8b"

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"


def _read_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"IDX file {path} does not exist") from None
    if raw[:2] != GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as e:
        raise InputError(f"IDX file {path} is a damaged or truncated gzip file ({e})") from None


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (gzip-compressed or raw, detected by its first bytes) into an array.

    Format: two zero bytes, a type code (0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int,
    0x0D float, 0x0E double), the number of dimensions, each dimension as a big-endian
    uint32, then the data, big-endian, row-major.

    :returns: an array of the file's shape in native byte order (writable).
    :raises InputError: naming the file when the magic number is wrong or the data is
        shorter or longer than the header says.
    """
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        magic = data[:4].hex() or "<empty>"
        raise InputError(f"{path} is not an IDX file (bad magic number {magic})")
    code, ndim = data[2], data[3]
    if code not in IDX_DTYPES:
        raise InputError(f"{path} is not an IDX file (unknown type code 0x{code:02x})")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise InputError(f"{path} is truncated: its header needs {header} bytes, has {len(data)}")
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_DTYPES[code]
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    got = len(data) - header
    if got != expected:
        what = "truncated" if got < expected else "longer than its header says"
        raise InputError(
            f"{path} is {what}: shape {dims} of {dtype.name} needs {expected} data bytes, "
            f"found {got}"
        )
    arr = np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="))  # native order, and a writable copy


def _mnist_files(
    base: str, mirrors: tuple[str, ...], digests: dict[str, tuple[str, int, str]]
) -> tuple[RemoteFile, ...]:
    return tuple(
        RemoteFile(
            name,
            base + name,
            sha256=sha,
            size=size,
            mirrors=tuple(m + name for m in mirrors),
            md5=md5,
        )
        for name, (sha, size, md5) in digests.items()
    )


MNIST = Source(
    name="mnist",
    files=_mnist_files(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        ("https://storage.googleapis.com/cvdf-datasets/mnist/",),
        {
            TRAIN_IMAGES: (
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                9912422,
                "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            ),
            TRAIN_LABELS: (
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                28881,
                "d53e105ee54ea40749a09fcbcd1e9432",
            ),
            TEST_IMAGES: (
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                1648877,
                "9fb629c4189551a2d022fa330f9573f3",
            ),
            TEST_LABELS: (
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                4542,
                "ec29112dd5afa0611ce80d1b7f02629c",
            ),
        },
    ),
    homepage="http://yann.lecun.com/exdb/mnist/",
    licence="no licence stated on the MNIST page; commonly redistributed under CC BY-SA 3.0",
    description="MNIST handwritten digits: 60,000 training and 10,000 test 28x28 grey images.",
)

FASHION_MNIST = Source(
    name="fashion-mnist",
    files=_mnist_files(
        # The official S3 *website* endpoint serves plain HTTP only (S3 website endpoints
        # have no TLS), so HTTPS mirrors of the same bytes follow; the sha256 check makes
        # the transport irrelevant to integrity.
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        (
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
        ),
        {
            TRAIN_IMAGES: (
                "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                26421880,
                "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            ),
            TRAIN_LABELS: (
                "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                29515,
                "25c81989df183df01b3e8a0aad5dffbe",
            ),
            TEST_IMAGES: (
                "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                4422102,
                "bef4ecab320f06d8554ea6380940ec79",
            ),
            TEST_LABELS: (
                "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                5148,
                "bb300cfdad3c16e7a12a480ee83cd310",
            ),
        },
    ),
    homepage="https://github.com/zalandoresearch/fashion-mnist",
    licence="MIT (Zalando SE)",
    description="Fashion-MNIST: 60,000 training and 10,000 test 28x28 grey images of clothing.",
)

SOURCES: dict[str, Source] = {"mnist": MNIST, "fashion-mnist": FASHION_MNIST}

CLASSES: dict[str, tuple[str, ...]] = {
    "mnist": tuple(str(c) for c in range(10)),
    "fashion-mnist": (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
}


def _images(path: Path, n: int, name: str) -> torch.Tensor:
    arr = read_idx(path)
    check_shape(arr, (n, 28, 28), name, f"images in {path.name}")
    if arr.dtype != np.uint8:
        raise InputError(f"dataset {name!r}: {path.name} holds {arr.dtype}, expected ubyte")
    # uint8 0..255 -> float32 [0, 1], (N, 28, 28) -> (N, 1, 28, 28)
    return torch.from_numpy(arr).to(torch.float32).div_(255.0).unsqueeze(1)


def _labels(path: Path, n: int, name: str) -> torch.Tensor:
    arr = read_idx(path)
    check_shape(arr, (n,), name, f"labels in {path.name}")
    y = torch.from_numpy(arr.astype(np.int64))
    check_labels(y, 10, name)
    return y


def load_mnist(
    name: str = "mnist",
    *,
    root: str | os.PathLike[str] | None = None,
    download: bool | None = None,
    val_size: int = 5000,
    progress: bool = True,
    binarize: str = "none",
    binarize_seed: int = 0,
) -> Splits:
    """Load MNIST or Fashion-MNIST from ``<root>/<name>/`` (downloading when missing).

    Split: ``train`` = the first ``60000 - val_size`` official training images (55,000 by
    default), ``val`` = the last ``val_size`` (5,000), ``test`` = the 10,000 official test
    images. Images are float32 in ``[0, 1]`` of shape ``(N, 1, 28, 28)``; labels int64.

    :param name: ``"mnist"`` or ``"fashion-mnist"``.
    :param root: data root (default :func:`nnzoo.data.data_root`).
    :param download: False never downloads; None downloads unless ``NNZOO_OFFLINE=1``.
    :param val_size: validation images taken from the end of the training file.
    :param binarize: ``none`` (grey levels), ``static`` (every image drawn once as
        ``x ~ Bernoulli(grey level)`` with a generator seeded ``binarize_seed``, the fixed
        binarisation of every split) or ``dynamic`` (the training images stay grey, for a
        model that redraws them at every batch, e.g. a VAE with ``dynamic_binarization``;
        validation and test images binarised once as in ``static``, so that scores are on a
        fixed binary test set).
    :param binarize_seed: seed of the static draws.
    """
    key = name.lower().replace("_", "-")
    if key == "fashion":
        key = "fashion-mnist"
    if key not in SOURCES:
        raise UnknownNameError("dataset", name, SOURCES)
    if isinstance(val_size, bool) or not isinstance(val_size, int) or not 0 <= val_size < 60000:
        raise ConfigError(f"val_size must be an integer in [0, 60000), got {val_size!r}")
    if binarize not in BINARIZATIONS:
        raise ConfigError(f"binarize must be one of {', '.join(BINARIZATIONS)}, got {binarize!r}")
    if isinstance(binarize_seed, bool) or not isinstance(binarize_seed, int):
        raise ConfigError(f"binarize_seed must be an integer, got {binarize_seed!r}")
    directory = ensure(SOURCES[key], root=root, download=download, progress=progress)
    X_train = _images(directory / TRAIN_IMAGES, 60000, key)
    y_train = _labels(directory / TRAIN_LABELS, 60000, key)
    X_test = _images(directory / TEST_IMAGES, 10000, key)
    y_test = _labels(directory / TEST_LABELS, 10000, key)
    n_train = 60000 - val_size
    binary = ""
    if binarize != "none":
        X_train, X_test = _binarized(X_train, X_test, n_train, binarize, binarize_seed)
        binary = (f" Binarised ({binarize}): each pixel drawn once as Bernoulli(grey level) with "
                  f"torch.Generator seed {binarize_seed}" + (
                      " (validation and test; the training images stay grey, redrawn by the "
                      "model at every batch)." if binarize == "dynamic" else "."))
    title = "MNIST" if key == "mnist" else "Fashion-MNIST"
    return Splits(
        name=key,
        train=ArrayDataset(X_train[:n_train], y_train[:n_train]),
        val=ArrayDataset(X_train[n_train:], y_train[n_train:]),
        test=ArrayDataset(X_test, y_test),
        task="classification",
        n_classes=10,
        sample_shape=(1, 28, 28),
        classes=CLASSES[key],
        description=(
            f"{title} from the original IDX files in {directory}: train = the first "
            f"{n_train} of the 60,000 training images, val = the last {val_size} (a fixed "
            "split, not shuffled), test = the 10,000 official test images; pixels / 255."
            + binary
        ),
        meta={"binarize": binarize},
    )


#: The binarisations of :func:`load_mnist`.
BINARIZATIONS = ("none", "static", "dynamic")


def _binarized(X_train: torch.Tensor, X_test: torch.Tensor, n_train: int, mode: str, seed: int
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """Bernoulli draws of the grey images, from one generator seeded ``seed``: the 60,000
    training-file images in file order, then the 10,000 test images (``dynamic``: the first
    ``n_train`` training images, the training split, keep their grey levels)."""
    g = torch.Generator().manual_seed(seed)
    train_bits = torch.bernoulli(X_train, generator=g)
    test_bits = torch.bernoulli(X_test, generator=g)
    if mode == "dynamic":
        train_bits[:n_train] = X_train[:n_train]
    return train_bits, test_bits


register_dataset("mnist", partial(load_mnist, "mnist"), source=MNIST,
                 description="MNIST digits, 28x28, 55k/5k/10k, 11 MB")
register_dataset("fashion-mnist", partial(load_mnist, "fashion-mnist"), source=FASHION_MNIST,
                 aliases=("fashion", "fmnist"),
                 description="Fashion-MNIST clothing, 28x28, 55k/5k/10k, 30 MB")
