"""``nnzoo site gallery OUT``: record each implemented model's plots and samples.

For every implemented id (or the ids asked for) the default recipe is trained offline,
in-process, with seed 0 on one CPU thread, in a temporary run folder
(:func:`nnzoo.recipes.runner.train`). The figures the run wrote (``learning_curve.png``,
``confusion_matrix.png`` and the model's ``visualize`` pictures) are copied to
``OUT/<id>/``; a reinforcement-learning agent's run writes ``return_curve.png`` and its
``visualize`` pictures, and the gallery adds ``episode.png``, four frames of one greedy
episode; for a generative text model a sample of text goes to ``OUT/<id>/samples.txt``
(the character language models through :func:`nnzoo.recipes.sampling.sample_run`, the
Markov chain from the text its ``visualize`` writes). ``OUT/gallery.json`` lists, per id,
the recipe, the command that records it again, the date, the run's test metrics and the
files. Rerunning for some ids updates their records and keeps the others.

Only ``OUT`` is written (atomically), and it must be absent, empty or a previous gallery.
The web pages read a gallery with :func:`load_gallery`: only the files its manifest lists,
plain names inside ``OUT/<id>/``, are ever shown or served.
"""

from __future__ import annotations

import json
import shlex
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from nnzoo.core.errors import InputError, UnknownNameError, UsageError
from nnzoo.core.io import atomic_write_bytes, atomic_write_json
from nnzoo.core.progress import progress
from nnzoo.core.seed import isolated_rng

MANIFEST = "gallery.json"
"""The manifest of a gallery folder."""
GENERATOR = "nnzoo site gallery"
SAMPLE = "samples.txt"
"""The file of a model's text sample."""
SAMPLE_CHARS = 400
"""Characters of text in a sample."""
FIGURE_SUFFIXES = (".png", ".svg")
SEED = 0


def _implemented() -> list[str]:
    from nnzoo.models import implemented_ids

    return list(implemented_ids())


def _safe_name(name: object) -> bool:
    """A plain file name: no folder part, no leading dot, nothing a URL would change."""
    return (isinstance(name, str) and bool(name) and "/" not in name and "\\" not in name
            and not name.startswith(".") and name == name.strip()
            and all(c.isalnum() or c in "._-" for c in name))


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The manifest of the gallery in ``out``: {} when ``out`` is absent or empty, None when
    ``out`` holds something that is not a gallery."""
    if not out.exists():
        return {}
    if not out.is_dir():
        raise UsageError(f"site gallery: {out} exists and is not a folder")
    if not any(out.iterdir()):
        return {}
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("generator") != GENERATOR \
            or not isinstance(data.get("models"), dict):
        return None
    return data


def _text_sample(ident: str, run_dir: Path, plots: Path) -> str | None:
    """A few hundred characters from a generative text model's run, or None."""
    from nnzoo.models import get_spec

    if callable(getattr(get_spec(ident).cls, "generate", None)):
        from nnzoo.recipes.sampling import sample_run

        try:
            return sample_run(run_dir, length=SAMPLE_CHARS, seed=SEED, device="cpu")
        except UsageError:  # a generator, but its default recipe is not a language model
            return None
    text = plots / "generated_text.txt"
    return text.read_text(encoding="utf-8")[:SAMPLE_CHARS] if text.is_file() else None


#: The still of an agent's greedy episode that the gallery adds.
EPISODE = "episode.png"
"""Four frames of one deterministic episode of a trained agent."""


@dataclass
class Recorded:
    """One model's recording: its manifest record and its files (name -> content)."""

    record: dict[str, Any]
    files: dict[str, bytes]


def record_model(ident: str, command: str) -> Recorded:
    """Train ``ident``'s default recipe (seed 0, one CPU thread, a temporary run folder) and
    gather its figures, its text sample and its manifest record.

    The global generators and torch's thread count are given back afterwards
    (:func:`~nnzoo.core.seed.isolated_rng`).

    :param ident: an implemented model id.
    :param command: the command that records it again (kept in the record).
    """
    from nnzoo.models import get_spec
    from nnzoo.recipes.base import get_recipe
    from nnzoo.recipes.runner import RunOptions, episode_still, train

    recipe = get_recipe(ident, None)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nnzoo-gallery-") as tmp, isolated_rng(SEED):
        torch.set_num_threads(1)
        summary = train(ident, None, options=RunOptions(seed=SEED, device="cpu", out=tmp,
                                                         quiet=True))
        run_dir = Path(summary["run_dir"])
        plots = run_dir / "plots"
        if get_spec(ident).learning == "environment":
            episode_still(run_dir, plots / EPISODE, seed=SEED)
        files = {p.name: p.read_bytes() for p in sorted(plots.iterdir())
                 if p.is_file() and p.suffix.lower() in FIGURE_SUFFIXES and _safe_name(p.name)}
        sample = _text_sample(ident, run_dir, plots)
    if sample is not None:
        files[SAMPLE] = sample.encode("utf-8")
    test = summary.get("test") or {}
    record = {
        "id": ident, "recipe": recipe.name, "dataset": recipe.dataset,
        "train_command": f"nnzoo train {ident}", "command": command,
        "date": time.strftime("%Y-%m-%d", time.gmtime()), "seed": SEED,
        "metric": recipe.metric, "test_metric": test.get(recipe.metric),
        "test": test, "epochs": summary.get("epochs"),
        "seconds": round(time.perf_counter() - t0, 1),
        "figures": [n for n in files if n != SAMPLE],
        "sample": SAMPLE if sample is not None else None,
    }
    return Recorded(record, files)


