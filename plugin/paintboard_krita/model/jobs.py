"""Per-document jobs: Draw!, Variation, live mode, and the history they produce.

The document is reached only through a small duck-typed interface (``PaintboardDocument`` in
Krita, a fake in tests). Replies carry the model that asked, so a result lands in its own
document even after the user switched documents.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any

from .. import protocol
from ..signals import Signal
from .connection import Connection
from .editing import EditingActions
from .history import Entry, History

log = logging.getLogger(__name__)

LIVE_POLL_S = 0.5  # how often live mode hashes the layers


class DocumentModel(EditingActions):
    """State and actions of one document; every method returns at once."""

    def __init__(self, doc: Any, connection: Connection, setting: Callable[[str], Any],
                 clock: Callable[[], float] = time.monotonic,
                 rng: random.Random | None = None) -> None:
        self.doc = doc
        self.connection = connection
        self.setting = setting
        self.clock = clock
        self.rng = rng or random.Random()
        self.history = History.from_dict(doc.meta.get("history"))
        self.status = ""
        self.status_changed = Signal()  # (text, is_error)
        self.history_changed = Signal()
        self.busy_changed = Signal()  # (busy)
        self._draws: set[str] = set()
        self._last_inputs: Any = None
        self.live = False
        self._live_rid: str | None = None
        self._live_sig: str | None = None
        self._live_changed_at = 0.0
        self._live_sent_sig: str | None = None
        self._next_live_poll = 0.0
        self.live_result: dict[str, Any] | None = None

    def rebind(self, doc: Any) -> None:
        """The same document (same Paintboard id) was reopened: work on the new one.

        The closed document's wrapper is dead (Krita answers ``rootNode()`` with None), so the
        history is read again from the reopened file; live mode starts over.
        """
        self.set_live(False, quiet=True)
        self.doc = doc
        self.history = History.from_dict(doc.meta.get("history"))
        self._last_inputs = None
        self.live_result = None
        self.history_changed.emit()

    # -- helpers ---------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return bool(self._draws) or self._live_rid is not None

    def _say(self, text: str, error: bool = False) -> None:
        self.status = text
        self.status_changed.emit(text, error)

    def _persist(self) -> None:
        self.doc.meta["history"] = self.history.to_dict()
        self.doc.save_meta()
        self.history_changed.emit()

    def _fields(self, inputs: Any, seed: int) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "width": inputs.width, "height": inputs.height,
            "labels": {"format": inputs.fmt}, "strokes": {"format": inputs.fmt},
            "out_format": protocol.FORMAT_BGRA8, "seed": seed,
            "size": int(self.setting("working_size")),
        }
        if self.setting("model"):
            fields["model"] = self.setting("model")
        return fields

    def _generate(self, inputs: Any, seed: int, on_reply: Callable[..., None]) -> str:
        return self.connection.request(
            "generate", self._fields(inputs, seed), [inputs.labels, inputs.strokes],
            callback=on_reply, timeout=float(self.setting("request_timeout")),
            retries=int(self.setting("generate_retries")))

    def _check_reply(self, header: dict[str, Any], buffers: list[bytes], inputs: Any
                     ) -> bytes | None:
        if not header.get("ok"):
            err = header.get("error") or {}
            if err.get("code") in (protocol.E_SUPERSEDED, protocol.E_CANCELLED):
                return None
            self._say(f"Backend: {err.get('message', 'unknown error')}", error=True)
            return None
        need = inputs.width * inputs.height * protocol.BYTES_PER_PIXEL
        if (len(buffers) != 1 or len(buffers[0]) != need
                or header.get("format", protocol.FORMAT_BGRA8) != protocol.FORMAT_BGRA8):
            self._say("Backend sent an image of the wrong size or format", error=True)
            return None
        return bytes(buffers[0])

    # -- Draw! and Variation ------------------------------------------------------------------
    def draw(self, seed: int | None = None) -> str | None:
        """Read both layers and ask for an image; the result becomes a history entry."""
        try:
            self.doc.ensure_layers()
            inputs = self.doc.read_inputs()
        except Exception as exc:  # DocumentError and Krita surprises alike: show, don't raise
            self._say(f"Cannot read the layers: {exc}", error=True)
            return None
        return self._draw_inputs(inputs, seed)

    def variation(self) -> str | None:
        """Same inputs as the last Draw!, a new seed."""
        if self._last_inputs is None:
            return self.draw()
        return self._draw_inputs(self._last_inputs, None)

    def _draw_inputs(self, inputs: Any, seed: int | None) -> str | None:
        if not self.connection.is_connected:
            self._say(f"Not connected: {self.connection.reason or 'backend not running'}",
                      error=True)
            return None
        seed = self.rng.randrange(2**31) if seed is None else seed
        self._last_inputs = inputs
        holder: dict[str, str] = {}

        def on_reply(header: dict[str, Any], buffers: list[bytes]) -> None:
            self._draws.discard(holder.get("rid", ""))
            self.busy_changed.emit(self.busy)
            self._on_draw(header, buffers, inputs, seed)

        rid = self._generate(inputs, seed, on_reply)
        holder["rid"] = rid
        self._draws.add(rid)
        self.busy_changed.emit(True)
        self._say(f"Drawing… (seed {seed})")
        return rid

    def _on_draw(self, header: dict[str, Any], buffers: list[bytes], inputs: Any,
                 seed: int) -> None:
        image = self._check_reply(header, buffers, inputs)
        if image is None:
            return
        if not self.doc.is_open():
            log.info("result for a closed document dropped")
            return
        n = self.history.next_number()
        try:
            layer_id = self.doc.insert_result(image, f"Paintboard #{n}")
        except Exception as exc:
            self._say(f"Cannot add the result layer: {exc}", error=True)
            return
        entry = Entry(n=n, layer_id=layer_id, seed=int(header.get("seed", seed)),
                      model=str(header.get("model", "")), inputs_hash=inputs.digest(),
                      width=inputs.width, height=inputs.height)
        self._add_entry(entry)
        secs = sum((header.get("timings") or {}).values()) if header.get("timings") else 0.0
        self._say(f"Paintboard #{n} (seed {entry.seed}" + (f", {secs:.1f} s)" if secs else ")"))

    def _add_entry(self, entry: Entry) -> None:
        self.history.add(entry)
        self.doc.apply_visibility(
            self.history.show_only(len(self.history.entries) - 1, self.doc.is_visible))
        self._persist()

    # -- history navigation -----------------------------------------------------------------
    def _navigate(self, changes: list[tuple[str, bool]]) -> None:
        self.doc.apply_visibility(changes)
        self.history_changed.emit()
        self._say(self.showing())

    def showing(self) -> str:
        """What the canvas shows now, in words (the status after Back/Forward/jump)."""
        cur = self.current()
        if cur is None:
            return "No result shown (all hidden)" if self.history.entries else "No results yet"
        e = self.history.entries[cur]
        total = len(self.history.entries)
        return f"Showing Paintboard #{e.n} (seed {e.seed}), {cur + 1} of {total}"

    def refresh_history(self) -> None:
        """Drop entries whose layers the user deleted by hand."""
        if self.history.prune_missing(self.doc.exists):
            self._persist()

    def back(self) -> None:
        self.refresh_history()
        self._navigate(self.history.back(self.doc.is_visible))

    def forward(self) -> None:
        self.refresh_history()
        self._navigate(self.history.forward(self.doc.is_visible))

    def jump(self, index: int) -> None:
        if 0 <= index < len(self.history.entries):
            self._navigate(self.history.show_only(index, self.doc.is_visible))

    def current(self) -> int | None:
        return self.history.current(self.doc.is_visible)

    # -- live mode ----------------------------------------------------------------------------
    def set_live(self, on: bool, quiet: bool = False) -> None:
        """Live off removes the live layer unless the user painted on it (then it is kept)."""
        was = self.live
        self.live = on
        self._live_sig = self._live_sent_sig = None
        if not on and self._live_rid is not None:
            self.connection.forget(self._live_rid)
            self._live_rid = None
            self.busy_changed.emit(self.busy)
        if was and not on:
            self.live_result = None
        if was and not on and self.doc.is_open():
            try:
                self.doc.drop_live()
            except Exception:
                log.exception("could not tidy the live layer")
        if not quiet:
            self._say("Live mode on: pause painting to see the result" if on
                      else "Live mode off")

    def tick(self) -> None:
        """Called from the UI timer: live mode's debounce (latest canvas state wins)."""
        if not self.live:
            return
        now = self.clock()
        if now < self._next_live_poll:
            return
        self._next_live_poll = now + LIVE_POLL_S
        try:
            sig = self.doc.signature()
        except Exception as exc:
            self._say(f"Live mode: {exc}", error=True)
            return
        if sig != self._live_sig:
            self._live_sig, self._live_changed_at = sig, now
            return
        quiet = now - self._live_changed_at >= float(self.setting("live_debounce"))
        if quiet and sig != self._live_sent_sig and self.connection.is_connected:
            self._send_live(sig)

    def _send_live(self, sig: str) -> None:
        try:
            inputs = self.doc.read_inputs()
        except Exception as exc:
            self._say(f"Live mode: {exc}", error=True)
            return
        if self._live_rid is not None:
            self.connection.forget(self._live_rid)  # latest wins
        seed = self.live_result["seed"] if self.live_result else self.rng.randrange(2**31)
        self._live_sent_sig = sig

        def on_reply(header: dict[str, Any], buffers: list[bytes]) -> None:
            if self._live_rid == holder["rid"]:
                self._live_rid = None
                self.busy_changed.emit(self.busy)
            image = self._check_reply(header, buffers, inputs)
            if image is None or not self.live or not self.doc.is_open():
                return
            self.doc.update_live(image)
            self.live_result = {"seed": int(header.get("seed", seed)),
                                "model": str(header.get("model", "")),
                                "inputs_hash": inputs.digest(), "inputs": inputs}
            self._say("Live result updated")

        holder: dict[str, str] = {}
        holder["rid"] = self._generate(inputs, seed, on_reply)
        self._live_rid = holder["rid"]
        self.busy_changed.emit(True)

    def keep_live(self) -> bool:
        """The live layer itself becomes a history entry; live goes on with a fresh layer."""
        if self.live_result is None:
            self._say("Nothing to keep yet: live mode has not produced a result", error=True)
            return False
        n = self.history.next_number()
        layer_id = self.doc.keep_live(f"Paintboard #{n}")
        if layer_id is None:
            self._say("Nothing to keep: the live layer is gone", error=True)
            return False
        inputs = self.live_result["inputs"]
        self._add_entry(Entry(n=n, layer_id=layer_id, seed=self.live_result["seed"],
                              model=self.live_result["model"],
                              inputs_hash=self.live_result["inputs_hash"],
                              width=inputs.width, height=inputs.height, live=True))
        self.live_result = None
        self._say(f"Kept the live result as Paintboard #{n}")
        return True
