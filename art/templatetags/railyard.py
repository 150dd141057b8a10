"""Template helpers of the design system: icons from the SVG sprite, status badges, the train's
navigation. They format; they never decide who may do what (views pass can_* flags)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html

from art.context_processors import train_nav_items
from art.rules.teams import person_initials

register = template.Library()

#: How each PI state reads: colour is never the only signal, so every badge has an icon and a word.
PI_STATE_BADGES = {
    "planning": ("neutral", "calendar"),
    "executing": ("healthy", "check-circle"),
    "closed": ("muted", "lock"),
}


@register.simple_tag
def icon(name: str, label: str = "", css: str = "") -> str:
    """An icon from static/icons/sprite.svg. Decorative unless `label` names it for screen readers.
    Written once per name, label, class and static URL (pages write hundreds: a board's cards
    and rows); a lazy label (translated) is written each time."""
    if type(name) is str and type(label) is str and type(css) is str:
        return _icon(name, label, css, settings.STATIC_URL, settings.STORAGES["staticfiles"]["BACKEND"])
    return _icon_html(name, label, css)


@lru_cache(maxsize=512)
def _icon(name: str, label: str, css: str, static_url: str | None, storage: str) -> str:
    return _icon_html(name, label, css)


def _icon_html(name: str, label: str, css: str) -> str:
    href = f"{static('icons/sprite.svg')}#{name}"
    if label:
        return format_html(
            '<svg class="icon {}" role="img" aria-label="{}" focusable="false"><use href="{}"></use></svg>',
            css,
            label,
            href,
        )
    return format_html(
        '<svg class="icon {}" aria-hidden="true" focusable="false"><use href="{}"></use></svg>', css, href
    )


@register.inclusion_tag("components.html#badge")
def pi_state_badge(pi: Any) -> dict[str, Any]:
    tone, icon_name = PI_STATE_BADGES.get(pi.state, ("neutral", "info"))
    return {"tone": tone, "icon_name": icon_name, "text": pi.get_state_display()}


@register.inclusion_tag("components.html#badge")
def badge(text: str, tone: str = "neutral", icon_name: str = "") -> dict[str, Any]:
    return {"tone": tone, "icon_name": icon_name, "text": text}


@register.filter
def initials(value: Any) -> str:
    """Two letters for an avatar: from a user's full name, else the username, else a string."""
    if hasattr(value, "get_full_name"):
        return person_initials(value.get_full_name() or value.get_username())
    return person_initials(str(value or ""))


@register.filter
def display_name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


@register.simple_tag(takes_context=True)
def train_nav(context: template.Context) -> list[dict[str, Any]]:
    """The per-train navigation for the `train` (and `pi`) in the context: see TRAIN_NAV."""
    train = context.get("train")
    if train is None:
        return []
    return train_nav_items(context.get("request"), train, context.get("pi"))


@register.simple_tag
def control(bound_field: Any, **attrs: Any) -> str:
    """A form field's widget, tied to its help text and error messages for screen readers."""
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}_helptext")
    if bound_field.errors:
        described.append(f"{bound_field.auto_id}_errors")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    widget = bound_field.field.widget
    input_type = getattr(widget, "input_type", None)
    if input_type == "checkbox":
        attrs.setdefault("class", "check__input")
    elif widget.__class__.__name__ in {"Select", "SelectMultiple"}:
        attrs.setdefault("class", "select")
    else:
        attrs.setdefault("class", "input")
    attrs = {key.replace("_", "-"): value for key, value in attrs.items()}
    return bound_field.as_widget(attrs=attrs)


@register.filter
def days_inclusive(obj: Any) -> int:
    """Calendar days of anything with start_date and end_date, both included."""
    return (obj.end_date - obj.start_date).days + 1


@register.filter
def weeks(obj: Any) -> str:
    days = days_inclusive(obj)
    return f"{days // 7} weeks" if days % 7 == 0 else f"{days} days"


@register.simple_tag
def live_attributes(train: Any) -> str:
    """The body's attributes that switch a train page's live updates on (static/js/live.js): the
    socket's path and the time the page was rendered, from which the socket catches up on what
    changed meanwhile. No query."""
    from django.utils import timezone

    return format_html(
        'data-live-url="/ws/trains/{}/live/" data-live-at="{}"',
        train.pk,
        timezone.now().isoformat(),
    )


@register.simple_tag(takes_context=True)
def live_presence(context: template.Context) -> str:
    """Where a page shows who has it open: filled by the presence fragment once the page loads."""
    from django.urls import reverse
    from django.utils.http import urlencode

    train, request = context.get("train"), context.get("request")
    if train is None or request is None:
        return ""
    url = reverse("art:live_presence", kwargs={"slug": train.slug}) + "?" + urlencode({"page": request.path})
    return format_html(
        '<div class="presence" id="presence" data-live="presence" data-live-src="{}" hx-get="{}" '
        'hx-trigger="load" hx-swap="outerHTML" aria-label="Who has this page open"></div>',
        url,
        url,
    )
