"""The forms of an ART sync's minutes. They parse; the rules are the services'."""

from __future__ import annotations

from django import forms

from art.forms import DateInput, RailyardForm


class DecisionForm(RailyardForm):
    id_prefix = "decision"
    text = forms.CharField(
        label="Decision",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "What was decided, and by whom"}),
    )


class ActionItemForm(RailyardForm):
    id_prefix = "action"
    title = forms.CharField(
        label="Action", max_length=240, widget=forms.TextInput(attrs={"placeholder": "What"})
    )
    owner = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"placeholder": "Who"}))
    due_date = forms.DateField(label="Due", required=False, widget=DateInput())


class ActionItemStatusForm(RailyardForm):
    id_prefix = "action-status"
    status = forms.ChoiceField(choices=[("open", "Open"), ("done", "Done")])
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)


class EscalationForm(RailyardForm):
    id_prefix = "escalation"
    to = forms.CharField(
        label="To whom",
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": "Business owners, the portfolio…"}),
    )
    why = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "What the sync could not solve"}),
    )
