"""CIFAR-10: 60,000 colour images of 32x32 pixels in 10 classes (Krizhevsky 2009).

Source: https://www.cs.toronto.edu/~kriz/cifar.html ("Learning Multiple Layers of Features
from Tiny Images", A. Krizhevsky, 2009). The python version, ``cifar-10-python.tar.gz``, is
verified against the md5 published on that page (``c58f30108f718f92721af3b95e74349a``; the
page publishes no sha256) before anything is read from it: :func:`ensure` checks a download,
and :func:`load_cifar10` checks the archive once more before its first extraction, so a file
put in the data root by hand is checked too. The archive is extracted into a temporary
folder beside it and renamed into place only when complete (``cifar-10-batches-py/``), so an
interrupted extraction never leaves a half folder.

Files (inside the archive's ``cifar-10-batches-py/``): ``data_batch_1`` ... ``data_batch_5``
(10,000 training images each) and ``test_batch`` (10,000), Python pickles of a dict with
``data`` (uint8 ``(10000, 3072)``: the red, green and blue planes of a 32x32 image in
row-major order) and ``labels`` (10,000 ints in 0-9); ``batches.meta`` has ``label_names``.
The pickles are read by an unpickler that accepts only the builtins and NumPy array types
those files contain, so no code in a tampered file runs.

Split: ``train`` = the first ``50000 - val_size`` training images (45,000 by default, as He et
al. 2015 held out 5k for validation), ``val`` = the last ``val_size``, ``test`` = the 10,000
test images. Images float32 in ``[0, 1]``, ``(N, 3, 32, 32)``; labels int64.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nnzoo.core.errors import ConfigError, InputError
from nnzoo.data.base import ArrayDataset, Splits
from nnzoo.data.registry import register_dataset
from nnzoo.data.sources import RemoteFile, Source, ensure, hash_file

ARCHIVE = "cifar-10-python.tar.gz"
FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
N_TRAIN, N_TEST, SIDE = 50_000, 10_000, 32
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
           "truck")

CIFAR10 = Source(
    name="cifar10",
    files=(RemoteFile(ARCHIVE, "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                      md5="c58f30108f718f92721af3b95e74349a"),),
    homepage="https://www.cs.toronto.edu/~kriz/cifar.html",
    licence="no licence stated; cite Krizhevsky (2009), 'Learning Multiple Layers of Features "
            "from Tiny Images'",
    description="CIFAR-10, python version: 50,000 training and 10,000 test images, 32x32 "
                "colour, 10 classes (163 MB)",
)


class _BatchUnpickler(pickle.Unpickler):
    """Unpickles a CIFAR batch: builtin containers and NumPy arrays, nothing else."""

    ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"),
               ("numpy.core.multiarray", "_reconstruct"),
               ("numpy._core.multiarray", "_reconstruct"),
               ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
               ("_codecs", "encode")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a CIFAR batch")


def read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(N, 3, 32, 32)`` uint8 and labels ``(N,)`` int64 of one CIFAR batch file.

    :raises InputError: naming the file, when it is not a CIFAR batch (unreadable, another
        layout, labels outside 0-9).
    """
    try:
        with open(path, "rb") as f:
            d = _BatchUnpickler(f, encoding="bytes").load()
        data, labels = d[b"data"], d[b"labels"]
        X = np.asarray(data, dtype=np.uint8)
        y = np.asarray(labels, dtype=np.int64)
    except (OSError, pickle.UnpicklingError, EOFError, KeyError, TypeError, ValueError) as e:
        raise InputError(f"{path} is not a CIFAR-10 batch file (a pickled dict with b'data' "
                         f"and b'labels'): {type(e).__name__}: {e}") from None
    if X.ndim != 2 or X.shape[1] != 3 * SIDE * SIDE or len(y) != len(X):
        raise InputError(f"{path}: expected data of shape (N, 3072) and N labels, got "
                         f"{X.shape} and {len(y)} labels")
    if len(y) and (y.min() < 0 or y.max() > 9):
        raise InputError(f"{path}: labels must be in 0-9, got {y.min()}..{y.max()}")
    return X.reshape(-1, 3, SIDE, SIDE), y


def _extract(directory: Path) -> Path:
    """``<directory>/cifar-10-batches-py``, extracted from the verified archive when absent."""
    target = directory / FOLDER
    if target.is_dir():
        return target
    archive = directory / ARCHIVE
    f = CIFAR10.file(ARCHIVE)
    actual = hash_file(archive, f.algorithm)
    if actual != f.digest:
        raise InputError(f"{archive}: {f.algorithm} {actual}, expected {f.digest} (the "
                         f"checksum published at {CIFAR10.homepage}); the file is damaged or "
                         "not the CIFAR-10 python archive: delete it and run `nnzoo data fetch "
                         "cifar10`")
    tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=directory))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = [m for m in tar.getmembers()
                       if m.isfile() and m.name.startswith(FOLDER + "/")]
            tar.extractall(tmp, members=members, filter="data")
        os.replace(tmp / FOLDER, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def load_cifar10(*, root: str | os.PathLike[str] | None = None, download: bool | None = None,
                 val_size: int = 5000, progress: bool = True) -> Splits:
    """CIFAR-10 from ``<root>/cifar10/`` (downloaded when missing; see the module docstring).

    :param root: data root (default :func:`nnzoo.data.data_root`).
    :param download: False never downloads; None downloads unless ``NNZOO_OFFLINE=1``.
    :param val_size: validation images taken from the end of the training batches.
    :raises InputError: when the archive's checksum is not the published one, or a batch is
        not in the CIFAR format.
    """
    if isinstance(val_size, bool) or not isinstance(val_size, int) \
            or not 0 <= val_size < N_TRAIN:
        raise ConfigError(f"val_size must be an integer in [0, {N_TRAIN}), got {val_size!r}")
    folder = _extract(ensure(CIFAR10, root=root, download=download, progress=progress))
    return cifar_splits(folder, val_size)


def cifar_splits(folder: Path, val_size: int = 5000) -> Splits:
    """The splits of the batch files in ``folder`` (an extracted ``cifar-10-batches-py``)."""
    parts = [read_batch(folder / name) for name in TRAIN_BATCHES]
    X_train = np.concatenate([p[0] for p in parts])
    y_train = np.concatenate([p[1] for p in parts])
    X_test, y_test = read_batch(folder / TEST_BATCH)
    n_train = len(X_train) - val_size
    if n_train < 1:
        raise ConfigError(f"val_size {val_size} leaves no training images of {len(X_train)}")

    def images(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(a.astype(np.float32) / 255.0)

    Xtr, Xte = images(X_train), images(X_test)
    ytr, yte = torch.from_numpy(y_train), torch.from_numpy(y_test)
    return Splits(
        name="cifar10",
        train=ArrayDataset(Xtr[:n_train], ytr[:n_train]),
        val=ArrayDataset(Xtr[n_train:], ytr[n_train:]),
        test=ArrayDataset(Xte, yte),
        task="classification", n_classes=10, sample_shape=(3, SIDE, SIDE), classes=CLASSES,
        description=(f"CIFAR-10 from {folder}: train = the first {n_train} training images, "
                     f"val = the last {val_size} (fixed, not shuffled), test = the "
                     f"{len(X_test)} test images; pixels / 255."))


register_dataset("cifar10", load_cifar10, source=CIFAR10, aliases=("cifar-10",),
                 description="CIFAR-10, 32x32 colour, 45k/5k/10k, 163 MB")
