"""Memory networks and neural programming: the benchmarks of the family
:mod:`nnzoo.models.memory` beside the published tables and the peer implementations."""
