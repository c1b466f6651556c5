"""Progress bars: tqdm, quiet when the output is not a terminal or when asked."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")


def progress(
    iterable: Iterable[T],
    *,
    total: int | None = None,
    initial: int = 0,
    desc: str = "",
    quiet: bool = False,
    leave: bool = False,
    unit: str = "it",
) -> Iterator[T] | Any:
    """Wrap ``iterable`` in a progress bar unless ``quiet`` or stderr is not a TTY.

    The returned object iterates like ``iterable``; ``set_postfix(**metrics)`` shows live
    metrics (a no-op when the bar is off).
    """
    disable = quiet or not sys.stderr.isatty()
    return tqdm(
        iterable, total=total, initial=initial, desc=desc, disable=disable, leave=leave, unit=unit,
        dynamic_ncols=True, file=sys.stderr,
    )
