"""Reservoir computing: the echo state network and the liquid state machine."""
