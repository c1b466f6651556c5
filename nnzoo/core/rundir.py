"""Run folders: ``runs/<id>-<recipe>-<timestamp>/`` and everything a run writes there.

::

    config.json              resolved hyperparameters, seed, versions, device, git revision
    metrics.jsonl            one JSON line per logged step and per epoch
    checkpoint.safetensors   model, optimizer and RNG tensors + the JSON state (the truth)
    best.safetensors         the model's weights at the best validation epoch so far
    state.json               a readable copy of that JSON state
    summary.json             final metrics
    plots/                   PNG pictures
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import torch

from nnzoo.core.errors import CheckpointError, UsageError
from nnzoo.core.io import atomic_write_json, atomic_write_text, read_json, save_checkpoint


class RunDir:
    """One run's folder."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    config_path = property(lambda self: self.path / "config.json")
    metrics_path = property(lambda self: self.path / "metrics.jsonl")
    checkpoint_path = property(lambda self: self.path / "checkpoint.safetensors")
    best_path = property(lambda self: self.path / "best.safetensors")
    state_path = property(lambda self: self.path / "state.json")
    summary_path = property(lambda self: self.path / "summary.json")
    plots_dir = property(lambda self: self.path / "plots")

    @classmethod
    def create(cls, root: str | os.PathLike[str], name: str) -> RunDir:
        """A new, empty folder ``<root>/<name>-<timestamp>`` (suffixed if taken)."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        for i in range(1000):
            path = root / (f"{name}-{stamp}" + (f"-{i}" if i else ""))
            try:
                path.mkdir()
            except FileExistsError:
                continue
            (path / "plots").mkdir()
            return cls(path)
        raise UsageError(f"could not create a run folder under {root}")

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> RunDir:
        """An existing run folder; it must hold ``config.json``."""
        run = cls(path)
        if not run.path.is_dir():
            raise UsageError(f"run folder {run.path} does not exist")
        if not run.config_path.is_file():
            raise UsageError(f"{run.path} is not an nnzoo run folder (no config.json)")
        return run

    def write_config(self, config: dict[str, Any]) -> None:
        atomic_write_json(self.config_path, config)

    def read_config(self) -> dict[str, Any]:
        return read_json(self.config_path, "run config")

    def log(self, record: dict[str, Any]) -> None:
        """Append one JSON line to ``metrics.jsonl``."""
        with open(self.metrics_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    def read_metrics(self, kind: str | None = None) -> list[dict[str, Any]]:
        """The logged records (only complete lines), optionally only those of ``kind``."""
        if not self.metrics_path.exists():
            return []
        out = []
        for line in self.metrics_path.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by a kill
            if kind is None or rec.get("kind") == kind:
                out.append(rec)
        return out

    def truncate_metrics(self, step: int) -> None:
        """Drop the records logged after ``step`` (they are about to be replayed)."""
        keep = [r for r in self.read_metrics() if r.get("step", 0) <= step]
        atomic_write_text(self.metrics_path, "".join(json.dumps(r) + "\n" for r in keep))

    def save_checkpoint(self, tensors: dict[str, torch.Tensor], state: dict[str, Any]) -> None:
        save_checkpoint(self.checkpoint_path, tensors, state)
        atomic_write_json(self.state_path, state)

    def save_best(self, tensors: dict[str, torch.Tensor], state: dict[str, Any]) -> None:
        """Write the weights of the best validation epoch (atomically)."""
        save_checkpoint(self.best_path, tensors, state)

    def write_summary(self, summary: dict[str, Any]) -> None:
        atomic_write_json(self.summary_path, summary)

    def read_summary(self) -> dict[str, Any]:
        if not self.summary_path.exists():
            raise CheckpointError(f"{self.path} has no summary.json: the run has not finished")
        return read_json(self.summary_path, "run summary")
