"""The residual networks: the CIFAR nets' parameter counts against the paper's, the identity
path of a unit, the shortcuts, and the errors for bad input (the ImageNet counts against
torchvision's: tests/test_convnets.py)."""

from __future__ import annotations

import pytest
import torch

from nnzoo.core.errors import ConfigError, InputError
from nnzoo.models import create
from nnzoo.models.vision.resnet import VARIANTS, BasicUnit, BottleneckUnit, ResNet, Shortcut

#: He et al. 2015, CIFAR-10 (section 4.2), as akamaster/pytorch_resnet_cifar10's README tables
#: them: parameters in millions, rounded as printed.
PAPER_CIFAR = {"resnet20": 0.27, "resnet32": 0.46, "resnet44": 0.66, "resnet56": 0.85,
               "resnet110": 1.7}


def _n(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("variant", sorted(PAPER_CIFAR))
def test_cifar_counts_round_to_the_papers(variant: str) -> None:
    model = create("resnet", variant=variant, sample_shape=(3, 32, 32), n_classes=10)
    digits = 2 if PAPER_CIFAR[variant] < 1 else 1
    assert round(_n(model) / 1e6, digits) == PAPER_CIFAR[variant]


def test_depth_is_6n_plus_2() -> None:
    for variant, (units, bottleneck, cifar) in VARIANTS.items():
        if not cifar:
            continue
        model = create("resnet", variant=variant)
        convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
        assert len(convs) + 1 == int(variant.removeprefix("resnet"))  # + the classifier
        assert not bottleneck and len(set(units)) == 1


@pytest.mark.parametrize("preact", [False, True])
@pytest.mark.parametrize("unit_cls", [BasicUnit, BottleneckUnit])
def test_zero_residual_gives_the_identity(unit_cls: type[BasicUnit] | type[BottleneckUnit],
                                          preact: bool) -> None:
    torch.manual_seed(0)
    c = 8 * unit_cls.expansion
    unit = unit_cls(c, 8, 1, "B", preact).eval()
    x = torch.randn(2, c, 5, 5).relu()  # a unit's input is a ReLU's output (or any, preact)
    if preact:
        x = torch.randn(2, c, 5, 5)
    assert not torch.allclose(unit(x), x)  # a random residual branch changes its input
    last = unit.conv3 if unit_cls is BottleneckUnit else unit.conv2
    torch.nn.init.zeros_(last.weight)
    if not preact:
        assert unit.last_bn is not None
        torch.nn.init.zeros_(unit.last_bn.bias)
    assert torch.equal(unit.residual(x), torch.zeros_like(x))
    assert torch.equal(unit(x), x)


def test_zero_init_residual_makes_every_identity_unit_the_identity() -> None:
    model = create("resnet", variant="resnet20", zero_init_residual=True).eval()
    for unit in model.units():
        if unit.shortcut.option == "identity":
            x = torch.rand(1, unit.conv1.in_channels, 8, 8)
            assert torch.equal(unit(x), x)


def test_option_a_pads_with_zeros_and_has_no_parameters() -> None:
    s = Shortcut(16, 32, 2, "A", preact=False)
    assert _n(s) == 0
    x = torch.randn(1, 16, 8, 8)
    y = s(x)
    assert y.shape == (1, 32, 4, 4)
    assert torch.equal(y[:, 8:24], x[:, :, ::2, ::2])
    assert torch.count_nonzero(y[:, :8]) == 0 and torch.count_nonzero(y[:, 24:]) == 0


def test_option_b_is_a_projection() -> None:
    a = create("resnet", variant="resnet20", shortcut="A")
    b = create("resnet", variant="resnet20", shortcut="B")
    # two shape-changing units, each a 1x1 conv (c_in * c_out) and a BN (2 * c_out)
    assert _n(b) - _n(a) == (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64)


@pytest.mark.parametrize("variant,stem,shape", [("resnet20", "imagenet", (3, 32, 32)),
                                                ("resnet18", "imagenet", (3, 64, 64)),
                                                ("resnet50", "small", (1, 28, 28))])
@pytest.mark.parametrize("preact", [False, True])
def test_forward_and_features(variant: str, stem: str, shape: tuple[int, ...],
                              preact: bool) -> None:
    model = create("resnet", variant=variant, stem=stem, sample_shape=shape, n_classes=7,
                   preact=preact)
    assert isinstance(model, ResNet)
    x = torch.randn(2, *shape)
    assert model(x).shape == (2, 7)
    maps = model.features(x)
    assert len(maps) == 1 + len(VARIANTS[variant][0])
    assert maps[-1].shape[-1] == max(1, -(-shape[-1] // model.config.min_side))


def test_min_side_names_the_size() -> None:
    with pytest.raises(ConfigError, match="at least 32x32 pixels, got 16x16"):
        create("resnet", variant="resnet18", sample_shape=(3, 16, 16))
    with pytest.raises(ConfigError, match="at least 4x4 pixels, got 3x3"):
        create("resnet", variant="resnet20", sample_shape=(1, 3, 3))
    create("resnet", variant="resnet18", stem="small", sample_shape=(3, 16, 16))


def test_unknown_variant_lists_the_variants() -> None:
    with pytest.raises(ConfigError, match="resnet20, resnet32, resnet44, resnet56, resnet110, "
                                          "resnet18, resnet34, resnet50"):
        create("resnet", variant="resnet101")


def test_wrong_number_of_channels() -> None:
    model = create("resnet", variant="resnet20", sample_shape=(3, 32, 32))
    with pytest.raises(InputError, match=r"shape \(batch, 3, 32, 32\), got \(2, 1, 32, 32\)"):
        model(torch.randn(2, 1, 32, 32))
