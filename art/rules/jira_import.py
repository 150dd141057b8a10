"""Reading a Jira CSV export and planning its import, as pure functions of plain data.

`read_export` turns the file's bytes into rows (Jira repeats column names such as Sprint, may
start the file with a UTF-8 byte order mark, and quotes commas and line breaks inside fields);
`default_mapping` proposes how its statuses, sprints and teams map onto Railyard's; and
`plan_import` says, row by row, what the import will create, update or leave alone, or why it
skips the row. The selector (art.selectors.imports) loads what exists in the train in a fixed
number of queries; the service (art.services.imports) applies the plan (docs/domain.md,
"Importing from Jira")."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# --- reading the file ------------------------------------------------------------------------------

#: A Jira export with every custom field stays far below this; more is not a Jira export.
MAX_COLUMNS = 1000
MAX_TITLE = 240
MAX_FEATURE_POINTS = 10000
MAX_STORY_POINTS = 100

#: Each field the import reads, and the header names Jira gives it (compared case-insensitively).
COLUMNS: dict[str, tuple[str, ...]] = {
    "summary": ("summary",),
    "key": ("issue key",),
    "issue_id": ("issue id",),
    "type": ("issue type",),
    "status": ("status",),
    "points": (
        "story points",
        "custom field (story points)",
        "story point estimate",
        "custom field (story point estimate)",
    ),
    "sprint": ("sprint", "custom field (sprint)"),
    "team": ("team", "custom field (team)"),
    "component": ("component/s", "components", "component"),
    "parent": ("parent", "parent id", "parent key", "epic link", "custom field (epic link)"),
    "parent_summary": ("parent summary",),
}
REQUIRED = {"summary": "Summary", "key": "Issue key", "type": "Issue Type", "status": "Status"}
_BY_HEADER = {name: field for field, names in COLUMNS.items() for name in names}


class ExportError(ValueError):
    """The file cannot be read as a Jira export. `too_large` when a size limit refused it."""

    def __init__(self, message: str, *, too_large: bool = False):
        super().__init__(message)
        self.too_large = too_large


@dataclass(frozen=True)
class Row:
    """One issue of the export, its values as Jira wrote them (stripped)."""

    number: int  # as a spreadsheet numbers it: the header is row 1
    key: str
    issue_id: str
    type: str
    status: str
    summary: str
    points: str
    sprint: str  # the last sprint named: the issue's current one
    team: str  # the Team, else the first component
    parents: tuple[str, ...]  # Parent, Parent id, Epic Link: keys or Jira issue ids
    parent_summary: str


@dataclass(frozen=True)
class Export:
    rows: tuple[Row, ...]
    columns: tuple[str, ...]  # the fields found (keys of COLUMNS)


def megabytes(size: int) -> str:
    """5000000 → "5 MB", 2500000 → "2.5 MB", 1000 → "1 KB"."""
    if size < 1_000_000:
        return f"{size / 1000:.1f}".rstrip("0").rstrip(".") + " KB"
    return f"{size / 1_000_000:.1f}".rstrip("0").rstrip(".") + " MB"


def read_export(data: bytes, *, max_bytes: int, max_rows: int) -> Export:
    """The export's rows; ExportError naming the problem when the file is not one."""
    if len(data) > max_bytes:
        raise ExportError(
            f"the file is larger than {megabytes(max_bytes)}, the most one import takes: "
            "export fewer issues at once",
            too_large=True,
        )
    if not data.strip():
        raise ExportError("the file is empty: export the issues from Jira as CSV and upload that file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExportError(
            f"the file is not UTF-8 text (byte {exc.start + 1} is not): upload the CSV file Jira exports"
        ) from None
    if "\x00" in text:
        raise ExportError("the file holds NUL characters: it is not a CSV text file")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next((r for r in reader if any(cell.strip() for cell in r)), None)
        if header is None:
            raise ExportError("the file is empty: export the issues from Jira as CSV and upload that file")
        if len(header) > MAX_COLUMNS:
            raise ExportError(
                f"the header has {len(header):,} columns; a Jira export has at most {MAX_COLUMNS:,}"
            )
        where: dict[str, list[int]] = {}
        for index, name in enumerate(header):
            found = _BY_HEADER.get(" ".join(name.split()).casefold())
            if found:
                where.setdefault(found, []).append(index)
        missing = [label for name, label in REQUIRED.items() if name not in where]
        if missing:
            raise ExportError(
                "the first line must be the header of a Jira export, naming the columns "
                f"{', '.join(REQUIRED.values())}: {', '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} missing"
            )
        rows: list[Row] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= max_rows:
                raise ExportError(
                    f"the file has more than {max_rows:,} rows, the most one import takes: "
                    "export fewer issues at once",
                    too_large=True,
                )
            rows.append(_row(reader.line_num, len(rows) + 2, cells, where))
    except csv.Error as exc:
        raise ExportError(f"the file is not a readable CSV file (line {reader.line_num}: {exc})") from None
    return Export(rows=tuple(rows), columns=tuple(sorted(where)))


