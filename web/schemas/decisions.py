"""The decision forms, built from the declared decisions (`workflows.decisions`): one model per
decision, made from its payload dataclass's fields, shared by the HTML forms and the JSON API.

A model checks only the shape of the input (types, lengths, known values; a field's `metadata` in
`workflows.types` adds bounds) and builds the workflow's payload; whether the decision is allowed
(role, org, stage, required text, future deadlines, names in the directory) is the workflow's rule and
comes back as its refusal. Text fields are never required here, so a missing one gets the workflow's
sentence ("请填写…") rather than a bare "field required".
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, create_model

from web.i18n import TEXT
from web.timeutil import as_aware, end_of_day
from workflows.decisions import DECISIONS
from workflows.rules import MAX_TEXT
from workflows.types import Action, Actor


def _deadline(value: Any) -> Any:
    """A deadline given as a date ends at 23:59:59 Beijing time; a naive time is Beijing time."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, str):
            text = value.strip()
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(TEXT["problem_datetime"]) from None
    if isinstance(value, datetime):
        return as_aware(value)
    if isinstance(value, date):
        return end_of_day(value)
    return value


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class _Decision(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")
    action: Any
    payload_type: ClassVar[type[Any]]

    def payload(self, actor: Actor) -> Any:
        """The declared payload dataclass, filled from the form and signed by `actor`."""
        return self.payload_type(actor=actor, **self.model_dump(exclude={"action"}))


def _form_field(hint: Any, f: dataclasses.Field[Any]) -> tuple[Any, Any]:
    """A payload field as a form field: its type with the bounds its metadata names, and a default."""
    meta = f.metadata
    if "form_default" in meta:
        default = meta["form_default"]
    elif f.default is not dataclasses.MISSING:
        default = f.default
    elif f.default_factory is not dataclasses.MISSING:
        default = f.default_factory()
    else:
        default = ...
    if hint is str:
        return Annotated[
            str, Field(max_length=meta.get("max_length", MAX_TEXT))
        ], "" if default is ... else default
    if hint == list[str]:
        return Annotated[list[str], Field(max_length=meta.get("max_length", 64))], []
    if typing.get_origin(hint) is list and issubclass(typing.get_args(hint)[0], Enum):
        return Annotated[hint, Field(max_length=len(typing.get_args(hint)[0]))], []
    if hint is datetime:
        return Annotated[datetime, BeforeValidator(_deadline)], default
    if hint == datetime | None:
        return Annotated[datetime | None, BeforeValidator(_deadline)], None
    if hint is int:
        return Annotated[int, Field(ge=meta.get("ge"), le=meta.get("le"))], default
    if hint is bool or (isinstance(hint, type) and issubclass(hint, Enum)):
        return hint, default
    if hint == bool | None:
        # An answer the person must give (是否解决): absent stays None, and the workflow says so.
        return Annotated[bool | None, BeforeValidator(_blank_to_none)], None
    raise TypeError(f"no form field for {hint!r} ({f.name}): extend web.schemas.decisions._form_field")


def _model(action: Enum, payload: type[Any]) -> type[_Decision]:
    hints = typing.get_type_hints(payload)
    fields: dict[str, Any] = {"action": (Literal[action], ...)}
    for f in dataclasses.fields(payload):
        if f.name != "actor" and f.metadata.get("form", True):
            fields[f.name] = _form_field(hints[f.name], f)
    name = "".join(part.title() for part in action.value.split("_")) + "In"
    model = create_model(name, __base__=_Decision, __doc__=payload.__doc__, **fields)
    model.payload_type = payload
    return model


def one_of(models: Mapping[Any, type[_Decision]]) -> Any:
    """The body type of a decision: one of the models, picked by its `action`."""
    return Annotated[typing.Union[tuple(models.values())], Field(discriminator="action")]  # type: ignore[valid-type]  # noqa: UP007


@dataclass(frozen=True)
class DecisionForms:
    """A process's decision models, the adapter that picks one by `action`, and its list fields."""

    models: dict[Any, type[_Decision]]
    union: Any  # the body type: one of the models, by `action`
    adapter: TypeAdapter[Any]
    list_fields: tuple[str, ...]


def decision_forms(decisions: Mapping[Any, Any]) -> DecisionForms:
    """The form models of one process's declared decisions (`workflows.decisions` for 六单,
    `workflows.petition.decisions` for 信访)."""
    models = {action: _model(action, d.payload) for action, d in decisions.items()}
    union = one_of(models)
    list_fields = tuple(
        name
        for m in models.values()
        for name, f in m.model_fields.items()
        if typing.get_origin(f.annotation) is list
    )
    return DecisionForms(models, union, TypeAdapter(union), list_fields)


_CASE = decision_forms(DECISIONS)
MODELS: dict[Action, type[_Decision]] = _CASE.models
DecisionIn = one_of(MODELS)
DECISION: TypeAdapter[Any] = _CASE.adapter
# Form fields that carry several values (a multi-select).
LIST_FIELDS = _CASE.list_fields
