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
from .local_redraw import Plan, Rect, SeedMap, TileSig, feather_px, tiles_of_alpha
from .local_redraw import plan as plan_redraw
from .working_size import choose as choose_working_size

log = logging.getLogger(__name__)

LIVE_POLL_S = 0.1  # how often live mode looks at the (reduced) layers


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
        self._live_sent_at = float("-inf")
        self._live_sent_sig: str | None = None
        self._next_live_poll = 0.0
        self.live_result: dict[str, Any] | None = None
        self.auto_local = True  # issue #12: redraw only what changed since the shown result

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

    def working_size(self, live: bool = False) -> int:
        """The generator's longest side for this document (``working_size.choose``)."""
        return choose_working_size(
            self.doc.width, self.doc.height, auto=bool(self.setting("working_size_auto")),
            fixed=int(self.setting("working_size")), live=live, info=self.connection.info)

    def _fields(self, inputs: Any, seed: int, live: bool = False) -> dict[str, Any]:
        return protocol.generate_fields(
            inputs.width, inputs.height, inputs.fmt, True, protocol.FORMAT_BGRA8, seed,
            self.working_size(live), self.setting("model") or None)

    def _generate(self, inputs: Any, seed: int, on_reply: Callable[..., None],
                  live: bool = False) -> str:
        return self.connection.request(
            "generate", self._fields(inputs, seed, live), [inputs.labels, inputs.strokes],
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
            inputs = self.doc.read_inputs(self.working_size())
        except Exception as exc:  # DocumentError and Krita surprises alike: show, don't raise
            self._say(f"Cannot read the layers: {exc}", error=True)
            return None
        return self._draw_inputs(inputs, seed)

    def variation(self) -> str | None:
        """Same inputs as the last Draw!, a new seed (only inside a selection, if there is one)."""
        if self._last_inputs is None:
            try:
                self.doc.ensure_layers()
                self._last_inputs = self.doc.read_inputs(self.working_size())
            except Exception as exc:
                self._say(f"Cannot read the layers: {exc}", error=True)
                return None
        return self._draw_inputs(self._last_inputs, None, "variation")

    # -- local redraw (issue #12; decisions in local_redraw.py, pixels in compose.py) ---------
    def _plan(self, action: str, inputs: Any, sig: TileSig, base: Entry | None,
              explicit_seed: int | None) -> tuple[Plan, tuple[Rect, bytes] | None]:
        """Full, local (with its soft mask) or nothing; never raises (falls back to full)."""
        size = self.working_size(live=action == "live")
        feather = feather_px(inputs.width, inputs.height, size)  # on the sent layers' grid
        selection = None
        if action != "live" and base is not None:
            try:  # the selection is in document pixels
                selection = self.doc.selection_alpha(
                    feather_px(inputs.doc_width, inputs.doc_height, size))
            except Exception as exc:  # a Krita surprise must not block drawing
                log.warning("cannot read the selection: %s", exc)
        base_seeds = None if base is None else \
            SeedMap.decode(base.seeds, sig.nx * sig.ny, base.seed)
        plan = plan_redraw(
            action, base_layer=base.layer_id if base else None, base_n=base.n if base else 0,
            base_seeds=base_seeds, base_sig=TileSig.decode(base.tiles) if base else None,
            sig=sig, auto_local=self.auto_local, feather=feather,
            selection=None if selection is None
            else tiles_of_alpha(*selection, inputs.doc_width, inputs.doc_height,
                                inputs.width, inputs.height),
            new_seed=lambda: self.rng.randrange(2**31))
        plan.base_seeds = base_seeds
        if explicit_seed is not None:
            if plan.mode == "nothing" and explicit_seed != plan.seed:
                plan = Plan("full", explicit_seed)
            plan.seed = explicit_seed
        if plan.mode != "local":
            return plan, None
        alpha = selection if plan.selection else None
        if alpha is None and plan.mask is not None:
            try:
                alpha = self.doc.tiles_alpha(plan.mask, feather)
                if alpha is not None and inputs.reduced:
                    alpha = self.doc.alpha_to_document(alpha, (inputs.width, inputs.height))
            except Exception as exc:
                log.warning("cannot build the local mask: %s", exc)
        if alpha is None:
            plan = Plan("full", plan.seed, "", plan.base_layer, plan.base_n)
        return plan, alpha

    @staticmethod
    def _seeds_after(plan: Plan | None, sig: TileSig | None, seed: int, local: bool) -> str:
        """The new result's seed map: the base's with ``seed`` on the redrawn tiles."""
        if not local or plan is None or sig is None or plan.base_seeds is None:
            return ""
        return plan.base_seeds.painted(plan.redrawn, seed).encode(seed)

    def _shown(self) -> Entry | None:
        cur = self.history.current(self.doc.is_visible)
        return None if cur is None else self.history.entries[cur]

    def _draw_inputs(self, inputs: Any, seed: int | None, action: str = "draw") -> str | None:
        if not self.connection.is_connected:
            self._say(f"Not connected: {self.connection.reason or 'backend not running'}",
                      error=True)
            return None
        self._last_inputs = inputs
        sig = TileSig.of_inputs(inputs)
        plan, alpha = self._plan(action, inputs, sig, self._shown(), seed)
        if plan.mode == "nothing":
            self._say(f"Nothing changed since Paintboard #{plan.base_n}: nothing to draw "
                      "(Variation draws a new one; turn off 'Only redraw changes' to redraw)")
            return None
        seed = plan.seed
        holder: dict[str, str] = {}

        def on_reply(header: dict[str, Any], buffers: list[bytes]) -> None:
            self._draws.discard(holder.get("rid", ""))
            self.busy_changed.emit(self.busy)
            self._on_draw(header, buffers, inputs, seed, sig, plan, alpha)

        rid = self._generate(inputs, seed, on_reply)
        holder["rid"] = rid
        self._draws.add(rid)
        self.busy_changed.emit(True)
        where = f", redrawing {plan.reason}" if plan.mode == "local" else ""
        self._say(f"Drawing… (seed {seed}{where})")
        return rid

    def _on_draw(self, header: dict[str, Any], buffers: list[bytes], inputs: Any,
                 seed: int, sig: TileSig | None = None, plan: Plan | None = None,
                 alpha: tuple[Rect, bytes] | None = None) -> None:
        image = self._check_reply(header, buffers, inputs)
        if image is None:
            return
        if not self.doc.is_open():
            log.info("result for a closed document dropped")
            return
        n = self.history.next_number()
        local = plan is not None and plan.mode == "local" and alpha is not None
        try:
            sent = (inputs.width, inputs.height)
            if local:
                layer_id = self.doc.insert_local_result(
                    image, f"Paintboard #{n}", plan.base_layer, *alpha, size=sent)
            else:
                layer_id = self.doc.insert_result(image, f"Paintboard #{n}", sent,
                                                  refresh=False)  # _add_entry refreshes
        except Exception as exc:
            self._say(f"Cannot add the result layer: {exc}", error=True)
            return
        entry = Entry(n=n, layer_id=layer_id, seed=int(header.get("seed", seed)),
                      model=str(header.get("model", "")), inputs_hash=inputs.digest(),
                      width=inputs.doc_width, height=inputs.doc_height,
                      tiles=sig.encode() if sig is not None else "",
                      seeds=self._seeds_after(plan, sig, seed, local),
                      base=plan.base_n if local else 0)
        self._add_entry(entry)
        secs = sum((header.get("timings") or {}).values()) if header.get("timings") else 0.0
        what = f", redrew {plan.reason} of #{plan.base_n}" if local else ""  # type: ignore[union-attr]
        self._say(f"Paintboard #{n} (seed {entry.seed}{what}"
                  + (f", {secs:.1f} s)" if secs else ")"))

    def _add_entry(self, entry: Entry) -> None:
        """Record ``entry`` and show it; the canvas is refreshed exactly once here."""
        self.history.add(entry)
        changes = self.history.show_only(len(self.history.entries) - 1, self.doc.is_visible)
        self.doc.apply_visibility(changes)  # refreshes when anything changed
        if not changes:
            self.doc.refresh()
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
        """Called from the UI timer: live mode sends the latest canvas state while you paint.

        One live request at a time: the next one leaves when the previous result is in (and
        at least ``live_debounce`` seconds after the previous request), carrying whatever the canvas
        holds then, so intermediate states are skipped (latest wins) and a slow backend is
        never flooded. The layers are read once, reduced to the live working size, and that
        reading is both the change signature and what is sent.
        """
        if not self.live:
            return
        now = self.clock()
        if now < self._next_live_poll:
            return
        self._next_live_poll = now + LIVE_POLL_S
        if self._live_rid is not None or not self.connection.is_connected:
            return
        if now - self._live_sent_at < float(self.setting("live_debounce")):
            return
        try:
            inputs = self.doc.read_inputs(self.working_size(live=True))
        except Exception as exc:
            self._say(f"Live mode: {exc}", error=True)
            return
        sig = inputs.digest()
        self._live_sig = sig
        if sig != self._live_sent_sig:
            self._live_sent_at = now
            self._send_live(sig, inputs)

    def _live_base(self) -> Entry | None:
        """What a live update edits: the live layer's last result, else the result shown."""
        live_id = self.doc.live_layer_id() if hasattr(self.doc, "live_layer_id") else None
        if self.live_result is not None and live_id and self.live_result.get("tiles"):
            return Entry(n=0, layer_id=live_id, seed=self.live_result["seed"],
                         tiles=self.live_result["tiles"], seeds=self.live_result["seeds"])
        return self._shown()

    def _send_live(self, sig: str, inputs: Any) -> None:
        self._live_sent_sig = sig
        tiles = TileSig.of_inputs(inputs)
        base = self._live_base()
        plan, alpha = self._plan("live", inputs, tiles, base, None)
        if plan.mode == "nothing":
            return
        if self._live_rid is not None:
            self.connection.forget(self._live_rid)  # latest wins
        seed = plan.seed

        def on_reply(header: dict[str, Any], buffers: list[bytes]) -> None:
            if self._live_rid == holder["rid"]:
                self._live_rid = None
                self._next_live_poll = 0.0  # the next tick looks at the canvas at once
                self.busy_changed.emit(self.busy)
            image = self._check_reply(header, buffers, inputs)
            if image is None or not self.live or not self.doc.is_open():
                return
            sent = (inputs.width, inputs.height)
            try:
                if plan.mode == "local" and alpha is not None:
                    self.doc.update_live_local(image, plan.base_layer, *alpha, size=sent)
                else:
                    self.doc.update_live(image, sent)
            except Exception as exc:
                self._say(f"Live mode: {exc}", error=True)
                return
            self.live_result = {"seed": int(header.get("seed", seed)),
                                "model": str(header.get("model", "")),
                                "inputs_hash": inputs.digest(), "inputs": inputs,
                                "tiles": tiles.encode(),
                                "seeds": self._seeds_after(plan, tiles, seed, alpha is not None)}
            self._say("Live result updated" + (f" ({plan.reason})" if alpha else ""))

        holder: dict[str, str] = {}
        holder["rid"] = self._generate(inputs, seed, on_reply, live=True)
        self._live_rid = holder["rid"]
        self.busy_changed.emit(True)
        self._say("Live: drawing…")

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
                              width=inputs.doc_width, height=inputs.doc_height, live=True,
                              tiles=self.live_result.get("tiles", ""),
                              seeds=self.live_result.get("seeds", "")))
        self.live_result = None
        self._say(f"Kept the live result as Paintboard #{n}")
        return True
