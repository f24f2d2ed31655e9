"""The targets of issue 13 and a pass/fail table: this model against the ground truth, the
fixed bounds and a *before* results file (the shipped weights' ``docs/eval/before.json``).

Targets relative to *before* (patch SWD) are only judged when both runs measured the same
held-out set (count, size, seeds, render scale); otherwise they read ``n/a`` and the run cannot
pass as a whole.
"""

from __future__ import annotations

from typing import Any

TARGETS = {
    "stripe_vs_truth_max": 1.5,  # stripe index ≤ 1.5 × the ground truth's, rows and columns
    "swd_vs_before_max": 0.6,  # patch SWD at the two finest levels ≤ 0.6 × before's
    "swd_levels": 2,
    "bleed_max": 5.0,
    "hint_de_max": 10.0,
    "hint_ratio_max": 0.5,  # × the same cells' error without hints
    "spread_de_max": 8.0,
    "spread_ratio_max": 0.5,
    "miou_ratio_min": 0.85,
}
SAME_SET = ("count", "size", "seed", "render_scale")


def comparable(r: dict[str, Any], before: dict[str, Any] | None) -> bool:
    """Both runs measured the same held-out scenes the same way."""
    if not before:
        return False
    a = r.get("held_out", {}).get("settings", {})
    b = before.get("held_out", {}).get("settings", {})
    return all(k in a and a.get(k) == b.get(k) for k in SAME_SET)


def _get(r: dict[str, Any] | None, *path: str) -> float | None:
    for p in path:
        if not isinstance(r, dict) or p not in r:
            return None
        r = r[p]
    return float(r) if isinstance(r, (int, float)) else None


def _row(key, label, value, before, bound, text, higher_is_better=False) -> dict[str, Any]:
    if value is None or bound is None:
        ok = None
    else:
        ok = bool(value >= bound) if higher_is_better else bool(value <= bound)
    return {
        "key": key,
        "label": label,
        "value": value,
        "before": before,
        "bound": bound,
        "target": text,
        "pass": ok,
    }


def judge(r: dict[str, Any], before: dict[str, Any] | None = None) -> dict[str, Any]:
    """``{"targets", "checks": [rows], "all_pass", "before"}`` for results ``r``."""
    t, same = TARGETS, comparable(r, before)
    b = before if same else None
    rows = []
    for cond, name in (("none", "no strokes"), ("strokes", "strokes")):
        for axis in ("columns", "rows"):
            gt = _get(r, "stripe_index", "ground_truth", axis)
            rows.append(
                _row(
                    f"stripe_{axis}_{cond}",
                    f"stripe index, {axis}, {name}",
                    _get(r, "stripe_index", cond, axis),
                    _get(b, "stripe_index", cond, axis),
                    None if gt is None else t["stripe_vs_truth_max"] * gt,
                    f"<= {t['stripe_vs_truth_max']}x truth" + ("" if gt is None else f" {gt:.3f}"),
                )
            )
    for cond, name in (("none", "no strokes"), ("strokes", "strokes")):
        levels = list(r.get("patch_swd", {}).get(cond, {}))[: t["swd_levels"]]
        for lvl in levels:
            old = _get(b, "patch_swd", cond, lvl)
            refs = [
                f"{name} {v:.1f}"
                for name in ("floor", "rerendered", "rephased")
                if (v := _get(r, "patch_swd", name, lvl)) is not None
            ]
            rows.append(
                _row(
                    f"swd_{lvl}_{cond}",
                    f"patch SWD x1e3, level {lvl} px, {name}",
                    _get(r, "patch_swd", cond, lvl),
                    old,
                    None if old is None else t["swd_vs_before_max"] * old,
                    f"<= {t['swd_vs_before_max']}x before"
                    + (f" ({', '.join(refs)})" if refs else ""),
                )
            )
    rows.append(
        _row(
            "bleed",
            "bleed: sky dab moves other regions, dE00",
            _get(r, "bleed", "mean"),
            _get(b, "bleed", "mean"),
            t["bleed_max"],
            f"<= {t['bleed_max']:g}",
        )
    )
    for key, label, vmax, ratio in (
        ("hint_colour", "hinted-cell dE00", "hint_de_max", "hint_ratio_max"),
        ("colour_spread", "dab -> region dE00", "spread_de_max", "spread_ratio_max"),
    ):
        val, without = _get(r, key, "with"), _get(r, key, "without")
        rows.append(_row(key, label, val, _get(b, key, "with"), t[vmax], f"<= {t[vmax]:g}"))
        rows.append(
            _row(
                f"{key}_ratio",
                "  ... over the same without strokes",
                None if val is None or not without else val / without,
                None,
                t[ratio],
                f"<= {t[ratio]:g}",
            )
        )
    for size in [k for k in r.get("label_fidelity", {}) if k.isdigit()]:
        rows.append(
            _row(
                f"miou_ratio_{size}",
                f"label fidelity mIoU ratio at {size}",
                _get(r, "label_fidelity", size, "ratio"),
                _get(b, "label_fidelity", size, "ratio"),
                t["miou_ratio_min"],
                f">= {t['miou_ratio_min']:g}",
                higher_is_better=True,
            )
        )
    return {
        "targets": TARGETS,
        "checks": rows,
        "all_pass": all(row["pass"] is True for row in rows),
        "before": {
            "weights": before.get("weights") if before else None,
            "comparable": same,
            "variation": b.get("variation") if b else None,
        },
    }


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}" if abs(v) < 10 else f"{v:.2f}"


