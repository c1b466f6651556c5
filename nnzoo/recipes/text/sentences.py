"""Recipes of the sentence classifiers: Kim's CNN, the DCNN, C-LSTM, and the recurrent
classifiers on MR.

- ``<model>/toy-sentiment`` (default, offline): the generated sentiment sentences (negation,
  "but", "and"), 2,000 training sentences.
- ``<model>/mr``: MR rt-polarity, fold 0 of the fixed 10-fold split (``--set`` cannot change
  the fold; ``nnzoo bench <model> --tier full`` runs all ten). Every model: minibatches of 50,
  Adam at its default rate 1e-3 (Kingma & Ba), up to 20 epochs with early stopping on
  validation accuracy (patience 3), the best validation epoch scored. The rate is fixed a
  priori, the same for every model, and chosen by no score; the number of epochs is what
  each fold's validation part asks for.

  - ``text-cnn/mr``: Kim's CNN-rand: 300-d random vectors, widths 3/4/5 x 100 maps, dropout
    0.5, max-norm 3. For CNN-static / non-static, write the vocabulary with
    ``nnzoo.data.sentences.save_vocab(load_dataset("mr").meta["vocab"], "vocab.txt")`` and
    add ``--set embeddings_path=glove.840B.300d.txt vocab_path=vocab.txt [static=true]``.
  - ``dynamic-cnn/mr``: the paper's SST set-up (d = 48, widths 7/5, 6/14 maps, k_top 4).
  - ``clstm/mr``: the paper's set-up (300-d, width 3 x 150 maps, LSTM 150, dropout 0.5).
  - ``lstm``, ``bilstm``, ``gru``, ``bigru`` ``/mr`` (when the recurrent models are
    present): 300-d random vectors, one layer of 150 units (each direction), dropout 0.5;
    ``--set attention=true`` adds attention pooling over the states.
"""

from __future__ import annotations

from nnzoo.models import implemented_ids
from nnzoo.recipes.base import Recipe, add

#: Training of the MR recipes, one set-up for every model. The learning rate is Adam's
#: default, fixed a priori (no rate was compared on any MR score); the number of epochs is left
#: to validation: up to ``MR_EPOCHS``, stopping after ``patience`` epochs without a better
#: validation accuracy, and the best validation epoch is scored. On one CPU core an epoch of
#: Kim's CNN or of the LSTM on MR takes about 20 s, a BiLSTM's about three times that.
MR_EPOCHS = 20
MR_TRAIN = {"epochs": MR_EPOCHS, "batch_size": 50, "lr": 1e-3, "patience": 3,
            "eval_batch_size": 500}
TOY_TRAIN = {"epochs": 8, "batch_size": 50, "lr": 5e-3}

#: The MR set-up of each model (model config values).
MR_MODELS: dict[str, dict[str, object]] = {
    "text-cnn": {"embed_dim": 300, "filter_widths": (3, 4, 5), "n_filters": 100,
                 "dropout": 0.5, "max_norm": 3.0},
    "dynamic-cnn": {"embed_dim": 48, "widths": (7, 5), "maps": (6, 14), "k_top": 4,
                    "dropout": 0.5},
    "clstm": {"embed_dim": 300, "filter_width": 3, "n_filters": 150, "hidden_size": 150,
              "dropout": 0.5},
}
RECURRENT = ("lstm", "bilstm", "gru", "bigru")
RECURRENT_MR = {"task": "classify", "embed_dim": 300, "hidden_size": 150, "num_layers": 1,
                "dropout": 0.5, "attention": False}

_NAMES = {"text-cnn": "Kim's CNN-rand (widths 3/4/5 x 100, dropout 0.5, max-norm 3)",
          "dynamic-cnn": "DCNN (d 48, widths 7/5, maps 6/14, k_top 4, folding)",
          "clstm": "C-LSTM (width 3 x 150 maps, LSTM 150)"}

for _m, _hp in MR_MODELS.items():
    add(Recipe(_m, "toy-sentiment", "toy-sentiment",
               f"{_NAMES[_m]} on generated sentiment sentences (offline), Adam 5e-3, batch 50, "
               f"{TOY_TRAIN['epochs']} epochs", model_hp=dict(_hp), train=dict(TOY_TRAIN),
               default=True))
    add(Recipe(_m, "mr", "mr",
               f"{_NAMES[_m]} on MR fold 0 of 10, Adam 1e-3, batch 50, up to {MR_EPOCHS} "
               "epochs, early stopping (patience 3)", model_hp=dict(_hp), train=dict(MR_TRAIN),
               dataset_args={"fold": 0}))

_present = set(implemented_ids())
for _m in RECURRENT:
    if _m in _present:
        MR_MODELS[_m] = dict(RECURRENT_MR)
        add(Recipe(_m, "mr", "mr",
                   f"{_m} sentence classifier on MR fold 0 of 10: 300-d random vectors, "
                   f"150 units, dropout 0.5, Adam 1e-3, batch 50, up to "
                   f"{MR_EPOCHS} epochs (--set attention=true: attention pooling)",
                   model_hp=dict(RECURRENT_MR), train=dict(MR_TRAIN),
                   dataset_args={"fold": 0}))
