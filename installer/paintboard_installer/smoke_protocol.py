"""Protocol smoke test, run *inside the backend venv* by the installer (not imported by it).

Starts ``python -m paintboard.cli serve`` on a free loopback port, waits for a ``ping`` answer
(readiness by the protocol, not by parsing log lines), sends one small ``generate`` through
``paintboard.serving.client`` exactly as the plugin would, checks the reply's size, and stops the
server.
With ``--ping-only`` it just pings an already running backend. The last stdout line is a JSON
verdict ``{"ok": bool, ...}`` that the installer reads.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

SKY = (135, 206, 235, 255)
GRASS = (124, 200, 0, 255)


def verdict(**fields: object) -> int:
    print(json.dumps(fields))
    return 0 if fields.get("ok") else 1


def labels_image(width: int, height: int) -> bytes:
    """Sky over grass, RGBA8: a label map any model must accept (no numpy needed)."""
    rows = []
    for y in range(height):
        rows.append(bytes(SKY if y < height // 2 else GRASS) * width)
    return b"".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--weights", default=None)
    parser.add_argument("--ping-only", action="store_true")
    parser.add_argument("--start-timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    try:
        from paintboard import protocol
        from paintboard.serving.client import Client, ClientError
    except Exception as exc:  # backend not installed / not written yet
        return verdict(ok=False, error=f"cannot import paintboard.serving.client: {exc!r}")
    endpoint = f"tcp://{protocol.DEFAULT_HOST}:{args.port}"

    if args.ping_only:
        client = Client(endpoint, timeout=2.0, retries=0)
        try:
            reply = client.ping(timeout=2.0, retries=0)
            return verdict(ok=True, reply=reply)
        except ClientError as exc:
            return verdict(ok=False, error=exc.message)
        finally:
            client.close()

    extra = ["--weights", args.weights] if args.weights else []
    cmd = protocol.serve_command(sys.executable, args.port, *extra)
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    client = Client(endpoint, timeout=60.0, retries=0)
    try:
        deadline = time.monotonic() + args.start_timeout
        t0 = time.monotonic()
        while True:
            if server.poll() is not None:
                err = server.stderr.read().strip().splitlines() if server.stderr else []
                tail = err[-1] if err else f"exit {server.returncode}"
                return verdict(ok=False, error=f"`paintboard serve` exited: {tail}")
            try:
                client.ping(timeout=1.0, retries=0)
                break
            except ClientError:
                if time.monotonic() > deadline:
                    return verdict(ok=False, error="server never answered ping")
                client.reconnect()
        ready_s = time.monotonic() - t0
        width, height = 96, 64
        t1 = time.monotonic()
        header, image = client.generate(labels_image(width, height), None, width, height, seed=1)
        gen_s = time.monotonic() - t1
        if len(image) != width * height * 4:
            return verdict(ok=False, error=f"reply image has {len(image)} bytes")
        return verdict(
            ok=True,
            ready_s=round(ready_s, 2),
            generate_s=round(gen_s, 2),
            model=header.get("model"),
            endpoint=endpoint,
        )
    except ClientError as exc:
        return verdict(ok=False, error=f"{exc.code}: {exc.message}")
    finally:
        client.close()
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == "__main__":
    sys.exit(main())
