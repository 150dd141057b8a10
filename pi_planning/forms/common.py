"""What the forms of PI planning share: card forms that carry the version the person saw,
so that a stale write can show what changed, and the choice helpers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from art.forms import RailyardForm

Choices = Sequence[tuple[Any, str]]


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """The form's ChoiceField `name` (form.fields is typed with the base Field)."""
    return cast(forms.ChoiceField, form.fields[name])


@dataclass(frozen=True)
class ConflictRow:
    label: str
    seen: str
    yours: str
    now: str
    edited: bool  # the person changed this field
    changed_meanwhile: bool  # someone else changed it since the person loaded the card

    @property
    def clash(self) -> bool:
        return self.edited and self.changed_meanwhile


class CardForm(RailyardForm):
    """A form that edits a versioned card."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    #: Fields that carry the value the person saw, to tell their edits from stale values.
    card_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in self.card_fields:
            self.fields[name].show_hidden_initial = True

    @classmethod
    def values_of(cls, obj: Any) -> dict[str, Any]:
        """The card's current values, as this form's initial data."""
        return {name: getattr(obj, name) for name in cls.card_fields} | {"version": obj.version}

    def seen_inputs(self) -> SafeString:
        """The hidden inputs with the values the person sees now (render inside the <form>)."""
        return format_html_join(
            "",
            "{}",
            (
                (self[name].as_hidden(only_initial=True),)
                for name in self.card_fields
                if not self.fields[name].disabled
            ),
        )

    def edited(self) -> list[str]:
        """Fields the person changed (valid forms only)."""
        return [n for n in self.changed_data if n in self.card_fields and not self.fields[n].disabled]

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.edited()}

    def _seen(self, name: str) -> Any:
        field = self.fields[name]
        raw = field.hidden_widget().value_from_datadict(self.data, self.files, self.add_initial_prefix(name))
        try:
            return field.to_python(raw)
        except forms.ValidationError:
            return raw

    def display(self, name: str, value: Any) -> str:
        field = self.fields[name]
        if value in (None, "", [], ()):
            return "—"
        if isinstance(field, forms.BooleanField):
            return "yes" if value else "no"
        choices = dict((str(k), v) for k, v in getattr(field, "choices", ()) or ())
        if isinstance(value, list | tuple | set):
            return ", ".join(choices.get(str(v), str(v)) for v in value)
        if choices:
            return str(choices.get(str(getattr(value, "pk", value)), value))
        return str(value)

    def conflict_rows(self, current: Mapping[str, Any]) -> list[ConflictRow]:
        """For each field: what the person saw, what they sent, what it is now."""
        edited = set(self.edited()) if self.is_bound and self.is_valid() else set()
        rows = []
        for name in self.card_fields:
            field = self.fields[name]
            if field.disabled:
                continue
            seen = self._seen(name)
            yours = self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None
            now = current.get(name)
            meanwhile = _norm(seen) != _norm(now)
            if name not in edited and not meanwhile:
                continue
            rows.append(
                ConflictRow(
                    label=str(field.label or name.replace("_", " ")).capitalize(),
                    seen=self.display(name, seen),
                    yours=self.display(name, yours),
                    now=self.display(name, now),
                    edited=name in edited,
                    changed_meanwhile=meanwhile,
                )
            )
        return rows

    def retry(self, current: Mapping[str, Any], version: int) -> CardForm:
        """A form over the current card with the person's edits re-applied: submitting it saves
        only their edits, based on the current version."""
        data: dict[str, Any] = {}
        edited = set(self.edited()) if self.is_valid() else set()
        for name in self.card_fields:
            now = _raw(current.get(name))
            data[self.add_initial_prefix(name)] = now
            data[name] = _raw(self.cleaned_data[name]) if name in edited else now
        data["version"] = version
        return self.__class__(_Data(data), **self._rebuild_kwargs())

    def _rebuild_kwargs(self) -> dict[str, Any]:
        return {"auto_id": self.auto_id}


class _Data(dict):
    """Bound data for a rebuilt form: lists for multi-value fields (QueryDict-like getlist)."""

    def getlist(self, key: str) -> list[Any]:
        value = self.get(key, [])
        return list(value) if isinstance(value, list | tuple) else [value]


def _raw(value: Any) -> Any:
    if isinstance(value, bool):
        return "on" if value else ""
    if value is None:
        return ""
    if hasattr(value, "pk"):
        return str(value.pk)
    if isinstance(value, list | tuple | set):
        return [str(getattr(v, "pk", v)) for v in value]
    return str(value)


def _norm(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, list | tuple | set):
        return sorted(str(getattr(v, "pk", v)) for v in value)
    if hasattr(value, "pk"):
        return str(value.pk)
    if isinstance(value, bool):
        return value
    return str(value).strip()


def _select(
    choices: Choices, *, required: bool = True, label: str | None = None, **kwargs: Any
) -> forms.Field:
    return forms.TypedChoiceField(
        choices=[("", "—")] + [(str(k), v) for k, v in choices]
        if not required
        else [(str(k), v) for k, v in choices],
        required=required,
        label=label,
        coerce=int,
        empty_value=None,
        **kwargs,
    )


def iteration_choices(iterations: Iterable[Any], pi_id: int) -> list[tuple[str, str]]:
    return [(str(i.pk), i.name if i.pi_id == pi_id else f"{i.pi.name} · {i.name}") for i in iterations]


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """The form's ModelChoiceField `name` (form.fields is typed with the base Field)."""
    return cast(forms.ModelChoiceField, form.fields[name])
