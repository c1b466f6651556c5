"""The CIFAR-10 loader on small files in the CIFAR format written by the test: parsing, the
split, the checksum check before extraction, and a tampered pickle."""

from __future__ import annotations

import dataclasses
import io
import os
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch

from nnzoo.core.errors import InputError
from nnzoo.data import cifar
from nnzoo.data.sources import Source, hash_file


def _batch(n: int, seed: int) -> dict[bytes, object]:
    rng = np.random.default_rng(seed)
    return {b"batch_label": b"testing", b"labels": [int(v) for v in rng.integers(0, 10, n)],
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            b"filenames": [b"x.png"] * n}


def _archive(tmp: Path, n: int = 4) -> tuple[Path, dict[str, dict[bytes, object]]]:
    batches = {name: _batch(n, i) for i, name in enumerate((*cifar.TRAIN_BATCHES,
                                                            cifar.TEST_BATCH))}
    folder = tmp / "cifar10"
    folder.mkdir()
    with tarfile.open(folder / cifar.ARCHIVE, "w:gz") as tar:
        for name, d in batches.items():
            raw = pickle.dumps(d, protocol=2)
            info = tarfile.TarInfo(f"{cifar.FOLDER}/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return folder / cifar.ARCHIVE, batches


def _with_md5(monkeypatch: pytest.MonkeyPatch, archive: Path) -> None:
    f = dataclasses.replace(cifar.CIFAR10.files[0], md5=hash_file(archive, "md5"))
    monkeypatch.setattr(cifar, "CIFAR10", dataclasses.replace(cifar.CIFAR10, files=(f,)))


def test_loads_the_batches_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive, batches = _archive(tmp_path)
    _with_md5(monkeypatch, archive)
    s = cifar.load_cifar10(root=tmp_path, download=False, val_size=6)
    assert s.sample_shape == (3, 32, 32) and s.n_classes == 10
    assert (len(s.train), len(s.val), len(s.test)) == (14, 6, 4)
    first = batches["data_batch_1"]
    img = np.asarray(first[b"data"])[0].reshape(3, 32, 32)  # red plane, green, blue
    assert torch.equal(s.train.X[0], torch.from_numpy(img.astype(np.float32) / 255))
    assert s.train.y[:4].tolist() == first[b"labels"]
    assert s.test.y.tolist() == batches["test_batch"][b"labels"]
    last = np.asarray(batches["data_batch_5"][b"data"])[-1].reshape(3, 32, 32)
    assert torch.equal(s.val.X[-1], torch.from_numpy(last.astype(np.float32) / 255))
    assert (tmp_path / "cifar10" / cifar.FOLDER).is_dir()
    assert not [p for p in (tmp_path / "cifar10").iterdir() if p.name.startswith(".extract")]


def test_wrong_checksum_is_one_clear_error(tmp_path: Path) -> None:
    _archive(tmp_path)  # the real CIFAR10 source: the published md5 cannot match this file
    with pytest.raises(InputError, match=r"md5 [0-9a-f]{32}, expected "
                                         r"c58f30108f718f92721af3b95e74349a .*nnzoo data fetch"):
        cifar.load_cifar10(root=tmp_path, download=False)
    assert not (tmp_path / "cifar10" / cifar.FOLDER).exists()  # nothing extracted


class _Evil:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("echo pwned",))


def test_a_pickle_with_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": _Evil(), b"labels": [0]}))
    with pytest.raises(InputError, match="not a CIFAR-10 batch file.*posix.system is not "
                                         "allowed|not a CIFAR-10 batch file.*system"):
        cifar.read_batch(path)


def test_labels_outside_0_9(tmp_path: Path) -> None:
    path = tmp_path / "test_batch"
    d = _batch(3, 0)
    d[b"labels"] = [0, 11, 2]
    path.write_bytes(pickle.dumps(d))
    with pytest.raises(InputError, match="labels must be in 0-9"):
        cifar.read_batch(path)


def test_source_is_the_published_one() -> None:
    assert isinstance(cifar.CIFAR10, Source)
    f = cifar.CIFAR10.files[0]
    assert (f.name, f.md5, f.algorithm) == ("cifar-10-python.tar.gz",
                                            "c58f30108f718f92721af3b95e74349a", "md5")
