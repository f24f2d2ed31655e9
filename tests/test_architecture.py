"""The house rules, checked: layers import downwards only, no cycles, one home per rule.

Read from the source (``ast``), nothing is imported, so these run in well under a second. A
failure names the file and line and says which rule it breaks; the fix is to use the rule's
home (named in the message), not to add an exception here.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BACKEND = ROOT / "backend" / "paintboard"
PLUGIN = ROOT / "plugin" / "paintboard_krita"

# Bottom to top: a module may import its own layer and the layers below, never one above.
# Names are the first component under ``paintboard`` ("paintboard" = the package itself).
LAYERS: list[tuple[str, set[str]]] = [
    ("base", {"paintboard", "palette", "unit_range", "device"}),
    ("pixels", {"images", "labels"}),
    ("model", {"features", "moods", "nets", "weights", "synth"}),
    ("engine", {"inference", "data"}),
    ("evaluation", {"evaluation"}),
    ("training", {"train"}),
    # The wire format sits at the edge: nothing of the model (images, inference, weights...)
    # may know it. Only serving, the benchmarks and the command line speak the protocol.
    ("wire", {"protocol"}),
    ("edge", {"serving", "bench"}),
    ("app", {"commands", "cli"}),
]
LAYER_OF = {name: i for i, (_, names) in enumerate(LAYERS) for name in names}

MAX_LINES = 400
LONG_REASON = "Why this module is long:"  # a module over MAX_LINES states its reason so


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(BACKEND.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _backend_modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(BACKEND.rglob("*.py"))}


def _imports(path: Path, module: str, known: set[str]) -> Iterator[tuple[str, int]]:
    """Backend modules that ``module`` imports (at any depth: lazy imports count too)."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            # "from paintboard import images" imports the module paintboard.images
            targets = [f"{source}.{a.name}" for a in node.names]
            targets = [t if t in known else source for t in targets]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != module:
                yield target, node.lineno


def _graph() -> dict[str, dict[str, int]]:
    modules = _backend_modules()
    known = set(modules)
    return {m: dict(_imports(p, m, known)) for m, p in modules.items()}


def _layer(module: str) -> int:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "paintboard"
    assert top in LAYER_OF, f"{module}: add '{top}' to a layer in tests/test_architecture.py"
    return LAYER_OF[top]


def test_every_module_has_a_layer_and_imports_only_downwards() -> None:
    upward = []
    for module, targets in _graph().items():
        for target, line in targets.items():
            if _layer(target) > _layer(module):
                upward.append(
                    f"{module}:{line} imports {target} "
                    f"({LAYERS[_layer(module)][0]} → {LAYERS[_layer(target)][0]})"
                )
    assert not upward, "upward imports:\n" + "\n".join(upward)


def test_no_import_cycles() -> None:
    graph = {m: set(t) for m, t in _graph().items()}
    # A package's __init__ re-exporting its submodules is not a cycle of design.
    for m in graph:
        graph[m] = {t for t in graph[m] if not m.startswith(t + ".")}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_shared_files_stay_stdlib_only() -> None:
    """protocol.py and palette.py run inside Krita's Python (no numpy, no pyzmq at import)."""
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    for name in ("protocol.py", "palette.py"):
        tree = ast.parse((BACKEND / name).read_text(encoding="utf-8"))
        for node in tree.body:  # module level only: protocol.open_dealer imports zmq lazily
            if isinstance(node, ast.Import):
                roots = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                roots = [(node.module or "").split(".")[0]] if not node.level else ["."]
            else:
                continue
            bad = [r for r in roots if r not in stdlib]
            assert not bad, f"{name}:{node.lineno} imports {bad} at module level"
        assert (PLUGIN / name).resolve() == (BACKEND / name).resolve(), f"{name} symlink"


# ---- one home per rule --------------------------------------------------------------------


def _sources(*roots: Path) -> Iterator[tuple[Path, ast.AST]]:
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if path.is_symlink() or "vendor" in path.parts:
                continue
            yield path, ast.parse(path.read_text(encoding="utf-8"))


CODE = (BACKEND, PLUGIN, ROOT / "scripts", ROOT / "installer")


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"


def _enclosing_functions(tree: ast.AST) -> dict[ast.AST, str]:
    """node → name of the innermost function holding it (ast.walk is breadth first, so an
    inner definition is visited after its outer one and overwrites it)."""
    owner: dict[ast.AST, str] = {}
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if node is not fn:
                    owner[node] = fn.name
    return owner


def _channel_axis(call: ast.Call) -> bool:
    values = [k.value for k in call.keywords if k.arg == "axis"] + list(call.args[:1])
    def is_channel(v: ast.AST) -> bool:
        if isinstance(v, ast.UnaryOp) and isinstance(v.operand, ast.Constant):
            return v.operand.value == 1  # -1
        return isinstance(v, ast.Constant) and v.value in (2, -1)

    return any(is_channel(v) for v in values)


