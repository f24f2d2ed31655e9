"""What ``paintboard bench`` reads and writes: comma lists from the command line, the printed
summary after the generator cells (ratios, the 256² goal, notes) and the JSON report."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def parse_ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def parse_strs(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def log_generator_summary(gen: dict[str, Any], models: Sequence[str], log: Any = print) -> None:
    """Ratios, the ≤ 77 ms per 256² image goal for the reference model, then the notes."""
    log("== ratios (median ms/image; >1 means slower than the reference)")
    for r in gen["ratios"]:
        who = r.get("model", r.get("variant"))
        log(f"  {r['what']:>28s} [{who}] {r['size']:5d}² b{r['batch']}: {r['ratio']:7.2f}×")
    for c in gen["cells"]:
        if c["model"] == models[0] and c["size"] == 256 and c["batch"] == 1 and c["n"]:
            ok = "meets" if c["ms_per_image_median"] <= 77 else "misses"
            log(
                f"  goal ≤ 77 ms per 256² image: {c['variant']} "
                f"{c['ms_per_image_median']:.1f} ms ({ok})"
            )
    for note in gen["notes"]:
        log(f"  note: {note}")


def write_report(report: dict[str, Any], path: Path, log: Any = print) -> None:
    """The full report as indented JSON (parent folders created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2))
    log(f"report written to {path}")
