"""A person's secret calendar feed (RFC 5545), for calendar apps that poll it without signing in:
`GET /calendar/<token>.ics`. The token opens the feed of one person (sync.services.feeds); an
unknown or regenerated token answers 404. The feed holds the events of every train the person
belongs to, from 30 days back to a quarter ahead, in their trains' zones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe
from icalendar import Calendar
from icalendar import Event as VEvent

from art.models import Membership
from sync.models import Event
from sync.selectors.calendar import feed_events
from sync.services.feeds import feed_user

PRODID = "-//Railyard//Train calendar//EN"


def uid(event: Event) -> str:
    """The event's UID: the same across edits, moves and generating again (RFC 5545 3.8.4.7)."""
    return f"event-{event.pk}@railyard"


def feed_calendar(
    *, events: Iterable[Event], name: str, page_url: Any, now: dt.datetime | None = None
) -> Calendar:
    """The VCALENDAR of `events`, each VEVENT in its train's zone with that zone's VTIMEZONE.
    `page_url(event)` gives the absolute URL of the event's page."""
    now = now or timezone.now()
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-caldesc", "The events of your release trains in Railyard.")
    cal.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for event in events:
        tz = event.train.tz
        entry = VEvent()
        entry.add("uid", uid(event))
        entry.add("dtstamp", now.astimezone(dt.UTC))
        entry.add("dtstart", event.starts_at.astimezone(tz))
        entry.add("dtend", event.ends_at.astimezone(tz))
        entry.add("summary", f"{event.train.name}: {event.title}")
        lines = [page_url(event)]
        if event.location:
            lines.append(f"Location: {event.location}")
        if event.pi is not None:
            lines.append(event.pi.name)
        if event.notes:
            lines.append(event.notes)
        entry.add("description", "\n".join(lines))
        if event.location:
            entry.add("location", event.location)
        entry.add("url", page_url(event))
        entry.add("categories", [Event.Kind(event.kind).label])
        entry.add("status", "CANCELLED" if event.state == Event.State.CANCELLED else "CONFIRMED")
        entry.add("last-modified", event.updated_at.astimezone(dt.UTC))
        entry.add("sequence", event.version)
        cal.add_component(entry)
    # The zones' rules for the years the feed covers, and one on either side.
    cal.add_missing_timezones(first_date=dt.date(now.year - 1, 1, 1), last_date=dt.date(now.year + 2, 1, 1))
    return cal


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    user = feed_user(token)
    if user is None:
        raise Http404("No such calendar feed")
    trains = [m.train for m in Membership.objects.filter(user=user).select_related("train")]
    names = sorted(t.name for t in trains)
    name = f"Railyard: {names[0]}" if len(names) == 1 else f"Railyard: {len(names)} trains"
    now = timezone.now()

    def page_url(event: Event) -> str:
        path = reverse("sync:event", kwargs={"slug": event.train.slug, "event_id": event.pk})
        return request.build_absolute_uri(path)

    events = feed_events(user=user, now=now, train_ids=[t.pk for t in trains])
    body = feed_calendar(events=events, name=name, page_url=page_url, now=now).to_ical()
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="railyard.ics"'
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
