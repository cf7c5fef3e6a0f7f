"""DynamoDB items in and out of plain Python values (the low-level client speaks typed JSON).

The one place that knows boto3 reads every number as Decimal: the services and the operator
tools all store integers (and the odd float), so numbers come back as int or float."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer: Final = TypeSerializer()
_deserializer: Final = TypeDeserializer()


def serialize(value: Any) -> dict[str, Any]:
    """One plain value as a DynamoDB attribute value."""
    return dict(_serializer.serialize(value))


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """Plain values -> DynamoDB attribute values; None is left out."""
    return {k: serialize(v) for k, v in values.items() if v is not None}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return value.hex()
    return value


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain values."""
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}
