"""Plugin settings: one declaration per setting, layered JSON files, atomic writes.

Layers, later wins: the declared defaults, then the installer's file (written next to this
package as ``settings.json``, or the older ``<pykrita>/paintboard_settings.json``), then the
user's own choices saved from the docker in Krita's user data folder. Keeping the installer's
file separate means re-running the installer never wipes what the user changed in Krita.
A bad value falls back to the default and is logged, never raised: a typo in a JSON file must
not stop Krita from starting the plugin.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import protocol

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
INSTALLER_FILE = "settings.json"  # <pykrita>/paintboard_krita/settings.json (the agreed place)
LEGACY_INSTALLER_FILE = "paintboard_settings.json"  # <pykrita>/ or the user data folder
USER_FILE = "paintboard/settings.json"  # inside Krita's user data folder


@dataclass(frozen=True)
class Setting:
    """A setting's key, UI label, default and what it is for (the one source of defaults)."""

    key: str
    label: str
    default: Any
    description: str
    types: tuple[type, ...] = ()

    def accepts(self, value: Any) -> bool:
        types = self.types or (type(self.default),)
        if float in types and isinstance(value, int) and not isinstance(value, bool):
            return True
        if bool not in types and isinstance(value, bool):
            return False
        return isinstance(value, types)


DECLARATIONS: tuple[Setting, ...] = (
    Setting("endpoint", "Backend address", protocol.DEFAULT_ENDPOINT,
            "ZeroMQ address of the backend; loopback unless CURVE keys are set."),
    Setting("autostart", "Start the local backend", True,
            "Start the backend when Krita starts and stop it when Krita quits."),
    Setting("backend_command", "Backend command", "",
            "Command line that starts the backend; '{port}' is replaced by the port.",
            (str, list)),
    Setting("backend_python", "Backend Python", "",
            "Python of the backend environment; used when no command is given."),
    Setting("curve_server_key", "Server public key", "",
            "CURVE public key file (or Z85 text) of a remote backend."),
    Setting("curve_client_key", "Client key file", "",
            "CURVE secret key file (zmq.auth format) of this client for a remote backend."),
    Setting("working_size", "Working size", protocol.DEFAULT_WORKING_SIZE,
            "Longest side the generator works at; the result is resized to the document."),
    Setting("request_timeout", "Generate timeout (s)", 60.0,
            "How long one generate request may take before it is retried."),
    Setting("generate_retries", "Generate retries", 1,
            "Lazy-Pirate resends of a generate request after a timeout."),
    Setting("live_debounce", "Live delay (s)", 0.8,
            "Live mode waits this long after the last canvas change before generating."),
    Setting("model", "Model", "", "Model id to ask for; empty = the backend's default."),
)
BY_KEY = {s.key: s for s in DECLARATIONS}


def user_data_dir() -> Path:
    """Krita's writable user data folder (QStandardPaths inside Krita, a sane guess outside)."""
    try:
        from PyQt5.QtCore import QStandardPaths

        loc = QStandardPaths.writableLocation(QStandardPaths.AppDataLocation)
        if loc:
            return Path(loc)
    except ImportError:
        pass
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "krita"


def default_installer_paths(data_dir: Path | None = None) -> list[Path]:
    data_dir = data_dir or user_data_dir()
    return [
        data_dir / LEGACY_INSTALLER_FILE,
        PACKAGE_DIR.parent / LEGACY_INSTALLER_FILE,
        PACKAGE_DIR / INSTALLER_FILE,
    ]


def write_json_atomic(path: Path, data: Any) -> None:
    """Write to a temp file in the same folder, then ``os.replace``: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, sort_keys=True)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable settings file %s: %s", path, exc)
        return {}
    if not isinstance(data, dict):
        log.warning("ignoring settings file %s: not a JSON object", path)
        return {}
    return data


class Settings:
    """Effective settings; ``set`` + ``save`` persist only the user's own layer."""

    def __init__(self, user_path: Path | None = None,
                 installer_paths: list[Path] | None = None) -> None:
        self.user_path = user_path or user_data_dir() / USER_FILE
        self.installer_paths = (
            installer_paths if installer_paths is not None else default_installer_paths()
        )
        self._installer: dict[str, Any] = {}
        self._user: dict[str, Any] = {}
        self.load()

    def load(self) -> None:
        self._installer = {}
        for path in self.installer_paths:
            self._installer.update(self._valid(_read_json(path), path))
        self._user = self._valid(_read_json(self.user_path), self.user_path)

    @staticmethod
    def _valid(data: dict[str, Any], path: Path) -> dict[str, Any]:
        out = {}
        for key, value in data.items():
            decl = BY_KEY.get(key)
            if decl is None:
                continue  # other tools may share the file; unknown keys are not errors
            if decl.accepts(value):
                out[key] = value
            else:
                log.warning("%s: bad value %r for %s, using the default", path, value, key)
        return out

    def get(self, key: str) -> Any:
        decl = BY_KEY[key]
        return self._user.get(key, self._installer.get(key, decl.default))

    def set(self, key: str, value: Any) -> None:
        decl = BY_KEY[key]
        if not decl.accepts(value):
            raise ValueError(f"{decl.label}: {value!r} is not a valid value")
        self._user[key] = value

    def save(self) -> None:
        write_json_atomic(self.user_path, self._user)

    def backend_command(self, port: int) -> list[str] | None:
        """The command that starts the local backend, or None when nothing is configured."""
        cmd = self.get("backend_command")
        if isinstance(cmd, str) and cmd.strip():
            import shlex

            parts = shlex.split(cmd)
        elif isinstance(cmd, list) and cmd:
            parts = [str(p) for p in cmd]
        elif self.get("backend_python"):
            parts = [self.get("backend_python"), "-m", "paintboard.cli", "serve",
                     "--port", "{port}"]
        else:
            return None
        return [p.replace("{port}", str(port)) for p in parts]
