"""The N+1 guard (tests/lazy_loads.py): a request that lazily loads one relation for several rows
fails its test; one that fetches the relation with the rows, or loads it for one object, passes;
the marker and the context manager let a test lazy-load on purpose."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.template import engines
from django.urls import path

from art.models import ReleaseTrain, Team
from tests.art.factories import TeamFactory, TrainFactory, UserFactory
from tests.lazy_loads import LazyLoadError, allow_lazy_loads


def team_trains(request):
    """Forward foreign key per row, lazily unless ?joined."""
    teams = Team.objects.order_by("pk")
    if "joined" in request.GET:
        teams = teams.select_related("train")
    return JsonResponse({"trains": [team.train.name for team in teams]})


def train_teams(request):
    """Reverse foreign key per row, lazily unless ?prefetched."""
    trains = ReleaseTrain.objects.order_by("pk")
    if "prefetched" in request.GET:
        trains = trains.prefetch_related("teams")
    return JsonResponse({"teams": [[team.name for team in train.teams.all()] for train in trains]})


def team_counts(request):
    """.count() of a reverse foreign key per row."""
    return JsonResponse({"counts": [train.teams.count() for train in ReleaseTrain.objects.order_by("pk")]})


def user_groups(request):
    """Many-to-many per row."""
    users = get_user_model().objects.order_by("pk")
    if "prefetched" in request.GET:
        users = users.prefetch_related("groups")
    return JsonResponse({"groups": [[group.name for group in user.groups.all()] for user in users]})


def deferred_names(request):
    """A field left out by only() and read per row."""
    return JsonResponse({"names": [team.name for team in Team.objects.only("pk").order_by("pk")]})


def one_team(request):
    """One lazy load of a relation: allowed."""
    team = Team.objects.order_by("pk").first()
    return JsonResponse({"train": team.train.name, "teams": team.train.teams.count()})


def one_team_read_twice(request):
    """The same row's relation loaded twice (two reads of one team): no N+1."""
    first, again = Team.objects.order_by("pk").first(), Team.objects.order_by("pk").first()
    return JsonResponse({"same": first.train.name == again.train.name})


TEMPLATE = "<ul>\n{% for team in teams %}\n<li>{{ team.train.name }}</li>\n{% endfor %}\n</ul>"


def template_trains(request):
    template = engines["django"].from_string(TEMPLATE)
    return HttpResponse(template.render({"teams": Team.objects.order_by("pk")}, request))


def streamed_trains(request):
    return StreamingHttpResponse(f"{team.train.name}\n" for team in Team.objects.order_by("pk"))


urlpatterns = [
    path("team-trains/", team_trains),
    path("train-teams/", train_teams),
    path("team-counts/", team_counts),
    path("user-groups/", user_groups),
    path("deferred-names/", deferred_names),
    path("one-team/", one_team),
    path("one-team-read-twice/", one_team_read_twice),
    path("template-trains/", template_trains),
    path("streamed-trains/", streamed_trains),
]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def teams(db):
    for train in (TrainFactory(), TrainFactory()):
        TeamFactory.create_batch(2, train=train)


def test_a_forward_foreign_key_per_row_fails(client, teams):
    with pytest.raises(LazyLoadError) as failure:
        client.get("/team-trains/")
    message = str(failure.value)
    assert "GET /team-trains/" in message
    assert "art.Team.train loaded lazily for 4 rows" in message
    assert "tests/test_lazy_load_guard.py" in message
    assert "in team_trains" in message


def test_select_related_passes(client, teams):
    assert client.get("/team-trains/?joined").status_code == 200


def test_a_reverse_foreign_key_per_row_fails_and_prefetch_passes(client, teams):
    with pytest.raises(LazyLoadError, match=r"art.ReleaseTrain.teams loaded lazily for 2 rows"):
        client.get("/train-teams/")
    with pytest.raises(LazyLoadError, match=r"art.ReleaseTrain.teams loaded lazily for 2 rows"):
        client.get("/team-counts/")
    assert client.get("/train-teams/?prefetched").json()["teams"][0]


def test_a_many_to_many_per_row_fails_and_prefetch_passes(client, db):
    group = Group.objects.create(name="planners")
    for name in ("ann", "bob"):
        UserFactory(username=name).groups.add(group)
    with pytest.raises(LazyLoadError, match=r"auth.User.groups loaded lazily for 2 rows"):
        client.get("/user-groups/")
    assert client.get("/user-groups/?prefetched").json() == {"groups": [["planners"], ["planners"]]}


def test_a_deferred_field_per_row_fails(client, teams):
    with pytest.raises(LazyLoadError, match=r"art.Team.name \(deferred field\) loaded lazily for 4 rows"):
        client.get("/deferred-names/")


def test_one_lazy_load_per_relation_passes(client, teams):
    assert client.get("/one-team/").json()["teams"] == 2


def test_one_rows_relation_loaded_twice_passes(client, teams):
    assert client.get("/one-team-read-twice/").json() == {"same": True}


def test_the_message_names_the_template_line(client, teams):
    with pytest.raises(LazyLoadError, match=r"template .*:3  \{\{ team.train.name \}\}"):
        client.get("/template-trains/")


def test_a_streamed_response_is_watched_while_it_streams(client, teams):
    response = client.get("/streamed-trains/")
    with pytest.raises(LazyLoadError, match=r"art.Team.train loaded lazily for 4 rows"):
        b"".join(response.streaming_content)


def test_the_api_client_is_watched(api, teams):
    with pytest.raises(LazyLoadError):
        api.get("/train-teams/")


def test_the_context_manager_allows_lazy_loads(client, teams):
    with allow_lazy_loads():
        assert client.get("/team-trains/").status_code == 200
    with pytest.raises(LazyLoadError):
        client.get("/team-trains/")


@pytest.mark.allow_lazy_loads
def test_the_marker_allows_lazy_loads(client, teams):
    assert client.get("/team-trains/").status_code == 200
    assert client.get("/train-teams/").status_code == 200


def test_lazy_loads_outside_a_request_are_not_watched(teams):
    assert len([team.train.name for team in Team.objects.all()]) == 4
