"""Admin for support staff: find any row fast, read it, and read its history. It changes
nothing of a train: every write goes through the pages and the API, which call the services
(access, validation, versions, history with before-images); an edit here would bypass all of it.
Accounts (users), API tokens (revoking) and sign-in pauses stay the admin's to manage."""

from typing import Any

from django.contrib import admin

from art.models import (
    Absence,
    ApiToken,
    ChangeRecord,
    Feature,
    FeatureTransition,
    Iteration,
    Membership,
    Milestone,
    Presence,
    ProgramIncrement,
    ReleaseTrain,
    Story,
    Team,
    TeamMember,
    Webhook,
    WebhookDelivery,
    WipBreach,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Read, search and filter; no add, change or delete (those go through the services)."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class TeamInline(ReadOnlyInline):
    model = Team
    extra = 0
    fields = ("name", "kind", "abbreviation")
    show_change_link = True


class MembershipInline(ReadOnlyInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "team")
    raw_id_fields = ("user", "team")


@admin.register(ReleaseTrain)
class ReleaseTrainAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "time_zone", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [TeamInline, MembershipInline]


class TeamMemberInline(ReadOnlyInline):
    model = TeamMember
    extra = 0
    fields = ("name", "role", "fte", "delivering", "user")
    raw_id_fields = ("user",)


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ("name", "train", "kind", "abbreviation", "created_at")
    list_filter = ("kind", "train")
    search_fields = ("name", "abbreviation", "train__name")
    list_select_related = ("train",)
    autocomplete_fields = ("train",)
    inlines = [TeamMemberInline]


@admin.register(TeamMember)
class TeamMemberAdmin(ReadOnlyAdmin):
    list_display = ("name", "team", "role", "fte", "delivering", "user")
    list_filter = ("role", "delivering", "team__train")
    search_fields = ("name", "team__name", "user__username")
    list_select_related = ("team", "user")
    autocomplete_fields = ("team",)
    raw_id_fields = ("user",)


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "train", "role", "team", "created_at")
    list_filter = ("role", "train")
    search_fields = ("user__username", "user__email", "train__name", "team__name")
    list_select_related = ("user", "train", "team")
    autocomplete_fields = ("train", "team")
    raw_id_fields = ("user",)


class IterationInline(ReadOnlyInline):
    model = Iteration
    extra = 0
    fields = ("number", "name", "start_date", "end_date", "is_ip")


class MilestoneInline(ReadOnlyInline):
    model = Milestone
    extra = 0
    fields = ("name", "date", "description")


@admin.register(ProgramIncrement)
class ProgramIncrementAdmin(ReadOnlyAdmin):
    list_display = ("name", "train", "state", "start_date", "end_date")
    list_filter = ("state", "train")
    search_fields = ("name", "train__name")
    list_select_related = ("train",)
    autocomplete_fields = ("train",)
    date_hierarchy = "start_date"
    inlines = [IterationInline, MilestoneInline]


@admin.register(Iteration)
class IterationAdmin(ReadOnlyAdmin):
    list_display = ("name", "pi", "number", "start_date", "end_date", "is_ip")
    list_filter = ("is_ip", "pi__train")
    search_fields = ("name", "pi__name", "pi__train__name")
    list_select_related = ("pi", "pi__train")
    autocomplete_fields = ("pi",)


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    list_display = ("name", "pi", "date")
    list_filter = ("pi__train",)
    search_fields = ("name", "description", "pi__name")
    list_select_related = ("pi",)
    autocomplete_fields = ("pi",)


@admin.register(Absence)
class AbsenceAdmin(ReadOnlyAdmin):
    list_display = ("member", "iteration", "days", "reason")
    list_filter = ("iteration__pi__train",)
    search_fields = ("member__name", "reason", "member__team__name")
    list_select_related = ("member", "iteration")
    autocomplete_fields = ("member", "iteration")


class FeatureTransitionInline(ReadOnlyInline):
    model = FeatureTransition
    extra = 0
    fields = ("from_state", "to_state", "at", "actor")
    raw_id_fields = ("actor",)


@admin.register(Feature)
class FeatureAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "train",
        "pi",
        "team",
        "kind",
        "state",
        "points",
        "wsjf",
        "version",
        "updated_at",
    )
    list_filter = ("state", "kind", "train", "pi")
    search_fields = ("title", "external_key", "description")
    list_select_related = ("train", "pi", "team")
    autocomplete_fields = ("train", "pi", "team", "iteration")
    readonly_fields = ("cost_of_delay", "wsjf", "version", "created_at", "updated_at")
    inlines = [FeatureTransitionInline]


@admin.register(FeatureTransition)
class FeatureTransitionAdmin(ReadOnlyAdmin):
    list_display = ("feature", "from_state", "to_state", "at", "actor", "recorded_at")
    list_filter = ("to_state",)
    search_fields = ("feature__title", "feature__external_key")
    list_select_related = ("feature", "actor")
    raw_id_fields = ("feature", "actor")
    date_hierarchy = "at"


@admin.register(Story)
class StoryAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "train", "team", "iteration", "feature", "points", "state", "version")
    list_filter = ("state", "train", "team")
    search_fields = ("title", "external_key", "feature__title")
    list_select_related = ("train", "team", "iteration", "feature")
    autocomplete_fields = ("train", "team", "iteration")
    raw_id_fields = ("feature",)
    readonly_fields = ("version", "created_at", "updated_at")


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin):
    """The history is written by the services only: read it here, never edit it. It outlives
    what it describes: a deleted train's records stay, under the train's id."""

    list_display = ("at", "train_id", "actor", "action", "content_type", "object_repr")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr", "actor__username")
    list_select_related = ("actor", "content_type")
    date_hierarchy = "at"


@admin.register(WipBreach)
class WipBreachAdmin(ReadOnlyAdmin):
    """Moves that went over an ART Kanban WIP limit, with the reason given (written by the move
    service only)."""

    list_display = ("at", "train", "feature_key", "scope", "state", "team", "count", "limit", "actor")
    list_filter = ("scope", "state", "train")
    search_fields = ("feature_key", "reason")
    list_select_related = ("train", "team", "actor")
    date_hierarchy = "at"


@admin.register(Presence)
class PresenceAdmin(ReadOnlyAdmin):
    """Who has a page open now (live updates): written by the sockets, read here."""

    list_display = ("user", "train", "page", "card", "seen_at")
    list_filter = ("train",)
    search_fields = ("user__username", "page")
    list_select_related = ("user", "train")


@admin.register(Webhook)
class WebhookAdmin(ReadOnlyAdmin):
    """Read only; the secret is never shown (it signs deliveries: SECURITY.md)."""

    list_display = ("url", "train", "active", "created_by", "created_at")
    list_filter = ("active", "train")
    search_fields = ("url",)
    list_select_related = ("train", "created_by")
    exclude = ("secret",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("delivery_id", "event", "webhook", "status", "response_code", "attempts", "created_at")
    list_filter = ("status", "event")
    search_fields = ("delivery_id", "webhook__url")
    list_select_related = ("webhook",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Keys are never stored; staff can see and revoke tokens, not create usable ones."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("user", "name", "prefix", "key_hash", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False
