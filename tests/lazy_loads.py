"""The N+1 guard of the test suite: a request through the test client (Django's Client, DRF's
APIClient, the htmx fixture) fails when it lazily loads the same relation more than once.

While such a request is handled (including a streamed response's content), the guard counts each
lazy load by (model, relation):

- a forward foreign key or one-to-one that is not cached (``story.feature`` without
  ``select_related("feature")``),
- a reverse one-to-one that is not cached,
- a reverse foreign key or many-to-many manager whose rows were not prefetched, counted when its
  query runs (``feature.stories.all()`` iterated, ``.count()``, ``.exists()``, ``.first()``...),
- a field left out by ``only()``/``defer()`` and read afterwards.

One row's lazy load of a relation is allowed (a page about one object may follow its foreign key,
even twice); the same (model, relation) lazily loaded for a second row in one request is a query
per row, and the request raises ``LazyLoadError`` once it is done, naming model, relation, how many
rows and where the first loads came from (the template line and the code lines). Fix it where the
rows are fetched: ``select_related`` / ``prefetch_related`` / ``only`` in the selector or view
that owns the query.

A test that means to lazy-load says so: ``@pytest.mark.allow_lazy_loads`` (whole test) or
``with allow_lazy_loads():`` around the requests concerned. tests/conftest.py turns the guard on
for every test; requests outside a test (servers, ``live_server``) are never watched.
"""

from __future__ import annotations

import contextlib
import sys
from collections import Counter
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

from django.db.models import QuerySet
from django.db.models.fields.related_descriptors import (
    ForwardManyToOneDescriptor,
    ManyToManyDescriptor,
    ReverseManyToOneDescriptor,
    ReverseOneToOneDescriptor,
)
from django.db.models.query_utils import DeferredAttribute
from django.template.base import TokenType
from django.test.client import AsyncClientHandler, ClientHandler

ROOT = Path(__file__).resolve().parent.parent
_ROOT_PREFIX = str(ROOT) + "/"
_SKIP_PREFIXES = (str(ROOT / ".venv"), str(Path(__file__).resolve()))
# The attribute on a related manager's Query that names the relation it lazily loads; Query.clone()
# copies it, so it survives .filter(), .order_by(), .values()...
_LABEL = "_railyard_lazy_relation"
# Code lines kept per lazy load in the failure message, and loads per relation whose place is kept.
STACK_DEPTH = 6
SAMPLES = 2


class LazyLoadError(AssertionError):
    """A request lazily loaded one relation for several rows (an N+1)."""


_enabled: ContextVar[bool] = ContextVar("railyard_lazy_load_guard_enabled", default=False)
_recorder: ContextVar[Recorder | None] = ContextVar("railyard_lazy_load_recorder", default=None)


