"""Recipes of the WaveNet (:mod:`nnzoo.models.autoregressive.wavenet`).

- ``audio-small`` (default; offline, seconds): the generated audio-like signal
  (:mod:`nnzoo.data.waveforms`, 256 mu-law levels) with short signals (20,000 training
  samples) and a small network: one stack of 6 layers (dilations 1 .. 32, receptive field 64),
  16 residual channels, 2 epochs. Metric: cross-entropy per sample (nats; ``bits`` beside it).
- ``audio``: the same signal at full length (400,000 training samples, 40,000 validation and
  40,000 test), windows of 256 samples, two stacks of 8 layers (dilations 1 .. 128, receptive field
  511), 32 residual and dilation channels, 64 skip and output channels (146,240
  parameters), Adam 2e-3, batch 16, gradient norm clipped at 1, 6 epochs; validation picks
  the epoch. ``nnzoo bench wavenet --tier full --task audio`` scores it beside a linear AR
  predictor and the marginal histogram (:mod:`nnzoo.bench.autoregressive.wavenet`).
"""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

add(Recipe(
    "wavenet", "audio-small", "toy-audio",
    "generated audio-like signal (20,000 training samples, 256 mu-law levels): one stack of "
    "6 dilated layers (receptive field 64), 16 channels, Adam 3e-3, 2 epochs",
    model_hp={"residual_channels": 16, "dilation_channels": 16, "skip_channels": 32,
              "end_channels": 32, "layers": 6, "stacks": 1},
    train={"epochs": 2, "batch_size": 16, "lr": 3e-3, "grad_clip": 1.0, "eval_batch_size": 64},
    metric="loss", higher_is_better=False, default=True,
    dataset_args={"seq_len": 128, "n_train": 20_000, "n_val": 4_000, "n_test": 4_000}))

#: The ``audio`` recipe's network and schedule (the benchmark reads them from the recipe).
AUDIO_MODEL = {"residual_channels": 32, "dilation_channels": 32, "skip_channels": 64,
               "end_channels": 64, "layers": 8, "stacks": 2}

add(Recipe(
    "wavenet", "audio", "toy-audio",
    "generated audio-like signal (400,000 training samples, 256 mu-law levels, windows of "
    "256): two stacks of 8 dilated layers (receptive field 511), 32 residual channels, "
    "Adam 2e-3, batch 16, clip 1, 6 epochs",
    model_hp=dict(AUDIO_MODEL),
    train={"epochs": 6, "batch_size": 16, "lr": 2e-3, "grad_clip": 1.0,
           "eval_batch_size": 64},
    metric="loss", higher_is_better=False,
    dataset_args={"seq_len": 256}))
