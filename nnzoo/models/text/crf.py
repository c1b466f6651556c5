"""The feature-based linear-chain CRF tagger.

Paper: J. Lafferty, A. McCallum, F. C. N. Pereira, "Conditional Random Fields: Probabilistic
Models for Segmenting and Labeling Sequence Data", ICML 2001,
https://doi.org/10.5555/645530.655813. The CRF as the output layer of a neural tagger:
R. Collobert et al., "Natural Language Processing (Almost) from Scratch", JMLR 12, 2011;
Z. Huang, W. Xu, K. Yu, "Bidirectional LSTM-CRF Models for Sequence Tagging", 2015.

Reference implementation: pytorch-crf (``torchcrf.CRF``), https://github.com/kmkurn/pytorch-crf;
the same parametrisation (start, transition and end scores) so that the two agree number for
number.

The model. The emission score of tag ``j`` at step ``t`` is linear in sparse features of the
sentence, ``e_t(j) = sum_f w_{f j} phi_f(x, t) + b_j`` (word identities in a window, hashed
affixes, word shapes; see :class:`FeatureCRF`); the CRF layer
(:mod:`nnzoo.models.text.crf_layer`, the forward algorithm, Viterbi and the BIO constraints)
scores tag sequences from them, and the tagger base (:mod:`nnzoo.models.text.tagger`) trains
by negative log-likelihood and evaluates entity-level F1.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core.config import require
from nnzoo.core.tags import ALPHABET, TOY_TAGS
from nnzoo.models.registry import register
from nnzoo.models.text.tagger import SequenceTagger, check_tagger_config


@dataclass
class CRFConfig:
    """Hyperparameters of :class:`FeatureCRF`.

    :param sample_shape: ``(T, 1 + C)``: steps, then the word id and C character ids.
    :param n_classes: number of tags K (set from the dataset).
    :param vocab_size: number of word ids (set from the dataset; 0 pad, 1 unknown).
    :param tags: the tag names, BIO (``O``, ``B-X``, ``I-X``).
    :param n_chars: number of character ids: 2 + ``len(alphabet)``.
    :param alphabet: the characters of ids 2, 3, ... (case and affix features read it).
    :param window: word and shape features of the ``window`` words on each side too.
    :param affix_len: prefixes and suffixes of 1..``affix_len`` characters are features.
    :param n_hash: buckets of the hashed affix features.
    :param constraints: BIO transition constraints in the CRF.
    :param unk_dropout: probability that a training word is replaced by the unknown word.
    """

    sample_shape: tuple[int, ...] = (24, 17)
    n_classes: int = len(TOY_TAGS)
    vocab_size: int = 200
    tags: tuple[str, ...] = TOY_TAGS
    n_chars: int = 2 + len(ALPHABET)
    alphabet: str = ALPHABET
    window: int = 1
    affix_len: int = 3
    n_hash: int = 1 << 15
    constraints: bool = True
    unk_dropout: float = 0.0

    def __post_init__(self) -> None:
        check_tagger_config(self)
        require(self.n_chars == 2 + len(self.alphabet),
                f"n_chars ({self.n_chars}) must be 2 + len(alphabet) ({2 + len(self.alphabet)})")
        require(self.window >= 0, f"window must be >= 0, got {self.window}")
        require(0 <= self.affix_len <= 6, f"affix_len must be in [0, 6], got {self.affix_len}")
        require(self.n_hash >= 1, f"n_hash must be >= 1, got {self.n_hash}")


#: Word shape features of :class:`FeatureCRF`, in order.
SHAPE_FEATURES = ("init-cap", "all-caps", "all-lower", "mixed-case", "has-digit", "all-digits",
                  "has-punct", "all-punct", "starts-@", "starts-#", "has-unknown-char",
                  "len-1", "len-2-3", "len-4-6", "len-7+", "first-token", "last-token")


@register("crf", config=CRFConfig, rule="gradient of the negative log-likelihood "
          "(forward-backward marginals)", peer="pytorch-crf",
          reference="https://github.com/kmkurn/pytorch-crf")
class FeatureCRF(SequenceTagger[CRFConfig]):
    """A classic feature-based linear-chain CRF tagger (Lafferty et al. 2001).

    The emission score of tag ``j`` at step ``t`` is a linear function of sparse features
    ``phi(x, t)``: ``e_t(j) = sum_f w_{f j} phi_f(x, t) + b_j``. The features: the identity of
    the word at each offset ``-window..window`` (one weight table per offset), hashed
    lowercase prefixes and suffixes of 1..``affix_len`` characters of the word, and
    :data:`SHAPE_FEATURES` of the word and its neighbours. A one-hot feature times a weight
    matrix is an embedding lookup, so each table is an ``nn.Embedding`` of K columns. Trained
    by gradient on the negative log-likelihood (the engine's optimizer; L2 through
    ``weight_decay``).

    :param config: a :class:`CRFConfig`.
    """

    char_class: torch.Tensor                     # buffers: each char id's class
    char_lower: torch.Tensor                     # and the id of its lowercase form

    def __init__(self, config: CRFConfig) -> None:
        super().__init__(config)
        k, w = config.n_classes, config.window
        self.word = nn.ModuleList(nn.Embedding(config.vocab_size, k, padding_idx=0)
                                  for _ in range(2 * w + 1))
        self.affix = nn.Embedding(config.n_hash, k)
        self.shape = nn.Linear(len(SHAPE_FEATURES) * (2 * w + 1), k)
        for emb in (*self.word, self.affix):
            nn.init.zeros_(emb.weight)
        # character classes of each char id: 0 pad, 1 unknown, 2 upper, 3 lower, 4 digit, 5 other
        cls = [0, 1] + [2 if c.isupper() else 3 if c.islower() else 4 if c.isdigit() else 5
                        for c in config.alphabet]
        low = [0, 1] + [2 + config.alphabet.index(c.lower()) if c.lower() in config.alphabet
                        else 2 + i for i, c in enumerate(config.alphabet)]
        self.register_buffer("char_class", torch.tensor(cls), persistent=False)   # (n_chars,)
        self.register_buffer("char_lower", torch.tensor(low), persistent=False)   # (n_chars,)

    def shape_features(self, chars: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """:data:`SHAPE_FEATURES` of every word, (B, L, S) float.

        Each word's characters are counted by class once (``counts[..., c]``, (B, L, 6));
        "some character is of class c" is ``counts[c] > 0`` and "every character is" is
        ``counts[c] == n`` for a word of ``n > 0`` characters: the same booleans as tests
        over every character, from a handful of operations on (B, L) tensors.
        """
        cls = self.char_class[chars]                                        # (B, L, C)
        counts = F.one_hot(cls, 6).sum(2)                                   # (B, L, 6)
        n = counts[..., 1:].sum(2)                                          # word length
        some = counts > 0                                                   # (B, L, 6)
        every = (counts == n[..., None]) & (n > 0)[..., None]               # (B, L, 6)
        up, lo, dg, pu = 2, 3, 4, 5
        first = chars[..., 0] if chars.shape[2] else torch.zeros_like(n)
        at, hash_ = self._char_id("@"), self._char_id("#")
        steps = torch.arange(chars.shape[1], device=chars.device)
        f = [cls[..., 0] == up if chars.shape[2] else n < 0, every[..., up], every[..., lo],
             some[..., up] & some[..., lo], some[..., dg], every[..., dg], some[..., pu],
             every[..., pu], first == at, first == hash_, some[..., 1],
             n == 1, (n >= 2) & (n <= 3), (n >= 4) & (n <= 6), n >= 7,
             (steps == 0)[None].expand_as(n), steps[None] == (lengths - 1)[:, None]]
        return torch.stack(f, 2).float()                                    # (B, L, S)

    def _char_id(self, c: str) -> int:
        return 2 + self.config.alphabet.index(c) if c in self.config.alphabet else -1

    def affix_ids(self, chars: torch.Tensor) -> torch.Tensor:
        """Hashed lowercase prefix and suffix ids of 1..affix_len characters, (B, L, 2A)."""
        a = self.config.affix_len
        if a == 0 or chars.shape[2] == 0:
            return chars.new_zeros((*chars.shape[:2], 0))
        low = self.char_lower[chars]                                        # (B, L, C)
        n = (chars > 0).sum(2, keepdim=True)                                # (B, L, 1)
        k = torch.arange(a, device=chars.device)                            # (A,)
        C = chars.shape[2]
        pre = low[..., :a]                                                  # first chars
        pre = F.pad(pre, (0, a - pre.shape[2]))                             # (B, L, A)
        idx = (n - 1 - k).clamp(0, C - 1)                                   # last chars
        suf = low.gather(2, idx) * (k < n)                                  # (B, L, A)
        # h_k = (salt_k + sum_{i<=k} c_i N^i) mod n_hash: an exact code of the affix, hashed
        pw = self.config.n_chars ** k                                       # (A,) N^i
        hp = torch.cumsum(pre * pw, 2)                                      # (B, L, A)
        hs = torch.cumsum(suf * pw, 2)
        salt = torch.arange(2 * a, device=chars.device) * 7919
        h = torch.cat([hp, hs], 2) + salt
        keep = torch.cat([k < n, k < n], 2)                                 # no affix past the word
        return torch.where(keep, h % self.config.n_hash, -1)

    def emissions(self, words: torch.Tensor, chars: torch.Tensor, lengths: torch.Tensor
                  ) -> torch.Tensor:
        w = self.config.window
        B, L = words.shape
        pw = F.pad(words, (w, w))                                           # (B, L + 2w)
        shp = F.pad(self.shape_features(chars, lengths), (0, 0, w, w))      # (B, L + 2w, S)
        e = sum(self.word[o](pw[:, o:o + L]) for o in range(2 * w + 1))     # sum_o W_o[word_t+o]
        feats = torch.cat([shp[:, o:o + L] for o in range(2 * w + 1)], 2)   # (B, L, S(2w+1))
        e = e + self.shape(feats)                                           # + W_s phi_shape
        aff = self.affix_ids(chars)                                         # (B, L, 2A)
        if aff.shape[2]:                     # + sum W_a[affix], one bag of affixes per word
            a, W = aff.shape[2], self.affix.weight
            bags = F.embedding_bag(aff.clamp_min(0).reshape(-1, a), W, mode="sum",
                                   per_sample_weights=(aff >= 0).reshape(-1, a).to(W.dtype))
            e = e + bags.view(B, L, -1)
        return e                                                            # (B, L, K)


__all__ = ["SHAPE_FEATURES", "CRFConfig", "FeatureCRF"]
