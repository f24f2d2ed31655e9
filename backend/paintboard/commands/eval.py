"""Placeholder for `paintboard eval` (being written)."""

from __future__ import annotations

import argparse

HELP = "eval (not yet available)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    raise SystemExit("paintboard eval: not yet available")
