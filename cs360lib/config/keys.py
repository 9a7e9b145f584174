"""Unknown keys in an engagement file or a mapping, said so that a person can fix them.

pydantic reports a key it does not know as "Extra inputs are not permitted". For a person
editing a YAML file the useful message is which key was meant: ``mappng`` is ``mapping``.
:func:`unknown_key_message` says so, with the closest known key found by :mod:`difflib`
(Ratcliff/Obershelp similarity, the standard library's ``get_close_matches``), and lists the
keys accepted at that place; :func:`keys_at` finds those keys by walking the model's fields
along the key path of the error.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from pydantic import BaseModel

__all__ = ["EXTRA_FORBIDDEN", "closest_key", "keys_at", "unknown_key_message"]

EXTRA_FORBIDDEN = "extra_forbidden"
"""pydantic's error type for a key the model does not have."""

CUTOFF = 0.6
"""Least similarity (0 to 1) for a suggestion: difflib's default, which catches one or two
wrong, missing or swapped letters in a key of five or more."""


def closest_key(key: object, known: Collection[str]) -> str | None:
    """Return the known key closest to a mistyped one.

    Parameters
    ----------
    key : object
        The key as written (turned into text).
    known : collection of str
        Keys accepted at that place.

    Returns
    -------
    str or None
        The most similar known key when its similarity is at least :data:`CUTOFF`
        (:func:`difflib.get_close_matches`), else ``None``.
    """
    text = str(key)
    matches = difflib.get_close_matches(text, list(known), n=1, cutoff=CUTOFF)
    if not matches:  # a key written in another case: "Mapping" for "mapping"
        matches = [k for k in known if k.lower() == text.lower()][:1]
    return matches[0] if matches else None


def unknown_key_message(key: object, known: Collection[str]) -> str:
    """Say that a key is unknown, which key was probably meant, and which keys are accepted.

    Parameters
    ----------
    key : object
        The unknown key.
    known : collection of str
        Keys accepted at that place, in the order to list them.

    Returns
    -------
    str
        ``"unknown key 'mappng'; did you mean `mapping`? Known keys here: kind, path, mapping"``;
        ``"unknown key 'dtypes'. Known keys here: ..."`` when no known key is close.
    """
    close = closest_key(key, known)
    hint = f"; did you mean `{close}`?" if close else "."
    listed = ", ".join(known)
    return f"unknown key {str(key)!r}{hint} Known keys here: {listed}"


def keys_at(
    model: type[BaseModel], loc: Sequence[str | int], *, hidden: Collection[str] = ()
) -> list[str] | None:
    """List the keys a model accepts at a key path.

    Parameters
    ----------
    model : type of pydantic.BaseModel
        The model of the whole file (``Engagement``, ``Mapping``).
    loc : sequence of str or int
        Key path of the mapping that holds the unknown key, e.g. ``("sources", "calls")``
        (a name under a ``dict`` field and an index under a ``list`` field are stepped over).
    hidden : collection of str, optional
        Keys of the top-level model that are not written in files (``Engagement.path``).

    Returns
    -------
    list of str or None
        The field names (their aliases where they have one) of the model reached, in
        declaration order; ``None`` when the path does not lead to a model.
    """
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            fields = {f.alias or name: f for name, f in current.model_fields.items()}
            field = fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        elif typing.get_origin(current) in (dict, Mapping):
            current = typing.get_args(current)[1]
        elif typing.get_origin(current) in (list, tuple, Sequence):
            current = typing.get_args(current)[0]
        else:
            return None
    current = _unwrap(current)
    if not (isinstance(current, type) and issubclass(current, BaseModel)):
        return None
    skip = set(hidden) if current is model else set()
    return [
        f.alias or name for name, f in current.model_fields.items() if (f.alias or name) not in skip
    ]


def _unwrap(annotation: Any) -> Any:
    """Strip ``X | None`` and ``Annotated``; of a union, keep the model or the container."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        for wanted in (_is_model, _is_container):
            chosen = [a for a in options if wanted(a)]
            if len(chosen) == 1:
                return _unwrap(chosen[0])
        return options[0] if len(options) == 1 else None
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _is_container(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (dict, Mapping, list, tuple, Sequence)
