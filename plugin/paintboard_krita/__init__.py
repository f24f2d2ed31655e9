"""Paintboard for Krita: paint labels and colour dabs, press Draw!, get a landscape layer.

Registration happens only inside real Krita, so tests (and kritarunner scripts that set
``PAINTBOARD_NO_REGISTER``) can import the submodules freely.
"""

from __future__ import annotations

import os
import sys

# The installer unpacks a pyzmq wheel matching Krita's own Python here when that Python has none
# (official AppImage / Windows / macOS builds); it must be importable before anything needs zmq.
_vendor = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vendor")
if os.path.isdir(_vendor) and _vendor not in sys.path:
    sys.path.insert(0, _vendor)


def _in_krita() -> bool:
    try:
        import krita
    except ImportError:
        return False
    return not getattr(krita, "IS_STAND_IN", False) and hasattr(krita, "Krita")


if _in_krita() and not os.environ.get("PAINTBOARD_NO_REGISTER"):
    try:
        import zmq  # noqa: F401
    except ImportError as _exc:
        from krita import Krita as _Krita
        from PyQt5.QtWidgets import QMessageBox as _Box

        _Box.warning(None, "Paintboard",
                     "Paintboard needs the Python module 'zmq' (pyzmq) in Krita's Python, "
                     f"which is missing ({_exc}).\nRun the Paintboard installer again, or on "
                     "Debian/Ubuntu: sudo apt install python3-zmq")
        del _Krita, _Box
    else:
        from .extension import register

        register()
