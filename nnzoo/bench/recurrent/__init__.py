"""Recurrent networks: the benchmarks of the Elman RNN, LSTM and GRU, one-way and bidirectional
(the family :mod:`nnzoo.models.recurrent`).
"""
