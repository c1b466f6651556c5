"""The CRF layer against brute-force enumeration and pytorch-crf, its gradient against finite
differences, the tensor entity scorer against the conlleval port, and the taggers' errors."""

from __future__ import annotations

import itertools
import random

import pytest
import torch

from nnzoo.core.errors import ConfigError, InputError
from nnzoo.core.tags import PAD_TAG, TOY_TAGS
from nnzoo.data.conll import conlleval, decode_tags
from nnzoo.models import create
from nnzoo.models.text.crf import CRFConfig
from nnzoo.models.text.crf_layer import (
    CRF,
    FORBIDDEN,
    bio_constraints,
    log_partition,
    log_partition_reference,
    sequence_score,
    sequence_score_reference,
    viterbi_decode,
    viterbi_reference,
)
from nnzoo.models.text.scores import chunk_counts, chunk_tables


def _random(B: int = 5, T: int = 4, K: int = 3, seed: int = 0, dtype: torch.dtype = torch.float64
            ) -> tuple[torch.Tensor, torch.Tensor, CRF]:
    torch.manual_seed(seed)
    e = torch.randn(B, T, K, dtype=dtype) * 2
    lengths = torch.randint(1, T + 1, (B,))
    lengths[0] = T
    layer = CRF(K).to(dtype)
    with torch.no_grad():
        for p in layer.parameters():
            p.normal_()
    return e, lengths, layer


def _brute(e: torch.Tensor, trans: torch.Tensor, start: torch.Tensor, end: torch.Tensor
           ) -> tuple[float, list[int]]:
    """log Z and the best path of one sequence (L, K) by enumerating all K^L tag sequences."""
    L, K = e.shape
    paths = list(itertools.product(range(K), repeat=L))
    scores = torch.stack([sequence_score_reference(e, p, trans, start, end) for p in paths])
    return float(torch.logsumexp(scores, 0).detach()), list(paths[int(scores.argmax())])


@pytest.mark.parametrize("constraints", [False, True])
def test_log_partition_and_viterbi_match_enumeration(constraints: bool) -> None:
    tags = ("O", "B-X", "I-X", "B-Y", "I-Y") if constraints else None
    K = 5 if constraints else 3
    e, lengths, _ = _random(B=6, T=4, K=K)
    layer = CRF(K, tags, constraints).double()
    with torch.no_grad():
        for p in layer.parameters():
            p.normal_()
    trans, start, end = layer.scores()
    lz = log_partition(e, lengths, trans, start, end).detach()
    best, _ = viterbi_decode(e, lengths, trans, start, end)
    for b in range(len(e)):
        L = int(lengths[b])
        z, path = _brute(e[b, :L], trans, start, end)
        assert float(lz[b]) == pytest.approx(z, abs=1e-9)
        assert float(log_partition_reference(e[b, :L], trans, start, end)) == pytest.approx(
            z, abs=1e-9)
        assert best[b, :L].tolist() == path
        assert viterbi_reference(e[b, :L], trans, start, end)[0] == path
        assert (best[b, L:] == PAD_TAG).all()
        if constraints:   # no I-X first, no I-X after anything but B-X / I-X
            names = [tags[i] for i in path]
            assert not names[0].startswith("I-")
            for a, c in zip(names, names[1:]):
                assert not c.startswith("I-") or a[2:] == c[2:]


def test_bio_constraint_tables() -> None:
    start, trans = bio_constraints(("O", "B-X", "I-X", "B-Y", "I-Y"))
    assert start.tolist() == [True, True, False, True, False]
    assert trans[:, 2].tolist() == [False, True, True, False, False]      # -> I-X
    assert trans[:, 4].tolist() == [False, False, False, True, True]      # -> I-Y
    assert trans[:, [0, 1, 3]].all()
    layer = CRF(5, ("O", "B-X", "I-X", "B-Y", "I-Y"), constraints=True)
    assert float(layer.transition_penalty[0, 2]) == FORBIDDEN


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-10), (torch.float32, 1e-5)])
def test_log_likelihood_and_decode_equal_pytorch_crf(dtype: torch.dtype, tol: float) -> None:
    torchcrf = pytest.importorskip("torchcrf")
    torch.manual_seed(1)
    B, T, K = 16, 12, 7
    e = torch.randn(B, T, K, dtype=dtype)
    lengths = torch.randint(1, T + 1, (B,))
    lengths[0] = T
    mask = torch.arange(T)[None] < lengths[:, None]
    tags = torch.randint(0, K, (B, T))
    ours = CRF(K).to(dtype)
    peer = torchcrf.CRF(K, batch_first=True).to(dtype)
    peer.load_state_dict({"transitions": ours.transitions.data,
                          "start_transitions": ours.start_transitions.data,
                          "end_transitions": ours.end_transitions.data})
    a = ours(e, tags, mask)
    b = peer(e, tags, mask, reduction="none")
    rel = ((a - b).abs() / b.abs()).max()
    assert float(rel) < tol
    dec = ours.decode(e, mask)
    for i, path in enumerate(peer.decode(e, mask)):
        assert dec[i, :len(path)].tolist() == path
    # the gradients agree too (nnzoo's from forward-backward marginals)
    e1, e2 = e.clone().requires_grad_(), e.clone().requires_grad_()
    ours(e1, tags, mask).sum().backward()
    peer(e2, tags, mask).backward()
    torch.testing.assert_close(e1.grad, e2.grad, atol=100 * tol, rtol=100 * tol)
    torch.testing.assert_close(ours.transitions.grad, peer.transitions.grad,
                               atol=1e3 * tol, rtol=100 * tol)


