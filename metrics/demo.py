"""Seed step of the metrics: compute the demo train's snapshots (its whole history) after every
other step has made its data, so that the dashboard shows figures right after `make run`."""

from __future__ import annotations

from django.utils import timezone

from art.demo import SeedContext, seed_step
from metrics import services
from metrics.models import RecomputeRun


@seed_step(900, "metric snapshots")
def metric_snapshots(ctx: SeedContext) -> None:
    """The snapshots and the finished features' figures, recorded as a finished recompute (the
    flow figures read them from the start, as after a nightly run)."""
    assert ctx.train is not None
    started = timezone.now()
    result = services.recompute_snapshots(train_id=ctx.train.pk, today=ctx.today)
    services.refresh_finished(train=ctx.train)
    RecomputeRun.objects.create(
        train=ctx.train,
        state=RecomputeRun.State.DONE,
        requested_at=started,
        started_at=started,
        finished_at=timezone.now(),
        progress=100,
        days=result.days,
        rows=result.rows,
        written=result.written,
        figures=True,
    )
    ctx.count("metric snapshots", result.rows)