def _row(line: int, number: int, cells: list[str], where: dict[str, list[int]]) -> Row:
    def values(name: str) -> list[str]:
        return [cells[i].strip() for i in where.get(name, ()) if i < len(cells) and cells[i].strip()]

    def first(name: str) -> str:
        found = values(name)
        return found[0] if found else ""

    sprints = values("sprint")
    return Row(
        number=number,
        key=first("key"),
        issue_id=first("issue_id"),
        type=first("type"),
        status=first("status"),
        summary=first("summary"),
        points=first("points"),
        sprint=sprints[-1] if sprints else "",
        team=first("team") or first("component"),
        parents=tuple(values("parent")),
        parent_summary=first("parent_summary"),
    )


# --- issue types --------------------------------------------------------------------------------

FEATURE_TYPES = {"epic": "business", "feature": "business", "enabler": "enabler"}
DEFECT_TYPES = {"bug", "defect"}  # a feature of kind defect without a parent, else a story
STORY_TYPES = {"story", "user story", "task"}
KNOWN_TYPES = "Epic, Feature, Enabler, Story, Task, Bug and Defect"


def norm(value: str) -> str:
    """How names are compared: case-insensitively, spaces collapsed."""
    return " ".join(value.split()).casefold()


# --- the mapping ----------------------------------------------------------------------------------

FEATURE_STATES = (
    "funnel",
    "analyzing",
    "ready",
    "in_progress",
    "review",
    "blocked",
    "awaiting_deploy",
    "done",
    "cancelled",
)
STORY_STATES = ("todo", "in_progress", "done")

#: Jira's usual statuses: (feature state, story state).
DEFAULT_STATUSES: dict[str, tuple[str | None, str | None]] = {
    "to do": ("funnel", "todo"),
    "backlog": ("funnel", "todo"),
    "open": ("funnel", "todo"),
    "selected for development": ("ready", "todo"),
    "ready": ("ready", "todo"),
    "in progress": ("in_progress", "in_progress"),
    "in review": ("review", "in_progress"),
    "code review": ("review", "in_progress"),
    "blocked": ("blocked", "in_progress"),
    "done": ("done", "done"),
    "closed": ("done", "done"),
    "resolved": ("done", "done"),
}


@dataclass(frozen=True)
class Ref:
    """A team or an iteration of the train, as the mapping offers it."""

    id: int
    name: str
    number: int = 0
    is_ip: bool = False


@dataclass
class ImportMapping:
    """Jira's values → Railyard's, each keyed by the value as the file first writes it."""

    statuses: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    sprints: dict[str, int | None] = field(default_factory=dict)
    teams: dict[str, int | None] = field(default_factory=dict)

    def status(self, value: str) -> tuple[str | None, str | None]:
        return _lookup(self.statuses, value, (None, None))

    def sprint(self, value: str) -> int | None:
        return _lookup(self.sprints, value, None)

    def team(self, value: str) -> int | None:
        return _lookup(self.teams, value, None)


def _lookup(table: Mapping[str, Any], value: str, default: Any) -> Any:
    wanted = norm(value)
    return next((v for k, v in table.items() if norm(k) == wanted), default)


def distinct(values: Iterable[str]) -> list[str]:
    """Each value once, as first written, compared by norm()."""
    seen: dict[str, str] = {}
    for value in values:
        if value and norm(value) not in seen:
            seen[norm(value)] = value
    return list(seen.values())


