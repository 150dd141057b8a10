"""The forms of a system demo's page. They parse; the rules are the services'."""

from __future__ import annotations

from django import forms

from art.forms import RailyardForm
from sync.models import DemoItem, SystemDemo


class DemoSummaryForm(RailyardForm):
    id_prefix = "demo"
    summary = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 7, "placeholder": "What the train showed, and what came of it"}),
        help_text="What the train showed, in a few lines.",
    )
    state = forms.ChoiceField(
        choices=SystemDemo.State.choices, help_text="Held records when the demo took place."
    )
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)


class DemoItemForm(RailyardForm):
    """An item's outcome and notes (business owners and the RTE)."""

    outcome = forms.ChoiceField(choices=DemoItem.Outcome.choices, widget=forms.RadioSelect)
    notes = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Why, or what to change"}),
    )
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, item_id: int = 0, **kwargs: object):
        kwargs.setdefault("auto_id", f"id_item-{item_id}-%s")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class DemoItemAddForm(RailyardForm):
    id_prefix = "demo-add"
    feature = forms.CharField(
        label="Feature",
        max_length=64,
        help_text="Its key, as on the board: F-12 or its tracker key.",
        widget=forms.TextInput(
            attrs={"list": "demo-feature-keys", "autocomplete": "off", "placeholder": "F-12"}
        ),
    )


class DemoItemMoveForm(RailyardForm):
    id_prefix = "demo-move"
    position = forms.IntegerField(min_value=0)


class DemoFeedbackForm(RailyardForm):
    id_prefix = "feedback"
    stakeholder = forms.CharField(
        required=False,
        max_length=120,
        label="Who said it",
        widget=forms.TextInput(attrs={"placeholder": "e.g. Head of merchant support"}),
    )
    feature = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="About")
    text = forms.CharField(
        label="Feedback",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What they said, in their words"}),
    )

    def __init__(self, *args: object, features: list[tuple[int, str]] = (), **kwargs: object):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["feature"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "The whole increment"), *features]
