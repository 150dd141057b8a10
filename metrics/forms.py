"""Forms of the metrics pages: the dashboard's period and the forecast's questions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from art import rules
from metrics.dashboard import DEFAULT_WEEKS, PERIOD_WEEKS


class PeriodForm(forms.Form):
    weeks = forms.TypedChoiceField(
        label="Period",
        choices=[(w, f"Last {w} weeks") for w in PERIOD_WEEKS],
        coerce=int,
        initial=DEFAULT_WEEKS,
        required=False,
    )

    def weeks_or_default(self) -> int:
        if self.is_valid() and self.cleaned_data.get("weeks"):
            return self.cleaned_data["weeks"]
        return DEFAULT_WEEKS


class ForecastForm(forms.Form):
    items = forms.IntegerField(
        label="How many features?",
        min_value=1,
        max_value=10_000,
        required=False,
        help_text="When will this many more features be done?",
    )
    until = forms.DateField(
        label="By which date?",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="How many features will be done by the end of this day?",
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["until"].widget.attrs["min"] = (today + dt.timedelta(days=1)).isoformat()

    def clean_until(self) -> dt.date | None:
        until = self.cleaned_data.get("until")
        if until is None:
            return None
        if until <= self.today:
            raise forms.ValidationError("until must be after today: pick a day from tomorrow on")
        if (until - self.today).days > rules.forecast.MAX_FORECAST_DAYS:
            raise forms.ValidationError(
                f"until must be at most {rules.forecast.MAX_FORECAST_DAYS} days ahead"
            )
        return until
