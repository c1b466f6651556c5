"""The benchmark runner: each model beside its peer, same split, seed and budget, one process.

A :class:`BenchTask` runs both sides and returns a :class:`BenchResult`; the runner times
nothing itself (each task times the two fits the same way), merges the rows into
``benchmarks/results.json`` (a row per model, tier and task, replaced when re-run) and
regenerates ``docs/benchmarks.md`` from it. A peer library that is not installed is
reported as missing, never replaced by something else: a task runs its peer's side through
:func:`peer_run`, so a peer that is not installed gives a row marked ``peer missing: <module>``
and one that raises gives ``peer failed: <reason>``, with nnzoo's side still measured; a task
that raises anyway becomes a row marked ``failed: <reason>`` and the run goes on.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import pkgutil
import platform
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import torch

from nnzoo.core.errors import UnknownNameError
from nnzoo.core.io import atomic_write_json, atomic_write_text
from nnzoo.models import get_spec


@dataclass
class BenchResult:
    """One comparison: quality and fit time of nnzoo and of its peer on the same work.

    ``time_ratio`` = nnzoo time / peer time (below 1: nnzoo is faster); ``quality_delta`` =
    nnzoo - peer on the metric (positive: nnzoo better when higher is better).
    """

    model: str
    tier: str
    task: str
    metric: str
    higher_is_better: bool
    peer: str
    nnzoo: float | None
    peer_value: float | None
    nnzoo_time_s: float | None
    peer_time_s: float | None
    time_what: str
    budget: str
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    #: "" when the peer ran; else "peer missing: <module>", "peer failed: <reason>" or, when the
    #: whole task raised, "failed: <reason>".
    status: str = ""

    @property
    def time_ratio(self) -> float | None:
        if self.nnzoo_time_s and self.peer_time_s:
            return self.nnzoo_time_s / self.peer_time_s
        return None

    @property
    def quality_delta(self) -> float | None:
        if self.nnzoo is None or self.peer_value is None:
            return None
        return self.nnzoo - self.peer_value

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "time_ratio": self.time_ratio,
                "quality_delta": self.quality_delta, "date": time.strftime("%Y-%m-%d")}


@dataclass(frozen=True)
class BenchTask:
    """A benchmark of one model on one task in one tier."""

    model: str
    tier: str
    task: str
    run: Callable[[bool], BenchResult]  # run(quiet) -> result


_TASKS: list[BenchTask] = []

T = TypeVar("T")


@dataclass
class PeerRun(Generic[T]):
    """What :func:`peer_run` gives back: the peer side's return value and seconds, or why
    there are none (``status``, empty when the peer ran)."""

    value: T | None
    seconds: float | None
    status: str = ""

    @property
    def ok(self) -> bool:
        return not self.status


def peer_run(fn: Callable[[], T]) -> PeerRun[T]:
    """Run and time a benchmark's peer side (the import of the peer library included in
    ``fn``, the timing taken by ``fn`` itself where only part of it should count).

    A peer library that is not installed gives ``status = "peer missing: <module>"``; any
    exception the peer raises gives ``"peer failed: <type>: <message>"``. Either way the
    benchmark goes on and reports nnzoo's side beside the status.
    """
    t0 = time.perf_counter()
    try:
        value = fn()
    except ModuleNotFoundError as e:
        return PeerRun(None, None, f"peer missing: {e.name or e}")
    except Exception as e:  # a failing peer is reported, never fatal
        return PeerRun(None, None, f"peer failed: {type(e).__name__}: {_short(str(e))}")
    return PeerRun(value, time.perf_counter() - t0)


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def failed_result(task: BenchTask, error: BaseException) -> BenchResult:
    """The row of a task that raised: no figures, the reason in ``status``. A missing module
    other than nnzoo's own is a missing peer."""
    if isinstance(error, ModuleNotFoundError) and not (error.name or "").startswith("nnzoo"):
        status = f"peer missing: {error.name}"
    else:
        status = f"failed: {type(error).__name__}: {_short(str(error))}"
    return BenchResult(task.model, task.tier, task.task, "-", True, "-", None, None, None,
                       None, "-", "-", status=status)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """``(fn(), seconds it took)``: every benchmark times both sides with this."""
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run both sides single-threaded (torch and the BLAS of NumPy/scikit-learn), then restore
    torch's thread count: small models are dominated by thread hand-offs otherwise."""
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            yield
    finally:
        torch.set_num_threads(before)


def bench_task(model: str, tier: str, task: str) -> Callable[[Callable[[bool], BenchResult]],
                                                            Callable[[bool], BenchResult]]:
    """Decorator registering ``fn(quiet) -> BenchResult`` as a benchmark."""

    def deco(fn: Callable[[bool], BenchResult]) -> Callable[[bool], BenchResult]:
        _TASKS.append(BenchTask(model, tier, task, fn))
        return fn

    return deco


def tasks(ids: list[str] | None = None, tier: str = "quick",
          names: list[str] | None = None) -> list[BenchTask]:
    """The registered benchmarks of ``tier`` for model ``ids`` (all when None), only the tasks
    called ``names`` when given (an unknown name is an error listing the tasks of the tier
    and models)."""
    _load_task_modules()

    known = sorted({t.model for t in _TASKS})
    wanted = None
    if ids:
        wanted = set()
        for i in ids:
            mid = get_spec(i).id
            if mid not in known:
                raise UnknownNameError("model with a benchmark", i, known)
            wanted.add(mid)
    todo = [t for t in _TASKS if t.tier == tier and (wanted is None or t.model in wanted)]
    if names:
        offered = sorted({t.task for t in todo})
        for n in names:
            if n not in offered:
                raise UnknownNameError(f"{tier}-tier task of these models", n, offered)
        todo = [t for t in todo if t.task in names]
    return todo


