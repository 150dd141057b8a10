"""The Content-Security-Policy: every page says where scripts, styles and connections may come
from (this site only), and no template carries an inline script or event handler that it would
block."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = [
    p for p in ROOT.glob("**/templates/**/*.html") if ".venv" not in p.parts and "node_modules" not in p.parts
]


@pytest.mark.django_db
def test_pages_carry_the_policy(world, client):
    client.force_login(world.rte)
    response = client.get(f"/trains/{world.train.slug}/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_an_inline_script_or_handler(template):
    text = template.read_text()
    inline_scripts = [m for m in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text)]
    handlers = re.findall(r"\son[a-z]+\s*=\s*[\"']", text)
    assert not inline_scripts, f"inline <script> in {template.name}: move it to static/js/"
    assert not handlers, f"inline event handler in {template.name}: use a data attribute and static/js/app.js"


@pytest.mark.django_db
def test_the_api_docs_work_with_the_policy(world, client):
    client.force_login(world.rte)
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    assert "<script>" not in page.content.decode()
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content
