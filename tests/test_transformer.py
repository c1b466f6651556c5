"""The decoder-only Transformers (``transformer``, ``gpt``): attention against its formula on
a hand-computed case, the fused kernel against the explicit softmax, the causal mask,
position tables, weight tying, nanoGPT's initialisation and parameter count, the
warm-up-cosine schedule against nanoGPT's ``get_lr``, nanoGPT's split, and the bad-input
errors."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from conftest import Cli

from nnzoo.core.config import TrainConfig, build_scheduler, warmup_cosine
from nnzoo.core.errors import ConfigError, InputError
from nnzoo.models import create
from nnzoo.models.attention.blocks import (
    attention,
    causal_mask,
    explicit_attention,
    sinusoidal_positions,
)
from nnzoo.models.attention.decoder import DecoderLM

IDS = ("transformer", "gpt")


def _model(mid: str, **hp: object) -> DecoderLM:
    base: dict[str, object] = {"vocab_size": 11, "n_layers": 2, "n_heads": 2, "d_model": 16,
                               "context": 12, "sample_shape": (12,), "dropout": 0.0}
    model = create(mid, **{**base, **hp})
    assert isinstance(model, DecoderLM)
    return model.eval()


# -- the attention formula -------------------------------------------------------------------

def test_attention_on_a_hand_computed_case() -> None:
    """Two positions, d = 1: q = k = (1, 2), v = (10, 20). Scores q_i k_j / sqrt(1):
    row 0 sees only key 0 (causal) -> output 10; row 1: scores (2, 4), weights
    (1, e^2) / (1 + e^2), output (10 + 20 e^2) / (1 + e^2)."""
    q = k = torch.tensor([[1.0], [2.0]])
    v = torch.tensor([[10.0], [20.0]])
    out, w = explicit_attention(q, k, v, causal_mask(2))
    e2 = math.exp(2.0)
    assert w.tolist()[0] == [1.0, 0.0]
    assert w[1].tolist() == pytest.approx([1 / (1 + e2), e2 / (1 + e2)])
    assert out[:, 0].tolist() == pytest.approx([10.0, (10 + 20 * e2) / (1 + e2)])
    # without a mask: row 0 scores (1, 2) -> weights (1, e) / (1 + e)
    out, _ = explicit_attention(q, k, v)
    assert float(out[0, 0]) == pytest.approx((10 + 20 * math.e) / (1 + math.e))
    # the scaling by sqrt(d): d = 4, q = k = (1, 1, 1, 1) / 1 and a second key twice as long
    q4 = torch.ones(1, 4)
    k4 = torch.stack([torch.ones(4), 2 * torch.ones(4)])
    _, w4 = explicit_attention(q4, k4, v)
    assert w4[0].tolist() == pytest.approx([1 / (1 + math.exp(2)), 1 / (1 + math.exp(-2))])


def test_fused_kernel_equals_the_explicit_formula() -> None:
    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(3, 2, 7, 5, generator=g) for _ in range(3))
    fused = attention(q, k, v, causal=True)
    explicit, w = explicit_attention(q, k, v, causal_mask(7))
    assert torch.allclose(fused, explicit, atol=1e-6)
    assert torch.allclose(w.sum(-1), torch.ones(3, 2, 7))
    assert bool((w.triu(1) == 0).all())                        # nothing after the query


def test_causal_mask_layout() -> None:
    m = causal_mask(3)
    assert (m == 0).tolist() == [[True, False, False], [True, True, False], [True, True, True]]
    assert bool(torch.isinf(m[0, 1])) and m[0, 1] < 0
    # the last 2 queries of 4 positions: query 0 is position 2
    assert (causal_mask(2, 4) == 0).tolist() == [[True, True, True, False], [True] * 4]


@pytest.mark.parametrize("mid", IDS)
@pytest.mark.parametrize("norm", ["pre", "post"])
def test_output_at_t_ignores_later_inputs(mid: str, norm: str) -> None:
    if mid == "gpt" and norm == "post":
        pytest.skip("gpt is pre-norm only")
    model = _model(mid, norm=norm)
    g = torch.Generator().manual_seed(1)
    x = torch.randint(0, 11, (2, 12), generator=g)
    y = x.clone()
    y[:, 6:] = torch.randint(0, 11, (2, 6), generator=g)        # change every step from 6 on
    a, b = model(x), model(y)
    assert torch.allclose(a[:, :6], b[:, :6], atol=1e-6)
    assert not torch.allclose(a[:, 6:], b[:, 6:])              # the later outputs do change
    maps = model.attention_maps(x)
    assert maps.shape == (2, 2, 2, 12, 12) and bool((maps.triu(1) == 0).all())


def test_module_attention_equals_the_formula_per_head() -> None:
    """CausalSelfAttention = Concat_i softmax(Q_i K_i^T / sqrt(d/h) + M) V_i, then W^O."""
    model = _model("transformer", bias=True)
    att = model.blocks[0].attn
    x = torch.randn(2, 5, 16, generator=torch.Generator().manual_seed(2))
    q, k, v = att.qkv(x).split(16, dim=2)
    heads = []
    for i in range(2):
        sl = slice(8 * i, 8 * i + 8)
        heads.append(explicit_attention(q[..., sl], k[..., sl], v[..., sl], causal_mask(5))[0])
    want = att.proj(torch.cat(heads, dim=-1))
    assert torch.allclose(att(x), want, atol=1e-6)


# -- positions, tying, initialisation --------------------------------------------------------

def test_sinusoidal_table_formula() -> None:
    pe = sinusoidal_positions(5, 6)
    t, i = 3, 1                                                # PE(t, 2i), PE(t, 2i + 1)
    assert float(pe[t, 2 * i]) == pytest.approx(math.sin(t / 10000 ** (2 * i / 6)), abs=1e-6)
    assert float(pe[t, 2 * i + 1]) == pytest.approx(math.cos(t / 10000 ** (2 * i / 6)),
                                                    abs=1e-6)
    model = _model("transformer", positions="sinusoidal")
    assert model.pos is None and not any("pos" in k for k in model.state_dict())


def test_sequence_longer_than_the_position_table_is_one_clear_error() -> None:
    model = _model("gpt")
    with pytest.raises(InputError, match=r"longer than the position table.*at most context "
                                         r"= 12"):
        model(torch.zeros(1, 13, dtype=torch.long))
    assert model(torch.zeros(1, 12, dtype=torch.long)).shape == (1, 12, 11)
    assert model(torch.zeros(1, 3, dtype=torch.long)).shape == (1, 3, 11)  # shorter is fine


@pytest.mark.parametrize("mid", IDS)
def test_context_of_zero_and_other_bad_configs(mid: str) -> None:
    with pytest.raises(ConfigError, match="context must be >= 1"):
        _model(mid, context=0)
    with pytest.raises(ConfigError, match="do not fit the context"):
        _model(mid, context=8)                                # samples of 12 tokens
    with pytest.raises(ConfigError, match="multiple of n_heads"):
        _model(mid, n_heads=3)
    with pytest.raises(ConfigError, match="vocab_size >= 2"):
        _model(mid, vocab_size=0)
    with pytest.raises(ConfigError, match="pre-norm"):
        _model("gpt", norm="post")


@pytest.mark.parametrize("mid", IDS)
def test_weight_tying_shares_one_tensor(mid: str) -> None:
    tied = _model(mid, tie_weights=True)
    assert tied.tok.weight is tied.head.weight
    assert tied.tok.weight.data_ptr() == tied.head.weight.data_ptr()
    n_tied = sum(p.numel() for p in tied.parameters())
    free = _model(mid, tie_weights=False)
    assert free.tok.weight is not free.head.weight
    assert sum(p.numel() for p in free.parameters()) == n_tied + 11 * 16
    # one gradient reaches the shared tensor from both uses
    tied.train()
    x = torch.randint(0, 11, (2, 12))
    tied.training_step((x, x))["loss"].backward()
    assert tied.head.weight.grad is not None and tied.tok.weight.grad is tied.head.weight.grad


def test_gpt_matches_nanogpt_parameter_count_and_init() -> None:
    """nanoGPT's CPU set-up (4 x 4 heads x 128, context 64, 65 characters, no biases):
    804,096 parameters (wte 65 x 128 + wpe 64 x 128 + 4 x (2 x 128 + 128 x 384 + 128 x 128
    + 2 x 128 x 512) + 128), residual projections at std 0.02 / sqrt(8)."""
    torch.manual_seed(0)
    model = create("gpt", vocab_size=65, n_layers=4, n_heads=4, d_model=128, context=64,
                   bias=False)
    want = 65 * 128 + 64 * 128 + 4 * (2 * 128 + 128 * 384 + 128 * 128 + 2 * 128 * 512) + 128
    assert sum(p.numel() for p in model.parameters()) == want == 804_096
    stds = {n: float(p.detach().std()) for n, p in model.named_parameters() if p.dim() == 2}
    assert stds["blocks.0.attn.proj.weight"] == pytest.approx(0.02 / math.sqrt(8), rel=0.05)
    assert stds["blocks.0.mlp.fc.weight"] == pytest.approx(0.02, rel=0.05)
    assert not any(n.endswith("bias") for n, _ in model.named_parameters())


def test_weight_decay_only_on_matrices() -> None:
    model = _model("transformer", bias=True)
    (opt,) = model.configure_optimizers(TrainConfig(optimizer="adamw", weight_decay=0.1,
                                                    betas=(0.9, 0.99)))
    decayed, plain = opt.param_groups
    assert decayed["weight_decay"] == 0.1 and plain["weight_decay"] == 0.0
    assert all(p.dim() == 2 for p in decayed["params"])
    assert all(p.dim() == 1 for p in plain["params"]) and plain["params"]
    assert decayed["betas"] == (0.9, 0.99)
    n = sum(p.numel() for g in opt.param_groups for p in g["params"])
    assert n == sum(p.numel() for p in model.parameters())


def test_warmup_cosine_is_nanogpts_get_lr() -> None:
    """nanoGPT's get_lr (train.py) with learning_rate 1e-3, min_lr 1e-4, warmup_iters 100,
    lr_decay_iters 2000, written out here, against the scheduler's rate at each step."""
    def get_lr(it: int) -> float:
        if it < 100:
            return 1e-3 * (it + 1) / (100 + 1)
        if it > 2000:
            return 1e-4
        ratio = (it - 100) / (2000 - 100)
        return 1e-4 + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (1e-3 - 1e-4)

    cfg = TrainConfig(epochs=1, lr=1e-3, optimizer="adamw", scheduler="warmup-cosine",
                      warmup_steps=100, min_lr=1e-4)
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.AdamW([p], lr=cfg.lr)
    sched, unit = build_scheduler(opt, cfg, steps_per_epoch=2000)
    assert unit == "step" and sched is not None
    for it in range(2000):
        assert opt.param_groups[0]["lr"] == pytest.approx(get_lr(it), rel=1e-9, abs=1e-15)
        opt.step()
        sched.step()
    assert warmup_cosine(2001, 1e-3, 1e-4, 100, 2000) == 1e-4
    with pytest.raises(ConfigError, match="min_lr"):
        TrainConfig(lr=1e-3, min_lr=1e-2)
    with pytest.raises(ConfigError, match="betas"):
        TrainConfig(betas=(0.9,))


