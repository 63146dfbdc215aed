"""Typed callback data: one class per kind of button, packed into at most 64 bytes, checked when unpacked.

In the spirit of aiogram's `CallbackData`: a frozen dataclass with a prefix and typed fields, packed as
`prefix:field:field…`::

    @dataclass(frozen=True)
    class RunAction(CallbackData, prefix="f:r"):
        run_id: B36
        question_id: str
        action: str

    RunAction(10, "q1", "c0").pack() == "f:r:a:q1:c0";  RunAction.unpack("f:r:a:q1:c0") == RunAction(10, "q1", "c0")

Field types: `int` (decimal) and `B36` (base 36, shorter), both non-negative and within core.ids.MAX_ID; `str`
(non-empty, without ":"; `Rest` may hold ":" and must be the last field); a `StrEnum` (one of its values).
`pack()` refuses data over Telegram's 64 bytes. `unpack(data)` returns None for anything else — another
prefix, a wrong number of fields, a forged or oversized number, an unknown enum value, an empty field —
so stale and forged presses are refused in one place. A `Namespace` is the set of classes one handler
serves: all data starting with its name and ":" ("f:", "j:", …).
"""
from __future__ import annotations

import enum
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Annotated, Any, ClassVar, Self

from core.ids import parse_id

SEP = ":"
MAX_BYTES = 64
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


class _Base36:
    """Marks an int field written in base 36."""


class _Rest:
    """Marks a last str field that may hold the separator."""


B36 = Annotated[int, _Base36]
Rest = Annotated[str, _Rest]


def base36(number: int) -> str:
    out = ""
    while True:
        number, digit = divmod(number, 36)
        out = _DIGITS[digit] + out
        if not number:
            return out


@dataclass(frozen=True)
class _Field:
    name: str
    encode: Callable[[Any], str]
    decode: Callable[[str], Any]  # None when the text is not a valid value


def _str_field(name: str, rest: bool) -> _Field:
    def encode(value: str) -> str:
        if not value or (SEP in value and not rest):
            raise ValueError(f"callback field {name} must be non-empty and without {SEP!r}: {value!r}")
        return value
    return _Field(name, encode, lambda text: text if text and (rest or SEP not in text) else None)


def _int_field(name: str, base: int) -> _Field:
    def encode(value: int) -> str:
        if value < 0:
            raise ValueError(f"callback field {name} must not be negative: {value}")
        return base36(value) if base == 36 else str(value)
    return _Field(name, encode, lambda text: parse_id(text, base))


def _enum_field(name: str, kind: type[enum.Enum]) -> _Field:
    by_value = {member.value: member for member in kind}
    return _Field(name, lambda value: kind(value).value, by_value.get)


def _field_for(name: str, hint: Any) -> _Field:
    marks = getattr(hint, "__metadata__", ())
    base = typing.get_origin(hint) is Annotated and typing.get_args(hint)[0] or hint
    if base is int:
        return _int_field(name, 36 if _Base36 in marks else 10)
    if base is str:
        return _str_field(name, _Rest in marks)
    if isinstance(base, type) and issubclass(base, enum.Enum):
        return _enum_field(name, base)
    raise TypeError(f"callback field {name}: unsupported type {hint!r}")


class CallbackData:
    """Base of every callback data class; subclasses are frozen dataclasses given a `prefix`."""

    prefix: ClassVar[str]
    _fields: ClassVar[tuple[_Field, ...]]

    def __init_subclass__(cls, prefix: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if prefix is not None:
            if not prefix or prefix.endswith(SEP):
                raise ValueError(f"bad callback prefix {prefix!r}")
            cls.prefix = prefix

    @classmethod
    def _spec(cls) -> tuple[_Field, ...]:
        spec = cls.__dict__.get("_fields")
        if spec is None:
            hints = typing.get_type_hints(cls, include_extras=True)
            spec = tuple(_field_for(f.name, hints[f.name]) for f in fields(cls))  # type: ignore[arg-type]
            if any(_Rest in getattr(hints[f.name], "__metadata__", ()) for f in spec[:-1]):
                raise TypeError(f"{cls.__name__}: only the last field may be Rest")
            cls._fields = spec
        return spec

    def pack(self) -> str:
        """The data for a button; ValueError when it would exceed Telegram's 64 bytes."""
        parts = [self.prefix, *(f.encode(getattr(self, f.name)) for f in self._spec())]
        data = SEP.join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def unpack(cls, data: str) -> Self | None:
        """The value packed in `data`, or None when it is not exactly one of this class."""
        spec = cls._spec()
        if not data.startswith(cls.prefix):
            return None
        rest = data[len(cls.prefix):]
        if not spec:
            return cls() if not rest else None
        if not rest.startswith(SEP):
            return None
        texts = rest[1:].split(SEP, len(spec) - 1)
        if len(texts) != len(spec):
            return None
        values = []
        for field, text in zip(spec, texts):
            value = field.decode(text)
            if value is None:
                return None
            values.append(value)
        return cls(*values)

    @classmethod
    def pattern(cls) -> re.Pattern[str]:
        """A regular expression matching this class's data (its prefix, then as many fields)."""
        spec = cls._spec()
        tail = "".join(rf"{SEP}[^{SEP}]+" for _ in spec[:-1]) + (rf"{SEP}.+" if spec else "")
        return re.compile(rf"^{re.escape(cls.prefix)}{tail}$")


class Namespace:
    """The classes one handler serves: data starting with `name` and ":"."""

    def __init__(self, name: str, *classes: type[CallbackData]) -> None:
        self.name = name
        self.start = name + SEP
        for cls in classes:
            if not (cls.prefix + SEP).startswith(self.start):
                raise ValueError(f"{cls.__name__} ({cls.prefix!r}) is not in namespace {name!r}")
        self.classes = classes

    def owns(self, data: str | None) -> bool:
        return bool(data) and data.startswith(self.start)

    def unpack(self, data: str | None) -> CallbackData | None:
        """The first class's value that `data` is exactly; None for anything malformed, forged or unknown."""
        if not self.owns(data):
            return None
        for cls in self.classes:
            if (value := cls.unpack(data)) is not None:
                return value
        return None

    def pattern(self) -> re.Pattern[str]:
        """For python-telegram-bot's CallbackQueryHandler: every data of this namespace, valid or not."""
        return re.compile(rf"^{re.escape(self.start)}")
