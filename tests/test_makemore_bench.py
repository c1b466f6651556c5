"""The names.txt table's pieces: makemore's printout, the schedule, the scores, the budget."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
import torch

from nnzoo.bench.autoregressive.makemore import (
    ROWS,
    VALIDATION,
    build,
    chosen,
    learning_rate,
    makemore_loss,
    makemore_train_part,
    parse_makemore,
    schedule_text,
    steps_budget,
    token_loss,
    train_steps,
)
from nnzoo.core.errors import ConfigError
from nnzoo.data.base import ArrayDataset
from nnzoo.data.names import names

PRINTOUT = """{'input_file': 'names.txt'}
model #params: 69147
step 0 | loss 3.3717 | step time 64.61ms
step 10 | loss 2.8274 | step time 35.43ms
test loss 2.31 is the best so far, saving model to out/model.pt
step 500 train loss: 2.2968928813934326 test loss: 2.3112850189208984
step 1000 train loss: 2.20 test loss: 2.25
"""


def test_parse_makemore_reads_its_lines() -> None:
    run = parse_makemore(PRINTOUT, 12.5)
    assert run.params == 69147
    assert run.train == [(0, 3.3717), (10, 2.8274)]
    assert run.step_ms == [64.61, 35.43]
    assert run.evals == [(500, 2.3112850189208984), (1000, 2.25)]
    with pytest.raises(RuntimeError, match="no parameter count"):
        parse_makemore("nothing here", 1.0)


def test_cosine_schedule_by_hand() -> None:
    assert learning_rate(0, 100, ("cosine", 2e-3)) == 2e-3
    assert math.isclose(learning_rate(50, 100, ("cosine", 2e-3)), 1e-3)
    assert math.isclose(learning_rate(25, 100, ("cosine", 1.0)), (1 + math.sqrt(0.5)) / 2)
    assert learning_rate(73, 100, ("constant", 5e-4)) == 5e-4


def test_step_budget_must_meet_makemores_evaluation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NNZOO_MAKEMORE_STEPS", "1501")
    assert steps_budget() == 1501
    for bad in ("1500", "abc", "1"):
        monkeypatch.setenv("NNZOO_MAKEMORE_STEPS", bad)
        with pytest.raises(ConfigError, match="500 k \\+ 1"):
            steps_budget()


class _Fixed(torch.nn.Module):
    """Logits that put probability p on token 1 everywhere (2 tokens)."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logit = math.log(self.p / (1 - self.p))
        return torch.tensor([0.0, logit]).expand(*x.shape, 2)


def test_scores_by_hand() -> None:
    """Every batch holds the same share of targets 1, so the batch-mean figure equals the
    per-character one: -(3 ln p + ln(1 - p)) / 4 with p = 0.8."""
    y = torch.tensor([[1, 1, 1, 0, -1]] * 200)
    data = ArrayDataset(torch.zeros(200, 5, dtype=torch.long), y)
    want = -(3 * math.log(0.8) + math.log(0.2)) / 4
    m = _Fixed(0.8)
    assert math.isclose(token_loss(m, data), want, rel_tol=1e-6)  # type: ignore[arg-type]
    assert math.isclose(makemore_loss(m, data), want, rel_tol=1e-6)  # type: ignore[arg-type]


def test_training_steps_lower_the_loss_and_use_makemores_training_part() -> None:
    s = names("generated")
    train = makemore_train_part(s)
    assert len(train) == len(s.train) + len(s.val)
    m = build(ROWS["nplm"], s)
    before = makemore_loss(m, s.val)
    trace = train_steps(m, train, 60, chosen("nplm"), evaluate=None)
    assert len(trace.step_seconds) == 60 and [t for t, _ in trace.train][:2] == [0, 10]
    assert makemore_loss(m, s.val) < before - 0.3


def test_full_row_beside_a_stand_in_makemore(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    """The row's wiring on generated names, 21 steps, makemore replaced by a printout."""
    import nnzoo.bench.autoregressive.makemore as mm
    from nnzoo.bench import runner

    printout = PRINTOUT.replace("step 1000 train", "step 20 train")
    monkeypatch.setattr(mm, "names", lambda source: names("generated"))
    monkeypatch.setattr(mm, "steps_budget", lambda: 21)
    monkeypatch.setitem(mm.ROWS, "wavenet", dataclasses.replace(mm.ROWS["wavenet"], steps=21))
    monkeypatch.setattr(mm, "ensure", lambda source: tmp_path)
    monkeypatch.setattr(mm, "run_makemore",
                        lambda kind, steps, words: parse_makemore(printout, 3.0))
    token = runner._PLOTS.set(tmp_path / "plots")
    try:
        row = mm.full_row("nplm", quiet=True)
        published = mm.full_row("wavenet", quiet=True)
    finally:
        runner._PLOTS.reset(token)
    assert row.peer_value == 2.25 and row.nnzoo is not None and 2.0 < row.nnzoo < 3.5
    assert row.peer_time_s == pytest.approx(0.05002) and row.status == ""
    assert row.extra["nnzoo_params"] == row.extra["makemore_params"] == 69147
    assert Path(row.extra["plot"]).stat().st_size > 0
    assert published.peer_value == 1.993 and published.peer_time_s is None
    assert published.peer.startswith("published, not run")


def test_schedule_words_and_the_validation_choice() -> None:
    assert schedule_text(("constant", 5e-4), False) == "makemore's constant rate 5e-4 (not tuned)"
    assert schedule_text(("cosine", 2e-3), True) == ("a cosine decay from 0.002 to 0, chosen on "
                                                     "nnzoo's validation part")
    for model, scores in VALIDATION.items():
        kind, peak = chosen(model)
        assert scores[f"{kind} {peak:g}"] == min(scores.values())