# -- generation, bad input, the split ------------------------------------------------------------

@pytest.mark.parametrize("mid", IDS)
def test_generate(mid: str) -> None:
    model = _model(mid)
    a = model.generate(torch.tensor([1, 2, 3]), 20, temperature=0.8, top_k=3, seed=5)
    b = model.generate(torch.tensor([1, 2, 3]), 20, temperature=0.8, top_k=3, seed=5)
    assert torch.equal(a, b) and a.shape == (23,) and a[:3].tolist() == [1, 2, 3]
    greedy = model.generate(torch.tensor([[4, 5]]), 3, top_k=1, seed=0)
    x = torch.tensor([[4, 5]])
    for _ in range(3):                                         # greedy = argmax, step by step
        x = torch.cat([x, model(x)[:, -1].argmax(-1, keepdim=True)], dim=1)
    assert torch.equal(greedy, x)
    long_prime = torch.randint(0, 11, (30,))                   # longer than the context: cropped
    assert model.generate(long_prime, 2, seed=0).shape == (32,)
    with pytest.raises(InputError, match=r"\[0, 11\)"):
        model.generate(torch.tensor([11]), 2)
    with pytest.raises(ConfigError, match="temperature"):
        model.generate(torch.tensor([1]), 2, temperature=0.0)
    with pytest.raises(InputError, match="P >= 1"):
        model.generate(torch.zeros(0, dtype=torch.long), 2)


