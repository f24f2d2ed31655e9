"""``install.py --check``: a diagnosis that changes nothing.

Each line says what is there or what is missing and the exact command that fixes it; the exit
code is 0 only when every check passes, so scripts and CI can rely on it. Checks that do not
apply (backend checks with --skip-backend) are shown as skipped, not as passed.
"""

from __future__ import annotations

import shlex
from typing import Any

from . import DESKTOP_FILE, KRITARC_KEY, SETTINGS_FILE, backend, kritapython, kritarc, plugin_files
from .report import FAIL, OK, SKIP


def check(ctx: Any) -> int:
    """Run every check against ``ctx`` (install.Context); print the summary; 0 = all good."""
    rep = ctx.report
    install_cmd = ctx.rerun()
    print(f"Paintboard check (installer: {ctx.repo})")
    _check_backend(ctx, install_cmd)

    rep.add(
        "pykrita folder",
        OK if ctx.pykrita.is_dir() else FAIL,
        f"{ctx.pykrita} ({ctx.location.flavour})"
        + ("" if ctx.pykrita.is_dir() else " does not exist"),
        install_cmd,
    )
    _check_plugin(ctx, install_cmd)
    _check_zmq(ctx, install_cmd)

    enabled = kritarc.is_enabled(kritarc.read(ctx.kritarc), KRITARC_KEY)
    rep.add(
        "enabled in kritarc",
        OK if enabled else FAIL,
        f"{KRITARC_KEY}=true in {ctx.kritarc}"
        if enabled
        else f"no {KRITARC_KEY}=true under [python] in {ctx.kritarc}",
        install_cmd,
    )
    _check_settings(ctx, install_cmd)
    _check_port(ctx)
    rep.summary("Check summary:")
    return 1 if rep.failed else 0


def _check_backend(ctx: Any, install_cmd: str) -> None:
    rep = ctx.report
    if ctx.args.skip_backend:
        for name in ("backend venv", "backend importable", "torch", "weights"):
            rep.add(name, SKIP, "not checked (--skip-backend)")
        return
    if not ctx.python.exists():
        rep.add("backend venv", FAIL, f"no Python at {ctx.python}", install_cmd)
        for name in ("backend importable", "torch", "weights"):
            rep.add(name, SKIP, "needs the backend venv")
        return
    rep.add("backend venv", OK, str(ctx.venv))
    state = backend.backend_state(ctx.python)
    pip_fix = f"{ctx.python} -m pip install -e {shlex.quote(str(ctx.repo))}"
    current, why = backend.backend_up_to_date(state, ctx.repo)
    rep.add("backend importable", OK if current else FAIL, why, pip_fix)
    pin = backend.torch_pin(ctx.repo)
    torch = state.get("torch")
    torch_ok = torch is not None and (pin is None or str(torch).startswith(pin))
    rep.add(
        "torch",
        OK if torch_ok else FAIL,
        f"torch {torch or 'missing'}" + (f" (pyproject pins {pin})" if pin else ""),
        f"{ctx.python} -m pip install torch=={pin}" if pin else pip_fix,
    )
    ok, detail = backend.weights_loadable(ctx.python, ctx.weights)
    rep.add(
        "weights",
        OK if ok else FAIL,
        f"{ctx.weights}: {detail}" if ok else detail,
        "restore weights/small.safetensors (git checkout / git lfs pull) or pass --weights",
    )


