"""Autoregressive models: WaveNet and the neural probabilistic language model of Bengio et
al. 2003."""
