"""Widgets only: every action goes to the model layer through ``app``."""
