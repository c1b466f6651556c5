"""Benchmarks of the CRF taggers: the CRF layer against pytorch-crf, the BiLSTM-CRF against a
BiLSTM-softmax tagger.

- ``crf`` quick ``nll-b64-t50-k20``: the log-likelihood of a batch of 64 sequences of 25 to
  50 steps (masked), 20 tags, and its gradient, by ``nnzoo.models.text.crf_layer.CRF`` and
  ``torchcrf.CRF`` holding the same transition, start and end scores, on the same
  emissions and tags (float32; the emissions, tags, lengths and the CRF's scores drawn from
  seed 0). Quality: the summed log-likelihood (the same number);
  time: median of forward + backward over many repetitions, interleaved. ``extra`` holds the
  largest difference per sequence and of the gradients.
- ``crf`` quick ``viterbi-b64-t50-k20``: Viterbi decoding of the same batch. Quality: the
  summed score of the decoded paths (equal scores = both optimal); ``extra``: the share of
  identical paths.
- ``crf`` full ``wnut17``: the feature CRF of the ``crf/wnut17`` recipe without BIO
  constraints (pytorch-crf has none), trained with nnzoo's CRF layer and with
  ``torchcrf.CRF`` as its output layer, same features, seed, optimizer (the engine's Adam:
  torch's fused CPU kernel on both sides) and epochs. The two trainings run interleaved
  epoch by epoch in ABBA order (nnzoo then peer on even epochs, peer then nnzoo on odd
  ones), each on its own global RNG stream (swapped in and out around its epochs, so each
  side draws exactly what it would draw trained alone), so that a slow spell of the shared
  machine falls on both alike. Quality: conlleval entity F1 on the test set; time: training
  time per epoch.
- ``bilstm-crf`` quick ``toy-ner`` / full ``wnut17``: the BiLSTM-CRF of the recipe beside
  the same network with a per-token softmax output (the ablation of Lample et al. 2016,
  Table 4), same seed and budget. Quality: test entity F1; ``extra`` holds per-type
  precision, recall and F1 and conlleval's report of the CRF side.

The trained rows' ``extra["footprint"]`` holds the recipe's training and evaluation tokens
per second, peak resident memory and padding, measured in a fresh process over two epochs
(:mod:`nnzoo.bench.text.footprint`). Evaluation runs in the recipes' bounded batches
(``eval_batch_size``), with the corpus figures summed over them.

Every row runs single-threaded (``one_thread``).
"""

from __future__ import annotations

import statistics
from functools import partial
from typing import Any

import torch

from nnzoo.bench.runner import BenchResult, bench_task, one_thread, peer_run, timed
from nnzoo.bench.text.footprint import row_extra
from nnzoo.core.seed import isolated_rng
from nnzoo.core.tags import PAD_TAG
from nnzoo.models.text.crf import FeatureCRF
from nnzoo.models.text.crf_layer import CRF, sequence_score

#: Epochs of each row's footprint measurement (tokens per second, peak memory).
FOOTPRINT_EPOCHS = 2


def _peer_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"pytorch-crf {version('pytorch-crf')}"
    except PackageNotFoundError:
        return "pytorch-crf"


