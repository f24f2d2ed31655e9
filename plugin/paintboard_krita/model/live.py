"""Live mode of one document: regenerate while the user paints, into one live layer.

Mixed into ``DocumentModel`` (it shares the connection, history and local-redraw planning);
kept apart so the rules of live mode are in one place: one request in flight, latest state
wins, the live layer is only ever replaced while it holds what the plugin wrote, and it is
tidied when live mode ends or its result is kept.
"""

from __future__ import annotations

import logging
from typing import Any

from .history import Entry
from .local_redraw import TileSig

log = logging.getLogger(__name__)

LIVE_POLL_S = 0.1  # how often live mode looks at the (reduced) layers, at most
# ... and never sooner than this many times what the last look cost: reading and reducing an
# A4 page takes ~0.1 s of the UI thread, so looking every 0.1 s while nothing changes would keep
# Krita busy; with 2 the UI thread is at most a third busy looking.
LIVE_LOOK_FACTOR = 2.0


class LiveMode:
    """Needs the model's doc, connection, setting, clock, history, _say, _generate, _plan,
    _check_reply, _shown, _seeds_after, _add_entry, working_size and busy."""

    live: bool
    live_result: dict[str, Any] | None

    def _init_live(self) -> None:
        self.live = False
        self._live_rid: str | None = None
        self._live_sig: str | None = None
        self._live_sent_at = float("-inf")
        self._live_sent_sig: str | None = None
        self._next_live_poll = 0.0
        self.live_result = None

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
        if not quiet and not on:
            self._say("Live mode off")
        elif not quiet:
            text = "Live mode on: pause painting to see the result"
            if not self.doc.is_rgba8:  # measured: ~2 s a redraw of a 16-bit A4 page
                text += ("; in this 16-bit/float document each update redraws the whole page "
                         "(seconds on a large one): an RGB/Alpha 8-bit copy is far faster")
            self._say(text)

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
        looked = self.clock()
        self._next_live_poll = max(self._next_live_poll, looked + LIVE_LOOK_FACTOR * (looked - now))
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
