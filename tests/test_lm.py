"""The language models' shared base (:mod:`nnzoo.models.lm`): the next-token loss against
its formula computed position by position, the kept evaluation rows, and the target checks."""

from __future__ import annotations

import math

import pytest
import torch

from nnzoo.core.errors import InputError
from nnzoo.models import create
from nnzoo.models.lm import NextTokenLM, next_token_targets

V, T = 7, 6


def _models() -> dict[str, NextTokenLM]:
    torch.manual_seed(0)
    return {"gpt": create("gpt", sample_shape=(T,), vocab_size=V, context=T, n_layers=1,
                          n_heads=2, d_model=8),
            "nplm": create("nplm", sample_shape=(T,), vocab_size=V, block_size=2)}


@pytest.mark.parametrize("name", ["gpt", "nplm"])
def test_loss_is_the_mean_next_token_cross_entropy_over_scored_positions(name: str) -> None:
    m = _models()[name].eval()
    g = torch.Generator().manual_seed(1)
    x = torch.randint(0, V, (5, T), generator=g)
    y = torch.randint(0, V, (5, T), generator=g)
    y[0, 3:] = -1                                           # padding after a short word
    y[2, 5] = -1
    out = m.training_step((x, y))
    with torch.no_grad():
        logits = m(x)
    terms = [-math.log(float(torch.softmax(logits[b, t].double(), 0)[y[b, t]]))
             for b in range(5) for t in range(T) if y[b, t] >= 0]
    assert float(out["loss"].detach()) == pytest.approx(sum(terms) / len(terms), rel=1e-5)
    assert float(out["bits_per_char"]) == pytest.approx(float(out["loss"].detach()) / math.log(2))
    ev = m.evaluation_step((x, y))
    assert float(ev["loss"]) == pytest.approx(float(out["loss"].detach()), rel=1e-6)
    assert torch.equal(m._recent, x[:m.recent_rows])        # type: ignore[arg-type]
    assert torch.equal(m.predict(x), logits.argmax(-1))


@pytest.mark.parametrize(("y", "match"), [
    (None, r"y \(the next token of each position\) is missing"),
    (torch.zeros(2, 3), "token ids of shape"),
    (torch.zeros(2, 4, dtype=torch.long), r"of shape \(2, 3\)"),
    (torch.zeros(2, 3, dtype=torch.bool), "token ids of shape"),
    (torch.full((2, 3), 5), r"lie in \[0, 5\) or be -1"),
    (torch.full((2, 3), -2), r"lie in \[0, 5\) or be -1"),
    (torch.full((2, 3), -1), "all padding"),
])
def test_bad_targets_are_one_clear_error(y: torch.Tensor | None, match: str) -> None:
    x = torch.zeros(2, 3, dtype=torch.long)
    with pytest.raises(InputError, match="^lm-x targets|^lm-x trains") as e:
        next_token_targets("lm-x", x, y, 5)
    assert e.match(match) and "\n" not in str(e.value)
    ok = torch.tensor([[1, 2, -1], [0, 4, 3]])
    assert next_token_targets("lm-x", x, ok, 5) is ok
