"""Paintboard backend: label map + colour dabs in, landscape out."""

__version__ = "0.1.0"
