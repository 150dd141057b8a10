"""WSJF scoring of a feature on the ranked backlog."""

from __future__ import annotations

from typing import Any

from django import forms

from art.forms import RailyardForm
from art.models import FIBONACCI, Feature


class WsjfForm(RailyardForm):
    """The four WSJF inputs. Offered as the scale's values; any other number is refused by the
    model with the rule's message, not by the form."""

    id_prefix = "wsjf"
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    user_business_value = forms.IntegerField(label="User-business value")
    time_criticality = forms.IntegerField(label="Time criticality")
    risk_reduction = forms.IntegerField(label="Risk reduction / opportunity enablement")
    job_size = forms.IntegerField(label="Job size")

    SCORES = ("user_business_value", "time_criticality", "risk_reduction", "job_size")

    def __init__(self, *args: Any, feature: Feature | None = None, **kwargs: Any):
        kwargs.setdefault("auto_id", f"id_wsjf-{feature.pk if feature else 'x'}-%s")
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(n, str(n)) for n in FIBONACCI]
        for name in self.SCORES:
            self.fields[name].widget = forms.Select(choices=choices)
