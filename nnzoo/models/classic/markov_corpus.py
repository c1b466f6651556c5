"""Reading a corpus the way markovify does, for :mod:`nnzoo.models.classic.markov_text`:
sentence splitting (``markovify.splitters``), the input filter, tokens; the source index of
the overlap (rejection) test; and :func:`unique_rows`, the counting step.

Reference implementation: markovify (J. Singer-Vine, https://github.com/jsvine/markovify,
MIT licence); the rules are listed in :mod:`nnzoo.models.classic.markov_text`'s docstring.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

import numpy as np

# -- sentences, exactly as markovify.splitters -------------------------------------------------

_UPPER = re.compile(r"^[A-Z]$", re.UNICODE)
_INITIALISM = re.compile(r"^[A-Za-z0-9]{1,2}(\.[A-Za-z0-9]{1,2})+\.$", re.UNICODE)
_ABBR_CAPPED = set("|".join([
    "ala|ariz|ark|calif|colo|conn|del|fla|ga|ill|ind", "kan|ky|la|md|mass|mich|minn|miss|mo|mont",
    "neb|nev|okla|ore|pa|tenn|vt|va|wash|wis|wyo", "u.s",
    "mr|ms|mrs|msr|dr|gov|pres|sen|sens|rep|reps", "prof|gen|messrs|col|sr|jf|sgt|mgr|fr|rev",
    "jr|snr|atty|supt", "ave|blvd|st|rd|hwy", "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec",
]).split("|"))
_ABBR_LOWER = {"etc", "v", "vs", "viz", "al", "pct"}
_POTENTIAL_END = re.compile(
    r"([\w\.'’&\]\)]+[\.\?!])"      # a word that ends with punctuation
    r"([‘’“”'\"\)\]]*)"             # optional closing quotes or brackets
    r"(\s+(?![a-z\-–—]))",          # whitespace not followed by lowercase or a dash
    re.U)
_REJECT = re.compile(r"(^')|('$)|\s'|'\s|[\"(\(\)\[\])]")
_ASCII_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'",
                               "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"',
                               "（": "(", "）": ")", "［": "[", "］": "]"})
WORD_SPLIT = re.compile(r"\s+")


def _is_abbreviation(word: str) -> bool:
    clipped = word[:-1]
    if _UPPER.match(clipped[0]):
        return len(clipped) == 1 or clipped.lower() in _ABBR_CAPPED
    return clipped in _ABBR_LOWER


def _is_sentence_ender(word: str) -> bool:
    if _INITIALISM.match(word):
        return False
    if word[-1] in "?!":
        return True
    if len(re.sub(r"[^A-Z]", "", word)) > 1:     # an all-caps word (an acronym) ends one too
        return True
    return word[-1] == "." and not _is_abbreviation(word)


def split_into_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences, as ``markovify.split_into_sentences``."""
    ends = [m.start() + len(m.group(1)) + len(m.group(2))
            for m in _POTENTIAL_END.finditer(text) if _is_sentence_ender(m.group(1))]
    return [text[a:b].strip() for a, b in zip([None, *ends], [*ends, None])]


def sentence_is_usable(sentence: str) -> bool:
    """markovify's ``test_sentence_input``: not blank, no brackets, double quotes or quotes
    at a word boundary."""
    return bool(sentence.strip()) and not _REJECT.search(sentence.translate(_ASCII_QUOTES))


def parse_corpus(text: str | Sequence[str], level: Literal["word", "char"] = "word"
                 ) -> list[list[str]]:
    """The runs (sentences as lists of tokens) that markovify would train on.

    :param text: one string, or several (each split into sentences on its own).
    """
    if isinstance(text, str):
        sentences = split_into_sentences(text)
    else:
        sentences = [s for t in text for s in split_into_sentences(t)]
    usable = [s for s in sentences if sentence_is_usable(s)]
    return [list(s) if level == "char" else WORD_SPLIT.split(s) for s in usable]


# -- distinct rows of an integer table, fast --------------------------------------------------

