"""The neural probabilistic language model (Bengio et al. 2003) against its formula, makemore's
MLP, and the causal property; padded language-model targets in the recurrent networks."""

from __future__ import annotations

import importlib.util
import math
import os
from pathlib import Path
from types import ModuleType

import pytest
import torch
import torch.nn.functional as F
from conftest import Cli

from nnzoo.core.errors import ConfigError, InputError
from nnzoo.data.names import encode_words
from nnzoo.models import create
from nnzoo.models.autoregressive.nplm import NPLM
from nnzoo.models.autoregressive.nplm_plots import embedding_projection


def _model(**hp: object) -> NPLM:
    torch.manual_seed(0)
    base: dict[str, object] = {"sample_shape": (6,), "vocab_size": 5, "block_size": 3,
                               "embed_dim": 2, "hidden_size": 4}
    m = create("nplm", **{**base, **hp})
    assert isinstance(m, NPLM)
    return m


def _by_hand(m: NPLM, x: list[int], t: int) -> torch.Tensor:
    """y = b + U tanh(d + H e) (+ W e), e = [C(x_t), C(x_{t-1}), ...], blanks before 0."""
    c = m.config
    ctx = []
    for j in range(c.block_size):
        i = t - j
        ctx.append(x[i] if i >= 0 else c.vocab_size)
    if c.boundary >= 0:
        for j in range(1, c.block_size):
            if c.boundary in ctx[:j]:
                ctx[j] = c.vocab_size
    C = m.embedding.weight
    e = torch.cat([C[k] for k in ctx])
    y = m.out.bias + m.out.weight @ torch.tanh(m.hidden.bias + m.hidden.weight @ e)
    if m.direct is not None:
        y = y + m.direct.weight @ e
    return y


@pytest.mark.parametrize("hp", [{}, {"direct": True}, {"boundary": 0}, {"block_size": 1}])
def test_logits_equal_the_papers_formula(hp: dict[str, object]) -> None:
    m = _model(**hp)
    x = [0, 3, 1, 0, 4, 2]
    with torch.no_grad():
        out = m(torch.tensor([x]))[0]
        for t in range(len(x)):
            assert torch.allclose(out[t], _by_hand(m, x, t), atol=1e-6)


def test_contexts_by_hand() -> None:
    m = _model(boundary=0)
    ctx = m.contexts(torch.tensor([[2, 0, 3, 4, 0, 1]]))[0].tolist()
    B = 5                                                       # the blank id
    assert ctx == [[2, B, B], [0, B, B], [3, 0, B], [4, 3, 0], [0, B, B], [1, 0, B]]
    m = _model()
    assert m.contexts(torch.tensor([[2, 0, 3]]))[0].tolist() == [[2, B, B], [0, 2, B],
                                                                 [3, 0, 2]]


