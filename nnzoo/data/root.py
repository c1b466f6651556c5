"""The data root: the one folder where every downloadable dataset lives.

``$NNZOO_DATA`` when set (``~`` expanded), else ``~/.cache/nnzoo``. A dataset lives in
``<root>/<dataset>/`` under its original file names, e.g.::

    <root>/mnist/train-images-idx3-ubyte.gz
    <root>/fashion-mnist/train-images-idx3-ubyte.gz

so a folder of files fetched by hand (or a shared read-only copy, as CI uses with
``NNZOO_DATA=../shared/data``) works as is.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_DATA = "NNZOO_DATA"
ENV_OFFLINE = "NNZOO_OFFLINE"
DEFAULT_ROOT = Path("~/.cache/nnzoo")


def data_root() -> Path:
    """Return the data root: ``$NNZOO_DATA`` if set and non-empty, else ``~/.cache/nnzoo``."""
    env = os.environ.get(ENV_DATA, "").strip()
    return Path(env).expanduser() if env else DEFAULT_ROOT.expanduser()


def offline() -> bool:
    """True when ``$NNZOO_OFFLINE`` is set to a true value (``1``, ``true``, ``yes``, ``on``)."""
    return os.environ.get(ENV_OFFLINE, "").strip().lower() in {"1", "true", "yes", "on"}
