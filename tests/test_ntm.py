"""The neural Turing machine: read and write against their formulas, causality, the heads'
parameter layout, gradient clipping, learning on a short copy task, the random-length task
data, and one clear error for bad input."""

from __future__ import annotations

import pytest
import torch

from nnzoo.core.config import TrainConfig
from nnzoo.core.errors import ConfigError, InputError
from nnzoo.data import algorithmic as A
from nnzoo.data import load_dataset
from nnzoo.models import create
from nnzoo.models.memory.addressing import address
from nnzoo.models.memory.ntm import NTM, NTMConfig


def _ntm(**kw: object) -> NTM:
    torch.manual_seed(0)
    return create("ntm", **{"memory_rows": 16, "memory_width": 5, "controller_size": 12, **kw})


# ---------------------------------------------------------------------- read and write


@pytest.mark.parametrize("write_heads", [1, 2])
def test_step_reads_then_writes_by_the_formulas(write_heads: int) -> None:
    m = _ntm(read_heads=2, write_heads=write_heads).double()
    B, N, W, H = 2, 16, 5, 2 + write_heads
    g = torch.Generator().manual_seed(3)
    memory = torch.randn(B, N, W, generator=g, dtype=torch.float64)
    prev = torch.softmax(torch.randn(B, H, N, generator=g, dtype=torch.float64), -1)
    fixed = (torch.randn(B, H, W, generator=g, dtype=torch.float64),             # keys
             torch.rand(B, H, generator=g, dtype=torch.float64) * 5,             # beta
             torch.rand(B, H, generator=g, dtype=torch.float64),                 # g
             torch.softmax(torch.randn(B, H, 3, generator=g, dtype=torch.float64), -1),
             1 + torch.rand(B, H, generator=g, dtype=torch.float64),             # gamma
             torch.rand(B, write_heads, W, generator=g, dtype=torch.float64),    # erase
             torch.randn(B, write_heads, W, generator=g, dtype=torch.float64))   # add
    m._heads = lambda h: fixed  # type: ignore[method-assign]
    x = torch.zeros(B, m.c_in, dtype=torch.float64)
    reads0 = torch.zeros(B, 2 * W, dtype=torch.float64)
    h = c = torch.zeros(B, 12, dtype=torch.float64)
    reads, mem, w, _, _ = m._step(x, reads0, memory, prev, h, c)
    w_exp = address(memory, prev, *fixed[:5])
    torch.testing.assert_close(w, w_exp)
    erase, add = fixed[5], fixed[6]
    for b in range(B):
        for hr in range(2):  # r = sum_i w(i) M(i), from the memory before the write
            r = sum(w_exp[b, hr, i] * memory[b, i] for i in range(N))
            torch.testing.assert_close(reads[b, hr * W:(hr + 1) * W], r)
        for i in range(N):  # M(i) prod_h (1 - w_h(i) e_h) + sum_h w_h(i) a_h
            keep = torch.ones(W, dtype=torch.float64)
            plus = torch.zeros(W, dtype=torch.float64)
            for j in range(write_heads):
                wi = w_exp[b, 2 + j, i]
                keep = keep * (1 - wi * erase[b, j])
                plus = plus + wi * add[b, j]
            torch.testing.assert_close(mem[b, i], memory[b, i] * keep + plus)


def test_full_erase_at_a_one_hot_clears_that_row_only() -> None:
    m = _ntm().double()
    N, W = 16, 5
    memory = torch.randn(1, N, W, dtype=torch.float64)
    memory[0, 3] = torch.tensor([1.0, 0.0, 0.0, 0.0, 0.0], dtype=torch.float64)
    key = memory[:, [3, 3]].clone()  # both heads look for row 3
    one = torch.ones(1, 2, dtype=torch.float64)
    shift = torch.tensor([[[0.0, 1.0, 0.0]] * 2], dtype=torch.float64)
    fixed = (key, one * 1e3, one, shift, one * 50, torch.ones(1, 1, W, dtype=torch.float64),
             torch.full((1, 1, W), 7.0, dtype=torch.float64))
    m._heads = lambda h: fixed  # type: ignore[method-assign]
    z = torch.zeros(1, 12, dtype=torch.float64)
    reads, mem, w, _, _ = m._step(torch.zeros(1, m.c_in, dtype=torch.float64),
                                  torch.zeros(1, W, dtype=torch.float64), memory,
                                  torch.zeros(1, 2, N, dtype=torch.float64), z, z)
    assert w[0, 0, 3] > 0.999
    torch.testing.assert_close(reads[0], memory[0, 3], atol=1e-3, rtol=0)
    torch.testing.assert_close(mem[0, 3], torch.full((W,), 7.0, dtype=torch.float64),
                               atol=1e-2, rtol=0)
    others = [i for i in range(N) if i != 3]
    torch.testing.assert_close(mem[0, others], memory[0, others], atol=1e-2, rtol=0)


