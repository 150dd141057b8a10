"""Pages of the train's events (namespace "sync"): the calendar and its cadence, each event's
page (an ART sync runs its agenda and records its minutes there), and the impediment log."""

from django.urls import path

from sync.views import impediments

app_name = "sync"

TRAIN = "trains/<slug:slug>/"

urlpatterns: list = [
    # --- the calendar, its cadence and events
    # --- the ART sync: agenda and minutes
    # --- the impediment log
    path(f"{TRAIN}impediments/", impediments.impediments, name="impediments"),
    path(f"{TRAIN}impediments/add/", impediments.impediment_create, name="impediment_create"),
    path(f"{TRAIN}impediments/<int:impediment_id>/", impediments.impediment, name="impediment"),
    path(
        f"{TRAIN}impediments/<int:impediment_id>/edit/",
        impediments.impediment_update,
        name="impediment_update",
    ),
    path(
        f"{TRAIN}impediments/<int:impediment_id>/status/",
        impediments.impediment_status,
        name="impediment_status",
    ),
    path(
        f"{TRAIN}impediments/<int:impediment_id>/delete/",
        impediments.impediment_delete,
        name="impediment_delete",
    ),
]