def test_bench_quick_tasks_build_the_same_crf_on_every_run() -> None:
    """The quick bench rows (``nnzoo bench crf --tier quick``) repeat: their CRF's scores are
    drawn from a fixed seed, not from wherever torch's global generator stands, and the
    caller's generator is left as it was."""
    from nnzoo.bench.text.crf import _crf

    torch.manual_seed(123)
    before = torch.get_rng_state()
    a = _crf(20)
    assert torch.equal(torch.get_rng_state(), before)
    torch.rand(5)                                              # the global stream moves on
    b = _crf(20)
    for name, p in a.named_parameters():
        assert torch.equal(p, b.get_parameter(name)), name
    assert not torch.equal(_crf(20, seed=1).transitions, a.transitions)
    assert float(a.transitions.abs().max()) <= 0.1             # uniform in [-0.1, 0.1]


def test_gradient_matches_finite_differences() -> None:
    e, lengths, layer = _random(B=4, T=5, K=3, seed=2)
    params = [p.detach().clone().requires_grad_() for p in layer.scores()]
    e = e.requires_grad_()
    assert torch.autograd.gradcheck(
        lambda em, tr, s, f: log_partition(em, lengths, tr, s, f), (e, *params))


def test_marginals_sum_to_one_and_match_enumeration() -> None:
    """d log Z / d e_t(j) = p(y_t = j): the gradient is the marginal of each tag."""
    e, lengths, layer = _random(B=3, T=4, K=3, seed=3)
    e = e.requires_grad_()
    trans, start, end = (s.detach() for s in layer.scores())
    log_partition(e, lengths, trans, start, end).sum().backward()
    L = int(lengths[0])
    paths = list(itertools.product(range(3), repeat=L))
    scores = torch.stack([sequence_score_reference(e[0, :L].detach(), p, trans, start, end)
                          for p in paths])
    prob = torch.softmax(scores, 0)
    marg = torch.zeros(L, 3, dtype=torch.float64)
    for p, w in zip(paths, prob):
        marg[torch.arange(L), torch.tensor(p)] += w
    torch.testing.assert_close(e.grad[0, :L], marg)
    assert torch.allclose(e.grad.sum(2), (torch.arange(4)[None] < lengths[:, None]).double())


def test_sequence_score_matches_reference() -> None:
    e, lengths, layer = _random(B=5, T=6, K=4, seed=4)
    tags = torch.randint(0, 4, (5, 6))
    got = sequence_score(e, tags, lengths, *layer.scores())
    for b in range(5):
        L = int(lengths[b])
        want = sequence_score_reference(e[b, :L], tags[b, :L].tolist(), *layer.scores())
        assert float(got[b]) == pytest.approx(float(want), abs=1e-10)


def test_layer_rejects_bad_masks_and_shapes() -> None:
    layer = CRF(3)
    e = torch.randn(2, 4, 3)
    with pytest.raises(InputError, match="length zero"):
        layer.log_partition(e, torch.tensor([[1, 1, 0, 0], [0, 0, 0, 0]]).bool())
    with pytest.raises(InputError, match="padding after"):
        layer.log_partition(e, torch.tensor([[1, 0, 1, 0], [1, 1, 1, 1]]).bool())
    with pytest.raises(InputError, match="zero steps"):
        layer.log_partition(torch.randn(2, 0, 3))
    with pytest.raises(InputError, match="shape"):
        layer.log_partition(torch.randn(2, 4, 5))
    with pytest.raises(ConfigError, match="BIO"):
        CRF(3, ("O", "X-A", "I-A"), constraints=True)


