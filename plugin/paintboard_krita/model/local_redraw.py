"""Local redraw (issue #12): which part of the picture a Draw! replaces, and with which seed.

Pure Python (no Qt, no numpy), so the decisions are unit-tested outside Krita; the pixels are
composited by ``compose.py`` inside Krita.

Why tile signatures and not a copy of the inputs: auto-local mode compares the layers with those
of the result being shown, and that comparison must survive saving and reopening the ``.kra``.
Storing both layers per result would put megabytes into the document annotation; one CRC-32 per
tile (at most 128 × 128 tiles, zlib-packed, uniform tiles compress to nothing) is a few KB and
still says *where* the user changed something, to the tile.
"""

from __future__ import annotations

import base64
import math
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

SIG_VERSION = "t2"  # t2: separate stroke checksums (t1 entries draw everything once)
GRID = 128  # at most this many tiles along the long side
MIN_TILE = 4  # px; smaller tiles would only make the signature bigger
FULL_ABOVE = 0.9  # a grown change covering more of the picture than this → draw everything


def tile_size(width: int, height: int) -> int:
    return max(MIN_TILE, math.ceil(max(width, height) / GRID))


def feather_px(width: int, height: int, working_size: int) -> int:
    """Width of the soft border, in document pixels: about two working pixels.

    The generator works at ``working_size`` on the long side, so one of its pixels covers
    ``long side / working_size`` document pixels; a border narrower than that would show the
    upscaled result's own pixel steps as a seam.
    """
    return max(3, math.ceil(2 * max(width, height) / max(1, working_size)))


