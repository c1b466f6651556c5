"""The image nets of the genealogy (AlexNet, ZFNet, VGG, ResNet): parameter counts against
torchvision's published ones, what makes each block that block, and the bad-input errors they
share."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from nnzoo.bench.vision.convnets import TORCHVISION_PARAMS, n_params
from nnzoo.core.errors import ConfigError, InputError
from nnzoo.models import create
from nnzoo.models.vision.alexnet import lrn
from nnzoo.models.vision.densenet import DenseBlock, DenseNet
from nnzoo.models.vision.googlenet import MODULES, GoogLeNet, Inception
from nnzoo.models.vision.mobilenet import SeparableConv
from nnzoo.models.vision.nin import NiN
from nnzoo.models.vision.resnet import ResNet, SqueezeExcitation

#: the image nets and a variant name that does not exist for each
NETS = {"alexnet": "variant", "densenet": "variant", "googlenet": None, "mobilenet": None,
        "nin": None, "resnet": "variant", "senet": "variant", "vgg": "variant", "zfnet": None}


@pytest.mark.parametrize("name", sorted(TORCHVISION_PARAMS))
def test_parameter_counts_equal_torchvisions(name: str) -> None:
    model_id, hp, published = TORCHVISION_PARAMS[name]
    with torch.device("meta"):  # shapes only: no memory, no initialisation
        model = create(model_id, **hp, sample_shape=(3, 224, 224), n_classes=1000)
    assert n_params(model) == published


def test_alexnet_original_is_the_two_tower_net() -> None:
    model = create("alexnet", variant="original", geometry="imagenet", hidden=4096,
                   sample_shape=(3, 224, 224), n_classes=1000)
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [96, 256, 384, 384, 256]
    assert [c.groups for c in convs] == [1, 2, 1, 2, 2]
    # conv1 34,944 + conv2 307,456 + conv3 885,120 + conv4 663,936 + conv5 442,624 + fc6
    # 37,752,832 + fc7 16,781,312 + fc8 4,097,000 (weights + biases, computed by hand)
    assert n_params(model) == 60_965_224
    assert model.features(torch.randn(1, 3, 224, 224)).shape == (1, 256, 6, 6)


def test_lrn_is_the_papers_formula() -> None:
    torch.manual_seed(0)
    a = torch.randn(2, 7, 3, 3)
    n, alpha, beta, k = 5, 1e-4, 0.75, 2.0
    want = torch.empty_like(a)
    for c in range(7):  # b_c = a_c / (k + alpha * sum_{|c'-c| <= n/2} a_c'^2)^beta
        lo, hi = max(0, c - n // 2), min(6, c + n // 2)
        want[:, c] = a[:, c] / (k + alpha * (a[:, lo:hi + 1] ** 2).sum(1)) ** beta
    assert torch.allclose(lrn(a, n, alpha, beta, k), want, atol=1e-7)
    # torch's own function divides alpha by n: the same only with n * alpha
    assert not torch.allclose(F.local_response_norm(a, n, alpha, beta, k), want, atol=1e-7)


def test_zfnet_map_sizes_are_figure_3s() -> None:
    model = create("zfnet", geometry="imagenet", hidden=4096, sample_shape=(3, 224, 224),
                   n_classes=1000)
    x, sides = torch.randn(1, 3, 224, 224), []
    for layer in model.features:
        x = layer(x)
        if isinstance(layer, torch.nn.Conv2d | torch.nn.MaxPool2d):
            sides.append(x.shape[-1])
    assert sides == [110, 55, 26, 13, 13, 13, 13, 6]
    first = next(m for m in model.modules() if isinstance(m, torch.nn.Conv2d))
    assert first.kernel_size == (7, 7) and first.stride == (2, 2)


def test_vgg_uses_only_3x3_convolutions_and_the_tables_depths() -> None:
    for variant, depth in (("vgg11", 11), ("vgg13", 13), ("vgg16", 16), ("vgg19", 19)):
        model = create("vgg", variant=variant, geometry="imagenet", hidden=64,
                       sample_shape=(3, 32, 32))
        convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
        linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
        assert {c.kernel_size for c in convs} == {(3, 3)}
        assert len(convs) + len(linears) == depth


@pytest.mark.parametrize("model_id", sorted(NETS))
def test_small_geometry_trains_on_28x28(model_id: str) -> None:
    torch.manual_seed(0)
    model = create(model_id, sample_shape=(1, 28, 28), n_classes=10)
    x, y = torch.randn(8, 1, 28, 28), torch.randint(0, 10, (8,))
    assert model(x).shape == (8, 10)
    loss = model.training_step((x, y))["loss"]
    loss.backward()
    assert torch.isfinite(loss)
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)


@pytest.mark.parametrize("model_id", sorted(NETS))
def test_an_image_below_the_minimum_names_the_size(model_id: str) -> None:
    with pytest.raises(ConfigError, match=r"needs images of at least (\d+)x\1 pixels, got 3x3"):
        create(model_id, sample_shape=(1, 3, 3))


@pytest.mark.parametrize("model_id", sorted(NETS))
def test_the_wrong_number_of_channels(model_id: str) -> None:
    model = create(model_id, sample_shape=(3, 32, 32))
    with pytest.raises(InputError, match=r"shape \(batch, 3, 32, 32\), got \(2, 1, 32, 32\)"):
        model(torch.randn(2, 1, 32, 32))


@pytest.mark.parametrize("model_id", [m for m, field in NETS.items() if field])
def test_an_unknown_variant_lists_the_variants(model_id: str) -> None:
    with pytest.raises(ConfigError, match="variants are .*, "):
        create(model_id, variant="no-such-net")


def test_dense_concatenation_widths() -> None:
    torch.manual_seed(0)
    block = DenseBlock(c_in=5, n=4, k=3, dropout=0.0).eval()
    assert [layer.conv1.in_channels for layer in block.layers] == [5, 8, 11, 14]
    assert all(layer.conv2.out_channels == 3 for layer in block.layers)
    x = torch.randn(2, 5, 6, 6)
    y = block(x)
    assert y.shape == (2, 5 + 4 * 3, 6, 6) and block.c_out == 17
    assert torch.equal(y[:, :5], x)  # the input is passed on unchanged
    # the last layer's 3 channels are computed from all 14 before them
    assert torch.allclose(y[:, 14:], block.layers[3](y[:, :14]))


def test_densenet_transitions_compress_by_half() -> None:
    model = create("densenet", variant="densenet121", sample_shape=(3, 64, 64))
    assert isinstance(model, DenseNet)
    widths = [b.c_out for b in model.blocks()]
    assert widths == [64 + 6 * 32, 128 + 12 * 32, 256 + 24 * 32, 512 + 16 * 32]


def test_squeeze_excitation_weights_lie_in_0_1_and_scale_channels() -> None:
    torch.manual_seed(0)
    se = SqueezeExcitation(8, reduction=4)
    x = torch.randn(3, 8, 5, 5) * 10
    s = se.weights(x)
    assert s.shape == (3, 8) and bool(((s > 0) & (s < 1)).all())
    z = x.mean((2, 3))  # squeeze, then excitation by hand
    want = torch.sigmoid(se.fc2.weight @ torch.relu(se.fc1.weight @ z.T + se.fc1.bias[:, None])
                         + se.fc2.bias[:, None]).T
    assert torch.allclose(s, want, atol=1e-6)
    assert torch.allclose(se(x), x * want[:, :, None, None], atol=1e-5)


def test_senet_adds_two_small_layers_per_unit() -> None:
    resnet = create("resnet", variant="resnet50", sample_shape=(3, 64, 64))
    senet = create("senet", variant="resnet50", sample_shape=(3, 64, 64), reduction=16)
    assert isinstance(resnet, ResNet) and isinstance(senet, ResNet)
    extra = 0
    for unit in resnet.units():
        c = unit.conv3.out_channels  # type: ignore[union-attr]
        extra += c * (c // 16) + c // 16 + (c // 16) * c + c  # W_1, b_1, W_2, b_2
    assert n_params(senet) - n_params(resnet) == extra
    assert all(isinstance(u.se, SqueezeExcitation) for u in senet.units())


def test_depthwise_convolution_has_one_filter_per_channel() -> None:
    layer = SeparableConv(32, 64, stride=1)
    dw, pw = layer.depthwise[0], layer.pointwise[0]
    assert isinstance(dw, torch.nn.Conv2d) and dw.groups == 32
    assert n_params(dw) == 3 * 3 * 32           # K^2 M, no factor N
    assert n_params(pw) == 32 * 64              # M N
    assert n_params(layer) == 3 * 3 * 32 + 2 * 32 + 32 * 64 + 2 * 64  # + the two BNs
    # each output channel of the depthwise step depends on its own input channel only
    x = torch.randn(1, 32, 6, 6, requires_grad=True)
    dw(x)[0, 5].sum().backward()
    assert x.grad is not None
    touched = x.grad.abs().sum((0, 2, 3)).nonzero().flatten().tolist()
    assert touched == [5]


@pytest.mark.parametrize("alpha,published", [(1.0, 4.2), (0.75, 2.6), (0.5, 1.3), (0.25, 0.5)])
def test_mobilenet_counts_round_to_table_6(alpha: float, published: float) -> None:
    # Howard et al. 2017, Table 6: millions of parameters of alpha MobileNet-224
    with torch.device("meta"):
        model = create("mobilenet", alpha=alpha, geometry="imagenet",
                       sample_shape=(3, 224, 224), n_classes=1000)
    assert round(n_params(model) / 1e6, 1) == published


def test_inception_concatenates_its_four_branches() -> None:
    torch.manual_seed(0)
    module = Inception(192, MODULES["3a"], five_by_five=True).eval()
    x = torch.randn(2, 192, 7, 7)
    y = module(x)
    assert y.shape == (2, 64 + 128 + 32 + 32, 7, 7) and module.c_out == 256
    parts = [module.branch1(x), module.branch2(x), module.branch3(x), module.branch4(x)]
    assert torch.equal(y, torch.cat(parts, 1))
    assert module.branch3[1][0].kernel_size == (5, 5)  # the paper's 5x5


def test_googlenet_auxiliary_heads_only_while_training() -> None:
    torch.manual_seed(0)
    model = create("googlenet", sample_shape=(1, 28, 28), n_classes=10)
    assert isinstance(model, GoogLeNet)
    x, y = torch.randn(4, 1, 28, 28), torch.randint(0, 10, (4,))
    model.train()
    torch.manual_seed(1)
    out = model.training_step((x, y))
    torch.manual_seed(1)  # the same dropout draws
    logits, aux = model._run(x)
    assert len(aux) == 2
    want = F.cross_entropy(logits, y) + 0.3 * sum(F.cross_entropy(a, y) for a in aux)
    assert torch.allclose(out["loss"], want)
    model.eval()
    assert model._run(x)[1] == []


def test_googlenet_width_and_stem_stride_shrink_channels_and_resolution() -> None:
    torch.manual_seed(0)
    full = create("googlenet", sample_shape=(1, 28, 28), n_classes=10)
    half = create("googlenet", sample_shape=(1, 28, 28), n_classes=10, width=0.5,
                  stem_stride=2)
    assert isinstance(full, GoogLeNet) and isinstance(half, GoogLeNet)
    for name, widths in MODULES.items():
        c1, _, c3, _, c5, pp = widths
        module = half.blocks[name]
        assert isinstance(module, Inception)
        assert module.c_out == sum(max(1, round(c / 2)) for c in (c1, c3, c5, pp))
    assert half.blocks["3b"].c_out * 2 == full.blocks["3b"].c_out == 480
    # the stem halves the side: 28 -> 14 -> 7 -> 4 at the three module groups
    sizes = {}
    for name in ("3b", "4e", "5b"):
        half.blocks[name].register_forward_hook(
            lambda m, i, o, name=name: sizes.__setitem__(name, o.shape[-1]))
    half.eval()(torch.randn(2, 1, 28, 28))
    assert sizes == {"3b": 14, "4e": 7, "5b": 4}
    with pytest.raises(ConfigError, match="stem_stride applies to the small geometry"):
        create("googlenet", geometry="imagenet", sample_shape=(3, 224, 224), stem_stride=2)


def test_nin_scores_are_the_mean_of_class_maps() -> None:
    torch.manual_seed(0)
    model = create("nin", geometry="imagenet", sample_shape=(3, 224, 224), n_classes=1000)
    assert isinstance(model, NiN)
    assert not [m for m in model.modules() if isinstance(m, torch.nn.Linear)]  # no dense layer
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.kernel_size[0] for c in convs] == [11, 1, 1, 5, 1, 1, 3, 1, 1, 3, 1, 1]
    assert [c.out_channels for c in convs][-3:] == [1024, 1024, 1000]
    model.eval()
    x = torch.randn(1, 3, 224, 224)
    maps = model.class_maps(x)
    assert maps.shape == (1, 1000, 6, 6)  # the authors' 6x6 average pool covers it exactly
    assert torch.allclose(model(x), maps.mean((2, 3)))
