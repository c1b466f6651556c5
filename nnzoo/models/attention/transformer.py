"""The Transformer as a decoder-only character language model.

Paper: A. Vaswani, N. Shazeer, N. Parmar, J. Uszkoreit, L. Jones, A. N. Gomez, L. Kaiser,
I. Polosukhin, "Attention is all you need", NeurIPS 2017. https://arxiv.org/abs/1706.03762

Vaswani et al. 2017 built an encoder-decoder for translation; a language model keeps the
decoder's stack without the cross-attention (Liu et al. 2018, "Generating Wikipedia by
summarizing long sequences"; Radford et al. 2018): token embedding plus positions, ``L``
blocks of multi-head causal self-attention and a position-wise MLP with residual connections
and layer normalisation, and a linear output layer over the vocabulary. The math and the
blocks are in :mod:`nnzoo.models.attention.blocks`, the network in
:mod:`nnzoo.models.attention.decoder`. The paper's choices are options: ``norm="post"``
(layer norm after each residual sum), ``positions="sinusoidal"``, ``tie_weights`` (the paper
shares the embedding and pre-softmax matrices, section 3.4). The defaults are those of
current practice (pre-norm, learned positions, GELU), the set-up of minGPT and makemore.

Reference implementation: The Annotated Transformer (Harvard NLP, 2018),
https://nlp.seas.harvard.edu/annotated-transformer/; minGPT (A. Karpathy, 2020),
https://github.com/karpathy/minGPT.
"""

from __future__ import annotations

from dataclasses import dataclass

from nnzoo.models.attention.decoder import DecoderConfig, DecoderLM
from nnzoo.models.registry import register


@dataclass
class TransformerConfig(DecoderConfig):
    """:class:`DecoderConfig` of ``transformer``: every option free (``norm`` pre or post,
    learned or sinusoidal positions, tied or separate output matrix)."""

    dropout: float = 0.1


@register("transformer", config=TransformerConfig, rule="backprop (next-token cross-entropy)",
          peer="makemore's Transformer (run unchanged, names.txt)",
          reference="https://github.com/harvardnlp/annotated-transformer")
class Transformer(DecoderLM[TransformerConfig]):
    """Decoder-only Transformer language model (Vaswani et al. 2017's decoder stack).
    :param config: a :class:`TransformerConfig`."""


__all__ = ["Transformer", "TransformerConfig"]
