"""Pages of the train's events (namespace "sync"): the calendar and its cadence, each event's
page (an ART sync runs its agenda and records its minutes there), and the impediment log."""

from django.urls import path

from sync.views import calendar, feeds

app_name = "sync"

TRAIN = "trains/<slug:slug>/"

urlpatterns: list = [
    # --- the calendar, its cadence and events
    path(TRAIN + "calendar/", calendar.calendar, name="calendar"),
    path(TRAIN + "calendar/cadence/", calendar.cadence, name="cadence"),
    path(TRAIN + "calendar/events/add/", calendar.event_create, name="event_create"),
    path(TRAIN + "calendar/pis/<int:pi_id>/generate/", calendar.calendar_generate, name="calendar_generate"),
    path(
        TRAIN + "calendar/feed/regenerate/",
        calendar.calendar_feed_regenerate,
        name="calendar_feed_regenerate",
    ),
    path(TRAIN + "events/<int:event_id>/", calendar.event, name="event"),
    path(TRAIN + "events/<int:event_id>/edit/", calendar.event_update, name="event_update"),
    path(TRAIN + "events/<int:event_id>/state/", calendar.event_state, name="event_state"),
    path(TRAIN + "events/<int:event_id>/delete/", calendar.event_delete, name="event_delete"),
    path("calendar/<str:token>.ics", feeds.calendar_feed, name="calendar_feed"),
    # --- the ART sync: agenda and minutes
    # --- the impediment log
]
