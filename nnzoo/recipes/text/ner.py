"""Recipes of the sequence taggers: the feature CRF and the BiLSTM-CRF, on named entities.

- ``crf/toy-ner`` (default, offline): the feature CRF (word identities in a window of one,
  hashed affixes, word shapes; BIO constraints) on the generated ``toy-ner`` sentences;
  Adam, learning rate 0.05, batch 32, 10 epochs.
- ``crf/wnut17``: the same model on WNUT-17 (words seen once are kept; unknown-word dropout
  0.1), Adam 0.02, batch 32, up to 30 epochs or 10 minutes of training, the epoch of best
  validation entity F1 reported by the learning curve.
- ``bilstm-crf/toy-ner`` (default, offline): BiLSTM-CRF with a character CNN, 50-dimensional
  words, 50 units per direction, Adam 0.005, batch 32, 10 epochs.
- ``bilstm-crf/wnut17``: Lample et al.'s sizes (100-dimensional words, 100 units per
  direction, dropout 0.5) with a character CNN of 50 filters of width 3 (Ma & Hovy use 30),
  BIO constraints, unknown-word dropout 0.5; Adam 0.005, gradient norm clipped at 5, batch
  32, up to 40 epochs or 10 minutes of training. WNUT-17's test entities are mostly words
  training never saw, so the tagger must learn to tag from characters and context: with
  unknown-word dropout 0.1 and Adam 0.002 it tags almost every word O for the first epochs
  and stays near 0.18 validation F1; dropping half the words to ``<unk>`` (Lample et al.
  drop singletons with probability 0.5) lifts it to about 0.25.

``n_classes`` is given with ``tags`` so that the tag set is checked when the recipe is
registered; the dataset sets the same value at run time. The metric of every recipe is
conlleval's entity F1 on the validation split. Evaluation runs
in batches of 64 sentences in length order (``eval_batch_size``), its memory bounded by the
batch; the logged F1, precision, recall and token accuracy are nevertheless the corpus
figures, computed from the counts summed over the batches
(:meth:`~nnzoo.models.text.tagger.SequenceTagger.evaluation_summary`), not averages of batch
figures. Training batches are drawn by length (:func:`~nnzoo.core.loop.epoch_order`) and cut
to their longest sentence.
"""

from __future__ import annotations

from nnzoo.core.tags import ALPHABET, TOY_TAGS, WNUT17_TAGS
from nnzoo.recipes.base import Recipe, add

#: Sentences per evaluation batch: memory scales with this, not with the split.
EVAL_BATCH = 64
_chars = {"n_chars": 2 + len(ALPHABET)}
_toy = {"tags": TOY_TAGS, "n_classes": len(TOY_TAGS), **_chars}
_wnut = {"tags": WNUT17_TAGS, "n_classes": len(WNUT17_TAGS), **_chars}

add(Recipe("crf", "toy-ner", "toy-ner",
           "feature CRF (word window 1, affixes, shapes, BIO constraints) on generated NER "
           "sentences, Adam 0.05, batch 32, 10 epochs",
           model_hp={**_toy, "alphabet": ALPHABET},
           train={"epochs": 10, "batch_size": 32, "lr": 0.05, "eval_batch_size": EVAL_BATCH},
           metric="f1", default=True))
add(Recipe("crf", "wnut17", "wnut17",
           "feature CRF (word window 1, affixes, shapes, BIO constraints) on WNUT-17, Adam "
           "0.02, batch 32, up to 30 epochs / 10 minutes",
           model_hp={**_wnut, "alphabet": ALPHABET, "unk_dropout": 0.1},
           train={"epochs": 30, "batch_size": 32, "lr": 0.02, "eval_batch_size": EVAL_BATCH,
                  "max_time": 600.0},
           metric="f1"))
add(Recipe("bilstm-crf", "toy-ner", "toy-ner",
           "BiLSTM-CRF with a character CNN, 50-d words, 50 units per direction, on generated "
           "NER sentences, Adam 0.005, batch 32, 10 epochs",
           model_hp={**_toy, "word_dim": 50, "hidden": 50},
           train={"epochs": 10, "batch_size": 32, "lr": 0.005, "eval_batch_size": EVAL_BATCH},
           metric="f1", default=True))
add(Recipe("bilstm-crf", "wnut17", "wnut17",
           "BiLSTM-CRF (Lample et al. 2016 sizes, character CNN of 50 filters) on WNUT-17, "
           "unknown-word dropout 0.5, Adam 0.005, clip 5, batch 32, up to 40 epochs / 10 "
           "minutes",
           model_hp={**_wnut, "word_dim": 100, "hidden": 100, "char_encoder": "cnn",
                     "char_hidden": 50, "dropout": 0.5, "unk_dropout": 0.5},
           train={"epochs": 40, "batch_size": 32, "lr": 0.005, "grad_clip": 5.0,
                  "eval_batch_size": EVAL_BATCH, "max_time": 600.0},
           metric="f1"))
