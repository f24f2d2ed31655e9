"""A minimal observer, so the model layer stays free of Qt.

The model classes run on Krita's UI thread (driven by one QTimer), so plain callbacks are
enough; keeping Qt out of ``model/`` lets the logic be tested with the venv's Python, which has
pyzmq but no PyQt5.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Signal:
    """A list of callbacks; ``emit`` calls each in connection order."""

    def __init__(self) -> None:
        self._slots: list[Callable[..., Any]] = []

    def connect(self, slot: Callable[..., Any]) -> None:
        if slot not in self._slots:
            self._slots.append(slot)

    def disconnect(self, slot: Callable[..., Any]) -> None:
        if slot in self._slots:
            self._slots.remove(slot)

    def emit(self, *args: Any) -> None:
        for slot in list(self._slots):
            slot(*args)
