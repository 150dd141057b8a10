def test_unknown_api_paths_answer_json_404(client):
    response = client.get("/api/v1/no-such-resource/")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("No API resource at /api/v1/no-such-resource/")
