"""Helpers of the one-command Paintboard installer (``installer/install.py``).

Stdlib only and importable by any Python >= 3.10: the installer must run before any environment
exists, with whatever ``python3`` the user has.
"""

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
DEFAULT_PORT = 5557
LOOPBACK = "127.0.0.1"
