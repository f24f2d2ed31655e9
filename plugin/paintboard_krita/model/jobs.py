"""Per-document jobs: Draw!, Variation and the history they produce (live mode: live.py).

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
from .live import LiveMode
from .local_redraw import Plan, Rect, SeedMap, TileSig, feather_px, tiles_of_alpha
from .local_redraw import plan as plan_redraw
from .reads import is_opaque
from .working_size import choose as choose_working_size

log = logging.getLogger(__name__)


class DocumentModel(EditingActions, LiveMode):
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
        self._init_live()
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
                layer_id = self.doc.insert_result(image, f"Paintboard #{n}", sent)
        except Exception as exc:
            self._say(f"Cannot add the result layer: {exc}", error=True)
            return
        entry = Entry(n=n, layer_id=layer_id, seed=int(header.get("seed", seed)),
                      model=str(header.get("model", "")), inputs_hash=inputs.digest(),
                      width=inputs.doc_width, height=inputs.doc_height,
                      tiles=sig.encode() if sig is not None else "",
                      seeds=self._seeds_after(plan, sig, seed, local),
                      base=plan.base_n if local else 0)
        self._add_entry(entry, on_top=not local and is_opaque(image))
        secs = sum((header.get("timings") or {}).values()) if header.get("timings") else 0.0
        what = f", redrew {plan.reason} of #{plan.base_n}" if local else ""  # type: ignore[union-attr]
        self._say(f"Paintboard #{n} (seed {entry.seed}{what}"
                  + (f", {secs:.1f} s)" if secs else ")"))

    def _add_entry(self, entry: Entry, on_top: bool = False) -> None:
        """Record ``entry`` and show it alone.

        ``on_top``: its layer was just added, opaque and whole-page, above every other result
        (a Draw!): the add redrew the canvas, and hiding the results under it changes no pixel,
        so the whole-image redraw — a third of a Draw! on an A4 page, 2 s on a 16-bit one — is
        skipped. Otherwise (a kept live layer, a local redraw over an older result, a
        semi-transparent reply) the canvas is redrawn once.
        """
        self.history.add(entry)
        changes = self.history.show_only(len(self.history.entries) - 1, self.doc.is_visible)
        if on_top and all(not shown for _, shown in changes):
            self.doc.apply_visibility(changes, refresh=False)
        else:
            self.doc.apply_visibility(changes)  # redraws when anything changed
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

    def history_limit(self) -> int:
        return int(self.setting("history_limit"))

    def over_limit(self) -> int:
        """How many results exceed the user's history limit (shown; never dropped silently)."""
        return max(0, len(self.history.entries) - self.history_limit())

    def drop_oldest(self) -> int:
        """On the user's request: remove the oldest results' layers down to the limit."""
        self.refresh_history()
        gone = self.history.beyond_limit(self.history_limit(), self.doc.is_visible)
        for entry in gone:
            self.doc.remove_layer(entry.layer_id)
        if gone:
            self.history.prune_missing(self.doc.node_ids().__contains__)
            self._persist()
            names = ", ".join(f"#{e.n}" for e in gone)
            self._say(f"Dropped {names} (Edit ▸ Undo brings the layers back)")
        return len(gone)

    def refresh_history(self) -> None:
        """Forget entries whose layers are gone; take back those an Undo brought back."""
        there = self.doc.node_ids().__contains__  # one walk of the layer tree, not one per entry
        gone = self.history.prune_missing(there)
        if self.history.readopt(there) or gone:
            self._persist()

    def take_back_undone(self) -> None:
        """For the docker's timer: free unless results went away in this session."""
        if self.history.forgotten and self.history.readopt(self.doc.node_ids().__contains__):
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
