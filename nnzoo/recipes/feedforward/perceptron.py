"""Recipes of the perceptron on digits, MNIST and Fashion-MNIST."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

for ds, epochs in (("digits", 20), ("mnist", 10), ("fashion-mnist", 10)):
    add(Recipe(
        "perceptron", ds, ds,
        f"averaged multiclass perceptron, Rosenblatt's online rule, {epochs} epochs",
        model_hp={"averaged": True, "online": True}, train={"epochs": epochs, "batch_size": 256},
        default=ds == "digits"))
