"""Committing the plan as the baseline."""

from __future__ import annotations

from django import forms

from art.forms import RailyardForm


class BaselineForm(RailyardForm):
    id_prefix = "baseline"
    note = forms.CharField(
        max_length=240,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Plan as committed on day 2"}),
    )
