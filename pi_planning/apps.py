from django.apps import AppConfig


class PiPlanningConfig(AppConfig):
    name = "pi_planning"
    verbose_name = "PI planning"

    def ready(self) -> None:
        from art.access import register_train_path

        for label, path in {
            "pi_planning.holiday": "train",
            "pi_planning.dependency": "pi__train",
            "pi_planning.dependencycomment": "dependency__pi__train",
            "pi_planning.objective": "pi__train",
            "pi_planning.voteround": "pi__train",
            "pi_planning.vote": "pi__train",
            "pi_planning.risk": "train",
            "pi_planning.planbaseline": "pi__train",
        }.items():
            register_train_path(label, path)
        from pi_planning import webhooks

        webhooks.register()