def _check_plugin(ctx: Any, install_cmd: str) -> None:
    rep = ctx.report
    if plugin_files.is_dev_link(ctx.pykrita):
        target = (ctx.pykrita / ctx.package.name).resolve()
        rep.add(
            "plugin files", OK if target.is_dir() else FAIL, f"dev link -> {target}", install_cmd
        )
        return
    have = plugin_files.tree_hash(ctx.pykrita)
    want = plugin_files.tree_hash(ctx.plugin_src)
    if have is None:
        rep.add("plugin files", FAIL, f"not installed in {ctx.pykrita}", install_cmd)
    elif not (ctx.pykrita / DESKTOP_FILE).is_file():
        rep.add("plugin files", FAIL, f"{DESKTOP_FILE} missing in {ctx.pykrita}", install_cmd)
    elif want is not None and have != want:
        rep.add(
            "plugin files",
            FAIL,
            f"{ctx.package} differs from {ctx.plugin_src} (older copy)",
            install_cmd,
        )
    else:
        rep.add("plugin files", OK, f"{ctx.package} matches the checkout")
    for name in ("protocol.py", "palette.py"):
        path = ctx.package / name
        if path.is_symlink() and not plugin_files.is_dev_link(ctx.pykrita):
            rep.add(
                "plugin files", FAIL, f"{path} is a symlink, Krita may not follow it", install_cmd
            )


def _check_zmq(ctx: Any, install_cmd: str) -> None:
    rep = ctx.report
    kp = kritapython.detect_for(ctx)
    name = "zmq for Krita's Python"
    fix = "sudo apt-get install -y python3-zmq" if kp.apt_hint else install_cmd
    vendor = ctx.vendor if (ctx.vendor / "zmq").is_dir() else None
    if kp.command:
        ok, detail = kritapython.zmq_importable(kp.command, vendor)
        where = " (vendored)" if vendor and str(ctx.vendor) in detail else ""
        rep.add(
            name,
            OK if ok else FAIL,
            f"Python {kp.version_text} ({kp.source}): "
            + (f"zmq {detail.split()[0]}{where}" if ok else f"cannot import zmq: {detail}"),
            fix,
        )
        return
    if kp.zmq_builtin:
        rep.add(name, OK, f"Python {kp.version_text} ({kp.source}) imports zmq")
    elif kritapython.vendor_fits(ctx.vendor, kp):
        stamp = kritapython.read_stamp(ctx.vendor) or {}
        rep.add(name, OK, f"vendored {stamp.get('wheel')} fits Python {kp.version_text}")
    else:
        rep.add(
            name, FAIL, f"no pyzmq for Python {kp.version_text} ({kp.source}) in {ctx.vendor}", fix
        )


def _check_settings(ctx: Any, install_cmd: str) -> None:
    rep = ctx.report
    path = ctx.package / SETTINGS_FILE
    try:
        settings = plugin_files.read_settings(path)
    except ValueError as exc:
        rep.add("plugin settings", FAIL, str(exc), ctx.rerun("--reset-settings"))
        return
    if settings is None:
        rep.add("plugin settings", FAIL, f"{path} missing", install_cmd)
        return
    cmd = settings.get("backend_command")
    if settings.get("autostart") and isinstance(cmd, list) and cmd:
        from pathlib import Path

        if not Path(str(cmd[0])).exists():
            rep.add(
                "plugin settings",
                FAIL,
                f"backend_command uses {cmd[0]}, which is missing",
                install_cmd,
            )
            return
    rep.add("plugin settings", OK, f"{path} (endpoint {settings.get('endpoint')})")


def _check_port(ctx: Any) -> None:
    rep = ctx.report
    port = ctx.args.port
    if backend.port_free(port):
        rep.add("backend port", OK, f"127.0.0.1:{port} is free (the plugin starts the backend)")
        return
    if ctx.python.exists():
        res = backend.ping(ctx.python, port)
        if res.get("ok"):
            rep.add("backend port", OK, f"a Paintboard backend answers ping on 127.0.0.1:{port}")
            return
        detail = f"127.0.0.1:{port} is busy and does not answer a Paintboard ping"
    else:
        detail = f"127.0.0.1:{port} is busy (no backend venv to ping it with)"
    rep.add(
        "backend port",
        FAIL,
        detail,
        f"stop the program on port {port}, or: {ctx.rerun('--port', str(port + 1))}",
    )