def _levels(by_level: dict[str, float], n: int = TARGETS["swd_levels"]) -> str:
    return " / ".join(f"{v:.1f}" for v in list(by_level.values())[:n])


def format_table(r: dict[str, Any]) -> str:
    """Human summary: one line per target with before, now, the target and PASS/FAIL/n/a."""
    ho = r["held_out"]
    head = (
        f"model {r['model']} ({r['trained_steps']} steps), {ho['count']} held-out scenes "
        f"(landscape, square, portrait) at {ho['size']} px, {r.get('wall_s', '?')} s"
    )
    bf = r.get("before", {})
    if bf.get("weights"):
        head += f"\nbefore: {bf['weights']}" + ("" if bf["comparable"] else " (OTHER SET: n/a)")
    lines = [head, f"{'metric':44s} {'before':>8s} {'now':>8s}  {'target':24s} result"]
    for row in r["checks"]:
        res = "n/a" if row["pass"] is None else "PASS" if row["pass"] else "FAIL"
        lines.append(
            f"{row['label']:44s} {_num(row['before']):>8s} {_num(row['value']):>8s}  "
            f"{row['target']:24s} {res}"
        )
    var, bvar = r.get("variation", {}), (bf.get("variation") or {})
    if var:
        lines.append(
            "Variation (a new seed), mean dE00 per pixel / of region means: "
            + ", ".join(
                f"{k} {v['pixels']:.2f} / {v['regions']:.2f}"
                + (
                    f" (before {bvar[k]['pixels']:.2f} / {bvar[k]['regions']:.2f})"
                    if k in bvar
                    else ""
                )
                for k, v in var.items()
            )
        )
    swd = r.get("patch_swd", {})
    for cond in ("none", "strokes"):
        tex, col = swd.get(f"{cond}_true_texture"), swd.get(f"{cond}_true_colours")
        if tex and col:
            lines.append(
                f"patch SWD, {cond}, finest two levels: the truth's texture in this model's "
                f"colours {_levels(tex)}, this model's texture in the truth's colours "
                f"{_levels(col)}"
            )
    rec = r.get("reconstruction", {})
    lines.append(
        "L1 / PSNR at 0, 25, 100 % cells hinted: "
        + ", ".join(f"{v['l1']:.3f} / {v['psnr']:.1f} dB" for v in rec.values())
    )
    lines.append("ALL TARGETS MET" if r["all_pass"] else "targets not met")
    return "\n".join(lines)
