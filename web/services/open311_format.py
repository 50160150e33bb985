"""GeoReport v2 documents in JSON and XML, and its error format.

The XML is the spec's schemaless XML, built with ElementTree (never by joining strings, so a
resident's words are always escaped); the JSON is its Spark-convention mapping: a list becomes an
array, a list's XML items are named as `ITEM` says. Both are UTF-8, as the spec requires.
"""

from __future__ import annotations

import json
import re
from typing import TypeAlias
from xml.etree import ElementTree

from fastapi.responses import Response

FORMATS = ("json", "xml")
MEDIA = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# The XML element of each item of a list, by the list's name.
ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
}
# Characters XML 1.0 cannot carry at all, even escaped.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

Value: TypeAlias = "str | int | float | bool | list[Row] | None"
Row: TypeAlias = "dict[str, Value]"


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_XML.sub("", str(value))


def _fill(element: ElementTree.Element, row: Row) -> None:
    for name, value in row.items():
        child = ElementTree.SubElement(element, name)
        if isinstance(value, list):
            for item in value:
                _fill(ElementTree.SubElement(child, ITEM[name]), item)
        else:
            child.text = _text(value)


def to_xml(root: str, body: Row | list[Row]) -> bytes:
    element = ElementTree.Element(root)
    if isinstance(body, list):
        for row in body:
            _fill(ElementTree.SubElement(element, ITEM[root]), row)
    else:
        _fill(element, body)
    content: bytes = ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)
    return content


def document(fmt: str, root: str, body: Row | list[Row], status: int = 200) -> Response:
    """`body` as `fmt`: in XML under the element `root`; in JSON as it is."""
    if fmt == "xml":
        content = to_xml(root, body)
    else:
        content = json.dumps(body, ensure_ascii=False).encode()
    return Response(content, status_code=status, media_type=MEDIA[fmt])


def errors(fmt: str, status: int, descriptions: list[str], headers: dict[str, str] | None = None) -> Response:
    """The spec's error document: one `{code, description}` per problem, the code the HTTP status."""
    body: list[Row] = [{"code": status, "description": d} for d in descriptions]
    response = document(fmt if fmt in FORMATS else "json", "errors", body, status)
    response.headers.update(headers or {})
    return response
