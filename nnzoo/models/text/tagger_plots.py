"""Pictures of the CRF taggers: the learnt transition scores, and the entity scores by type
of the last evaluation."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nnzoo.core import plots
from nnzoo.models.text.scores import prf

if TYPE_CHECKING:
    from nnzoo.models.text.tagger import SequenceTagger


def plot_tagger(model: SequenceTagger, out_dir: Path) -> list[Path]:
    """The learnt transition scores (CRF), and per-type precision / recall / F1 bars of
    the last evaluation (the test split after ``nnzoo train``)."""
    out_dir = Path(out_dir)
    paths = []
    tags = list(model.config.tags)
    if model.use_crf:
        fig, ax = plots.subplots(figsize=(0.45 * len(tags) + 2.5,
                                              0.45 * len(tags) + 2))
        w = model.crf.transitions.detach().float().cpu().numpy()
        m = float(abs(w).max()) or 1.0
        im = ax.imshow(w, cmap="RdBu_r", vmin=-m, vmax=m)
        ax.set_xticks(range(len(tags)), tags, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(tags)), tags, fontsize=7)
        ax.set_xlabel("to tag")
        ax.set_ylabel("from tag")
        fig.colorbar(im, ax=ax, fraction=0.046)
        ax.set_title(f"{model.model_id}: transition scores A_ij", fontsize=9)
        paths.append(plots.save(fig, out_dir / "transitions.png"))
    scores = model.per_type_scores()
    if scores:
        names = list(scores)
        vals = np.array([scores[n][:3] for n in names]) * 100          # (n_types, 3)
        c = model.eval_counts
        p, r, f1 = prf(*(float(c[k].sum()) for k in ("correct", "found_guessed",
                                                      "found_gold")))
        fig, ax = plots.subplots(figsize=(1.1 * len(names) + 2.5, 3.6))
        xs = np.arange(len(names))
        for i, (lab, col) in enumerate(zip(("precision", "recall", "F1"),
                                           ("tab:blue", "tab:orange", "tab:green"))):
            ax.bar(xs + (i - 1) * 0.27, vals[:, i], 0.27, label=lab, color=col)
        ax.set_xticks(xs, [f"{n}\n({scores[n][3]})" for n in names], fontsize=8)
        ax.set_ylabel("%")
        ax.set_ylim(0, 100)
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)
        ax.set_title(f"{model.model_id}: entity scores by type (gold chunks in brackets); "
                     f"overall P {100 * p:.1f} R {100 * r:.1f} F1 {100 * f1:.1f}", fontsize=9)
        paths.append(plots.save(fig, out_dir / "entity_f1_by_type.png"))
    return paths


__all__ = ["plot_tagger"]
