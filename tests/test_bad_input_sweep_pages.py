"""The bad-input sweep over the pages' forms: every page of the project is fetched (as the RTE
of the train, who is also the RTE of a second one), every form that posts (plain or htmx) is read
from it, and each family of bad values is sent in one field of each form, the other fields as
the page filled them: NUL and other control characters, line breaks in one-line inputs, a
megabyte of text, 10,000 values, a word in a number field, a choice the list does not offer,
an object of the other train, dates beyond 1990–2199 (on the limits: never refused for range).

A refusal never answers 500: it re-renders the form naming the field (200, or 4xx/422) or
answers 4xx naming it (10,000 values: Django's 400 for too many fields), and leaves every row
of the project's apps, the history included, as it was. Each request runs in a savepoint rolled
back after it, so one form's outcome cannot hide another's."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from art.models import ApiToken, ChangeRecord
from art.services.common import delete_recorded
from art.services.tokens import api_token_create
from tests import sweep_helpers as sweep

RANGE_WORDS = "dates must lie between"
NAMESPACES = ("art", "pi_planning", "sync", "metrics")
SKIPPED_PAGES = re.compile(r"\.(csv|md|ics)$|/fragment/|/print/")


# --- reading forms ----------------------------------------------------------------------------


@dataclass
class Control:
    name: str
    kind: str  # text, textarea, number, date, datetime-local, select, checkbox, hidden, ...
    value: str = ""
    maxlength: int | None = None
    options: list[str] = field(default_factory=list)
    multiple: bool = False
    checked: bool = False


@dataclass
class Form:
    action: str
    htmx_target: str | None
    controls: list[Control] = field(default_factory=list)
    page: str = ""

    @property
    def url_name(self) -> str:
        return resolve(self.action).view_name

    def data(self) -> dict[str, Any]:
        """What the browser would send as the page filled the form."""
        data: dict[str, Any] = {}
        for c in self.controls:
            if c.kind in ("checkbox", "radio") and not c.checked:
                continue
            if c.kind in ("submit", "button"):
                continue
            if c.multiple:
                data.setdefault(c.name, [])
                if c.value:
                    data[c.name].append(c.value)
            else:
                data[c.name] = c.value
        return data


class FormReader(HTMLParser):
    """The forms that post, with their controls and the values the page filled in."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: Control | None = None
        self.textarea: Control | None = None
        self.edit_links: set[str] = set()  # links that open an edit form (?edit_team=3, ...)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        link = a.get("hx-get") or (a.get("href") if tag == "a" else "")
        if link and link.startswith("/") and "edit" in link:
            self.edit_links.add(link.split("#")[0])
        if tag == "form" and a.get("method", "").lower() == "post":
            action = a.get("hx-post") or a.get("action") or self.page
            self.form = Form(action=action.split("?")[0], htmx_target=a.get("hx-target"), page=self.page)
            self.forms.append(self.form)
        if self.form is None or "name" not in a:
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            maxlength = int(a["maxlength"]) if a.get("maxlength", "").isdigit() else None
            self.form.controls.append(
                Control(a["name"], kind, a.get("value", ""), maxlength, checked="checked" in a)
            )
        elif tag == "textarea":
            maxlength = int(a["maxlength"]) if a.get("maxlength", "").isdigit() else None
            self.textarea = Control(a["name"], "textarea", "", maxlength)
            self.form.controls.append(self.textarea)
        elif tag == "select":
            self.select = Control(a["name"], "select", multiple="multiple" in a)
            self.form.controls.append(self.select)
        elif tag == "option" and self.select is not None:
            value = a.get("value", "")
            self.select.options.append(value)
            if "selected" in a and (not self.select.value or not self.select.multiple):
                self.select.value = value

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "select":
            if self.select is not None and not self.select.value and self.select.options:
                self.select.value = self.select.options[0]
            self.select = None
        elif tag == "textarea":
            self.textarea = None


# --- the world, and every page of it ------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    for built in sweep.module_world(django_db_blocker):
        holiday = sweep.of_train(apps.get_model("pi_planning.Holiday"), built.train).first()
        delete_recorded(actor=built.rte, obj=holiday)
        api_token_create(user=built.rte, name="sweep")
        yield built


