"""The confidence vote's forms."""

from __future__ import annotations

from django import forms

from art.forms import RailyardForm


class VoteForm(RailyardForm):
    id_prefix = "vote"
    scope = forms.CharField(help_text="A team's id, or 'train' for the train's vote.")
    score = forms.IntegerField(label="Confidence")
    concern = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Your concern",
        help_text="What would need to change for you to be more confident? Shared without your name.",
    )

    def clean_scope(self) -> int | None:
        value = self.cleaned_data["scope"].strip()
        if value == "train":
            return None
        if not value.isdigit():
            raise forms.ValidationError("scope must be a team or 'train'")
        return int(value)


class VoteScopeForm(RailyardForm):
    """Which vote the RTE opens or reveals: a team, or the train (empty)."""

    id_prefix = "round"
    team = forms.IntegerField(required=False)
