"""Which working size a request asks for (the generator's longest side), from the document.

A 256-px picture stretched over an A4 page is a 14× upscale: blurry. With "auto", Draw! works
at the document's long side, capped by what the backend can do quickly (GPU 1024, CPU 512),
and never below the size the model was trained around (small documents are drawn at 256 and
shrunk, see ``images.working_size``). Live mode answers while the user paints, so it stays at
256 whatever the document.
"""

from __future__ import annotations

from typing import Any

from .. import protocol

AUTO_MAX_GPU = 1024
AUTO_MAX_CPU = 512
LIVE_SIZE = protocol.DEFAULT_WORKING_SIZE


def backend_has_gpu(info: dict[str, Any] | None) -> bool:
    """The backend's ``info`` reply names its torch device: ``cuda:0``, ``mps``, ``cpu``."""
    device = str((info or {}).get("device") or "").lower()
    return device.startswith(("cuda", "mps"))


def choose(width: int, height: int, *, auto: bool, fixed: int, live: bool,
           info: dict[str, Any] | None) -> int:
    """The ``size`` field of a generate request for a ``width``×``height`` document."""
    if not auto:
        return int(fixed)
    if live:
        return LIVE_SIZE
    cap = AUTO_MAX_GPU if backend_has_gpu(info) else AUTO_MAX_CPU
    side = max(protocol.DEFAULT_WORKING_SIZE, max(width, height))
    return max(protocol.MIN_WORKING_SIZE, min(cap, side, protocol.MAX_WORKING_SIZE))


def sent_size(width: int, height: int, longest: int) -> tuple[int, int]:
    """(w, h) of the layers sent for a ``width``×``height`` document at working size ``longest``.

    Only ever a reduction: a document within the working size travels as it is (the backend
    scales it to its working size itself). A reduced document's long side is exactly
    ``longest``, so the backend's own working-size rule leaves it as it arrives.
    """
    if max(width, height) <= longest:
        return width, height
    scale = longest / max(width, height)
    return (min(longest, max(1, round(width * scale))),
            min(longest, max(1, round(height * scale))))
