"""Importing a Jira CSV export (product management and the RTE): upload the file and choose the
PI, see the preview (how statuses, sprints and teams map, and what each row will do), import
exactly that preview, then a summary with links to the cards written."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from art.access import Action, train_for_user
from art.forms import RailyardForm
from art.http import HtmxHttpRequest
from art.models import FeatureState, ProgramIncrement, ReleaseTrain, Story
from art.rules import jira_import as jira
from art.rules.jira_import import megabytes
from art.selectors.imports import JiraPreview, import_limits, jira_export_read, jira_import_preview
from art.services import imports as service
from art.views.common import signed_in

TEMPLATE = "art/jira_import.html"
#: Field names of the mapping form: `fs:<Jira status>`, `ss:<Jira status>`, `sprint:<name>`, `team:<name>`.
MAPPING_PREFIXES = {
    "fs": ("statuses", "feature"),
    "ss": ("statuses", "story"),
    "sprint": ("sprints", None),
    "team": ("teams", None),
}


class JiraUploadForm(RailyardForm):
    id_prefix = "jira"
    file = forms.FileField(label="Jira CSV export", widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}))
    pi = forms.ModelChoiceField(queryset=ProgramIncrement.objects.none(), label="Into PI", empty_label=None)

    def __init__(self, *args: Any, train: ReleaseTrain, **kwargs: Any):
        super().__init__(*args, **kwargs)
        max_bytes, max_rows = import_limits()
        self.fields["file"].help_text = (
            f"In Jira: Filters › Export › Export CSV (all fields). At most {megabytes(max_bytes)} "
            f"and {max_rows:,} rows."
        )
        pi_field = self.fields["pi"]
        assert isinstance(pi_field, forms.ModelChoiceField)
        pi_field.queryset = (
            ProgramIncrement.objects.filter(train=train)
            .exclude(state=ProgramIncrement.State.CLOSED)
            .order_by("start_date")
        )
        pi_field.error_messages["invalid_choice"] = "pi must be a PI of this train that is not closed"
        self.data_bytes = b""

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        max_bytes, _ = import_limits()
        self.data_bytes = upload.read(max_bytes + 1)
        jira_export_read(self.data_bytes)  # ValidationError on `file`, naming the problem
        return upload

    def add_error(self, field: str | None, error: Any) -> None:
        # The reader names the field itself ({"file": ...}).
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            field = None
        super().add_error(field, error)


def _urls(train: ReleaseTrain) -> dict[str, str]:
    return {
        name: reverse(f"art:jira_import{suffix}", kwargs={"slug": train.slug})
        for name, suffix in (("upload", ""), ("preview", "_preview"), ("apply", "_apply"))
    }


def _context(train: ReleaseTrain, **extra: Any) -> dict[str, Any]:
    max_bytes, max_rows = import_limits()
    return {
        "train": train,
        "urls": _urls(train),
        "limit_words": f"{megabytes(max_bytes)} and {max_rows:,} rows",
        **extra,
    }


@require_http_methods(["GET", "POST"])
@login_required
def jira_import(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The upload form; a valid upload is kept (art.services.imports.jira_upload_keep) and its
    preview shown."""
    train = train_for_user(signed_in(request), slug, Action.EDIT_BACKLOG)
    pending = service.jira_upload_get(train=train, user=signed_in(request))
    if request.method == "GET":
        form = JiraUploadForm(train=train)
        return render(request, TEMPLATE, _context(train, form=form, pending=pending, step="upload"))
    form = JiraUploadForm(request.POST, request.FILES, train=train)
    if not form.is_valid():
        return render(
            request, TEMPLATE, _context(train, form=form, pending=pending, step="upload"), status=422
        )
    pi = form.cleaned_data["pi"]
    service.jira_upload_keep(
        train=train,
        user=signed_in(request),
        pi=pi,
        file_name=form.cleaned_data["file"].name,
        data=form.data_bytes,
    )
    return redirect(_urls(train)["preview"])


def mapping_from_fields(data: QueryDict) -> dict[str, Any]:
    """The mapping form's fields in the shape of art.rules.jira_import.parse_mapping."""
    raw: dict[str, dict[str, Any]] = {"statuses": {}, "sprints": {}, "teams": {}}
    for name in data:
        prefix, sep, value = name.partition(":")
        if not sep or prefix not in MAPPING_PREFIXES:
            continue
        part, kind = MAPPING_PREFIXES[prefix]
        if kind:
            raw[part].setdefault(value, {})[kind] = data.get(name) or None
        else:
            raw[part][value] = data.get(name) or None
    return raw


