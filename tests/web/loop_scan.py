"""A static scan for `async def` functions that block the event loop: each call, on the loop, of a
plain function that opens a database session, hashes or checks a password, or counts on a database
rate limiter, directly or through the functions it calls (followed across the project's modules).

What counts as blocking starts from a few seeds (`BLOCKING_NAMES`, `BLOCKING_METHODS`, a `with
Session(...)`, `engine.connect()` / `engine.begin()`) and spreads to every plain function that calls
one. A call handed to `asyncio.to_thread` is a reference, not a call, so it is not counted; neither is
a call inside a nested `def` or `lambda` that is never called on the loop.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("web", "store", "activities", "workdays")
# Plain functions that block whoever calls them.
BLOCKING_NAMES = {"Session", "hash_password", "verify_password", "burn_password_check"}
# Methods that block, whatever their object: the database rate limiter's (`web.ratelimit`).
BLOCKING_METHODS = {"hit", "allowed"}
ENGINE_METHODS = {"connect", "begin"}

Def = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    function: str
    call: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: async {self.function} calls {self.call} on the event loop"


class _Module:
    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.defs: dict[str, Def] = {
            n.name: n for n in self.tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        self.imports: dict[str, str] = {}  # local name -> dotted target (a module or module.function)
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.imports[alias.asname] = alias.name


def _modules() -> dict[str, _Module]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = _Module(name, path)
    return found


def _calls(body: list[ast.stmt] | ast.expr) -> list[ast.Call]:
    """The calls made when this body runs: not those inside nested functions or lambdas."""
    out: list[ast.Call] = []
    stack: list[ast.AST] = list(body) if isinstance(body, list) else [body]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        if isinstance(node, ast.Call):
            out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return out


class Scan:
    def __init__(self) -> None:
        self.modules = _modules()
        self.blocking: dict[tuple[str, str], str] = {}  # (module, function) -> why
        self._spread()

    def _resolve(self, module: _Module, func: ast.expr, local: dict[str, Def]) -> tuple[str, str] | None:
        """The (module, function) a call's target names, if it is one of the project's functions."""
        if isinstance(func, ast.Name):
            if func.id in local:
                return (f"{module.name}:local", func.id)
            if func.id in module.defs:
                return (module.name, func.id)
            target = module.imports.get(func.id)
            if target:
                owner, _, name = target.rpartition(".")
                return (owner, name)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            target = module.imports.get(func.value.id)
            if target in self.modules:
                return (target, func.attr)
        return None

    def why_blocking(self, module: _Module, call: ast.Call, local: dict[str, Def]) -> str | None:
        func = call.func
        if isinstance(func, ast.Name) and func.id in BLOCKING_NAMES:
            return func.id
        if isinstance(func, ast.Attribute):
            if func.attr in BLOCKING_METHODS and call.args:
                return f".{func.attr}()"
            if func.attr in ENGINE_METHODS and isinstance(func.value, ast.Name) and "engine" in func.value.id:
                return f"{func.value.id}.{func.attr}()"
        target = self._resolve(module, func, local)
        if target is None:
            return None
        if target[0].endswith(":local"):
            return self._local_blocking(module, local[target[1]], local)
        if target in self.blocking:
            return f"{target[1]} ({self.blocking[target]})"
        return None

    def _local_blocking(self, module: _Module, node: Def, local: dict[str, Def]) -> str | None:
        if isinstance(node, ast.AsyncFunctionDef):
            return None
        for call in _calls(node.body):
            why = self.why_blocking(module, call, local)
            if why:
                return f"{node.name} → {why}"
        return None

    def _spread(self) -> None:
        changed = True
        while changed:
            changed = False
            for module in self.modules.values():
                for name, node in module.defs.items():
                    if isinstance(node, ast.AsyncFunctionDef) or (module.name, name) in self.blocking:
                        continue
                    for call in _calls(node.body):
                        why = self.why_blocking(module, call, {})
                        if why:
                            self.blocking[(module.name, name)] = why
                            changed = True
                            break

    def findings(self, package: str) -> list[Finding]:
        out = []
        for module in self.modules.values():
            if not module.name.startswith(package + "."):
                continue
            for node in ast.walk(module.tree):
                if not isinstance(node, ast.AsyncFunctionDef):
                    continue
                local = {
                    n.name: n
                    for n in ast.walk(node)
                    if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n is not node
                }
                for call in _calls(node.body):
                    why = self.why_blocking(module, call, local)
                    if why:
                        path = str(module.path.relative_to(ROOT))
                        out.append(Finding(path, call.lineno, node.name, why))
        return sorted(out, key=lambda f: (f.path, f.line))
