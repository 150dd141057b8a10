"""Forms of the calendar pages. They parse only: the rules and their words are the services'
(sync.services.calendar), shown next to the field they name. Times are read in the train's zone
(the views parse and render inside django.utils.timezone.override(train.tz))."""

from __future__ import annotations

from typing import Any

from django import forms

from art import rules
from art.forms import RailyardForm
from art.models import ProgramIncrement
from sync.models import Event, SyncCadence

LOCAL_DATETIME = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None):
        super().__init__(attrs=attrs, format=LOCAL_DATETIME)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None):
        super().__init__(attrs=attrs, format="%H:%M")


class EventForm(RailyardForm):
    """Adding an event (the RTE), or editing one (id_prefix "edit")."""

    id_prefix = "event"
    kind = forms.ChoiceField(choices=Event.Kind.choices, initial=Event.Kind.ART_SYNC)
    title = forms.CharField(
        max_length=160, required=False, help_text="Leave empty to name it after its kind."
    )
    starts_at = forms.DateTimeField(label="Starts", widget=LocalDateTimeInput())
    ends_at = forms.DateTimeField(label="Ends", widget=LocalDateTimeInput())
    pi = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="PI")
    location = forms.CharField(max_length=240, required=False, help_text="A room or a video link.")
    notes = forms.CharField(max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, pis: list[ProgramIncrement], time_zone: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.pis = {pi.pk: pi for pi in pis}
        pi_field = self.fields["pi"]
        assert isinstance(pi_field, forms.TypedChoiceField)
        pi_field.choices = [("", "No PI")] + [(str(p.pk), p.name) for p in pis]
        pi_field.error_messages["invalid_choice"] = "pi must be one of this train's PIs"
        for name in ("starts_at", "ends_at"):
            self.fields[name].help_text = f"In {time_zone}."
            self.fields[name].error_messages["invalid"] = f"{name} must be a date and time (YYYY-MM-DD HH:MM)"

    def clean_pi(self) -> ProgramIncrement | None:
        pk = self.cleaned_data.get("pi")
        return self.pis.get(pk) if pk is not None else None

    @classmethod
    def values_of(cls, event: Event) -> dict[str, Any]:
        return {
            "kind": event.kind,
            "title": event.title,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "pi": event.pi_id,
            "location": event.location,
            "notes": event.notes,
            "version": event.version,
        }


WEEKDAY_CHOICES = [(str(n), name) for n, name in enumerate(rules.events.WEEKDAY_NAMES)]


class CadenceForm(RailyardForm):
    """The train's cadence. Lengths and weekdays are checked by the service, in the rule's words
    (art.rules.events.cadence_refusals), so that the page and the API refuse alike."""

    id_prefix = "cadence"
    # Every weekday parses: the service refuses the weekend with the rule's words.
    sync_weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        label="Sync days",
        help_text="One day for a weekly sync, two for twice weekly.",
        widget=forms.CheckboxSelectMultiple,
    )
    sync_time = forms.TimeField(label="Sync time", widget=TimeInput())
    sync_minutes = forms.IntegerField(label="ART sync length", help_text="Minutes, 30 to 90.")
    separate_syncs = forms.BooleanField(
        required=False,
        label="Hold a coach sync and a PO sync instead of one ART sync",
        help_text="The PO sync follows the coach sync at once.",
    )
    coach_sync_minutes = forms.IntegerField(label="Coach sync length", help_text="Minutes, 15 to 90.")
    po_sync_minutes = forms.IntegerField(label="PO sync length", help_text="Minutes, 15 to 90.")
    demo_time = forms.TimeField(label="System demo time", widget=TimeInput())
    demo_minutes = forms.IntegerField(label="System demo length", help_text="Minutes, 30 to 180.")
    ia_time = forms.TimeField(label="Inspect & Adapt time", widget=TimeInput())
    ia_minutes = forms.IntegerField(
        label="Inspect & Adapt length", help_text="Minutes, 180 to 240 (3 to 4 hours)."
    )
    planning_start = forms.TimeField(label="PI planning starts", widget=TimeInput())
    planning_end = forms.TimeField(label="PI planning ends", widget=TimeInput())

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name, form_field in self.fields.items():
            if isinstance(form_field, forms.TimeField):
                form_field.error_messages["invalid"] = f"{name} must be a time (HH:MM)"
        weekdays = self.fields["sync_weekdays"]
        weekdays.error_messages["invalid_choice"] = rules.events.SYNC_WEEKDAYS_RULE

    @staticmethod
    def values_of(cadence: SyncCadence) -> dict[str, Any]:
        return {
            name: [str(d) for d in cadence.sync_weekdays]
            if name == "sync_weekdays"
            else getattr(cadence, name)
            for name in CadenceForm.base_fields
        }
