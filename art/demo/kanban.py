"""The ART Kanban's demo: WIP limits set so that one column is over its limit and one is full,
a policy for each column, lane limits for two teams (one full, one over), and a move over a
limit recorded with its reason (art.rules.kanban)."""

from __future__ import annotations

from collections import Counter

from art import rules, services
from art.models import Feature

from . import SeedContext, seed_step

POLICIES = {
    "funnel": "Anyone may add an idea: a title and the problem it solves.",
    "analyzing": "A named owner is writing the lean business case and the acceptance criteria.",
    "ready": "Business case approved, WSJF scored, sized in points and split into stories.",
    "in_progress": "A team has pulled it and works on its stories now.",
    "review": "Every story done; the feature is demonstrated to product management.",
    "blocked": "Say what blocks it and who can unblock it, on the card and at the ART sync.",
    "awaiting_deploy": "Accepted, and waiting for the next release window.",
    "done": "Deployed to production and released to merchants.",
}
BREACH_REASON = "Scheme deadline: the card scheme's mandate is due before the next PI."


@seed_step(180, "ART Kanban")
def kanban(ctx: SeedContext) -> None:
    features = Feature.objects.filter(train=ctx.train)
    by_state = Counter(features.values_list("state", flat=True))
    limits = {
        # Over: the analysis queue already holds more than the train wants.
        "analyzing": max(1, by_state["analyzing"] - 2),
        "ready": by_state["ready"] + 5,
        # Full after the move below.
        "in_progress": by_state["in_progress"] + 1,
        "review": max(3, by_state["review"] + 1),
        "blocked": max(2, by_state["blocked"] + 1),
        "awaiting_deploy": max(3, by_state["awaiting_deploy"] + 1),
    }
    rte = ctx.users["rte"]
    ctx.train = services.train_update(actor=rte, train=ctx.train, wip_limits=limits, kanban_policies=POLICIES)
    in_flow = Counter(features.filter(state__in=rules.flow.IN_FLOW_STATES).values_list("team_id", flat=True))
    for team, extra in zip(ctx.teams[:2], (0, -1), strict=False):  # the first lane full, the second over
        services.team_update(actor=rte, team=team, wip_limit=max(1, in_flow[team.pk] + extra))
    # The latest ready feature is pulled (the earlier ones stay as the plan made them).
    pulled = features.filter(state="ready").order_by("-number").first()
    if pulled is not None:
        services.feature_transition_add(actor=None, feature=pulled, state="in_progress")
        ctx.count("feature transitions", 1)
    idea = features.filter(state="funnel").order_by("-number").first()
    if idea is not None and by_state["analyzing"] >= limits["analyzing"]:
        services.feature_transition_add(actor=None, feature=idea, state="analyzing", reason=BREACH_REASON)
        ctx.count("feature transitions", 1)
    ctx.count("WIP limits", len(limits))
