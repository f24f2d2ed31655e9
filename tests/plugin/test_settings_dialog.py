"""The Backend settings dialog widget and the docker's Backend… button, under a real PyQt5.

The venv has no PyQt5, so (as in test_imports) the widget code runs in the system Python, which
is the one Krita embeds on Debian, with ``QT_QPA_PLATFORM=offscreen``: no display needed. The
rules themselves are tested without Qt in test_settings.py.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from pb_helpers import system_python

ROOT = Path(__file__).resolve().parents[2]

PRELUDE = """
import importlib.util, json, sys
from pathlib import Path
spec = importlib.util.spec_from_file_location("krita", {mock!r})
krita = importlib.util.module_from_spec(spec); spec.loader.exec_module(krita)
sys.modules["krita"] = krita
sys.path.insert(0, {plugin!r})
from PyQt5.QtWidgets import (QApplication, QCheckBox, QDialog, QDockWidget, QLineEdit,
                             QPushButton, QSpinBox, QDoubleSpinBox)
qapp = QApplication([])
tmp = Path({tmp!r})
"""

DIALOG = """
import zmq.auth
from paintboard_krita.settings import BY_KEY, Settings, write_json_atomic
from paintboard_krita.ui.settings_dialog import SettingsDialog

inst = tmp / "inst.json"
write_json_atomic(inst, {"backend_python": "/venv/bin/python"})
user = tmp / "user" / "settings.json"
settings = Settings(user, [inst])
applied = []

def dialog():
    d = SettingsDialog(settings, applied.append)
    d.show()
    qapp.processEvents()
    return d

d = dialog()
ed = lambda key: d.fields[key].editor
# generated from the declarations: widget per type, tooltips from the descriptions
assert isinstance(ed("autostart"), QCheckBox) and ed("autostart").isChecked()
assert isinstance(ed("working_size"), QSpinBox)
assert (ed("working_size").minimum(), ed("working_size").maximum()) == (64, 1024)
assert isinstance(ed("live_debounce"), QDoubleSpinBox)
assert isinstance(ed("endpoint"), QLineEdit)
assert ed("endpoint").toolTip() == BY_KEY["endpoint"].description
assert d.findChild(QPushButton, "curve_client_key_browse") is not None
assert d.findChild(QPushButton, "curve_server_key_browse") is not None
assert d.findChild(QPushButton, "endpoint_browse") is None
# wide enough for paths; the CURVE keys wait in a collapsed "Remote backend" section
assert d.width() >= 600 and ed("backend_python").minimumWidth() >= 380
assert d.remote.isHidden() and not d.remote_toggle.isChecked()
assert ed("curve_server_key").parent() is d.remote or d.remote.isAncestorOf(ed("curve_server_key"))
assert "default" in ed("model").placeholderText()  # what an empty Model means
assert ed("backend_python").text() == "/venv/bin/python"  # the installer's layer shows

# a remote address without keys: refused inside the dialog, nothing saved or restarted
ed("endpoint").setText("tcp://192.0.2.7:5557")
d.accept(); qapp.processEvents()
assert d.isVisible() and d.result() != QDialog.Accepted
assert not d.error.isHidden() and "CURVE" in d.error.text(), d.error.text()
assert not user.exists() and applied == []

# a malformed address: refused with the expected form
ed("endpoint").setText("localhost:5557")
d.accept()
assert "tcp://host:port" in d.error.text() and not user.exists()

# remote with the public key file instead of the secret one: CurveKeys.load's reason
pub, secret = zmq.auth.create_certificates(str(tmp), "client")
server_pub, _ = zmq.auth.create_certificates(str(tmp), "server")
ed("endpoint").setText("tcp://192.0.2.7:5557")
ed("curve_server_key").setText(server_pub)
ed("curve_client_key").setText(pub)
d.accept()
assert "no secret key" in d.error.text(), d.error.text()
assert not d.remote.isHidden()  # the section with the wrong field opens
assert not user.exists() and applied == []

