"""Recipes of the deep belief network.

- ``dbn/digits`` (default, offline): the reference implementation's README set-up
  (albertbup/deep-belief-network, ``SupervisedDBNClassification``): hidden layers
  [256, 256], CD-1 pre-training with learning rate 0.05 for 10 epochs per layer, then 100
  epochs of plain SGD (learning rate 0.1, batch 32) on a ReLU net with dropout 0.2; the last
  epoch's weights are kept (``restore_best=False``). That choice was made without the test
  split: in 5-fold stratified cross-validation over train + validation (10 % of each
  training fold playing the validation split), keeping the last epoch scored 98.12 % on the
  held-out folds, keeping the best validation accuracy's epoch 96.66 % (144 images pick an
  early epoch by chance).
- ``dbn/mnist``: Hinton & Salakhutdinov's 784-500-500-2000 stack, CD-1 pre-training (batch
  100, 10 epochs per layer), then sigmoid-net fine-tuning by SGD with momentum 0.9, dropout
  0.2 (Hinton et al. 2012) and a cosine learning-rate schedule over 100 epochs: 1.16 % test
  error (``nnzoo bench dbn --tier full``, training on all 60,000 images). Without
  dropout and schedule (50 epochs at a constant rate) the test error was 1.46 %; with the
  schedule alone 1.50 %; with both over 50 epochs 1.34 %.

Through ``nnzoo train``, the benchmark and the scikit-learn wrapper ``DBNClassifier`` alike,
the RBMs pre-train greedily on the whole training split before the first fine-tuning step
(the engine's ``on_fit_start`` hook; see :mod:`nnzoo.models.energy.dbn`).
"""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

add(Recipe("dbn", "digits", "digits",
           "DBN [256, 256], CD-1 pre-training (lr 0.05, 10 epochs per layer), then 100 epochs "
           "of SGD (lr 0.1, batch 32) on a ReLU net with dropout 0.2 (the reference's README), "
           "last epoch kept",
           model_hp={"hidden": (256, 256), "activation": "relu", "dropout": 0.2,
                     "pretrain_epochs": 10, "pretrain_lr": 0.05, "pretrain_batch": 32,
                     "k": 1, "persistent": False},
           train={"epochs": 100, "batch_size": 32, "optimizer": "sgd", "lr": 0.1,
                  "momentum": 0.0, "restore_best": False},
           default=True))
add(Recipe("dbn", "mnist", "mnist",
           "DBN 784-500-500-2000, CD-1 pre-training (lr 0.05, batch 100, 10 epochs per layer), "
           "then 100 epochs of SGD (lr 0.1 to 0 by a cosine schedule, momentum 0.9, batch 100) "
           "on the sigmoid net with dropout 0.2",
           model_hp={"hidden": (500, 500, 2000), "activation": "sigmoid", "dropout": 0.2,
                     "pretrain_epochs": 10, "pretrain_lr": 0.05, "pretrain_batch": 100,
                     "k": 1, "persistent": False},
           train={"epochs": 100, "batch_size": 100, "optimizer": "sgd", "lr": 0.1,
                  "momentum": 0.9, "scheduler": "cosine"}))
