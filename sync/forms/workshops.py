"""The forms of the Inspect & Adapt page: scoring an objective's actual business value, and the
problem-solving workshop (problem, causes and whys, dots, solutions, improvement items). They
parse; the rules and their words are the services' (sync.services.workshops,
sync.services.improvements, pi_planning.services.objectives)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from art import rules
from art.forms import DateInput, RailyardForm
from art.models import ProgramIncrement
from sync.services.improvements import TARGET_OTHER_TRAIN
from sync.services.workshops import CAUSE_OTHER_WORKSHOP

CATEGORY_CHOICES = list(rules.workshops.CATEGORIES)


class ScoreForm(RailyardForm):
    """A business owner's actual business value of one objective (blank: not scored)."""

    id_prefix = "score"
    actual_bv = forms.IntegerField(label="Actual business value", required=False)
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)


class WorkshopForm(RailyardForm):
    """The RTE's part: the problem, its restatement, the dots per participant. Each form on the
    page posts one of them; only the fields posted change."""

    id_prefix = "workshop"
    problem = forms.CharField(
        label="Problem statement",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What problem does the train want to solve?"}),
    )
    restated_problem = forms.CharField(
        label="Restated problem",
        required=False,
        max_length=2000,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "placeholder": "The problem again, in the light of the causes with the most dots",
            }
        ),
    )
    dots_per_participant = forms.IntegerField(label="Dots per participant", required=False)
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def changes(self, posted: Iterable[str]) -> dict[str, Any]:
        """The fields the form posted (a blank dots field keeps the dots as they are)."""
        posted = set(posted)
        data = self.cleaned_data
        out: dict[str, Any] = {n: data[n] for n in ("problem", "restated_problem") if n in posted}
        if "dots_per_participant" in posted and data.get("dots_per_participant") is not None:
            out["dots_per_participant"] = data["dots_per_participant"]
        return out


def whys_of(text: str) -> list[str]:
    """The whys typed one per line (blank lines left out)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class CauseForm(RailyardForm):
    """A cause on the fishbone. The bone is free text under a select, so that an unknown one is
    refused in the service's words."""

    id_prefix = "cause"
    category = forms.CharField(label="Bone", widget=forms.Select(choices=CATEGORY_CHOICES))
    text = forms.CharField(
        label="Cause",
        max_length=400,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Integration tests run only at night"}),
    )
    whys = forms.CharField(
        label="Whys, one per line",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Why? … and why that? (at most 5)"}),
        help_text=f"Ask “why?” up to {rules.workshops.MAX_WHYS} times, deepest last.",
    )
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def clean_whys(self) -> list[str]:
        return whys_of(self.cleaned_data.get("whys", ""))


class WhyForm(RailyardForm):
    """One more “why?” at the end of a cause's chain."""

    id_prefix = "why"
    why = forms.CharField(label="Why?", max_length=400)
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)


class VoteForm(RailyardForm):
    id_prefix = "vote"
    dots = forms.IntegerField(label="Dots")


class _CauseChoice(RailyardForm):
    """A form with an optional `cause` among the workshop's causes."""

    def __init__(self, *args: Any, causes: Iterable[Any] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.causes = {str(c.pk): c for c in causes}
        self.fields["cause"].widget.choices = [
            ("", self.no_cause),
            *((k, c.text) for k, c in self.causes.items()),
        ]

    no_cause = "The problem as a whole"

    def clean_cause(self) -> Any:
        value = self.cleaned_data.get("cause") or ""
        if not value:
            return None
        if value not in self.causes:
            raise forms.ValidationError(CAUSE_OTHER_WORKSHOP)
        return self.causes[value]


class SolutionForm(_CauseChoice):
    id_prefix = "solution"
    cause = forms.CharField(label="For", required=False, widget=forms.Select)
    text = forms.CharField(
        label="Solution",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "What could remove the cause?"}),
    )


class ItemForm(_CauseChoice):
    """An improvement item written from the workshop. The target PI is offered among the train's
    PIs that are not closed; a closed one sent anyway is refused in the service's words."""

    id_prefix = "item"
    no_cause = "No cause in particular"
    title = forms.CharField(max_length=240)
    owner = forms.CharField(max_length=120)
    due_date = forms.DateField(label="Due", required=False, widget=DateInput())
    target_pi = forms.CharField(label="Target PI", required=False, widget=forms.Select)
    cause = forms.CharField(label="Cause", required=False, widget=forms.Select)
    description = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, pis: Iterable[ProgramIncrement] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.pis = {str(pi.pk): pi for pi in pis}
        self.fields["target_pi"].widget.choices = [
            ("", "No PI yet"),
            *((k, pi.name) for k, pi in self.pis.items() if pi.state != ProgramIncrement.State.CLOSED),
        ]

    def clean_target_pi(self) -> ProgramIncrement | None:
        value = self.cleaned_data.get("target_pi") or ""
        if not value:
            return None
        if value not in self.pis:
            raise forms.ValidationError(TARGET_OTHER_TRAIN)
        return self.pis[value]
