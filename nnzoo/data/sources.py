"""Canonical sources of downloadable datasets: URLs, checksums, download and verification.

A :class:`Source` names a dataset (its folder in the data root) and its files; each
:class:`RemoteFile` has a primary URL, mirrors, a size and a sha256 (or, where only that is
published, an md5). :func:`ensure` makes sure a dataset's files are in
``<root>/<source.name>/``: files already there are trusted (existence and size; run
:func:`verify` for the hashes), missing ones are downloaded with a progress bar to a temporary
file in the same folder, checked, and only then renamed into place, so an interrupted
download never leaves a half file under the real name. Without network (or with
``NNZOO_OFFLINE=1``) it raises one :class:`DataMissingError` that says which files to put
where and where to get them.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import socket
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from nnzoo.core.errors import ConfigError, DataMissingError
from nnzoo.data.root import data_root, offline

TIMEOUT_S = 30.0
CHUNK = 1 << 20
USER_AGENT = "nnzoo-data/0.1 (+https://github.com/nnzoo)"


@dataclass(frozen=True)
class RemoteFile:
    """One file of a dataset: where to get it and how to recognise it.

    :param name: file name inside ``<root>/<dataset>/`` (the original name).
    :param url: primary download URL.
    :param sha256: expected sha256 hex digest ("" when only ``md5`` is published).
    :param size: expected size in bytes, or None when unknown.
    :param mirrors: further URLs tried in order when ``url`` fails.
    :param md5: expected md5 hex digest; used only when ``sha256`` is empty.
    """

    name: str
    url: str
    sha256: str = ""
    size: int | None = None
    mirrors: tuple[str, ...] = ()
    md5: str = ""

    def __post_init__(self) -> None:
        if not (self.sha256 or self.md5):
            raise ConfigError(f"RemoteFile {self.name!r} needs a sha256 or an md5 checksum")

    @property
    def urls(self) -> tuple[str, ...]:
        """The primary URL, then the mirrors."""
        return (self.url, *self.mirrors)

    @property
    def algorithm(self) -> str:
        """The hash used to verify this file: ``"sha256"`` when given, else ``"md5"``."""
        return "sha256" if self.sha256 else "md5"

    @property
    def digest(self) -> str:
        """The expected hex digest for :attr:`algorithm`."""
        return (self.sha256 or self.md5).lower()


@dataclass(frozen=True)
class Source:
    """A downloadable dataset: its folder name in the data root and its files."""

    name: str
    files: tuple[RemoteFile, ...]
    homepage: str
    licence: str
    description: str

    def file(self, name: str) -> RemoteFile:
        """Return the file called ``name``."""
        for f in self.files:
            if f.name == name:
                return f
        raise KeyError(name)


def hash_file(path: str | os.PathLike[str], algorithm: str = "sha256") -> str:
    """Hex digest of a file with ``algorithm`` (any :mod:`hashlib` name), read in 1 MiB chunks."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_file(path: str | os.PathLike[str]) -> str:
    """sha256 hex digest of a file, read in chunks."""
    return hash_file(path, "sha256")


def _checksum(path: Path, file: RemoteFile) -> str:
    return hash_file(path, file.algorithm)


class _ChecksumMismatch(Exception):
    pass


