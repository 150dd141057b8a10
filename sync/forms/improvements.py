"""The improvement backlog's forms: write an item, edit it, move its status. They parse; the
rules and their words are sync.services.improvements', so that a refusal reads the same on the
page and in the API."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from art.forms import DateInput, RailyardForm
from art.models import ProgramIncrement
from pi_planning.forms.common import CardForm, choice_field
from sync.models import ImprovementItem
from sync.services.improvements import STATUS_REFUSAL, TARGET_OTHER_TRAIN, TITLE_REFUSAL

NO_TARGET = "No target PI yet"


def _target_field(form: forms.BaseForm, pis: Iterable[ProgramIncrement], current: int | None = None) -> None:
    """Every PI of the train parses (the service refuses a closed one, in its words); the
    choices offered are the PIs not closed, and the item's current target."""
    pis = list(pis)
    field = choice_field(form, "target_pi")
    field.choices = [("", NO_TARGET), *((str(p.pk), p.name) for p in pis)]
    field.widget.choices = [
        ("", NO_TARGET),
        *(
            (str(p.pk), p.name if p.state != ProgramIncrement.State.CLOSED else f"{p.name} (closed)")
            for p in pis
            if p.state != ProgramIncrement.State.CLOSED or p.pk == current
        ),
    ]
    field.error_messages["invalid_choice"] = TARGET_OTHER_TRAIN


def target_of(pis: Iterable[ProgramIncrement], value: int | None) -> ProgramIncrement | None:
    return next((p for p in pis if p.pk == value), None)


class ImprovementCreateForm(RailyardForm):
    id_prefix = "improvement"

    title = forms.CharField(
        max_length=240,
        label="What will the train improve?",
        widget=forms.TextInput(attrs={"placeholder": "e.g. A definition of done shared by every team"}),
    )
    owner = forms.CharField(max_length=120, required=False, help_text="Who drives it; you can add it later.")
    target_pi = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        label="Target PI",
        help_text="The PI whose planning takes it up (PIs not closed).",
    )
    due_date = forms.DateField(required=False, label="Due", widget=DateInput())
    description = forms.CharField(
        required=False, max_length=4000, label="Details", widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, pis: Iterable[ProgramIncrement] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        _target_field(self, pis)
        self.fields["title"].error_messages["required"] = TITLE_REFUSAL
        self.fields["due_date"].error_messages["invalid"] = "due_date must be a date (YYYY-MM-DD)"


class ImprovementEditForm(CardForm):
    """Editing an item's card: the version and the values the person saw travel with it. `only`
    names the fields this person may change (a participant who is not the RTE: the owner); the
    others show, disabled."""

    id_prefix = "improvement-edit"
    card_fields = ("title", "owner", "target_pi", "due_date", "description")

    title = forms.CharField(max_length=240)
    owner = forms.CharField(max_length=120, required=False)
    target_pi = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="Target PI")
    due_date = forms.DateField(required=False, label="Due", widget=DateInput())
    description = forms.CharField(
        required=False, max_length=4000, label="Details", widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        pis: Iterable[ProgramIncrement] = (),
        current: int | None = None,
        only: Iterable[str] | None = None,
        **kwargs: Any,
    ):
        self._pis = list(pis)
        self._current = current
        self._only = None if only is None else frozenset(only)
        super().__init__(*args, **kwargs)
        if self._only is not None:
            for name in self.card_fields:
                if name not in self._only:
                    self.fields[name].disabled = True
        _target_field(self, self._pis, current)
        self.fields["title"].error_messages["required"] = TITLE_REFUSAL
        self.fields["due_date"].error_messages["invalid"] = "due_date must be a date (YYYY-MM-DD)"

    def _rebuild_kwargs(self) -> dict[str, Any]:
        return {**super()._rebuild_kwargs(), "pis": self._pis, "current": self._current, "only": self._only}

    @classmethod
    def values_of(cls, obj: Any) -> dict[str, Any]:
        return {
            "title": obj.title,
            "owner": obj.owner,
            "target_pi": obj.target_pi_id,
            "due_date": obj.due_date,
            "description": obj.description,
            "version": obj.version,
        }


class ImprovementStatusForm(CardForm):
    """Moving the status: one button, with the version the card showed."""

    id_prefix = "improvement-status"
    card_fields = ("status",)

    status = forms.ChoiceField(choices=ImprovementItem.Status.choices)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["status"].error_messages["invalid_choice"] = STATUS_REFUSAL

    @classmethod
    def values_of(cls, obj: Any) -> dict[str, Any]:
        return {"status": obj.status, "version": obj.version}
