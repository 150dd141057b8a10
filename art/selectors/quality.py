"""Reads for the quality figures: the defects behind the defect escape rate."""

from __future__ import annotations

import datetime as dt

from art.models import Feature, FeatureState, ReleaseTrain


def defect_flags(*, train: ReleaseTrain, lo: dt.datetime, hi: dt.datetime) -> list[tuple[dt.datetime, bool]]:
    """The train's defects created in ``[lo, hi)`` (cancelled ones left out: rejected as not a
    defect, or duplicates), each as ``(created_at, found_after_release)``, oldest first: one
    query, whatever their number."""
    return list(
        Feature.objects.filter(train=train, kind=Feature.Kind.DEFECT, created_at__gte=lo, created_at__lt=hi)
        .exclude(state=FeatureState.CANCELLED)
        .order_by("created_at", "id")
        .values_list("created_at", "found_after_release")
    )