def test_head_rows_partition_the_heads_layer() -> None:
    m = _ntm(read_heads=2, write_heads=3)
    rows = [m._head_rows(h) for h in range(5)]
    assert sorted(sum(rows, [])) == list(range(m.heads.out_features))
    assert [len(r) for r in rows] == [m.read_size] * 2 + [m.write_size] * 3


# ---------------------------------------------------------------------- the network


@pytest.mark.parametrize("controller", ["lstm", "feedforward"])
def test_output_at_step_t_ignores_later_inputs(controller: str) -> None:
    m = _ntm(controller=controller).eval()
    x = torch.bernoulli(torch.full((2, 9, 9), 0.5))
    y = x.clone()
    y[:, 5:] = torch.bernoulli(torch.full((2, 4, 9), 0.5))
    with torch.no_grad():
        a, b = m(x), m(y)
    torch.testing.assert_close(a[:, :5], b[:, :5])
    assert not torch.allclose(a[:, 5:], b[:, 5:])


def test_gradients_are_clipped_element_wise() -> None:
    m = _ntm(clip_value=0.01)
    ep = next(A.stream("copy", 2, 0, max_len=4))
    (1e6 * m.episode(ep)["loss"]).backward()
    grads = torch.cat([p.grad.flatten() for p in m.parameters() if p.grad is not None])
    assert grads.abs().max() <= 0.01 + 1e-9
    assert (grads.abs() == 0.01).any()


def test_trace_shapes_and_weightings_sum_to_one() -> None:
    m = _ntm(read_heads=2)
    x = next(A.stream("copy", 3, 0, max_len=4)).x
    logits, tr = m.run(x, trace=True)
    S = x.shape[1]
    assert logits.shape == (3, S, 8)
    assert tr["read"].shape == (3, S, 2, 16) and tr["write"].shape == (3, S, 1, 16)
    assert tr["memory"].shape == (3, S, 16, 5)
    torch.testing.assert_close(tr["read"].sum(-1), torch.ones(3, S, 2))


def test_learns_a_short_copy_task() -> None:
    torch.manual_seed(0)
    m = create("ntm", memory_rows=16, memory_width=8, controller_size=32)
    opt = m.configure_optimizers(TrainConfig(lr=3e-3, momentum=0.9))[0]
    assert isinstance(opt, torch.optim.RMSprop)
    test = A.test_set("copy", [1, 2], 16, seed=5)

    def cost() -> float:
        with torch.no_grad():
            return sum(float(m.episode(e)["cost_bits"]) for e in test) / len(test)

    before = cost()
    data = A.stream("copy", 16, 1, max_len=2)
    for _ in range(120):
        opt.zero_grad()
        m.episode(next(data))["loss"].backward()
        opt.step()
    after = cost()
    # an untrained machine costs about 1 bit per output bit (1.5 * 8 = 12 bits per
    # sequence), as does one that learns only that bits are 0 or 1 half the time; below
    # that, the outputs follow the inputs
    print(before, after)
    assert before > 10 and after < 0.6 * before


# ---------------------------------------------------------------------- data


@pytest.mark.parametrize("task", A.TASKS)
def test_model_and_data_agree_on_the_channels(task: str) -> None:
    from nnzoo.models.memory.ntm import channels

    ep = next(A.stream(task, 2, 0))
    assert channels(task, A.DEFAULTS[task][0]) == A.channels(task) \
        == (ep.x.shape[-1], ep.y.shape[-1])


def test_copy_layout() -> None:
    ep = A.copy_batch(2, 3, torch.Generator().manual_seed(0), n_bits=4)
    assert ep.x.shape == (2, 7, 5) and ep.y.shape == (2, 7, 4)
    torch.testing.assert_close(ep.y[:, 4:], ep.x[:, :3, :4])  # the answer is the input
    assert ep.x[:, 3, 4].eq(1).all() and ep.x[:, 4:].eq(0).all()
    assert ep.mask.tolist() == [[False] * 4 + [True] * 3] * 2


