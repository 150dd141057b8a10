"""A person's capacity inputs, and the train's public holidays."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from art.forms import DateInput, RailyardForm
from art.models import Iteration


class MemberCapacityForm(RailyardForm):
    """One person's FTE, whether they deliver, and their absence days per iteration."""

    fte = forms.DecimalField(label="FTE", max_digits=4, decimal_places=2)
    delivering = forms.BooleanField(required=False)

    def __init__(self, *args: Any, member: Any, iterations: list[Iteration], **kwargs: Any):
        kwargs.setdefault("auto_id", f"id_m{member.pk}-%s")
        super().__init__(*args, **kwargs)
        self.fields["fte"].widget = forms.NumberInput(attrs={"step": "0.05", "min": "0", "max": "1"})
        self.iterations = iterations
        for iteration in iterations:
            self.fields[f"absence_{iteration.pk}"] = forms.DecimalField(
                label=f"Absence days in {iteration.name}",
                max_digits=4,
                decimal_places=1,
                required=False,
                widget=forms.NumberInput(attrs={"step": "0.5", "min": "0", "max": str(iteration.workdays)}),
            )

    def absences(self) -> list[tuple[Iteration, Any]]:
        return [(it, self.cleaned_data.get(f"absence_{it.pk}") or 0) for it in self.iterations]

    def clean(self) -> dict[str, Any]:
        data = cast("dict[str, Any]", super().clean())  # Form.clean() returns cleaned_data
        for iteration in self.iterations:
            days = data.get(f"absence_{iteration.pk}")
            if days is not None and not 0 <= days <= iteration.workdays:
                self.add_error(
                    f"absence_{iteration.pk}",
                    ValidationError(
                        f"days must be between 0 and the iteration's {iteration.workdays} workdays"
                    ),
                )
        return data


class HolidayForm(RailyardForm):
    id_prefix = "holiday"
    date = forms.DateField(widget=DateInput())
    name = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"placeholder": "e.g. Labour Day"}))