def _random_bio(rng: random.Random, tags: tuple[str, ...], n: int) -> list[str]:
    return [rng.choice(tags) for _ in range(n)]


def test_tensor_scorer_equals_conlleval_port() -> None:
    """Random (often invalid) BIO sequences: the vectorised counts equal conlleval's."""
    rng = random.Random(0)
    tags = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-creative-work", "I-creative-work")
    typ, is_b, types = chunk_tables(tags)
    B, T = 60, 9
    gold = torch.full((B, T), PAD_TAG)
    pred = torch.full((B, T), PAD_TAG)
    for b in range(B):
        L = rng.randint(1, T)
        gold[b, :L] = torch.tensor([rng.randrange(len(tags)) for _ in range(L)])
        pred[b, :L] = torch.where(torch.rand(L) < 0.6, gold[b, :L],
                                  torch.randint(0, len(tags), (L,)))
    c = chunk_counts(gold, pred, typ, is_b, len(types))
    ref = conlleval(decode_tags(gold, tags), decode_tags(pred, tags))
    assert int(c["tokens"]) == ref.tokens and int(c["correct_tags"]) == ref.correct_tags
    for i, t in enumerate(types):
        assert int(c["correct"][i]) == ref.correct[t]
        assert int(c["found_guessed"][i]) == ref.found_guessed[t]
        assert int(c["found_gold"][i]) == ref.found_gold[t]
    assert sum(ref.correct.values()) > 10                         # the test can fail


# -- the taggers -----------------------------------------------------------------------------------

def _toy(model_id: str, **hp: object):  # type: ignore[no-untyped-def]
    from nnzoo.data import load_dataset

    s = load_dataset("toy-ner", n=64, n_val=16, n_test=16)
    m = create(model_id, sample_shape=s.sample_shape, n_classes=s.n_classes,
               vocab_size=s.meta["vocab_size"], tags=s.meta["tags"], **hp)
    return m, s


def test_taggers_read_the_characters_the_data_encodes() -> None:
    """The character ids the NER data writes are those the feature CRF's case and affix
    features decode (both read nnzoo.core.tags.ALPHABET)."""
    from nnzoo.data import load_dataset

    s = load_dataset("toy-ner", n=8, n_val=4, n_test=4)
    assert s.meta["chars"] == CRFConfig().alphabet


def _shape_reference(word: str, alphabet: str, pos: int, n_words: int) -> list[bool]:
    """SHAPE_FEATURES of ``word`` read off the string, character by character (characters
    outside ``alphabet`` count as unknown)."""
    known = [c for c in word if c in alphabet]
    n = len(word)
    up = [c.isupper() for c in known]
    lo = [c.islower() for c in known]
    dg = [c.isdigit() for c in known]
    pu = [not (c.isalpha() or c.isdigit()) for c in known]
    unk = len(known) < n
    every = lambda m: n > 0 and len(m) == n and all(m)  # noqa: E731 (unknowns break "every")
    return [bool(word) and word[0] in alphabet and word[0].isupper(), every(up), every(lo),
            any(up) and any(lo), any(dg), every(dg), any(pu), every(pu), word.startswith("@"),
            word.startswith("#"), unk, n == 1, 2 <= n <= 3, 4 <= n <= 6, n >= 7, pos == 0,
            pos == n_words - 1]


def test_feature_crf_shape_features_match_a_string_reference() -> None:
    """The vectorised shape features equal a per-character reading of the words (case,
    digits, punctuation, @ and #, unknown characters, lengths, position), truncated words
    and padded steps included."""
    from nnzoo.models.text.crf import SHAPE_FEATURES

    m = create("crf", sample_shape=(6, 1 + 8))
    alphabet = m.config.alphabet
    sentences = [["Apple", "NASA", "ok", "iPhone", "2017", "a1"],
                 ["@user", "#tag", "...", "x", "caf\u00e9", "Z\u00fcrich"],
                 ["Mixed-Case9", "'s"]]
    x = torch.zeros(len(sentences), 6, 9, dtype=torch.long)
    for b, sent in enumerate(sentences):
        for t, w in enumerate(sent):
            x[b, t, 0] = 2 + t
            for i, c in enumerate(w[:8]):
                x[b, t, 1 + i] = 2 + alphabet.index(c) if c in alphabet else 1
    words, chars, lengths = m._split(x)
    got = m.shape_features(chars, lengths)
    assert got.shape == (3, 6, len(SHAPE_FEATURES))
    for b, sent in enumerate(sentences):
        for t, w in enumerate(sent):
            want = _shape_reference(w[:8], alphabet, t, len(sent))
            assert got[b, t].tolist() == [float(v) for v in want], (w, SHAPE_FEATURES)
    assert not got[2, 2:, :15].any()                       # padded steps: no word features


