"""How Liudan's payloads travel through Temporal: the converter every client and worker shares,
with personal data encrypted by a payload codec, and `connect`, the one way every process reaches
Temporal.

`connect`, `data_converter` and `reachable` are loaded on first use (PEP 562), so that
`python -m payloads.keys` (a new key entry) runs without importing the whole package first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from payloads.converter import connect, data_converter, reachable

__all__ = ["connect", "data_converter", "reachable"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from payloads import converter

        return getattr(converter, name)
    raise AttributeError(f"module 'payloads' has no attribute {name!r}")
