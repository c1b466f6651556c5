"""Checksums of the registered datasets: ``nnzoo data verify`` and ``nnzoo data list``.

The fast tests write damaged copies in tmp; the slow one hashes every dataset present under
``$NNZOO_DATA`` (skipped when it is unset).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from nnzoo.data import DATASETS, Source, get_source, summarize, verify
from nnzoo.data.mnist import FASHION_MNIST
from nnzoo.data.registry import FILES_ONLY
from nnzoo.data.sentences import MR

SHARED = os.environ.get("NNZOO_DATA", "").strip()


def _damaged_mr(root: Path) -> None:
    """MR's two files with the right sizes but wrong bytes (a real copy with one byte
    flipped when ``$NNZOO_DATA`` holds the genuine files, else zeros)."""
    d = root / MR.name
    d.mkdir(parents=True)
    for f in MR.files:
        real = Path(SHARED) / MR.name / f.name if SHARED else None
        data = bytearray(real.read_bytes()) if real and real.is_file() else bytearray(f.size)
        data[len(data) // 2] ^= 0xFF
        (d / f.name).write_bytes(bytes(data))
        assert len(data) == f.size


def test_summarize() -> None:
    assert summarize([("a", "ok"), ("b", "ok")]) == "ok"
    assert summarize([("a", "ok"), ("b", "bad checksum")]) == "bad checksum"
    assert summarize([("a", "missing"), ("b", "bad checksum")]) == "bad checksum"
    assert summarize([("a", "missing"), ("b", "missing")]) == "missing"
    assert summarize([("a", "ok"), ("b", "missing")]) == "incomplete (1 of 2 files missing)"


def test_damaged_files_read_bad_checksum_not_missing(cli, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _damaged_mr(tmp_path)
    monkeypatch.setenv("NNZOO_DATA", str(tmp_path))
    code, out, _ = cli("data", "list")
    assert code == 0
    row = next(ln.split() for ln in out.splitlines() if ln.split()[:1] == ["mr"])
    assert row[1:3] == ["bad", "checksum"]
    fashion = next(ln.split() for ln in out.splitlines() if ln.split()[:1] == ["fashion-mnist"])
    assert fashion[1] == "missing"
    code, out, _ = cli("data", "verify", "mr")
    assert code == 1
    lines = [ln.split() for ln in out.splitlines()[1:]]
    assert lines == [["mr", f.name, "bad", "checksum"] for f in MR.files]
    # a truncated file (wrong size) is bad too, not missing
    (tmp_path / MR.name / MR.files[0].name).write_bytes(b"short")
    assert verify(MR, tmp_path)[0] == (MR.files[0].name, "bad checksum")


def test_fashion_mnist_digests_are_the_upstream_md5s() -> None:
    """The md5s published in the Fashion-MNIST README (and checked against the files with
    md5sum) sit beside the sha256 values computed from the same files."""
    md5 = {f.name: f.md5 for f in FASHION_MNIST.files}
    assert md5 == {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }
    assert all(len(f.sha256) == 64 for f in FASHION_MNIST.files)


def _sources() -> list[str]:
    seen: dict[str, str] = {}
    for name, info in DATASETS.items():
        if info.source is not None:
            seen.setdefault(info.source.name, name)
    return sorted([*seen.values(), *FILES_ONLY])


def _source(name: str) -> Source | None:
    return FILES_ONLY[name][0] if name in FILES_ONLY else get_source(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", _sources())
def test_every_present_dataset_verifies(name: str, cli) -> None:
    if not SHARED:
        pytest.skip("NNZOO_DATA is not set")
    src = _source(name)
    assert src is not None
    if not (Path(SHARED) / src.name).is_dir():
        pytest.skip(f"{src.name}/ is not in {SHARED}")
    assert verify(src, SHARED) == [(f.name, "ok") for f in src.files]
    for f in src.files:  # the md5 kept beside a sha256 agrees with the file too
        if f.md5 and f.sha256:
            got = hashlib.md5((Path(SHARED) / src.name / f.name).read_bytes()).hexdigest()
            assert got == f.md5
    code, out, _ = cli("data", "verify", name)
    assert code == 0 and out.count(" ok") == len(src.files)


def test_files_only_folders_are_listed_and_verified(tmp_path: Path, cli,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """names is fetched and verified like any dataset, though no loader reads it: a damaged
    names.txt of the right size is a bad checksum; a missing bAbI folder is missing."""
    from nnzoo.data.archives import NAMES

    monkeypatch.setenv("NNZOO_DATA", str(tmp_path))
    (tmp_path / "names").mkdir()
    (tmp_path / "names" / "names.txt").write_bytes(b"x" * (NAMES.files[0].size or 1))
    code, out, _ = cli("data", "list")
    assert code == 0
    lines = {ln.split()[0]: ln for ln in out.splitlines()[1:]}
    assert "bad checksum" in lines["names"] and "missing" in lines["babi"]
    code, out, _ = cli("data", "verify", "names")
    assert code == 1 and "names.txt" in out and "bad checksum" in out