def patterns(resolver: Any = None, prefix: str = "", namespace: str = "") -> list[tuple[str, str, Any]]:
    """(namespace:name, route, pattern) of every named page of the project's apps."""
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            found += patterns(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and namespace in NAMESPACES and entry.name:
            found.append((f"{namespace}:{entry.name}", prefix + str(entry.pattern), entry))
    return found


def candidates(world: sweep.SweepWorld, name: str) -> dict[str, list[Any]]:
    """For each URL parameter, the objects of the world's train worth filling it with."""
    train = world.train
    models = {
        "team_id": "art.Team",
        "member_id": "art.TeamMember",
        "membership_id": "art.Membership",
        "iteration_id": "art.Iteration",
        "milestone_id": "art.Milestone",
        "feature_id": "art.Feature",
        "holiday_id": "pi_planning.Holiday",
        "objective_id": "pi_planning.Objective",
        "vote_id": "pi_planning.Vote",
        "dep_id": "pi_planning.Dependency",
        "risk_id": "pi_planning.Risk",
        "event_id": "sync.Event",
        "decision_id": "sync.Decision",
        "escalation_id": "sync.Escalation",
        "impediment_id": "sync.Impediment",
        "cause_id": "sync.Cause",
        "solution_id": "sync.Solution",
        "feedback_id": "sync.DemoFeedback",
        "item_id": "sync.DemoItem"
        if "demo" in name
        else ("sync.ImprovementItem" if "improvement" in name else "sync.ActionItem"),
    }
    pis = list(train.pis.order_by("-start_date"))
    found: dict[str, list[Any]] = {
        "slug": [train.slug],
        "pi_id": [pi.pk for pi in pis],
        "scope": ["train"],
        "record_id": [ChangeRecord.objects.filter(train_id=train.pk, action="deleted").latest("pk").pk],
        "token_id": list(ApiToken.objects.filter(user=world.rte).values_list("pk", flat=True)[:1]),
        "run_id": [],
    }
    for param, label in models.items():
        rows = sweep.of_train(apps.get_model(label), train)
        if label == "sync.Event":
            rows = rows.filter(kind="art_sync")
        if label == "art.Iteration":
            demoed = rows.filter(system_demo__isnull=False)
            rows = demoed if demoed.exists() else rows
        found[param] = list(rows.values_list("pk", flat=True)[:1])
    return found


def filled(world: sweep.SweepWorld, route: str, name: str) -> list[str]:
    """The page's URL for each PI of the train (one URL when it names none)."""
    params = re.findall(r"<(?:\w+:)?(\w+)>", route)
    values = candidates(world, name)
    urls: list[str] = []
    for pi in values["pi_id"] if "pi_id" in params else [None]:
        url = "/" + route
        for param in params:
            value = pi if param == "pi_id" else next(iter(values.get(param) or []), None)
            if value is None:
                return urls
            url = re.sub(rf"<(?:\w+:)?{param}>", str(value), url)
        urls.append(url)
    return urls


@pytest.fixture(scope="module")
def forms(world) -> list[Form]:
    """Every form that posts, from every page (plain and htmx GET): one per view (the one with
    the most fields), since the forms of one view on many objects (a state form per card) are
    alike."""
    client = Client()
    client.force_login(world.rte)
    found: dict[str, Form] = {}
    edit_links: dict[str, str] = {}  # one link per page and kind of edit: path + query keys

    def read(url: str) -> None:
        plain: dict[str, Any] = {}
        for headers in (plain, {"HTTP_HX_REQUEST": "true"}):
            response = client.get(url, **headers)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            reader = FormReader(url)
            reader.feed(response.content.decode())
            for link in reader.edit_links:
                path, _, query = link.partition("?")
                keys = ",".join(sorted(k.split("=")[0] for k in query.split("&")))
                edit_links.setdefault(f"{resolve(path).view_name}?{keys}", link)
            for form in reader.forms:
                form.controls = [c for c in form.controls if c.name != "csrfmiddlewaretoken"]
                known = found.get(form.url_name)
                if known is None or len(form.controls) > len(known.controls):
                    found[form.url_name] = form

    for name, route, _ in patterns():
        for url in filled(world, route, name):
            if not SKIPPED_PAGES.search(url):
                read(url)
    for link in list(edit_links.values()):
        read(link)
    return sorted(found.values(), key=lambda f: f.url_name)


@pytest.fixture(scope="module")
def baseline(world, forms):
    return sweep.snapshot()


# --- the families ---------------------------------------------------------------------------------

FK_FIELDS = {
    "team": "art.Team",
    "requester_team": "art.Team",
    "provider_team": "art.Team",
    "iteration": "art.Iteration",
    "needed_by": "art.Iteration",
    "committed_iteration": "art.Iteration",
    "feature": "art.Feature",
    "provider_feature": "art.Feature",
    "features": "art.Feature",
    "pi": "art.ProgramIncrement",
    "target_pi": "art.ProgramIncrement",
    "member": "art.TeamMember",
    "cause": "sync.Cause",
}
TEXT = ("text", "textarea", "search", "email", "url", "")


def pick(form: Form, test: Any) -> Control | None:
    return next((c for c in form.controls if test(c)), None)


def single_select(c: Control) -> bool:
    return c.kind == "select" and not c.multiple


FAMILIES: dict[str, Any] = {
    "nul": (lambda f: pick(f, lambda c: c.kind in TEXT), lambda c: [sweep.NUL]),
    "control": (lambda f: pick(f, lambda c: c.kind in TEXT), lambda c: [sweep.CONTROL]),
    "line_break": (lambda f: pick(f, lambda c: c.kind == "text"), lambda c: [sweep.LINE_BREAK]),
    "megabyte": (lambda f: pick(f, lambda c: c.kind in TEXT and c.maxlength), lambda c: [sweep.MEGABYTE]),
    "many": (lambda f: pick(f, lambda c: c.kind != "hidden"), lambda c: [[str(i) for i in sweep.MANY]]),
    "word_for_number": (lambda f: pick(f, lambda c: c.kind == "number"), lambda c: ["twelve"]),
    "choice_not_offered": (
        lambda f: pick(f, lambda c: c.kind == "select" and c.name not in FK_FIELDS),
        lambda c: ["no-such-choice"],
    ),
    "other_train": (
        lambda f: pick(f, lambda c: c.kind == "select" and c.name in FK_FIELDS),
        None,  # filled in by the test: the other train's object
    ),
    "date_too_early": (lambda f: pick(f, lambda c: c.kind in ("date", "datetime-local")), None),
    "date_too_late": (lambda f: pick(f, lambda c: c.kind in ("date", "datetime-local")), None),
    "date_on_the_limits": (lambda f: pick(f, lambda c: c.kind in ("date", "datetime-local")), None),
}


def day(control: Control, iso: str) -> str:
    return f"{iso}T12:00" if control.kind == "datetime-local" else iso


def values_for(family: str, control: Control, world: sweep.SweepWorld) -> list[Any]:
    if family == "other_train":
        model = apps.get_model(FK_FIELDS[control.name])
        return [str(sweep.of_train(model, world.other).last().pk)]
    if family == "date_too_early":
        return [day(control, "1989-12-31")]
    if family == "date_too_late":
        return [day(control, "2200-01-01")]
    if family == "date_on_the_limits":
        return [day(control, "1990-01-01"), day(control, "2199-12-31")]
    return FAMILIES[family][1](control)


def names_the_field(response: Any, control: Control) -> bool:
    """The answer points at the field: its error block (components.html#field), or its name in
    the words of a refusal."""
    text = response.content.decode(errors="replace")
    if f'{control.name}_errors"' in text:
        return True
    words = control.name.replace("_", " ")
    errors = re.findall(r'(?s)class="(?:alert alert--error|field__error)".*?</div>', text)
    return any(control.name in block or words in block.lower() for block in errors) or (
        response.status_code >= 400 and (control.name in text or words in text.lower())
    )


def post(client: Client, form: Form, data: dict[str, Any]) -> Any:
    headers: dict[str, Any] = {"HTTP_HX_REQUEST": "true"} if form.htmx_target else {}
    if form.htmx_target:
        headers["HTTP_HX_TARGET"] = form.htmx_target.lstrip("#")
    return client.post(form.action, data, **headers)


@pytest.mark.parametrize("family", FAMILIES)
def test_a_bad_value_in_a_form_is_refused_naming_the_field_and_changes_nothing(
    world, forms, baseline, db, family
):
    client = Client(raise_request_exception=False)
    client.force_login(world.rte)
    target = FAMILIES[family][0]
    failures, tried = [], 0
    for form in forms:
        control = target(form)
        if control is None:
            continue
        for value in values_for(family, control, world):
            tried += 1
            data = form.data()
            data[control.name] = value
            with transaction.atomic():
                response = post(client, form, data)
                changed = sweep.changed(baseline, sweep.snapshot())
                transaction.set_rollback(True)
            where = (
                f"{form.url_name} ({form.action}) {control.name}={repr(value)[:30]} → {response.status_code}"
            )
            text = response.content.decode(errors="replace")
            if response.status_code >= 500:
                failures.append(f"{where}: server error")
            elif family == "date_on_the_limits":
                if RANGE_WORDS in text:
                    failures.append(f"{where}: a date on the limits refused for its range")
            elif changed:
                failures.append(f"{where}: changed {changed}")
            elif family == "many" and response.status_code == 400:
                continue  # Django refuses more than DATA_UPLOAD_MAX_NUMBER_FIELDS values
            elif not (response.status_code in (200, 422) or 400 <= response.status_code < 500):
                failures.append(f"{where}: neither a re-rendered form nor a 4xx")
            elif not names_the_field(response, control):
                failures.append(f"{where}: does not name the field: {text[:200]!r}")
    assert tried, f"no form has a field for {family}"
    assert failures == [], "\n".join(failures)


def test_the_sweep_reaches_the_forms_of_every_part(forms, db):
    reached = {form.url_name for form in forms}
    for expected in (
        "art:team_update",
        "art:pi_update",
        "pi_planning:risk_update",
        "pi_planning:dependency_update",
        "sync:workshop_update",
        "sync:impediment_update",
        "sync:cadence",
    ):
        assert expected in reached, sorted(reached)
