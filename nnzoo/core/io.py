"""Atomic file writes and safetensors checkpoints.

Every file nnzoo writes goes to a temporary file in the same directory, is flushed to disk,
then renamed over the target (``os.replace`` is atomic on POSIX), so a run killed at any
moment leaves either the old file or the new one, never half of one.

A checkpoint is a single safetensors file: the tensors (model, optimizer, RNG) and, in the
file's metadata, the JSON state that belongs with them (epoch, step, hyperparameters,
scheduler). ``state.json`` beside it is a human-readable copy; the safetensors file alone is
the truth, so the two can never disagree about which step they describe.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from nnzoo.core.errors import CheckpointError

FORMAT = "nnzoo-checkpoint-1"


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file + fsync + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def to_jsonable(obj: Any) -> Any:
    """Best-effort conversion of tensors, NumPy scalars, tuples and paths for ``json.dumps``."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, torch.Tensor):
        return obj.item() if obj.numel() == 1 else obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "item") and callable(obj.item):  # NumPy scalar
        return obj.item()
    return obj


def atomic_write_json(path: str | os.PathLike[str], obj: Any) -> None:
    atomic_write_text(path, json.dumps(to_jsonable(obj), indent=2, sort_keys=False) + "\n")


def read_json(path: str | os.PathLike[str], what: str = "file") -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"{what} {path} does not exist") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CheckpointError(f"{what} {path} is not valid JSON ({e})") from None


def save_checkpoint(
    path: str | os.PathLike[str], tensors: dict[str, torch.Tensor], state: dict[str, Any]
) -> None:
    """Save ``tensors`` and the JSON ``state`` atomically as one safetensors file."""
    flat = {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}
    meta = {"format": FORMAT, "state": json.dumps(to_jsonable(state))}
    atomic_write_bytes(path, st_save(flat, metadata=meta))


def load_checkpoint(path: str | os.PathLike[str]) -> tuple[dict[str, torch.Tensor], dict]:
    """Load a checkpoint written by :func:`save_checkpoint`.

    :raises CheckpointError: missing, truncated, corrupt, or not an nnzoo checkpoint.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CheckpointError(f"checkpoint {path} does not exist") from None
    except IsADirectoryError:
        raise CheckpointError(f"checkpoint {path} is a directory, expected a file") from None
    try:
        tensors = st_load(data)
        header_len = int.from_bytes(data[:8], "little")
        meta = json.loads(data[8 : 8 + header_len]).get("__metadata__") or {}
    except (SafetensorError, ValueError, OverflowError, json.JSONDecodeError) as e:
        raise CheckpointError(f"checkpoint {path} is corrupt or truncated ({e})") from None
    if meta.get("format") != FORMAT or "state" not in meta:
        raise CheckpointError(f"{path} is a safetensors file but not an nnzoo checkpoint")
    try:
        state = json.loads(meta["state"])
    except json.JSONDecodeError as e:
        raise CheckpointError(f"checkpoint {path} has corrupt metadata ({e})") from None
    return tensors, state


def prefixed(prefix: str, tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """``{k: v}`` -> ``{prefix + "." + k: v}``."""
    return {f"{prefix}.{k}": v for k, v in tensors.items()}


def unprefixed(prefix: str, tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Inverse of :func:`prefixed`: the entries under ``prefix``, with it removed."""
    p = prefix + "."
    return {k[len(p) :]: v for k, v in tensors.items() if k.startswith(p)}


def optimizer_state(opt: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    """Split an optimizer's ``state_dict`` into tensors and JSON."""
    sd = opt.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for idx, st in sd["state"].items():
        for key, val in st.items():
            if isinstance(val, torch.Tensor):
                tensors[f"{idx}.{key}"] = val
            else:
                scalars.setdefault(str(idx), {})[key] = val
    return tensors, {"param_groups": to_jsonable(sd["param_groups"]), "scalars": scalars}


def load_optimizer_state(
    opt: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], meta: dict
) -> None:
    """Inverse of :func:`optimizer_state`."""
    state: dict[int, dict[str, Any]] = {}
    for name, val in tensors.items():
        idx, key = name.split(".", 1)
        state.setdefault(int(idx), {})[key] = val
    for idx, vals in meta.get("scalars", {}).items():
        state.setdefault(int(idx), {}).update(vals)
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
