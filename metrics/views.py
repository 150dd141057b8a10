"""Pages of the metrics: the executive dashboard (read-only for viewers), its CSV downloads, the
forecast, the definitions, and the RTE's "Recompute now" with its progress (htmx polling).

Each view parses, checks access through art.access, reads through metrics.dashboard,
metrics.forecast_page and metrics.selectors (or asks metrics.services) and renders."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from art.access import Action, permissions, train_for_user
from art.http import HtmxHttpRequest, csv_response, download_filename
from art.models import ReleaseTrain
from art.rules import definitions
from metrics import dashboard, selectors, services
from metrics import forecast_page as forecast
from metrics.forms import ForecastForm, PeriodForm
from metrics.models import RecomputeRun

DASHBOARD_TEMPLATE = "metrics/dashboard.html"


POLL_SECONDS = 2


def _dashboard_url(train: ReleaseTrain) -> str:
    return reverse("metrics:dashboard", kwargs={"slug": train.slug})


def _run_context(request: HttpRequest, train: ReleaseTrain, run: RecomputeRun | None) -> dict[str, Any]:
    return {
        "train": train,
        "run": run,
        "busy": services.run_busy(run),
        "can": permissions(request.user, train.pk),
        "poll_seconds": POLL_SECONDS,
    }


@require_GET
@login_required
def dashboard_page(request: HttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.VIEW)
    period = PeriodForm(request.GET or None)
    data = dashboard.dashboard_data(train=train, weeks=period.weeks_or_default())
    context = {
        **_run_context(request, train, data.run),
        "data": data,
        "period_form": period if period.is_bound else PeriodForm(initial={"weeks": data.weeks}),
    }
    return render(request, DASHBOARD_TEMPLATE, context)


@require_GET
@login_required
def dashboard_csv(request: HttpRequest, slug: str, chart: str) -> HttpResponse:
    """A chart's data table as CSV (percentages with 2 decimals, dates YYYY-MM-DD)."""
    train = train_for_user(request.user, slug, Action.VIEW)
    data = dashboard.dashboard_data(train=train, weeks=PeriodForm(request.GET or None).weeks_or_default())
    found = data.chart(chart)
    if found is None:
        raise Http404("No such chart")
    columns = found.columns
    if chart == "throughput":
        columns = ["PI", "Iteration", "Start", "End", "Features", "Points"]
    filename = download_filename(train.slug, chart, data.today.isoformat(), extension="csv")
    return csv_response(filename, columns, found.csv_rows)


def _forecast_defaults(page_train: ReleaseTrain, today: dt.date) -> dict[str, Any]:
    pi = selectors.current_pi(train=page_train)
    remaining = selectors.remaining_features(pi=pi) if pi else 0
    until = pi.end_date if pi and pi.end_date > today else today + dt.timedelta(weeks=4)
    return {"items": remaining or 10, "until": until}


@require_GET
@login_required
def forecast_page(request: HttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.VIEW)
    today = selectors.train_today(train)
    if {"items", "until"} & set(request.GET):
        form = ForecastForm(request.GET, today=today)
        asked = form.cleaned_data if form.is_valid() else {}
    else:
        asked = _forecast_defaults(train, today)
        form = ForecastForm(initial=asked, today=today)
    seed = (
        int(request.GET["seed"]) if request.GET.get("seed", "").isdigit() else int(today.strftime("%Y%m%d"))
    )
    page = forecast.forecast_page(train=train, items=asked.get("items"), until=asked.get("until"), seed=seed)
    context = {"train": train, "can": permissions(request.user, train.pk), "form": form, "page": page}
    return render(request, "metrics/forecast.html", context)


@require_GET
@login_required
def forecast_csv(request: HttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.VIEW)
    chart = forecast.history_chart(selectors.throughput_history(train=train))
    filename = download_filename(train.slug, "throughput-history", extension="csv")
    return csv_response(filename, chart.columns, chart.csv_rows)


@require_GET
@login_required
def definitions_page(request: HttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.VIEW)
    context = {"train": train, "definitions": definitions.definitions()}
    return render(request, "metrics/definitions.html", context)


@require_POST
@login_required
def recompute(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """RTE only: queue a recompute of the train's snapshots and answer at once with its progress
    (the work runs outside the request: Celery's worker, or a thread of this process on the
    embedded default). A press while one runs joins it."""
    train = train_for_user(request.user, slug, Action.RUN_EVENTS)
    run, created = services.recompute_request(actor=request.user, train=train)
    run.refresh_from_db()
    if run.state == RecomputeRun.State.DONE:
        # Tests run background work inline (RAILYARD_BACKGROUND_INLINE): the figures are new.
        messages.success(request, f"Figures recomputed: {run.days:,} days, {run.rows:,} rows.")
        return HttpResponseClientRefresh() if request.htmx else redirect(_dashboard_url(train))
    if not request.htmx:
        messages.success(
            request,
            "Recompute queued: the figures update in a moment."
            if created
            else "A recompute is already under way.",
        )
        return redirect(_dashboard_url(train))
    return render(request, f"{DASHBOARD_TEMPLATE}#recompute", _run_context(request, train, run))


@require_GET
@login_required
def recompute_status(request: HtmxHttpRequest, slug: str, run_id: int) -> HttpResponse:
    """A recompute's progress (polled by htmx); once it is done, the page reloads."""
    train = train_for_user(request.user, slug, Action.VIEW)
    run = RecomputeRun.objects.filter(train=train, pk=run_id).first()
    if run is None:
        raise Http404("No such recompute")
    if request.htmx and run.state == RecomputeRun.State.DONE:
        messages.success(request, f"Figures recomputed: {run.days:,} days, {run.rows:,} rows.")
        return HttpResponseClientRefresh()
    if not request.htmx:
        return redirect(_dashboard_url(train))
    return render(request, f"{DASHBOARD_TEMPLATE}#recompute", _run_context(request, train, run))
