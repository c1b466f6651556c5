"""The family packages: which architectures each package of ``nnzoo.models`` holds.

``nnzoo.models``, ``nnzoo.recipes`` and ``nnzoo.bench`` are cut the same way, so one family
name finds a model (``nnzoo/models/<family>/``), its recipes (``nnzoo/recipes/<family>/``) and
its benchmarks (``nnzoo/bench/<family>/``). A family package is the home of one or more of the
catalog's families (:attr:`nnzoo.catalog.Entry.family`); where the catalog puts in one family
models that nnzoo keeps apart (the sentence and tagging models among the classic, recurrent and
convolutional ones; the image convolutional nets), the package that takes them from another
family's home names them in :attr:`Family.takes`.

:func:`family_of` answers for any catalog id; ``tests/test_layout.py`` checks that every
implemented model, recipe and bench task lives in the package it names.
"""

from __future__ import annotations

from dataclasses import dataclass

from nnzoo.catalog import load_catalog
from nnzoo.core.errors import UnknownNameError


@dataclass(frozen=True)
class Family:
    """One family package.

    :param name: the package name under ``nnzoo.models``, ``nnzoo.recipes`` and ``nnzoo.bench``.
    :param catalog: the catalog families whose architectures it holds, unless another package
        takes them.
    :param takes: catalog ids it holds although their catalog family's home is another package.
    :param summary: what lives there, in a few words.
    """

    name: str
    catalog: tuple[str, ...]
    takes: tuple[str, ...] = ()
    summary: str = ""


#: Every family package, by name.
FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("feedforward", ("feedforward", "perceptron"),
           summary="perceptron, multilayer perceptron, extreme learning machine"),
    Family("kernel", ("kernel",), summary="SVM, RBF network"),
    Family("energy", ("energy-based",), summary="Hopfield network, Boltzmann machines, DBN"),
    Family("classic", ("classic", "markov", "competitive"),
           summary="Markov chains, self-organising map"),
    Family("reservoir", ("reservoir",), summary="echo state network, liquid state machine"),
    Family("recurrent", ("recurrent",), summary="Elman RNN, LSTM, GRU and their bidirectional "
                                                "forms"),
    Family("text", (), takes=("crf", "bilstm-crf", "clstm", "text-cnn", "dynamic-cnn"),
           summary="sentence classifiers and sequence taggers (from the catalog's classic, "
                   "recurrent and convolutional families)"),
    Family("vision", ("convolutional", "capsule"),
           summary="image convolutional networks and capsule networks"),
    Family("generative", ("autoencoder", "latent-variable", "generative-adversarial"),
           takes=("deconvnet",),
           summary="autoencoders, variational autoencoders, deconvolutional nets, GANs"),
    Family("memory", ("memory", "neural-programming"),
           summary="end-to-end memory networks, DMN+, neural Turing machine, differentiable "
                   "neural computer"),
    Family("attention", ("attention",), takes=("seq2seq",),
           summary="sequence to sequence with Bahdanau and Luong attention, the Transformer, "
                   "GPT"),
    Family("autoregressive", ("autoregressive",), takes=("nplm",),
           summary="WaveNet and the neural probabilistic language model (from the catalog's "
                   "feedforward family)"),
    Family("rl", ("reinforcement",),
           summary="reinforcement-learning agents: tabular, value-based, policy search, "
                   "policy gradient, actor-critic"),
)}


def home_of_catalog_family(catalog_family: str) -> str:
    """The family package that holds catalog family ``catalog_family`` by default.

    :raises UnknownNameError: when no package holds it yet.
    """
    homes = [f.name for f in FAMILIES.values() if catalog_family in f.catalog]
    if not homes:
        known = sorted({c for f in FAMILIES.values() for c in f.catalog})
        raise UnknownNameError("catalog family with a package in nnzoo.models", catalog_family,
                               known)
    return homes[0]


def family_of(model_id: str) -> str:
    """The family package of catalog id ``model_id`` (aliases accepted): the package that
    takes it, else the home of its catalog family."""
    entry = load_catalog().get(model_id)
    for f in FAMILIES.values():
        if entry.id in f.takes:
            return f.name
    return home_of_catalog_family(entry.family)