class Recorder:
    """The lazy loads of one request, per (model, relation): the rows they were for, their count, and
    where the first ones were."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], set[object]] = {}
        self.counts: Counter[tuple[str, str]] = Counter()
        self.places: dict[tuple[str, str], list[list[str]]] = {}

    def record(self, model: type, relation: str, pk: object) -> None:
        key = (model._meta.label, relation)
        self.counts[key] += 1
        rows = self.rows.setdefault(key, set())
        if pk not in rows and len(rows) < SAMPLES:
            self.places.setdefault(key, []).append(_where())
        rows.add(pk)

    def n_plus_ones(self) -> dict[tuple[str, str], int]:
        """Relations lazily loaded for more than one row (one row loaded twice is no N+1)."""
        return {key: len(rows) for key, rows in self.rows.items() if len(rows) > 1}

    def report(self, request: str) -> str:
        lines = [f"N+1: {request} lazily loaded the same relation for several rows"]
        for (model, relation), rows in sorted(self.n_plus_ones().items(), key=lambda kv: -kv[1]):
            count = self.counts[(model, relation)]
            lines.append(f"  {model}.{relation} loaded lazily for {rows} rows ({count} queries), first at:")
            places = self.places[(model, relation)]
            for place in [place for i, place in enumerate(places) if place not in places[:i]]:
                lines.extend(f"      {line}" for line in place)
                lines.append("      --")
        lines.append(
            "Fetch the relation with the rows (select_related / prefetch_related / only) in the selector "
            "or view that owns the query; a test that means it: @pytest.mark.allow_lazy_loads "
            "(tests/lazy_loads.py)."
        )
        return "\n".join(lines)


def _where() -> list[str]:
    """The innermost template node being rendered and the innermost lines of project code."""
    lines: list[str] = []
    template = None
    frame = sys._getframe(2)
    while frame is not None and len(lines) < STACK_DEPTH:
        code = frame.f_code
        filename = code.co_filename
        if template is None and code.co_name == "render_annotated" and "django/template" in filename:
            node = frame.f_locals.get("self")
            token, origin = getattr(node, "token", None), getattr(node, "origin", None)
            if token is not None and origin is not None:
                name = str(origin.name)
                name = name.removeprefix(_ROOT_PREFIX)
                source = token.contents[:80]
                source = f"{{{{ {source} }}}}" if token.token_type == TokenType.VAR else f"{{% {source} %}}"
                template = f"template {name}:{token.lineno}  {source}"
        elif (
            filename.startswith(_ROOT_PREFIX)
            and not filename.startswith(_SKIP_PREFIXES)
            and code.co_name not in ("__call__", "__acall__")  # middleware
        ):
            lines.append(f"{filename.removeprefix(_ROOT_PREFIX)}:{frame.f_lineno} in {code.co_name}")
        frame = frame.f_back
    return ([template] if template else []) + lines


# --- Instrumented Django internals (each does nothing more than check a ContextVar when no request
# --- is watched) --------------------------------------------------------------------------------

_original: dict[str, object] = {}


def _forward_get_object(self, instance):
    recorder = _recorder.get()
    if recorder is not None:
        recorder.record(type(instance), self.field.name, instance.pk)
    return _original["forward_get_object"](self, instance)


def _reverse_one_get_queryset(self, **hints):
    recorder = _recorder.get()
    if recorder is not None and "instance" in hints:
        instance = hints["instance"]
        recorder.record(type(instance), self.related.accessor_name, instance.pk)
    return _original["reverse_one_get_queryset"](self, **hints)


def _deferred_get(self, instance, cls=None):
    if instance is not None and self.field.attname not in instance.__dict__:
        recorder = _recorder.get()
        if recorder is not None and self._check_parent_chain(instance) is None:
            recorder.record(type(instance), f"{self.field.attname} (deferred field)", instance.pk)
    return _original["deferred_get"](self, instance, cls)


_guarded_managers: dict[type, type] = {}


def _guarded_manager_class(manager_class: type) -> type:
    """A subclass of a related manager class whose querysets carry the relation they load."""
    guarded = _guarded_managers.get(manager_class)
    if guarded is None:

        def get_queryset(self):
            queryset = super(guarded, self).get_queryset()
            if queryset._result_cache is None:  # not prefetched
                label = (type(self.instance), self._railyard_relation, self.instance.pk)
                setattr(queryset.query, _LABEL, label)
            return queryset

        guarded = type(manager_class.__name__, (manager_class,), {"get_queryset": get_queryset})
        _guarded_managers[manager_class] = guarded
    return guarded


def _many_get(self, instance, cls=None):
    manager = _original["many_get"](self, instance, cls)
    if instance is not None and _recorder.get() is not None:
        forward_m2m = isinstance(self, ManyToManyDescriptor) and not self.reverse
        manager._railyard_relation = self.field.name if forward_m2m else self.rel.accessor_name
        manager.__class__ = _guarded_manager_class(type(manager))
    return manager


def _record_query(queryset: QuerySet) -> None:
    recorder = _recorder.get()
    if recorder is not None:
        label = getattr(queryset.query, _LABEL, None)
        if label is not None:
            recorder.record(*label)


def _fetch_all(self):
    if self._result_cache is None:
        _record_query(self)
    return _original["fetch_all"](self)


def _count(self):
    if self._result_cache is None:
        _record_query(self)
    return _original["count"](self)


def _exists(self):
    if self._result_cache is None:
        _record_query(self)
    return _original["exists"](self)


def _aggregate(self, *args, **kwargs):
    _record_query(self)
    return _original["aggregate"](self, *args, **kwargs)


def _iterator(self, *args, **kwargs):
    _record_query(self)
    return _original["iterator"](self, *args, **kwargs)


def _describe(environ_or_scope) -> str:
    method = environ_or_scope.get("REQUEST_METHOD") or environ_or_scope.get("method", "")
    path = environ_or_scope.get("PATH_INFO") or environ_or_scope.get("path", "")
    query = environ_or_scope.get("QUERY_STRING") or environ_or_scope.get("query_string", b"")
    if isinstance(query, bytes):
        query = query.decode("latin-1")
    return f"{method} {path}" + (f"?{query}" if query else "")


def _check(recorder: Recorder, request: str) -> None:
    if recorder.n_plus_ones():
        raise LazyLoadError(recorder.report(request))


def _guarded_stream(content: Iterator, recorder: Recorder, request: str) -> Iterator:
    """A streamed response's content, produced with the request's recorder on."""
    while True:
        token = _recorder.set(recorder)
        try:
            chunk = next(content)
        except StopIteration:
            break
        finally:
            _recorder.reset(token)
        yield chunk
    _check(recorder, request)


def _client_call(self, environ):
    if not _enabled.get():
        return _original["client_call"](self, environ)
    recorder = Recorder()
    token = _recorder.set(recorder)
    try:
        response = _original["client_call"](self, environ)
    finally:
        _recorder.reset(token)
    request = _describe(environ)
    if response.streaming and not response.is_async:
        response.streaming_content = _guarded_stream(iter(response.streaming_content), recorder, request)
    else:
        _check(recorder, request)
    return response


async def _async_client_call(self, scope):
    if not _enabled.get():
        return await _original["async_client_call"](self, scope)
    recorder = Recorder()
    token = _recorder.set(recorder)
    try:
        response = await _original["async_client_call"](self, scope)
    finally:
        _recorder.reset(token)
    _check(recorder, _describe(scope))
    return response


_PATCHES = [
    ("forward_get_object", ForwardManyToOneDescriptor, "get_object", _forward_get_object),
    ("reverse_one_get_queryset", ReverseOneToOneDescriptor, "get_queryset", _reverse_one_get_queryset),
    ("deferred_get", DeferredAttribute, "__get__", _deferred_get),
    ("many_get", ReverseManyToOneDescriptor, "__get__", _many_get),
    ("fetch_all", QuerySet, "_fetch_all", _fetch_all),
    ("count", QuerySet, "count", _count),
    ("exists", QuerySet, "exists", _exists),
    ("aggregate", QuerySet, "aggregate", _aggregate),
    ("iterator", QuerySet, "iterator", _iterator),
    ("client_call", ClientHandler, "__call__", _client_call),
    ("async_client_call", AsyncClientHandler, "__call__", _async_client_call),
]


def install() -> None:
    """Instrument Django once per process (every xdist worker runs it from tests/conftest.py)."""
    if _original:
        return
    for name, owner, attribute, replacement in _PATCHES:
        _original[name] = owner.__dict__[attribute]
        setattr(owner, attribute, replacement)


@contextlib.contextmanager
def guard(enabled: bool = True) -> Iterator[None]:
    """Watch (or, with enabled=False, stop watching) test-client requests inside the block."""
    token = _enabled.set(enabled)
    try:
        yield
    finally:
        _enabled.reset(token)


def allow_lazy_loads() -> contextlib.AbstractContextManager[None]:
    """Requests inside the block may lazy-load as they like (a test that means it)."""
    return guard(enabled=False)
