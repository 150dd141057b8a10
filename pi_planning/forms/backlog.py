"""WSJF scoring of a feature on the ranked backlog (and, for a defect, whether it was found after
release)."""

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
    found_after_release = forms.BooleanField(
        label="Found after release",
        required=False,
        help_text="A defect found by users after release, not by the train before it (defect escape rate).",
    )

    SCORES = ("user_business_value", "time_criticality", "risk_reduction", "job_size")

    def __init__(self, *args: Any, feature: Feature | None = None, **kwargs: Any):
        kwargs.setdefault("auto_id", f"id_wsjf-{feature.pk if feature else 'x'}-%s")
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(n, str(n)) for n in FIBONACCI]
        for name in self.SCORES:
            self.fields[name].widget = forms.Select(choices=choices)
        if feature is None or feature.kind != Feature.Kind.DEFECT:
            del self.fields["found_after_release"]  # only defects escape (art.models.Feature)

    def changes(self) -> dict[str, Any]:
        """The cleaned inputs the feature takes: the scores, and for a defect whether it was
        found after release."""
        names = [*self.SCORES, *(["found_after_release"] if "found_after_release" in self.fields else [])]
        return {name: self.cleaned_data[name] for name in names}