def test_output_at_t_ignores_later_inputs() -> None:
    m = _model(block_size=4)
    x = torch.randint(0, 5, (3, 6), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        base = m(x)
        for t in range(5):
            changed = x.clone()
            changed[:, t + 1:] = (changed[:, t + 1:] + 1) % 5
            out = m(changed)
            assert torch.equal(out[:, :t + 1], base[:, :t + 1])
            assert not torch.equal(out[:, t + 1:], base[:, t + 1:])


def test_loss_ignores_padding_and_learns() -> None:
    m = _model(sample_shape=(4,), vocab_size=27, block_size=2, embed_dim=3, hidden_size=8)
    X, y = encode_words(["ab", "c"], 4)                          # y pads with -1
    with torch.no_grad():
        logp = torch.log_softmax(m(X), -1)
    picked = [-float(logp[i, t, y[i, t]]) for i in range(2) for t in range(4) if y[i, t] >= 0]
    loss = m.training_step((X, y))["loss"].detach()
    assert len(picked) == 5 and math.isclose(float(loss), sum(picked) / 5, rel_tol=1e-6)
    opt = torch.optim.Adam(m.parameters(), lr=0.05)
    for _ in range(200):
        opt.zero_grad()
        m.training_step((X, y))["loss"].backward()
        opt.step()
    assert float(m.evaluation_step((X, y))["loss"]) < 0.75            # ln 27 = 3.3 at start


def test_bad_input_is_one_clear_error() -> None:
    with pytest.raises(ConfigError, match="block_size .* must be >= 1"):
        create("nplm", block_size=0)
    with pytest.raises(ConfigError, match="boundary must be"):
        create("nplm", vocab_size=5, boundary=5)
    m = _model()
    with pytest.raises(InputError, match="shape"):
        m(torch.zeros(6, dtype=torch.long))
    with pytest.raises(InputError, match=r"token ids in \[0, 5\)"):
        m(torch.tensor([[0, 1, 2, 3, 4, 5]]))
    x = torch.zeros(1, 6, dtype=torch.long)
    with pytest.raises(InputError, match="or be -1"):
        m.training_step((x, torch.full((1, 6), -2)))
    with pytest.raises(InputError, match="all padding"):
        m.training_step((x, torch.full((1, 6), -1)))
    with pytest.raises(InputError, match="y .* is missing"):
        m.training_step((x, None))
    with pytest.raises(InputError, match="prime_ids must lie"):
        m.generate(torch.tensor([7]), 3)
    with pytest.raises(ConfigError, match="temperature"):
        m.generate(torch.tensor([1]), 3, temperature=0.0)


def test_generation_is_seeded_and_restarts_at_the_boundary() -> None:
    m = _model(boundary=0)
    a = m.generate(torch.tensor([0]), 30, seed=3)
    assert torch.equal(a, m.generate(torch.tensor([0]), 30, seed=3))
    assert a.shape == (31,) and int(a.min()) >= 0 and int(a.max()) < 5
    with torch.no_grad():                      # after a boundary the past is forgotten
        after = m(torch.tensor([[3, 2, 0]]))[0, -1]
        fresh = m(torch.tensor([[0]]))[0, -1]
    assert torch.allclose(after, fresh, atol=1e-6)
    greedy = m.generate(torch.tensor([[0], [0]]), 5, top_k=1, seed=None)
    assert torch.equal(greedy[0], greedy[1])


def test_embedding_projection_is_pca() -> None:
    C = torch.tensor([[1.0, 1.0, 0.0], [-1.0, -1.0, 0.0], [0.0, 0.0, 0.5], [0.0, 0.0, -0.5]])
    P = embedding_projection(C)
    assert P.shape == (4, 2)
    assert torch.allclose(P[:, 0].abs(), torch.tensor([2 ** 0.5, 2 ** 0.5, 0, 0]).double())
    assert torch.allclose(P[:, 1].abs(), torch.tensor([0, 0, 0.5, 0.5]).double())


def _makemore() -> ModuleType:
    path = Path(os.environ.get("NNZOO_PEERS", "")) / "makemore" / "makemore.py"
    if not os.environ.get("NNZOO_PEERS") or not path.exists():
        pytest.skip("set NNZOO_PEERS to the folder holding makemore/makemore.py")
    spec = importlib.util.spec_from_file_location("makemore_peer", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_same_weights_give_makemores_mlp_logits() -> None:
    """makemore's ``MLP`` with nnzoo's weights computes the same logits at every predicted
    step, and the same loss."""
    mm = _makemore()
    m = _model(sample_shape=(16,), vocab_size=27, block_size=16, embed_dim=64, hidden_size=64,
               boundary=0)
    theirs = mm.MLP(mm.ModelConfig(block_size=16, vocab_size=27, n_embd=64, n_embd2=64))
    with torch.no_grad():
        theirs.wte.weight.copy_(m.embedding.weight)
        theirs.mlp[0].weight.copy_(m.hidden.weight)
        theirs.mlp[0].bias.copy_(m.hidden.bias)
        theirs.mlp[2].weight.copy_(m.out.weight)
        theirs.mlp[2].bias.copy_(m.out.bias)
    X, y = encode_words(["emma", "olivia", "x", "abcdefghijklmno"], 16)
    with torch.no_grad():
        logits, loss = theirs(X.clone(), y)
        keep = y >= 0               # past the end marker the boundary makes them differ
        assert torch.allclose(m(X)[keep], logits[keep], atol=1e-5)
        assert math.isclose(float(m.evaluation_step((X, y))["loss"]), float(loss),
                            rel_tol=1e-5)


@pytest.mark.parametrize("cell", ["rnn", "gru"])
def test_recurrent_lm_ignores_padded_targets(cell: str) -> None:
    torch.manual_seed(0)
    m = create(cell, task="lm", sample_shape=(4,), vocab_size=27, embed_dim=4, hidden_size=5)
    X, y = encode_words(["ab", "c"], 4)
    with torch.no_grad():
        logits = m(X)
    keep = y >= 0
    want = F.cross_entropy(logits[keep], y[keep])
    assert math.isclose(float(m.training_step((X, y))["loss"]), float(want), rel_tol=1e-5)
    assert math.isclose(float(m.evaluation_step((X, y))["loss"]), float(want), rel_tol=1e-5)
    with pytest.raises(InputError, match="all padding"):
        m.training_step((X, torch.full_like(y, -1)))


def test_train_offline_then_sample_prints_names(cli: Cli, tmp_path: Path) -> None:
    """``nnzoo train nplm`` runs offline (generated names); ``nnzoo sample`` prints names one
    a line, the end marker shown as a newline."""
    code, _, err = cli("train", "nplm", "--epochs", "3", "--out", str(tmp_path), "--quiet")
    assert code == 0, err
    (run,) = tmp_path.iterdir()
    assert (run / "plots" / "embedding.png").stat().st_size > 0
    code, out, err = cli("sample", str(run), "--length", "120", "--seed", "1")
    assert code == 0, err
    words = out.split()
    assert out.startswith("\n") and len(words) >= 5
    assert all(w.isalpha() and w.islower() for w in words)
    assert len(set(words)) > 1
    code, _, err = cli("sample", str(run), "--prime", "Anna")
    assert code == 2 and "not in the vocabulary" in err
