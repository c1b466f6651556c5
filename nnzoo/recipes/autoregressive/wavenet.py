"""Recipes of the WaveNet (:mod:`nnzoo.models.autoregressive.wavenet`).

- ``audio-small`` (default; offline, seconds): the generated audio-like signal
  (:mod:`nnzoo.data.waveforms`, 256 mu-law levels) with short signals (20,000 training
  samples) and a small network: one stack of 6 layers (dilations 1 .. 32, receptive field 64),
  16 residual channels, batch 4, Adam 1e-2 (chosen on validation over 5e-3), 5 epochs.
  Metric: cross-entropy per sample (nats; ``bits`` beside it).
- ``audio``: the same signal at full length (400,000 training samples, 40,000 validation and
  40,000 test), windows of 1,024 samples, two stacks of 7 layers (dilations 1 .. 64,
  receptive field 255, so that three quarters of each window's steps read a full past), 32
  residual and dilation channels, 64 skip and output channels, Adam 2e-3, batch 8, gradient
  norm clipped at 1, 6 epochs; validation picks the epoch.
  ``nnzoo bench wavenet --tier full --task audio`` scores it beside a linear AR
  predictor and the marginal histogram (:mod:`nnzoo.bench.autoregressive.wavenet`).
- ``names`` (``names.txt`` from the data root, makemore's split, a validation part of 1,000
  words carved from its training part): one stack of 4 layers (dilations 1, 2, 4, 8:
  receptive field 16, the longest name and its start marker), 48 residual and dilation
  channels, 64 skip channels, 128 output channels (72,299 parameters, near the 76K of the
  published WaveNet-style model), Adam 3e-3 with a cosine decay to 0, batch 32, 10 epochs
  (9,390 steps; about 16 ms of one core a step here, some 2.5 minutes of CPU). Validation
  picks the epoch. One run (seed 0): validation 2.001 nats per character (epoch 9), test
  1.946, beside the published 1.993.
- ``names-generated`` (offline, seconds): the same network on 2,000 generated names, 5 epochs;
  a run for ``nnzoo sample`` without the data root.
"""

from __future__ import annotations

from nnzoo.data.names import VOCAB
from nnzoo.recipes.base import Recipe, add

add(Recipe(
    "wavenet", "audio-small", "toy-audio",
    "generated audio-like signal (20,000 training samples, 256 mu-law levels): one stack of "
    "6 dilated layers (receptive field 64), 16 channels, Adam 1e-2, batch 4, 5 epochs",
    model_hp={"residual_channels": 16, "dilation_channels": 16, "skip_channels": 32,
              "end_channels": 32, "layers": 6, "stacks": 1},
    train={"epochs": 5, "batch_size": 4, "lr": 1e-2, "grad_clip": 1.0, "eval_batch_size": 64},
    metric="loss", higher_is_better=False, default=True,
    dataset_args={"seq_len": 128, "n_train": 20_000, "n_val": 4_000, "n_test": 4_000}))

#: The ``audio`` recipe's network and schedule (the benchmark reads them from the recipe).
AUDIO_MODEL = {"residual_channels": 32, "dilation_channels": 32, "skip_channels": 64,
               "end_channels": 64, "layers": 7, "stacks": 2}

add(Recipe(
    "wavenet", "audio", "toy-audio",
    "generated audio-like signal (400,000 training samples, 256 mu-law levels, windows of "
    "1,024): two stacks of 7 dilated layers (receptive field 255), 32 residual channels, "
    "Adam 2e-3, batch 8, clip 1, 6 epochs",
    model_hp=dict(AUDIO_MODEL),
    train={"epochs": 6, "batch_size": 8, "lr": 2e-3, "grad_clip": 1.0,
           "eval_batch_size": 16},
    metric="loss", higher_is_better=False,
    dataset_args={"seq_len": 1024, "n_train": 400_000, "n_val": 40_000, "n_test": 40_000}))

#: The ``names`` recipe's network: one stack of 4 layers, dilations 1, 2, 4, 8, so that the
#: receptive field (16) holds the longest name and its start marker.
NAMES_MODEL = {"residual_channels": 48, "dilation_channels": 48, "skip_channels": 64,
               "end_channels": 128, "layers": 4, "stacks": 1, "vocab": VOCAB}

add(Recipe(
    "wavenet", "names", "names",
    "names.txt characters (makemore's split): one stack of 4 dilated layers (dilations 1-8, "
    "receptive field 16), 48 residual channels, Adam 3e-3 with a cosine decay, batch 32, "
    "10 epochs",
    model_hp=dict(NAMES_MODEL),
    train={"epochs": 10, "batch_size": 32, "lr": 3e-3, "scheduler": "cosine",
           "eval_batch_size": 1000},
    metric="loss", higher_is_better=False,
    dataset_args={"source": "full"}))

add(Recipe(
    "wavenet", "names-generated", "names",
    "the names network on 2,000 generated names (offline, makemore's split): Adam 3e-3, batch "
    "32, 5 epochs",
    model_hp=dict(NAMES_MODEL),
    train={"epochs": 5, "batch_size": 32, "lr": 3e-3, "eval_batch_size": 500},
    metric="loss", higher_is_better=False,
    dataset_args={"source": "generated"}))
