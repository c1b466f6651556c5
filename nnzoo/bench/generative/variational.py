"""What the variational models' benchmarks share: training a recipe in memory, scoring any VAE
(nnzoo's or a peer's) with the same estimators, and pythae's VAE built on nnzoo's networks.

Scores of a trained VAE on the test split (:func:`score_vae`), in nats per image:

- ``neg_elbo``: ``-(log p(x | z) - KL)`` at one reparameterised sample (seed 0) with the
  analytic KL, pytorch/examples' "test set loss";
- ``reconstruction``: ``-log p(x | z)`` at that sample;
- ``iwae_nll``: ``-L_k``, the IWAE bound with ``k`` samples
  (:func:`nnzoo.models.generative.iwae.iwae_bound`), on the first ``n_iwae`` test images;
- ``probe``: the linear probe's test accuracy on the posterior means
  (:func:`nnzoo.bench.generative.probe.linear_probe`).

Both sides of a row are scored by these functions, from their encoder's ``(mu, logvar)`` and
their decoder's ``log p(x | z)``, so an estimator never differs between them.
"""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import torch
import torch.nn.functional as F

from nnzoo.bench.generative.probe import linear_probe
from nnzoo.bench.runner import plots_dir, timed
from nnzoo.data.base import Splits
from nnzoo.models.generative.iwae import iwae_bound, standard_normal_log_density
from nnzoo.models.generative.vae import gaussian_kl
from nnzoo.recipes import get_recipe
from nnzoo.recipes.runner import build_model
from nnzoo.train.engine import Trainer

Encode = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
LogLik = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def fit_recipe(model_id: str, recipe: str, splits: Splits, overrides: dict[str, Any] | None = None,
               seed: int = 0, quiet: bool = True) -> tuple[Any, float, int]:
    """Train ``model_id``'s ``recipe`` on ``splits`` with the engine, in memory (no run
    folder), the best validation epoch's weights restored.

    :returns: ``(model, training seconds, scored epoch)``; the model is the recipe's VAE-family
        class (typed ``Any``: each has its own ``encode``).
    """
    hp, cfg = get_recipe(model_id, recipe).resolve(overrides)
    model = build_model(model_id, hp, splits, seed)
    trainer = Trainer(model, splits.train, splits.val, cfg, seed=seed, metric="loss",
                      higher_is_better=False, quiet=quiet)
    _, seconds = timed(trainer.fit)
    epoch = trainer.restore_best()
    model.eval()
    return model, seconds, epoch


@torch.no_grad()
def score_vae(encode: Encode, log_lik: LogLik, splits: Splits, *, k: int, n_iwae: int,
              batch: int = 500, seed: int = 0) -> dict[str, float]:
    """The test scores of a VAE given by its encoder and its decoder's log-likelihood
    (see the module docstring)."""
    X, Xtr = splits.test.X, splits.train.X
    g = torch.Generator().manual_seed(seed)
    sums = {"neg_elbo": 0.0, "reconstruction": 0.0, "kl": 0.0}
    for i in range(0, len(X), batch):
        x = X[i:i + batch]
        mu, logvar = encode(x)
        z = mu + (0.5 * logvar).exp() * torch.randn(mu.shape, generator=g)
        rec, kl = log_lik(x, z), gaussian_kl(mu, logvar)
        sums["neg_elbo"] += float((kl - rec).sum())
        sums["reconstruction"] += float(-rec.sum())
        sums["kl"] += float(kl.sum())
    out = {key: v / len(X) for key, v in sums.items()}
    nll = 0.0
    for i in range(0, n_iwae, 25):
        x = X[i:min(i + 25, n_iwae)]
        mu, logvar = encode(x)

        def log_joint(z: torch.Tensor, x: torch.Tensor = x) -> torch.Tensor:
            return log_lik(x, z) + standard_normal_log_density(z)

        nll -= float(iwae_bound(mu, logvar, log_joint, k, generator=g).sum())
    out["iwae_nll"] = nll / n_iwae
    codes_tr = torch.cat([encode(Xtr[i:i + batch])[0] for i in range(0, len(Xtr), batch)])
    codes_te = torch.cat([encode(X[i:i + batch])[0] for i in range(0, len(X), batch)])
    out["probe"] = linear_probe(codes_tr, splits.train.targets(), codes_te,
                                splits.test.targets())
    return out


