"""The shape of the project, checked on its source: which app may import which, rules that stay
pure, modules short enough to read, and nothing that points outside the repository.

Pure reading of files (ast, git ls-files): no database, no Django setup needed. Each failure
names the file and the import or line that breaks the rule."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The apps in their one-way order: each may import only the apps to its left.
APPS = ("art", "pi_planning", "metrics", "sync")
MAX_LINES = 600


# What no file of the repository may contain: references to documents outside it, and paths of
# the machine it was built on.
OUTSIDE_REFERENCES = (
    "shared/domain.md",
    "shared/api.md",
    "shared/style.md",
    "shared/ui.md",
    "../shared",
    "file:///",
    "/work/",
    "/opt/",
)
# Text that contains one of them and is meant, with the reason.
MEANT_REFERENCES = {
    "/opt/venv": "the virtualenv inside the Docker image (Dockerfile), not a path of a build machine",
}
# Lines that are not text a person wrote: the lock file's hashes.
HASH_LINE = re.compile(r"^\s*--hash=sha256:[0-9a-f]+\s*\\?\s*$")
THIS_FILE = Path(__file__).resolve().relative_to(ROOT).as_posix()  # it lists them, on purpose
#: The files that spell out the forbidden references in order to forbid them.
LISTING_FILES = {THIS_FILE, "tests/test_docs.py"}


@dataclass(frozen=True)
class Import:
    file: str  # relative to the repository, e.g. "art/views/trains.py"
    line: int
    target: str  # the module imported, relative imports resolved: "art.views.common.page"

    @property
    def app(self) -> str:
        return self.file.split("/", 1)[0]

    @property
    def target_app(self) -> str | None:
        top = self.target.split(".", 1)[0]
        return top if top in APPS else None

    def __str__(self) -> str:
        return f"{self.file}:{self.line} imports {self.target}"


def _app_files() -> list[Path]:
    return sorted(
        path for app in APPS for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts
    )


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = _module_of(path) if path.name == "__init__.py" else _module_of(path).rpartition(".")[0]
    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{base}.{node.module}" if node.module else base


@cache
def imports() -> tuple[Import, ...]:
    """Every import of the apps' modules, at module level and inside functions."""
    found: list[Import] = []
    for path in _app_files():
        file = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=file)):
            if isinstance(node, ast.Import):
                found += [Import(file, node.lineno, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                module = _resolve(path, node)
                found += [Import(file, node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return tuple(found)


def _explain(offenders: list, what: str) -> str:
    return f"{len(offenders)} {what}:\n  " + "\n  ".join(str(o) for o in offenders)


def test_the_imports_are_read():
    found = imports()
    assert any(i.file == "art/page_urls.py" and i.target == "art.views.trains" for i in found)
    assert any(i.app == "sync" for i in found), "sync's imports were not read"


def test_no_two_apps_import_each_other():
    edges: dict[tuple[str, str], Import] = {}
    for i in imports():
        if i.target_app and i.target_app != i.app:
            edges.setdefault((i.app, i.target_app), i)
    cycles = [
        f"{a} and {b} import each other: {edges[(a, b)]}; {edges[(b, a)]}"
        for a, b in edges
        if (b, a) in edges and a < b
    ]
    assert not cycles, _explain(cycles, "pairs of apps import each other")


def test_each_app_imports_only_the_apps_before_it():
    """art ← pi_planning ← metrics ← sync: art imports no other app, pi_planning only art,
    metrics art and pi_planning, sync any of them."""
    allowed = {app: "only " + ", ".join(APPS[:n]) if n else "no other app" for n, app in enumerate(APPS)}
    offenders = [
        f"{i}: {i.app} may import {allowed[i.app]}"
        for i in imports()
        if i.target_app and APPS.index(i.target_app) > APPS.index(i.app)
    ]
    assert not offenders, _explain(offenders, "imports against the order art ← pi_planning ← metrics ← sync")


def test_the_rules_are_pure():
    """art/rules/ imports the standard library and other art.rules modules only: no Django, no
    third-party package, no other part of any app."""
    offenders = [
        f"{i}: a rule may import only the standard library and art.rules"
        for i in imports()
        if i.file.startswith("art/rules/")
        and not (i.target == "art.rules" or i.target.startswith("art.rules."))
        and i.target.split(".", 1)[0] not in sys.stdlib_module_names | {"__future__"}
    ]
    assert not offenders, _explain(offenders, "impure imports in art/rules/")


def _line_counts() -> dict[str, int]:
    return {
        path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in _app_files()
    }


def test_no_module_is_longer_than_600_lines():
    offenders = [
        f"{file}: {count} lines (split it by topic)"
        for file, count in sorted(_line_counts().items())
        if count > MAX_LINES
    ]
    assert not offenders, _explain(offenders, f"modules over {MAX_LINES} lines")


def _tracked_files() -> list[str]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
        ).stdout
    except (OSError, subprocess.SubprocessError):
        pytest.skip("not a git checkout: the files of the repository are those git tracks")
    return [name for name in listed.decode().split("\0") if name]


def test_nothing_points_outside_the_repository():
    offenders = []
    for file in _tracked_files():
        path = ROOT / file
        if file in LISTING_FILES or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data:  # binary
            continue
        for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
            if file == "requirements.lock" and HASH_LINE.match(line):
                continue
            text = line
            for meant in MEANT_REFERENCES:
                text = text.replace(meant, "")
            found = [reference for reference in OUTSIDE_REFERENCES if reference in text]
            if found:
                offenders.append(f"{file}:{number} contains {', '.join(found)}: {line.strip()[:120]}")
    assert not offenders, _explain(
        offenders,
        "references outside the repository (docs/domain.md and docs/api.md are the project's own)",
    )


def test_every_bulk_written_history_entry_is_announced_live():
    """A change recorded in bulk (ChangeRecord.objects.bulk_create) reaches the open pages like one
    recorded by record_change: each such write is followed by art.live.events.announce."""
    missing = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        if any(part in {".venv", "tests", "migrations", "bench"} for part in path.relative_to(ROOT).parts):
            continue
        text = path.read_text()
        for match in re.finditer(r"ChangeRecord\.objects\.bulk_create\(", text):
            after = text[match.start() : match.start() + 1500]
            if "live.announce(" not in after:
                missing.append(f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}")
    assert not missing, f"history written in bulk without a live announcement: {missing}"
