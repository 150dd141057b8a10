from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = "Train events"

    def ready(self) -> None:
        from art.access import register_train_path
        from art.context_processors import NavItem, register_train_nav
        from sync import receivers  # noqa: F401  (a PI's calendar follows its iterations)

        for label, path in {
            "sync.synccadence": "train",
            "sync.event": "train",
            "sync.agendasnapshot": "event__train",
            "sync.decision": "event__train",
            "sync.escalation": "event__train",
            "sync.actionitem": "train",
            "sync.impediment": "train",
            "sync.systemdemo": "train",
            "sync.demoitem": "demo__train",
            "sync.demofeedback": "demo__train",
            "sync.workshop": "train",
            "sync.cause": "workshop__train",
            "sync.causevote": "workshop__train",
            "sync.solution": "workshop__train",
            "sync.improvementitem": "train",
            "sync.readinesscheck": "pi__train",
        }.items():
            register_train_path(label, path)
        register_train_nav(
            NavItem("Calendar", "calendar", "sync:calendar", also_active=("sync:event", "sync:cadence")),
            before="Metrics",
        )
        register_train_nav(NavItem("Impediments", "alert", "sync:impediments"), before="Metrics")
        # --- the PI's events and records: system demos, release notes, Inspect & Adapt, readiness;
        # the improvement backlog and its section on the board's backlog panel
        from art.context_processors import PILink, register_pi_link
        from pi_planning.selectors.backlog import register_backlog_section
        from sync.selectors.improvements import improvement_board_section

        register_pi_link(PILink("System demos", "eye", "sync:pi_demos"))
        register_pi_link(PILink("Release notes", "file", "sync:release_notes"))
        register_pi_link(PILink("Inspect & Adapt", "search", "sync:inspect_adapt"))
        register_pi_link(PILink("Planning readiness", "check-circle", "sync:readiness"))
        register_train_nav(NavItem("Improvements", "sparkle", "sync:improvements"), before="Metrics")
        register_backlog_section("improvements", improvement_board_section)
        # --- webhooks hear of events held (art.webhooks)
        from art import webhooks
        from sync.api.calendar import EventSerializer
        from sync.models import Event

        webhooks.register_source(
            "sync.event",
            lambda record: "event.held" if webhooks.new_state(record) == "held" else None,
            webhooks.serialized(lambda: Event.objects.all(), EventSerializer),
        )
