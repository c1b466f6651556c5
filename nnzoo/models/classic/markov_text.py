"""Markov text generation: word- and character-level chains of any state size.

Reference implementation: markovify (J. Singer-Vine, https://github.com/jsvine/markovify,
MIT licence). :class:`MarkovText` reads text the way ``markovify.Text`` does, so that its
transition table equals ``markovify.Text(text, state_size).chain.model`` exactly:

1. **Sentences** (markovify's ``split_into_sentences``): a sentence ends after a word that
   ends in ``.``, ``?`` or ``!`` (optionally followed by closing quotes or brackets), before
   whitespace not followed by a lowercase letter or a dash, unless the word is an
   abbreviation (``Mr.``, ``Jan.``, a single capital letter) or an initialism (``U.S.``).
2. **Input filter** (``test_sentence_input``): a sentence is dropped when it is blank or holds
   characters that look odd out of context: ``(`` ``)`` ``[`` ``]`` ``"`` or a quote ``'`` at
   a word boundary (checked after mapping typographic quotes to ASCII, as markovify's
   ``unidecode`` does for them).
3. **Tokens**: words are the pieces of ``re.split(r"\\s+", sentence)``; with
   ``level="char"``, the characters of the sentence.
4. **Table**: each sentence ``w_1..w_L`` is padded to ``BEGIN^s w_1..w_L END`` and every
   window of ``s + 1`` tokens counted: state = the first ``s`` tokens, follow = the last.

The counting is vectorised: the token ids of every padded sentence are laid in one array,
the ``L + 1`` windows of each sentence are gathered at once, and
``unique(windows, dim=0, return_counts=True)`` (:func:`unique_rows`, a faster
``torch.unique(..., dim=0)``) returns every distinct ``(state, follow)`` with its count,
sorted, so the edges of each state are contiguous (a
CSR table: ``row_ptr``, ``follow``, ``counts``, and ``dest``, the state reached).

**Generation** walks many sentences at once: a state's next token is drawn by inverse CDF on
the running sum of its counts (``searchsorted``), for every unfinished walk in one call, until
each draws ``END``. **Rejection** (``test_sentence_output``): a sentence of ``n`` tokens is
rejected when it contains ``k + 1`` consecutive tokens that, joined, appear in the source
text, with ``k = min(max_overlap_total, round(max_overlap_ratio * n))``. markovify scans the
whole joined text for each run; here, for a run of 3+ words, only the places where its
rarest inner word occurs are compared (the same answer: words hold no spaces, so a match
lines up with the source's words, the first word a suffix, the last a prefix of a source
word).

Reading the text (steps 1-3), the counting helper :func:`unique_rows` and the source index of
the rejection test are in :mod:`nnzoo.models.classic.markov_corpus`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from nnzoo.core.errors import InputError
from nnzoo.models.classic.markov_corpus import (
    WORD_SPLIT,
    SourceIndex,
    parse_corpus,
    unique_rows,
)

BEGIN = "___BEGIN__"
END = "___END__"
_B, _E = 0, 1  # token ids of BEGIN and END

# -- the model ----------------------------------------------------------------------------------

class MarkovText:
    """A text generator: a Markov chain over the last ``state_size`` tokens of a sentence.

    Build it with :meth:`from_text` (or :meth:`from_runs`, :meth:`from_json`,
    :meth:`combine`). See the module docstring for the algorithm.

    :param vocab: the tokens, index = id; ids 0 and 1 are ``BEGIN`` and ``END``.
    :param edges: every distinct ``(state, follow)`` as token ids (E, state_size + 1).
    :param counts: their counts (or combined weights) (E,) float64.
    :param runs: the source runs, kept for the overlap test (None: no test).
    :param level: ``"word"`` or ``"char"`` (tokens joined by a space, or by nothing).
    :param seed: seeds the generator's random numbers.
    """

    def __init__(self, vocab: list[str], edges: np.ndarray, counts: np.ndarray,
                 runs: list[list[str]] | None, level: Literal["word", "char"] = "word",
                 seed: int | None = None) -> None:
        if level not in ("word", "char"):
            raise InputError(f"level must be 'word' or 'char', got {level!r}")
        if len(edges) == 0:
            raise InputError("the corpus holds no usable sentence to learn from")
        self.vocab, self.level, self.runs = vocab, level, runs
        self.state_size = edges.shape[1] - 1
        self.joiner = "" if level == "char" else " "
        self.rng = np.random.default_rng(seed)
        # sort the edges by (state, follow) and merge duplicates: the CSR table
        uniq, inv, _ = unique_rows(np.asarray(edges))                     # (E, s + 1)
        cnt = np.bincount(inv, weights=np.asarray(counts, dtype=np.float64),
                          minlength=len(uniq))                            # merged counts
        states, edge_row, _ = unique_rows(uniq[:, :-1])                  # (S, s)
        self.states = states                                              # (S, s) token ids
        self.follow = uniq[:, -1]                                         # (E,)
        self.counts = cnt                                                 # (E,)
        self.row_ptr = np.r_[0, np.cumsum(np.bincount(edge_row, minlength=len(states)))]
        # the state each edge leads to, (state[1:], follow), or -1 for END
        dest = np.full(len(uniq), -1, dtype=np.int64)
        go = self.follow != _E
        if go.any():
            nxt = uniq[go][:, 1:]
            both, where, _ = unique_rows(np.concatenate([states, nxt]))
            if len(both) != len(states):
                raise InputError("the transition table is inconsistent: a transition leads to a "
                                 "state that has no transitions of its own")
            dest[go] = where[len(states):]
        self.dest = dest
        self.cum = np.cumsum(self.counts)                                 # running sums
        self._index: dict[tuple[int, ...], int] | None = None
        # BEGIN has id 0, so the sentence-start state BEGIN^s sorts first
        if (self.states[0] != _B).any():
            raise InputError("the transition table has no sentence-start state")
        self.begin_row = 0
        self._ids: dict[str, int] | None = None
        self._source_index: SourceIndex | None = None

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def from_text(cls, text: str | Sequence[str], state_size: int = 2,
                  level: Literal["word", "char"] = "word", retain_original: bool = True,
                  seed: int | None = None) -> MarkovText:
        """Build the chain of ``text`` (see the module docstring).

        :param text: the corpus (a string, or a list of strings).
        :param state_size: tokens per state (>= 1).
        :param level: ``"word"`` or ``"char"`` tokens.
        :param retain_original: keep the sentences for the overlap test of generated ones.
        :raises InputError: for an empty corpus, or a state size longer than every sentence.
        """
        if not isinstance(text, str) and not (isinstance(text, Sequence)
                                              and all(isinstance(t, str) for t in text)):
            raise InputError(f"text must be a string or a list of strings, got "
                             f"{type(text).__name__}")
        if level not in ("word", "char"):
            raise InputError(f"level must be 'word' or 'char', got {level!r}")
        return cls.from_runs(parse_corpus(text, level), state_size, level, retain_original,
                             seed)

    @classmethod
    def from_runs(cls, runs: list[list[str]], state_size: int = 2,
                  level: Literal["word", "char"] = "word", retain_original: bool = True,
                  seed: int | None = None) -> MarkovText:
        """Build the chain of pre-split runs (sentences as lists of tokens)."""
        if isinstance(state_size, bool) or not isinstance(state_size, int) or state_size < 1:
            raise InputError(f"state_size must be an integer >= 1, got {state_size!r}")
        runs = [list(r) for r in runs if len(r)]
        if not runs:
            raise InputError("the corpus holds no usable sentence to learn from (it is empty, "
                             "or every sentence was filtered out)")
        s = state_size
        lengths = np.array([len(r) for r in runs], dtype=np.int64)        # L per run
        if lengths.max() < s:
            raise InputError(f"state_size {s} is longer than every sentence of the corpus (the "
                             f"longest has {int(lengths.max())} tokens)")
        ids: dict[str, int] = {BEGIN: _B, END: _E}
        tok = np.fromiter((ids.setdefault(w, len(ids)) for r in runs for w in r),
                          dtype=np.int64, count=int(lengths.sum()))
        vocab = list(ids)
        # lay every padded run BEGIN^s w_1..w_L END end to end in one array
        span = lengths + s + 1
        offset = np.cumsum(span) - span                                   # start of each run
        stream = np.full(int(span.sum()), _B, dtype=np.int64)
        first = np.repeat(offset + s, lengths)                            # where w_1 goes
        within = np.arange(len(tok)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        stream[first + within] = tok
        stream[offset + s + lengths] = _E
        # the L + 1 windows (state, follow) of each run: starts offset .. offset + L
        starts = np.repeat(offset, lengths + 1) + (
            np.arange(int((lengths + 1).sum())) - np.repeat(np.cumsum(lengths + 1) - lengths - 1,
                                                           lengths + 1))
        windows = stream[starts[:, None] + np.arange(s + 1)]              # (W, s + 1)
        edges, _, counts = unique_rows(windows)    # each distinct window and its count
        return cls(vocab, edges, counts, runs if retain_original else None, level, seed)

    # -- the table -------------------------------------------------------------------------

    def _row_of(self, state: tuple[int, ...]) -> int:
        """The row of a state given as token ids; -1 when it is not in the table."""
        if self._index is None:
            self._index = {tuple(r): i for i, r in enumerate(self.states.tolist())}
        return self._index.get(state, -1)

    def _token_ids(self) -> dict[str, int]:
        if self._ids is None:
            self._ids = {w: i for i, w in enumerate(self.vocab)}
        return self._ids

    @property
    def model(self) -> dict[tuple[str, ...], dict[str, float]]:
        """The table as markovify's ``chain.model``: ``{state: {follow: count}}``."""
        v, out = self.vocab, {}
        counts = [int(c) if float(c).is_integer() else float(c) for c in self.counts.tolist()]
        follow = self.follow.tolist()
        for r, st in enumerate(self.states.tolist()):
            a, b = self.row_ptr[r], self.row_ptr[r + 1]
            out[tuple(v[i] for i in st)] = {v[follow[e]]: counts[e] for e in range(a, b)}
        return out

    @property
    def _source(self) -> SourceIndex | None:
        """The index of the source text for the overlap test, built on first use."""
        if self._source_index is None and self.runs:
            self._source_index = SourceIndex(self.runs, self.vocab, self.joiner)
        return self._source_index

    @property
    def n_states(self) -> int:
        return len(self.states)

    @property
    def n_transitions(self) -> int:
        return len(self.follow)

    # -- generation --------------------------------------------------------------------------

    def walk(self, n: int, init_state: Sequence[str] | None = None, max_tokens: int = 10_000
             ) -> list[list[str] | None]:
        """``n`` random runs from ``init_state`` (default: a sentence start), drawn at once.

        A walk still unfinished after ``max_tokens`` tokens is returned as None.
        """
        row = self.begin_row if init_state is None else self._state_row(init_state)
        rows = np.full(n, row, dtype=np.int64)
        out = np.full((n, 64), -1, dtype=np.int64)
        length = np.zeros(n, dtype=np.int64)
        alive = np.arange(n)
        t = 0
        while len(alive) and t < max_tokens:
            r = rows[alive]
            lo, hi = self.row_ptr[r], self.row_ptr[r + 1]
            base = np.where(lo > 0, self.cum[lo - 1], 0.0)
            target = base + self.rng.random(len(alive)) * (self.cum[hi - 1] - base)
            e = np.clip(np.searchsorted(self.cum, target, side="right"), lo, hi - 1)
            tok = self.follow[e]                                          # inverse CDF draw
            done = tok == _E
            if t >= out.shape[1]:
                out = np.concatenate([out, np.full_like(out, -1)], 1)
            keep = alive[~done]
            out[keep, t] = tok[~done]
            length[keep] += 1
            rows[keep] = self.dest[e[~done]]
            alive = keep
            t += 1
        v = self.vocab
        res: list[list[str] | None] = []
        unfinished = set(alive.tolist())
        for i, row_ids in enumerate(out.tolist()):
            res.append(None if i in unfinished else [v[j] for j in row_ids[: length[i]]])
        return res

    def _state_row(self, init_state: Sequence[str]) -> int:
        state = tuple(init_state)
        if len(state) != self.state_size:
            raise InputError(f"init_state must hold {self.state_size} tokens, got {len(state)}")
        ids = self._token_ids()
        row = self._row_of(tuple(ids.get(w, -1) for w in state))
        if row < 0:
            raise InputError(f"init_state {state!r} is not a state of this model")
        return row

    def test_sentence_output(self, words: list[str], max_overlap_ratio: float = 0.7,
                             max_overlap_total: int = 15) -> bool:
        """True when no ``k + 1`` consecutive tokens of ``words`` appear in the source text,
        ``k = min(max_overlap_total, round(max_overlap_ratio * len(words)))``."""
        if self._source is None:
            return True
        k = min(max_overlap_total, round(max_overlap_ratio * len(words)))
        return not self._source.overlaps(words, k)

    def make_sentences(self, n: int, init_state: Sequence[str] | None = None, tries: int = 10,
                       max_overlap_ratio: float = 0.7, max_overlap_total: int = 15,
                       test_output: bool = True, max_words: int | None = None,
                       min_words: int | None = None) -> list[str | None]:
        """``n`` sentences, each as :meth:`make_sentence` makes one, drawn in batches."""
        if tries < 1:
            raise InputError(f"tries must be >= 1, got {tries}")
        prefix = list(init_state or [])
        while prefix and prefix[0] == BEGIN:
            prefix = prefix[1:]
        out: list[str | None] = []
        pool: list[list[str] | None] = []
        for _ in range(n):
            sentence = None
            for _ in range(tries):
                if not pool:
                    pool = self.walk(max(16, 2 * (n - len(out))), init_state)[::-1]
                run = pool.pop()
                if run is None:
                    continue
                words = prefix + run
                if (max_words is not None and len(words) > max_words) or (
                        min_words is not None and len(words) < min_words):
                    continue
                if not test_output or self.test_sentence_output(words, max_overlap_ratio,
                                                                max_overlap_total):
                    sentence = self.joiner.join(words)
                    break
            out.append(sentence)
        return out

    def make_sentence(self, init_state: Sequence[str] | None = None, tries: int = 10,
                      max_overlap_ratio: float = 0.7, max_overlap_total: int = 15,
                      test_output: bool = True, max_words: int | None = None,
                      min_words: int | None = None) -> str | None:
        """One new sentence, or None when ``tries`` attempts all copy the source.

        :param init_state: start from this state (``state_size`` tokens, ``BEGIN`` allowed
            at the front); its tokens other than ``BEGIN`` begin the sentence.
        :param tries: attempts before giving up.
        :param max_overlap_ratio: see :meth:`test_sentence_output`.
        :param max_overlap_total: see :meth:`test_sentence_output`.
        :param test_output: reject sentences that copy the source.
        :param max_words: reject longer sentences; :param min_words: reject shorter ones.
        """
        return self.make_sentences(1, init_state, tries, max_overlap_ratio, max_overlap_total,
                                   test_output, max_words, min_words)[0]

    def make_sentence_with_start(self, beginning: str, strict: bool = True, **kwargs: Any
                                 ) -> str:
        """A sentence that begins with ``beginning`` (1 to ``state_size`` tokens).

        :param strict: only from sentence starts; otherwise from any state that begins with
            these tokens.
        :raises InputError: for a wrong number of tokens, or when no sentence can be made.
        """
        split = tuple(beginning) if self.level == "char" else tuple(WORD_SPLIT.split(beginning))
        k, s = len(split), self.state_size
        if k == s:
            init_states = [split]
        elif 0 < k < s:
            if strict:
                init_states = [(BEGIN,) * (s - k) + split]
            else:
                v = self.vocab
                init_states = [tuple(v[i] for i in st) for st in self.states.tolist()
                               if tuple(v[i] for i in st if i != _B)[:k] == split]
                self.rng.shuffle(init_states)
        else:
            raise InputError(f"make_sentence_with_start needs 1 to {s} tokens, got {k}: "
                             f"{split!r}")
        ids = self._token_ids()
        for st in init_states:
            if self._row_of(tuple(ids.get(w, -1) for w in st)) < 0:
                continue
            out = self.make_sentence(st, **kwargs)
            if out is not None:
                return out
        raise InputError(f"no sentence beginning with {beginning!r} can be made from this model")

    # -- persistence and combination ---------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """markovify's ``Text.to_dict`` layout (plus ``level``): loadable by both."""
        return {"state_size": self.state_size, "level": self.level,
                "chain": json.dumps([[list(k), v] for k, v in self.model.items()]),
                "parsed_sentences": self.runs}

    def to_json(self) -> str:
        """The model as a JSON string (:meth:`from_json` reads it, and markovify too)."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, obj: dict[str, Any], seed: int | None = None) -> MarkovText:
        """Rebuild from :meth:`to_dict` (or markovify's ``Text.to_dict``)."""
        try:
            chain = obj["chain"]
            items = json.loads(chain) if isinstance(chain, str) else chain
            if isinstance(items, dict):
                items = list(items.items())
            level = obj.get("level", "word")
            ids: dict[str, int] = {BEGIN: _B, END: _E}
            rows, weights = [], []
            for state, follows in items:
                st = [ids.setdefault(w, len(ids)) for w in state]
                for w, c in follows.items():
                    rows.append([*st, ids.setdefault(w, len(ids))])
                    weights.append(float(c))
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise InputError(f"not a MarkovText/markovify model in JSON ({e})") from None
        if not rows:
            raise InputError("the model in JSON holds no transitions")
        return cls(list(ids), np.array(rows, dtype=np.int64), np.array(weights),
                   obj.get("parsed_sentences"), level, seed)

    @classmethod
    def from_json(cls, text: str, seed: int | None = None) -> MarkovText:
        """Rebuild from :meth:`to_json` (or markovify's ``Text.to_json``)."""
        try:
            obj = json.loads(text)
        except (TypeError, ValueError) as e:
            raise InputError(f"not valid JSON ({e})") from None
        if not isinstance(obj, dict):
            raise InputError("expected a JSON object with 'state_size' and 'chain'")
        return cls.from_dict(obj, seed)

    @classmethod
    def combine(cls, models: Sequence[MarkovText], weights: Sequence[float] | None = None,
                seed: int | None = None) -> MarkovText:
        """One model whose counts are ``sum_m w_m c_m`` (markovify's ``combine``).

        :raises InputError: for models of different state sizes or levels, or bad weights.
        """
        models = list(models)
        if not models:
            raise InputError("combine needs at least one model")
        weights = [1.0] * len(models) if weights is None else [float(w) for w in weights]
        if len(weights) != len(models):
            raise InputError(f"combine got {len(models)} models but {len(weights)} weights")
        if len({m.state_size for m in models}) != 1 or len({m.level for m in models}) != 1:
            raise InputError("combine needs models of one state size and one level")
        ids: dict[str, int] = {BEGIN: _B, END: _E}
        parts, counts = [], []
        for m, w in zip(models, weights):
            remap = np.array([ids.setdefault(t, len(ids)) for t in m.vocab], dtype=np.int64)
            rows = np.repeat(np.arange(m.n_states), np.diff(m.row_ptr))
            edges = np.concatenate([m.states[rows], m.follow[:, None]], 1)
            parts.append(remap[edges])
            counts.append(m.counts * w)
        runs = [r for m in models if m.runs for r in m.runs] or None
        return cls(list(ids), np.concatenate(parts), np.concatenate(counts), runs,
                   models[0].level, seed)

    def __repr__(self) -> str:
        return (f"MarkovText(level={self.level!r}, state_size={self.state_size}, "
                f"states={self.n_states}, transitions={self.n_transitions})")


__all__ = ["BEGIN", "END", "MarkovText"]
