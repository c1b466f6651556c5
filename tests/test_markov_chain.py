"""Markov chains: the text generator against markovify, the analysis against PyDTMC and
closed forms, the registered ``markov-chain`` model, its data and its errors."""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from pathlib import Path
from typing import Literal

import numpy as np
import pytest
import torch

from nnzoo.core.errors import ConfigError, DataMissingError, InputError, NotFittedError
from nnzoo.data.text import (
    CHARS,
    encode_chars,
    markov_sequences,
    shakespeare_excerpt,
    tinyshakespeare,
)
from nnzoo.models import create
from nnzoo.models.classic.markov_analysis import MarkovChain, transition_counts
from nnzoo.models.classic.markov_chain import MarkovChainModel
from nnzoo.models.classic.markov_corpus import parse_corpus, split_into_sentences, unique_rows
from nnzoo.models.classic.markov_text import BEGIN, END, MarkovText

SHAKESPEARE = Path("/work/shared/data/tinyshakespeare/input.txt")


@pytest.fixture(scope="module")
def excerpt() -> str:
    """About 30 KB of the shipped excerpt, cut at a blank line."""
    text = shakespeare_excerpt()
    return text[: text.rfind("\n\n", 0, 30_000) + 1]


def _brute_force_table(runs: list[list[str]], s: int) -> dict:
    """markovify's Chain.build, written out: one dict update per window."""
    model: dict = {}
    for run in runs:
        items = [BEGIN] * s + run + [END]
        for i in range(len(run) + 1):
            follow = model.setdefault(tuple(items[i : i + s]), {})
            follow[items[i + s]] = follow.get(items[i + s], 0) + 1
    return model


# -- text: the table ----------------------------------------------------------------------------

@pytest.mark.parametrize("state_size", [1, 2, 3])
@pytest.mark.parametrize("level", ["word", "char"])
def test_table_equals_brute_force_counting(excerpt: str, state_size: int,
                                           level: Literal["word", "char"]) -> None:
    model = MarkovText.from_text(excerpt, state_size, level=level)
    assert model.model == _brute_force_table(parse_corpus(excerpt, level), state_size)


@pytest.mark.parametrize("state_size", [2, 3])
def test_table_equals_markovify_on_excerpt(excerpt: str, state_size: int) -> None:
    markovify = pytest.importorskip("markovify")
    peer = markovify.Text(excerpt, state_size=state_size)
    ours = MarkovText.from_text(excerpt, state_size)
    assert ours.model == peer.chain.model
    assert parse_corpus(excerpt) == peer.parsed_sentences


@pytest.mark.slow
@pytest.mark.parametrize("state_size", [2, 3])
def test_table_equals_markovify_on_tinyshakespeare(state_size: int) -> None:
    markovify = pytest.importorskip("markovify")
    try:
        text = tinyshakespeare()                       # $NNZOO_DATA/tinyshakespeare/input.txt
    except DataMissingError:
        if not SHAKESPEARE.exists():
            pytest.skip("Tiny Shakespeare is not in the data root")
        text = SHAKESPEARE.read_text()
    assert MarkovText.from_text(text, state_size).model == \
        markovify.Text(text, state_size=state_size).chain.model


def test_char_table_equals_markovify_chain(excerpt: str) -> None:
    markovify = pytest.importorskip("markovify")
    runs = parse_corpus(excerpt, "char")
    assert MarkovText.from_text(excerpt, 3, level="char").model == \
        markovify.Chain(runs, 3).model


def test_sentence_splitting_matches_markovify() -> None:
    markovify = pytest.importorskip("markovify")
    text = ("Mr. Smith went to Washington. He met Dr. Jones at 5 p.m. on Jan. 3! Did the U.S. "
            "agree? \"Yes,\" said A. B. Jones. NASA said no. Wait... what? (Quietly.) 'Tis so.")
    assert split_into_sentences(text) == markovify.split_into_sentences(text)
    assert split_into_sentences(shakespeare_excerpt()) == \
        markovify.split_into_sentences(shakespeare_excerpt())


def test_unique_rows_equals_torch_unique() -> None:
    g = torch.Generator().manual_seed(0)
    for cols in (1, 2, 4):
        rows = torch.randint(0, 6, (3000, cols), generator=g)
        want = torch.unique(rows, dim=0, return_inverse=True, return_counts=True)
        got = unique_rows(rows.numpy())
        assert all(np.array_equal(w.numpy(), x) for w, x in zip(want, got))


