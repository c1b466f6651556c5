"""The base of the CRF taggers (:class:`~nnzoo.models.text.crf.FeatureCRF`,
:class:`~nnzoo.models.text.bilstm_crf.BiLSTMCRF`): input checks, the CRF (or softmax) output
layer, training by negative log-likelihood, Viterbi prediction and entity-level evaluation
(conlleval's counts, computed on tensors by :mod:`nnzoo.models.text.scores`).

Data layout of the taggers (the conventions of :mod:`nnzoo.core.tags`): ``x`` (B, T, 1 + C)
integer ids (int64, or int16 / int32 as the CoNLL loaders store them), ``x[..., 0]`` the word id
(0 = padding, 1 = unknown) and ``x[..., 1:]`` the character ids of that word (0 = padding,
1 = unknown, at most C characters, longer words truncated); tokens fill the first ``L`` steps
of each row (``L >= 1``), padding the rest. Targets ``y`` (B, T) int64 hold tag ids,
:data:`~nnzoo.core.tags.PAD_TAG` (-100) at padded steps.
Predictions use the same layout as ``y``. A batch may hold fewer steps than the config's T
(the engine cuts each batch to its longest sentence), never more.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, TypeVar

import torch
import torch.nn.functional as F

from nnzoo.core.config import require
from nnzoo.core.errors import InputError
from nnzoo.core.tags import PAD_TAG, check_bio_tags
from nnzoo.core.validation import check_input
from nnzoo.models.base import Batch, ZooModule
from nnzoo.models.text import tagger_plots
from nnzoo.models.text.crf_layer import (
    CRF,
    lengths_from_mask,
    log_partition,
    sequence_score,
    viterbi_decode,
)
from nnzoo.models.text.scores import chunk_counts, chunk_tables, prf

# -- the taggers --------------------------------------------------------------------------------

def check_tagger_config(cfg: Any) -> None:
    """Checks shared by the tagger configs (sample shape, tags, vocabularies)."""
    shape = cfg.sample_shape
    require(isinstance(shape, tuple) and len(shape) == 2
            and all(isinstance(s, int) and not isinstance(s, bool) for s in shape)
            and shape[0] >= 1 and shape[1] >= 1,
            f"sample_shape must be (T, 1 + C): T >= 1 steps, 1 word id + C >= 0 character "
            f"ids per step, got {shape!r}")
    require(cfg.n_classes == len(cfg.tags),
            f"n_classes ({cfg.n_classes}) must equal the number of tags ({len(cfg.tags)})")
    check_bio_tags(cfg.tags)
    require(cfg.vocab_size >= 2, f"vocab_size must be >= 2 (padding and unknown), got "
            f"{cfg.vocab_size}")
    require(cfg.n_chars >= 2, f"n_chars must be >= 2 (padding and unknown), got {cfg.n_chars}")
    require(0 <= cfg.unk_dropout < 1, f"unk_dropout must be in [0, 1), got {cfg.unk_dropout}")


class TaggerConfig(Protocol):
    """What :class:`SequenceTagger` reads of a tagger's config dataclass (its fields)."""

    @property
    def sample_shape(self) -> tuple[int, ...]: ...
    @property
    def n_classes(self) -> int: ...
    @property
    def vocab_size(self) -> int: ...
    @property
    def n_chars(self) -> int: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def constraints(self) -> bool: ...
    @property
    def unk_dropout(self) -> float: ...


#: The config dataclass of a :class:`SequenceTagger` subclass.
TC = TypeVar("TC", bound=TaggerConfig)


