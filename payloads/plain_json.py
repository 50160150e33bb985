"""`json/plain` for the project's dataclasses: the SDK's bytes and values, with each type read once.

The SDK's JSON converter resolves a dataclass's type hints (`typing.get_type_hints`, which evaluates
every string annotation of a `from __future__ import annotations` module) each time it decodes a
value of it, and again for every timeline entry, deadline and assignment inside a case snapshot; it
encodes through `dataclasses.asdict`, which deep-copies every field before `json` walks the copy.
Profiled on the decision benchmark (bench/profile_decisions.py) that was the largest single share of
the worker's CPU. Here:

- decoding compiles each dataclass once into a decoder (its hints resolved on first use) and handles
  the kinds our payloads use — str, int, float, bool, None, datetime, str and int enums, unions,
  `list[...]`, nested dataclasses — exactly as the SDK's `value_to_type` does, same checks, same
  results, same exception types; any other hint (mappings, tuples, literals, UUIDs...) goes to the
  SDK's own `value_to_type`;
- encoding gives `json` each dataclass as a shallow dict of its fields and lets `json` walk the rest,
  with the SDK's separators and `sort_keys`, so the bytes are the SDK's.

Nothing on the wire changes (encoding `json/plain`, same JSON): recorded histories replay, and workers
and clients on the SDK's default converter read what these write and the other way round. Proven per
payload dataclass in tests/payloads/test_converter.py.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from enum import Enum
from types import NoneType, UnionType
from typing import Any, TypeVar

from temporalio.converter import (
    AdvancedJSONEncoder,
    CompositePayloadConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
    JSONTypeConverter,
    value_to_type,
)

Decode = Callable[[Any], Any]
# Bounded: a module the workflow sandbox loads afresh per run would bring new classes each time.
CACHED_TYPES = 2048


class DataclassJSONEncoder(AdvancedJSONEncoder):
    """The SDK's encoder, except that a dataclass becomes a shallow dict (json encodes its fields,
    calling back here for nested dataclasses, datetimes and the rest) instead of a deep copy."""

    def default(self, o: Any) -> Any:
        names = _field_names(type(o)) if hasattr(type(o), "__dataclass_fields__") else None
        if names is not None:
            return {name: getattr(o, name) for name in names}
        return super().default(o)


@functools.lru_cache(maxsize=CACHED_TYPES)
def _field_names(cls: type) -> tuple[str, ...] | None:
    if not dataclasses.is_dataclass(cls):
        return None
    return tuple(f.name for f in dataclasses.fields(cls))


class DataclassDecoding(JSONTypeConverter):
    """Decodes a JSON value to a dataclass hint with the dataclass's compiled decoder; every other
    top-level hint is left to the SDK (which calls back here for the dataclasses inside it)."""

    def to_typed_value(self, hint: type, value: Any) -> Any:
        if not _is_dataclass_type(hint):
            return JSONTypeConverter.Unhandled
        return _dataclass_decoder(hint)(value)


DATACLASSES = DataclassDecoding()


class DataclassJSONPayloadConverter(JSONPlainPayloadConverter):
    def __init__(self) -> None:
        super().__init__(encoder=DataclassJSONEncoder, custom_type_converters=[DATACLASSES])


class PayloadConverter(CompositePayloadConverter):
    """The SDK's default payload converters, in the same order, with `json/plain` done as above.
    Nullary, as `DataConverter(payload_converter_class=...)` and `with_context` require."""

    def __init__(self) -> None:
        super().__init__(
            *(
                DataclassJSONPayloadConverter() if isinstance(c, JSONPlainPayloadConverter) else c
                for c in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


# --- decoders: each mirrors one branch of the SDK's value_to_type --------------------------------


class _Dataclass:
    """A dataclass's decoder; its field table is built on first use, so that a type that refers to
    itself (or to one defined later) compiles."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.fields: list[tuple[str, bool, Decode]] | None = None

    def _compile(self) -> list[tuple[str, bool, Decode]]:
        hints = typing.get_type_hints(self.cls)
        return [(f.name, f.init, _decoder(hints[f.name])) for f in dataclasses.fields(self.cls)]

    def __call__(self, value: Any) -> Any:
        fields = self.fields
        if fields is None:
            fields = self.fields = self._compile()
        if not isinstance(value, dict):
            raise TypeError(f"Cannot convert to dataclass {self.cls}, value is {type(value)} not dict")
        init: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for name, is_init, decode in fields:
            if name in value:
                try:
                    converted = decode(value[name])
                except Exception as err:
                    raise TypeError(f"Failed converting field {name} on dataclass {self.cls}") from err
                (init if is_init else after)[name] = converted
        obj = self.cls(**init)
        for name, converted in after.items():
            object.__setattr__(obj, name, converted)
        return obj