# valid: saved atomically, the changed keys handed on, dialog closed
ed("curve_client_key").setText(secret)
ed("working_size").setValue(512)
d.accept(); qapp.processEvents()
assert d.result() == QDialog.Accepted and not d.isVisible()
saved = json.loads(user.read_text())
assert saved == {"endpoint": "tcp://192.0.2.7:5557", "curve_server_key": server_pub,
                 "curve_client_key": secret, "working_size": 512}, saved
assert applied == [{"endpoint", "curve_server_key", "curve_client_key", "working_size"}]
assert [p.name for p in user.parent.iterdir()] == ["settings.json"]

# Cancel changes nothing
d = dialog()
d.fields["working_size"].editor.setValue(128)
d.reject()
assert json.loads(user.read_text())["working_size"] == 512 and len(applied) == 1

# Restore defaults: the installer's values over the declared ones, saved on OK
d = dialog()
d.restore_defaults()
assert d.fields["endpoint"].editor.text() == BY_KEY["endpoint"].default
assert d.fields["backend_python"].editor.text() == "/venv/bin/python"
assert d.fields["working_size"].editor.value() == BY_KEY["working_size"].default
d.accept()
assert d.result() == QDialog.Accepted
assert json.loads(user.read_text()) == {}
assert settings.get("backend_python") == "/venv/bin/python"
print("dialog ok")
"""

DOCKER = """
krita.DockWidget = QDockWidget  # the stand-in's DockWidget is not a widget
from paintboard_krita import app as app_module
from paintboard_krita.ui.docker import PaintboardDocker
from paintboard_krita.ui.settings_dialog import SettingsDialog

from PyQt5.QtWidgets import QAbstractButton
from paintboard_krita.ui.docker import NO_DOCUMENT

docker = PaintboardDocker()
calls = []
docker.app.root.apply_settings = calls.append
buttons = {b.text(): b for b in docker.findChildren(QAbstractButton)}
assert "Backend…" in buttons and "Retry" in buttons
# No document open: everything that needs one is disabled and the reason is shown.
assert krita.Krita.instance().activeDocument() is None
assert not docker.work.isEnabled() and not docker.no_doc.isHidden()
assert docker.no_doc.text() == NO_DOCUMENT
buttons["Draw!"].click()  # disabled: nothing happens, nothing raises
doc = krita.Krita.instance().createDocument(40, 30, "d", "RGBA", "U8", "", 72.0)
krita.Krita.instance().setActiveDocument(doc)
docker.sync_active()
assert docker.work.isEnabled() and docker.no_doc.isHidden()
buttons["Backend…"].click()
qapp.processEvents()
dialogs = [w for w in qapp.topLevelWidgets() if isinstance(w, SettingsDialog) and w.isVisible()]
assert len(dialogs) == 1, dialogs
dlg = dialogs[0]
dlg.fields["working_size"].editor.setValue(320)
dlg.accept()
qapp.processEvents()
assert calls == [{"working_size"}], calls
assert docker.app.settings.get("working_size") == 320
print("docker ok")
"""


def _run(body: str, tmp_path: Path) -> str:
    code = PRELUDE.format(mock=str(ROOT / "tests/mock/krita.py"), plugin=str(ROOT / "plugin"),
                          tmp=str(tmp_path)) + body
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_RUNTIME_DIR=str(tmp_path))
    env.pop("PYTHONPATH", None)
    out = subprocess.run([system_python(), "-c", code], capture_output=True, text=True,
                         timeout=120, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


@pytest.mark.required_in_ci
def test_dialog_validates_saves_restores_and_applies(tmp_path: Path) -> None:
    assert "dialog ok" in _run(DIALOG, tmp_path)


@pytest.mark.required_in_ci
def test_docker_backend_button_opens_the_dialog(tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o700)  # Qt insists on a private XDG_RUNTIME_DIR
    assert "docker ok" in _run(DOCKER, tmp_path)
