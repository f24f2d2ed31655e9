"""CLI sub-commands; see :mod:`paintboard.cli`."""
