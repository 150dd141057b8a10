"""The REST shape of the metrics (docs/api.md, "Computed views"): query parameters in,
figures out. Serializers parse and render only; the figures come from metrics.selectors, which
hand them over from the rules of art/rules/.

Percentages are numbers rounded to 2 decimals (null where undefined), days are numbers of days
with decimals, dates `YYYY-MM-DD` in the train's time zone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from rest_framework import serializers

from art import rules
from metrics import selectors
from metrics.models import RecomputeRun

#: The longest window metrics/flow answers for (its load series has one point per day).
MAX_FLOW_DAYS = 3 * 366
MAX_FORECAST_ITEMS = 10_000

# --- query parameters -----------------------------------------------------------------------


class TrainQuerySerializer(serializers.Serializer):
    train = serializers.IntegerField(min_value=1, help_text="Id of the train.")


class PredictabilityQuerySerializer(serializers.Serializer):
    train = serializers.IntegerField(min_value=1, required=False, help_text="Every PI of this train.")
    pi = serializers.IntegerField(min_value=1, required=False, help_text="This PI only.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("train" in attrs) == ("pi" in attrs):
            raise serializers.ValidationError({"train": ["give either train or pi (one of them)"]})
        return attrs


class FlowQuerySerializer(TrainQuerySerializer):
    start = serializers.DateField(help_text="First day of the window (included), in the train's time zone.")
    end = serializers.DateField(help_text="Day after the window (excluded), in the train's time zone.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs["start"], attrs["end"]
        if end <= start:
            raise serializers.ValidationError({"end": ["end must be after start (end is excluded)"]})
        if (end - start).days > MAX_FLOW_DAYS:
            raise serializers.ValidationError({"end": [f"the window may span at most {MAX_FLOW_DAYS} days"]})
        return attrs


class ForecastQuerySerializer(TrainQuerySerializer):
    items = serializers.IntegerField(
        min_value=1,
        max_value=MAX_FORECAST_ITEMS,
        required=False,
        help_text="When will this many items be done? (give items or days)",
    )
    days = serializers.IntegerField(
        min_value=1,
        max_value=rules.forecast.MAX_FORECAST_DAYS,
        required=False,
        help_text="How many items in this many days? (give items or days)",
    )
    seed = serializers.IntegerField(required=False, help_text="Makes the simulation repeatable.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("items" in attrs) == ("days" in attrs):
            raise serializers.ValidationError({"items": ["give either items or days (one of them)"]})
        return attrs


class DependencyAgeQuerySerializer(TrainQuerySerializer):
    pi = serializers.IntegerField(min_value=1, required=False, help_text="Only the dependencies of this PI.")


class RecomputeRequestSerializer(serializers.Serializer):
    train = serializers.IntegerField(min_value=1, help_text="Id of the train whose snapshots to recompute.")
    since = serializers.DateField(
        required=False,
        help_text="Recompute the local days from this one to today only (the earliest day whose "
        "figures changed); left out: the whole history. Days changed since the last finished "
        "recompute are recomputed too.",
    )


# --- answers --------------------------------------------------------------------------------


class TeamPredictabilitySerializer(serializers.Serializer):
    team = serializers.IntegerField()
    name = serializers.CharField()
    planned = serializers.IntegerField(help_text="Σ planned BV of the team's committed objectives.")
    actual = serializers.IntegerField(help_text="Σ actual BV of all its objectives scored so far.")
    percent = serializers.FloatField(allow_null=True, help_text="null for n/a and not scored.")
    status = serializers.CharField(help_text='"ok", "n/a" (no committed planned BV) or "not scored".')
    unscored = serializers.IntegerField(help_text="Objectives without an actual BV yet.")


class PIPredictabilitySerializer(serializers.Serializer):
    pi = serializers.IntegerField()
    name = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    state = serializers.CharField()
    planned = serializers.IntegerField()
    actual = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True)
    status = serializers.CharField(help_text='"ok", "n/a" (no committed planned BV) or "not scored".')
    unscored = serializers.IntegerField()
    teams = TeamPredictabilitySerializer(many=True)


class TrainPredictabilitySerializer(serializers.Serializer):
    train = serializers.IntegerField()
    pis = PIPredictabilitySerializer(many=True, help_text="One per PI, oldest first.")


def _result(result: rules.predictability.PredictabilityResult) -> dict[str, Any]:
    return {
        "planned": result.planned,
        "actual": result.actual,
        "percent": result.percent,
        "status": result.status,
        "unscored": result.unscored,
    }


def predictability_data(item: selectors.PIPredictability) -> dict[str, Any]:
    return {
        "pi": item.pi_id,
        "name": item.name,
        "start_date": item.start_date,
        "end_date": item.end_date,
        "state": item.state,
        **_result(item.result),
        "teams": [{"team": t.team_id, "name": t.name, **_result(t.result)} for t in item.teams],
    }


class VelocitySerializer(serializers.Serializer):
    count = serializers.IntegerField()
    points = serializers.IntegerField()


class SummarySerializer(serializers.Serializer):
    mean = serializers.FloatField(allow_null=True)
    median = serializers.FloatField(allow_null=True)
    p85 = serializers.FloatField(allow_null=True, help_text="85th percentile, nearest rank.")
    count = serializers.IntegerField(help_text="Finished features the figures are taken over.")


class KindShareSerializer(serializers.Serializer):
    count = serializers.FloatField(allow_null=True, help_text="Share of the finished features, %.")
    points = serializers.FloatField(allow_null=True, help_text="Share of their points, %.")
    features = serializers.IntegerField()
    point_total = serializers.IntegerField()


class LoadListSerializer(serializers.ListSerializer):
    """The load's days written directly (a whole history is a thousand of them): what
    LoadPointSerializer writes of each, ISO dates and whole numbers (a test compares them)."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        return [{"date": point["date"].isoformat(), "wip": int(point["wip"])} for point in data]


class LoadPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    wip = serializers.IntegerField()

    class Meta:
        list_serializer_class = LoadListSerializer


class FlowSerializer(serializers.Serializer):
    train = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()
    velocity = VelocitySerializer()
    flow_time = SummarySerializer()
    lead_time = SummarySerializer()
    cycle_time = SummarySerializer()
    efficiency = serializers.FloatField(allow_null=True, help_text="Σ active time ÷ Σ flow time, %.")
    distribution = serializers.DictField(child=KindShareSerializer(), help_text="By kind.")
    load = LoadPointSerializer(many=True, help_text="Features in flow at the end of each day.")


def flow_data(train_id: int, start: dt.date, end: dt.date, report: rules.flow.FlowReport) -> dict[str, Any]:
    def summary(s: rules.stats.Summary) -> dict[str, Any]:
        return {"mean": s.mean, "median": s.median, "p85": s.p85, "count": s.count}

    return {
        "train": train_id,
        "start": start,
        "end": end,
        "velocity": {"count": report.velocity.count, "points": report.velocity.points},
        "flow_time": summary(report.flow_time),
        "lead_time": summary(report.lead_time),
        "cycle_time": summary(report.cycle_time),
        "efficiency": report.efficiency,
        "distribution": {
            kind: {"count": s.count, "points": s.points, "features": s.features, "point_total": s.point_total}
            for kind, s in report.distribution.items()
        },
        "load": [{"date": p.date, "wip": p.wip} for p in report.load],
    }


def _confidence_fields(field: type[serializers.Field], **kwargs: Any) -> dict[str, serializers.Field]:
    return {str(c): field(**kwargs) for c in rules.forecast.CONFIDENCES}


