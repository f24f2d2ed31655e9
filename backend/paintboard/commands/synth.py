"""Placeholder for `paintboard synth` (being written)."""

from __future__ import annotations

import argparse

HELP = "synth (not yet available)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    raise SystemExit("paintboard synth: not yet available")
