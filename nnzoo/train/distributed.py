"""Data-parallel training with torch.distributed, started by torch's own launcher.

``nnzoo train ID --nproc N`` re-executes itself under ``torch.distributed.run`` (torchrun)
with N processes; each process finds ``RANK``/``WORLD_SIZE``/``LOCAL_RANK`` in its
environment, joins the process group (gloo on CPU, nccl on CUDA) and wraps the model in
``DistributedDataParallel``. Every process takes its share of each global batch; gradients
are averaged across processes, so the update equals single-process training at the same
global batch size. Rank 0 alone logs and checkpoints. Multi-node runs pass torchrun's
rendezvous options (``--nnodes``, ``--rdzv-endpoint``, ``--rdzv-id``) through.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistContext:
    """Where this process stands in the process group."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    def barrier(self) -> None:
        if self.enabled:
            dist.barrier()


def init_from_env(device: torch.device) -> DistContext:
    """Join the process group described by torchrun's environment variables, if any."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistContext()
    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    backend = "nccl" if device.type == "cuda" else "gloo"
    if device.type == "cuda":
        torch.cuda.set_device(local)
    if not dist.is_initialized():
        dist.init_process_group(backend, timeout=timedelta(minutes=10))
    return DistContext(rank, world, local)


def shutdown(ctx: DistContext) -> None:
    if ctx.enabled and dist.is_initialized():
        dist.destroy_process_group()


def broadcast_buffers(module: torch.nn.Module, ctx: DistContext) -> None:
    """Copy rank 0's buffers (batch-norm running statistics) to every rank."""
    if ctx.enabled:
        for b in module.buffers():
            dist.broadcast(b, src=0)


def launch(argv: list[str], nproc: int, rdzv: dict[str, str | int | None]) -> int:
    """Run ``nnzoo <argv>`` in ``nproc`` processes per node under torch.distributed.run."""
    cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={nproc}"]
    nnodes = rdzv.get("nnodes") or 1
    if str(nnodes) == "1" and not rdzv.get("rdzv_endpoint"):
        cmd.append("--standalone")
    else:
        cmd.append(f"--nnodes={nnodes}")
        for key in ("rdzv_endpoint", "rdzv_id", "rdzv_backend", "node_rank"):
            if rdzv.get(key) is not None:
                cmd.append(f"--{key}={rdzv[key]}")
        if not rdzv.get("rdzv_backend"):
            cmd.append("--rdzv_backend=c10d")
    cmd += ["-m", "nnzoo.cli", *argv]
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    return subprocess.call(cmd, env=env)