def tiles_across(length: int, tile: int) -> int:
    """Tiles of ``tile`` px over ``length`` px; the last one may be cut short."""
    return -(-length // tile)


class _OnTileGrid:
    """``nx`` × ``ny`` of a ``width`` × ``height`` document cut into ``tile`` px squares."""

    width: int
    height: int
    tile: int

    @property
    def nx(self) -> int:
        return tiles_across(self.width, self.tile)

    @property
    def ny(self) -> int:
        return tiles_across(self.height, self.tile)


def _layer_crcs(buf: bytes, width: int, height: int, tile: int) -> list[int]:
    """CRC-32 of every tile (row-major); C-speed slices of a memoryview, no per-pixel Python."""
    stride = width * 4
    nx = tiles_across(width, tile)
    edges = [(x * tile * 4, min(width, (x + 1) * tile) * 4) for x in range(nx)]
    mv = memoryview(buf)
    crc32 = zlib.crc32
    out: list[int] = []
    for y0 in range(0, height, tile):
        crcs = [0] * nx
        for y in range(y0, min(height, y0 + tile)):
            row = mv[y * stride:(y + 1) * stride]
            crcs = [crc32(row[a:b], c) for (a, b), c in zip(edges, crcs)]  # noqa: B905
        out.extend(crcs)
    return out


@dataclass(frozen=True)
class TileSig(_OnTileGrid):
    """Per-tile checksums of the labels and of the strokes at document size, kept apart
    because a changed colour stroke recolours its whole region, not just its tiles."""

    width: int
    height: int
    tile: int
    label_crcs: tuple[int, ...]
    stroke_crcs: tuple[int, ...]

    @classmethod
    def of(cls, width: int, height: int, labels: bytes, strokes: bytes) -> TileSig:
        tile = tile_size(width, height)
        return cls(width, height, tile, tuple(_layer_crcs(labels, width, height, tile)),
                   tuple(_layer_crcs(strokes, width, height, tile)))

    @classmethod
    def of_inputs(cls, inputs) -> TileSig:
        return cls.of(inputs.width, inputs.height, inputs.labels, inputs.strokes)

    def encode(self) -> str:
        raw = struct.pack(f"<{2 * len(self.label_crcs)}I", *self.label_crcs, *self.stroke_crcs)
        packed = base64.b64encode(zlib.compress(raw, 9)).decode("ascii")
        return f"{SIG_VERSION}:{self.width}x{self.height}:{self.tile}:{packed}"

    @classmethod
    def decode(cls, text: str | None) -> TileSig | None:
        """None for anything unreadable (an older entry has no signature: draw everything)."""
        if not text:
            return None
        try:
            version, size, tile, packed = text.split(":", 3)
            if version != SIG_VERSION:
                return None
            w, h = (int(v) for v in size.split("x"))
            raw = zlib.decompress(base64.b64decode(packed))
            crcs = struct.unpack(f"<{len(raw) // 4}I", raw)
            n = len(crcs) // 2
            sig = cls(w, h, int(tile), tuple(crcs[:n]), tuple(crcs[n:]))
        except (ValueError, zlib.error, struct.error):
            return None
        ok = len(sig.label_crcs) == len(sig.stroke_crcs) == sig.nx * sig.ny
        return sig if ok else None


Rect = tuple[int, int, int, int]  # x, y, width, height in document pixels


@dataclass
class TileMask(_OnTileGrid):
    """A set of tiles on the document's tile grid (one byte per tile, 0 or 1)."""

    width: int
    height: int
    tile: int
    bits: bytearray

    @classmethod
    def changed(cls, old: TileSig, new: TileSig) -> TileMask | None:
        """Tiles whose labels or strokes differ; None when the two cannot be compared."""
        if (old.width, old.height, old.tile) != (new.width, new.height, new.tile):
            return None
        pairs = zip(old.label_crcs, new.label_crcs, old.stroke_crcs, new.stroke_crcs)  # noqa: B905
        bits = bytearray(int(la != lb or sa != sb) for la, lb, sa, sb in pairs)
        return cls(new.width, new.height, new.tile, bits)

    @property
    def count(self) -> int:
        return self.bits.count(1)

    @property
    def fraction(self) -> float:
        return self.count / max(1, len(self.bits))

    def grown(self, n: int) -> TileMask:
        """Dilated by ``n`` tiles in every direction (a square), separably: rows, then columns."""
        nx, ny = self.nx, self.ny
        if n <= 0:
            return TileMask(self.width, self.height, self.tile, bytearray(self.bits))
        horiz = bytearray(len(self.bits))
        for j in range(ny):
            row = self.bits[j * nx:(j + 1) * nx]
            for i in range(nx):
                if row[i]:
                    horiz[j * nx + max(0, i - n):j * nx + min(nx, i + n + 1)] = \
                        b"\1" * (min(nx, i + n + 1) - max(0, i - n))
        out = bytearray(len(self.bits))
        for j in range(ny):
            row = horiz[j * nx:(j + 1) * nx]
            if not any(row):
                continue
            for k in range(max(0, j - n), min(ny, j + n + 1)):
                dst = out[k * nx:(k + 1) * nx]
                out[k * nx:(k + 1) * nx] = bytes(a | b for a, b in zip(dst, row))  # noqa: B905
        return TileMask(self.width, self.height, self.tile, out)

    def bbox(self) -> Rect | None:
        """Bounding rectangle of the set tiles in document pixels (clipped), None when empty."""
        nx = self.nx
        idx = [i for i, b in enumerate(self.bits) if b]
        if not idx:
            return None
        xs = [i % nx for i in idx]
        ys = [i // nx for i in idx]
        x0, y0 = min(xs) * self.tile, min(ys) * self.tile
        x1 = min(self.width, (max(xs) + 1) * self.tile)
        y1 = min(self.height, (max(ys) + 1) * self.tile)
        return x0, y0, x1 - x0, y1 - y0

    def pixels(self, rect: Rect) -> bytes:
        """One byte per pixel (0 or 255) over ``rect``, row-major: a hard selection mask."""
        x, y, w, h = rect
        nx, t = self.nx, self.tile
        rows = []
        for j in range(y // t, tiles_across(y + h, t)):
            full = b"".join((b"\xff" if self.bits[j * nx + i] else b"\0") * t for i in range(nx))
            line = full[x:x + w]
            top, bottom = max(y, j * t), min(y + h, (j + 1) * t)
            rows.append(line * (bottom - top))
        return b"".join(rows)


def margin_tiles(tile: int, feather: int) -> int:
    """Tiles to grow a change by so the soft border (2 × feather, inside the mask) and one more
    tile of context lie outside the changed tiles: changed pixels are always fully redrawn."""
    return max(1, math.ceil((2 * feather + tile) / tile))


@dataclass
class SeedMap:
    """Which seed drew each tile of a result.

    A result made by a local redraw is a patchwork: the selection drawn with a new seed, the rest
    with the base's. Editing it later must continue each part with *its* seed, or a repainted path
    gets the grass of another seed than the grass around it. Stored per entry as ``seeds``: ""
    when every tile is the entry's own seed (every whole Draw!), else the distinct seeds and one
    zlib-packed index byte per tile.
    """

    seeds: list[int]
    index: bytearray  # per tile, an index into seeds

    @classmethod
    def uniform(cls, n_tiles: int, seed: int) -> SeedMap:
        return cls([seed], bytearray(n_tiles))

    @classmethod
    def decode(cls, text: str | None, n_tiles: int, seed: int) -> SeedMap:
        """Anything unreadable or of another size counts as 'all tiles are ``seed``'."""
        if text:
            try:
                head, packed = text.split(":", 1)
                seeds = [int(v) for v in head.split(",")]
                index = bytearray(zlib.decompress(base64.b64decode(packed)))
                if len(index) == n_tiles and max(index, default=0) < len(seeds):
                    return cls(seeds, index)
            except (ValueError, zlib.error):
                pass
        return cls.uniform(n_tiles, seed)

    def encode(self, own_seed: int) -> str:
        used = sorted(set(self.index))
        if len(used) == 1 and self.seeds[used[0]] == own_seed:
            return ""
        packed = base64.b64encode(zlib.compress(bytes(self.index), 9)).decode("ascii")
        return ",".join(str(v) for v in self.seeds) + ":" + packed

    def majority(self, bits: bytes | bytearray) -> int | None:
        """The seed of most tiles where ``bits`` is set; None when no bit is set."""
        counts = [0] * len(self.seeds)
        for i, b in enumerate(bits):
            if b:
                counts[self.index[i]] += 1
        return self.seeds[counts.index(max(counts))] if any(counts) else None

    def painted(self, bits: bytes | bytearray | None, seed: int) -> SeedMap:
        """This map with ``seed`` on the tiles where ``bits`` is set (all tiles when None);
        seeds no tile uses any more are dropped, so the map never grows past the tiles' 256."""
        if bits is None:
            return SeedMap.uniform(len(self.index), seed)
        seeds = list(self.seeds)
        if seed not in seeds:
            seeds.append(seed)
        k = seeds.index(seed)
        index = bytearray(k if b else v for v, b in zip(self.index, bits))  # noqa: B905
        used = sorted(set(index))
        remap = {old: new for new, old in enumerate(used)}
        return SeedMap([seeds[u] for u in used], bytearray(remap[v] for v in index))


def tiles_of_alpha(rect: Rect, alpha: bytes, width: int, height: int,
                   grid_width: int | None = None, grid_height: int | None = None) -> bytearray:
    """The tiles whose centre pixel a soft mask (``rect`` + one byte per pixel, document
    pixels of ``width``×``height``) mostly covers: where a selection redraw put its new seed.
    The tiles are those of a ``grid_width``×``grid_height`` signature (the reduced layers')."""
    gw, gh = grid_width or width, grid_height or height
    tile = tile_size(gw, gh)
    nx, ny = tiles_across(gw, tile), tiles_across(gh, tile)
    x0, y0, w, h = rect
    bits = bytearray(nx * ny)
    for j in range(ny):
        cy = int((min(gh - 1, j * tile + tile // 2) + 0.5) * height / gh) - y0
        if not 0 <= cy < h:
            continue
        for i in range(nx):
            cx = int((min(gw - 1, i * tile + tile // 2) + 0.5) * width / gw) - x0
            if 0 <= cx < w and alpha[cy * w + cx] >= 128:
                bits[j * nx + i] = 1
    return bits


@dataclass
class Plan:
    """What a Draw!/Variation/live update does.

    mode: ``"full"`` (replace everything), ``"local"`` (replace ``mask``/the selection only, keep
    the base result's pixels elsewhere), ``"nothing"`` (the inputs are those of the base result).
    ``redrawn``: the tiles drawn with ``seed`` (None = all), for the new result's seed map.
    """

    mode: str
    seed: int
    reason: str = ""
    base_layer: str | None = None  # the layer whose pixels are kept outside the mask
    base_n: int = 0
    mask: TileMask | None = None  # auto-local; None with mode "local" = use the selection
    selection: bool = False
    redrawn: bytearray | None = None
    base_seeds: SeedMap | None = None  # filled in by the caller, for the new seed map


def plan(action: str, *, base_layer: str | None, base_n: int, base_seeds: SeedMap | None,
         base_sig: TileSig | None, sig: TileSig, selection: bytearray | None, auto_local: bool,
         feather: int, new_seed: Callable[[], int]) -> Plan:
    """Decide full / local / nothing.  ``action`` is ``"draw"``, ``"variation"`` or ``"live"``;
    ``selection`` is the tiles a selection covers (None without one).

    - A selection with a result to keep → local inside the selection. Draw! continues with the
      seed the base drew that part with when the inputs changed (so the new part fits what it
      replaces), else takes a new one (the user asked for a new lake); Variation always takes a
      new seed.
    - Auto-local, no selection → the tiles whose labels changed since the base, grown by a
      margin, with the seed that drew the surrounding tiles; a changed colour stroke → the whole
      picture with the base's seed (a dab recolours its whole region); nothing changed →
      nothing (Variation still varies everything).
    - Otherwise the old behaviour: everything, Draw! with a new seed, live with the base's.
    """
    base = base_layer is not None and base_seeds is not None
    n_tiles = sig.nx * sig.ny
    seeds = base_seeds if base_seeds is not None else SeedMap.uniform(n_tiles, 0)
    whole = seeds.majority(b"\1" * len(seeds.index))
    unchanged = base_sig is not None and base_sig == sig
    if selection is not None and base and action != "live":
        keep = action == "draw" and base_sig is not None and not unchanged
        seed = (seeds.majority(selection) or whole) if keep else new_seed()
        return Plan("local", seed, "the selection", base_layer, base_n, None, True, selection)
    if action == "variation" or not (auto_local and base and base_sig is not None):
        if action == "live" and base:
            return Plan("full", whole, "", base_layer, base_n)
        return Plan("full", new_seed(), "")
    changed = TileMask.changed(base_sig, sig)
    if changed is None:
        return Plan("full", whole, "the image size changed")
    if changed.count == 0:
        return Plan("nothing", whole, "Nothing changed since the result shown",
                    base_layer, base_n)
    if base_sig.stroke_crcs != sig.stroke_crcs:
        # a dab asks for its whole region's colour (the region colour map): redrawing only the
        # dab's tiles would paint an orange patch into a blue sky.  Same seed: with the model's
        # moods the regions without dabs keep their colours.
        return Plan("full", whole, "a colour stroke recolours its whole region",
                    base_layer, base_n)
    grown = changed.grown(margin_tiles(sig.tile, feather))
    ring = bytearray(g & ~c & 1 for g, c in zip(grown.bits, changed.bits))  # noqa: B905
    seed = seeds.majority(ring) or seeds.majority(grown.bits) or whole
    if len(seeds.seeds) > 1:  # the margin stops where another seed drew: keep those tiles
        k = seeds.seeds.index(seed)
        both = zip(changed.bits, grown.bits, seeds.index)  # noqa: B905
        grown.bits = bytearray(c | (g & (i == k)) for c, g, i in both)
    if grown.fraction > FULL_ABOVE:
        return Plan("full", seed, "most of the picture changed", base_layer, base_n)
    return Plan("local", seed, f"the changed {grown.fraction:.0%}", base_layer, base_n, grown,
                False, grown.bits)
