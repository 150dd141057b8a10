"""Model objects made from plain rows, for reads of hundreds of rows (the planning board).

Iterating a queryset builds each object by Model.from_db -> Model.__init__, which sends the
pre_init and post_init signals and sets every field through its descriptor (a foreign key's id
through one that compares it with the cached object): most of the cost of a board's few hundred
cards. `objects_from_rows` gives the same objects, loaded from the database with exactly the
columns named (the others deferred, loaded if read, as after only()/defer()), by filling each
one's __dict__ as Model.__init__ would leave it. A model with init signal receivers (or its own
__init__) is built by from_db as usual.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

M = TypeVar("M", bound=Model)


def objects_from_rows(
    model: type[M], names: Sequence[str], rows: Iterable[Sequence[Any]], db: str
) -> list[M]:
    """One `model` object per row of values_list(*names): `names` are the model's attnames
    (fields loaded, each at most once) followed by any annotations (set as attributes, as a
    queryset sets an annotation on the objects it builds). `db` is the alias they were read
    from (the queryset's `db`)."""
    if (
        model.__init__ is not Model.__init__
        or pre_init.has_listeners(model)
        or post_init.has_listeners(model)
    ):
        attnames = {f.attname for f in model._meta.concrete_fields}
        split = next((i for i, n in enumerate(names) if n not in attnames), len(names))
        own, extra = names[:split], names[split:]
        # from_db takes the values in the order of the model's fields.
        order = [f.attname for f in model._meta.concrete_fields if f.attname in own]
        positions = [own.index(n) for n in order]
        built = []
        for row in rows:
            obj = model.from_db(db, order, [row[i] for i in positions])
            for name, value in zip(extra, row[split:], strict=True):
                setattr(obj, name, value)
            built.append(obj)
        return built
    new = object.__new__
    objects = []
    for row in rows:
        obj = new(model)
        state = ModelState()
        state.adding = False
        state.db = db
        values = obj.__dict__
        values["_state"] = state
        values.update(zip(names, row, strict=True))
        objects.append(obj)
    return objects
