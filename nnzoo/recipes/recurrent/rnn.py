"""Recipes of the recurrent networks (rnn, lstm, gru, birnn, bilstm, bigru).

- ``excerpt`` (default of rnn, lstm, gru; offline, tens of seconds): a character language
  model on the Tiny Shakespeare excerpt shipped in the package (windows of 64 characters),
  one layer of 128 units; metric: cross-entropy per character (nats). The text is split
  90 / 5 / 5 % in order (:mod:`nnzoo.data.chars`): the validation part picks the epoch
  whose weights are kept, the test part (the last 5 %, read by nothing that selects) is the
  figure ``nnzoo train`` reports.
- ``tinyshakespeare`` (rnn, lstm, gru; the full text from the data root): the char-rnn task.
  Two layers, windows of 128 characters, batch 64, Adam 2e-3, gradient norm clipped at 5,
  a training budget of 20 minutes (``max_time=1200``), the same 90 / 5 / 5 split (the best
  validation epoch kept, the test loss reported). The three cells have the same
  parameter budget: LSTM 2 x 256 units (876,929 parameters), GRU 2 x 297 (877,999), Elman
  2 x 518 (878,091), each with a 64-dimensional character embedding. The size fits the
  budget on a 2-core CPU: a 2 x 512 LSTM (3.3 M parameters) reads about 1.4 passes of the text
  in 20 minutes there, a 2 x 256 one about 11.
- ``adding`` (default of birnn, bilstm, bigru; every id has it): the adding problem
  (Hochreiter & Schmidhuber 1997) with sequences of 30 steps, regression of the sum of the
  two marked values from the final states (both directions for the bidirectional ids; a
  model has learned something when its MSE is well below the constant-1 baseline of 0.167);
  the Elman ids train with smaller, more numerous steps (:data:`ADDING_TRAIN`).
- ``adding-attention`` (every id): the same with attention pooling over the steps (Yang et
  al. 2016); the plot ``attention.png`` shows where the model looks, which should be the two
  marked steps.
- ``mr`` (lstm, bilstm, gru, bigru): the sentence classifier on MR, the set-up every sentence
  classifier shares (:mod:`nnzoo.recipes.text.sentences`).
"""

from __future__ import annotations

from nnzoo.data.chars import text_vocab
from nnzoo.data.text import CHARS, shakespeare_excerpt
from nnzoo.recipes.base import Recipe, add
from nnzoo.recipes.text.sentences import recurrent_mr_recipe

EXCERPT_VOCAB = text_vocab(shakespeare_excerpt())  # the 61 characters of the shipped excerpt
FULL_VOCAB = CHARS                                  # the 65 characters of Tiny Shakespeare

#: Hidden sizes that give the three cells the LSTM's parameter budget (2 layers, embedding 64,
#: 65 characters): 4H(E + H) + 4H(2H) + 16H + ... for the LSTM, 3H(...) for the GRU, H(...)
#: for the Elman cell.
FULL_HIDDEN = {"lstm": 256, "gru": 297, "rnn": 518}
_NAMES = {"rnn": "Elman RNN", "lstm": "LSTM", "gru": "GRU", "birnn": "bidirectional Elman RNN",
          "bilstm": "bidirectional LSTM", "bigru": "bidirectional GRU"}

for cell in ("rnn", "lstm", "gru"):
    add(Recipe(
        cell, "excerpt", "tinyshakespeare-chars",
        f"character LM, 1-layer {_NAMES[cell]} of 128 units, on the shipped Tiny Shakespeare "
        "excerpt (64-character windows), Adam 3e-3, 6 epochs",
        model_hp={"task": "lm", "embed_dim": 32, "hidden_size": 128, "vocab": EXCERPT_VOCAB},
        train={"epochs": 6, "batch_size": 32, "lr": 3e-3, "grad_clip": 5.0,
               "eval_batch_size": 256},
        metric="loss", higher_is_better=False, default=True,
        dataset_args={"seq_len": 64, "source": "excerpt"}))
    add(Recipe(
        cell, "tinyshakespeare", "tinyshakespeare-chars",
        f"char-rnn on the full Tiny Shakespeare: 2-layer {_NAMES[cell]} of {FULL_HIDDEN[cell]} "
        "units (about 0.88 M parameters), 128-character windows, batch 64, Adam 2e-3, clip 5, "
        "20-minute budget",
        model_hp={"task": "lm", "embed_dim": 64, "hidden_size": FULL_HIDDEN[cell],
                  "num_layers": 2, "dropout": 0.1, "vocab": FULL_VOCAB},
        train={"epochs": 50, "batch_size": 64, "lr": 2e-3, "grad_clip": 5.0,
               "max_time": 1200.0, "eval_batch_size": 128},
        metric="loss", higher_is_better=False,
        dataset_args={"seq_len": 128, "source": "full"}))

#: The gated cells learn the adding problem in 30 epochs of batches of 50 at rate 3e-3; the
#: Elman cell, whose gradient fades over the lag, needs more and smaller steps (batch 20,
#: rate 2e-3, 40 epochs: test MSE 0.026 against 0.16 with the gated cells' schedule).
ADDING_TRAIN = {"gated": {"epochs": 30, "batch_size": 50, "lr": 3e-3, "grad_clip": 1.0},
                "elman": {"epochs": 40, "batch_size": 20, "lr": 2e-3, "grad_clip": 1.0}}

for mid in ("rnn", "lstm", "gru", "birnn", "bilstm", "bigru"):
    tr = ADDING_TRAIN["elman" if mid in ("rnn", "birnn") else "gated"]
    for attention in (False, True):
        pool = "attention pooling" if attention else "the final states"
        add(Recipe(
            mid, "adding-attention" if attention else "adding", "adding",
            f"adding problem (30 steps, 2000 sequences): {_NAMES[mid]} of 64 units, "
            f"regression from {pool}, Adam {tr['lr']:g}, batch {tr['batch_size']}, "
            f"{tr['epochs']} epochs",
            model_hp={"task": "regress", "hidden_size": 64, "attention": attention},
            train=dict(tr),
            metric="loss", higher_is_better=False,
            default=mid.startswith("bi") and not attention,
            dataset_args={"n": 2000, "seq_len": 30}))

# The sentence classifiers among the recurrent ids: their MR recipe (nnzoo.recipes.text.sentences).
for mid in ("lstm", "bilstm", "gru", "bigru"):
    add(recurrent_mr_recipe(mid))
