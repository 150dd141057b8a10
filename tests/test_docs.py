"""The project's own documentation stays true to the code.

- Every dotted path in backticks in docs/domain.md and docs/architecture.md that names Railyard
  code (`art.`, `pi_planning.`, `metrics.`, `sync.`) imports.
- Every endpoint listed in docs/api.md (outside its "Planned, not served yet" section) is in the
  OpenAPI schema, and every path of the schema is listed there.
- No document links outside the repository.

An endpoint is *listed* in docs/api.md when it is the first cell of a table row, in backticks,
relative to /api/v1/, e.g. a row that starts "| `pis/{id}/board/` |".
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CODE_DOCS = ("domain.md", "architecture.md")
PREFIXES = ("art.", "pi_planning.", "metrics.", "sync.")
PLANNED_HEADING = "Planned, not served yet"
API_PREFIX = "/api/v1/"

DOTTED = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+)`")
TABLE_PATH = re.compile(r"^\|\s*`(?:/api/v1/)?([A-Za-z0-9_{}\-/]+/)`\s*\|")
PLACEHOLDER = re.compile(r"\{[^}/]*\}")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)[^)]*\)")
OUTSIDE = ("../", "/work/", "shared/")


def _read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


# --- (a) dotted paths resolve ------------------------------------------------------------------


def dotted_paths(text: str) -> list[str]:
    """The backticked dotted names of Railyard code in a document, in order, once each."""
    found = [name for name in DOTTED.findall(text) if name.startswith(PREFIXES)]
    return list(dict.fromkeys(found))


def resolve(path: str) -> str | None:
    """None if `path` names something importable; otherwise why not. The longest importable
    module prefix is imported, then the rest is looked up attribute by attribute."""
    try:
        # A module resolves without being executed (settings modules refuse to load outside
        # their environment, e.g. art.settings.production without its secrets).
        if importlib.util.find_spec(path) is not None:
            return None
    except (ImportError, ValueError):  # a parent is not a package, or does not import
        pass
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            target = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # Only a missing module of this very path means "try a shorter prefix"; a missing
            # import inside an existing module is a real error.
            if exc.name is not None and module_name.startswith(exc.name):
                continue
            return f"importing {module_name} failed: {exc}"
        except Exception as exc:  # a module that exists but cannot be imported
            return f"importing {module_name} failed: {type(exc).__name__}: {exc}"
        for depth, attribute in enumerate(parts[cut:], start=cut):
            try:
                target = getattr(target, attribute)
            except AttributeError:
                return f"{'.'.join(parts[:depth])} has no attribute {attribute!r}"
        return None
    return f"no module {parts[0]!r}"


def test_every_dotted_path_in_the_docs_resolves():
    unresolved = []
    for name in CODE_DOCS:
        for path in dotted_paths(_read(name)):
            reason = resolve(path)
            if reason is not None:
                unresolved.append(f"docs/{name}: `{path}`: {reason}")
    assert not unresolved, "dotted paths that do not resolve:\n" + "\n".join(unresolved)


def test_the_docs_name_code_at_all():
    # Guards the extraction itself: an empty list would make the test above pass vacuously.
    assert len(dotted_paths(_read("domain.md"))) > 50
    assert len(dotted_paths(_read("architecture.md"))) > 10


# --- (b) the API paths and the schema agree ------------------------------------------------------


def normalise(path: str) -> str:
    """`pis/{pk}/board/`, `/api/v1/pis/{id}/board/` and `pis/{pi_id}/board/` are one path."""
    if path.startswith(API_PREFIX):
        path = path[len(API_PREFIX) :]
    return PLACEHOLDER.sub("{id}", path.lstrip("/"))


def documented_paths(text: str) -> tuple[set[str], set[str]]:
    """(served, planned): the endpoints listed in docs/api.md, split by whether they stand under
    the "Planned, not served yet" heading (down to the next heading of the same or a higher
    level)."""
    served: set[str] = set()
    planned: set[str] = set()
    planned_level: int | None = None
    for line in text.splitlines():
        heading = HEADING.match(line)
        if heading:
            level = len(heading.group(1))
            if planned_level is not None and level <= planned_level:
                planned_level = None
            if heading.group(2).strip().lower().startswith(PLANNED_HEADING.lower()):
                planned_level = level
            continue
        row = TABLE_PATH.match(line)
        if row:
            (planned if planned_level is not None else served).add(normalise(row.group(1)))
    return served, planned


def schema_paths() -> set[str]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {normalise(path) for path in schema["paths"]}


def test_the_api_doc_lists_exactly_the_served_endpoints():
    # Every endpoint the contract names is served now: the planned section is gone (it comes back,
    # and test_planned_endpoints_are_not_served_yet guards it, when a contract path is not built).
    served, _ = documented_paths(_read("api.md"))
    assert len(served) > 50
    in_schema = schema_paths()
    missing_from_schema = sorted(served - in_schema)
    missing_from_doc = sorted(in_schema - served)
    problems = []
    if missing_from_schema:
        problems.append(
            "listed in docs/api.md but not served (absent from the OpenAPI schema):\n  "
            + "\n  ".join(missing_from_schema)
        )
    if missing_from_doc:
        problems.append("served but not listed in docs/api.md:\n  " + "\n  ".join(missing_from_doc))
    assert not problems, "\n".join(problems)


def test_planned_endpoints_are_not_served_yet():
    # An endpoint that lands moves out of the planned section.
    _, planned = documented_paths(_read("api.md"))
    served_already = sorted(planned & schema_paths())
    assert not served_already, f"served now, move them out of '{PLANNED_HEADING}': {served_already}"


# --- (c) nothing outside the repository --------------------------------------------------------

DOC_FILES = sorted(DOCS.glob("*.md"))


@pytest.mark.parametrize("path", DOC_FILES, ids=[p.name for p in DOC_FILES])
def test_docs_refer_to_nothing_outside_the_repository(path):
    text = path.read_text(encoding="utf-8")
    problems = [
        f"line {number}: {fragment!r}"
        for number, line in enumerate(text.splitlines(), start=1)
        for fragment in OUTSIDE
        if fragment in line
    ]
    for target in MARKDOWN_LINK.findall(text):
        if target.startswith("#"):
            continue
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, file:, mailto: ...
            problems.append(f"link out of the repository: {target}")
            continue
        if not (path.parent / target.split("#")[0]).resolve().is_relative_to(ROOT):
            problems.append(f"link out of the repository: {target}")
        elif not (path.parent / target.split("#")[0]).exists():
            problems.append(f"link to a missing file: {target}")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_the_three_documents_exist():
    for name in ("domain.md", "api.md", "architecture.md"):
        assert (DOCS / name).is_file(), name