# -- text: generation ---------------------------------------------------------------------------

def test_generated_sentences_follow_the_table(excerpt: str) -> None:
    model = MarkovText.from_text(excerpt, 2, seed=0)
    table = model.model
    out = model.make_sentences(200)
    assert sum(s is not None for s in out) > 100
    for s in filter(None, out):
        words = [BEGIN, BEGIN, *s.split(" "), END]
        for i in range(len(words) - 2):
            assert words[i + 2] in table[(words[i], words[i + 1])]


def test_first_words_are_drawn_in_proportion_to_counts(excerpt: str) -> None:
    """The walk samples next tokens with probability count / row total (chi-square test)."""
    model = MarkovText.from_text(excerpt, 1, seed=1)
    counts = model.model[(BEGIN,)]
    n = 20_000
    first = Counter(run[0] for run in model.walk(n) if run)
    total = sum(counts.values())
    top = sorted(counts, key=lambda w: counts[w], reverse=True)[:10]
    chi2 = sum((first[w] - n * counts[w] / total) ** 2 / (n * counts[w] / total) for w in top)
    assert chi2 < 30  # 9 degrees of freedom: p < 5e-4 to fail by chance


def test_overlap_test_matches_markovify(excerpt: str) -> None:
    markovify = pytest.importorskip("markovify")
    peer = markovify.Text(excerpt, state_size=2)
    ours = MarkovText.from_text(excerpt, 2, seed=3)
    runs = [r for r in ours.walk(400) if r]
    rng = random.Random(0)
    tokens = [w for r in parse_corpus(excerpt) for w in r]
    for _ in range(300):  # copies of the source, with partial words at both ends
        i, k = rng.randrange(len(tokens) - 20), rng.randrange(1, 18)
        gram = tokens[i : i + k]
        gram[0] = gram[0][rng.randrange(len(gram[0])):]
        gram[-1] = gram[-1][: rng.randrange(1, len(gram[-1]) + 1)]
        runs.append(gram)
    runs += [[], ["zzz"], tokens[:2]]
    for words in runs:
        for ratio, total in ((0.7, 15), (0.5, 4), (1.0, 30)):
            assert ours.test_sentence_output(words, ratio, total) == \
                peer.test_sentence_output(words, ratio, total), words


def test_sentences_that_copy_the_source_are_rejected(excerpt: str) -> None:
    model = MarkovText.from_text(excerpt, 3, seed=0)
    source = " ".join(" ".join(r) for r in parse_corpus(excerpt))
    for s in filter(None, model.make_sentences(100)):
        words = s.split(" ")
        k = min(15, round(0.7 * len(words)))
        assert not any(" ".join(words[i : i + k + 1]) in source
                       for i in range(max(len(words) - k, 1)))
    copies = [r for r in model.walk(300) if r]
    assert any(not model.test_sentence_output(r) for r in copies)  # the test can say no


def test_make_sentence_with_start_and_init_state(excerpt: str) -> None:
    model = MarkovText.from_text(excerpt, 2, seed=0)
    s = model.make_sentence_with_start("First", tries=50)
    assert s.startswith("First ")
    s = model.make_sentence_with_start("First Citizen:", tries=50)
    assert s.startswith("First Citizen: ")
    s = model.make_sentence_with_start("the", strict=False, tries=50)
    assert "the" in s.split(" ")
    s = model.make_sentence(init_state=(BEGIN, "MENENIUS:"), tries=50)
    assert s is not None and s.startswith("MENENIUS: ")
    with pytest.raises(InputError, match="1 to 2 tokens"):
        model.make_sentence_with_start("one two three")
    with pytest.raises(InputError, match="not a state"):
        model.make_sentence(init_state=("no", "such"))


def test_char_level_generation(excerpt: str) -> None:
    model = MarkovText.from_text(excerpt, 4, level="char", seed=0)
    s = model.make_sentence(test_output=False)
    assert isinstance(s, str) and " " in s
    assert model.make_sentence_with_start("Th", test_output=False).startswith("Th")


# -- text: JSON and combination ------------------------------------------------------------

