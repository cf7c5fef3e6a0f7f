"""The one reader of settings from an environment: a `Setting` names its variable, its form
(type and bounds), its default and what it is for, and reads or checks a value.

The services read their settings with it (`ServiceSettings`, `ChatSettings`, `FilesSettings`),
and the Pulumi program checks a stack's `engageiq:serviceSettings` with it at preview time, so
a bad value fails with the same `SettingsError` message wherever it is found. The settings
themselves are listed in `engageiq_tenancy.setting_catalog`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Generic, Literal, Protocol, TypeVar

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
S = TypeVar("S", bound=str)

Service = Literal["chat", "files"]


class SettingsError(ValueError):
    """A setting is set to something we will not run with. The message names the variable and
    the form it expects, e.g. "ENGAGEIQ_CHAT_MAX_OUTPUT_TOKENS must be a whole number, at
    least 1, not 'abc'"."""


class Form(Protocol[T_co]):
    """How a setting's text becomes a value. `parse` raises ValueError on anything else."""

    @property
    def expected(self) -> str:
        """The form in words, completing "<VARIABLE> must be ..."."""
        ...

    def parse(self, raw: str) -> T_co: ...


def _figure(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _bounds(minimum: float | None, maximum: float | None, below: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f" between {_figure(minimum)} and {_figure(maximum)}"
    limits = [f"at least {_figure(minimum)}"] if minimum is not None else []
    limits += [f"at most {_figure(maximum)}"] if maximum is not None else []
    limits += [f"below {_figure(below)}"] if below is not None else []
    return ", " + " and ".join(limits) if limits else ""


@dataclass(frozen=True, slots=True)
class WholeNumber:
    """An integer within bounds. `1e6` is read as 1000000; `2.5` is refused."""

    minimum: int | None = None
    maximum: int | None = None
    unit: str = ""
    """What is counted (`bytes`, `seconds`, `tokens`), for the message."""

    @property
    def expected(self) -> str:
        unit = f" of {self.unit}" if self.unit else ""
        return f"a whole number{unit}{_bounds(self.minimum, self.maximum, None)}"

    def parse(self, raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            number = float(raw)
            if not number.is_integer():
                raise ValueError(raw) from None
            value = int(number)
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            raise ValueError(raw)
        return value


@dataclass(frozen=True, slots=True)
class Number:
    """A finite decimal number within bounds; `below` is an exclusive upper bound."""

    minimum: float | None = None
    maximum: float | None = None
    below: float | None = None
    unit: str = ""

    @property
    def expected(self) -> str:
        unit = f" of {self.unit}" if self.unit else ""
        return f"a number{unit}{_bounds(self.minimum, self.maximum, self.below)}"

    def parse(self, raw: str) -> float:
        value = float(raw)
        if (
            not math.isfinite(value)
            or (self.minimum is not None and value < self.minimum)
            or (self.maximum is not None and value > self.maximum)
            or (self.below is not None and value >= self.below)
        ):
            raise ValueError(raw)
        return value


@dataclass(frozen=True, slots=True)
class Text:
    """Any non-empty text (the reader strips it; blank means unset)."""

    @property
    def expected(self) -> str:
        return "a text"

    def parse(self, raw: str) -> str:
        if not raw:
            raise ValueError(raw)
        return raw


@dataclass(frozen=True, slots=True)
class OneOf(Generic[S]):
    """One of a few words; `any_case` accepts `info` for `INFO` and gives back the choice."""

    choices: tuple[S, ...]
    any_case: bool = False

    @property
    def expected(self) -> str:
        return "one of " + ", ".join(repr(c) for c in self.choices)

    def parse(self, raw: str) -> S:
        for choice in self.choices:
            if raw == choice or (self.any_case and raw.casefold() == choice.casefold()):
                return choice
        raise ValueError(raw)


@dataclass(frozen=True, slots=True)
class Pairs(Generic[S]):
    """Comma-separated `key=value` pairs, each key and value from a fixed list:
    `email_draft=fast,call_prep=strong` -> {"email_draft": "fast", "call_prep": "strong"}."""

    keys: tuple[str, ...]
    values: tuple[S, ...]

    @property
    def expected(self) -> str:
        return (
            "comma-separated key=value pairs with keys from "
            + ", ".join(self.keys)
            + " and values from "
            + ", ".join(self.values)
        )

    def parse(self, raw: str) -> Mapping[str, S]:
        pairs: dict[str, S] = {}
        for pair in filter(None, (p.strip() for p in raw.split(","))):
            key, _, value = (part.strip() for part in pair.partition("="))
            if key not in self.keys:
                raise ValueError(raw)
            pairs[key] = OneOf(self.values).parse(value)
        return MappingProxyType(pairs)


@dataclass(frozen=True, slots=True)
class Setting(Generic[T]):
    """One environment variable a service reads."""

    name: str
    """The variable, e.g. `ENGAGEIQ_CHAT_MAX_OUTPUT_TOKENS`."""
    form: Form[T]
    """Its type and bounds."""
    default: T
    """The value when the variable is unset or blank."""
    description: str
    """What it changes, in one line (for docs and error reports)."""
    readers: tuple[Service, ...]
    """The services that read it; a stack's value is set in these services' environment."""
    per_environment: bool = True
    """Whether a stack may set it in `engageiq:serviceSettings`. False for variables the
    program sets itself (resource names, secrets, `engageiq:logLevel`)."""

    def parse(self, raw: str) -> T:
        """`raw` as this setting's value. Raises SettingsError naming the variable and form."""
        try:
            return self.form.parse(raw.strip())
        except ValueError:
            raise SettingsError(f"{self.name} must be {self.form.expected}, not {raw!r}") from None

    def read(self, environ: Mapping[str, str]) -> T:
        """The value in `environ`, or the default when unset or blank. Raises SettingsError."""
        raw = environ.get(self.name, "").strip()
        return self.parse(raw) if raw else self.default


def require(environ: Mapping[str, str], name: str) -> str:
    """A variable that has no default (a resource name the program or `engageiq dev` sets).
    Raises SettingsError when it is unset or blank."""
    value = environ.get(name, "").strip()
    if not value:
        raise SettingsError(f"environment variable {name} is required")
    return value
