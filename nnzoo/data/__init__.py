"""Datasets: the data root, canonical sources with checksums, embedded and generated data.

``load_dataset(name, **kwargs)`` returns a :class:`Splits` (train/val/test
:class:`ArrayDataset` of CPU tensors); ``list_datasets()`` names them all. Downloadable
datasets live in ``<data_root()>/<name>/`` under their original file names.

Each module registers the datasets it loads (:func:`~nnzoo.data.registry.register_dataset`)
when it is imported, and importing this package imports every module below it, so a new
dataset is one new file. ``nnzoo data list`` shows the datasets in the order they register:
the embedded tables and MNIST first (imported here in that order), then the generated tasks,
then the other modules in name order.
"""

from nnzoo.core.discover import import_submodules
from nnzoo.data.base import ArrayDataset, Splits
from nnzoo.data.digits import load_digits, load_iris, load_wine
from nnzoo.data.mnist import FASHION_MNIST, MNIST, load_mnist, read_idx

# isort: split
from nnzoo.data.generated import (
    adding_problem,
    associative_recall,
    bars_and_stripes,
    copy_task,
    mackey_glass,
    mackey_glass_splits,
    random_patterns,
)
from nnzoo.data.registry import (
    DATASETS,
    DatasetInfo,
    get_info,
    get_source,
    list_datasets,
    load_dataset,
    register_dataset,
)
from nnzoo.data.root import data_root
from nnzoo.data.sources import (
    RemoteFile,
    Source,
    download,
    ensure,
    sha256_file,
    summarize,
    verify,
)

import_submodules(__name__)

__all__ = [
    "DATASETS",
    "FASHION_MNIST",
    "MNIST",
    "ArrayDataset",
    "DatasetInfo",
    "RemoteFile",
    "Source",
    "Splits",
    "adding_problem",
    "associative_recall",
    "bars_and_stripes",
    "copy_task",
    "data_root",
    "download",
    "ensure",
    "get_info",
    "get_source",
    "list_datasets",
    "load_dataset",
    "load_digits",
    "load_iris",
    "load_mnist",
    "load_wine",
    "mackey_glass",
    "mackey_glass_splits",
    "random_patterns",
    "read_idx",
    "register_dataset",
    "sha256_file",
    "summarize",
    "verify",
]
