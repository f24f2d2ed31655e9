"""A stand-in for Krita's ``krita`` module with just what the plugin's tests touch.

Injected by ``tests/plugin/conftest.py`` through ``sys.modules``; production code never
imports it. Semantics follow libkis where the plugin relies on them: pixelData is BGRA8 bytes
for RGBA/U8 documents, ``addChildNode(child, None)`` puts the child on top, uniqueId is stable.
"""

from __future__ import annotations

import uuid
from typing import Any

IS_STAND_IN = True


class _Uuid:
    def __init__(self) -> None:
        self._s = "{" + str(uuid.uuid4()) + "}"

    def toString(self) -> str:  # noqa: N802 - Qt's name
        return self._s


class Node:
    def __init__(self, doc: Document, name: str, kind: str) -> None:
        self._doc, self._name, self._type = doc, name, kind
        self._uid = _Uuid()
        self._children: list[Node] = []
        self._parent: Node | None = None
        self._visible = True
        self._pixels = bytearray(doc.width() * doc.height() * 4)

    def name(self) -> str:
        return self._name

    def setName(self, name: str) -> None:  # noqa: N802
        self._name = name

    def type(self) -> str:
        return self._type

    def uniqueId(self) -> _Uuid:  # noqa: N802
        return self._uid

    def childNodes(self) -> list[Node]:  # noqa: N802
        return list(self._children)

    def parentNode(self) -> Node | None:  # noqa: N802
        return self._parent

    def addChildNode(self, child: Node, above: Node | None) -> bool:  # noqa: N802
        child._parent = self
        if above is None:
            self._children.append(child)
        else:
            self._children.insert(self._children.index(above) + 1, child)
        return True

    def removeChildNode(self, child: Node) -> bool:  # noqa: N802
        self._children.remove(child)
        child._parent = None
        return True

    def remove(self) -> bool:
        if self._parent is not None:
            self._parent.removeChildNode(self)
        return True

    def visible(self) -> bool:
        return self._visible

    def setVisible(self, visible: bool) -> None:  # noqa: N802
        self._visible = bool(visible)

    def pixelData(self, x: int, y: int, w: int, h: int) -> bytes:  # noqa: N802
        dw = self._doc.width()
        rows = [bytes(self._pixels[((y + r) * dw + x) * 4:((y + r) * dw + x + w) * 4])
                for r in range(h)]
        return b"".join(rows)

    def setPixelData(self, data: bytes, x: int, y: int, w: int, h: int) -> None:  # noqa: N802
        assert len(data) == w * h * 4, "setPixelData with the wrong byte count"
        dw = self._doc.width()
        for r in range(h):
            start = ((y + r) * dw + x) * 4
            self._pixels[start:start + w * 4] = data[r * w * 4:(r + 1) * w * 4]

    def setColorSpace(self, model: str, depth: str, profile: str) -> bool:  # noqa: N802
        return True

    def thumbnail(self, w: int, h: int) -> Any:
        return None


class Document:
    def __init__(self, width: int, height: int, name: str = "doc", model: str = "RGBA",
                 depth: str = "U8") -> None:
        self._w, self._h, self._name = width, height, name
        self._model, self._depth = model, depth
        self._root = Node(self, "root", "grouplayer")
        self._annotations: dict[str, bytes] = {}
        self.active: Node | None = None
        self.refreshes = 0
        self.closed = False

    def width(self) -> int:
        return self._w

    def height(self) -> int:
        return self._h

    def name(self) -> str:
        return self._name

    def colorModel(self) -> str:  # noqa: N802
        return self._model

    def colorDepth(self) -> str:  # noqa: N802
        return self._depth

    def rootNode(self) -> Node | None:  # noqa: N802
        return None if self.closed else self._root  # like Krita: a closed document has none

    def createNode(self, name: str, kind: str) -> Node:  # noqa: N802
        return Node(self, name, kind)

    def createGroupLayer(self, name: str) -> Node:  # noqa: N802
        return Node(self, name, "grouplayer")

    def nodeByName(self, name: str) -> Node | None:  # noqa: N802
        stack = list(self._root.childNodes())
        while stack:
            n = stack.pop(0)
            if n.name() == name:
                return n
            stack.extend(n.childNodes())
        return None

    def annotation(self, key: str) -> bytes:
        return self._annotations.get(key, b"")

    def setAnnotation(self, key: str, description: str, data: bytes) -> None:  # noqa: N802
        self._annotations[key] = bytes(data)

    def setActiveNode(self, node: Node) -> None:  # noqa: N802
        self.active = node

    def activeNode(self) -> Node | None:  # noqa: N802
        return self.active

    def refreshProjection(self) -> None:  # noqa: N802
        self.refreshes += 1

    def waitForDone(self) -> None:  # noqa: N802
        pass

    def close(self) -> bool:
        self.closed = True
        Krita.instance()._documents.remove(self)
        return True


class ManagedColor:
    def __init__(self, model: str, depth: str, profile: str) -> None:
        self.components: list[float] = []

    def setComponents(self, components: list[float]) -> None:  # noqa: N802
        self.components = list(components)


class _View:
    def __init__(self) -> None:
        self.foreground: ManagedColor | None = None

    def setForeGroundColor(self, colour: ManagedColor) -> None:  # noqa: N802
        self.foreground = colour


class _Window:
    def __init__(self) -> None:
        self.view = _View()

    def activeView(self) -> _View:  # noqa: N802
        return self.view


class Krita:
    _instance: Krita | None = None

    def __init__(self) -> None:
        self._documents: list[Document] = []
        self._active: Document | None = None
        self._window = _Window()

    @classmethod
    def instance(cls) -> Krita:
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    @classmethod
    def reset(cls) -> None:
        cls._instance = None

    def createDocument(self, w: int, h: int, name: str, model: str, depth: str,  # noqa: N802
                       profile: str, resolution: float) -> Document:
        doc = Document(w, h, name, model, depth)
        self._documents.append(doc)
        return doc

    def documents(self) -> list[Document]:
        return list(self._documents)

    def activeDocument(self) -> Document | None:  # noqa: N802
        return self._active

    def setActiveDocument(self, doc: Document | None) -> None:  # noqa: N802
        self._active = doc

    def activeWindow(self) -> _Window:  # noqa: N802
        return self._window

    def action(self, name: str) -> None:
        return None


class Extension:
    def __init__(self, parent: Any = None) -> None:
        self.parent = parent


class DockWidget:
    pass


class DockWidgetFactoryBase:
    DockRight = 1


class DockWidgetFactory:
    def __init__(self, *args: Any) -> None:
        self.args = args
