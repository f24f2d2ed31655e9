"""Helpers of the one-command Paintboard installer (``installer/install.py``).

Stdlib only and importable by any Python >= 3.10: the installer must run before any environment
exists, with whatever ``python3`` the user has.

Port, host and the plugin's settings keys are not retyped here: they are read from the plugin
package in this repository (``protocol.py``, the backend's own file by symlink, and
``settings.py``), both stdlib-only, so the installer cannot drift from what the plugin expects.
"""

import sys
from pathlib import Path

PLUGIN_PARENT = Path(__file__).resolve().parents[2] / "plugin"
if str(PLUGIN_PARENT) not in sys.path:
    sys.path.insert(0, str(PLUGIN_PARENT))

# Outside Krita the package registers nothing, so importing it here is side-effect free.
from paintboard_krita import protocol  # noqa: E402, F401 (re-exported)
from paintboard_krita import settings as plugin_settings  # noqa: E402, F401

PLUGIN_NAME = "paintboard_krita"
DESKTOP_FILE = "paintboard.desktop"
# Krita reads actions (default shortcuts) from the ``actions`` folder beside ``pykrita``.
ACTION_FILE = f"{PLUGIN_NAME}.action"
ACTIONS_DIR = "actions"
KRITARC_KEY = f"enable_{PLUGIN_NAME}"
SETTINGS_FILE = "settings.json"
VENDOR_DIR = "vendor"
VENDOR_STAMP = ".paintboard-vendor.json"
VENV_MARKER = ".paintboard-installer"
