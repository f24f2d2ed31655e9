"""Placeholder for `paintboard generate` (being written)."""

from __future__ import annotations

import argparse

HELP = "generate (not yet available)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    raise SystemExit("paintboard generate: not yet available")
