"""GPT: the generative pre-trained Transformer, a decoder-only language model.

Paper: A. Radford, K. Narasimhan, T. Salimans, I. Sutskever, "Improving language
understanding by generative pre-training", OpenAI report, 2018.
https://cdn.openai.com/research-covers/language-unsupervised/language_understanding_paper.pdf

Radford et al. 2018 trained a 12-layer decoder-only Transformer (Vaswani et al. 2017 without
the encoder and the cross-attention) as a left-to-right language model: learned position
embeddings, GELU in the MLP, the output matrix tied to the token embedding, weights
initialised N(0, 0.02^2). GPT-2 (Radford et al. 2019, "Language models are unsupervised
multitask learners") moved layer normalisation before each branch and added a final one
(pre-norm), and scaled the residual projections' initialisation by ``1 / sqrt(2 L)``; this
``gpt`` is that GPT-2 form, which nanoGPT (A. Karpathy, 2022) implements, and is fixed
pre-norm (``transformer`` has the post-norm option). The network is
:class:`~nnzoo.models.attention.decoder.DecoderLM`, its blocks in
:mod:`nnzoo.models.attention.blocks`. Defaults: nanoGPT's character-level CPU set-up (4
blocks, 4 heads, width 128, context 64, no dropout, no biases).

Reference implementation: nanoGPT, https://github.com/karpathy/nanoGPT (``model.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from nnzoo.models.attention.decoder import DecoderConfig, DecoderLM
from nnzoo.models.registry import register


@dataclass
class GPTConfig(DecoderConfig):
    """:class:`DecoderConfig` of ``gpt``: pre-norm, learned positions, tied output matrix,
    GPT-2's initialisation; nanoGPT's character-level CPU size."""

    bias: bool = False
    FIXED_NORM: ClassVar[str | None] = "pre"


@register("gpt", config=GPTConfig, rule="backprop (next-token cross-entropy)",
          peer="nanoGPT (run unchanged as a separate process, same split)",
          reference="https://github.com/karpathy/nanoGPT")
class GPT(DecoderLM[GPTConfig]):
    """GPT (Radford et al. 2018) in its GPT-2 pre-norm form. :param config: a
    :class:`GPTConfig`."""


__all__ = ["GPT", "GPTConfig"]
