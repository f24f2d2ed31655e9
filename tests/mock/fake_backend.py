"""A scriptable stand-in for the Paintboard backend: a pyzmq ROUTER that answers, hangs or dies.

It speaks the real protocol module. Its "generated image" is a cheap, exact function of both
buffers (the labels translated, XOR the strokes; C speed), so tests can check that the plugin
sent exactly the layers' pixels and put exactly the reply's pixels into the layer. Run as a
script for a separate process: ``python fake_backend.py --port N [--mode answer|hang]``.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

import zmq

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "backend"))
from paintboard import palette, protocol  # noqa: E402

TABLE = bytes((v ^ 0x5A) for v in range(256))


def fake_image(labels: bytes, strokes: bytes | None = None) -> bytes:
    """Depends on every byte of both inputs: empty or wrong strokes give another picture."""
    image = labels.translate(TABLE)
    if not strokes:
        return image
    if len(strokes) != len(labels):
        raise ValueError("labels and strokes differ in size")
    mixed = int.from_bytes(image, "little") ^ int.from_bytes(strokes, "little")
    return mixed.to_bytes(len(image), "little")


class FakeBackend:
    """``mode``: 'answer' (reply to everything), 'hang' (read, never reply)."""

    def __init__(self, port: int = 0, mode: str = "answer", opaque: bool = False) -> None:
        self.mode = mode
        self.opaque = opaque  # alpha 255 everywhere, as the real backend answers
        self.context = zmq.Context()
        self.socket = self.context.socket(zmq.ROUTER)
        self.socket.setsockopt(zmq.LINGER, 0)
        if port:
            self.socket.bind(f"tcp://127.0.0.1:{port}")
            self.port = port
        else:
            self.port = self.socket.bind_to_random_port("tcp://127.0.0.1")
        self.endpoint = f"tcp://127.0.0.1:{self.port}"
        self.received: list[dict] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def handle(self, frames: list[bytes]) -> list[bytes] | None:
        header = protocol.decode_header(frames[0])
        self.received.append(header)
        if self.mode == "hang":
            return None
        op = header.get("op")
        if op == "ping":
            return protocol.encode(protocol.ok_reply(header))
        if op == "info":
            return protocol.encode(protocol.ok_reply(
                header, version="fake", device="cpu", model="fake", models=["fake"],
                palette=palette.palette_as_dicts()))
        if op == "generate":
            try:
                f = protocol.check_generate(header, frames[1:])
            except protocol.ProtocolError as exc:
                return protocol.encode(protocol.error_reply(header, exc.code, exc.message))
            image = fake_image(frames[1], frames[2] if len(frames) > 2 else None)
            if self.opaque:
                pixels = bytearray(image)
                pixels[3::4] = b"\xff" * (len(pixels) // 4)
                image = bytes(pixels)
            return protocol.encode(protocol.ok_reply(
                header, width=f["width"], height=f["height"], format=f["out_format"],
                seed=f["seed"], model="fake", timings={"generate": 0.001}), [image])
        return protocol.encode(protocol.ok_reply(header))

    def serve_forever(self) -> None:
        poller = zmq.Poller()
        poller.register(self.socket, zmq.POLLIN)
        while not self._stop.is_set():
            if not poller.poll(50):
                continue
            ident, *frames = self.socket.recv_multipart()
            reply = self.handle(frames)
            if reply is not None:
                self.socket.send_multipart([ident, *reply])
        self.socket.close(linger=0)
        self.context.term()

    def start(self) -> FakeBackend:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def crash(self) -> None:
        """Stop answering and close the port, like a killed process."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--mode", default="answer")
    args = ap.parse_args()
    FakeBackend(args.port, args.mode).serve_forever()


if __name__ == "__main__":
    main()
