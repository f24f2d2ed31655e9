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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import protocol
from .protocol import is_loopback_host

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
INSTALLER_FILE = "settings.json"  # <pykrita>/paintboard_krita/settings.json (the agreed place)
LEGACY_INSTALLER_FILE = "paintboard_settings.json"  # <pykrita>/ or the user data folder
USER_FILE = "paintboard/settings.json"  # inside Krita's user data folder


@dataclass(frozen=True)
class Setting:
    """A setting's key, UI label, default and what it is for (the one source of defaults).

    ``bounds`` (inclusive) and ``widget`` exist so the settings dialog is generated from these
    declarations alone: a new setting needs one line here, not another hand-made form field.
    """

    key: str
    label: str
    default: Any
    description: str
    types: tuple[type, ...] = ()
    bounds: tuple[float, float] | None = None
    widget: str = ""  # "file": a line edit with a browse button
    section: str = ""  # "remote": in the dialog's collapsed "Remote backend" section
    placeholder: str = ""  # shown in an empty text field: what empty means

    def in_bounds(self, value: Any) -> bool:
        if self.bounds is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            return True
        return self.bounds[0] <= value <= self.bounds[1]

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
            "Python of the backend environment; used when no command is given.",
            widget="file"),
    Setting("curve_server_key", "Server public key", "",
            "CURVE public key file (server.key) or its Z85 text, of a remote backend.",
            widget="file", section="remote", placeholder="only for a backend on another machine"),
    Setting("curve_client_key", "Client key file", "",
            "This client's CURVE secret key file (client.key_secret, zmq.auth format) for a "
            "remote backend; its public half must be in the server's clients/ folder.",
            widget="file", section="remote", placeholder="client.key_secret"),
    Setting("working_size_auto", "Working size from the document", True,
            "Draw! works at the document's long side, up to 1024 px when the backend has a "
            "GPU and 512 px on a CPU (Live stays at 256 px). Off: the working size below is "
            "used for Draw! and Live."),
    Setting("working_size", "Working size", protocol.DEFAULT_WORKING_SIZE,
            "Longest side the generator works at when the size is not taken from the "
            "document; the result is resized to the document.",
            bounds=(protocol.MIN_WORKING_SIZE, protocol.MAX_WORKING_SIZE)),
    Setting("request_timeout", "Generate timeout (s)", 60.0,
            "How long one generate request may take before it is retried.", bounds=(1.0, 3600.0)),
    Setting("generate_retries", "Generate retries", 1,
            "Lazy-Pirate resends of a generate request after a timeout.", bounds=(0, 10)),
    Setting("live_debounce", "Live delay (s)", 0.1,
            "Live mode sends the canvas at most this often while you paint (one request at a "
            "time; the newest state wins).",
            bounds=(0.1, 30.0)),
    Setting("history_limit", "History limit", 20,
            "How many results to keep before the docker offers to drop the oldest (each is a "
            "full-size layer). Nothing is ever dropped without your click.", bounds=(1, 1000)),
    Setting("model", "Model (optional)", "",
            "Model id to ask the backend for (a backend can serve several weights); leave "
            "empty for the backend's default, named in the docker's status line.",
            placeholder="empty: the backend's default model"),
)
BY_KEY = {s.key: s for s in DECLARATIONS}
# Changing one of these means the local backend process must be restarted (or stopped) ...
BACKEND_KEYS = frozenset({"endpoint", "autostart", "backend_command", "backend_python"})
# ... and these need a fresh socket; everything else is read live through ``Settings.get``.
CONNECTION_KEYS = BACKEND_KEYS | {"curve_server_key", "curve_client_key"}


# -- endpoint rules and validation (pure: the dialog and the tests share them) ----------------
def parse_endpoint(endpoint: str) -> tuple[str, int]:
    """``tcp://host:port`` → (host, port); ValueError with a message a person can act on.

    Only tcp: the backend's ``serve`` binds nothing else. IPv6 literals go in brackets.
    """
    text = endpoint.strip()
    example = "e.g. tcp://127.0.0.1:5557"
    if not text.startswith("tcp://"):
        raise ValueError(f"'{endpoint}' is not a backend address; it must be tcp://host:port "
                         f"({example})")
    host, sep, port_text = text[len("tcp://"):].rpartition(":")
    if not sep or not host or not port_text.isdigit():
        raise ValueError(f"'{endpoint}' needs a host and a port number: tcp://host:port "
                         f"({example})")
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise ValueError(f"port {port} in '{endpoint}' is not between 1 and 65535")
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not bare or any(c.isspace() or c in "/[]*" for c in bare):
        raise ValueError(f"'{host}' in '{endpoint}' is not a host name or IP address")
    if ":" in bare and not host.startswith("["):
        raise ValueError(f"put the IPv6 address in brackets: tcp://[{bare}]:{port}")
    return bare, port