def test_json_round_trip_and_markovify_compatibility(excerpt: str) -> None:
    model = MarkovText.from_text(excerpt, 2)
    back = MarkovText.from_json(model.to_json())
    assert back.model == model.model and back.runs == model.runs
    markovify = pytest.importorskip("markovify")
    assert markovify.Text.from_json(model.to_json()).chain.model == model.model
    peer = markovify.Text(excerpt, state_size=2)
    assert MarkovText.from_json(peer.to_json()).model == peer.chain.model
    with pytest.raises(InputError, match="JSON"):
        MarkovText.from_json("{not json")


def test_combine_weights_the_counts(excerpt: str) -> None:
    half = len(excerpt) // 2
    a = MarkovText.from_text(excerpt[:half], 2)
    b = MarkovText.from_text(excerpt[half:], 2)
    c = MarkovText.combine([a, b], [1.0, 2.5])
    want = _brute_force_table(parse_corpus(excerpt[:half]), 2)
    for state, follows in _brute_force_table(parse_corpus(excerpt[half:]), 2).items():
        row = want.setdefault(state, {})
        for w, n in follows.items():
            row[w] = row.get(w, 0) + 2.5 * n
    assert c.model == want
    markovify = pytest.importorskip("markovify")
    peer = markovify.combine([markovify.Text(excerpt[:half]), markovify.Text(excerpt[half:])],
                             [1.0, 2.5])
    assert c.model == peer.chain.model
    with pytest.raises(InputError, match="state size"):
        MarkovText.combine([a, MarkovText.from_text(excerpt, 3)])


# -- text: errors ---------------------------------------------------------------------------

def test_empty_corpus_is_one_clear_error() -> None:
    for text in ("", "   \n ", "(every) [sentence] \"is\" rejected."):
        with pytest.raises(InputError, match="no usable sentence"):
            MarkovText.from_text(text)


def test_state_size_longer_than_every_sentence() -> None:
    with pytest.raises(InputError, match="longer than every sentence"):
        MarkovText.from_text("To be. Or not. Ay me.", state_size=3)
    assert MarkovText.from_text("To be. Or not to be.", state_size=3).n_states > 0
    with pytest.raises(InputError, match="state_size"):
        MarkovText.from_text("To be.", state_size=0)


# -- analysis: against PyDTMC -------------------------------------------------------------

MATRICES = {
    "cycle3 (period 3)": [[0, 1, 0], [0, 0, 1], [1, 0, 0]],
    "walk4 (period 2)": [[0, 1, 0, 0], [.5, 0, .5, 0], [0, .5, 0, .5], [0, 0, 1, 0]],
    "reducible": [[.5, .5, 0, 0, 0], [.3, .7, 0, 0, 0], [.2, 0, .3, .5, 0],
                  [0, 0, 0, .4, .6], [0, 0, 0, .9, .1]],
    "reducible periodic": [[0, 1, 0, 0], [1, 0, 0, 0], [.25, .25, .25, .25], [0, 0, 0, 1]],
    "gambler's ruin": [[1, 0, 0, 0, 0], [.5, 0, .5, 0, 0], [0, .5, 0, .5, 0],
                       [0, 0, .5, 0, .5], [0, 0, 0, 0, 1]],
    "absorbing biased": [[1, 0, 0, 0], [.3, .1, .6, 0], [0, .2, .3, .5], [0, 0, 0, 1]],
    "dense 6": (lambda r: (r / r.sum(1, keepdims=True)).tolist())(
        np.random.default_rng(0).random((6, 6))),
}

PERIODS = {"cycle3 (period 3)": 3, "walk4 (period 2)": 2, "reducible": 1,
           "reducible periodic": 2, "gambler's ruin": 1, "absorbing biased": 1, "dense 6": 1}


