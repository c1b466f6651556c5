"""WaveNet: the receptive field against its formula (computed and measured), causality, the
gated residual layer against its equations, fast generation against recomputation, mu-law
companding against its formula, the generated audio-like signal, and bad input."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from conftest import Cli

from nnzoo.core import mulaw
from nnzoo.core.errors import ConfigError, InputError
from nnzoo.data import load_dataset
from nnzoo.data.waveforms import toy_audio_signal, toy_audio_waveform
from nnzoo.models import create
from nnzoo.models.autoregressive.wavenet import WaveNet


def _net(seed: int = 0, **kw: object) -> WaveNet:
    torch.manual_seed(seed)
    hp: dict[str, object] = {"sample_shape": (64,), "vocab_size": 11, "residual_channels": 6,
                             "dilation_channels": 5, "skip_channels": 7, "end_channels": 8,
                             "layers": 3, "stacks": 2}
    hp.update(kw)
    model = create("wavenet", **hp)
    assert isinstance(model, WaveNet)
    return model.double().eval()


# -- receptive field and causality -----------------------------------------------------------

@pytest.mark.parametrize(("kernel", "layers", "stacks", "want"),
                         [(2, 3, 2, 1 + (1 + 2 + 4) * 2), (3, 2, 1, 1 + 2 * (1 + 2)),
                          (2, 4, 1, 16), (4, 1, 3, 1 + 3 * 3)])
def test_receptive_field_formula(kernel: int, layers: int, stacks: int, want: int) -> None:
    model = _net(kernel_size=kernel, layers=layers, stacks=stacks)
    assert model.receptive_field == want                      # hand-computed 1 + (k-1) sum d
    assert model.config.dilations == [2 ** i for i in range(layers)] * stacks


@pytest.mark.parametrize(("kernel", "layers", "stacks"), [(2, 3, 2), (3, 2, 1), (2, 4, 1)])
def test_receptive_field_measured_by_perturbation(kernel: int, layers: int, stacks: int
                                                  ) -> None:
    """The output at step t changes when input s changes exactly for s in [t - R + 1, t]."""
    model = _net(kernel_size=kernel, layers=layers, stacks=stacks)
    R, T, t = model.receptive_field, 40, 30
    assert t + 1 >= R
    g = torch.Generator().manual_seed(1)
    x = torch.randint(0, 11, (1, T), generator=g)
    base = model(x)[0, t]
    reads = set()
    for s in range(T):
        x2 = x.clone()
        x2[0, s] = (x[0, s] + 1 + s % 10) % 11              # a different token
        if not torch.equal(model(x2)[0, t], base):
            reads.add(s)
    assert reads == set(range(t - R + 1, t + 1))


def test_causality_later_inputs_change_nothing_before() -> None:
    model = _net()
    g = torch.Generator().manual_seed(2)
    x = torch.randint(0, 11, (3, 50), generator=g)
    for t in (0, 17, 48):
        x2 = x.clone()
        x2[:, t + 1:] = torch.randint(0, 11, (3, 50 - t - 1), generator=g)
        assert torch.equal(model(x)[:, :t + 1], model(x2)[:, :t + 1])


def test_gated_residual_layer_is_its_equations() -> None:
    """z = tanh(W_f *_d h) sigmoid(W_g *_d h) written as explicit sums over the taps."""
    model = _net(kernel_size=3)
    layer = model.layers[4]                                   # dilation 2, kernel 3
    d, k = 2, 3
    assert layer.dilation == d
    h = torch.randn(2, 6, 20, dtype=torch.float64)
    W, b = layer.conv.weight, layer.conv.bias                 # (2D, C, k), (2D,)
    D = W.shape[0] // 2
    pre = torch.zeros(2, 2 * D, 20, dtype=torch.float64)
    for t in range(20):
        acc = b.clone()[None].expand(2, -1).clone()
        for j in range(k):                                    # tap j reads h at t - d (k-1-j)
            s = t - d * (k - 1 - j)
            if s >= 0:
                acc = acc + h[:, :, s] @ W[:, :, j].T
        pre[:, :, t] = acc
    z = torch.tanh(pre[:, :D]) * torch.sigmoid(pre[:, D:])
    res = h + torch.einsum("oc,bct->bot", layer.residual.weight[:, :, 0], z) \
        + layer.residual.bias[None, :, None]
    skip = torch.einsum("oc,bct->bot", layer.skip.weight[:, :, 0], z) \
        + layer.skip.bias[None, :, None]
    got_res, got_skip = layer(h)
    torch.testing.assert_close(got_res, res)
    torch.testing.assert_close(got_skip, skip)


# -- generation --------------------------------------------------------------------------------

def test_cached_steps_equal_the_whole_sequence() -> None:
    model = _net()
    x = torch.randint(0, 11, (2, 40), generator=torch.Generator().manual_seed(3))
    full = model.stream_logits(x)                             # (2, 40, V)
    queues = model._empty_queues(2)
    steps = torch.stack([model._step(x[:, t], queues) for t in range(40)], dim=1)
    torch.testing.assert_close(steps, full)


def test_fast_generation_equals_recomputation() -> None:
    model = _net()                                            # R = 15, generate past it
    prime = torch.randint(0, 11, (3, 5), generator=torch.Generator().manual_seed(4))
    fast = model.generate(prime, 40, temperature=1.3, seed=7)
    slow = model.generate(prime, 40, temperature=1.3, seed=7, cached=False)
    assert fast.shape == (3, 45) and torch.equal(fast[:, :5], prime)
    assert torch.equal(fast, slow)
    greedy = model.generate(prime[0], 10, top_k=1, seed=0)    # top_k=1: the argmax each step
    seq = prime[0]
    for _ in range(10):
        seq = torch.cat([seq, model.stream_logits(seq[None])[0, -1].argmax()[None]])
    assert torch.equal(greedy, seq)


def test_generate_rejects_bad_arguments() -> None:
    model = _net()
    with pytest.raises(ConfigError, match="temperature"):
        model.generate(torch.tensor([1]), 3, temperature=0)
    with pytest.raises(ConfigError, match="top_k"):
        model.generate(torch.tensor([1]), 3, top_k=-1)
    with pytest.raises(ConfigError, match="n "):
        model.generate(torch.tensor([1]), -1)
    with pytest.raises(InputError, match=r"prime_ids must lie in \[0, 11\)"):
        model.generate(torch.tensor([11]), 3)
    with pytest.raises(InputError, match="P >= 1"):
        model.generate(torch.zeros(1, 0, dtype=torch.long), 3)


# -- loss --------------------------------------------------------------------------------------

def test_loss_ignores_padding_and_evaluation_averages_per_step() -> None:
    model = _net(sample_shape=(6,))
    x = torch.tensor([[0, 3, 4, 0, 0, 0], [0, 5, 6, 7, 8, 9]])
    y = torch.tensor([[3, 4, 0, -1, -1, -1], [5, 6, 7, 8, 9, 0]])
    logp = torch.log_softmax(model(x), -1)
    terms = [-logp[b, t, y[b, t]] for b in range(2) for t in range(6) if y[b, t] >= 0]
    want = torch.stack(terms).mean()                          # 9 scored steps
    torch.testing.assert_close(model.training_step((x, y))["loss"].double(), want)
    model.train(False)                                        # a new evaluation: two batches
    model.evaluation_step((x[:1], y[:1]))
    model.evaluation_step((x[1:], y[1:]))
    assert model.evaluation_summary()["loss"] == pytest.approx(float(want.detach()))


def test_bad_targets_and_inputs_are_one_clear_error() -> None:
    model = _net(sample_shape=(6,))
    x = torch.zeros(2, 6, dtype=torch.long)
    with pytest.raises(InputError, match="-1"):
        model.training_step((x, torch.full((2, 6), 11)))
    with pytest.raises(InputError, match="all padding"):
        model.training_step((x, torch.full((2, 6), -1)))
    with pytest.raises(InputError, match="missing"):
        model.training_step((x, None))
    with pytest.raises(InputError, match="shape"):
        model(torch.zeros(2, 7, dtype=torch.long))           # longer than T
    with pytest.raises(InputError, match="integer"):
        model(torch.zeros(2, 6))
    with pytest.raises(ConfigError, match="kernel_size"):
        create("wavenet", kernel_size=1)
    with pytest.raises(ConfigError, match="vocab"):
        create("wavenet", vocab_size=5, vocab="abc")


# -- mu-law ------------------------------------------------------------------------------------

def test_mu_law_formula_on_hand_computed_values() -> None:
    x = torch.tensor([-1.0, -0.5, 0.0, 0.01, 0.5, 1.0], dtype=torch.float64)
    want = [-1.0, -math.log(1 + 127.5) / math.log(256), 0.0, math.log(1 + 2.55) / math.log(256),
            math.log(1 + 127.5) / math.log(256), 1.0]
    torch.testing.assert_close(mulaw.compand(x), torch.tensor(want, dtype=torch.float64))
    torch.testing.assert_close(mulaw.expand(mulaw.compand(x)), x)
    levels = [min(255, math.floor((w + 1) / 2 * 256)) for w in want]   # y = 1: the last bin
    assert levels == [0, 15, 128, 157, 240, 255]
    assert mulaw.encode(x).tolist() == levels


def test_mu_law_round_trip() -> None:
    q = torch.arange(256)
    assert torch.equal(mulaw.encode(mulaw.decode(q).double()), q)   # every level comes back
    x = torch.linspace(-1, 1, 10_001, dtype=torch.float64)
    e = mulaw.bin_edges()
    qx = mulaw.encode(x)
    back = mulaw.decode(qx).double()
    assert bool(((e[qx] <= x) & (x <= e[qx + 1])).all())               # x lies in its bin
    assert bool(((e[qx] <= back) & (back <= e[qx + 1])).all())         # so does its decoding
    # the step near 0 is mu-law's finest, far below the coarsest near +-1
    widths = e[1:] - e[:-1]
    assert widths[128] < widths[255] / 100


# -- the audio-like signal ---------------------------------------------------------------------

def test_toy_audio_windows_and_seeding() -> None:
    s = load_dataset("toy-audio", seq_len=32, n_train=2000, n_val=500, n_test=500, seed=3)
    assert s.sample_shape == (32,) and s.meta["vocab_size"] == 256
    assert len(s.train) == len(range(0, 2000 - 32, 32))
    q = toy_audio_signal(2000, 3, "train")
    assert torch.equal(s.train.X[1], q[32:64]) and torch.equal(s.train.y[1], q[33:65])
    assert int(s.train.X.min()) >= 0 and int(s.train.X.max()) <= 255
    assert not torch.equal(toy_audio_signal(500, 3, "val"), toy_audio_signal(500, 3, "test"))
    w = toy_audio_waveform(20_000, 0)
    assert w.min() >= -1 and w.max() <= 1 and abs(w.mean()) < 0.05
    with pytest.raises(ConfigError, match="n_val"):
        load_dataset("toy-audio", seq_len=600, n_val=500)
    with pytest.raises(ConfigError, match="part"):
        toy_audio_waveform(100, 0, "dev")


def test_default_recipe_trains_and_writes_pictures(tmp_path: Path) -> None:
    from nnzoo.recipes import get_recipe
    from nnzoo.recipes.runner import build_model

    rec = get_recipe("wavenet")
    hp, _ = rec.resolve()
    splits = load_dataset(rec.dataset, **rec.dataset_args)
    model = build_model("wavenet", hp, splits, 0, torch.device("cpu"))
    assert isinstance(model, WaveNet)
    x, y = splits.train.X[:8], splits.train.y
    assert y is not None
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    first = None
    for _ in range(30):                                       # one batch, fitted
        opt.zero_grad()
        loss = model.training_step((x, y[:8]))["loss"]
        loss.backward()
        opt.step()
        first = first if first is not None else float(loss.detach())
    assert float(loss.detach()) < first - 0.5
    model.eval()
    model.evaluation_step((x, y[:8]))
    names = sorted(p.name for p in model.visualize(tmp_path))
    assert names == ["receptive_field.png", "waveforms.png"]


def test_train_then_sample_names_offline(cli: Cli, tmp_path: Path) -> None:
    """``nnzoo sample`` draws names from a WaveNet run (generated names, offline)."""
    code, out, err = cli("train", "wavenet", "--recipe", "names-generated", "--epochs", "1",
                         "--out", str(tmp_path))
    assert code == 0, err
    run = next(tmp_path.glob("wavenet-names-generated-*"))
    assert (run / "plots" / "samples.txt").exists()
    code, out, err = cli("sample", str(run), "--length", "60", "--seed", "1")
    assert code == 0, err
    text = out.strip()
    assert text and set(text) <= set("abcdefghijklmnopqrstuvwxyz\n")
    code2, out2, _ = cli("sample", str(run), "--length", "60", "--seed", "1")
    assert out2 == out                                        # seeded: the same names