def test_the_stroke_rule_has_one_home() -> None:
    """"RGB stroke = non-black pixel" is images.stroke_rgba; a reduction over the colour axis
    (``.any(axis=2)``, ``.max(axis=-1) > 0``) anywhere else is a second copy of it."""
    copies = []
    for path, tree in _sources(BACKEND, ROOT / "scripts"):
        owner = _enclosing_functions(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            home = (path.name, owner.get(node)) == ("images.py", "stroke_rgba")
            if node.func.attr in ("any", "max") and _channel_axis(node) and not home:
                copies.append(_where(path, node))
    assert not copies, f"stroke rule copied (use images.stroke_rgba): {copies}"


def test_unit_range_arithmetic_has_one_home() -> None:
    """127.5 (uint8 ↔ [-1, 1]) appears only in unit_range.py."""
    copies = [
        _where(path, node)
        for path, tree in _sources(BACKEND, ROOT / "scripts")
        if path.name != "unit_range.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value == 127.5
    ]
    assert not copies, f"[-1, 1] ↔ uint8 arithmetic copied (use unit_range): {copies}"


def _string_keys(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Dict):
        return {k.value for k in node.keys if isinstance(k, ast.Constant)}
    if isinstance(node, ast.Call):
        return {k.arg for k in node.keywords if k.arg}
    return set()


def test_generate_header_is_built_only_by_protocol() -> None:
    """A dict or call spelling out generate's fields outside protocol.generate_fields."""
    fields = {"labels", "out_format"}
    copies = [
        _where(path, node)
        for path, tree in _sources(*CODE)
        if path.name != "protocol.py"
        for node in ast.walk(tree)
        if fields <= _string_keys(node)
    ]
    assert not copies, f"generate header built by hand (use protocol.generate_fields): {copies}"


def _string_constants(tree: ast.AST) -> Iterator[ast.Constant]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node


@pytest.mark.parametrize(
    ("needle", "home", "roots"),
    [
        # the serve command line: protocol.SERVE_ARGS / protocol.serve_command
        ("paintboard.cli", "protocol.py", CODE),
        # the loopback rule: protocol.is_loopback_host / protocol.endpoint_is_local
        ("is_loopback", "protocol.py", CODE),
    ],
)
def test_spelled_once(needle: str, home: str, roots: tuple[Path, ...]) -> None:
    copies = []
    for path, tree in _sources(*roots):
        if path.name == home:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value == needle:
                copies.append(_where(path, node))
            if isinstance(node, ast.Attribute) and node.attr == needle:
                copies.append(_where(path, node))
    assert not copies, f"{needle!r} outside {home}: {copies}"


def test_dealer_sockets_are_set_up_in_one_place() -> None:
    """Every DEALER (plugin transport, backend client, bench and fuzz probes) comes from
    protocol.open_dealer, so LINGER/MAXMSGSIZE/reconnect/CURVE are set the same way."""
    copies = [
        _where(path, node)
        for path, tree in _sources(*CODE)
        if path.name != "protocol.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "DEALER"
    ]
    assert not copies, f"DEALER set up by hand (use protocol.open_dealer): {copies}"


def _calls(node: ast.AST) -> set[str]:
    return {
        n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")
        for n in ast.walk(node)
        if isinstance(n, ast.Call)
    }


def test_the_cell_grid_has_one_home() -> None:
    """The cell → rectangle rule is features.cell_edges / cell_rectangles. Elsewhere: no
    ``arange(...) * n // s`` edges, and a function of one of those names must delegate."""
    names = {"cell_rectangles", "_cell_rectangles", "hint_rectangles", "cell_edges"}
    copies = []
    for path, tree in _sources(BACKEND, ROOT / "scripts"):
        if path.name == "features.py":
            continue
        for node in ast.walk(tree):
            edges = isinstance(node, ast.BinOp) and isinstance(node.op, ast.FloorDiv)
            if edges and "arange" in _calls(node.left):
                copies.append(_where(path, node))
            named = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in names
            if named and not _calls(node) & {"cell_rectangles", "cell_edges"}:
                copies.append(_where(path, node))
    assert not copies, f"cell grid rule computed outside features.py: {copies}"


def test_long_modules_state_why() -> None:
    long = []
    for path, _ in _sources(*CODE):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_LINES and LONG_REASON not in text:
            long.append(f"{path.relative_to(ROOT)} ({text.count(chr(10))} lines)")
    assert not long, (
        f"modules over {MAX_LINES} lines without a '{LONG_REASON}' note (split them, or say "
        f"why not in the module docstring): {long}"
    )


def test_the_plugin_imports_nothing_of_the_backend() -> None:
    """Krita's Python has no numpy/torch: the plugin shares only protocol.py and palette.py,
    through its own symlinks, never ``import paintboard...``."""
    found = []
    for path, tree in _sources(PLUGIN):
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            found += [_where(path, node) for n in names if n.split(".")[0] == "paintboard"]
    assert not found, f"plugin imports the backend package: {found}"