def _preview_context(
    train: ReleaseTrain, upload: service.JiraUpload, preview: JiraPreview, **extra: Any
) -> dict[str, Any]:
    rows = preview.export.rows
    uses = {
        "statuses": _count(r.status for r in rows),
        "sprints": _count(r.sprint for r in rows),
        "teams": _count(r.team for r in rows),
    }
    mapping = preview.mapping
    return _context(
        train,
        step="preview",
        upload=upload,
        preview=preview,
        pi=preview.pi,
        counts=preview.counts,
        statuses=[
            {"value": v, "rows": uses["statuses"].get(jira.norm(v), 0), "feature": f or "", "story": s or ""}
            for v, (f, s) in mapping.statuses.items()
        ],
        sprints=[
            {"value": v, "rows": uses["sprints"].get(jira.norm(v), 0), "chosen": i}
            for v, i in mapping.sprints.items()
        ],
        teams=[
            {"value": v, "rows": uses["teams"].get(jira.norm(v), 0), "chosen": t}
            for v, t in mapping.teams.items()
        ],
        feature_states=FeatureState.choices,
        story_states=Story.State.choices,
        **extra,
    )


def _count(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        if value:
            counts[jira.norm(value)] = counts.get(jira.norm(value), 0) + 1
    return counts


def _no_upload(request: HtmxHttpRequest, train: ReleaseTrain) -> HttpResponse:
    return render(request, TEMPLATE, _context(train, step="none"))


def _preview(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    upload: service.JiraUpload,
    data: QueryDict,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    """The preview with the mapping in `data`; a mapping that cannot be used is named, and the
    preview falls back to the default one."""
    pi = ProgramIncrement.objects.filter(pk=upload.pi_id, train=train).first()
    user = signed_in(request)
    errors: list[str] = []
    try:
        preview = jira_import_preview(
            actor=user, train=train, pi=pi, data=upload.data, mapping=mapping_from_fields(data)
        )
    except ValidationError as exc:
        if "mapping" not in exc.message_dict:
            messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
            return redirect(_urls(train)["upload"])
        errors = exc.message_dict["mapping"]
        preview = jira_import_preview(actor=user, train=train, pi=pi, data=upload.data)
        status = 422
    return render(
        request,
        TEMPLATE,
        _preview_context(train, upload, preview, mapping_errors=errors, **extra),
        status=status,
    )


@require_http_methods(["GET"])
@login_required
def jira_import_preview_page(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(signed_in(request), slug, Action.EDIT_BACKLOG)
    upload = service.jira_upload_get(train=train, user=signed_in(request))
    if upload is None:
        return _no_upload(request, train)
    return _preview(request, train, upload, request.GET)


@require_POST
@login_required
def jira_import_apply(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Import exactly the preview shown: the same upload (its token) and the same plan (its
    digest), checked again inside the import's transaction."""
    user = signed_in(request)
    train = train_for_user(user, slug, Action.EDIT_BACKLOG)
    upload = service.jira_upload_get(train=train, user=user)
    if upload is None or request.POST.get("upload") != upload.token:
        messages.error(
            request,
            "upload: that file is no longer waiting for its import (it was replaced or expired): "
            "upload it again.",
        )
        return redirect(_urls(train)["upload"])
    pi = ProgramIncrement.objects.filter(pk=upload.pi_id, train=train).first()
    try:
        result = service.jira_import_apply(
            actor=user,
            train=train,
            pi=pi,
            data=upload.data,
            mapping=mapping_from_fields(request.POST),
            digest=request.POST.get("digest", ""),
        )
    except service.PreviewChanged as changed:
        return render(
            request,
            TEMPLATE,
            _preview_context(train, upload, changed.preview, refusal=service.PREVIEW_CHANGED),
            status=409,
        )
    except ValidationError as exc:
        words = (
            [m for ms in exc.message_dict.values() for m in ms]
            if hasattr(exc, "error_dict")
            else exc.messages
        )
        return _preview(request, train, upload, request.POST, status=422, refusal=" ".join(words))
    service.jira_upload_forget(train=train, user=user)
    written = [(row, result.cards[row.row]) for row in result.preview.plan.rows if row.row in result.cards]
    return render(
        request,
        TEMPLATE,
        _context(
            train,
            step="done",
            result=result,
            written=written,
            pi=result.preview.pi,
            counts=result.counts,
            upload=upload,
        ),
    )
