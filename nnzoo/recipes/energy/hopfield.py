"""Recipes of the Hopfield network: digit prototypes (classic and modern) and random patterns.

A Hopfield network stores, it does not fit: one epoch stores the training split (its
patterns, or the prototypes of its classes) and a second epoch adds nothing new (prototypes)
or stores the same patterns again. Evaluation recalls probes with ``noise`` of their bits
flipped; the metric is the mean overlap of the final states with their targets.

- ``digits`` (default, offline): the 8x8 digits binarised at 0.5 (64 units). Digit images
  share most of their background, so their prototypes overlap by 0.3 to 0.8 where random
  patterns overlap by about 0: Hebb's rule then merges them into a mixture attractor and not
  even three prototypes are fixed points (test accuracy about 0.49 for three classes, chance
  0.33). Storkey's rule subtracts the crosstalk each new pattern sees and stores three of
  them as attractors. The classes 3, 4, 6 are the best of the 120 triples on the
  *validation* split (0.95 there); on the test split about 87 % of the corrupted digits of
  those classes fall into their own prototype, nearly all of them exactly. With four or more
  classes the 64-unit classic network degrades (about 0.75 to 0.85 with Storkey).
  Asynchronous updates are the default (the dynamics with an energy that never rises);
  ``--set update=sync`` happens to do a little better here (about 0.92).
- ``digits-modern``: the modern Hopfield network stores all ten prototypes (a load of 10/64,
  above even the random-pattern capacity of the classic net) and sends about two thirds of
  the corrupted test digits to their own prototype in one or two updates.
- ``capacity``: 10 random ±1 patterns of 100 units (load 0.1, Hebbian), recalled from 10 %
  flipped bits; its plots include the capacity curve of 100-unit networks (Hebbian, Storkey,
  modern) with this network's load marked. ``--set capacity_units=1000`` draws the N = 1000
  curves instead (a few minutes); ``nnzoo bench hopfield --tier full`` measures them beside
  the theory.
"""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

add(Recipe(
    "hopfield", "digits", "digits",
    "64-unit net, Storkey rule, stores the prototypes of digits 3, 4, 6; recalls test digits "
    "with 10 % of bits flipped (asynchronous updates)",
    model_hp={"store": "prototypes", "classes": (3, 4, 6), "rule": "storkey",
              "update": "async", "noise": 0.1},
    train={"epochs": 1, "batch_size": 256}, metric="overlap", default=True))

add(Recipe(
    "hopfield", "digits-modern", "digits",
    "modern Hopfield net (softmax retrieval, beta 1) storing all ten digit prototypes; "
    "recalls test digits with 10 % of bits flipped",
    model_hp={"variant": "modern", "store": "prototypes", "classes": tuple(range(10)),
              "beta": 1.0, "noise": 0.1},
    train={"epochs": 1, "batch_size": 256}, metric="overlap"))

add(Recipe(
    "hopfield", "capacity", "random-patterns",
    "Hebbian net of 100 units storing 10 random patterns (load 0.1), recall from 10 % "
    "flipped bits; plots the capacity curve of 100-unit networks",
    model_hp={"rule": "hebbian", "update": "async", "noise": 0.1, "capacity_units": 100},
    train={"epochs": 1, "batch_size": 64}, metric="overlap"))
