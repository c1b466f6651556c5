"""Profile the training of the ``crf/full/wnut17`` bench row on both of its sides.

nnzoo's feature CRF (the ``crf/wnut17`` recipe without BIO constraints) and the same model
with pytorch-crf as its output layer (``nnzoo.bench.text.crf._TorchCRFTagger``), trained by
the engine as the row trains them, one thread. Written to the file given as the only
argument:

1. each side's training time per epoch over two epochs, as wall time and as this process's
   CPU time (the second is less disturbed by other processes on a shared machine);
2. each side's ``torch.profiler`` table of one epoch of engine steps (the training split's
   first ``STEPS`` batches, after one warm-up epoch on them), operators by self CPU time.

Usage: ``NNZOO_DATA=... OMP_NUM_THREADS=1 python tools/profile_crf_wnut17.py OUT.txt``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import torch
from torch.profiler import ProfilerActivity, profile

from nnzoo.bench.text.crf import _recipe_model, _TorchCRFTagger
from nnzoo.core.config import TrainConfig
from nnzoo.data import load_dataset
from nnzoo.data.base import ArrayDataset
from nnzoo.recipes.text.ner import EVAL_BATCH
from nnzoo.train.engine import Trainer

STEPS = 60  # engine steps in each profiled epoch
SIDES: tuple[tuple[str, Any], ...] = (("nnzoo", None), ("pytorch-crf", _TorchCRFTagger))


def main(out: Path) -> None:
    torch.set_num_threads(1)
    splits = load_dataset("wnut17")
    lines = [f"crf/full/wnut17 training profile, torch {torch.__version__}, 1 thread", ""]
    for name, cls in SIDES:
        model, tc = _recipe_model("crf", "wnut17", splits, cls=cls, constraints="false")
        cfg = TrainConfig(epochs=2, batch_size=tc.batch_size, lr=tc.lr,
                          eval_batch_size=EVAL_BATCH)
        tr = Trainer(model, splits.train, splits.val, cfg, seed=0, metric="f1", quiet=True)
        opt = tr.optimizers[0]
        cpu = time.process_time()
        tr.fit()
        cpu = time.process_time() - cpu
        lines.append(f"{name}: {tr.progress.train_time / 2:.3f} s wall per epoch of training "
                     f"steps ({tr.steps_per_epoch} steps), {cpu / 2:.3f} s CPU per epoch "
                     f"including validation; optimizer {type(opt).__name__}, fused="
                     f"{opt.defaults.get('fused')}")
        print(lines[-1], flush=True)
    for name, cls in SIDES:
        model, tc = _recipe_model("crf", "wnut17", splits, cls=cls, constraints="false")
        n = tc.batch_size * STEPS
        part = ArrayDataset(splits.train.X[:n], splits.train.y[:n])
        val = ArrayDataset(splits.val.X[:tc.batch_size], splits.val.y[:tc.batch_size])
        cfg = TrainConfig(epochs=1, batch_size=tc.batch_size, lr=tc.lr,
                          eval_batch_size=EVAL_BATCH)
        Trainer(model, part, val, cfg, seed=1, quiet=True).fit()          # warm-up
        tr = Trainer(model, part, val, cfg, seed=0, quiet=True)
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            tr.fit()
        table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25)
        lines += ["", f"{name} side: torch.profiler, {STEPS} engine steps of batch "
                  f"{tc.batch_size} and one validation batch, operators by self CPU time",
                  "", table]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tools/profile_crf_wnut17.py OUT.txt")
    main(Path(sys.argv[1]))
