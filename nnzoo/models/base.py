"""What every model shares: the hooks the engine drives, and classification on top of them.

The engine knows a model only through this small surface:

- ``training_step(batch) -> dict`` applies one step of the model's learning rule to a batch
  ``(x, y)`` and returns its metrics. With ``automatic_optimization = True`` it returns a
  differentiable ``"loss"`` and the engine back-propagates and steps the optimizers that
  ``configure_optimizers`` returned (backprop models, GANs with their two optimizers set it
  to ``False`` and step themselves); otherwise the model updates itself (Rosenblatt's rule,
  Hebbian learning, contrastive divergence).
- ``evaluation_step(batch) -> dict`` returns per-batch mean metrics, averaged by the engine;
  ``evaluation_summary()`` may replace some of those averages by figures over every batch
  of the evaluation (entity F1 from summed counts), so that evaluation runs in bounded batches.
- ``sequence_lengths(X)``: for inputs that are sequences padded at the end (sentences), the
  length of each; the engine then batches samples of similar length and cuts each batch to
  its longest sample (None, the default: inputs are not padded sequences).
- ``predict(x)`` is inference with full input checks; ``forward`` checks shape and dtype only.
- ``visualize(out_dir)`` writes the pictures that explain the model (weights, filters).
- ``state_dict``/``load_state_dict`` round-trip through safetensors (``nn.Module`` gives it).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Generic, Protocol, TypeVar, runtime_checkable

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core.config import TrainConfig, build_optimizer
from nnzoo.core.errors import ConfigError, InputError
from nnzoo.core.validation import check_input

Batch = tuple[torch.Tensor, torch.Tensor | None]


class ModelConfig(Protocol):
    """What the base class needs of a model's hyperparameter dataclass: the shape of one
    input sample (every config dataclass has the field ``sample_shape``)."""

    @property
    def sample_shape(self) -> tuple[int, ...]: ...


#: The config dataclass a model class is generic over (``class MLP(Classifier[MLPConfig])``).
C = TypeVar("C", bound=ModelConfig)


class ZooModule(nn.Module, Generic[C]):
    """Base class of the torch-module models, generic over their config dataclass ``C``.

    A subclass names its config, ``class MLP(Classifier[MLPConfig])``, and ``self.config``
    then has that type; a subclass that does not (``class MLP(Classifier)``) works the same,
    its config typed ``Any``.

    :param config: the model's hyperparameter dataclass; it has ``sample_shape``, the shape
        of one input sample, against which every batch is checked.
    """

    model_id: ClassVar[str] = ""
    automatic_optimization: ClassVar[bool] = True
    #: ``True`` for models whose inputs are integer indices (states, tokens), not real values
    #: (a model that decides per instance overrides :attr:`integer_input`).
    integer_inputs: ClassVar[bool] = False

    config: C

    def __init__(self, config: C) -> None:
        super().__init__()
        self.config = config

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return tuple(self.config.sample_shape)

    @property
    def integer_input(self) -> bool:
        """Whether the inputs are integer indices (states, tokens) rather than real values."""
        return self.integer_inputs

    @property
    def device(self) -> torch.device:
        for t in self.state_dict().values():
            return t.device
        return torch.device("cpu")

    def check(self, x: torch.Tensor, *, finite: bool = False) -> torch.Tensor:
        """Check that ``x`` is a batch of samples of :attr:`sample_shape` of the right dtype."""
        return check_input(x, self.sample_shape, name=f"{self.model_id} input", finite=finite,
                           integer=self.integer_input)

    def on_fit_start(self, X: torch.Tensor, seed: int = 0) -> None:
        """Called once by the engine before the first training step, with the whole training
        split (a DBN pre-trains its RBMs greedily here). Does nothing by default."""

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Apply one step of the learning rule to ``(x, y)`` (``y`` None when unsupervised)."""
        raise NotImplementedError

    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Mean metrics of the model on ``(x, y)``, without changing it."""
        raise NotImplementedError

    def evaluation_summary(self) -> dict[str, float]:
        """Metrics over every batch since the model last entered eval mode, which replace the
        engine's size-weighted averages of ``evaluation_step``'s figures (a ratio of sums
        such as entity F1 is not the mean of batch ratios). None by default."""
        return {}

    def sequence_lengths(self, X: torch.Tensor) -> torch.Tensor | None:
        """The number of steps of each sample of ``X`` (N, T, ...) when the samples are
        sequences padded at the end along dimension 1; ``None`` (the default) otherwise.

        When a model returns lengths, the engine orders training batches by length
        (:func:`~nnzoo.core.loop.epoch_order`), evaluates in length order, and cuts the steps
        dimension of ``x`` (and of ``y`` when it has the same steps) to the longest sample of
        each batch, so the model must accept ``x`` of 1 to T steps.
        """
        return None

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Inference with every input check (shape, dtype, finite values): class indices for
        a classifier, recalled patterns for an associative memory, features for an RBM."""
        raise NotImplementedError

    def set_label_smoothing(self, eps: float) -> None:
        """Smooth the labels of the training loss by ``eps`` (``TrainConfig.label_smoothing``;
        the engine calls this before training). Only a model whose training loss is a
        cross-entropy over classes takes it; here ``eps > 0`` is an error.

        :raises ConfigError: when ``eps > 0``.
        """
        if eps:
            raise ConfigError(f"label_smoothing applies to classifiers trained on the "
                              f"cross-entropy; {self.model_id} does not train on one (set "
                              "label_smoothing=0)")

    def configure_optimizers(self, cfg: TrainConfig) -> list[torch.optim.Optimizer]:
        """The optimizers the engine steps (none for a model with a rule of its own)."""
        params = [p for p in self.parameters() if p.requires_grad]
        return [build_optimizer(params, cfg)] if params else []

    def visualize(self, out_dir: Path) -> list[Path]:
        """Write the model's explanatory pictures into ``out_dir``; return their paths."""
        return []


