"""Registration only: the Extension, the docker factory and the Krita actions."""

from __future__ import annotations

from krita import DockWidgetFactory, DockWidgetFactoryBase, Extension, Krita

from . import app

# (id, text, method on the active document model). The default shortcuts live in
# ``plugin/paintboard_krita.action`` (installed into Krita's ``actions/`` folder): a shortcut set
# here in Python is wiped by Krita's shortcut scheme, and would not show in Configure Krita.
ACTIONS = (
    ("paintboard_krita.draw", "Paintboard: Draw!", "draw"),
    ("paintboard_krita.back", "Paintboard: Back", "back"),
    ("paintboard_krita.forward", "Paintboard: Forward", "forward"),
    ("paintboard_krita.live", "Paintboard: Toggle live mode", "toggle_live"),
)


class PaintboardExtension(Extension):
    def __init__(self, parent) -> None:
        super().__init__(parent)

    def setup(self) -> None:
        notifier = Krita.instance().notifier()
        notifier.applicationClosing.connect(self._closing)
        app.instance().start()

    def createActions(self, window) -> None:
        for action_id, text, method in ACTIONS:
            action = window.createAction(action_id, text, "tools/scripts")
            action.triggered.connect(lambda _=False, m=method: self._run(m))

    @staticmethod
    def _run(method: str) -> None:
        model = app.instance().active_model(create=method == "draw")
        if model is None:
            return
        if method == "toggle_live":
            model.set_live(not model.live)
        else:
            getattr(model, method)()

    @staticmethod
    def _closing() -> None:
        app.instance().shutdown()


def register() -> None:
    from .ui.docker import PaintboardDocker

    krita = Krita.instance()
    krita.addExtension(PaintboardExtension(krita))
    krita.addDockWidgetFactory(
        DockWidgetFactory("paintboard_krita", DockWidgetFactoryBase.DockRight, PaintboardDocker))
