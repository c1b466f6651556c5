"""The generative family's hyperparameter selections (``select-*`` benchmark tasks): each
applies its written rule to validation figures only, never reads the test split, and records
every candidate in its row."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from nnzoo.bench.generative import autoencoders, beta_vae
from nnzoo.bench.generative.selection import NO_PEER
from nnzoo.bench.runner import tasks
from nnzoo.data import load_dataset
from nnzoo.data.base import ArrayDataset, Splits


class _Sealed:
    """A split that fails the test on any use: a selection must never read the test split."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"a selection read the test split ({name})")

    def __len__(self) -> int:
        raise AssertionError("a selection read the test split (len)")


def _digits_without_test(n_train: int = 256) -> Splits:
    """Digits with a small training split (a fast fit) and a sealed test split."""
    s = load_dataset("digits")
    assert s.train.y is not None
    s = dataclasses.replace(s, train=ArrayDataset(s.train.X[:n_train], s.train.y[:n_train]))
    object.__setattr__(s, "test", _Sealed())
    return s


@pytest.fixture
def sealed(monkeypatch: pytest.MonkeyPatch) -> None:
    splits = _digits_without_test()
    for module in (autoencoders, beta_vae):
        monkeypatch.setattr(module, "load_dataset", lambda name: splits)


def _check_row(row: Any, candidates: set[str]) -> None:
    assert row.peer == NO_PEER and row.peer_value is None and row.status == ""
    assert row.extra["split"] == "validation"
    assert set(row.extra["candidates"]) == candidates
    outcome = ("no candidate met the rule" if row.extra["chosen"] is None
               else f"chosen: {row.extra['chosen']}")
    assert row.extra["rule"] in row.notes and outcome in row.notes


def test_selection_tasks_are_registered() -> None:
    names = {(t.model, t.tier, t.task) for tier in ("quick", "full") for t in tasks(tier=tier)}
    assert {("beta-vae", "quick", "select-beta-digits"),
            ("dae", "quick", "select-init-sdae-digits"),
            ("dae", "full", "select-init-sdae-mnist"),
            ("sae", "quick", "select-loss-digits"),
            ("sae", "full", "select-loss-mnist")} <= names


def test_beta_rule_takes_the_largest_beta_that_still_codes() -> None:
    c = {f"{b:g}": {"beta": b, "validation_kl": kl}
         for b, kl in ((1.5, 2.0), (2.0, 0.5), (3.0, 0.49), (4.0, 0.6), (6.0, 0.01))}
    assert beta_vae.largest_coding_beta(c) == 4.0           # not the first to drop below
    assert beta_vae.largest_coding_beta(c, min_kl=0.55) == 4.0
    assert beta_vae.largest_coding_beta(c, min_kl=0.7) == 1.5
    assert beta_vae.largest_coding_beta(c, min_kl=3.0) is None


def test_loss_rule_takes_the_closest_to_rho_and_breaks_ties_by_mse() -> None:
    def cand(d: float, mse: float) -> dict[str, float]:
        return {"distance_to_rho": d, "validation_mse": mse}

    assert autoencoders.closest_to_rho({"gaussian": cand(0.01, 0.02),
                                        "bernoulli": cand(0.002, 0.03)}) == "bernoulli"
    assert autoencoders.closest_to_rho({"gaussian": cand(0.00205, 0.02),
                                        "bernoulli": cand(0.002, 0.03)}) == "gaussian"
    assert autoencoders.closest_to_rho({"gaussian": cand(0.00205, 0.02),
                                        "bernoulli": cand(0.002, 0.03)}, tie=0.0) == "bernoulli"


def test_beta_selection_reads_validation_only_and_applies_its_rule(sealed: None) -> None:
    row = beta_vae.select_beta_digits(quiet=True)
    _check_row(row, {"1.5", "2", "3", "4", "6"})
    kls = {k: c["validation_kl"] for k, c in row.extra["candidates"].items()}
    assert all(v >= 0 for v in kls.values())
    coding = [float(k) for k, v in kls.items() if v >= beta_vae.MIN_KL]
    assert row.nnzoo == (max(coding) if coding else None)


def test_init_selection_reads_validation_only_and_applies_its_rule(sealed: None) -> None:
    row = autoencoders.select_init_sdae_digits(quiet=True)
    _check_row(row, {"torch", "glorot"})
    acc = {k: c["validation_accuracy"] for k, c in row.extra["candidates"].items()}
    assert all(0 <= a <= 1 for a in acc.values())
    chosen = row.extra["chosen"]
    assert acc[chosen] == max(acc.values()) and row.nnzoo == acc[chosen]
    assert f"({chosen})" in row.metric


def test_loss_selection_reads_validation_only_and_applies_its_rule(sealed: None) -> None:
    row = autoencoders.select_loss_digits(quiet=True)
    _check_row(row, {"gaussian", "bernoulli"})
    c = row.extra["candidates"]
    for v in c.values():
        assert 0 < v["validation_mean_activation"] < 1 and v["validation_mse"] > 0
        assert v["distance_to_rho"] == pytest.approx(abs(v["validation_mean_activation"] - 0.05))
    assert row.extra["chosen"] == autoencoders.closest_to_rho(c)
    assert row.nnzoo == c[row.extra["chosen"]]["validation_mean_activation"]
