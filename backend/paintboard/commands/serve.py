"""Placeholder for `paintboard serve` (being written)."""

from __future__ import annotations

import argparse

HELP = "serve (not yet available)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    raise SystemExit("paintboard serve: not yet available")
