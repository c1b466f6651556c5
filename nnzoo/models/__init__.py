"""nnzoo's model implementations: one package per family, one file per architecture.

Importing this package imports every module in its family packages (``feedforward``,
``kernel``, ``energy``, ``classic``, ``reservoir``, ``recurrent``, ``text``, ``vision``),
which registers each architecture (and its scikit-learn estimator, in ``<model>_estimator``
beside it) with :mod:`nnzoo.models.registry`. ``base`` (the engine's hooks), ``registry``,
``readout`` (the ridge readout shared by the closed-form models) and ``sklearn_api`` (the
shared scikit-learn estimator code) hold no model.
"""

from nnzoo.core.discover import import_submodules
from nnzoo.models.registry import (
    Card,
    ModelSpec,
    card,
    create,
    get_spec,
    implemented_ids,
    list_models,
    register,
    register_estimator,
)

import_submodules(__name__, skip=("base", "registry", "readout", "sklearn_api"))

from nnzoo.models.classic.markov_analysis import MarkovChain  # noqa: E402
from nnzoo.models.classic.markov_text import MarkovText  # noqa: E402
from nnzoo.models.classic.som_estimator import SOM, SOMClassifier  # noqa: E402
from nnzoo.models.energy.dbn_estimator import DBNClassifier  # noqa: E402
from nnzoo.models.energy.rbm_estimator import RBMTransformer  # noqa: E402
from nnzoo.models.feedforward.elm_estimator import ELMClassifier, ELMRegressor  # noqa: E402
from nnzoo.models.feedforward.mlp_estimator import MLPClassifier  # noqa: E402
from nnzoo.models.feedforward.perceptron_estimator import PerceptronClassifier  # noqa: E402
from nnzoo.models.kernel.rbf_net_estimator import RBFNetClassifier, RBFNetRegressor  # noqa: E402
from nnzoo.models.kernel.svm_estimator import SVMClassifier  # noqa: E402
from nnzoo.models.sklearn_api import TorchClassifier  # noqa: E402

__all__ = [
    "SOM", "Card", "DBNClassifier", "ELMClassifier", "ELMRegressor", "MLPClassifier",
    "MarkovChain", "MarkovText", "ModelSpec", "PerceptronClassifier", "RBFNetClassifier",
    "RBFNetRegressor", "RBMTransformer", "SOMClassifier", "SVMClassifier", "TorchClassifier",
    "card", "create", "get_spec", "implemented_ids", "list_models", "register",
    "register_estimator",
]