def test_feature_crf_affix_scores_are_the_sum_of_the_word_affix_weights() -> None:
    """The affix part of the emissions (one embedding bag per word) equals the sum of the
    affix table's rows over the word's affixes, read one affix at a time, and so does its
    gradient with respect to the table."""
    torch.manual_seed(0)
    m, s = _toy("crf")
    torch.nn.init.normal_(m.affix.weight)
    x = s.train.X[:6]
    words, chars, lengths = m._split(x)
    aff = m.affix_ids(chars)
    assert (aff >= 0).any() and (aff < 0).any()                 # words shorter than affixes
    without = m.emissions(words, chars, lengths).detach()
    g = torch.randn_like(without)
    m.emissions(words, chars, lengths).backward(g)
    got = m.affix.weight.grad.clone()
    want = torch.zeros_like(m.affix.weight)
    part = torch.zeros_like(without)
    W = m.affix.weight.detach()
    for b, t, j in itertools.product(*map(range, aff.shape)):
        h = int(aff[b, t, j])
        if h >= 0:
            part[b, t] += W[h]
            want[h] += g[b, t]
    with torch.no_grad():
        m.affix.weight.zero_()
        base = m.emissions(words, chars, lengths)
    torch.testing.assert_close(without - base, part, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("model_id,hp", [("crf", {}), ("bilstm-crf", {"char_encoder": "lstm"}),
                                         ("bilstm-crf", {"char_encoder": "none",
                                                         "decoder": "softmax"})])
def test_taggers_learn_the_toy_task(model_id: str, hp: dict) -> None:
    torch.manual_seed(0)
    m, s = _toy(model_id, **hp)
    opt = torch.optim.Adam(m.parameters(), lr=0.05 if model_id == "crf" else 0.01)
    x, y = s.train.X, s.train.y
    for _ in range(25):
        opt.zero_grad()
        m.training_step((x, y))["loss"].backward()
        opt.step()
    m.eval()
    out = m.evaluation_step((x, y))
    assert float(out["f1"]) > 0.9
    pred = m.predict(x)
    assert ((pred == PAD_TAG) == (y == PAD_TAG)).all()


def test_tagger_bad_input() -> None:
    m, s = _toy("crf")
    x, y = s.train.X[:4].clone(), s.train.y[:4].clone()
    empty = x.clone()
    empty[1] = 0                                                   # a sentence of no tokens
    with pytest.raises(InputError, match="length zero"):
        m.predict(empty)
    gap = x.clone()
    gap[0, 0, 0] = 0                                               # padding before a token
    with pytest.raises(InputError, match="padding"):
        m.predict(gap)
    short = y.clone()
    L = int((x[0, :, 0] != 0).sum())
    short[0, L - 1] = PAD_TAG                                      # one tag fewer than tokens
    with pytest.raises(InputError, match="different lengths"):
        m.training_step((x, short))
    bad = y.clone()
    bad[0, 0] = len(TOY_TAGS)                                      # a tag id outside the set
    with pytest.raises(InputError, match="tag id"):
        m.training_step((x, bad))
    with pytest.raises(InputError, match="shape"):
        m.training_step((x, y[:, :-1]))
    with pytest.raises(InputError, match="word ids"):
        m.predict(torch.where(x[..., :1] > 0, x[..., :1] + 10_000, 0).expand_as(x).clone())
    with pytest.raises(InputError, match="needs tags"):
        m.training_step((x, None))


def test_tagger_config_errors() -> None:
    with pytest.raises(ConfigError, match="n_classes"):
        create("crf", n_classes=5)
    with pytest.raises(ConfigError, match="BIO"):
        create("crf", tags=("O", "S-PER", "E-PER"), n_classes=3)
    with pytest.raises(ConfigError, match="B-PER and I-PER|both"):
        create("bilstm-crf", tags=("O", "B-PER"), n_classes=2)
    with pytest.raises(ConfigError, match="char_encoder"):
        create("bilstm-crf", char_encoder="gru")


def test_eval_counts_and_plots(tmp_path) -> None:  # type: ignore[no-untyped-def]
    m, s = _toy("bilstm-crf")
    m.eval()
    m.evaluation_step((s.test.X, s.test.y))
    assert int(m.eval_counts["tokens"]) == int((s.test.y != PAD_TAG).sum())
    paths = m.visualize(tmp_path)
    assert {p.name for p in paths} == {"transitions.png", "entity_f1_by_type.png"}
    m.eval()                                                       # a new evaluation resets
    assert m.eval_counts == {}
