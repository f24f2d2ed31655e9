"""Evaluation: colour and label fidelity of a generator (design §8), ``paintboard eval``."""
