"""Shared fixtures. Tests never download: NNZOO_OFFLINE=1 for the whole session."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ["NNZOO_OFFLINE"] = "1"
os.environ.setdefault("OMP_NUM_THREADS", "2")

#: The ``cli`` fixture: ``cli("train", "mlp", ...)`` -> (exit code, stdout, stderr).
Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run ``nnzoo ARGS`` in-process; return (exit code, stdout, stderr)."""
    from nnzoo.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = main(list(args))
        except SystemExit as e:  # argparse usage errors
            code = int(e.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def nnzoo_subprocess(*args: str, cwd: Path | None = None, timeout: float = 600,
                     env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m nnzoo.cli ARGS`` in a fresh process."""
    return subprocess.run([sys.executable, "-m", "nnzoo.cli", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd, env={**os.environ, **(env or {})})
