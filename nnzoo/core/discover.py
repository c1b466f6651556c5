"""Self-registering packages: import every module below a package, so that each registers
what it defines (a model, a recipe, a bench task, a dataset) and a new one is new files only.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable


def import_submodules(package: str, skip: Iterable[str] = ()) -> list[str]:
    """Import every module and subpackage below ``package``, depth first, in name order.

    :param package: the dotted name of an imported package (``"nnzoo.models"``).
    :param skip: module names relative to ``package`` not to import (``"runner"``); a skipped
        module may still be imported by another one.
    :return: the dotted names imported.
    """
    pkg = importlib.import_module(package)
    skipped = {f"{package}.{s}" for s in skip}
    done: list[str] = []
    for info in sorted(pkgutil.walk_packages(pkg.__path__, prefix=f"{package}."),
                       key=lambda m: m.name):
        if info.name in skipped or any(info.name.startswith(s + ".") for s in skipped):
            continue
        importlib.import_module(info.name)
        done.append(info.name)
    return done
