"""The CNN's channels-last layout changes strides only: outputs, gradients and saved weights
are those of the same network in the default (NCHW) layout."""

from __future__ import annotations

import copy
from pathlib import Path

import torch
import torch.nn.functional as F

from nnzoo.core.io import load_checkpoint, prefixed, save_checkpoint, unprefixed
from nnzoo.models import create


def test_channels_last_convnet_matches_the_nchw_network() -> None:
    torch.manual_seed(0)
    model = create("cnn", sample_shape=(1, 12, 12), n_classes=10, channels=(8, 16), dropout=0.0)
    conv = model.net.features[0]
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    ref = copy.deepcopy(model.net).to(memory_format=torch.contiguous_format)  # plain NCHW
    assert ref.features[0].weight.is_contiguous()
    x, y = torch.rand(16, 1, 12, 12), torch.randint(0, 10, (16,))
    F.cross_entropy(model(x), y).backward()  # train mode: batch statistics
    F.cross_entropy(ref(x), y).backward()
    for (name, p), q in zip(model.net.named_parameters(), ref.parameters()):
        assert torch.allclose(p.grad, q.grad, atol=1e-5, rtol=1e-4), name
    model.eval()
    ref.eval()
    assert torch.allclose(model(x), ref(x), atol=1e-5)


def test_channels_last_weights_save_and_load(tmp_path: Path) -> None:
    torch.manual_seed(1)
    model = create("cnn", sample_shape=(1, 8, 8), n_classes=10).eval()
    path = tmp_path / "c.safetensors"
    save_checkpoint(path, prefixed("model", model.state_dict()), {"model": "cnn"})
    fresh = create("cnn", sample_shape=(1, 8, 8), n_classes=10).eval()
    fresh.load_state_dict(unprefixed("model", load_checkpoint(path)[0]))
    x = torch.rand(4, 1, 8, 8)
    assert torch.equal(fresh(x), model(x))
    assert fresh.net.features[0].weight.is_contiguous(memory_format=torch.channels_last)