def test_bad_targets_and_tokens() -> None:
    model = _model("gpt").train()
    x = torch.randint(0, 11, (2, 12))
    with pytest.raises(InputError, match="token ids in"):
        model(x + 11)
    with pytest.raises(InputError, match="targets must lie"):
        model.training_step((x, x + 11))
    with pytest.raises(InputError, match="is missing"):
        model.training_step((x, None))
    y = x.clone()
    y[:, 6:] = -1                                              # -1: no target
    masked = model.training_step((x, y))["loss"]
    logits = model(x)[:, :6]
    want = torch.nn.functional.cross_entropy(logits.flatten(0, 1), x[:, :6].flatten())
    assert float(masked.detach()) == pytest.approx(float(want.detach()), rel=1e-5)


def test_nanogpt_split_of_the_excerpt() -> None:
    """nanoGPT's prepare.py on the excerpt: train = first int(0.9 n) characters, val = the
    rest, the sorted characters as vocabulary; test is val."""
    from nnzoo.data.chars import encode, text_vocab, tinyshakespeare_chars
    from nnzoo.data.text import shakespeare_excerpt

    text = shakespeare_excerpt()
    s = tinyshakespeare_chars(seq_len=16, split="nanogpt", random_windows=50, seed=3)
    assert s.meta["vocab"] == "".join(sorted(set(text))) == text_vocab(text)
    ids = encode(text, s.meta["vocab"])
    cut = int(len(text) * 0.9)
    val = ids[cut:]
    assert torch.equal(s.val.X[0], val[:16]) and torch.equal(s.val.y[0], val[1:17])
    assert len(s.val) == len(range(0, len(val) - 16, 16)) and s.test is s.val
    assert len(s.train) == 50
    spans = ids[:cut].unfold(0, 17, 1)                         # every 17 characters of train
    for xw, yw in zip(s.train.X, s.train.y):   # a window and its next characters, inside train
        assert torch.equal(yw[:-1], xw[1:])
        assert bool((spans == torch.cat([xw, yw[-1:]])).all(1).any())
    again = tinyshakespeare_chars(seq_len=16, split="nanogpt", random_windows=50, seed=3)
    assert torch.equal(again.train.X, s.train.X)
    with pytest.raises(ConfigError, match="split"):
        tinyshakespeare_chars(split="other")  # type: ignore[arg-type]


