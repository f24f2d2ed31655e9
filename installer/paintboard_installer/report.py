"""One line per step with ✓/✗/–, printed as it happens and again as a final summary.

Statuses are plain words internally; the symbols are only for display, with an ASCII fallback
for consoles that cannot print them (old Windows code pages).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

OK, FAIL, SKIP = "ok", "fail", "skip"
UNICODE = {OK: "✓", FAIL: "✗", SKIP: "–", "warn": "!"}
ASCII = {OK: "ok", FAIL: "XX", SKIP: "--", "warn": "!"}


def _symbols() -> dict[str, str]:
    try:
        "".join(UNICODE.values()).encode(sys.stdout.encoding or "ascii")
        return UNICODE
    except (UnicodeEncodeError, LookupError):
        return ASCII


@dataclass
class Step:
    name: str
    status: str
    detail: str
    fix: str | None = None


@dataclass
class Report:
    """Collects the steps; ``failed`` decides the exit code."""

    steps: list[Step] = field(default_factory=list)
    symbols: dict[str, str] = field(default_factory=_symbols)

    def add(self, name: str, status: str, detail: str, fix: str | None = None) -> Step:
        step = Step(name, status, detail, fix)
        self.steps.append(step)
        print(f"  {self.symbols[status]} {name}: {detail}", flush=True)
        if fix and status != OK:
            print(f"      fix: {fix}", flush=True)
        return step

    def warn(self, message: str) -> None:
        print(f"    {self.symbols['warn']} {message}", flush=True)

    @property
    def failed(self) -> bool:
        return any(s.status == FAIL for s in self.steps)

    def summary(self, title: str) -> None:
        print(f"\n{title}")
        width = max((len(s.name) for s in self.steps), default=0)
        for s in self.steps:
            print(f"  {self.symbols[s.status]} {s.name.ljust(width)}  {s.detail}")
            if s.fix and s.status != OK:
                print(f"    {' ' * width}  fix: {s.fix}")