def nnzoo_scorer(model: Any) -> tuple[Encode, LogLik]:
    """``(encode, log_lik)`` of an nnzoo VAE (unconditional)."""
    return model.encode, lambda x, z: model.log_likelihood(x, model.decode_logits(z))


def pythae_vae(encoder: torch.nn.Module, decoder: torch.nn.Module, sample_shape: tuple[int, ...],
               latent_dim: int) -> Any:
    """pythae's ``VAE`` (binary cross-entropy reconstruction) on the given networks: nnzoo's
    :class:`~nnzoo.models.generative.vae.Encoder` and ``Decoder`` wrapped in pythae's
    ``BaseEncoder``/``BaseDecoder`` (the decoder's logits through a sigmoid, as pythae's own
    MLP decoder ends)."""
    from pythae.models import VAE, VAEConfig
    from pythae.models.base.base_utils import ModelOutput
    from pythae.models.nn import BaseDecoder, BaseEncoder

    class Enc(BaseEncoder):
        def __init__(self) -> None:
            BaseEncoder.__init__(self)
            self.net = encoder

        def forward(self, x: torch.Tensor) -> Any:
            mu, logvar = self.net(x)
            return ModelOutput(embedding=mu, log_covariance=logvar)

    class Dec(BaseDecoder):
        def __init__(self) -> None:
            BaseDecoder.__init__(self)
            self.net = decoder

        def forward(self, z: torch.Tensor) -> Any:
            return ModelOutput(reconstruction=torch.sigmoid(self.net(z)))

    cfg = VAEConfig(input_dim=tuple(sample_shape), latent_dim=latent_dim,
                    reconstruction_loss="bce")
    return VAE(cfg, encoder=Enc(), decoder=Dec())


@contextlib.contextmanager
def _silenced(quiet: bool) -> Iterator[None]:
    """pythae's log lines and progress bars, hidden when ``quiet``."""
    if not quiet:
        yield
        return
    log = logging.getLogger("pythae")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        log.setLevel(level)


def fit_pythae(model: Any, splits: Splits, *, epochs: int, batch: int, lr: float, seed: int = 0,
               quiet: bool = True) -> tuple[Any, float]:
    """Train a pythae model with pythae's ``TrainingPipeline`` (Adam, no scheduler, the
    validation split as its eval set, its best eval epoch kept), in this process; pythae's
    checkpoint folder lives in a temporary folder under the benchmark's output, removed after.

    :returns: ``(the best eval epoch's model, training seconds)``.
    """
    from pythae.pipelines import TrainingPipeline
    from pythae.trainers import BaseTrainerConfig

    with tempfile.TemporaryDirectory(dir=plots_dir()) as tmp, _silenced(quiet):
        cfg = BaseTrainerConfig(output_dir=tmp, num_epochs=epochs, learning_rate=lr,
                                per_device_train_batch_size=batch,
                                per_device_eval_batch_size=1000, optimizer_cls="Adam",
                                seed=seed)
        pipe = TrainingPipeline(model=model, training_config=cfg)
        _, seconds = timed(lambda: pipe(train_data=splits.train.X, eval_data=splits.val.X))
    best = getattr(pipe.trainer, "_best_model", None) or model
    best.eval()
    return best, seconds


def pythae_scorer(model: Any) -> tuple[Encode, LogLik]:
    """``(encode, log_lik)`` of a pythae VAE: Bernoulli ``log p(x | z)`` from its decoder's
    probabilities (computed from the same logits, so as exact as nnzoo's)."""
    def encode(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = model.encoder(x)
        return out.embedding, out.log_covariance

    def log_lik(x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        logits = model.decoder.net(z)
        dims = tuple(range(-(x.dim() - 1), 0))
        return -F.binary_cross_entropy_with_logits(logits, x.expand_as(logits),
                                                   reduction="none").sum(dims)

    return encode, log_lik


__all__ = ["fit_pythae", "fit_recipe", "nnzoo_scorer", "pythae_scorer", "pythae_vae",
           "score_vae"]
