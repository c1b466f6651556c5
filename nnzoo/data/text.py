"""Text corpora and state sequences for the Markov chains.

The package ships one small licence-clean corpus, ``corpora/tinyshakespeare_excerpt.txt``:
the first 149,961 characters (up to a blank line) of Tiny Shakespeare (Karpathy, char-rnn,
2015, ``data/tinyshakespeare/input.txt``, commit 6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e).
Shakespeare's text is in the public domain. The full corpus is read from
``<data root>/tinyshakespeare/input.txt`` (:func:`tinyshakespeare`; source
:data:`TINYSHAKESPEARE`, whose sha256 was computed with ``sha256sum`` from the file of that
commit).

:func:`markov_sequences` (dataset ``markov-sequences``) turns text into fixed-length
windows of character indices over :data:`CHARS` (the 65 characters of Tiny Shakespeare), or
samples sequences from a fixed random chain, for the ``markov-chain`` model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import torch

from nnzoo.core.errors import ConfigError, InputError
from nnzoo.data.base import ArrayDataset, Splits
from nnzoo.data.generated import _generator, _int
from nnzoo.data.registry import register_dataset
from nnzoo.data.sources import RemoteFile, Source, ensure

#: The alphabet of Tiny Shakespeare, sorted: index = state of the character chain.
CHARS = "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
CORPUS = Path(__file__).resolve().parent / "corpora" / "tinyshakespeare_excerpt.txt"

TINYSHAKESPEARE = Source(
    name="tinyshakespeare",
    files=(RemoteFile(
        "input.txt",
        "https://raw.githubusercontent.com/karpathy/char-rnn/"
        "6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e/data/tinyshakespeare/input.txt",
        sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        size=1115394,
        mirrors=("https://raw.githubusercontent.com/karpathy/char-rnn/master/data/"
                 "tinyshakespeare/input.txt",)),),
    homepage="https://github.com/karpathy/char-rnn",
    licence="public domain (Shakespeare's text)",
    description="Tiny Shakespeare (Karpathy, char-rnn, 2015): 1,115,394 ASCII characters",
)


def shakespeare_excerpt() -> str:
    """The shipped Tiny Shakespeare excerpt (about 150 KB, public domain)."""
    return CORPUS.read_text(encoding="ascii")


def tinyshakespeare(root: str | Path | None = None) -> str:
    """The full Tiny Shakespeare (1,115,394 characters) from ``<root>/tinyshakespeare/``
    (downloaded when missing, unless ``NNZOO_OFFLINE=1``).

    :raises DataMissingError: naming the file to put in place and where to get it.
    """
    directory = ensure(TINYSHAKESPEARE, root=root)
    return (directory / "input.txt").read_text(encoding="utf-8")


def encode_chars(text: str, alphabet: str = CHARS) -> torch.Tensor:
    """Character indices of ``text`` over ``alphabet`` (int64).

    :raises InputError: for a character outside the alphabet.
    """
    if not text.isascii():
        i = next(i for i, c in enumerate(text) if ord(c) >= 128)
        raise InputError(f"character {text[i]!r} at position {i} is not in the alphabet")
    table = torch.full((128,), -1, dtype=torch.long)
    table[torch.tensor([ord(c) for c in alphabet])] = torch.arange(len(alphabet))
    ids = table[torch.frombuffer(bytearray(text.encode("ascii")), dtype=torch.uint8).long()]
    bad = ids < 0
    if bool(bad.any()):
        i = int(bad.nonzero()[0])
        raise InputError(f"character {text[i]!r} at position {i} is not in the alphabet")
    return ids


def markov_sequences(seq_len: int = 64, source: Literal["corpus", "random-chain"] = "corpus",
                     n_states: int = 8, n: int = 2000, seed: int = 0) -> Splits:
    """Integer state sequences of length ``seq_len`` for a Markov chain.

    - ``source="corpus"``: consecutive, non-overlapping windows of the shipped Shakespeare
      excerpt as character indices over :data:`CHARS` (65 states); split in order 80/10/10.
    - ``source="random-chain"``: ``n`` sequences from a fixed random chain on ``n_states``
      states (rows drawn from a Dirichlet(1) with seed ``seed``), uniform starts; split
      80/10/10. The chain is ``meta["transition_matrix"]``.
    """
    T = _int("seq_len", seq_len, 2)
    if source == "corpus":
        ids = encode_chars(shakespeare_excerpt())
        m = len(ids) // T
        X = ids[: m * T].view(m, T)                                 # (N, T)
        meta: dict[str, object] = {"alphabet": CHARS}
        desc = f"{m} windows of {T} characters of the shipped Tiny Shakespeare excerpt"
    elif source == "random-chain":
        k, m = _int("n_states", n_states, 1), _int("n", n, 3)
        g = _generator(seed)
        P = -torch.rand(k, k, generator=g, dtype=torch.float64).log()  # Exp(1) -> Dirichlet(1)
        P = P / P.sum(1, keepdim=True)
        X = torch.empty(m, T, dtype=torch.long)
        X[:, 0] = torch.randint(0, k, (m,), generator=g)
        for t in range(1, T):                                        # x_t ~ P[x_t-1, :]
            X[:, t] = torch.multinomial(P[X[:, t - 1]], 1, generator=g).squeeze(1)
        meta = {"transition_matrix": P}
        desc = f"{m} sequences of {T} states of a random {k}-state chain (seed {seed})"
    else:
        raise ConfigError(f"source must be 'corpus' or 'random-chain', got {source!r}")
    a, b = int(0.8 * len(X)), int(0.9 * len(X))
    return Splits("markov-sequences", ArrayDataset(X[:a]), ArrayDataset(X[a:b]),
                  ArrayDataset(X[b:]), "unsupervised", None, (T,), description=desc, meta=meta)


__all__ = ["CHARS", "CORPUS", "TINYSHAKESPEARE", "encode_chars", "markov_sequences",
           "shakespeare_excerpt", "tinyshakespeare"]


register_dataset("markov-sequences", markov_sequences,
                 description="state sequences: character windows of the shipped Shakespeare "
                             "excerpt, or a random chain")
