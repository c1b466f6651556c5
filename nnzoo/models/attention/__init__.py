"""Attention: sequence to sequence with Bahdanau and Luong attention, the Transformer and GPT."""