def unique_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct rows of an integer table (sorted), the row of each input row, and the
    counts: ``torch.unique(rows, dim=0, return_inverse=True, return_counts=True)``, faster.

    Each row is first reduced to its rank in lexicographic order, one column at a time
    (``key <- rank(key * (max + 1) + column)``, so keys stay below the number of rows), and a
    1-D ``unique`` of the keys does the rest.
    """
    rows = np.asarray(rows, dtype=np.int64)
    if rows.shape[0] == 0:
        return rows, np.zeros(0, np.int64), np.zeros(0, np.int64)
    base = int(rows.max()) + 1
    key = rows[:, 0]
    for c in range(1, rows.shape[1]):
        key = np.unique(key * base + rows[:, c], return_inverse=True)[1].reshape(-1)
    uniq_key, first, inverse, counts = np.unique(key, return_index=True, return_inverse=True,
                                                 return_counts=True)
    return rows[first], inverse.reshape(-1), counts


class SourceIndex:
    """The source text, for the overlap test: ``contains(gram)`` is
    ``joiner.join(gram) in " ".join(joiner.join(run) for run in runs)`` (markovify's test).

    For words, a match of 3+ words must line up with the source's words (words hold no
    spaces): the inner words equal consecutive source words, the first word ends a source
    word and the last begins one. So only the positions of the gram's rarest inner word are
    compared (a position list per word), instead of scanning the whole text.
    """

    def __init__(self, runs: list[list[str]], vocab: list[str], joiner: str) -> None:
        self.joiner = joiner
        self.text = " ".join(joiner.join(r) for r in runs)
        self.indexed = joiner == " "
        if not self.indexed:
            return
        self.ids = {w: i for i, w in enumerate(vocab)}
        self.tokens = [w for r in runs for w in r]                       # the word stream
        stream = np.fromiter((self.ids.get(w, -1) for w in self.tokens), dtype=np.int64,
                             count=len(self.tokens))
        order = np.argsort(stream, kind="stable")                        # positions by word
        ptr = np.r_[0, np.cumsum(np.bincount(stream[stream >= 0], minlength=len(vocab)))]
        order = order[len(order) - int(ptr[-1]):].tolist()              # drop unknown (-1)
        self.positions = [order[a:b] for a, b in zip(ptr[:-1].tolist(), ptr[1:].tolist())]
        self.stream = stream.tolist()

    def overlaps(self, words: list[str], k: int) -> bool:
        """True when some ``k + 1`` consecutive tokens of ``words`` (or all of them, when
        fewer) appear in the source; markovify's ``test_sentence_output`` negated."""
        size = k + 1
        grams = range(max(len(words) - k, 1))
        if not self.indexed or size < 3 or len(words) < 3:
            j = self.joiner
            return any(j.join(words[g : g + size]) in self.text for g in grams)
        ids = [self.ids.get(w, -1) for w in words]
        freq = [len(self.positions[i]) if i >= 0 else 0 for i in ids]
        stream, toks, n = self.stream, self.tokens, len(self.stream)
        for g in grams:
            last = min(g + size, len(words)) - 1                         # gram = words[g..last]
            if last - g < 2:
                if self.joiner.join(words[g : last + 1]) in self.text:
                    return True
                continue
            m = min(range(g + 1, last), key=freq.__getitem__)            # rarest inner word
            if freq[m] == 0:
                continue                                                  # never in the source
            inner = ids[g + 1 : last]
            for p in self.positions[ids[m]]:
                i = p - (m - g)                                           # where words[g] sits
                if i < 0 or i + last - g >= n or stream[i + 1 : i + last - g] != inner:
                    continue
                if toks[i].endswith(words[g]) and toks[i + last - g].startswith(words[last]):
                    return True
        return False

    def contains(self, gram: list[str]) -> bool:
        """True when ``joiner.join(gram)`` appears in the source text."""
        return self.overlaps(gram, len(gram) - 1)


__all__ = ["WORD_SPLIT", "SourceIndex", "parse_corpus", "sentence_is_usable",
           "split_into_sentences", "unique_rows"]
