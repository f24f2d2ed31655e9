"""Placeholder for `paintboard bench` (being written)."""

from __future__ import annotations

import argparse

HELP = "bench (not yet available)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    raise SystemExit("paintboard bench: not yet available")