@pytest.mark.parametrize("name", list(MATRICES))
def test_analysis_agrees_with_pydtmc(name: str) -> None:
    pydtmc = pytest.importorskip("pydtmc")
    P = np.array(MATRICES[name], dtype=np.float64)
    peer, ours = pydtmc.MarkovChain(P), MarkovChain(P)
    as_idx = lambda classes: sorted(sorted(int(s) - 1 for s in c) for c in classes)  # noqa: E731
    assert as_idx(peer.communicating_classes) == [c.tolist() for c in
                                                  ours.communicating_classes()]
    assert as_idx(peer.recurrent_classes) == [c.tolist() for c in ours.closed_classes()]
    assert peer.is_irreducible == ours.is_irreducible
    assert ours.period == PERIODS[name]
    if peer.is_irreducible:
        assert peer.period == ours.period
    # every chain: the lcm of the closed classes' periods, each class's period from PyDTMC
    # on the class alone (an irreducible chain; PyDTMC's own `period` of a reducible chain
    # asks networkx for strong connectivity and fails on some); a closed class of one state
    # has P_ii = 1, period 1 (PyDTMC needs two states or more)
    class_periods = []
    for c in as_idx(peer.recurrent_classes):
        if len(c) == 1:
            assert P[c[0], c[0]] == 1.0
            class_periods.append(1)
        else:
            class_periods.append(pydtmc.MarkovChain(P[np.ix_(c, c)]).period)
    assert math.lcm(*class_periods) == ours.period
    assert peer.is_absorbing == ours.is_absorbing
    pi_peer = np.array(sorted(map(list, peer.stationary_distributions)))
    np.testing.assert_allclose(np.array(sorted(ours.stationary_distributions().tolist())),
                               pi_peer, rtol=0, atol=1e-10)
    if peer.absorption_probabilities() is not None:  # PyDTMC: absorbing chains only
        np.testing.assert_allclose(ours.absorption_probabilities().numpy(),
                                   peer.absorption_probabilities().T, rtol=0, atol=1e-10)
        np.testing.assert_allclose(ours.expected_steps_to_absorption().numpy(),
                                   peer.mean_absorption_times(), rtol=0, atol=1e-10)
    if ours.is_irreducible:
        np.testing.assert_allclose(ours.mean_first_passage_times().numpy(),
                                   _pydtmc_mfpt(P), rtol=0, atol=1e-10)


def _pydtmc_mfpt(P: np.ndarray) -> np.ndarray:
    """PyDTMC's mean_first_passage_times_to (it returns None for periodic chains, so its
    formula is applied here to the stationary distribution it computes)."""
    import pydtmc

    mc = pydtmc.MarkovChain(P)
    out = mc.mean_first_passage_times_to()
    if out is not None:
        return out
    n, pi = len(P), mc.pi[0]
    z = np.linalg.inv(np.eye(n) - P + np.tile(pi, (n, 1)))
    m = (np.diag(z)[None, :] - z) / pi[None, :]
    np.fill_diagonal(m, 0.0)
    return m


# -- analysis: closed forms and brute force -----------------------------------------------------

def test_gamblers_ruin_closed_forms() -> None:
    """Fair game on 0..N: P(reach N from i) = i / N, expected duration i (N - i)."""
    N = 7
    P = torch.zeros(N + 1, N + 1, dtype=torch.float64)
    P[0, 0] = P[N, N] = 1
    for i in range(1, N):
        P[i, i - 1] = P[i, i + 1] = 0.5
    mc = MarkovChain(P)
    i = torch.arange(1, N, dtype=torch.float64)
    assert mc.transient_states().tolist() == list(range(1, N))
    assert mc.absorbing_states().tolist() == [0, N] and mc.is_absorbing
    torch.testing.assert_close(mc.absorption_probabilities()[:, 1], i / N, rtol=0, atol=1e-12)
    torch.testing.assert_close(mc.expected_steps_to_absorption(), i * (N - i), rtol=0,
                               atol=1e-10)
    limit = torch.linalg.matrix_power(P, 2000)[1:N][:, [0, N]]   # P^t -> absorption
    torch.testing.assert_close(mc.absorption_probabilities(), limit, rtol=0, atol=1e-9)


def test_two_state_chain_closed_forms() -> None:
    p, q = 0.3, 0.1
    mc = MarkovChain([[1 - p, p], [q, 1 - q]])
    torch.testing.assert_close(mc.stationary_distribution(),
                               torch.tensor([q / (p + q), p / (p + q)], dtype=torch.float64))
    M = mc.mean_first_passage_times()
    assert math.isclose(M[0, 1], 1 / p) and math.isclose(M[1, 0], 1 / q) and M[0, 0] == 0
    torch.testing.assert_close(mc.mean_return_times(), 1 / mc.stationary_distribution())