def _fetch_one(url: str, file: RemoteFile, dest: Path, *, progress: bool, timeout: float) -> None:
    """Download ``url`` to a temp file beside ``dest``, verify, rename. Raises on any failure."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f"{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        h = hashlib.new(file.algorithm)
        req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(req, timeout=timeout) as resp, os.fdopen(fd, "wb") as out:
            length = resp.headers.get("Content-Length") if resp.headers else None
            total = int(length) if length and length.isdigit() else file.size
            show = progress and sys.stderr.isatty()
            with tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=file.name,
                disable=not show,
                leave=False,
            ) as bar:
                for chunk in iter(lambda: resp.read(CHUNK), b""):
                    out.write(chunk)
                    h.update(chunk)
                    bar.update(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        actual = h.hexdigest()
        if actual != file.digest:
            raise _ChecksumMismatch(
                f"{file.name} downloaded from {url} has {file.algorithm} {actual}, "
                f"expected {file.digest}"
            )
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _network_errors() -> tuple[type[BaseException], ...]:
    return (
        urllib.error.URLError,
        http.client.HTTPException,
        OSError,
        socket.timeout,
        TimeoutError,
        ValueError,
    )


def download(
    file: RemoteFile,
    dest: str | os.PathLike[str],
    *,
    progress: bool = True,
    timeout: float = TIMEOUT_S,
) -> None:
    """Download ``file`` to ``dest``: temp file in the same folder, verified, then renamed.

    The primary URL is tried first, then each mirror. A progress bar (bytes) is shown when
    ``progress`` is true and stderr is a terminal.

    :raises DataMissingError: when no URL gives the file with the right checksum; the
        message names the file and, for a checksum mismatch, the expected and actual hash.
        Nothing is left at ``dest`` or beside it.
    """
    dest = Path(dest)
    failures: list[str] = []
    for url in file.urls:
        try:
            _fetch_one(url, file, dest, progress=progress, timeout=timeout)
            return
        except _ChecksumMismatch as e:
            failures.append(f"checksum mismatch: {e}")
        except _network_errors() as e:
            failures.append(f"{url}: {_reason(e)}")
    raise DataMissingError(f"could not download {file.name}: " + "; ".join(failures))


def _reason(e: BaseException) -> str:
    if isinstance(e, urllib.error.HTTPError):
        return f"HTTP {e.code} {e.reason}"
    if isinstance(e, urllib.error.URLError):
        return str(e.reason)
    return str(e) or type(e).__name__


def _present(path: Path, file: RemoteFile) -> bool:
    try:
        st = path.stat()
    except OSError:
        return False
    return path.is_file() and (file.size is None or st.st_size == file.size)


def dataset_dir(source: Source, root: str | os.PathLike[str] | None = None) -> Path:
    """``<root>/<source.name>``, with ``root`` defaulting to :func:`data_root`."""
    return (Path(root).expanduser() if root is not None else data_root()) / source.name


def ensure(
    source: Source,
    *,
    root: str | os.PathLike[str] | None = None,
    download: bool | None = None,
    progress: bool = True,
) -> Path:
    """Return ``<root>/<source.name>/`` once every file of ``source`` is there.

    Files already present (right size when the size is known) are trusted; :func:`verify`
    checks hashes. Missing files are downloaded unless ``download=False``, or
    ``download=None`` and ``NNZOO_OFFLINE=1``.

    :raises DataMissingError: one message naming the dataset, the missing files, the folder to
        put them in and the URLs to get them from.
    """
    directory = dataset_dir(source, root)
    missing = [f for f in source.files if not _present(directory / f.name, f)]
    if not missing:
        return directory
    allowed = (not offline()) if download is None else bool(download)
    reason = "downloading is off (NNZOO_OFFLINE=1)" if download is None else "download=False"
    if allowed:
        existed = directory.exists()
        failures: list[str] = []
        still: list[RemoteFile] = []
        for i, f in enumerate(missing):
            try:
                _download_file(f, directory / f.name, progress=progress)
            except DataMissingError as e:
                failures.append(str(e))
                still = missing[i:]
                break  # no network: do not wait for a timeout per file
            except OSError as e:  # e.g. the data root is read-only
                failures.append(f"cannot write to {directory}: {_reason(e)}")
                still = missing[i:]
                break
        if not still:
            return directory
        if not existed:  # leave no empty folder behind a failed first download
            with contextlib.suppress(OSError):
                directory.rmdir()
        missing, reason = still, "; ".join(failures)
    raise DataMissingError(_missing_message(source, directory, missing, reason))


_download_file = download  # ``ensure`` has a parameter called ``download``


def _missing_message(source: Source, directory: Path, missing: list[RemoteFile], why: str) -> str:
    names = ", ".join(f.name for f in missing)
    urls = " ".join(f.url for f in missing)
    wrong = [
        f"{f.name} ({(directory / f.name).stat().st_size} bytes, expected {f.size})"
        for f in missing
        if (directory / f.name).is_file()
    ]
    extra = f"; present but of the wrong size: {', '.join(wrong)}" if wrong else ""
    return (
        f"dataset {source.name!r} is missing {len(missing)} of {len(source.files)} files "
        f"({names}) and could not be downloaded ({why}){extra}. "
        f"Put the files in {directory}/ (or set NNZOO_DATA to a folder holding "
        f"{source.name}/); get them from: {urls}"
    )


def verify(source: Source, root: str | os.PathLike[str] | None = None) -> list[tuple[str, str]]:
    """Check every file of ``source`` by hash.

    :returns: ``[(file name, status)]`` with status ``"ok"``, ``"missing"`` or
        ``"bad checksum"``.
    """
    directory = dataset_dir(source, root)
    out: list[tuple[str, str]] = []
    for f in source.files:
        path = directory / f.name
        if not path.is_file():
            out.append((f.name, "missing"))
        elif _checksum(path, f) != f.digest:
            out.append((f.name, "bad checksum"))
        else:
            out.append((f.name, "ok"))
    return out


def summarize(results: list[tuple[str, str]]) -> str:
    """One status for a dataset from :func:`verify`'s per-file results.

    ``"ok"`` when every file is; ``"bad checksum"`` when any present file has the wrong hash
    (a damaged or different file must never read as merely missing); ``"missing"`` when no
    file is there; else ``"incomplete (k of n files missing)"``.
    """
    states = [s for _, s in results]
    if all(s == "ok" for s in states):
        return "ok"
    if "bad checksum" in states:
        return "bad checksum"
    k = states.count("missing")
    return "missing" if k == len(states) else f"incomplete ({k} of {len(states)} files missing)"