def test_repeat_copy_layout() -> None:
    ep = A.repeat_copy_batch(1, 2, 3, torch.Generator().manual_seed(0), n_bits=4,
                             max_repeats=10)
    S = 2 + 2 + 3 * 2 + 1
    assert ep.x.shape == (1, S, 6) and ep.y.shape == (1, S, 5)
    # (3 - 5.5) / sqrt(99 / 12): the count normalised over the uniform draw 1..10
    assert ep.x[0, 3, 5].item() == pytest.approx((3 - 5.5) / (99 / 12) ** 0.5)
    for r in range(3):
        torch.testing.assert_close(ep.y[0, 4 + 2 * r:6 + 2 * r, :4], ep.x[0, :2, :4])
    assert ep.y[0, -1].tolist() == [0, 0, 0, 0, 1]
    assert ep.mask[0].sum() == 7


def test_recall_answer_is_the_item_after_the_query() -> None:
    ep = A.recall_batch(4, 3, torch.Generator().manual_seed(0))
    L, B = 3, 6
    for b in range(4):
        items = ep.x[b, :3 * (L + 1)].view(3, L + 1, B + 2)[:, 1:, :B]
        query = ep.x[b, 3 * (L + 1) + 1:3 * (L + 1) + 1 + L, :B]
        q = next(i for i in range(3) if torch.equal(items[i], query))
        torch.testing.assert_close(ep.y[b, -L:], items[q + 1])


def test_stream_is_seeded_fresh_in_range_and_leaves_the_global_rng() -> None:
    torch.manual_seed(123)
    state = torch.get_rng_state()
    a = [next(s) for s in [A.stream("copy", 2, 7)] for _ in range(30)]
    b = [next(s) for s in [A.stream("copy", 2, 7)] for _ in range(30)]
    assert torch.equal(torch.get_rng_state(), state)
    assert all(torch.equal(p.x, q.x) for p, q in zip(a, b, strict=True))
    lengths = {e.length for e in a}
    assert min(lengths) >= 1 and max(lengths) <= 20 and len(lengths) > 5
    assert not torch.equal(a[0].x[:, :1], a[1].x[:, :1]) or a[0].length != a[1].length


def test_random_length_dataset_masks_the_answer_steps() -> None:
    s = load_dataset("algorithmic-copy", n=40, max_len=6, n_val=5, n_test=5)
    y = s.train.y
    assert y is not None and y.shape[-1] == 9
    for i in range(40):
        T = int(y[i, :, 8].sum())                       # the mask: T answer steps
        x = s.train.X[i]
        assert x[T, 8] == 1 and x[:T, 8].eq(0).all()    # the delimiter after T vectors
        torch.testing.assert_close(y[i, T + 1:2 * T + 1, :8], x[:T, :8])
        assert y[i, 2 * T + 1:].eq(0).all()             # padding is not scored


# ---------------------------------------------------------------------- errors


def test_bad_config_and_input_are_one_clear_error() -> None:
    with pytest.raises(ConfigError, match="task must be one of"):
        NTMConfig(task="sort")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="has 9 input channels"):
        NTM(NTMConfig(sample_shape=(10, 8)))
    with pytest.raises(ConfigError, match="shift_range 2 needs at least 5"):
        NTMConfig(memory_rows=4, shift_range=2)
    with pytest.raises(ConfigError, match="task must be one of"):
        next(A.stream("sort", 1))
    with pytest.raises(ConfigError, match="max_len must be >= 3"):
        next(A.stream("copy", 1, min_len=3, max_len=2))
    m = _ntm()
    with pytest.raises(InputError, match=r"shape \(batch, steps, 9\)"):
        m(torch.zeros(2, 5, 8))
    with pytest.raises(InputError, match="NaN or infinite"):
        m.predict(torch.full((1, 3, 9), float("nan")))
    with pytest.raises(InputError, match="targets must be"):
        m.training_step((torch.zeros(1, 3, 9), torch.zeros(1, 3, 8)))


# ---------------------------------------------------------------------- the copy benchmark


def test_bench_copy_validation_and_test_sets_differ() -> None:
    from nnzoo.bench.memory import ntm as bench

    val, test = bench.copy_sets(range(1, 21), 10)
    assert [e.length for e in val] == [e.length for e in test] == list(range(1, 21))
    for v, t in zip(val, test, strict=True):
        assert v.x.shape == t.x.shape and not torch.equal(v.x, t.x)
    # neither is the training stream's first draw of that length either
    first = next(A.stream("copy", 10, bench.SEED, min_len=20, max_len=20))
    assert not torch.equal(first.x, val[-1].x) and not torch.equal(first.x, test[-1].x)


@pytest.mark.parametrize(("val_costs", "chosen", "converged"),
                         [([0.5, 0.2, 0.4], 2, None), ([0.5, 0.005], 2, 4)])