def test_stationary_is_invariant_and_is_the_limit() -> None:
    P = torch.tensor(MATRICES["dense 6"], dtype=torch.float64)
    pi = MarkovChain(P).stationary_distribution()
    torch.testing.assert_close(pi @ P, pi, rtol=0, atol=1e-14)
    torch.testing.assert_close(torch.linalg.matrix_power(P, 200)[0], pi, rtol=0, atol=1e-12)


def test_mfpt_by_simulation() -> None:
    P = torch.tensor(MATRICES["walk4 (period 2)"], dtype=torch.float64)
    mc = MarkovChain(P)
    runs = mc.simulate(200, n_chains=4000, start=0, seed=0)
    hit = (runs == 3).float().argmax(1)                        # first step at state 3
    assert bool((runs == 3).any(1).all())
    se = float(hit.float().std()) / math.sqrt(len(hit))
    assert abs(float(hit.float().mean()) - float(mc.mean_first_passage_times()[0, 3])) < 4 * se


def test_periods_and_reference_classes() -> None:
    for name, P in MATRICES.items():
        mc = MarkovChain(P)
        assert [c.tolist() for c in mc.communicating_classes()] == \
            [c.tolist() for c in mc.classes_from_reachability()], name
    n = 12
    cycle = torch.roll(torch.eye(n, dtype=torch.float64), 1, 1)
    assert MarkovChain(cycle).period == n
    both = torch.block_diag(torch.roll(torch.eye(4, dtype=torch.float64), 1, 1),
                            torch.roll(torch.eye(6, dtype=torch.float64), 1, 1))
    mc = MarkovChain(both)
    assert mc.periods() == [4, 6] and mc.period == 12 and not mc.is_irreducible
    lazy = 0.5 * (cycle + torch.eye(n, dtype=torch.float64))
    assert MarkovChain(lazy).period == 1


def test_simulate_frequencies_match_the_stationary_distribution() -> None:
    P = torch.tensor(MATRICES["dense 6"], dtype=torch.float64)
    mc = MarkovChain(P)
    x = mc.simulate(2000, n_chains=200, seed=1)
    assert x.shape == (200, 2001) and x.dtype == torch.long
    freq = torch.bincount(x[:, 100:].reshape(-1), minlength=6).double() / x[:, 100:].numel()
    torch.testing.assert_close(freq, mc.stationary_distribution(), rtol=0, atol=0.01)
    assert torch.equal(mc.simulate(50, 3, start=2, seed=7), mc.simulate(50, 3, start=2, seed=7))
    assert bool((mc.simulate(5, 4, start=2)[:, 0] == 2).all())


def test_fit_recovers_the_chain_by_maximum_likelihood() -> None:
    P = torch.tensor(MATRICES["dense 6"], dtype=torch.float64)
    x = MarkovChain(P).simulate(500, n_chains=400, seed=2)
    fitted = MarkovChain.fit(x, n_states=6)
    torch.testing.assert_close(fitted.P, P, rtol=0, atol=0.02)
    counts = transition_counts([[0, 1, 1, 2], [2, 0]], 3)         # ragged sequences
    assert counts.tolist() == [[0, 1, 0], [0, 1, 1], [1, 0, 0]]
    sm = MarkovChain.fit([[0, 1, 1, 2], [2, 0]], smoothing=1.0).P
    torch.testing.assert_close(sm[0], torch.tensor([1, 2, 1], dtype=torch.float64) / 4)


# -- analysis: errors -------------------------------------------------------------------------

def test_bad_transition_matrices() -> None:
    with pytest.raises(InputError, match="row 1 sums to 0.9"):
        MarkovChain([[0.5, 0.5], [0.4, 0.5]])
    with pytest.raises(InputError, match="non-negative"):
        MarkovChain([[1.2, -0.2], [0.5, 0.5]])
    with pytest.raises(InputError, match="square"):
        MarkovChain([[0.5, 0.5]])
    with pytest.raises(InputError, match="NaN"):
        MarkovChain([[float("nan"), 1.0], [0.5, 0.5]])
    with pytest.raises(InputError, match="irreducible"):
        MarkovChain(MATRICES["reducible"]).mean_first_passage_times()
    with pytest.raises(InputError, match="transient"):
        MarkovChain(MATRICES["dense 6"]).absorption_probabilities()
    with pytest.raises(InputError, match="non-empty"):
        MarkovChain.fit([])


# -- the registered model -----------------------------------------------------------------------

