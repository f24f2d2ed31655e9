"""Result history: entries in order, and Back/Forward as visibility changes.

Nothing is ever deleted on its own: every result stays a layer until the user deletes it or
asks to drop the oldest, and an Undo of that brings the entry back with the layer. Which result
is "current" is not stored but derived from the layers' eyes each time (the top-most visible
result), so a user who toggles an eye by hand is respected: Back then goes back from what they
see.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

HISTORY_VERSION = 2


@dataclass
class Entry:
    """One result: how it was made and which layer holds it."""

    n: int
    layer_id: str
    seed: int
    model: str = ""
    time: float = field(default_factory=time.time)
    inputs_hash: str = ""
    width: int = 0
    height: int = 0
    live: bool = False  # kept from live mode
    tiles: str = ""  # local_redraw.TileSig of the inputs: what auto-local compares with
    seeds: str = ""  # local_redraw.SeedMap when parts were drawn with other seeds ("": seed)
    base: int = 0  # n of the result this one redrew locally (0: drawn whole)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entry:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


# A visibility change: (layer_id, visible).
Change = tuple[str, bool]


@dataclass
class History:
    entries: list[Entry] = field(default_factory=list)
    # Entries whose layer went away in this session (deleted by hand, dropped): kept aside,
    # never saved, because Edit ▸ Undo can bring the layer back (:meth:`readopt`).
    forgotten: list[Entry] = field(default_factory=list, compare=False, repr=False)

    def add(self, entry: Entry) -> None:
        self.entries.append(entry)

    def next_number(self) -> int:
        return max((e.n for e in self.entries), default=0) + 1

    def index_of(self, layer_id: str) -> int | None:
        for i, e in enumerate(self.entries):
            if e.layer_id == layer_id:
                return i
        return None

    def current(self, is_visible: Callable[[str], bool]) -> int | None:
        """Index of the top-most (latest) visible result, or None when all are hidden."""
        for i in range(len(self.entries) - 1, -1, -1):
            if is_visible(self.entries[i].layer_id):
                return i
        return None

    def show_only(self, index: int, is_visible: Callable[[str], bool]) -> list[Change]:
        """Changes that make entry ``index`` the one visible result (the 'jump')."""
        changes: list[Change] = []
        for i, e in enumerate(self.entries):
            want = i == index
            if is_visible(e.layer_id) != want:
                changes.append((e.layer_id, want))
        return changes

    def back(self, is_visible: Callable[[str], bool]) -> list[Change]:
        """Show n−1, hide n. With everything hidden there is nothing to go back from."""
        cur = self.current(is_visible)
        if cur is None or cur == 0:
            return []
        return self.show_only(cur - 1, is_visible)

    def forward(self, is_visible: Callable[[str], bool]) -> list[Change]:
        """Show n+1, hide n; with everything hidden, show the first result."""
        cur = self.current(is_visible)
        target = 0 if cur is None else cur + 1
        if target >= len(self.entries):
            return []
        return self.show_only(target, is_visible)

    def beyond_limit(self, limit: int, is_visible: Callable[[str], bool]) -> list[Entry]:
        """The oldest entries over ``limit``, never the one shown (the caller asks the user)."""
        extra = len(self.entries) - max(1, limit)
        if extra <= 0:
            return []
        cur = self.current(is_visible)
        return [e for i, e in enumerate(self.entries) if i != cur][:extra]

    def prune_missing(self, exists: Callable[[str], bool]) -> list[Entry]:
        """Forget entries whose layer the user deleted by hand; returns them."""
        gone = [e for e in self.entries if not exists(e.layer_id)]
        self.entries = [e for e in self.entries if exists(e.layer_id)]
        self.forgotten += gone
        return gone

    def readopt(self, exists: Callable[[str], bool]) -> list[Entry]:
        """Take back forgotten entries whose layer is there again (an Undo), in their order."""
        back = [e for e in self.forgotten if exists(e.layer_id)]
        if back:
            self.forgotten = [e for e in self.forgotten if not exists(e.layer_id)]
            self.entries = sorted(self.entries + back, key=lambda e: e.n)
        return back

    def to_dict(self) -> dict[str, Any]:
        return {"version": HISTORY_VERSION, "entries": [e.to_dict() for e in self.entries]}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> History:
        """Read any version written so far; unknown future versions load what they can."""
        if not data:
            return cls()
        version = int(data.get("version", 1))
        items = data.get("entries", data.get("results", []))
        entries = []
        for i, item in enumerate(items):
            if not isinstance(item, dict) or "layer_id" not in item:
                continue
            if version < 2:
                # v1 stored the number as "index" (0-based) and no size.
                item = dict(item)
                item.setdefault("n", int(item.pop("index", i)) + 1)
            entries.append(Entry.from_dict(item))
        return cls(entries)
