"""Run the Paintboard backend: a ZeroMQ server the Krita plugin (or `paintboard` clients) talk to.

Listens on tcp://127.0.0.1:5557 by default. Listening on any other interface needs CURVE keys
(--curve-keys DIR, made once with --make-keys DIR): an open generation port on a network is never
an option. Stop with Ctrl+C or SIGTERM; the server finishes cleanly and exits 0.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from paintboard import protocol

HELP = "run the backend server the Krita plugin connects to (ZeroMQ, loopback by default)"

log = logging.getLogger("paintboard.serve")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        "--listen",
        dest="host",
        default=protocol.DEFAULT_HOST,
        help="interface to bind (default %(default)s); anything but loopback needs --curve-keys",
    )
    parser.add_argument(
        "--port", type=int, default=protocol.DEFAULT_PORT, help="TCP port (default %(default)s)"
    )
    parser.add_argument("--weights", default=None, help="generator .safetensors (default: shipped)")
    parser.add_argument("--device", default=None, help="cuda | mps | cpu (default: best available)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument(
        "--curve-keys",
        metavar="DIR",
        default=None,
        help="enable CURVE: DIR/server.key_secret + authorised client keys in DIR/clients/",
    )
    parser.add_argument(
        "--force-curve",
        action="store_true",
        help="require --curve-keys even on loopback (tests, shared machines)",
    )
    parser.add_argument(
        "--make-keys",
        metavar="DIR",
        default=None,
        help="write a server and a client CURVE key pair into DIR and exit",
    )


def _endpoint(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):  # IPv6 literal
        host = f"[{host}]"
    return f"tcp://{host}:{port}"


def run(args: argparse.Namespace) -> int:
    from paintboard.serving import curve

    if args.make_keys:
        directory = curve.make_keys(args.make_keys)
        print(f"server keys: {directory}/server.key(_secret); client keys: {directory}/client.key")
        print(f"authorised clients: {directory}/{curve.CLIENTS_DIR}/ (one *.key per client)")
        return 0
    if not 0 <= args.port <= 65535:
        print(f"paintboard serve: error: --port {args.port} is not a TCP port", file=sys.stderr)
        return 2
    loopback = protocol.is_loopback_host(args.host)
    if not loopback and not args.curve_keys:
        print(
            f"paintboard serve: error: refusing to listen on {args.host!r} without CURVE keys. "
            "Only loopback (127.0.0.1) is served unencrypted; for other interfaces create keys "
            "with `paintboard serve --make-keys DIR` and pass `--curve-keys DIR`.",
            file=sys.stderr,
        )
        return 2
    if args.force_curve and not args.curve_keys:
        print("paintboard serve: error: --force-curve needs --curve-keys DIR", file=sys.stderr)
        return 2
    curve_config = None
    if args.curve_keys:
        try:
            curve_config = curve.load_server(args.curve_keys)
        except curve.CurveError as exc:
            print(f"paintboard serve: error: {exc}", file=sys.stderr)
            return 2

    # Heavy imports only now, so that --help and --make-keys stay instant.
    from paintboard.inference import Engine
    from paintboard.serving.server import Server
    from paintboard.weights import WeightsError

    try:
        engine = Engine(weights=args.weights, device=args.device, threads=args.threads)
    except WeightsError as exc:
        print(f"paintboard serve: error: {exc}", file=sys.stderr)
        return 2
    server = Server(engine, _endpoint(args.host, args.port), curve=curve_config)
    try:
        server.bind()
    except Exception as exc:  # zmq.ZMQError: address in use, bad interface
        print(
            f"paintboard serve: error: cannot listen on {server.endpoint}: {exc}", file=sys.stderr
        )
        return 2

    def _stop(signum: int, _frame: object) -> None:
        log.info("%s received, shutting down", signal.Signals(signum).name)
        server.stop()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    server.serve_forever()
    return 0