def _load_task_modules() -> None:
    """Import every benchmark module of this package (each registers its tasks)."""
    import nnzoo.bench as pkg

    for m in pkgutil.iter_modules(pkg.__path__):
        if m.name != "runner":
            importlib.import_module(f"{pkg.__name__}.{m.name}")


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "torch": torch.__version__, "python": platform.python_version(),
            "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}


def run_bench(ids: list[str] | None = None, *, tier: str = "quick", out: Path = Path("."),
              quiet: bool = False, names: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmarks (only the tasks called ``names`` when given), print each row, and
    merge it into ``results.json`` and ``benchmarks.md`` as soon as it is measured (a long
    run that is stopped keeps the rows it finished)."""
    todo = tasks(ids, tier, names)
    rows = []
    results_path = out / "benchmarks" / "results.json"
    for t in todo:
        if not quiet:
            print(f"[bench] {t.model} / {t.tier} / {t.task} ...", flush=True)
        try:
            r = t.run(quiet)
        except KeyboardInterrupt:
            raise
        except Exception as e:  # one broken task must not stop the others
            r = failed_result(t, e)
        rows.append(r.to_dict())
        if not quiet:
            print("  " + _line(rows[-1]), flush=True)
        merge_rows(results_path, out / "docs" / "benchmarks.md", rows[-1:])
    if not quiet:
        print(f"\n{markdown_table(rows)}\nwrote {results_path} and {out / 'docs/benchmarks.md'}")
    return {"machine": machine(), "results": rows}


def merge_rows(results_path: Path, markdown_path: Path, rows: list[dict[str, Any]]) -> None:
    """Replace or add ``rows`` (one per model, tier and task) in ``results_path`` and rewrite
    the markdown table, both atomically."""
    old = json.loads(results_path.read_text()) if results_path.exists() else {}
    new = {(x["model"], x["tier"], x["task"]) for x in rows}
    keep = [r for r in old.get("results", []) if (r["model"], r["tier"], r["task"]) not in new]
    merged = {"machine": machine(), "updated": time.strftime("%Y-%m-%d %H:%M"),
              "results": sorted(keep + rows, key=lambda r: (r["tier"], r["model"], r["task"]))}
    atomic_write_json(results_path, merged)
    atomic_write_text(markdown_path, markdown(merged))


def _f(v: Any, pct: bool = False) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{100 * v:.2f} %" if pct else f"{v:.3g}"
    return str(v)


def _line(r: dict[str, Any]) -> str:
    pct = r["metric"] in ("accuracy",)
    if r.get("status"):
        return (f"{r['metric']}: nnzoo {_f(r['nnzoo'], pct)}; {r['peer']}: {r['status']}")
    return (f"{r['metric']}: nnzoo {_f(r['nnzoo'], pct)} vs {r['peer']} "
            f"{_f(r['peer_value'], pct)}; {r['time_what']}: nnzoo {_f(r['nnzoo_time_s'])} s, "
            f"peer {_f(r['peer_time_s'])} s, ratio {_f(r['time_ratio'])}")


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """The side-by-side table of ``rows``."""
    head = ("| model | tier | task | metric | nnzoo | peer | peer's | time measured | "
            "nnzoo s | peer s | time ratio | budget |\n"
            "|---|---|---|---|---:|---|---:|---|---:|---:|---:|---|\n")
    lines = []
    for r in rows:
        pct = r["metric"] == "accuracy"
        lines.append(
            f"| {r['model']} | {r['tier']} | {r['task']} | {r['metric']} | "
            f"{_f(r['nnzoo'], pct)} | {r['peer']} | "
            f"{r.get('status') or _f(r['peer_value'], pct)} | "
            f"{r['time_what']} | {_f(r['nnzoo_time_s'])} | {_f(r['peer_time_s'])} | "
            f"{_f(r['time_ratio'])} | {r['budget']} |")
    return head + "\n".join(lines) + "\n"


def markdown(results: dict[str, Any]) -> str:
    """``docs/benchmarks.md``: the machine, the date, one table per tier, the notes."""
    m = results["machine"]
    parts = ["# Benchmarks\n",
             "Generated by `nnzoo bench` (do not edit by hand). Each row runs nnzoo and its "
             "peer on the same split, seed and budget in one process. *time ratio* = nnzoo "
             "time / peer time (below 1: nnzoo is faster).\n",
             f"Machine: {m['cpu']}, {m['cores']} cores, torch {m['torch']} "
             f"({m['torch_threads']} threads), Python {m['python']}"
             + (f", GPU {m['cuda']}" if m.get("cuda") else ", no GPU")
             + f". Updated {results['updated']}.\n"]
    for tier in ("quick", "full"):
        rows = [r for r in results["results"] if r["tier"] == tier]
        if rows:
            what = ("embedded data, seconds per model" if tier == "quick"
                    else "the real benchmark tasks (`NNZOO_DATA`)")
            parts.append(f"## Tier `{tier}`: {what}\n\n{markdown_table(rows)}")
    notes = [f"- **{r['model']} / {r['tier']} / {r['task']}**: {r['notes']} ({r['date']})"
             for r in results["results"] if r.get("notes")]
    if notes:
        parts.append("## Notes\n\n" + "\n".join(notes) + "\n")
    return "\n".join(parts)
