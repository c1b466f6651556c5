"""Recurrent networks: the Elman RNN, LSTM and GRU, one-way and bidirectional."""