def test_bench_copy_stops_on_validation_and_scores_test_once(
        monkeypatch: pytest.MonkeyPatch, val_costs: list[float], chosen: int,
        converged: int | None) -> None:
    """The validation set alone decides when to stop and which weights to keep (scripted
    validation costs); the test set is scored once, after training, with those weights."""
    from nnzoo.bench.memory import ntm as bench

    m = _ntm(memory_width=4)
    val, test = bench.copy_sets(range(1, 3), 2)
    calls: list[tuple[str, dict[str, torch.Tensor]]] = []
    costs = iter(val_costs)

    def scripted(model: NTM, episodes: list[A.Episode]) -> dict[str, object]:
        which = "val" if episodes is val else "test" if episodes is test else "?"
        calls.append((which, {k: v.clone() for k, v in model.state_dict().items()}))
        c = next(costs) if which == "val" else 1.0
        return {"cost_bits": c, "bit_errors": c, "per_length": []}

    monkeypatch.setattr(bench, "evaluate", scripted)
    hist = bench.train_copy(m, max_iters=6, max_wall_s=1e9, eval_every=2, val=val, test=test,
                            max_len=2, seed=0, quiet=True)
    assert [w for w, _ in calls] == ["val"] * len(val_costs) + ["test"]
    assert hist["cost_bits"] == val_costs and hist["iteration"] == [2, 4, 6][:len(val_costs)]
    assert hist["converged_at"] == converged and hist["chosen_at"] == 2 * chosen
    states = [s for _, s in calls]
    if chosen < len(val_costs):         # training went on past the chosen check
        last = states[len(val_costs) - 1]
        assert any(not torch.equal(last[k], states[chosen - 1][k]) for k in last)
    for k, v in states[-1].items():     # the test set saw the weights validation chose
        torch.testing.assert_close(v, states[chosen - 1][k], rtol=0, atol=0)


def test_bench_copy_fine_tunes_with_adam_and_returns_to_the_best_check_after_a_relapse(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Scripted validation costs: the first check below the threshold switches to Adam; a
    later check above GUARD x the best loads the best check's weights back; without the
    phase (finetune_below=None) neither happens."""
    from nnzoo.bench.memory import ntm as bench

    val, test = bench.copy_sets(range(1, 3), 2)
    scripted_costs = [5.0, 0.8, 0.5, 0.5 * bench.GUARD + 1, 0.3]
    snapshots: list[dict[str, torch.Tensor]] = []
    loaded: list[dict[str, torch.Tensor]] = []
    adams: list[float] = []
    real_adam = torch.optim.Adam

    def spy_adam(params: object, lr: float) -> torch.optim.Optimizer:
        adams.append(lr)
        return real_adam(params, lr=lr)  # type: ignore[arg-type]

    monkeypatch.setattr(bench.torch.optim, "Adam", spy_adam)

    def run(finetune_below: float | None) -> dict[str, object]:
        m = _ntm(memory_width=4)
        real_load = m.load_state_dict
        costs = iter(scripted_costs)
        snapshots.clear()
        loaded.clear()

        def load(state: dict[str, torch.Tensor], *a: object, **k: object) -> object:
            loaded.append({n: v.clone() for n, v in state.items()})
            return real_load(state)

        def scripted(model: NTM, episodes: list[A.Episode]) -> dict[str, object]:
            snapshots.append({n: v.clone() for n, v in model.state_dict().items()})
            c = next(costs) if episodes is val else 1.0
            return {"cost_bits": c, "bit_errors": c, "per_length": []}

        monkeypatch.setattr(m, "load_state_dict", load)
        monkeypatch.setattr(bench, "evaluate", scripted)
        return bench.train_copy(m, max_iters=10, max_wall_s=1e9, eval_every=2, val=val,
                                test=test, max_len=2, seed=0, quiet=True,
                                finetune_below=finetune_below)

    hist = run(1.0)
    assert hist["finetune_at"] == 4 and hist["restored_at"] == [8]
    assert adams == [bench.FINETUNE_LR]
    # the relapse at iteration 8 loaded the weights of the check at 6 (then the best)
    assert len(loaded) == 2      # the restore, and the chosen weights at the end
    for n, v in loaded[0].items():
        torch.testing.assert_close(v, snapshots[2][n], rtol=0, atol=0)
    assert any(not torch.equal(loaded[0][n], snapshots[3][n]) for n in loaded[0])
    assert hist["chosen_at"] == 10

    adams.clear()
    never = run(None)
    assert never["finetune_at"] is None and never["restored_at"] == [] and adams == []
