"""Walk the scenario models along a path: the field's description, the keys allowed there.

Used for hints ("did you mean …", what a field means) and by ``--set`` to check paths.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Tag
from pydantic.fields import FieldInfo

from econsim.scenario.checks import did_you_mean
from econsim.scenario.schema import Scenario


def unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Optional / Union / Annotated."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return unwrap(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [t for arg in get_args(annotation) for t in unwrap(arg)]
    return [annotation]


def _tagged(annotation: Any, tag: str | int) -> Any:
    """The member of a tagged union that pydantic names ``tag`` in error locations, or None."""
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) not in (Union, types.UnionType):
        return None
    for arg in get_args(annotation):
        if get_origin(arg) is Annotated and any(
            isinstance(m, Tag) and m.tag == tag for m in arg.__metadata__
        ):
            return get_args(arg)[0]
    return None


def _step(annotation: Any, part: str | int) -> tuple[Any, FieldInfo | None] | None:
    member = _tagged(annotation, part)
    if member is not None:
        return member, None
    for t in unwrap(annotation):
        if isinstance(t, type) and issubclass(t, BaseModel) and isinstance(part, str):
            info = t.model_fields.get(part)
            if info is not None:
                return info.annotation, info
        origin = get_origin(t)
        if origin is dict and isinstance(part, str):
            return get_args(t)[1], None
        if origin is list and isinstance(part, int):
            return get_args(t)[0], None
    return None


def resolve(path: Sequence[str | int]) -> tuple[Any, FieldInfo | None] | None:
    """The annotation and field info at ``path`` below Scenario, or None if no such field."""
    annotation: Any = Scenario
    info: FieldInfo | None = None
    for part in path:
        found = _step(annotation, part)
        if found is None:
            return None
        annotation, info = found
    return annotation, info


def allowed_keys(path: Sequence[str | int]) -> list[str]:
    """The keys a mapping at ``path`` may have (empty when it is free-form or unknown)."""
    found = resolve(path)
    if found is None:
        return []
    return [
        name
        for t in unwrap(found[0])
        if isinstance(t, type) and issubclass(t, BaseModel)
        for name in t.model_fields
    ]


def field_hint(path: Sequence[str | int]) -> str:
    """The description of the field at ``path``, as a hint."""
    found = resolve(path)
    if found is None or found[1] is None or not found[1].description:
        return ""
    return found[1].description


def unknown_key_hint(loc: Sequence[str | int]) -> str:
    """'did you mean …' for an unknown key at ``loc`` (last part is the key)."""
    return did_you_mean(str(loc[-1]), allowed_keys(loc[:-1]))
