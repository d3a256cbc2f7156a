"""The arrows of docs/architecture.md, checked on the imports: every module imports only its
own package and the layers below it (leaves import no layer above them)."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "lrlab"

RANK = {
    "cli": 8, "commands": 7, "experiments": 6, "training": 5, "backends": 4, "adapters": 3,
    "data": 2, "models": 2, "optimizers": 2, "report": 2,  # leaves: used from above, import nothing above them
    "schedules": 1, "metrics": 1,  # metrics: numpy only, below report and backends, which both use it
    "runfolder": 0, "registry": 0, "process": 0, "__init__": 0, "__main__": 9,
}
"""A layer may import the layers of lower rank (and its own package)."""


def layer(module: str) -> str:
    """``lrlab.<layer>...``; a name from ``lrlab/__init__.py`` itself (``lrlab.__version__``) is its own."""
    part = module.split(".")[1] if "." in module else "__init__"
    return part if (SRC / part).is_dir() or (SRC / f"{part}.py").is_file() else "__init__"


def imported_lrlab_modules(path: Path) -> set[str]:
    package = "lrlab." + ".".join(path.relative_to(SRC).with_suffix("").parts)
    if path.name == "__init__.py":
        package += ".__init__"
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:-node.level]
                target = ".".join(base + ([node.module] if node.module else []))
                names |= {target} if node.module else {f"{target}.{alias.name}" for alias in node.names}
            elif node.module and node.module.startswith("lrlab"):
                names.add(node.module)
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names if alias.name.startswith("lrlab")}
    return {name for name in names if name.startswith("lrlab.") and len(name.split(".")) > 1}


MODULES = sorted(SRC.rglob("*.py"))


def test_every_package_has_a_rank():
    assert {layer("lrlab." + ".".join(p.relative_to(SRC).with_suffix("").parts)) for p in MODULES} <= set(RANK)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_down(path):
    own = layer("lrlab." + ".".join(path.relative_to(SRC).with_suffix("").parts))
    upward = sorted(name for name in imported_lrlab_modules(path)
                    if layer(name) != own and RANK[layer(name)] >= RANK[own])
    assert not upward, f"{path.relative_to(SRC)} imports {upward}, which are not below {own}"
