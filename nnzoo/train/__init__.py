"""The engine: training loops (iterative and closed-form), single process or distributed."""

from nnzoo.train.distributed import DistContext
from nnzoo.train.engine import Trainer, confusion_matrix, evaluate

__all__ = ["DistContext", "Trainer", "confusion_matrix", "evaluate"]
