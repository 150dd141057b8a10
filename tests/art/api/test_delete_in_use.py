"""A delete that other records still refer to answers 409 naming them, and deletes nothing."""

from art import services
from art.models import ChangeRecord, Iteration
from art.refusals import attempt
from tests.pi_planning.factories import DependencyFactory


def test_deleting_an_iteration_a_dependency_needs_answers_409_naming_it(world, as_user):
    iteration = world.pi.iterations.order_by("number")[2]
    DependencyFactory(pi=world.pi, title="Card vault API", needed_by=iteration)
    DependencyFactory(pi=world.pi, title="Fraud score", needed_by=iteration)
    records = ChangeRecord.objects.count()
    response = as_user(world.rte).delete(f"/api/v1/iterations/{iteration.pk}/")
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"{iteration} cannot be deleted: "
        "2 dependencies (Card vault API, Fraud score) still refer to it"
    }
    assert Iteration.objects.filter(pk=iteration.pk).exists()
    assert ChangeRecord.objects.count() == records  # no before-image of a delete that did not happen


def test_the_page_answers_409_with_the_same_words(world):
    iteration = world.pi.iterations.order_by("number")[2]
    DependencyFactory(pi=world.pi, title="Card vault API", needed_by=iteration)
    _, refusal = attempt(lambda: services.iteration_delete(actor=world.rte, iteration=iteration))
    assert refusal is not None and refusal.status == 409
    assert (
        refusal.message == f"{iteration} cannot be deleted: 1 dependency (Card vault API) still refers to it"
    )
