"""One log line per request, the same shape from the main thread and the worker.

``client=<last 8 hex of the ROUTER identity> id=<request id> op=<op> status=<ok|code> detail``:
enough to follow one client's requests in a busy log without printing whole headers.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("paintboard.server")


def client_tag(identity: bytes) -> str:
    return identity.hex()[-8:] or "-"


def short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def log_request(client: bytes, rid: Any, op: Any, status: str, detail: str = "") -> None:
    log.info("client=%s id=%s op=%s status=%s %s",
             client_tag(client), short(rid), op, status, detail)  # fmt: skip
