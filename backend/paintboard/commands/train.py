"""Placeholder for `paintboard train` (being written)."""

from __future__ import annotations

import argparse

HELP = "train (not yet available)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    raise SystemExit("paintboard train: not yet available")
