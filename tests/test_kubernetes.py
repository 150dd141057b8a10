"""deploy/kubernetes/ (a Kustomize base) renders, every object is valid for Kubernetes 1.30, and the
objects fit together and fit the application.

The kustomization is rendered here without kubectl or kustomize: it uses only `resources` and
`labels` (a test below fails on any other field, so this renderer stays honest), which is little
enough to do by hand. Validation uses kubernetes-validate's bundled JSON schemas (strict: unknown
fields fail), with the network closed to prove that CI needs none.
"""

from __future__ import annotations

import ast
import re
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate  # a dev dependency (requirements.lock): missing, this fails, not skips
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "deploy" / "kubernetes"
KUBERNETES_VERSION = "1.30.0"
RENDERED_FIELDS = {"apiVersion", "kind", "resources", "labels"}
WORKLOADS = ("Deployment", "Job")


# --- the renderer ---------------------------------------------------------------------------------


def kustomization() -> dict[str, Any]:
    return yaml.safe_load((BASE / "kustomization.yaml").read_text(encoding="utf-8"))


def pod_template_metadata(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = obj.get("spec", {})
    templates = []
    if "template" in spec:
        templates.append(spec["template"])
    if "jobTemplate" in spec:
        templates.append(spec["jobTemplate"]["spec"]["template"])
    return [template.setdefault("metadata", {}) for template in templates]


def selector_labels(obj: dict[str, Any]) -> list[dict[str, str]]:
    spec = obj.get("spec", {})
    if obj["kind"] == "Service":
        return [spec.setdefault("selector", {})]
    if "selector" in spec and obj["kind"] != "Job":
        return [spec["selector"].setdefault("matchLabels", {})]
    return []


def render() -> list[dict[str, Any]]:
    """The objects `kubectl apply -k deploy/kubernetes` would send, as kustomize renders them."""
    config = kustomization()
    objects: list[dict[str, Any]] = []
    for resource in config["resources"]:
        text = (BASE / resource).read_text(encoding="utf-8")
        objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
    for entry in config.get("labels", []):
        pairs = entry["pairs"]
        for obj in objects:
            obj.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)
            if entry.get("includeTemplates") or entry.get("includeSelectors"):
                for metadata in pod_template_metadata(obj):
                    metadata.setdefault("labels", {}).update(pairs)
            if entry.get("includeSelectors"):
                for selector in selector_labels(obj):
                    selector.update(pairs)
    return objects


@pytest.fixture(scope="module")
def objects() -> list[dict[str, Any]]:
    return render()


