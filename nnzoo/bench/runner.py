"""The benchmark runner: each model beside its peer, same split, seed and budget, one process.

A :class:`BenchTask` runs both sides and returns a :class:`BenchResult`; the runner times
nothing itself (each task times the two fits the same way). A run writes only under its
output folder (``--out``, default ``bench-results``): ``results.json`` (a row per model, tier
and task, replaced when re-run, each with the ``command`` that reproduces it), the
``benchmarks.md`` table generated from it, and ``plots/`` (tasks learn the folder from
:func:`plots_dir`).

The published results ship with the package (``nnzoo/bench/results.json``, read by
``nnzoo info``). In a source checkout :func:`merge_run` (``nnzoo bench --merge DIR``) merges a
run's rows into them and copies the plots the rows reference into ``docs/plots/`` (profiler
tables into ``docs/profiles/``), and
:func:`write_report` (``nnzoo bench --report``) regenerates ``docs/benchmarks.md`` and the
README's results section (between :data:`README_BEGIN` and :data:`README_END`) from them, so
no published figure is typed by hand.

A peer library that is not installed is
reported as missing, never replaced by something else: a task runs its peer's side through
:func:`peer_run`, so a peer that is not installed gives a row marked ``peer missing: <module>``
and one that raises gives ``peer failed: <reason>``, with nnzoo's side still measured; a task
that raises anyway becomes a row marked ``failed: <reason>`` and the run goes on.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import platform
import shlex
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import torch

from nnzoo.bench.tradeoff import (
    TRADEOFF_TASKS,
    chart_name,
    charted_tasks,
    draw_tradeoffs,
    genealogy_table,
)
from nnzoo.core.device import one_thread as torch_one_thread
from nnzoo.core.discover import import_submodules
from nnzoo.core.errors import InputError, UnknownNameError, UsageError
from nnzoo.core.io import atomic_write_bytes, atomic_write_json, atomic_write_text, read_json
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
    """A benchmark of one model on one task in one tier; ``module`` is the module that
    registered it (:func:`bench_task` takes the function's)."""

    model: str
    tier: str
    task: str
    run: Callable[[bool], BenchResult]  # run(quiet) -> result
    module: str = ""


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


def race_epochs(model: Any, splits: Any, cfg: Any, hand_epoch: Callable[[int], float], *,
                seed: int, quiet: bool, **trainer_kw: Any) -> tuple[list[float], list[float]]:
    """Train ``model`` with the engine beside a hand-written loop, epoch by epoch, interleaved
    in ABBA order (hand then engine on even epochs, engine then hand on odd ones) so that a
    slow spell of the machine falls on both alike.

    :param model: the nnzoo model the engine trains (a ``ZooModule``).
    :param splits: the dataset's :class:`~nnzoo.data.Splits`.
    :param cfg: the engine's ``TrainConfig`` (``cfg.epochs`` epochs).
    :param hand_epoch: runs epoch ``e`` of the hand-written loop and returns its seconds.
    :param trainer_kw: further arguments of :class:`~nnzoo.train.engine.Trainer`
        (``metric``, ``higher_is_better``).
    :return: the engine's epoch times (from its metrics log) and the hand loop's.
    """
    import tempfile

    from nnzoo.core.rundir import RunDir
    from nnzoo.train.engine import Trainer

    hand_times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        run = RunDir.create(Path(tmp), "bench")
        trainer = Trainer(model, splits.train, splits.val, cfg, seed=seed, run=run, quiet=quiet,
                          **trainer_kw)
        for epoch in range(cfg.epochs):
            if epoch % 2:
                trainer.fit(until_epoch=epoch + 1)
                hand_times.append(hand_epoch(epoch))
            else:
                hand_times.append(hand_epoch(epoch))
                trainer.fit(until_epoch=epoch + 1)
        engine_times = [float(r["epoch_time"]) for r in run.read_metrics("epoch")]
    return engine_times, hand_times


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run both sides single-threaded (torch through :func:`nnzoo.core.device.one_thread`, and
    the BLAS of NumPy/scikit-learn), then restore both: small models are dominated by thread
    hand-offs otherwise."""
    from threadpoolctl import threadpool_limits

    with torch_one_thread(), threadpool_limits(1):
        yield


def bench_task(model: str, tier: str, task: str) -> Callable[[Callable[[bool], BenchResult]],
                                                            Callable[[bool], BenchResult]]:
    """Decorator registering ``fn(quiet) -> BenchResult`` as a benchmark."""

    def deco(fn: Callable[[bool], BenchResult]) -> Callable[[bool], BenchResult]:
        _TASKS.append(BenchTask(model, tier, task, fn, fn.__module__))
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
    import_submodules("nnzoo.bench", skip=("runner",))


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


# -- where a run writes, and how each row is reproduced ----------------------------------------

#: Where ``nnzoo bench`` writes when ``--out`` is not given (relative to the current folder).
DEFAULT_OUT = Path("bench-results")
#: The published results, shipped with the package.
PUBLISHED = Path(__file__).with_name("results.json")
#: The markers around the README's generated results section.
README_BEGIN = "<!-- results: generated by `nnzoo bench --report`, do not edit -->"
README_END = "<!-- end of results -->"
#: Environment variables that never change a figure, left out of the reproducing command.
_ENV_NOT_IN_COMMAND = frozenset({"NNZOO_DATA", "NNZOO_DEBUG", "NNZOO_OFFLINE", "NNZOO_CHROMIUM"})

_PLOTS: contextvars.ContextVar[Path | None] = contextvars.ContextVar("nnzoo_bench_plots",
                                                                   default=None)


def plots_dir() -> Path:
    """The folder where a benchmark task saves its figures: ``<out>/plots`` of the running
    ``nnzoo bench`` (created on first use), ``bench-results/plots`` when a task is called
    outside :func:`run_bench`. A row refers to a figure by putting its path in ``extra``."""
    path = _PLOTS.get() or DEFAULT_OUT / "plots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def command_for(task: BenchTask) -> str:
    """The command line that reruns ``task``: ``nnzoo bench MODEL --tier T --task NAME``,
    preceded by ``NNZOO_DATA=...`` on the full tier (the data root the run read) and by every
    other ``NNZOO_*`` variable set during the run (``NNZOO_MR_FOLDS`` and the like)."""
    env = []
    if task.tier == "full":
        from nnzoo.data import data_root

        env.append(("NNZOO_DATA", os.environ.get("NNZOO_DATA", "").strip() or str(data_root())))
    env += [(k, v) for k, v in sorted(os.environ.items())
            if k.startswith("NNZOO_") and k not in _ENV_NOT_IN_COMMAND]
    words = [f"{k}={shlex.quote(v)}" for k, v in env]
    words += ["nnzoo", "bench", task.model, "--tier", task.tier, "--task", shlex.quote(task.task)]
    return " ".join(words)


def _is_plot(value: Any) -> bool:
    return _published_folder(value) == "plots"


def _published_folder(value: Any) -> str | None:
    """The folder under ``docs/`` where a file a row refers to is published: ``plots`` for a
    figure, ``profiles`` for a profiler table (``.txt``); None for anything else."""
    if not isinstance(value, str):
        return None
    if value.lower().endswith((".png", ".svg", ".pdf")):
        return "plots"
    return "profiles" if value.lower().endswith(".txt") else None


def _relative_plots(row: dict[str, Any], out: Path) -> None:
    """Rewrite the paths of the files ``row['extra']`` refers to (figures, profiler tables)
    relative to the run's folder."""
    base = out.resolve()
    for k, v in row.get("extra", {}).items():
        if _published_folder(v) is not None:
            with contextlib.suppress(ValueError):
                row["extra"][k] = Path(v).resolve().relative_to(base).as_posix()


def run_bench(ids: list[str] | None = None, *, tier: str = "quick", out: Path = DEFAULT_OUT,
              quiet: bool = False, names: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmarks (only the tasks called ``names`` when given), print each row, and
    merge it into ``out/results.json`` and ``out/benchmarks.md`` as soon as it is measured (a
    long run that is stopped keeps the rows it finished). Figures go to ``out/plots``;
    nothing is written outside ``out``.

    A missing or failing peer gives a row with that status; a task that raises gives a row
    ``failed: <reason>``; either way the run goes on. Returns the machine and the rows."""
    todo = tasks(ids, tier, names)
    out = Path(out)
    rows = []
    results_path, markdown_path = out / "results.json", out / "benchmarks.md"
    token = _PLOTS.set(out / "plots")
    try:
        for t in todo:
            if not quiet:
                print(f"[bench] {t.model} / {t.tier} / {t.task} ...", flush=True)
            try:
                r = t.run(quiet)
            except KeyboardInterrupt:
                raise
            except Exception as e:  # one broken task must not stop the others
                r = failed_result(t, e)
            row = {**r.to_dict(), "command": command_for(t), "machine": machine()}
            _relative_plots(row, out)
            rows.append(row)
            if not quiet:
                print("  " + _line(row), flush=True)
            merge_rows(results_path, markdown_path, rows[-1:])
    finally:
        _PLOTS.reset(token)
    if not quiet:
        print(f"\n{markdown_table(rows)}\nwrote {results_path} and {markdown_path}")
    return {"machine": machine(), "results": rows}


def own_side_failed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows whose nnzoo side failed (status ``failed: ...``); a missing or failing peer
    is not among them."""
    return [r for r in rows if str(r.get("status", "")).startswith("failed:")]


# -- results files -------------------------------------------------------------------------------

_ROW_KEYS = ("model", "tier", "task", "metric", "peer", "nnzoo", "peer_value", "time_what",
             "budget")


def load_results(path: Path) -> dict[str, Any]:
    """Read a results file (``{"machine", "results": [rows]}``), checking each row has the
    fields the tables need; a bad file is one :class:`InputError` naming it."""
    data = read_json(path, "results file")
    rows = data.get("results") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise InputError(f"results file {path}: expected an object with a 'results' list")
    for i, r in enumerate(rows):
        missing = [k for k in _ROW_KEYS if not isinstance(r, dict) or k not in r]
        if missing:
            raise InputError(f"results file {path}: row {i} lacks {', '.join(missing)}")
    return data


def merge_rows(results_path: Path, markdown_path: Path, rows: list[dict[str, Any]]) -> None:
    """Replace or add ``rows`` (one per model, tier and task) in ``results_path`` and rewrite
    the markdown table, both atomically, and the trade-off charts it shows
    (:func:`nnzoo.bench.tradeoff.draw_tradeoffs`, into ``plots/`` beside it)."""
    old = load_results(results_path) if results_path.exists() else {}
    new = {(x["model"], x["tier"], x["task"]) for x in rows}
    keep = [r for r in old.get("results", []) if (r["model"], r["tier"], r["task"]) not in new]
    merged = {"machine": machine(), "updated": time.strftime("%Y-%m-%d %H:%M"),
              "results": sorted(keep + rows, key=lambda r: (r["tier"], r["model"], r["task"]))}
    atomic_write_json(results_path, merged)
    draw_tradeoffs(merged, markdown_path.parent / "plots")
    atomic_write_text(markdown_path, markdown(merged))


def source_checkout() -> Path:
    """The root of the source checkout this nnzoo runs from (README.md, docs/ and
    pyproject.toml beside the package); a :class:`UsageError` for an installed copy."""
    root = Path(__file__).resolve().parents[2]
    if not all((root / f).is_file() for f in ("pyproject.toml", "README.md")) or not (
            root / "docs").is_dir():
        raise UsageError("--merge and --report rewrite the published results of a source "
                         f"checkout (README.md, docs/ and pyproject.toml beside nnzoo/); "
                         f"this nnzoo is installed in {root}, not checked out")
    return root


def merge_run(source: Path, root: Path | None = None, quiet: bool = False) -> list[str]:
    """Merge a run's rows (``source``: its folder or its ``results.json``) into the published
    file of the checkout ``root``, copy the figures the rows reference into ``docs/plots/``
    (profiler tables into ``docs/profiles/``) and regenerate the README section and
    ``docs/benchmarks.md``. Rows whose nnzoo side
    failed, and rows whose peer library was not installed (the run's environment lacked it,
    the published row keeps its comparison), are not merged. Returns ``model/tier/task`` of
    each merged row."""
    root = source_checkout() if root is None else root
    source = Path(source)
    path = source / "results.json" if source.is_dir() else source
    run = load_results(path)
    rows, merged = [], []
    for r in run["results"]:
        name = f"{r['model']}/{r['tier']}/{r['task']}"
        if not r.get("command"):
            raise InputError(f"{path}: row {name} has no 'command' (made by an older nnzoo); "
                             "rerun it")
        if own_side_failed([r]) or str(r.get("status", "")).startswith("peer missing"):
            if not quiet:
                print(f"not merged: {name}: {r['status']}")
            continue
        r = {**r, "extra": dict(r.get("extra") or {})}
        for k, v in r["extra"].items():
            folder = _published_folder(v)
            if folder is not None:
                src = Path(v) if Path(v).is_absolute() else path.parent / v
                if not src.is_file():
                    raise InputError(f"{path}: row {name} refers to the file {v}, which is "
                                     f"not in {path.parent}")
                atomic_write_bytes(root / "docs" / folder / src.name, src.read_bytes())
                r["extra"][k] = f"docs/{folder}/{src.name}"
        rows.append(r)
        merged.append(name)
    if rows:
        published = root / "nnzoo" / "bench" / "results.json"
        merge_rows(published, root / "docs" / "benchmarks.md", rows)
        write_report(root)
    if not quiet:
        print(f"merged {len(merged)} row(s) into {root / 'nnzoo/bench/results.json'}")
    return merged


def drop_rows(names: list[str], root: Path | None = None) -> list[str]:
    """Remove the published rows called ``model/tier/task`` (a set-up that no longer exists,
    or that can no longer be rerun) from the checkout ``root``'s results, then regenerate the
    README section and ``docs/benchmarks.md``. An unknown name is an error listing the rows."""
    root = source_checkout() if root is None else root
    published = root / "nnzoo" / "bench" / "results.json"
    data = load_results(published)
    known = {f"{r['model']}/{r['tier']}/{r['task']}": r for r in data["results"]}
    for n in names:
        if n not in known:
            raise UnknownNameError("published row (model/tier/task)", n, known)
    data["results"] = [r for k, r in known.items() if k not in names]
    atomic_write_json(published, data)
    write_report(root)
    return list(names)


def write_report(root: Path | None = None, check: bool = False) -> list[Path]:
    """Regenerate the README's results section and ``docs/benchmarks.md`` of the checkout
    ``root`` from its published results, and the trade-off charts they show
    (``docs/plots/tradeoff-<task>.png``); with ``check`` write nothing. Returns the files
    whose text differed from the generator's."""
    root = source_checkout() if root is None else root
    data = load_results(root / "nnzoo" / "bench" / "results.json")
    readme = root / "README.md"
    wanted = {readme: replace_section(readme.read_text(encoding="utf-8"), readme_section(data),
                                      readme),
              root / "docs" / "benchmarks.md": markdown(data)}
    differ = [p for p, text in wanted.items()
              if not p.is_file() or p.read_text(encoding="utf-8") != text]
    if not check:
        draw_tradeoffs(data, root / "docs" / "plots")
        for p in differ:
            atomic_write_text(p, wanted[p])
    return differ


def replace_section(text: str, section: str, where: Path | str = "README.md") -> str:
    """``text`` with what lies between :data:`README_BEGIN` and :data:`README_END` replaced
    by ``section``; an :class:`InputError` when the markers are not there once each."""
    if text.count(README_BEGIN) != 1 or text.count(README_END) != 1:
        raise InputError(f"{where}: expected one line '{README_BEGIN}' and one line "
                         f"'{README_END}' around the results section")
    before, after = text.split(README_BEGIN)
    _, after = after.split(README_END)
    return f"{before}{README_BEGIN}\n{section}{README_END}{after}"


# -- tables --------------------------------------------------------------------------------------

def _f(v: Any, pct: bool = False) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{100 * v:.2f} %" if pct else f"{v:.3g}"
    return str(v)


def _num(v: Any, pct: bool) -> str:
    """A figure of the README: percentages to 0.01, anything else to 4 significant digits."""
    if v is None:
        return "-"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return f"{100 * v:.2f} %" if pct else f"{v:.4g}"
    return str(v)


def _seconds(v: Any) -> str:
    return "-" if v is None else f"{v:.3g} s"


def _cell(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _line(r: dict[str, Any]) -> str:
    pct = r["metric"] in ("accuracy",)
    if r.get("status"):
        return (f"{r['metric']}: nnzoo {_f(r['nnzoo'], pct)}; {r['peer']}: {r['status']}")
    return (f"{r['metric']}: nnzoo {_f(r['nnzoo'], pct)} vs {r['peer']} "
            f"{_f(r['peer_value'], pct)}; {r['time_what']}: nnzoo {_f(r['nnzoo_time_s'])} s, "
            f"peer {_f(r['peer_time_s'])} s, ratio {_f(r['time_ratio'])}")


def standing(r: dict[str, Any], rtol: float = 1e-6) -> str:
    """nnzoo against the peer on the row's metric: ``ahead``, ``behind``, ``level`` (equal to
    a relative 1e-6) or ``-`` when either side has no figure."""
    a, b = r.get("nnzoo"), r.get("peer_value")
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return "-"
    if abs(a - b) <= rtol * max(abs(a), abs(b)):
        return "level"
    return "ahead" if (a > b) == bool(r.get("higher_is_better", True)) else "behind"


def _timing(r: dict[str, Any]) -> str:
    if r.get("nnzoo_time_s") is None:
        return "-"
    if r.get("peer_time_s") is None:
        return f"{r['time_what']}: {_seconds(r['nnzoo_time_s'])}"
    ratio = r["nnzoo_time_s"] / r["peer_time_s"] if r["peer_time_s"] else None
    return (f"{r['time_what']}: {_seconds(r['nnzoo_time_s'])} / {_seconds(r['peer_time_s'])}"
            + (f" ({ratio:.2f})" if ratio else ""))


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """The side-by-side table of ``rows``."""
    head = ("| model | tier | task | metric | nnzoo | peer | peer's | time measured | "
            "nnzoo s | peer s | time ratio | budget | command |\n"
            "|---|---|---|---|---:|---|---:|---|---:|---:|---:|---|---|\n")
    lines = []
    for r in rows:
        pct = r["metric"] == "accuracy"
        lines.append(
            f"| {r['model']} | {r['tier']} | {_cell(r['task'])} | {_cell(r['metric'])} | "
            f"{_f(r['nnzoo'], pct)} | {_cell(r['peer'])} | "
            f"{_cell(r.get('status') or _f(r['peer_value'], pct))} | "
            f"{_cell(r['time_what'])} | {_f(r['nnzoo_time_s'])} | {_f(r['peer_time_s'])} | "
            f"{_f(r.get('time_ratio'))} | {_cell(r['budget'])} | "
            f"{'`' + _cell(r['command']) + '`' if r.get('command') else '-'} |")
    return head + "\n".join(lines) + "\n"


def _describe(m: dict[str, Any]) -> str:
    threads = m.get("torch_threads")
    return (f"{m.get('cpu')}, {m.get('cores')} cores, torch {m.get('torch')} "
            f"({threads} thread{'' if threads == 1 else 's'}), Python {m.get('python')}"
            + (f", GPU {m['cuda']}" if m.get("cuda") else ", no GPU"))


def _machines(results: dict[str, Any]) -> list[str]:
    """The distinct machines of the rows (a row without its own: the file's)."""
    out: list[str] = []
    for r in results["results"]:
        d = _describe(r.get("machine") or results.get("machine") or {})
        if d not in out:
            out.append(d)
    return out


def markdown(results: dict[str, Any]) -> str:
    """``benchmarks.md``: the machine, the date, one table per tier, the notes."""
    machines = _machines(results)
    parts = ["# Benchmarks\n",
             "Generated by `nnzoo bench` (do not edit by hand). Each row runs nnzoo and its "
             "peer on the same split, seed and budget in one process. *time ratio* = nnzoo "
             "time / peer time (below 1: nnzoo is faster). *command* reruns the row.\n",
             ("Machine: " + machines[0] if len(machines) == 1 else
              "Machines: " + "; ".join(machines)) + f". Updated {results.get('updated', '-')}.\n"]
    for tier in ("quick", "full"):
        rows = [r for r in results["results"] if r["tier"] == tier]
        if rows:
            what = ("embedded data, seconds per model" if tier == "quick"
                    else "the real benchmark tasks (`NNZOO_DATA`)")
            parts.append(f"## Tier `{tier}`: {what}\n\n{markdown_table(rows)}")
    notes = [f"- **{r['model']} / {r['tier']} / {r['task']}**: {_cell(r['notes'])} "
             f"({r.get('date', '-')})" for r in results["results"] if r.get("notes")]
    if notes:
        parts.append("## Notes\n\n" + "\n".join(notes) + "\n")
    figures = _figures(results, "")
    if figures:
        parts.append("## Figures\n\n" + figures.replace("](docs/", "]("))
    return "\n".join(parts)


def _figures(results: dict[str, Any], prefix: str) -> str:
    lines = [genealogy_table(results, t) for t in charted_tasks(results)]
    lines += [f"![{TRADEOFF_TASKS[t][1]}: test accuracy against parameters and against time per "
             f"epoch, one point per architecture]({prefix}docs/plots/{chart_name(t)})\n"
             for t in charted_tasks(results)]
    lines += [f"![{r['model']} / {r['task']}: {k}]({prefix}{v})\n"
             for r in results["results"] for k, v in sorted(r.get("extra", {}).items())
             if _is_plot(v)]
    return "\n".join(lines)


def _per_type_tables(results: dict[str, Any]) -> str:
    """One table per ``extra`` entry ending in ``per_type`` (entity type -> precision,
    recall, F1, gold count) of the full-tier rows, as the taggers' rows carry them."""
    parts = []
    for r in (r for r in results["results"] if r["tier"] == "full"):
        for k, table in sorted(r.get("extra", {}).items()):
            if not (k.endswith("per_type") and isinstance(table, dict) and table):
                continue
            lines = [f"`{r['model']}` / {r['task']}, `extra.{k}` (precision / recall / F1 "
                     "per entity type):\n",
                     "| type | gold | precision | recall | F1 |", "|---|---:|---:|---:|---:|"]
            for t, s in sorted(table.items(), key=lambda kv: -kv[1].get("gold", 0)):
                lines.append(f"| {_cell(t)} | {s.get('gold', '-')} | "
                             f"{_num(s.get('precision'), True)} | {_num(s.get('recall'), True)} "
                             f"| {_num(s.get('f1'), True)} |")
            parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def readme_section(results: dict[str, Any]) -> str:
    """The README's results section: every published row (losses and missing peers
    included), the machines, the figures and per-type tables the rows carry."""
    machines = _machines(results)
    out = ["",
           "Every figure below is a row of `nnzoo/bench/results.json`, generated by "
           "`nnzoo bench --report`; *command* reproduces the row. *vs peer*: nnzoo ahead of, "
           "level with or behind the peer on the row's metric. *time*: what was timed, nnzoo "
           "/ peer (their ratio; below 1 nnzoo is faster). The notes of each row are in "
           "[docs/benchmarks.md](docs/benchmarks.md).",
           "",
           ("Measured on " + machines[0] if len(machines) == 1 else
            "Measured on " + "; ".join(f"({i}) {m}" for i, m in enumerate(machines, 1)))
           + f"; updated {results.get('updated', '-')}.",
           "",
           "| model | tier | task | metric | nnzoo | peer | peer's | vs peer | time | budget "
           "and differences | measured | command |",
           "|---|---|---|---|---:|---|---:|---|---|---|---|---|"]
    for r in sorted(results["results"], key=lambda r: (r["tier"] != "full", r["model"],
                                                          r["task"])):
        pct = r["metric"] == "accuracy"
        when = r.get("date", "-")
        if len(machines) > 1:
            m = _describe(r.get("machine") or results.get("machine") or {})
            when += f" ({machines.index(m) + 1})"
        out.append(
            f"| {r['model']} | {r['tier']} | {_cell(r['task'])} | {_cell(r['metric'])} | "
            f"{_num(r['nnzoo'], pct)} | {_cell(r['peer'])} | "
            f"{_cell(r.get('status') or _num(r['peer_value'], pct))} | {standing(r)} | "
            f"{_cell(_timing(r))} | {_cell(r['budget'])} | {when} | "
            f"{'`' + _cell(r['command']) + '`' if r.get('command') else '-'} |")
    out.append("")
    figures = _figures(results, "")
    if figures:
        out += [figures]
    tables = _per_type_tables(results)
    if tables:
        out += [tables]
    return "\n".join(out) + "\n"
