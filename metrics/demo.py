"""Seed step of the metrics: compute the demo train's snapshots (its whole history) after every
other step has made its data, so that the dashboard shows figures right after `make run`."""

from __future__ import annotations

from art.demo import SeedContext, seed_step
from metrics import services


@seed_step(900, "metric snapshots")
def metric_snapshots(ctx: SeedContext) -> None:
    assert ctx.train is not None
    result = services.recompute_snapshots(train_id=ctx.train.pk, today=ctx.today)
    ctx.count("metric snapshots", result.rows)
