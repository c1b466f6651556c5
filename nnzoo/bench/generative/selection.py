"""Hyperparameter selections recorded as benchmark rows.

A recipe's choice that is not fixed by the paper is made on the validation split only, by a
rule written before any figure is seen; the selection is a benchmark task, so the choice has a
row and a command that reruns it. A selection row has no peer (``peer`` says so), reports the
chosen value (or the chosen candidate's validation figure, its metric naming the candidate) as
its figure and every candidate's validation figures in ``extra``. A selection never computes a
test figure: its functions receive only the training and validation splits.
"""

from __future__ import annotations

from typing import Any

from nnzoo.bench.runner import BenchResult

#: The peer column of every selection row.
NO_PEER = "none: a selection on validation data"


def selection_row(model: str, tier: str, task: str, metric: str, higher_is_better: bool,
                  figure: float | None, seconds: float, budget: str, rule: str,
                  candidates: dict[str, dict[str, float]], chosen: str | None,
                  notes: str = "") -> BenchResult:
    """The row of a selection.

    :param metric: what ``figure`` is (e.g. ``"chosen beta"``).
    :param higher_is_better: the metric's direction (only read by the report's layout: a
        selection has no peer to be ahead of).
    :param figure: the chosen value, or the chosen candidate's validation figure; ``None``
        when no candidate met the rule.
    :param seconds: the whole selection's wall time (every candidate's fit and scoring).
    :param budget: each candidate's training set-up.
    :param rule: the rule, as written before the selection ran.
    :param candidates: each candidate's validation figures, by the candidate's name.
    :param chosen: the chosen candidate's name, ``None`` when none met the rule.
    :param notes: more to say (appended after the rule and the outcome).
    """
    outcome = f"chosen: {chosen}" if chosen is not None else "no candidate met the rule"
    extra: dict[str, Any] = {"candidates": candidates, "chosen": chosen, "rule": rule,
                             "split": "validation"}
    text = f"rule: {rule}; {outcome}" + (f". {notes}" if notes else "")
    return BenchResult(model, tier, task, metric, higher_is_better, NO_PEER, figure, None,
                       seconds, None, "the whole selection (every candidate)", budget,
                       notes=text, extra=extra)


__all__ = ["NO_PEER", "selection_row"]