@pytest.mark.parametrize("mid", IDS)
def test_visualize_writes_attention_and_sample(mid: str, tmp_path: Path) -> None:
    model = _model(mid, vocab="abcdefghijk")
    model.evaluation_step((torch.randint(0, 11, (3, 12)), torch.randint(0, 11, (3, 12))))
    paths = model.visualize(tmp_path)
    assert {p.name for p in paths} == {"attention.png", "sample.txt"}
    assert len((tmp_path / "sample.txt").read_text().splitlines()[-1]) >= 12


@pytest.mark.parametrize("mid", IDS)
def test_train_then_sample_through_the_cli(mid: str, cli: Cli, tmp_path: Path) -> None:
    """``nnzoo train ID`` (the default recipe, shrunk to one small epoch) writes a run that
    ``nnzoo sample`` reads: the prime, then exactly the characters asked for."""
    code, _, err = cli("train", mid, "--epochs", "1", "--set", "n_layers=1", "--set",
                       "d_model=16", "--set", "n_heads=2", "--set", "batch_size=128",
                       "--out", str(tmp_path), "--quiet")
    assert code == 0, err
    (run,) = tmp_path.iterdir()
    assert (run / "plots" / "attention.png").is_file()
    code, out, err = cli("sample", str(run), "--prime", "ROMEO:", "--length", "40",
                         "--seed", "1")
    assert code == 0, err
    assert out[:-1].startswith("ROMEO:") and len(out[:-1]) == len("ROMEO:") + 40
    code, _, err = cli("sample", str(run), "--prime", "ROMEO\u00e9")
    assert code == 2 and "not in the vocabulary" in err
