"""Progress bars: tqdm, quiet when the output is not a terminal or when asked."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol, TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Bar(Protocol[T_co]):
    """What a progress bar offers: iteration over the wrapped items, live metrics, closing."""

    def __iter__(self) -> Iterator[T_co]: ...

    def set_postfix(self, ordered_dict: Mapping[str, object] | None = None,
                    refresh: bool = True) -> None:
        """Show ``ordered_dict`` (metric name -> value) after the bar."""

    def close(self) -> None:
        """Stop drawing the bar."""


def progress(
    iterable: Iterable[T],
    *,
    total: int | None = None,
    initial: int = 0,
    desc: str = "",
    quiet: bool = False,
    leave: bool = False,
    unit: str = "it",
) -> Bar[T]:
    """Wrap ``iterable`` in a progress bar unless ``quiet`` or stderr is not a TTY.

    The returned object iterates like ``iterable``; ``set_postfix(metrics)`` shows live
    metrics (a no-op when the bar is off).
    """
    disable = quiet or not sys.stderr.isatty()
    bar: Bar[T] = tqdm(
        iterable, total=total, initial=initial, desc=desc, disable=disable, leave=leave, unit=unit,
        dynamic_ncols=True, file=sys.stderr,
    )
    return bar
