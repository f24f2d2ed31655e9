"""Placeholder for `paintboard info` (being written)."""

from __future__ import annotations

import argparse

HELP = "info (not yet available)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    raise SystemExit("paintboard info: not yet available")
