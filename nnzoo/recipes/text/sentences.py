"""Recipes of the sentence classifiers (Kim's CNN, the DCNN, C-LSTM, and the recurrent
classifiers on MR): the set-up they share, which each model's own recipe module registers for
its id (:func:`sentence_recipes`, :func:`recurrent_mr_recipe`).

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
  - ``lstm``, ``bilstm``, ``gru``, ``bigru`` ``/mr`` (:mod:`nnzoo.recipes.recurrent.rnn`):
    300-d random vectors, one layer of 150 units (each direction), dropout 0.5;
    ``--set attention=true`` adds attention pooling over the states.
"""

from __future__ import annotations

from typing import Any

from nnzoo.recipes.base import Recipe

#: Training of the MR recipes, one set-up for every model. The learning rate is Adam's
#: default, fixed a priori (no rate was compared on any MR score); the number of epochs is left
#: to validation: up to ``MR_EPOCHS``, stopping after ``patience`` epochs without a better
#: validation accuracy, and the best validation epoch is scored. On one CPU core an epoch of
#: Kim's CNN or of the LSTM on MR takes about 20 s, a BiLSTM's about three times that.
MR_EPOCHS = 20
MR_TRAIN = {"epochs": MR_EPOCHS, "batch_size": 50, "lr": 1e-3, "patience": 3,
            "eval_batch_size": 500}
TOY_TRAIN = {"epochs": 8, "batch_size": 50, "lr": 5e-3}

#: The MR set-up of the recurrent classifiers (model config values), the same for each cell.
RECURRENT_MR = {"task": "classify", "embed_dim": 300, "hidden_size": 150, "num_layers": 1,
                "dropout": 0.5, "attention": False}


def sentence_recipes(model: str, name: str, model_hp: dict[str, Any]) -> list[Recipe]:
    """The two recipes of a sentence classifier: ``toy-sentiment`` (its default, offline) and
    ``mr`` (fold 0 of MR), both with the model config values ``model_hp``.

    Each model's recipe module registers them for its id
    (``for r in sentence_recipes(...): add(r)``), so a new sentence classifier is one new file.

    :param model: the model id.
    :param name: what the model is, for the descriptions (``"C-LSTM (width 3 x 150 maps, LSTM
        150)"``).
    :param model_hp: the model's MR set-up (values of its config).
    """
    return [
        Recipe(model, "toy-sentiment", "toy-sentiment",
               f"{name} on generated sentiment sentences (offline), Adam 5e-3, batch 50, "
               f"{TOY_TRAIN['epochs']} epochs", model_hp=dict(model_hp), train=dict(TOY_TRAIN),
               default=True),
        Recipe(model, "mr", "mr",
               f"{name} on MR fold 0 of 10, Adam 1e-3, batch 50, up to {MR_EPOCHS} "
               "epochs, early stopping (patience 3)", model_hp=dict(model_hp),
               train=dict(MR_TRAIN), dataset_args={"fold": 0}),
    ]


def recurrent_mr_recipe(model: str) -> Recipe:
    """The ``mr`` recipe of a recurrent classifier (lstm, bilstm, gru, bigru):
    :data:`RECURRENT_MR` trained as every MR recipe (:data:`MR_TRAIN`)."""
    return Recipe(model, "mr", "mr",
                  f"{model} sentence classifier on MR fold 0 of 10: 300-d random vectors, "
                  f"150 units, dropout 0.5, Adam 1e-3, batch 50, up to "
                  f"{MR_EPOCHS} epochs (--set attention=true: attention pooling)",
                  model_hp=dict(RECURRENT_MR), train=dict(MR_TRAIN),
                  dataset_args={"fold": 0})
