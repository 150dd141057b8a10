"""The ART sync's agenda, filled from the train's live data when it is read, in a fixed number
of queries whatever the number of dependencies, risks, impediments or action items: the
candidates are loaded here and art.rules.syncs chooses and orders them (docs/domain.md, "The ART
sync agenda")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from art import rules
from art.models import Feature, ProgramIncrement, Team, WipBreach
from art.selectors import pi_current
from metrics.dashboard import trend_headlines
from pi_planning.models import Dependency, Risk
from pi_planning.selectors.capacity import pi_capacity
from pi_planning.selectors.dependencies import pi_dependencies
from sync.models import ActionItem, Decision, Escalation, Event, Impediment


@dataclass
class AgendaSection:
    key: str
    title: str
    starts_min: int
    ends_min: int
    items: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "starts_min": self.starts_min,
            "ends_min": self.ends_min,
            "items": self.items,
        }


@dataclass
class Agenda:
    event: Event
    pi: ProgramIncrement | None
    sections: list[AgendaSection]
    frozen_at: dt.datetime | None = None  # set when read from the snapshot the sync saw

    def section(self, key: str) -> AgendaSection | None:
        return next((s for s in self.sections if s.key == key), None)

    def as_json(self) -> dict[str, Any]:
        return {"event": self.event.pk, "sections": [s.as_json() for s in self.sections]}


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _trend_items(event: Event, now: dt.datetime) -> list[dict[str, Any]]:
    items = []
    for headline in trend_headlines(train=event.train):
        trend = headline.trend
        items.append(
            {
                "kind": "metric",
                "id": headline.key,
                "title": headline.label,
                "value": headline.value,
                "unit": headline.unit,
                "detail": headline.detail,
                "trend": (
                    {
                        "direction": trend.direction,
                        "arrow": trend.arrow,
                        "text": trend.text,
                        "tone": trend.tone,
                    }
                    if trend
                    else None
                ),
            }
        )
    wip = _wip_limits_item(event, now)
    if wip is not None:
        items.append(wip)
    return items


#: Without an earlier ART sync, the breaches of the last this many days are counted.
BREACH_DAYS = 7


def _kanban_url(train_slug: str) -> str | None:
    try:
        return reverse("art:kanban", kwargs={"slug": train_slug})
    except NoReverseMatch:
        return None


def _wip_limits_item(event: Event, now: dt.datetime) -> dict[str, Any] | None:
    """The ART Kanban's columns over their WIP limit now, train-wide (art.rules.kanban.over_limit,
    "In progress 10 of 8"), and the moves recorded over a limit (WipBreach, columns and team
    lanes) since the train's previous ART sync, or in the last 7 days without one. None for a
    train with no limit and no breach. Three queries."""
    train = event.train
    limits = train.wip_limits or {}
    counts = dict(
        Feature.objects.filter(train_id=train.pk, state__in=list(limits))
        .values_list("state")
        .annotate(n=Count("id"))
        .order_by()
    )
    over = [
        {"state": state, "label": rules.kanban.label(state), "count": counts.get(state, 0), "limit": limit}
        # in column order: a JSON column on PostgreSQL does not keep the keys' order
        for state, limit in ((s, limits[s]) for s in rules.kanban.LIMITABLE if s in limits)
        if rules.kanban.over_limit(counts.get(state, 0), limit)
    ]
    previous = (
        Event.objects.filter(train_id=train.pk, kind=Event.Kind.ART_SYNC, starts_at__lt=event.starts_at)
        .exclude(state=Event.State.CANCELLED)
        .exclude(pk=event.pk)
        .order_by("-starts_at", "-id")
        .values_list("starts_at", flat=True)
        .first()
    )
    since = previous or now - dt.timedelta(days=BREACH_DAYS)
    breaches = WipBreach.objects.filter(train_id=train.pk, at__gte=since).count()
    if not limits and not breaches:
        return None
    named = ", ".join(f"{o['label']} {o['count']} of {o['limit']}" for o in over)
    window = "since the previous ART sync" if previous else f"in the last {BREACH_DAYS} days"
    return {
        "kind": "wip_limits",
        "id": "wip_limits",
        "title": "WIP limits",
        "value": len(over),
        "unit": "column over its limit" if len(over) == 1 else "columns over their limit",
        "detail": named or "Every column within its limit",
        "over": over,
        "breaches": breaches,
        "breaches_since": _iso(since),
        "breaches_window": window,
        "breaches_text": (f"{breaches} move{'' if breaches == 1 else 's'} over a limit {window}"),
        "url": _kanban_url(train.slug),
        "trend": None,
    }


def _blocker_items(event: Event, pi: ProgramIncrement | None, now: dt.datetime) -> list[dict[str, Any]]:
    """Red or blocked open dependencies of the PI and the train's open impediments: the five
    oldest (art.rules.syncs.top_blockers)."""
    details: dict[tuple[str, int], dict[str, Any]] = {}
    candidates = []
    if pi is not None:
        for dep in pi_dependencies(pi_id=pi.pk, include_done=False):
            if dep.health.code != rules.dependencies.RED and dep.state != Dependency.State.BLOCKED:
                continue
            candidates.append(rules.syncs.Blocker(rules.syncs.DEPENDENCY, dep.pk, dep.title, dep.age_days))
            details[(rules.syncs.DEPENDENCY, dep.pk)] = {
                "key": dep.key,
                "state": dep.state,
                "health": dep.health.code,
                "health_reason": dep.health.reason,
                "requester": dep.requester_team.name,
                "provider": dep.provider_name,
                "aging": dep.aging,
            }
    for impediment in Impediment.objects.filter(
        train_id=event.train_id, status=Impediment.Status.OPEN
    ).select_related("team"):
        age = rules.syncs.impediment_age_days(impediment.created_at, None, now)
        candidates.append(rules.syncs.Blocker(rules.syncs.IMPEDIMENT, impediment.pk, impediment.title, age))
        details[(rules.syncs.IMPEDIMENT, impediment.pk)] = {
            "category": impediment.category,
            "category_label": impediment.get_category_display(),
            "team": impediment.team.name if impediment.team else None,
            "owner": impediment.owner,
            "escalation": impediment.escalation,
            "escalation_label": impediment.get_escalation_display(),
            "aging": rules.syncs.impediment_is_aging(age, open_=True),
        }
    return [
        {"kind": b.kind, "id": b.id, "title": b.title, "age_days": b.age_days, **details[(b.kind, b.id)]}
        for b in rules.syncs.top_blockers(candidates)
    ]


def _risk_items(event: Event, pi: ProgramIncrement | None, now: dt.datetime) -> list[dict[str, Any]]:
    """The train's risks (of the PI, or of no PI) to review: un-ROAMed, then those unchanged for
    14 days (art.rules.syncs.risks_to_review)."""
    risks = (
        Risk.objects.filter(train_id=event.train_id).exclude(roam=Risk.Roam.RESOLVED).select_related("team")
    )
    if pi is not None:
        risks = risks.filter(pi__isnull=True) | risks.filter(pi=pi)
    by_id = {r.pk: r for r in risks}
    chosen = rules.syncs.risks_to_review(
        (rules.syncs.RiskItem(r.pk, r.title, r.roam, r.created_at, r.updated_at) for r in by_id.values()), now
    )
    return [
        {
            "kind": "risk",
            "id": item.id,
            "title": item.title,
            "age_days": rules.dependencies.dependency_age_days(
                rules.dependencies.DependencyDates(item.created_at), now
            ),
            "roam": item.roam,
            "roam_label": by_id[item.id].get_roam_display(),
            "owner": by_id[item.id].owner,
            "team": _team_name(by_id[item.id].team),
            "unchanged_days": (now - item.changed_at).days,
        }
        for item in chosen
    ]


def _team_name(team: Team | None) -> str | None:
    return team.name if team is not None else None


def _scope_items(pi: ProgramIncrement | None) -> list[dict[str, Any]]:
    """Team-iterations of the PI above 100 % load, highest first (art.rules.syncs.overloaded)."""
    if pi is None:
        return []
    teams = list(Team.objects.filter(train_id=pi.train_id).order_by("name"))
    iterations = {i.pk: i for i in pi.iterations.all()}
    cells = pi_capacity(pi=pi, teams=teams, iterations=list(iterations.values()))
    names = {t.pk: t.name for t in teams}
    loads = [
        rules.syncs.LoadItem(
            team_id=team_id,
            team=names[team_id],
            iteration_id=iteration_id,
            iteration=iterations[iteration_id].name,
            iteration_number=iterations[iteration_id].number,
            load=float(cell.points),
            capacity=float(cell.capacity),
            load_pct=float(cell.pct) if cell.pct is not None else None,
        )
        for (team_id, iteration_id), cell in cells.items()
    ]
    return [
        {
            "kind": "load",
            "id": f"{item.team_id}-{item.iteration_id}",
            "title": f"{item.team} · {item.iteration}",
            "team": item.team_id,
            "team_name": item.team,
            "iteration": item.iteration_id,
            "iteration_name": item.iteration,
            "load": item.load,
            "capacity": item.capacity,
            "load_pct": rules.stats.round2(item.load_pct),
        }
        for item in rules.syncs.overloaded(loads)
    ]


def _summary_items(event: Event) -> list[dict[str, Any]]:
    """Every open action item raised at this sync or an earlier one (art.rules.syncs.carried_over)."""
    rows = list(
        ActionItem.objects.filter(train_id=event.train_id, status=ActionItem.Status.OPEN).select_related(
            "event"
        )
    )
    refs = [
        rules.syncs.ActionItemRef(
            id=i.pk,
            title=i.title,
            owner=i.owner,
            due_date=i.due_date,
            done=False,
            event_id=i.event_id,
            raised_at=i.event.starts_at if i.event else i.created_at,
        )
        for i in rows
    ]
    today = timezone.localtime(timezone.now(), event.train.tz).date()
    return [
        {
            "kind": "action_item",
            "id": ref.id,
            "title": ref.title,
            "owner": ref.owner,
            "due_date": _iso(ref.due_date),
            "overdue": ref.due_date is not None and ref.due_date < today,
            "event": ref.event_id,
            "carried_over": ref.event_id != event.pk,
        }
        for ref in rules.syncs.carried_over(refs, event_id=event.pk, starts_at=event.starts_at)
    ]


def sync_agenda(*, event: Event, now: dt.datetime | None = None) -> Agenda:
    """The agenda of a sync as the data stands now: its timed sections (art.rules.syncs.
    agenda_sections), each filled by its rule."""
    now = now or timezone.now()
    pi = event.pi if event.pi_id else pi_current(train=event.train)
    fill = {
        "trend": lambda: _trend_items(event, now),
        "blockers": lambda: _blocker_items(event, pi, now),
        "risks": lambda: _risk_items(event, pi, now),
        "scope": lambda: _scope_items(pi),
        "summary": lambda: _summary_items(event),
    }
    sections = [
        AgendaSection(s.key, s.title, s.starts_min, s.ends_min, fill[s.key]())
        for s in rules.syncs.agenda_sections(event.kind, event.minutes)
    ]
    return Agenda(event=event, pi=pi, sections=sections)


def frozen_agenda(*, event: Event) -> Agenda | None:
    """The agenda the sync saw, as frozen when it started (None before that)."""
    snapshot = getattr(event, "agenda_snapshot", None)
    if snapshot is None:
        return None
    sections = [AgendaSection(**section) for section in snapshot.sections]
    return Agenda(event=event, pi=event.pi, sections=sections, frozen_at=snapshot.frozen_at)


@dataclass
class Minutes:
    decisions: list[Decision]
    action_items: list[ActionItem]
    escalations: list[Escalation]


def sync_minutes(*, event: Event) -> Minutes:
    """What the sync recorded: its decisions, the action items raised at it, its escalations
    (three queries)."""
    return Minutes(
        decisions=list(event.decisions.select_related("created_by")),
        action_items=list(event.action_items.all()),
        escalations=list(event.escalations.select_related("created_by")),
    )


def _md(text: object) -> str:
    """One line of Markdown text: line breaks folded, the characters that format escaped."""
    value = " ".join(str(text).split())
    for char in "\\`*_[]<>|#":
        value = value.replace(char, "\\" + char)
    return value


def sync_summary_markdown(*, agenda: Agenda, minutes: Minutes, when: str) -> str:
    """The one-page summary of a sync, in Markdown: what it decided, the action items raised at
    it and those still open from before, its escalations, and the blockers, risks and overloaded
    iterations it looked at."""
    event = agenda.event
    lines = [f"# {_md(event.title)}", "", f"{_md(when)} · {_md(event.train.name)}", ""]
    lines += ["## Decisions", ""]
    lines += [f"- {_md(d.text)}" for d in minutes.decisions] or ["- None recorded."]
    lines += ["", "## Action items", ""]
    raised = [
        f"- [{'x' if i.status == 'done' else ' '}] {_md(i.title)} (owner: {_md(i.owner)}"
        + (f", due {i.due_date.isoformat()}" if i.due_date else "")
        + ")"
        for i in minutes.action_items
    ]
    lines += raised or ["- None raised at this sync."]
    summary = agenda.section("summary")
    carried = [item for item in (summary.items if summary else []) if item.get("carried_over")]
    if carried:
        lines += ["", "Still open from earlier syncs:", ""]
        lines += [
            f"- [ ] {_md(i['title'])} (owner: {_md(i['owner'])}"
            + (f", due {i['due_date']}" if i.get("due_date") else "")
            + ")"
            for i in carried
        ]
    lines += ["", "## Escalations", ""]
    lines += [f"- To {_md(e.to)}: {_md(e.why)}" for e in minutes.escalations] or ["- None."]
    looked_at = [
        ("blockers", "Blockers", lambda i: f"{_md(i['title'])} ({i['kind']}, {i['age_days']} days)"),
        ("risks", "Risks", lambda i: f"{_md(i['title'])} ({i['roam']}, {i['age_days']} days)"),
        ("scope", "Overloaded iterations", lambda i: f"{_md(i['title'])}: {i['load_pct']} %"),
    ]
    for key, title, line in looked_at:
        section = agenda.section(key)
        if section is None:
            continue
        lines += ["", f"## {title}", ""]
        lines += [f"- {line(item)}" for item in section.items] or ["- None."]
    return "\n".join(lines) + "\n"
