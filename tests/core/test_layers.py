"""The packages depend one way (README, "Architecture"): each imports only the ones below it."""

import ast
from pathlib import Path

import secondop

# From the top down; a package may import those after it, never one before it.
LAYERS = [
    "casefile",
    "reminders",
    "visits",
    "scripts",
    "opinions",
    "authorizations",
    "records",
    "editing",
    "cases",
    "accounts",
    "law",
]
ROOT = Path(secondop.__file__).parent


def imports_of(package: str) -> set[tuple[str, str]]:
    """(module, imported secondop package) for every import in `package`, migrations left out."""
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] == "secondop" and len(parts) > 1 and parts[1] in LAYERS + ["pwa"]:
                    found.add((str(path.relative_to(ROOT)), parts[1]))
    return found


def test_no_package_imports_one_above_it() -> None:
    upward = sorted(
        (module, imported)
        for package in LAYERS
        for module, imported in imports_of(package)
        if imported in LAYERS and LAYERS.index(imported) < LAYERS.index(package)
    )
    assert upward == []


def test_the_test_sees_imports_inside_functions_too() -> None:
    # cases.access is imported by the top layer; the walk finds it wherever the import statement is.
    assert ("casefile/views.py", "cases") in imports_of("casefile")