def uses_curve(values: Mapping[str, Any]) -> bool:
    """Whether the plugin encrypts the connection these settings describe.

    Remote always (the backend refuses an open non-loopback port). On loopback only when both
    key fields are set and no local backend is auto-started (which would listen unencrypted):
    that is an SSH tunnel or a ``serve --force-curve`` on a shared machine.
    """
    try:
        host, _ = parse_endpoint(str(values.get("endpoint", "")))
    except ValueError:
        return False
    if not is_loopback_host(host):
        return True
    both = bool(values.get("curve_server_key")) and bool(values.get("curve_client_key"))
    return both and not values.get("autostart")


def _check_curve_keys(server_key: str, client_key_file: str) -> None:
    from .transport import CurveKeys  # zmq: imported only when keys are actually checked

    CurveKeys.load(server_key, client_key_file)


def validate(values: Mapping[str, Any],
             check_keys: Callable[[str, str], None] = _check_curve_keys) -> dict[str, str]:
    """Problems with ``values`` as {key: message}; empty when they may be saved.

    Refusing here (instead of saving and failing on connect) keeps a broken address or a
    secret-less key file out of the settings file, where it would only show up as "no answer".
    """
    errors: dict[str, str] = {}
    for key, value in values.items():
        decl = BY_KEY.get(key)
        if decl is None:
            continue
        if not decl.accepts(value):
            errors[key] = f"{decl.label}: {value!r} is not a valid value"
        elif not decl.in_bounds(value):
            lo, hi = decl.bounds or (0, 0)
            errors[key] = f"{decl.label}: {value} is not between {lo:g} and {hi:g}"
    if "endpoint" in errors:
        return errors
    try:
        host, _ = parse_endpoint(str(values.get("endpoint", "")))
    except ValueError as exc:
        errors["endpoint"] = f"{BY_KEY['endpoint'].label}: {exc}"
        return errors
    server_key = str(values.get("curve_server_key") or "").strip()
    client_key = str(values.get("curve_client_key") or "").strip()
    if not is_loopback_host(host) and not (server_key and client_key):
        errors["endpoint"] = (
            f"{host} is not this machine: a remote backend needs both CURVE key fields (the "
            "backend refuses unencrypted remote connections). On the server run `paintboard "
            "serve --make-keys DIR`, then serve with `--listen 0.0.0.0 --curve-keys DIR`; copy "
            "DIR/server.key and DIR/client.key_secret here.")
        return errors
    if server_key or client_key:
        if not (server_key and client_key):
            missing = "curve_client_key" if server_key else "curve_server_key"
            errors[missing] = f"{BY_KEY[missing].label}: needed together with the other key"
            return errors
        if uses_curve(values):
            try:
                check_keys(server_key, client_key)
            except Exception as exc:  # zmq raises OSError/ValueError/ZMQError for bad files
                errors["curve_client_key"] = f"CURVE keys: {exc}"
    return errors


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

    def default(self, key: str) -> Any:
        """The value without the user's own choice: the installer's, else the declared one.

        "Restore defaults" goes back to this, not to the bare declaration, so it never wipes
        the backend command the installer wrote.
        """
        return self._installer.get(key, BY_KEY[key].default)

    def reset(self, key: str) -> None:
        self._user.pop(key, None)

    def update(self, values: Mapping[str, Any]) -> set[str]:
        """Take the dialog's values; returns the keys whose effective value changed.

        A value equal to the default is dropped from the user layer rather than pinned, so a
        later installer run can still change it. Raises ValueError on a wrongly typed value.
        """
        for key, value in values.items():
            if not BY_KEY[key].accepts(value):
                raise ValueError(f"{BY_KEY[key].label}: {value!r} is not a valid value")
        changed = set()
        for key, value in values.items():
            before = self.get(key)
            if value == self.default(key):
                self.reset(key)
            else:
                self._user[key] = value
            if self.get(key) != before:
                changed.add(key)
        return changed

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
            parts = protocol.serve_command(self.get("backend_python"), "{port}")
        else:
            return None
        return [p.replace("{port}", str(port)) for p in parts]
