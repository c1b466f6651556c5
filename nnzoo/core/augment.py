"""Data augmentation of image batches: random crops of a zero-padded image and horizontal flips.

The engine applies these to its training batches (``TrainConfig.augment``); evaluation never
sees them. A spec is ``none`` or transforms joined by ``+``:

- ``crop<P>``: pad every side of the (C, H, W) image with ``P`` zero pixels and cut an H x W
  window at a uniform offset ``(dy, dx)`` in ``{0, ..., 2P}^2``: He et al. 2016's CIFAR
  augmentation is ``crop4+flip``. Output pixel ``(i, j)`` is padded pixel ``(i + dy, j + dx)``,
  i.e. input pixel ``(i + dy - P, j + dx - P)`` where that lies inside the image, else 0;
- ``flip``: mirror the image left to right (``x[..., ::-1]``) with probability 1/2.

Every draw is per sample and comes from a private generator seeded by ``(seed, epoch, step)``
(:func:`batch_generator`), never from the global generators: a batch's augmentation is a
function of where it is in the run, so a run resumed from a checkpoint draws what the
uninterrupted run drew. Crops come first, then flips (the order of the spec does not matter:
``crop4+flip`` and ``flip+crop4`` are the same draws and the same images).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from nnzoo.core.errors import ConfigError, InputError

#: The transforms a spec may join with ``+`` (``crop<P>``: any padding P >= 1 pixels).
KNOWN = ("none", "crop<P> (e.g. crop4)", "flip")

_CROP = re.compile(r"crop(\d+)")


@dataclass(frozen=True)
class Augment:
    """A parsed spec: crop padding in pixels (0 = no crop) and whether to flip."""

    pad: int = 0
    flip: bool = False

    @property
    def active(self) -> bool:
        """Whether the spec changes anything (``none`` does not)."""
        return self.pad > 0 or self.flip


def parse_augment(spec: str) -> Augment:
    """Parse ``spec`` (``"none"``, ``"crop4"``, ``"crop4+flip"``, ``"flip"``...).

    :raises ConfigError: for an unknown or repeated transform (naming the known ones).
    """
    parts = [p.strip().lower() for p in str(spec).split("+")]
    if parts == ["none"]:
        return Augment()
    pad, flip = 0, False
    for part in parts:
        m = _CROP.fullmatch(part)
        if part == "flip" and not flip:
            flip = True
        elif m and not pad and int(m.group(1)) >= 1:
            pad = int(m.group(1))
        else:
            raise ConfigError(f"augment: unknown or repeated transform {part!r} in {spec!r}; "
                              f"known: {', '.join(KNOWN)}, joined by '+' (crop4+flip)")
    return Augment(pad=pad, flip=flip)


def batch_generator(seed: int, epoch: int, step: int) -> torch.Generator:
    """A CPU generator whose stream depends only on ``(seed, epoch, step)`` (``step``: the
    batch's index within its epoch), mixed by NumPy's ``SeedSequence`` so that nearby triples
    give unrelated streams."""
    words = np.random.SeedSequence([seed % 2**63, epoch, step, 0x6175_676D]).generate_state(
        2, np.uint32)
    return torch.Generator().manual_seed(int(words[0]) << 31 | int(words[1]) >> 1)


def draw(aug: Augment, n: int, generator: torch.Generator
         ) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """The random choices of ``n`` samples: crop offsets (n, 2) in ``[0, 2 pad]`` (``dy``,
    ``dx``; None without a crop) and flip flags (n,) bool (None without a flip), drawn in
    that order from ``generator``."""
    offsets = (torch.randint(0, 2 * aug.pad + 1, (n, 2), generator=generator)
               if aug.pad else None)
    flips = torch.rand(n, generator=generator) < 0.5 if aug.flip else None
    return offsets, flips


def crop(x: torch.Tensor, pad: int, offsets: torch.Tensor) -> torch.Tensor:
    """Random crops of ``x`` (N, C, H, W) padded with ``pad`` zeros: sample ``n`` is
    ``F.pad(x, pad)[n, :, dy:dy + H, dx:dx + W]`` with ``(dy, dx) = offsets[n]``, gathered for
    the whole batch at once."""
    N, _, H, W = x.shape
    padded = F.pad(x, (pad, pad, pad, pad))                          # (N, C, H + 2P, W + 2P)
    off = offsets.to(x.device)
    rows = off[:, 0, None] + torch.arange(H, device=x.device)       # (N, H)
    cols = off[:, 1, None] + torch.arange(W, device=x.device)       # (N, W)
    n = torch.arange(N, device=x.device)[:, None, None, None]
    c = torch.arange(x.shape[1], device=x.device)[None, :, None, None]
    return padded[n, c, rows[:, None, :, None], cols[:, None, None, :]]


def flip(x: torch.Tensor, flips: torch.Tensor) -> torch.Tensor:
    """``x`` (N, C, H, W) with the samples where ``flips`` is True mirrored left to right."""
    return torch.where(flips.to(x.device)[:, None, None, None], x.flip(3), x)


def check_images(x: torch.Tensor) -> None:
    """Check that ``x`` is what augmentation takes: images (N, C, H, W) of floats.

    :raises InputError: naming the expected shape and what ``x`` is.
    """
    if x.dim() != 4 or not x.is_floating_point():
        raise InputError(f"augment needs image batches of shape (N, C, H, W), floating point; "
                         f"got shape {tuple(x.shape)} of {x.dtype}")


def augment_batch(x: torch.Tensor, aug: Augment, generator: torch.Generator, *,
                  total: int | None = None, share: slice | None = None) -> torch.Tensor:
    """``x`` (N, C, H, W), float, cropped and flipped as ``aug`` says, with the draws of
    :func:`draw` from ``generator``.

    :param total: the size of the global batch that ``x`` is a share of; the draws are made
        for all of it and ``x`` takes rows ``share`` of them, so that several processes, each
        with its share, augment as one process does. None: ``len(x)``, all rows.
    :param share: the rows of the global batch that ``x`` holds (``slice(rank, None,
        world)``); None: all.
    :raises InputError: when ``x`` is not a 4-d floating-point batch of images.
    """
    check_images(x)
    if not aug.active:
        return x
    offsets, flips = draw(aug, len(x) if total is None else total, generator)
    if share is not None:
        offsets = None if offsets is None else offsets[share]
        flips = None if flips is None else flips[share]
    if offsets is not None:
        x = crop(x, aug.pad, offsets)
    if flips is not None:
        x = flip(x, flips)
    return x


__all__ = ["KNOWN", "Augment", "augment_batch", "batch_generator", "check_images", "crop",
           "draw", "flip", "parse_augment"]
