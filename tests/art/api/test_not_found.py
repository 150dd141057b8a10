def test_unknown_api_paths_answer_json_404(client):
    response = client.get("/api/v1/no-such-resource/")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("No API resource at /api/v1/no-such-resource/")


def test_writes_to_unknown_api_paths_answer_json_404_too(world):
    from rest_framework.test import APIClient

    from art.services import api_token_create

    _, key = api_token_create(user=world.rte, name="script")
    api = APIClient(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {key}")
    for method in ("post", "patch", "delete"):
        response = getattr(api, method)("/api/v1/features/abc/")
        assert response.status_code == 404 and response["Content-Type"] == "application/json"
