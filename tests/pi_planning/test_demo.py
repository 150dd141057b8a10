"""seed_demo's card step: objectives scored in the closed PI (predictability shows), votes,
dependencies in every state and health with comments, risks in every ROAM column with
histories; for both sizes."""

import datetime as dt
from collections import Counter

import pytest
from django.contrib.contenttypes.models import ContentType

from art import demo, rules
from art.models import ChangeRecord, ProgramIncrement
from pi_planning.models import Dependency, DependencyComment, Objective, Risk, VoteRound
from pi_planning.selectors.dependencies import pi_dependencies
from pi_planning.selectors.votes import confidence_scopes

pytestmark = pytest.mark.django_db


def scores(pi):
    return [
        rules.predictability.ObjectiveScore(o.team_id, o.committed, o.planned_bv, o.actual_bv)
        for o in Objective.objects.filter(pi=pi)
    ]


def test_the_demo_train_has_every_kind_of_card(client):
    ctx = demo.build(demo.PROFILES["demo"], today=dt.date(2026, 11, 18))
    closed, current = ctx.closed_pis[-1], ctx.current_pi
    # Objectives: every team scored in the closed PI, so predictability shows for all.
    result = rules.predictability.train_predictability(scores(closed))
    assert result.train.status == "ok" and len(result.teams) == len(ctx.teams)
    assert all(r.status == "ok" for r in result.teams.values())
    assert Objective.objects.filter(pi=closed, committed=False).exists()
    # The PI in planning: planned, not scored; one team without business values yet (n/a).
    now = rules.predictability.train_predictability(scores(current))
    assert now.train.status == "not scored"
    assert Counter(r.status for r in now.teams.values()) == {"not scored": len(ctx.teams) - 1, "n/a": 1}
    assert Objective.objects.filter(pi=current, features__isnull=False).exists()
    # Votes: teams revealed (one accepted, one to rework), one open, the train's not opened.
    scopes = {s.label: s for s in confidence_scopes(pi=current)}
    assert scopes["Whole train"].state == "not_opened"
    states = Counter(s.state for s in scopes.values())
    assert states["open"] == 1 and states["revealed"] >= 2
    results = {s.confidence.result for s in scopes.values() if s.is_revealed}
    assert results == {"accepted", "rework"}
    assert Risk.objects.filter(source_vote__pi=current).count() == 1
    assert VoteRound.objects.filter(pi=closed, state="revealed").count() == len(ctx.teams) + 1
    # Dependencies: every state and every health, aging ones, counter-proposals, comments.
    deps = pi_dependencies(pi_id=current.pk)
    assert {d.state for d in deps} == set(Dependency.State.values)
    assert {d.health.code for d in deps} == {"green", "amber", "red", "done"}
    assert any(d.aging for d in deps) and any(d.health.hidden_conflict for d in deps)
    assert any(d.committed_iteration_id and d.committed_iteration_id != d.needed_by_id for d in deps)
    assert DependencyComment.objects.filter(dependency__pi=current).count() >= 8
    assert Dependency.objects.filter(pi=closed, resolved_at__isnull=False).count() >= 5
    assert not Dependency.objects.filter(pi=closed, resolved_at__isnull=True).exists()
    # Risks: every ROAM column, each move in the card's history, dated in the past.
    risks = Risk.objects.filter(pi=current)
    assert set(risks.values_list("roam", flat=True)) == set(Risk.Roam.values)
    moved = risks.exclude(roam="unroamed").first()
    records = ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(Risk), object_id=moved.pk
    )
    assert any("roam" in r.changes for r in records.filter(action="updated"))
    assert records.order_by("at").first().at < records.order_by("at").last().at
    # And the pages show them.
    client.force_login(ctx.users["rte"])
    slug = ctx.train.slug
    for page in ("objectives", "confidence", "dependencies", "risks", "vote"):
        assert client.get(f"/trains/{slug}/pis/{current.pk}/{page}/").status_code == 200, page


def test_the_large_generator_with_reduced_parameters(client):
    profile = demo.PROFILES["large"].scaled(
        teams=4,
        people_per_team=(5, 6),
        closed_pis=3,
        features_per_team_pi=(4, 5),
        backlog_features=6,
        current_pi_features_per_team=(5, 6),
        stories_per_feature=(3, 5),
        login_share=0.4,
    )
    ctx = demo.build(profile, today=dt.date(2026, 6, 17))
    for pi in ctx.pis:
        assert Objective.objects.filter(pi=pi).values("team").distinct().count() == 4
    for pi in ctx.closed_pis:
        assert rules.predictability.predictability(scores(pi)).status == "ok"
    # The older closed PIs are bulk inserted (no history), the recent ones through the services.
    assert ProgramIncrement.objects.filter(train=ctx.train).count() == 4
    current = ctx.current_pi
    assert {d.state for d in pi_dependencies(pi_id=current.pk)} == set(Dependency.State.values)
    assert set(Risk.objects.filter(pi=current).values_list("roam", flat=True)) == set(Risk.Roam.values)