def _model(**hp: object) -> MarkovChainModel:
    return create("markov-chain", **{"sample_shape": (10,), "n_states": 4, **hp})


def test_model_counts_are_additive_and_forward_is_the_log_likelihood() -> None:
    P = torch.tensor([[.1, .9, 0, 0], [0, .2, .8, 0], [.5, 0, 0, .5], [.25, .25, .25, .25]],
                     dtype=torch.float64)
    x = MarkovChain(P).simulate(9, n_chains=64, seed=0)
    whole, halves = _model(smoothing=0.5), _model(smoothing=0.5)
    whole.training_step((x, None))
    halves.training_step((x[:30], None))
    halves.training_step((x[30:], None))
    assert torch.equal(whole.counts, halves.counts)
    assert torch.equal(whole.counts, transition_counts(x, 4))
    Pm = whole.transition_matrix
    torch.testing.assert_close(Pm, (whole.counts + 0.5) / (whole.counts.sum(1, True) + 2))
    manual = torch.tensor([sum(math.log(Pm[a, b]) for a, b in zip(s[:-1], s[1:]))
                           for s in x.tolist()], dtype=torch.float64)
    torch.testing.assert_close(whole(x), manual)
    ev = whole.evaluation_step((x, None))
    torch.testing.assert_close(ev["loss"], -manual.sum() / (64 * 9))
    torch.testing.assert_close(ev["perplexity"], ev["loss"].exp())
    assert torch.equal(whole.predict(x), Pm[x[:, -1]].argmax(1))
    assert whole.fit(x[:30]).counts.sum() == 30 * 9          # fit starts from zero counts


def test_model_input_checks_and_not_fitted() -> None:
    m = _model(smoothing=0.0)
    with pytest.raises(InputError, match=r"\[0, 4\)"):
        m.predict(torch.full((2, 10), 4))
    with pytest.raises(InputError, match=r"\[0, 4\)"):
        m(torch.full((2, 10), -1))
    with pytest.raises(NotFittedError, match="fit"):
        m.sample(10)
    with pytest.raises(NotFittedError, match="fit"):
        m.predict(torch.zeros(2, 10, dtype=torch.long))
    for bad in ({"sample_shape": (1,)}, {"n_states": 0}, {"smoothing": -1.0},
                {"vocabulary": "abc"}):
        with pytest.raises(ConfigError):
            _model(**bad)


def test_model_visualize_writes_graph_and_text(tmp_path: Path) -> None:
    splits = markov_sequences()
    m = create("markov-chain", sample_shape=(64,), n_states=len(CHARS), vocabulary=CHARS)
    m.fit(splits.train.X)
    paths = m.visualize(tmp_path)
    assert [p.name for p in paths] == ["state_graph.png", "generated_text.txt"]
    assert paths[0].stat().st_size > 10_000
    assert len(paths[1].read_text()) > 500
    assert m.chain().n == len(CHARS)


def test_markov_sequences_dataset() -> None:
    s = markov_sequences(seq_len=32)
    assert s.sample_shape == (32,) and s.train.X.dtype == torch.long
    text = shakespeare_excerpt()
    assert "".join(CHARS[i] for i in s.train.X[0].tolist()) == text[:32]
    r = markov_sequences(seq_len=50, source="random-chain", n_states=5, n=400, seed=3)
    P = r.meta["transition_matrix"]
    fitted = MarkovChain.fit(torch.cat([r.train.X, r.val.X, r.test.X]), n_states=5).P
    torch.testing.assert_close(fitted, P, rtol=0, atol=0.05)
    for bad in ("café", "5 €", "tab\there"):
        with pytest.raises(InputError, match="alphabet"):
            encode_chars(bad)
    with pytest.raises(ConfigError):
        markov_sequences(source="nope")  # type: ignore[arg-type]


def test_nnzoo_train_runs_offline_and_writes_plots(tmp_path: Path) -> None:
    from nnzoo.recipes.runner import RunOptions, train

    summary = train("markov-chain", options=RunOptions(out=str(tmp_path), quiet=True,
                                                       device="cpu"))
    run = Path(summary["run_dir"])
    assert 2.0 < summary["test"]["loss"] < 3.0            # char bigram: ~2.5 nats/char
    assert (run / "plots" / "state_graph.png").exists()
    assert (run / "plots" / "generated_text.txt").exists()
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["model_hp"]["vocabulary"] == CHARS
