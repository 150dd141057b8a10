"""Admin views of the metrics: read-only (snapshots are recomputed, never edited by hand)."""

from django.contrib import admin

from art.admin import ReadOnlyAdmin
from metrics.models import MetricSnapshot, RecomputeRun


@admin.register(MetricSnapshot)
class MetricSnapshotAdmin(ReadOnlyAdmin):
    list_display = [
        "day",
        "train",
        "team",
        "pi",
        "wip",
        "throughput_count",
        "open_dependencies",
        "computed_at",
    ]
    list_filter = ["train"]
    date_hierarchy = "day"
    list_select_related = ["train", "team", "pi"]


@admin.register(RecomputeRun)
class RecomputeRunAdmin(ReadOnlyAdmin):
    list_display = [
        "requested_at",
        "train",
        "state",
        "progress",
        "days",
        "rows",
        "requested_by",
        "finished_at",
    ]
    list_filter = ["state", "train"]
    list_select_related = ["train", "requested_by"]