PercentileDaysSerializer = type(
    "ForecastDaysPercentiles",
    (serializers.Serializer,),
    _confidence_fields(serializers.IntegerField, help_text="Days within which the items are done."),
)
PercentileDatesSerializer = type(
    "ForecastDatesPercentiles",
    (serializers.Serializer,),
    _confidence_fields(serializers.DateField, help_text="today + days, in the train's time zone."),
)
PercentileItemsSerializer = type(
    "ForecastItemsPercentiles",
    (serializers.Serializer,),
    _confidence_fields(serializers.IntegerField, help_text="Items done by then with this confidence."),
)


class _ForecastBase(serializers.Serializer):
    train = serializers.IntegerField()
    history_days = serializers.IntegerField(help_text="Days of throughput history sampled.")
    history_start = serializers.DateField(help_text="First day of the history.")
    trials = serializers.IntegerField()
    seed = serializers.IntegerField(allow_null=True)


class DaysForecastSerializer(_ForecastBase):
    items = serializers.IntegerField()
    days = PercentileDaysSerializer(help_text="Keyed by confidence: 50, 85, 95.")
    dates = PercentileDatesSerializer()


class ItemsForecastSerializer(_ForecastBase):
    days = serializers.IntegerField()
    date = serializers.DateField(help_text="today + days, in the train's time zone.")
    items = PercentileItemsSerializer(help_text="Keyed by confidence: 50, 85, 95.")


def days_forecast_data(
    train_id: int,
    forecast: rules.forecast.DaysForecast,
    history: selectors.ThroughputHistory,
    seed: int | None,
) -> dict[str, Any]:
    return {
        "train": train_id,
        "items": forecast.items,
        "days": {str(c): n for c, n in forecast.days.items()},
        "dates": {str(c): history.today + dt.timedelta(days=n) for c, n in forecast.days.items()},
        "history_days": forecast.history_days,
        "history_start": history.start,
        "trials": forecast.trials,
        "seed": seed,
    }


def items_forecast_data(
    train_id: int,
    forecast: rules.forecast.ItemsForecast,
    history: selectors.ThroughputHistory,
    seed: int | None,
) -> dict[str, Any]:
    return {
        "train": train_id,
        "days": forecast.days,
        "date": history.today + dt.timedelta(days=forecast.days),
        "items": {str(c): n for c, n in forecast.items.items()},
        "history_days": forecast.history_days,
        "history_start": history.start,
        "trials": forecast.trials,
        "seed": seed,
    }


class DependencyAgeSerializer(serializers.Serializer):
    train = serializers.IntegerField()
    pi = serializers.IntegerField(allow_null=True)
    open = serializers.IntegerField()
    resolved = serializers.IntegerField()
    mean_age = serializers.FloatField(allow_null=True, help_text="Whole days, over open and resolved.")
    max_age = serializers.IntegerField(allow_null=True)
    aging = serializers.IntegerField(help_text="Open and older than aging_after_days.")
    open_mean_age = serializers.FloatField(allow_null=True)
    open_max_age = serializers.IntegerField(allow_null=True)
    aging_after_days = serializers.IntegerField()


def dependency_age_data(
    train_id: int, pi_id: int | None, summary: rules.dependencies.DependencyAgeSummary
) -> dict[str, Any]:
    return {
        "train": train_id,
        "pi": pi_id,
        "open": summary.open,
        "resolved": summary.resolved,
        "mean_age": summary.mean_age,
        "max_age": summary.max_age,
        "aging": summary.aging,
        "open_mean_age": summary.open_mean_age,
        "open_max_age": summary.open_max_age,
        "aging_after_days": rules.dependencies.AGING_AFTER_DAYS,
    }


class RecomputeRunSerializer(serializers.ModelSerializer):
    train = serializers.IntegerField(source="train_id", read_only=True)
    url = serializers.SerializerMethodField(help_text="Where to poll this run's state and progress.")

    class Meta:
        model = RecomputeRun
        fields = [
            "id",
            "train",
            "state",
            "progress",
            "requested_at",
            "started_at",
            "finished_at",
            "since",
            "days",
            "rows",
            "written",
            "error",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, run: RecomputeRun) -> str:
        path = reverse("api-metrics-recompute-run", kwargs={"run_id": run.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path
