"""Pages of the train's events (namespace "sync"): the calendar and its cadence, each event's
page (an ART sync runs its agenda and records its minutes there), and the impediment log."""

from django.urls import path

from sync.views import calendar, feeds, impediments, improvements, readiness, syncs

app_name = "sync"

TRAIN = "trains/<slug:slug>/"
EVENT = f"{TRAIN}events/<int:event_id>/"
IA = f"{TRAIN}pis/<int:pi_id>/inspect-adapt/"  # --- inspect & adapt

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
    path(f"{EVENT}agenda/", syncs.sync_agenda_section, name="sync_agenda"),
    path(f"{EVENT}decisions/", syncs.sync_decision_add, name="sync_decision_add"),
    path(
        f"{EVENT}decisions/<int:decision_id>/delete/", syncs.sync_decision_delete, name="sync_decision_delete"
    ),
    path(f"{EVENT}action-items/", syncs.sync_action_item_add, name="sync_action_item_add"),
    path(
        f"{EVENT}action-items/<int:item_id>/status/",
        syncs.sync_action_item_status,
        name="sync_action_item_status",
    ),
    path(f"{EVENT}escalations/", syncs.sync_escalation_add, name="sync_escalation_add"),
    path(
        f"{EVENT}escalations/<int:escalation_id>/delete/",
        syncs.sync_escalation_delete,
        name="sync_escalation_delete",
    ),
    path(f"{EVENT}summary/", syncs.sync_summary, name="sync_summary"),
    path(f"{EVENT}summary.md", syncs.sync_summary_md, name="sync_summary_md"),
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
    # --- improvement backlog and readiness
    path(f"{TRAIN}improvements/", improvements.improvements, name="improvements"),
    path(f"{TRAIN}improvements/add/", improvements.improvement_create, name="improvement_create"),
    path(f"{TRAIN}improvements/<int:item_id>/", improvements.improvement, name="improvement"),
    path(
        f"{TRAIN}improvements/<int:item_id>/edit/", improvements.improvement_update, name="improvement_update"
    ),
    path(
        f"{TRAIN}improvements/<int:item_id>/status/",
        improvements.improvement_status,
        name="improvement_status",
    ),
    path(
        f"{TRAIN}improvements/<int:item_id>/delete/",
        improvements.improvement_delete,
        name="improvement_delete",
    ),
    path(f"{TRAIN}improvements/<int:item_id>/plan/", improvements.improvement_plan, name="improvement_plan"),
    path(f"{TRAIN}pis/<int:pi_id>/readiness/", readiness.readiness, name="readiness"),
    path(f"{TRAIN}pis/<int:pi_id>/readiness/check/", readiness.readiness_check, name="readiness_check"),
]

# --- inspect & adapt: the PI system demo, the quantitative review and the workshop
from sync.views import inspect_adapt, workshops  # noqa: E402

urlpatterns += [
    path(f"{IA}", inspect_adapt.inspect_adapt, name="inspect_adapt"),
    path(
        f"{IA}objectives/<int:objective_id>/score/", inspect_adapt.objective_score, name="ia_objective_score"
    ),
    path(f"{IA}workshop/open/", workshops.workshop_open, name="workshop_open"),
    path(f"{IA}workshop/", workshops.workshop_update, name="workshop_update"),
    path(f"{IA}causes/", workshops.cause_add, name="workshop_cause_add"),
    path(f"{IA}causes/<int:cause_id>/", workshops.cause_update, name="workshop_cause_update"),
    path(f"{IA}causes/<int:cause_id>/whys/", workshops.cause_why_add, name="workshop_cause_why_add"),
    path(f"{IA}causes/<int:cause_id>/delete/", workshops.cause_delete, name="workshop_cause_delete"),
    path(f"{IA}causes/<int:cause_id>/vote/", workshops.cause_vote, name="workshop_cause_vote"),
    path(f"{IA}solutions/", workshops.solution_add, name="workshop_solution_add"),
    path(
        f"{IA}solutions/<int:solution_id>/delete/", workshops.solution_delete, name="workshop_solution_delete"
    ),
    path(f"{IA}items/", workshops.item_add, name="workshop_item_add"),
]

# --- system demos and release notes
from sync.views import demos, releases  # noqa: E402  (its own block, for merges)

PI = f"{TRAIN}pis/<int:pi_id>/"
DEMO = f"{PI}demos/<int:iteration_id>/"
urlpatterns += [
    path(f"{PI}demos/", demos.pi_demos_page, name="pi_demos"),
    path(DEMO, demos.demo_page, name="demo"),
    path(f"{DEMO}prepare/", demos.demo_prepare, name="demo_prepare"),
    path(f"{DEMO}edit/", demos.demo_update, name="demo_update"),
    path(f"{DEMO}items/", demos.demo_item_add, name="demo_item_add"),
    path(f"{DEMO}items/<int:item_id>/", demos.demo_item_update, name="demo_item_update"),
    path(f"{DEMO}items/<int:item_id>/move/", demos.demo_item_move, name="demo_item_move"),
    path(f"{DEMO}items/<int:item_id>/remove/", demos.demo_item_remove, name="demo_item_remove"),
    path(f"{DEMO}feedback/", demos.demo_feedback_add, name="demo_feedback_add"),
    path(
        f"{DEMO}feedback/<int:feedback_id>/delete/", demos.demo_feedback_delete, name="demo_feedback_delete"
    ),
    path(f"{PI}release-notes/", releases.release_notes_page, name="release_notes"),
    path(f"{PI}release-notes.md", releases.release_notes_md, name="release_notes_md"),
]