def natural_key(value: str) -> list[Any]:
    """ "Sprint 2" before "Sprint 10"."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", norm(value))]


def default_mapping(export: Export, *, iterations: list[Ref], teams: list[Ref]) -> ImportMapping:
    """Statuses by DEFAULT_STATUSES (others unmapped); teams by name; sprints by name, and the
    rest in order ("Sprint 1" < "Sprint 2" < "Sprint 10") onto the PI's development iterations
    that no sprint took by name."""
    unmapped: tuple[str | None, str | None] = (None, None)
    statuses = {s: DEFAULT_STATUSES.get(norm(s), unmapped) for s in distinct(r.status for r in export.rows)}
    by_name = {norm(t.name): t.id for t in teams}
    team_map = {t: by_name.get(norm(t)) for t in distinct(r.team for r in export.rows)}
    sprint_names = sorted(distinct(r.sprint for r in export.rows), key=natural_key)
    iteration_by_name = {norm(i.name): i.id for i in iterations}
    sprints: dict[str, int | None] = {s: iteration_by_name.get(norm(s)) for s in sprint_names}
    free = [i.id for i in sorted(iterations, key=lambda i: i.number) if not i.is_ip]
    free = [i for i in free if i not in sprints.values()]
    for name in sprint_names:
        if sprints[name] is None and free:
            sprints[name] = free.pop(0)
    return ImportMapping(statuses=statuses, sprints=sprints, teams=team_map)


def parse_mapping(
    raw: Any, base: ImportMapping, *, iteration_ids: Iterable[int], team_ids: Iterable[int]
) -> tuple[ImportMapping, list[str]]:
    """`base` with the choices of `raw` (`{"statuses": {"QA": {"feature": "review", "story":
    "in_progress"}}, "sprints": {"Sprint 1": 12}, "teams": {"Checkout": 3}}`; null or "" maps a
    value to nothing) laid over it, and the errors, each naming what is wrong."""
    errors: list[str] = []
    mapping = ImportMapping(dict(base.statuses), dict(base.sprints), dict(base.teams))
    if raw in (None, ""):
        return mapping, errors
    if not isinstance(raw, dict):
        return mapping, ['mapping must be an object: {"statuses": {...}, "sprints": {...}, "teams": {...}}']
    unknown = sorted(set(raw) - {"statuses", "sprints", "teams"})
    if unknown:
        errors.append(f"mapping has no part named {', '.join(unknown)}: use statuses, sprints and teams")
    for part in ("statuses", "sprints", "teams"):
        if not isinstance(raw.get(part, {}), dict):
            errors.append(f"mapping.{part} must be an object keyed by the Jira value")
    if errors:
        return mapping, errors
    for status, choice in raw.get("statuses", {}).items():
        if isinstance(choice, str | None):
            choice = {"feature": choice, "story": choice}
        if not isinstance(choice, dict) or set(choice) - {"feature", "story"}:
            errors.append(f'mapping.statuses “{status}” must be {{"feature": state, "story": state}}')
            continue
        current = mapping.status(status)
        chosen = []
        for index, (kind, states) in enumerate((("feature", FEATURE_STATES), ("story", STORY_STATES))):
            value = choice.get(kind, current[index])
            if value not in (None, "") and value not in states:
                errors.append(
                    f"mapping.statuses “{status}”: {value!r} is not a {kind} state "
                    f"(one of {', '.join(states)})"
                )
            chosen.append(value or None)
        _assign(mapping.statuses, status, (chosen[0], chosen[1]))
    for part, allowed, what in (
        ("sprints", set(iteration_ids), "an iteration of the PI"),
        ("teams", set(team_ids), "a team of the train"),
    ):
        for name, value in raw.get(part, {}).items():
            number = _id(value)
            if value not in (None, "") and number not in allowed:
                errors.append(f"mapping.{part} “{name}”: {value!r} is not the id of {what}")
                continue
            _assign(getattr(mapping, part), name, number)
    return mapping, errors


def _id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _assign(table: dict[str, Any], name: str, value: Any) -> None:
    for key in table:
        if norm(key) == norm(name):
            table[key] = value
            return
    table[name] = value


def mapping_as_dict(mapping: ImportMapping) -> dict[str, Any]:
    """The mapping in the shape parse_mapping reads (and the API answers)."""
    return {
        "statuses": {k: {"feature": f, "story": s} for k, (f, s) in mapping.statuses.items()},
        "sprints": dict(mapping.sprints),
        "teams": dict(mapping.teams),
    }