@runtime_checkable
class ClosedForm(Protocol):
    """A model registered with ``learning="closed-form"``: the engine calls ``fit`` once on
    the whole training split (``y`` None when unsupervised) instead of training steps."""

    def fit(self, X: torch.Tensor, y: torch.Tensor | None, /) -> object: ...


class Classifier(ZooModule[C]):
    """A model whose ``forward(x)`` returns class scores of shape ``(B, n_classes)``.

    Training minimises the cross-entropy :math:`-\\log \\mathrm{softmax}(s)_y`, or with label
    smoothing ``e`` (:meth:`classification_loss`) the cross-entropy against the smoothed
    target :math:`(1 - e)\\,\\mathrm{onehot}(y) + e / K`; evaluation always scores the plain
    cross-entropy.
    """

    #: The label smoothing ``e`` of the training loss (:meth:`set_label_smoothing`).
    label_smoothing: float = 0.0
    #: Whether a subclass's own ``training_step`` computes its loss with
    #: :meth:`classification_loss` (and so takes label smoothing); the base class's does.
    smooths_labels: ClassVar[bool] = False

    def set_label_smoothing(self, eps: float) -> None:
        """Use label smoothing ``eps`` in [0, 1) in :meth:`classification_loss`.

        :raises ConfigError: when ``eps`` is out of range, or ``eps > 0`` for a subclass whose
            own ``training_step`` does not use :meth:`classification_loss` (a perceptron, an
            SVM: their rules are not a cross-entropy).
        """
        if not 0 <= eps < 1:
            raise ConfigError(f"label_smoothing must be in [0, 1), got {eps}")
        own = type(self).training_step is not Classifier.training_step
        if eps and own and not self.smooths_labels:
            super().set_label_smoothing(eps)
        self.label_smoothing = float(eps)

    def classification_loss(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The training loss of scores ``logits`` (B, K) against classes ``y`` (B,):

        .. math:: (1 - e)\\,(-\\log p_y) + e\\,\\frac{1}{K} \\sum_k (-\\log p_k),
            \\quad p = \\mathrm{softmax}(\\mathrm{logits})

        averaged over the batch (Szegedy et al. 2016's label smoothing; ``e = 0``: the
        cross-entropy). torch's ``label_smoothing`` is this formula.
        """
        return F.cross_entropy(logits, y, label_smoothing=self.label_smoothing)

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = _labelled(batch, self.model_id)
        logits = self(x)  # (B, K)
        loss = self.classification_loss(logits, y)
        return {"loss": loss, "accuracy": (logits.detach().argmax(1) == y).float().mean()}

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = _labelled(batch, self.model_id)
        logits = self(x)
        return {"loss": F.cross_entropy(logits.float(), y),
                "accuracy": (logits.argmax(1) == y).float().mean()}

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Class index of each sample of ``x`` (checked: shape, dtype, finite values)."""
        self.check(x, finite=True)
        return self(x).argmax(1)


def _labelled(batch: Batch, model_id: str) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x, y)`` of a batch whose labels a classifier needs.

    :raises InputError: when ``y`` is ``None`` (unlabelled data).
    """
    x, y = batch
    if y is None:
        raise InputError(f"{model_id} is a classifier and needs labels; the batch has none")
    return x, y


def first_layer_images(weight: torch.Tensor, sample_shape: tuple[int, ...], k: int = 64
                       ) -> torch.Tensor | None:
    """Reshape the first ``k`` rows of a dense layer's weight into images (K, H, W).

    Works when one input sample is an image ``(1, H, W)`` or ``(H, W)``; ``None`` otherwise.
    """
    shape = tuple(s for s in sample_shape if s != 1) if len(sample_shape) == 3 else sample_shape
    if len(shape) != 2:
        return None
    return weight[:k].detach().float().cpu().reshape(-1, *shape)