def one(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    return obj["spec"]["template"]["spec"]


def matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


# --- the kustomization and the schemas ------------------------------------------------------------


def test_the_kustomization_uses_only_what_this_test_renders():
    config = kustomization()
    assert set(config) <= RENDERED_FIELDS, f"render these too, or drop them: {set(config) - RENDERED_FIELDS}"
    listed = set(config["resources"])
    on_disk = {p.name for p in BASE.glob("*.yaml")} - {"kustomization.yaml"}
    assert on_disk - listed == {"secret.example.yaml"}, "every manifest but the example Secret is listed"
    assert "secret.example.yaml" not in listed


def test_no_secret_is_committed_in_the_base(objects):
    assert not [o for o in objects if o["kind"] == "Secret"]


def test_every_object_is_valid_for_kubernetes_offline(objects, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("kubernetes-validate tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    example = yaml.safe_load((BASE / "secret.example.yaml").read_text(encoding="utf-8"))
    assert len(objects) >= 9
    for obj in [*objects, example]:
        name = f"{obj['kind']}/{obj['metadata']['name']}"
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{name}: {exc.message}")


def test_the_validator_does_catch_a_mistake(objects):
    broken = yaml.safe_load(yaml.safe_dump(one(objects, "Deployment", "railyard-web")))
    pod_spec(broken)["containers"][0]["readinessProbe"]["httpGet"]["prot"] = 8000
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


# --- the parts fit together -----------------------------------------------------------------------


def test_labels_are_consistent_and_selectors_match_their_pods(objects):
    for obj in objects:
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == "railyard", obj["metadata"]["name"]
        assert labels["app.kubernetes.io/part-of"] == "railyard", obj["metadata"]["name"]
        if obj["kind"] in WORKLOADS:
            pod_labels = obj["spec"]["template"]["metadata"]["labels"]
            assert pod_labels["app.kubernetes.io/component"] == labels["app.kubernetes.io/component"]
            assert pod_labels["app.kubernetes.io/part-of"] == "railyard"
        if obj["kind"] == "Deployment":
            template = obj["spec"]["template"]["metadata"]["labels"]
            assert matches(obj["spec"]["selector"]["matchLabels"], template)


def test_the_web_tier_has_its_service_ingress_hpa_and_pdb(objects):
    web = one(objects, "Deployment", "railyard-web")
    web_pods = web["spec"]["template"]["metadata"]["labels"]
    other_pods = [
        o["spec"]["template"]["metadata"]["labels"]
        for o in objects
        if o["kind"] in WORKLOADS and o["metadata"]["name"] != "railyard-web"
    ]
    port = pod_spec(web)["containers"][0]["ports"][0]
    assert port == {"name": "http", "containerPort": 8000, "protocol": "TCP"}  # Dockerfile: EXPOSE 8000

    service = one(objects, "Service", "railyard-web")
    assert matches(service["spec"]["selector"], web_pods)
    assert not any(matches(service["spec"]["selector"], pods) for pods in other_pods)
    assert service["spec"]["ports"][0]["targetPort"] == "http"

    pdb = one(objects, "PodDisruptionBudget", "railyard-web")
    assert matches(pdb["spec"]["selector"]["matchLabels"], web_pods)
    assert not any(matches(pdb["spec"]["selector"]["matchLabels"], pods) for pods in other_pods)

    hpa = one(objects, "HorizontalPodAutoscaler", "railyard-web")
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "railyard-web"}
    assert hpa["spec"]["scaleTargetRef"] == target
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    assert hpa["spec"]["minReplicas"] >= 2 > pdb["spec"]["minAvailable"]
    assert "replicas" not in web["spec"], "the HPA owns the web tier's replicas"
    # The HPA's CPU utilisation is relative to the request.
    assert pod_spec(web)["containers"][0]["resources"]["requests"]["cpu"]


def test_the_ingress_passes_the_live_updates_websockets(objects):
    ingress = one(objects, "Ingress", "railyard-web")
    routes = {
        path["path"]: path["backend"]["service"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert routes["/ws/"] == {"name": "railyard-web", "port": {"name": "http"}}
    assert routes["/"] == routes["/ws/"]
    annotations = ingress["metadata"]["annotations"]
    # Pages send a heartbeat every 25 s: an idle socket must outlive it (docker-compose.yml: 120 s).
    for name in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(annotations[f"nginx.ingress.kubernetes.io/{name}"]) >= 60


def test_web_probes_ask_healthz_with_an_allowed_host(objects):
    web = pod_spec(one(objects, "Deployment", "railyard-web"))["containers"][0]
    config = one(objects, "ConfigMap", "railyard-config")["data"]
    allowed = config["DJANGO_ALLOWED_HOSTS"].split(",")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        get = web[probe]["httpGet"]
        assert get["path"] == "/healthz" and get["port"] == "http", probe
        host = {h["name"]: h["value"] for h in get["httpHeaders"]}["Host"]
        assert host in allowed, f"{probe}: Django would refuse Host {host}"
    assert "healthz" in (ROOT / "art" / "urls.py").read_text(encoding="utf-8")


def test_worker_and_beat(objects):
    worker = one(objects, "Deployment", "railyard-worker")
    assert pod_spec(worker)["containers"][0]["command"][:4] == ["celery", "-A", "art", "worker"]
    assert worker["spec"]["replicas"] >= 1
    beat = one(objects, "Deployment", "railyard-beat")
    assert pod_spec(beat)["containers"][0]["command"][:4] == ["celery", "-A", "art", "beat"]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    autoscaled = [
        o["spec"]["scaleTargetRef"]["name"] for o in objects if o["kind"] == "HorizontalPodAutoscaler"
    ]
    assert "railyard-beat" not in autoscaled


def test_migrations_run_as_a_job_and_the_pods_wait_for_them(objects):
    job = one(objects, "Job", "railyard-migrate")
    assert pod_spec(job)["containers"][0]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert pod_spec(job)["restartPolicy"] == "Never"
    for name in ("railyard-web", "railyard-worker", "railyard-beat"):
        (init,) = pod_spec(one(objects, "Deployment", name))["initContainers"]
        assert "manage.py migrate --check" in " ".join(init["command"]), name
    assert not [o for o in objects if o["kind"] == "StatefulSet"], "PostgreSQL and Redis are external"


# --- the parts fit the application ----------------------------------------------------------------


def containers(objects: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{o['metadata']['name']}/{c['name']}", c)
        for o in objects
        if o["kind"] in WORKLOADS
        for c in [*pod_spec(o).get("initContainers", []), *pod_spec(o)["containers"]]
    ]


def production_requires() -> set[str]:
    """The names art/settings/production.py reads without a default: `required("X")`, `env("X")`."""
    tree = ast.parse((ROOT / "art" / "settings" / "production.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            first = node.args[0] if node.args else None
            literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
            if literal and (node.func.id == "required" or (node.func.id == "env" and len(node.args) == 1)):
                names.add(first.value)
    return names


def test_every_setting_production_requires_is_provided(objects):
    required = production_requires()
    assert {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"} <= required  # the parse works
    # More than one pod needs the shared cache, broker and channel layer: REDIS_URL too.
    required.add("REDIS_URL")
    config = set(one(objects, "ConfigMap", "railyard-config")["data"])
    example = yaml.safe_load((BASE / "secret.example.yaml").read_text(encoding="utf-8"))
    secret = set(example["stringData"])
    assert required <= config | secret, f"not provided: {required - config - secret}"
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= secret, "secrets go in the Secret"
    assert not config & secret
    for name, container in containers(objects):
        sources = {
            ref.get("configMapRef", ref.get("secretRef", {})).get("name") for ref in container["envFrom"]
        }
        assert sources == {"railyard-config", example["metadata"]["name"]}, name


def test_every_name_in_the_configmap_is_a_setting(objects):
    folder = ROOT / "art" / "settings"
    settings = "".join((folder / name).read_text(encoding="utf-8") for name in ("base.py", "production.py"))
    for name in one(objects, "ConfigMap", "railyard-config")["data"]:
        assert f'"{name}"' in settings or name == "DJANGO_SETTINGS_MODULE", f"{name} is read by no setting"


def test_pods_run_as_the_images_user_without_privileges(objects):
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    uid = int(re.search(r"useradd [^\n]*--uid (\d+)", dockerfile).group(1))
    assert re.search(r"^USER railyard$", dockerfile, re.MULTILINE)
    for obj in objects:
        if obj["kind"] in WORKLOADS:
            context = pod_spec(obj)["securityContext"]
            assert context["runAsNonRoot"] is True and context["runAsUser"] == uid, obj["metadata"]["name"]
            assert pod_spec(obj)["automountServiceAccountToken"] is False
    for name, container in containers(objects):
        assert container["image"] == "railyard:latest", name
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"], name
        resources = container["resources"]
        assert resources["requests"]["cpu"] and resources["requests"]["memory"], name
        assert resources["limits"]["memory"], name


def test_the_renderer_agrees_with_kubectl_when_it_is_installed(objects):
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: the renderer above stands alone")
    out = subprocess.run(
        [kubectl, "kustomize", str(BASE)], capture_output=True, text=True, timeout=60, check=True
    ).stdout

    def key(obj: dict[str, Any]) -> tuple[str, str]:
        return obj["kind"], obj["metadata"]["name"]

    theirs = sorted((doc for doc in yaml.safe_load_all(out) if doc), key=key)
    assert sorted(objects, key=key) == theirs
