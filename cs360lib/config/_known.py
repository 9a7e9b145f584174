"""What the sections of an engagement validated so far hold, for the checks of later sections.

Private to :mod:`cs360lib.config.engagement` (split out to keep that module readable): the
validators of metrics, responses, areas and sources look up names in the record kept in the
validation context, and report references to unknown names with a did-you-mean hint.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

from pydantic import ValidationInfo

from cs360lib.config._base import _STATE, _Issue

if TYPE_CHECKING:  # pragma: no cover
    from cs360lib.config.responses import Response


class _Known:
    """What the sections validated so far hold, for the checks of later sections.

    Lives in the validation context of one engagement. ``names`` are the entries
    written in the file, ``valid`` those that passed validation: a reference to a
    written but invalid entry is not reported again (its own error is).
    """

    def __init__(self) -> None:
        self.names: dict[str, set[str]] = {"sources": set(), "areas": set()}
        self.valid: dict[str, dict[str, Any]] = {"sources": {}, "areas": {}}
        self.metrics: list[str] = []
        self.responses: list[str] = []

    @staticmethod
    def of(info: ValidationInfo) -> _Known | None:
        context = info.context
        known = context.get(_STATE) if isinstance(context, dict) else None
        return known if isinstance(known, _Known) else None

    def written(self, data: dict[str, Any]) -> None:
        for section in self.names:
            value = data.get(section)
            self.names[section] = set(value) if isinstance(value, dict) else set()
        metrics = data.get("metrics")
        self.metrics = [
            str(m["name"])
            for m in (metrics if isinstance(metrics, list) else [])
            if isinstance(m, dict) and m.get("name") is not None
        ]
        responses = data.get("responses")
        self.responses = [
            str(r["name"])
            for r in (responses if isinstance(responses, list) else [])
            if isinstance(r, dict) and r.get("name") is not None
        ]

    def has_area(self, name: str) -> bool:
        return name in self.names["areas"] or name in self.valid["areas"]

    def metric_issues(self, key: tuple[str | int, ...], name: str) -> list[_Issue]:
        if name in self.metrics:
            return []
        close = difflib.get_close_matches(name, self.metrics, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        message = f"is not the name of a metric{hint}; metrics are {self.metrics}"
        return [_Issue(key, message, name, value_first=True)]

    def response_issues(self, key: tuple[str | int, ...], name: str) -> list[_Issue]:
        if name in self.responses:
            return []
        close = difflib.get_close_matches(name, self.responses, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        message = f"is not the name of a response{hint}; responses are {self.responses}"
        return [_Issue(key, message, name, value_first=True)]

    def overlap_issues(self, response: Response) -> list[_Issue]:
        """Return the areas of a response that share values of one column.

        A target that is also its own comparison, or a displacement area that takes in the
        target, is an engagement-file problem; areas on different columns are checked on the
        data by :mod:`cs360lib.steps.plan`.
        """
        roles = response.role_areas()
        found = []
        pairs = [("target", "comparison"), ("target", "displacement")]
        pairs.append(("comparison", "displacement"))
        for first, second in pairs:
            a = self.valid["areas"].get(roles.get(first, ""))
            b = self.valid["areas"].get(roles.get(second, ""))
            if a is None or b is None or a.column != b.column:
                continue  # different columns: checked on the data by steps.plan
            shared = [v for v in a.values if v in b.values]
            if shared:
                message = (
                    f"{second} area {roles[second]!r} and {first} area {roles[first]!r} share "
                    f"{a.column} {', '.join(shared)}: the {second} area must not overlap the "
                    f"{first} area (Eck 2002, Assessing responses to problems)"
                )
                found.append(_Issue((second,), message, roles[second]))
        return found

    def source_issues(self, key: tuple[str | int, ...], name: str) -> list[_Issue]:
        if name in self.names["sources"] or name in self.valid["sources"]:
            return []
        return [_Issue(key, "is not a source name", name, value_first=True)]

    def filter_issues(
        self, key: tuple[str | int, ...], filters: dict[str, list[str]], name: str
    ) -> list[_Issue]:
        source = self.valid["sources"].get(name)
        if source is None:  # unknown or invalid source: reported where it is named
            return []
        columns = source.columns()
        return [
            _Issue(key, f"{column!r} is not a column of {name}; columns are {columns}", column)
            for column in filters
            if column not in columns
        ]

    def area_issues(
        self, key: tuple[str | int, ...], area: str, source_name: str | None = None
    ) -> list[_Issue]:
        if area not in self.names["areas"] and area not in self.valid["areas"]:
            return [_Issue(key, "is not a name in areas", area, value_first=True)]
        source = self.valid["sources"].get(source_name) if source_name else None
        spec = self.valid["areas"].get(area)
        if source is None or spec is None or spec.column in source.columns():
            return []
        message = (
            f"area {area!r} uses column {spec.column!r}, which is not a column of "
            f"{source_name}; columns are {source.columns()}"
        )
        return [_Issue(key, message, area)]
