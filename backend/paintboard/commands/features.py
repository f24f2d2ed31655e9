"""Placeholder for `paintboard features` (being written)."""

from __future__ import annotations

import argparse

HELP = "features (not yet available)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    raise SystemExit("paintboard features: not yet available")
