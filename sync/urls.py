"""Pages of the train's events (namespace "sync"): the calendar and its cadence, each event's
page (an ART sync runs its agenda and records its minutes there), and the impediment log."""

app_name = "sync"

TRAIN = "trains/<slug:slug>/"

urlpatterns: list = [
    # --- the calendar, its cadence and events
    # --- the ART sync: agenda and minutes
    # --- the impediment log
]