class SequenceTagger(ZooModule[TC]):
    """What the CRF taggers share: input checks, the CRF (or softmax) output layer, training
    by negative log-likelihood, Viterbi prediction and entity-level evaluation.

    A subclass defines :meth:`emissions`. ``forward(x)`` returns the emission scores
    (B, T, K) (zeros at padded steps); ``predict(x)`` the Viterbi tags (B, T).
    ``evaluation_step`` reports the mean loss, token accuracy, and conlleval's entity
    precision, recall and F1 (overall and ``f1_<type>``) of that batch. The counts of every
    evaluation batch since the model last entered eval mode are kept in :attr:`eval_counts`
    (so after ``nnzoo train``, those of the test split); :meth:`evaluation_summary` turns
    them into the corpus figures (so the engine evaluates in bounded batches and reports
    exactly what one batch of the whole split would), and :meth:`visualize` draws them.

    :param config: the tagger's config dataclass (fields ``sample_shape``, ``n_classes``,
        ``vocab_size``, ``n_chars``, ``tags``, ``constraints``, ``unk_dropout``).
    """

    integer_inputs = True
    tag_type: torch.Tensor                                  # buffers: each tag's entity type
    tag_is_b: torch.Tensor                                  # and whether it opens a chunk

    def __init__(self, config: TC) -> None:
        super().__init__(config)
        k = config.n_classes
        self.use_crf = getattr(config, "decoder", "crf") == "crf"
        self.crf = CRF(k, config.tags, config.constraints)
        if not self.use_crf:
            self.crf.requires_grad_(False)
        typ, is_b, types = chunk_tables(config.tags)
        self.types = types
        self.register_buffer("tag_type", typ, persistent=False)
        self.register_buffer("tag_is_b", is_b, persistent=False)
        self.eval_counts: dict[str, torch.Tensor] = {}

    # -- inputs ------------------------------------------------------------------------------

    def check(self, x: torch.Tensor, *, finite: bool = False) -> torch.Tensor:
        """``x`` must be (B, L, 1 + C) integer ids with 1 <= L <= T (a batch cut to its
        longest sentence holds fewer steps than the config's T)."""
        T, width = self.config.sample_shape
        if isinstance(x, torch.Tensor) and x.dim() == 3 and 1 <= x.shape[1] <= T \
                and x.shape[2] == width:
            return check_input(x, (x.shape[1], width), name=f"{self.model_id} input",
                               finite=finite, integer=True)
        got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise InputError(f"{self.model_id} input must have shape (batch, steps <= {T}, "
                         f"{width}), got {got}")

    def sequence_lengths(self, X: torch.Tensor) -> torch.Tensor:
        """Tokens of each sentence of ``X`` (N, T, 1 + C): the steps with a word id."""
        return lengths_from_mask(X[..., 0] != 0)

    def _split(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Checked ``x`` -> words (B, L), chars (B, L, C), lengths (B,), trimmed to the
        longest sequence of the batch."""
        self.check(x)
        cfg = self.config
        x = x.long()                                  # the data may be stored as int32
        words, chars = x[..., 0], x[..., 1:]
        for name, ids, n in (("word ids", words, cfg.vocab_size), ("character ids", chars,
                                                                    cfg.n_chars)):
            if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= n):
                raise InputError(f"{self.model_id} input: {name} must lie in [0, {n}), got "
                                 f"[{int(ids.min())}, {int(ids.max())}]")
        lengths = lengths_from_mask(words != 0)
        L = int(lengths.max()) if len(lengths) else 1
        return words[:, :L], chars[:, :L], lengths

    def _targets(self, y: torch.Tensor | None, words: torch.Tensor, T: int) -> torch.Tensor:
        if y is None:
            raise InputError(f"{self.model_id} needs tags y (batch, steps) to train or evaluate")
        if not isinstance(y, torch.Tensor) or tuple(y.shape) != (words.shape[0], T):
            got = tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
            raise InputError(f"tags y must have shape ({words.shape[0]}, {T}) like the words, "
                             f"got {got}")
        if y.is_floating_point() or y.dtype == torch.bool:
            raise InputError(f"tags y must be integer tag ids, got dtype {y.dtype}")
        y = y[:, :words.shape[1]]
        tok = words != 0
        k = self.config.n_classes
        if bool(((y == PAD_TAG) != ~tok).any()) or (y.numel() and bool(
                ((y < 0) | (y >= k))[tok].any())):
            raise InputError(f"tags y must hold a tag id in [0, {k}) at every token and "
                             f"{PAD_TAG} exactly at the padded steps (token and tag sequences "
                             "of different lengths?)")
        return y

    # -- scores --------------------------------------------------------------------------------

    def emissions(self, words: torch.Tensor, chars: torch.Tensor, lengths: torch.Tensor
                  ) -> torch.Tensor:
        """Emission scores (B, L, K) of checked, trimmed inputs."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        words, chars, lengths = self._split(x)
        e = self.emissions(words, chars, lengths)                           # (B, L, K)
        return F.pad(e, (0, 0, 0, x.shape[1] - e.shape[1]))                 # (B, T, K)

    def _loss(self, e: torch.Tensor, y: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if self.use_crf:
            trans, start, end = self.crf.scores()
            nll = log_partition(e, lengths, trans, start, end) - sequence_score(
                e, y, lengths, trans, start, end)                          # -log p(y | x)
            return nll.mean()
        return F.cross_entropy(e.transpose(1, 2), y, ignore_index=PAD_TAG,  # per token
                               reduction="sum") / len(y)

    def _decode(self, e: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if self.use_crf:
            return viterbi_decode(e, lengths, *[s.detach() for s in self.crf.scores()])[0]
        steps = torch.arange(e.shape[1], device=e.device)
        return torch.where(steps[None] < lengths[:, None], e.argmax(2), PAD_TAG)

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        words, chars, lengths = self._split(x)
        y = self._targets(y, words, x.shape[1])
        p = self.config.unk_dropout
        if p > 0:                                   # a word becomes "unknown" with prob. p
            drop = (torch.rand(words.shape, device=words.device) < p) & (words != 0)
            words = torch.where(drop, 1, words)
        return {"loss": self._loss(self.emissions(words, chars, lengths), y, lengths)}

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        words, chars, lengths = self._split(x)
        y = self._targets(y, words, x.shape[1])
        e = self.emissions(words, chars, lengths)
        pred = self._decode(e, lengths)
        c = chunk_counts(y, pred, self.tag_type, self.tag_is_b, len(self.types))
        for key, v in c.items():
            self.eval_counts[key] = self.eval_counts.get(key, 0) + v.cpu()
        p, r, f1 = prf(*(float(c[k].sum()) for k in ("correct", "found_guessed", "found_gold")))
        out = {"loss": self._loss(e.float(), y, lengths),
               "accuracy": c["correct_tags"].float() / c["tokens"].clamp_min(1),
               "precision": torch.tensor(p), "recall": torch.tensor(r), "f1": torch.tensor(f1)}
        for i, typ in enumerate(self.types):
            out[f"f1_{typ}"] = torch.tensor(prf(float(c["correct"][i]),
                                                float(c["found_guessed"][i]),
                                                float(c["found_gold"][i]))[2])
        return out

    def evaluation_summary(self) -> dict[str, float]:
        """Token accuracy and conlleval's precision, recall and F1 (overall and per type)
        of every evaluation batch since the model entered eval mode: the corpus figures,
        whatever the batch size."""
        c = self.eval_counts
        if not c:
            return {}
        p, r, f1 = prf(*(float(c[k].sum()) for k in ("correct", "found_guessed",
                                                     "found_gold")))
        out = {"accuracy": float(c["correct_tags"]) / max(1, int(c["tokens"])),
               "precision": p, "recall": r, "f1": f1}
        for typ, (_, _, f, _) in self.per_type_scores().items():
            out[f"f1_{typ}"] = f
        return out

    def train(self, mode: bool = True) -> SequenceTagger:
        if not mode:
            self.eval_counts = {}                   # a new evaluation begins
        return super().train(mode)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Viterbi tags (B, T) (argmax per step for the softmax decoder), :data:`PAD_TAG` at
        padded steps."""
        words, chars, lengths = self._split(x)
        pred = self._decode(self.emissions(words, chars, lengths), lengths)
        return F.pad(pred, (0, x.shape[1] - pred.shape[1]), value=PAD_TAG)

    def per_type_scores(self) -> dict[str, tuple[float, float, float, int]]:
        """``{type: (precision, recall, f1, gold chunks)}`` of :attr:`eval_counts`."""
        c = self.eval_counts
        if not c:
            return {}
        return {t: (*prf(float(c["correct"][i]), float(c["found_guessed"][i]),
                         float(c["found_gold"][i])), int(c["found_gold"][i]))
                for i, t in enumerate(self.types)}

    def visualize(self, out_dir: Path) -> list[Path]:
        """The learnt transition scores (CRF), and per-type precision / recall / F1 bars of
        the last evaluation (the test split after ``nnzoo train``)."""
        return tagger_plots.plot_tagger(self, Path(out_dir))


__all__ = ["SequenceTagger", "check_tagger_config"]
