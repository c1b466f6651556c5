"""Deep autoencoder: a stack of RBMs unrolled into an encoder and a decoder, then fine-tuned.

Paper: G. E. Hinton, R. R. Salakhutdinov, "Reducing the dimensionality of data with neural
networks", Science 313(5786), 2006, https://doi.org/10.1126/science.1127647: a
784-1000-500-250-30 autoencoder on MNIST, each layer pre-trained as an RBM, unrolled, then
fine-tuned by backprop on the cross-entropy of the reconstruction.

Reference implementation: the authors' Matlab code, ``mnistdeepauto.m``, ``rbm.m``,
``rbmhidlinear.m``, ``backprop.m`` (http://www.cs.toronto.edu/~hinton/MatlabForSciencePaper.html).

The math. Widths ``(D, *hidden, latent)``. Pre-training (``pretrain="rbm"``): layer ``l`` is
an :class:`~nnzoo.models.energy.rbm.RBM` with weights ``W_l`` (H_l, H_{l-1}), visible bias
``b_l``, hidden bias ``c_l``, trained by CD-1 for ``pretrain_epochs`` on the hidden
probabilities of the RBM below (the DBN's greedy rule, :mod:`~nnzoo.models.energy.dbn`).
Unrolling: the encoder's layer ``l`` starts at ``(W_l, c_l)``, ``h^l = s(W_l h^{l-1} + c_l)``,
and the decoder's mirror layer at ``(W_l^T, b_l)``, ``h^{l-1} = s(W_l^T h^l + b_l)``
(weights untied from there on, as in the paper's fine-tuning); the code layer is linear,
``z = W_L h^{L-1} + c_L`` (``code_activation="linear"``). Fine-tuning minimises the
reconstruction loss of :mod:`~nnzoo.models.generative.autoencoder` by backprop (the engine
steps the recipe's optimizer; the paper used conjugate gradients).

Where nnzoo's RBM differs from the paper. The paper's top RBM has linear (Gaussian) hidden
units, the code; nnzoo's RBM has binary hidden units only (it offers Gaussian *visible*
units), so the top RBM here is Bernoulli-Bernoulli and only the unrolled code layer is
linear. With ``loss="gaussian"`` (real-valued data) the bottom RBM has Gaussian visible
units of unit variance, as Hinton & Salakhutdinov's face-patch model; with ``bernoulli``
(data in [0, 1]) every RBM is Bernoulli-Bernoulli, as their MNIST model.

When pre-training happens: :meth:`DeepAE.on_fit_start` runs it on the whole training split
before the first fine-tuning step (the engine calls it); a caller that drives
``training_step`` itself pre-trains on its first batch. A buffer ``pretrained`` records it.
``pretrain="none"`` trains the same network from random weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from nnzoo.core.config import require
from nnzoo.core.device import small_work_threads
from nnzoo.core.loop import batch_slices, epoch_order
from nnzoo.models.base import Batch
from nnzoo.models.energy.rbm import RBM, RBMConfig
from nnzoo.models.generative.autoencoder import Autoencoder, AutoencoderConfig, DenseStack
from nnzoo.models.registry import register


@dataclass
class DeepAEConfig(AutoencoderConfig):
    """Hyperparameters of :class:`DeepAE` (those of
    :class:`~nnzoo.models.generative.autoencoder.AutoencoderConfig`, and):

    :param pretrain: ``rbm`` (greedy RBM pre-training, then unrolling; needs ``arch="mlp"``
        and sigmoid hidden units) or ``none``.
    :param pretrain_epochs: CD-1 epochs per RBM.
    :param pretrain_lr: the RBMs' learning rate.
    :param pretrain_batch: the RBMs' minibatch size.
    :param pretrain_momentum: the RBMs' momentum (the paper's 0.5, then 0.9 after 5 epochs:
        nnzoo's RBM warms up at 0.5 for the first 5 epochs' updates).
    """

    hidden: tuple[int, ...] = (128, 64, 32)
    latent: int = 8
    activation: Literal["relu", "sigmoid", "tanh", "linear"] = "sigmoid"
    code_activation: Literal["relu", "sigmoid", "tanh", "linear"] = "linear"
    pretrain: Literal["rbm", "none"] = "rbm"
    pretrain_epochs: int = 10
    pretrain_lr: float = 0.05
    pretrain_batch: int = 32
    pretrain_momentum: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.latent < self.n_inputs,
                f"an under-complete autoencoder needs latent < the {self.n_inputs} input "
                f"values, got latent {self.latent}")
        require(self.pretrain in ("rbm", "none"),
                f"pretrain must be rbm or none, got {self.pretrain!r}")
        require(self.pretrain_epochs >= 0,
                f"pretrain_epochs must be >= 0, got {self.pretrain_epochs}")
        require(self.pretrain_lr > 0, f"pretrain_lr must be > 0, got {self.pretrain_lr}")
        require(self.pretrain_batch >= 1,
                f"pretrain_batch must be >= 1, got {self.pretrain_batch}")
        require(0 <= self.pretrain_momentum < 1,
                f"pretrain_momentum must be in [0, 1), got {self.pretrain_momentum}")
        if self.pretrain == "rbm":
            require(self.arch == "mlp", "RBM pre-training unrolls fully connected layers: "
                    f"pretrain='rbm' needs arch='mlp', got {self.arch!r} (or pretrain='none')")
            require(self.activation == "sigmoid",
                    "RBM pre-training needs sigmoid hidden units (the RBMs' own), got "
                    f"activation={self.activation!r} (or pretrain='none')")


@register("deep-ae", config=DeepAEConfig,
          rule="greedy RBM pre-training (CD-1), unrolling, then backprop on the "
               "reconstruction loss",
          peer="the same deep autoencoder without pre-training (baseline)",
          reference="http://www.cs.toronto.edu/~hinton/MatlabForSciencePaper.html")
class DeepAE(Autoencoder[DeepAEConfig]):
    """Hinton & Salakhutdinov's deep autoencoder, RBM-pre-trained or not.

    :param config: a :class:`DeepAEConfig`.
    """

    pretrained: torch.Tensor                                               # buffer

    def __init__(self, config: DeepAEConfig) -> None:
        super().__init__(config)
        self.register_buffer("pretrained", torch.zeros((), dtype=torch.bool))

    def _dense(self, module: nn.Module) -> list[nn.Linear]:
        stack = module.dense
        assert isinstance(stack, DenseStack)
        return [lin for lin in stack.layers if isinstance(lin, nn.Linear)]

    @torch.no_grad()
    def pretrain(self, X: torch.Tensor, seed: int = 0) -> list[RBM]:
        """Train one RBM per layer greedily (CD-1 on the hidden probabilities of the one
        below, minibatch order fixed by ``seed``), then copy them into the encoder and the
        decoder (see the module docstring).

        :param X: the pre-training set (N, *sample_shape), checked.
        :returns: the trained RBMs, bottom first.
        """
        cfg = self.config
        x = self._checked(X).flatten(1)
        widths = (cfg.n_inputs, *cfg.hidden, cfg.latent)
        enc, dec = self._dense(self.encoder), self._dense(self.decoder)[::-1]
        slices = batch_slices(len(x), cfg.pretrain_batch, 1)
        rbms = []
        for li, (d, h) in enumerate(zip(widths[:-1], widths[1:])):
            gaussian = li == 0 and cfg.loss == "gaussian"
            rbm = RBM(RBMConfig(sample_shape=(d,), n_hidden=h, k=1, persistent=False,
                                n_chains=1, learning_rate=cfg.pretrain_lr,
                                momentum_coef=cfg.pretrain_momentum,
                                momentum_warmup=5 * len(slices),
                                visible="gaussian" if gaussian else "bernoulli",
                                init_std=0.1 / math.sqrt(d) if gaussian else 1 / math.sqrt(d)))
            rbm = rbm.to(x)
            with small_work_threads(cfg.pretrain_batch * d * h if x.device.type == "cpu"
                                    else 1 << 30):
                for epoch in range(cfg.pretrain_epochs):
                    order = epoch_order(len(x), seed, li * cfg.pretrain_epochs + epoch, x.device)
                    rbm.run_epoch(x[order], slices)                     # CD-1 updates
            enc[li].weight.copy_(rbm.weight)                            # W_l    (H, D)
            enc[li].bias.copy_(rbm.hbias)                               # c_l
            dec[li].weight.copy_(rbm.weight.T)                          # W_l^T  (D, H)
            dec[li].bias.copy_(rbm.vbias)                               # b_l
            x = rbm.hidden_probs(x)                                     # input of the next
            rbms.append(rbm)
        self.pretrained.fill_(True)
        return rbms

    def on_fit_start(self, X: torch.Tensor, seed: int = 0) -> None:
        """Pre-train on the whole training split (once) when ``pretrain="rbm"``."""
        super().on_fit_start(X, seed)
        if self.config.pretrain == "rbm" and not bool(self.pretrained):
            self.pretrain(X, seed)

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Pre-train first when asked (once; on this batch if the engine did not), then one
        backprop step on the reconstruction loss."""
        if self.config.pretrain == "rbm" and not bool(self.pretrained):
            self.pretrain(batch[0])
        return super().training_step(batch)


__all__ = ["DeepAE", "DeepAEConfig"]