def _batch(B: int = 64, T: int = 50, K: int = 20, seed: int = 0
           ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    e = torch.randn(B, T, K, generator=g)
    lengths = torch.randint(T // 2, T + 1, (B,), generator=g)
    lengths[0] = T
    mask = torch.arange(T)[None] < lengths[:, None]
    tags = torch.randint(0, K, (B, T), generator=g)
    return e, tags, mask


def _crf(K: int, seed: int = 0) -> CRF:
    """nnzoo's CRF layer over ``K`` tags, its scores drawn (uniform in [-0.1, 0.1]) from
    ``seed`` inside :func:`~nnzoo.core.seed.isolated_rng`: the same layer, and so the same
    figures, on every run, and the caller's generators are left as they were."""
    with isolated_rng(seed):
        return CRF(K)


def _peer_crf(ours: CRF) -> Any:
    """pytorch-crf's CRF holding ``ours``'s transition, start and end scores."""
    import torchcrf

    peer = torchcrf.CRF(ours.transitions.shape[0], batch_first=True)
    peer.load_state_dict({"transitions": ours.transitions.data.clone(),
                          "start_transitions": ours.start_transitions.data.clone(),
                          "end_transitions": ours.end_transitions.data.clone()})
    return peer


def _grad(t: torch.Tensor) -> torch.Tensor:
    """The gradient that the backward pass just run left in ``t``."""
    if t.grad is None:
        raise RuntimeError("no gradient: the backward pass did not reach this tensor")
    return t.grad


@bench_task("crf", "quick", "nll-b64-t50-k20")
def crf_nll(quiet: bool, reps: int = 200) -> BenchResult:
    e, tags, mask = _batch()
    ours = _crf(e.shape[2])
    e1 = e.clone().requires_grad_()

    def run_ours() -> torch.Tensor:
        ll = ours(e1, tags, mask)
        ll.sum().backward()
        return ll.detach()

    with one_thread():
        run_ours()                                               # warm-up
        t_o = [timed(run_ours)[1] for _ in range(reps)]
        e1.grad = None
        ours.zero_grad()
        a = run_ours()

        def peer_side() -> dict[str, Any]:
            peer = _peer_crf(ours)
            e2 = e.clone().requires_grad_()

            def run_peer() -> torch.Tensor:
                ll = peer(e2, tags, mask, reduction="none")
                ll.sum().backward()
                return ll.detach()

            run_peer()                                           # warm-up
            t_p = [timed(run_peer)[1] for _ in range(reps)]
            e2.grad = None
            peer.zero_grad()
            b = run_peer()
            return {"b": b, "t": t_p, "gdiff": float((_grad(e1) - _grad(e2)).abs().max()),
                    "tdiff": float((_grad(ours.transitions) - _grad(peer.transitions))
                                   .abs().max())}

        run = peer_run(peer_side)
    p = run.value or {}
    b = p.get("b")
    return BenchResult(
        "crf", "quick", "nll-b64-t50-k20", "log-likelihood (sum)", True, _peer_version(),
        float(a.sum()), float(b.sum()) if b is not None else None, statistics.median(t_o),
        statistics.median(p["t"]) if p else None,
        f"forward + backward of the log-likelihood (median of {reps})",
        "64 sequences of 25-50 steps (masked), 20 tags, float32, same parameters, "
        "single-threaded",
        notes="same log-likelihood; nnzoo's gradient comes from forward-backward marginals",
        extra={"max_abs_diff_per_sequence": float((a - b).abs().max()) if b is not None
               else None,
               "max_abs_diff_grad_emissions": p.get("gdiff"),
               "max_abs_diff_grad_transitions": p.get("tdiff")},
        status=run.status)


@bench_task("crf", "quick", "viterbi-b64-t50-k20")
def crf_viterbi(quiet: bool, reps: int = 100) -> BenchResult:
    e, _, mask = _batch()
    ours = _crf(e.shape[2])
    with one_thread(), torch.no_grad():
        ours.decode(e, mask)                                     # warm-up
        t_o = [timed(lambda: ours.decode(e, mask))[1] for _ in range(reps)]
        a = ours.decode(e, mask)

        def peer_side() -> tuple[list[list[int]], list[float]]:
            peer = _peer_crf(ours)
            peer.decode(e, mask)                                 # warm-up
            t_p = [timed(lambda: peer.decode(e, mask))[1] for _ in range(reps)]
            return peer.decode(e, mask), t_p

        run = peer_run(peer_side)
    lengths = mask.sum(1)
    sc = [s.detach() for s in ours.scores()]
    score = lambda y: float(sequence_score(e, y, lengths, *sc).sum())  # noqa: E731
    pb, same = None, None
    if run.value:
        pb = torch.full_like(a, PAD_TAG)
        for i, path in enumerate(run.value[0]):
            pb[i, :len(path)] = torch.tensor(path)
        same = float((a == pb).all(1).float().mean())
    return BenchResult(
        "crf", "quick", "viterbi-b64-t50-k20", "best-path score (sum)", True, _peer_version(),
        score(a), score(pb) if pb is not None else None, statistics.median(t_o),
        statistics.median(run.value[1]) if run.value else None,
        f"Viterbi decoding (median of {reps})",
        "64 sequences of 25-50 steps (masked), 20 tags, float32, single-threaded",
        notes="the same paths: nnzoo returns a padded tensor, pytorch-crf lists",
        extra={"identical_paths": same}, status=run.status)


# -- trained taggers ----------------------------------------------------------------------------

def _train(model: Any, splits: Any, epochs: int, lr: float, batch: int, clip: float = 0.0,
           max_time: float = 0.0, quiet: bool = True) -> tuple[dict[str, Any], float]:
    """Train in memory with the engine; return the test evaluation (corpus figures, in the
    recipes' bounded batches) of the best validation epoch's weights and the training time
    per epoch."""
    from nnzoo.core.config import TrainConfig
    from nnzoo.recipes.text.ner import EVAL_BATCH
    from nnzoo.train.engine import Trainer, evaluate

    cfg = TrainConfig(epochs=epochs, batch_size=batch, lr=lr, grad_clip=clip,
                      max_time=max_time, eval_batch_size=EVAL_BATCH)
    tr = Trainer(model, splits.train, splits.val, cfg, seed=0, metric="f1", quiet=quiet)
    tr.fit()
    tr.restore_best()
    test = evaluate(model, splits.test, batch_size=EVAL_BATCH)
    return test, tr.progress.train_time / max(1, tr.progress.epoch)


def _per_type(model: Any) -> dict[str, dict[str, float]]:
    return {t: {"precision": p, "recall": r, "f1": f, "gold": n}
            for t, (p, r, f, n) in model.per_type_scores().items()}


def _report(model: Any) -> str:
    from collections import Counter

    from nnzoo.data.conll import ChunkScores, format_report

    c = model.eval_counts
    s = ChunkScores(int(c["tokens"]), int(c["correct_tags"]),
                    *(Counter({t: int(c[k][i]) for i, t in enumerate(model.types)})
                      for k in ("correct", "found_guessed", "found_gold")))
    return format_report(s)


class _TorchCRFTagger(FeatureCRF):
    """The feature CRF with pytorch-crf's CRF as its output layer (loss and decoding)."""

    def __init__(self, config: Any) -> None:
        import torchcrf

        super().__init__(config)
        self.peer = torchcrf.CRF(config.n_classes, batch_first=True)
        self.crf.requires_grad_(False)

    def _loss(self, e: torch.Tensor, y: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        mask = torch.arange(e.shape[1], device=e.device)[None] < lengths[:, None]
        return -self.peer(e, torch.where(mask, y, 0), mask, reduction="mean")

    def _decode(self, e: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        mask = torch.arange(e.shape[1], device=e.device)[None] < lengths[:, None]
        out = torch.full(e.shape[:2], PAD_TAG, dtype=torch.long, device=e.device)
        for i, path in enumerate(self.peer.decode(e, mask)):
            out[i, :len(path)] = torch.tensor(path, device=e.device)
        return out


def _recipe_model(model_id: str, recipe: str, splits: Any, cls: type | None = None,
                  **hp: Any) -> Any:
    from nnzoo.core.config import build_config
    from nnzoo.core.seed import seed_everything
    from nnzoo.models import get_spec
    from nnzoo.recipes import get_recipe

    spec = get_spec(model_id)
    model_hp, train = get_recipe(model_id, recipe).resolve(hp)
    cfg = build_config(spec.config, {**model_hp, "sample_shape": splits.sample_shape,
                                     "n_classes": splits.n_classes,
                                     "vocab_size": splits.meta["vocab_size"]})
    seed_everything(0)
    return (cls or spec.cls)(cfg), train


class _Side:
    """One side of an interleaved comparison: a trainer and the global RNG state its
    training continues from (captured when its model was built)."""

    def __init__(self, model: Any, splits: Any, cfg: Any, quiet: bool) -> None:
        from nnzoo.core.seed import rng_state
        from nnzoo.train.engine import Trainer

        self.model = model
        self.rng = rng_state()
        self.trainer = Trainer(model, splits.train, splits.val, cfg, seed=0, metric="f1",
                               quiet=quiet)

    def epoch(self, until: int) -> None:
        """Train up to epoch ``until`` on this side's own RNG stream."""
        from nnzoo.core.seed import rng_state, set_rng_state

        set_rng_state(*self.rng)
        self.trainer.fit(until_epoch=until)
        self.rng = rng_state()

    def finish(self, splits: Any) -> tuple[dict[str, Any], float]:
        """The test evaluation of the best validation epoch's weights and the training
        time per epoch (as :func:`_train` returns them)."""
        from nnzoo.recipes.text.ner import EVAL_BATCH
        from nnzoo.train.engine import evaluate

        self.trainer.restore_best()
        test = evaluate(self.model, splits.test, batch_size=EVAL_BATCH)
        p = self.trainer.progress
        return test, p.train_time / max(1, p.epoch)


@bench_task("crf", "full", "wnut17")
def crf_wnut(quiet: bool, epochs: int = 10) -> BenchResult:
    from nnzoo.core.config import TrainConfig
    from nnzoo.data import load_dataset
    from nnzoo.recipes.text.ner import EVAL_BATCH

    splits = load_dataset("wnut17")
    with one_thread():
        ours_model, tc = _recipe_model("crf", "wnut17", splits, constraints="false")
        cfg = TrainConfig(epochs=epochs, batch_size=tc.batch_size, lr=tc.lr,
                          eval_batch_size=EVAL_BATCH)
        ours = _Side(ours_model, splits, cfg, quiet)

        def peer_setup() -> _Side:
            model, _ = _recipe_model("crf", "wnut17", splits, cls=_TorchCRFTagger,
                                     constraints="false")
            return _Side(model, splits, cfg, quiet)

        setup = peer_run(peer_setup)
        peer, status = setup.value, setup.status
        for e in range(epochs):
            for name in ("nnzoo", "peer") if e % 2 == 0 else ("peer", "nnzoo"):
                if name == "nnzoo":
                    ours.epoch(e + 1)
                elif peer is not None:
                    step = peer_run(partial(peer.epoch, e + 1))
                    if not step.ok:
                        peer, status = None, step.status
        r_o, t_o = ours.finish(splits)
        extra = {"per_type": _per_type(ours_model), "conlleval": _report(ours_model)}
        r_p: dict[str, Any] = {}
        t_p: float | None = None
        if peer is not None:
            fin = peer_run(partial(peer.finish, splits))
            if fin.value is not None:
                r_p, t_p = fin.value
            status = fin.status
    return BenchResult(
        "crf", "full", "wnut17", "entity F1", True, f"{_peer_version()} (as output layer)",
        r_o["f1"], r_p.get("f1"), t_o, t_p, "training time per epoch",
        f"feature CRF of the crf/wnut17 recipe without BIO constraints, {epochs} epochs, "
        f"Adam {tc.lr} (torch's fused CPU kernel, both sides), batch {tc.batch_size}, "
        "single-threaded, the two trainings interleaved epoch by epoch (ABBA)",
        notes="same features and training; only the CRF layer differs",
        extra={**extra, "nnzoo_precision": r_o["precision"], "nnzoo_recall": r_o["recall"],
               "peer_precision": r_p.get("precision"), "peer_recall": r_p.get("recall"),
               **row_extra("crf", "wnut17", FOOTPRINT_EPOCHS)},
        status=status)


def _bilstm(tier: str, task: str, dataset: str, recipe: str, epochs: int, max_time: float,
            quiet: bool) -> BenchResult:
    from nnzoo.data import load_dataset

    splits = load_dataset(dataset)
    res: dict[str, dict[str, Any]] = {}
    times: dict[str, float] = {}
    extra: dict[str, Any] = {}
    with one_thread():
        for dec in ("crf", "softmax"):
            model, tc = _recipe_model("bilstm-crf", recipe, splits, decoder=dec)
            res[dec], times[dec] = _train(model, splits, epochs, tc.lr, tc.batch_size,
                                          tc.grad_clip, max_time, quiet)
            extra[f"{dec}_per_type"] = _per_type(model)
            extra[f"{dec}_precision"] = res[dec]["precision"]
            extra[f"{dec}_recall"] = res[dec]["recall"]
            if dec == "crf":
                extra["conlleval"] = _report(model)
    extra.update(row_extra("bilstm-crf", recipe, FOOTPRINT_EPOCHS))
    return BenchResult(
        "bilstm-crf", tier, task, "entity F1", True, "BiLSTM-softmax (same encoder)",
        res["crf"]["f1"], res["softmax"]["f1"], times["crf"], times["softmax"],
        "training time per epoch",
        f"bilstm-crf/{recipe} recipe, up to {epochs} epochs"
        + (f" or {max_time:.0f} s each" if max_time else "") + ", single-threaded",
        notes="the baseline is the same network with a per-token softmax output (no "
              "transitions, no Viterbi), run in this bench",
        extra=extra)


@bench_task("bilstm-crf", "quick", "toy-ner")
def bilstm_toy(quiet: bool) -> BenchResult:
    return _bilstm("quick", "toy-ner", "toy-ner", "toy-ner", 4, 0.0, quiet)


@bench_task("bilstm-crf", "full", "wnut17")
def bilstm_wnut(quiet: bool) -> BenchResult:
    return _bilstm("full", "wnut17", "wnut17", "wnut17", 40, 300.0, quiet)
