"""kritarc editing: only our one line changes; everything else stays byte-for-byte."""

from __future__ import annotations

from pathlib import Path

from paintboard_installer import KRITARC_KEY, kritarc

USER_RC = (
    "[General]\n"
    "LastPreset=Basic_tip_default\n"
    "; a comment Krita would never write, kept anyway\n"
    "\n"
    "[python]\n"
    "enable_kritapykrita_scripter=true\n"
    "\n"
    "[MainWindow]\n"
    "State=AAAA/w==\n"
    "Weird=caf\xe9 \udcff\n"
)


def test_enable_adds_line_inside_existing_section_only() -> None:
    new = kritarc.enable(USER_RC, KRITARC_KEY)
    assert new == USER_RC.replace(
        "enable_kritapykrita_scripter=true\n",
        f"enable_kritapykrita_scripter=true\n{KRITARC_KEY}=true\n",
    )
    assert kritarc.is_enabled(new, KRITARC_KEY)
    assert kritarc.enable(new, KRITARC_KEY) == new  # idempotent


def test_enable_appends_section_and_disable_restores() -> None:
    text = "[General]\nfoo=1\n"
    new = kritarc.enable(text, KRITARC_KEY)
    assert new.startswith(text)
    assert new.endswith(f"[python]\n{KRITARC_KEY}=true\n")
    assert kritarc.disable(new, KRITARC_KEY) == text


def test_enable_flips_false_value_and_keeps_crlf() -> None:
    text = f"[General]\r\na=1\r\n[python]\r\n{KRITARC_KEY}=false\r\nother=x\r\n"
    new = kritarc.enable(text, KRITARC_KEY)
    assert new == text.replace(f"{KRITARC_KEY}=false", f"{KRITARC_KEY}=true")
    assert not kritarc.is_enabled(text, KRITARC_KEY)


def test_disable_keeps_other_python_plugins() -> None:
    new = kritarc.enable(USER_RC, KRITARC_KEY)
    assert kritarc.disable(new, KRITARC_KEY) == USER_RC


def test_other_sections_with_same_key_are_not_ours() -> None:
    text = f"[other]\n{KRITARC_KEY}=true\n"
    assert not kritarc.is_enabled(text, KRITARC_KEY)
    new = kritarc.enable(text, KRITARC_KEY)
    assert new.startswith(text) and kritarc.is_enabled(new, KRITARC_KEY)


def test_file_roundtrip_preserves_non_utf8_bytes(tmp_path: Path) -> None:
    path = tmp_path / "kritarc"
    raw = b"[General]\nname=\xff\xfe latin \xe9\n"
    path.write_bytes(raw)
    kritarc.write_atomic(path, kritarc.enable(kritarc.read(path), KRITARC_KEY))
    data = path.read_bytes()
    assert data.startswith(raw)
    assert data.endswith(f"[python]\n{KRITARC_KEY}=true\n".encode())
    assert not list(tmp_path.glob(".kritarc.*"))  # no temp file left behind


def test_missing_file_is_created(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "kritarc"
    assert kritarc.read(path) == ""
    kritarc.write_atomic(path, kritarc.enable("", KRITARC_KEY))
    assert path.read_text() == f"[python]\n{KRITARC_KEY}=true\n"
