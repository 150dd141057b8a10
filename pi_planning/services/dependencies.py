"""Dependencies: created on the board or from a form, moved through their lifecycle by the
teams involved and the RTE, commented on. Every change is versioned and recorded."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from art import rules
from art.access import Action, authorize, check_dependency
from art.errors import ConflictError
from art.models import Feature, Iteration, ProgramIncrement, Team
from art.services.common import (
    author,
    create_validated,
    created_at_refusal,
    delete_recorded,
    differs,
    text_errors,
    update_fields,
)
from pi_planning.models import Dependency, DependencyComment

EDITABLE = {
    "title",
    "description",
    "provider_team",
    "external_provider",
    "feature",
    "provider_feature",
    "needed_by",
    "committed_iteration",
    "owner",
    "external_key",
}


def dependency_create(
    *,
    actor: Any,
    pi: ProgramIncrement,
    requester_team: Team,
    needed_by: Iteration,
    provider_team: Team | None = None,
    external_provider: str = "",
    feature: Feature | None = None,
    provider_feature: Feature | None = None,
    title: str = "",
    description: str = "",
    owner: str = "",
    committed_iteration: Iteration | None = None,
    state: str = Dependency.State.REQUESTED,
    external_key: str | None = None,
    created_at: Any = None,
) -> Dependency:
    """Record that `requester_team` needs something from a provider (a team of the train or an
    outside party) by `needed_by`. Linking two cards on the board passes both features; the
    provider team then defaults to the provider feature's team."""
    if provider_team is None and provider_feature is not None and not external_provider:
        provider_team = provider_feature.team
    if requester_team is None and feature is not None:
        requester_team = feature.team
    # Either team involved (or the RTE) records a dependency between them.
    authorize(
        actor,
        Action.EDIT_DEPENDENCY,
        pi.train_id,
        [requester_team.pk if requester_team else None, provider_team.pk if provider_team else None],
    )
    refusal = rules.dependencies.dependency_state_refusal(
        Dependency.State.REQUESTED, state, committed_iteration=committed_iteration
    )
    if state != Dependency.State.REQUESTED and refusal:
        raise ValidationError({"state": refusal})
    now = timezone.now()
    if created_at is not None:
        created_refusal = created_at_refusal(created_at, now, what="a dependency")
        if created_refusal:
            raise ValidationError({"created_at": created_refusal})
    dependency = Dependency(
        pi=pi,
        train_id=pi.train_id,
        requester_team=requester_team,
        provider_team=provider_team,
        external_provider=(external_provider or "").strip(),
        feature=feature,
        provider_feature=provider_feature,
        needed_by=needed_by,
        committed_iteration=committed_iteration,
        title=(title or "").strip(),
        description=description or "",
        owner=(owner or "").strip(),
        state=state,
        external_key=external_key,
        created_by=author(actor),
        created_at=created_at or now,
        resolved_at=(created_at or now) if state in Dependency.RESOLVED_STATES else None,
    )
    return create_validated(actor=actor, obj=dependency)


def dependency_update(
    *, actor: Any, dependency: Dependency, version: int | None = None, **changes: Any
) -> Dependency:
    """Edit a dependency card's fields (not its state: see dependency_set_state)."""
    unknown = set(changes) - EDITABLE - {"state"}
    if unknown:
        raise ValidationError({name: f"{name} cannot be changed here" for name in unknown})
    state = changes.pop("state", None)
    with transaction.atomic():
        current = Dependency.objects.select_related("pi").get(pk=dependency.pk)
        changed = [name for name, value in changes.items() if differs(current, name, value)]
        # Each side edits its part: the requester its need, the provider its answer.
        check_dependency(
            actor, current.pi.train_id, current.requester_team_id, current.provider_team_id, fields=changed
        )
        provider = changes.get("provider_team")
        if "provider_team" in changed and provider is not None:
            authorize(
                actor, Action.EDIT_DEPENDENCY, current.pi.train_id, [current.requester_team_id, provider.pk]
            )
        updated = dependency
        if changes:
            updated = update_fields(
                actor=actor,
                queryset=Dependency.objects.all(),
                pk=dependency.pk,
                changes=changes,
                version=version,
            )
            version = updated.version if version is not None else None
        if state is not None:
            updated = dependency_set_state(actor=actor, dependency=updated, state=state, version=version)
    return updated


def dependency_set_state(
    *,
    actor: Any,
    dependency: Dependency,
    state: str,
    committed_iteration: Iteration | None = None,
    version: int | None = None,
) -> Dependency:
    """Move a dependency along its lifecycle. Committing takes the iteration the provider
    commits to: the needed-by iteration when none is given, or a counter-proposal."""
    with transaction.atomic():
        current = Dependency.objects.select_for_update().select_related("pi").get(pk=dependency.pk)
        if version is not None and int(version) != current.version:
            raise ConflictError(current, int(version))
        if state != current.state or (
            committed_iteration and committed_iteration != current.committed_iteration
        ):
            # The provider commits, counter-proposes, starts, delivers, blocks; the requester cancels.
            check_dependency(
                actor,
                current.pi.train_id,
                current.requester_team_id,
                current.provider_team_id,
                state=state if state != current.state else Dependency.State.COMMITTED,
            )
        iteration = committed_iteration or current.committed_iteration
        if state == Dependency.State.COMMITTED and iteration is None:
            iteration = current.needed_by
        refusal = rules.dependencies.dependency_state_refusal(
            current.state, state, committed_iteration=iteration
        )
        if refusal:
            raise ValidationError({"state": refusal})
        changes: dict[str, Any] = {"state": state, "committed_iteration": iteration}
        if state in Dependency.RESOLVED_STATES and current.resolved_at is None:
            changes["resolved_at"] = timezone.now()
        elif state not in Dependency.RESOLVED_STATES:
            changes["resolved_at"] = None
        return update_fields(
            actor=actor,
            queryset=Dependency.objects.all(),
            pk=current.pk,
            changes=changes,
            version=current.version,
        )


def dependency_delete(*, actor: Any, dependency: Dependency) -> None:
    """The requesting team (or the RTE) withdraws its need; the history keeps the card."""
    check_dependency(
        actor,
        dependency.pi.train_id,
        dependency.requester_team_id,
        dependency.provider_team_id,
        delete=True,
    )
    delete_recorded(actor=actor, obj=dependency)


def dependency_comment_add(*, actor: Any, dependency: Dependency, body: str) -> DependencyComment:
    authorize(
        actor,
        Action.EDIT_DEPENDENCY,
        dependency.pi.train_id,
        [dependency.requester_team_id, dependency.provider_team_id],
    )
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "a comment needs some text"})
    if len(body) > 4000:
        raise ValidationError({"body": "a comment must be at most 4000 characters"})
    comment = DependencyComment(dependency=dependency, author=author(actor), body=body)
    errors = text_errors(comment)
    if errors:
        raise ValidationError(errors)
    comment.save()
    return comment