@functools.lru_cache(maxsize=CACHED_TYPES)
def _dataclass_decoder(cls: type) -> _Dataclass:
    return _Dataclass(cls)


def _decoder(hint: Any) -> Decode:
    """The decoder of one field's hint: compiled for the kinds above, else the SDK's own."""
    if hint is Any:
        return _any
    if hint is datetime:
        return _datetime
    if hint is int or hint is float:
        return _int if hint is int else _float
    if hint is bool:
        return _bool
    if hint is str:
        return _str
    if hint is NoneType:
        return _none
    if getattr(hint, "__supertype__", None):  # NewType
        return _decoder(hint.__supertype__)
    origin = getattr(hint, "__origin__", hint)
    args: tuple[Any, ...] = getattr(hint, "__args__", ())
    if origin is typing.Union or isinstance(origin, UnionType):
        return _union(hint, [_decoder(a) for a in args], NoneType in args and all(map(_rejects_none, args)))
    if _is_dataclass_type(hint):
        return _dataclass_decoder(hint)
    if isinstance(hint, type) and issubclass(hint, Enum) and not _parses_obj(hint):
        if issubclass(hint, int):
            return _int_enum(hint)
        if issubclass(hint, str):
            return _str_enum(hint)
    if origin is list and len(args) == 1 and not isinstance(args[0], TypeVar) and args[0] is not Ellipsis:
        return _list(hint, _decoder(args[0]))
    return functools.partial(_sdk, hint)


def _sdk(hint: Any, value: Any) -> Any:
    return value_to_type(hint, value, [DATACLASSES])


def _any(value: Any) -> Any:
    return value


def _datetime(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError as err:
            raise TypeError(f"Failed parsing datetime string: {value}") from err
    if isinstance(value, datetime):
        return value
    raise TypeError(f"Expected datetime or ISO8601 string, got {type(value)}")


def _int(value: Any) -> int:
    if not isinstance(value, (int, float)):
        raise TypeError(f"Expected value to be int|float, was {type(value)}")
    return int(value)


def _float(value: Any) -> float:
    if not isinstance(value, (int, float)):
        raise TypeError(f"Expected value to be int|float, was {type(value)}")
    return float(value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"Expected value to be bool, was {type(value)}")
    return bool(value)


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"Expected value to be str, was {type(value)}")
    return str(value)


def _none(value: Any) -> None:
    if value is not None:
        raise TypeError(f"Expected None, got value of type {type(value)}")


def _int_enum(cls: type[Enum]) -> Decode:
    def decode(value: Any) -> Any:
        if not isinstance(value, int):
            raise TypeError(f"Cannot convert to enum {cls}, value not an integer, value is {type(value)}")
        return cls(value)

    return decode


def _str_enum(cls: type[Enum]) -> Decode:
    def decode(value: Any) -> Any:
        if not isinstance(value, str):
            raise TypeError(f"Cannot convert to enum {cls}, value not a string, value is {type(value)}")
        return cls(value)

    return decode


def _union(hint: Any, members: list[Decode], none_first: bool) -> Decode:
    """Each member in turn, the first that converts wins (as the SDK does). `none_first`: None is a
    member and every other member refuses None, so a None goes straight to it."""

    def decode(value: Any) -> Any:
        if value is None and none_first:
            return None
        for member in members:
            try:
                return member(value)
            except Exception:
                pass
        raise TypeError(f"Failed converting to {hint} from {value}")

    return decode


def _list(hint: Any, item: Decode) -> Decode:
    def decode(value: Any) -> list[Any]:
        if not isinstance(value, Iterable):
            raise TypeError(f"Expected {hint}, value was {type(value)}")
        out = []
        for i, v in enumerate(value):
            try:
                out.append(item(v))
            except Exception as err:
                raise TypeError(f"Failed converting {hint} index {i}") from err
        return out

    return decode


def _rejects_none(hint: Any) -> bool:
    """Whether the SDK's value_to_type raises for None under this hint (so a union's None member is
    the only one that can take it)."""
    if hint is NoneType:
        return True
    if hint in (datetime, int, float, bool, str):
        return True
    if _is_dataclass_type(hint):
        return True
    if isinstance(hint, type) and issubclass(hint, Enum) and issubclass(hint, (int, str)):
        return not _parses_obj(hint)
    return getattr(hint, "__origin__", None) is list


def _is_dataclass_type(hint: Any) -> bool:
    """A dataclass the SDK decodes as one (a dataclass that is also a Mapping it decodes as a mapping)."""
    return isinstance(hint, type) and hasattr(hint, "__dataclass_fields__") and not issubclass(hint, Mapping)


def _parses_obj(hint: type) -> bool:
    """A pydantic-v1-style `parse_obj`, which the SDK prefers over the enum branches."""
    found = inspect.getattr_static(hint, "parse_obj", None)
    return isinstance(found, (classmethod, staticmethod))
