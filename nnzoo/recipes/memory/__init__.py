"""Memory networks and neural programming: the recipes of the family :mod:`nnzoo.models.memory`
(bAbI question answering, the copy and recall tasks)."""