def record_gallery(out: str | Path, ids: Iterable[str] | None = None, *,
                   quiet: bool = False) -> dict[str, Any]:
    """Record the gallery of ``ids`` (default: every implemented model) into ``out`` and
    return the manifest written to ``out/gallery.json``.

    :param out: the gallery folder: absent, empty or a previous gallery (its other models'
        records are kept; a re-recorded model's old files that are no longer written are
        removed).
    :param ids: model ids or aliases; each must be implemented.
    :param quiet: no progress bar.
    :raises UsageError: ``out`` is a file, holds something other than a gallery, or is
        inside the package.
    :raises UnknownNameError: an id that nnzoo does not implement.
    """
    from nnzoo.models import get_spec

    given = Path(out)
    out = given.resolve()
    package = Path(__file__).resolve().parent.parent
    if out.is_relative_to(package):
        raise UsageError(f"site gallery: {out} is inside the nnzoo package ({package}); "
                         "give a folder outside it, such as docs/gallery")
    previous = read_manifest(out)
    if previous is None:
        raise UsageError(f"site gallery: {out} is not empty and holds no {MANIFEST} of a "
                         "previous gallery; give an empty or new folder")
    implemented = _implemented()
    wanted: list[str] = []
    for name in (implemented if ids is None else list(ids)):
        try:
            ident = get_spec(name).id
        except KeyError:
            ident = name
        if ident not in implemented:
            raise UnknownNameError("implemented model", name, implemented)
        if ident not in wanted:
            wanted.append(ident)
    if not wanted:
        raise UsageError("site gallery: no model id given")
    models: dict[str, Any] = dict(previous.get("models", {}))
    manifest: dict[str, Any] = {"generator": GENERATOR, "models": models}
    bar = progress(wanted, desc="gallery", unit="model", quiet=quiet)
    for ident in bar:
        bar.set_postfix({"model": ident})
        command = shlex.join(["nnzoo", "site", "gallery", str(given), "--id", ident])
        done = record_model(ident, command)
        folder = out / ident
        for name, content in done.files.items():
            atomic_write_bytes(folder / name, content)
        old = models.get(ident, {})
        for name in [*old.get("figures", []), old.get("sample")]:
            if _safe_name(name) and name not in done.files and (folder / name).is_file():
                (folder / name).unlink()
        models[ident] = done.record
        manifest["models"] = dict(sorted(models.items()))
        atomic_write_json(out / MANIFEST, manifest)  # after each model: partial work kept
    bar.close()
    return manifest


# ---------------------------------------------------------------------- reading, for the site
def load_gallery(root: str | Path) -> dict[str, dict[str, Any]]:
    """The gallery in folder ``root`` as the pages show it: per id, its record with
    ``figure_paths`` (name -> path) and ``sample_text`` added. Only the files the manifest
    lists, that are plain names and exist inside ``root/<id>/``, are kept.

    :raises InputError: ``root`` is not a folder holding a readable ``gallery.json``.
    """
    root = Path(root).resolve()
    path = root / MANIFEST
    if not path.is_file():
        raise InputError(f"gallery {root}: expected a folder holding {MANIFEST} (made by "
                         "'nnzoo site gallery'), found none")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InputError(f"gallery {path}: not readable JSON ({e})") from None
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise InputError(f"gallery {path}: expected an object with a 'models' object")
    found: dict[str, dict[str, Any]] = {}
    for ident, rec in data["models"].items():
        if not isinstance(rec, dict) or not _safe_name(ident):
            continue
        folder = root / ident

        def listed(name: object, folder: Path = folder) -> Path | None:
            if not _safe_name(name):
                return None
            p = (folder / str(name)).resolve()
            return p if p.is_file() and p.parent == folder else None

        figures = {}
        for name in rec.get("figures") or []:
            p = listed(name)
            if p is not None and p.suffix.lower() in FIGURE_SUFFIXES:
                figures[str(name)] = p
        sample = listed(rec.get("sample"))
        found[ident] = {
            **{k: v for k, v in rec.items() if isinstance(k, str)},
            "figure_paths": figures,
            "sample_text": sample.read_text(encoding="utf-8", errors="replace")
            if sample else None,
        }
    return found


def figure_title(name: str) -> str:
    """Words for a figure's file name: ``learning_curve.png`` -> ``learning curve``."""
    return Path(name).stem.replace("_", " ").replace("-", " ")


__all__ = ["MANIFEST", "load_gallery", "record_gallery", "record_model", "figure_title"]
