"""Feature maps and Grad-CAM of the vision nets (nnzoo/models/vision/convnets_plots.py):
Grad-CAM against Zhou et al.'s CAM computed from the weights, the captured maps against the
shapes (and values) the stages produce, the gallery of evaluated images and the plots."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from nnzoo.core.errors import InputError
from nnzoo.data.base import ArrayDataset
from nnzoo.models import create
from nnzoo.models.vision.convnets_plots import cam_layer, capture_stages, grad_cam
from nnzoo.train.engine import evaluate

VISION = ["cnn", "alexnet", "zfnet", "nin", "vgg", "googlenet", "resnet", "senet", "densenet",
          "mobilenet"]


def _images(n: int = 3, side: int = 28, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, 1, side, side, generator=torch.Generator().manual_seed(seed))


def _cam(a: torch.Tensor, w: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """Zhou et al. 2016: CAM_c = sum_k w_ck A_k, rectified; ``a`` (B, K, H, W), ``w`` (C, K)."""
    return torch.relu(torch.einsum("bk,bkhw->bhw", w[c], a))


@pytest.mark.parametrize("model_id", ["resnet", "densenet", "mobilenet"])
def test_grad_cam_is_cam_when_average_pooling_and_one_linear_layer_follow(model_id: str
                                                                          ) -> None:
    torch.manual_seed(0)
    m = create(model_id, sample_shape=(1, 28, 28), n_classes=10).eval()
    x = _images()
    gc = grad_cam(m, x)
    with torch.no_grad():                         # the last maps, by each net's own code path
        if model_id == "resnet":
            a, w = m.features(x)[-1], m.fc.weight
        elif model_id == "densenet":
            a, w = m.final(m.stages(m.stem(x))), m.fc.weight
        else:
            a, w = m.features(x), m.head[-1].weight
        expected = _cam(a, w, gc.classes)
    z = a.shape[-2] * a.shape[-1]
    assert gc.maps.shape == expected.shape
    assert expected.amax() > 0
    # dy^c/dA_kij = w_ck / Z everywhere, so Grad-CAM = ReLU(CAM) / Z
    torch.testing.assert_close(gc.maps * z, expected, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(gc.classes, m(x).argmax(1))


def test_grad_cam_of_nin_is_the_rectified_class_map() -> None:
    """NiN pools one map per class: Grad-CAM of class c is ReLU(A_c) / Z."""
    torch.manual_seed(0)
    m = create("nin", sample_shape=(1, 28, 28), n_classes=10).eval()
    x = _images()
    c = torch.tensor([3, 0, 7])                   # explained classes other than the predicted
    gc = grad_cam(m, x, classes=c)
    with torch.no_grad():
        a = m.class_maps(x)
    expected = torch.relu(a[torch.arange(3), c])
    torch.testing.assert_close(gc.maps * a.shape[-2] * a.shape[-1], expected, rtol=1e-4,
                               atol=1e-5)
    assert gc.layer == "mlpconv3"


def test_grad_cam_leaves_the_model_as_it_was() -> None:
    m = create("vgg", sample_shape=(1, 28, 28), n_classes=10).train()
    before = {k: v.clone() for k, v in m.state_dict().items()}
    gc = grad_cam(m, _images())
    assert m.training
    assert all(p.grad is None for p in m.parameters())
    assert all(torch.equal(v, m.state_dict()[k]) for k, v in before.items())  # BN stats too
    assert gc.layer == "stage4" and gc.maps.shape == (3, 3, 3)  # stage5 is 1x1 on 28x28
    assert (gc.maps >= 0).all()


def test_grad_cam_refuses_an_unknown_stage_and_wrong_classes() -> None:
    m = create("resnet", sample_shape=(1, 28, 28), n_classes=10)
    with pytest.raises(InputError, match="unknown stage 'stage9'; the stages are stem, stage1"):
        grad_cam(m, _images(), layer="stage9")
    with pytest.raises(InputError, match=r"classes must have shape \(3,\)"):
        grad_cam(m, _images(), classes=torch.tensor([1, 2]))


def test_cam_layer_is_the_last_map_with_at_least_2x2_positions() -> None:
    s = torch.Size
    assert cam_layer({"a": s([1, 8, 4, 4]), "b": s([1, 8, 2, 2]), "c": s([1, 8, 1, 1])}) == "b"
    assert cam_layer({"a": s([1, 8, 1, 1])}) == "a"


def test_capture_gives_the_stage_maps_of_the_forward_pass() -> None:
    torch.manual_seed(0)
    m = create("resnet", sample_shape=(1, 28, 28), n_classes=10).eval()
    x = _images(2)
    with torch.no_grad():
        scores, maps = capture_stages(m, x)
        direct = m.features(x)                    # stem and each stage, computed in turn
        torch.testing.assert_close(scores, m(x))
    assert list(maps) == ["stem", "stage1", "stage2", "stage3"]
    assert [tuple(t.shape) for t in maps.values()] == [(2, 16, 28, 28), (2, 16, 28, 28),
                                                       (2, 32, 14, 14), (2, 64, 7, 7)]
    for got, want in zip(maps.values(), direct):
        torch.testing.assert_close(got, want)
    assert all(not mod._forward_hooks for _, mod in m.feature_stages())  # hooks removed


def test_capture_shapes_of_the_flat_trunks() -> None:
    """AlexNet (small): 5x5/1 pad 2 keeps 28, 2x2 pools after conv1 and conv2 (28 -> 14 ->
    7), 3x3/1 pad 1 keeps 7; filters 96, 256, 384, 384, 256. DenseNet-BC (small, k=12, 16
    layers per block here): a block adds n*k channels, a transition halves them."""
    with torch.no_grad():
        _, maps = capture_stages(create("alexnet", sample_shape=(1, 28, 28)).eval(),
                                 _images(1))
    assert {k: tuple(v.shape[1:]) for k, v in maps.items()} == {
        "conv1": (96, 28, 28), "conv2": (256, 14, 14), "conv3": (384, 7, 7),
        "conv4": (384, 7, 7), "conv5": (256, 7, 7)}
    d = create("densenet", sample_shape=(1, 28, 28)).eval()
    widths = [b.c_out for b in d.blocks()]
    with torch.no_grad():
        _, maps = capture_stages(d, _images(1))
    assert [v.shape[1] for v in maps.values()] == [d.stem[0].out_channels, *widths]
    assert [v.shape[-1] for v in maps.values()] == [28, 28, 14, 7][:len(maps)]


def test_lenet5_grad_cam_skips_the_1x1_c5_map() -> None:
    m = create("cnn", sample_shape=(1, 28, 28), arch="lenet5")
    with torch.no_grad():
        _, maps = capture_stages(m.eval(), _images(1))
    assert {k: tuple(v.shape[1:]) for k, v in maps.items()} == {
        "conv1": (6, 28, 28), "conv2": (16, 10, 10), "conv3": (120, 1, 1)}
    assert grad_cam(m, _images(2)).layer == "conv2"


def test_the_gallery_holds_the_first_images_of_the_last_evaluation() -> None:
    m = create("resnet", sample_shape=(1, 8, 8), n_classes=3)
    assert m.gallery is None
    x, y = torch.randn(20, 1, 8, 8), torch.arange(20) % 3
    evaluate(m, ArrayDataset(x, y), batch_size=12)
    imgs, labels = m.gallery
    torch.testing.assert_close(imgs, x[:8])
    assert labels is not None and torch.equal(labels, y[:8])
    evaluate(m, ArrayDataset(x[10:], y[10:]), batch_size=4)   # a new evaluation: its images
    torch.testing.assert_close(m.gallery[0], x[10:18][:4])


@pytest.mark.parametrize("model_id", VISION)
def test_visualize_writes_filters_then_maps_and_grad_cam_once_evaluated(
        model_id: str, tmp_path: Path) -> None:
    side = 16 if model_id in ("vgg", "mobilenet") else 8
    m = create(model_id, sample_shape=(1, side, side), n_classes=3)
    assert [p.name for p in m.visualize(tmp_path / "fresh")] == ["first_layer_filters.png"]
    x = torch.randn(5, 1, side, side)
    evaluate(m, ArrayDataset(x, torch.tensor([0, 1, 2, 0, 1])))
    paths = m.visualize(tmp_path / "run")
    assert [p.name for p in paths] == ["first_layer_filters.png", "feature_maps.png",
                                       "grad_cam.png"]
    assert all(p.stat().st_size > 1000 for p in paths)
