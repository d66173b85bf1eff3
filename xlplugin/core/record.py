"""Records that a `typing.NamedTuple` cannot be, without importing `dataclasses`.

Why: `import dataclasses` costs about 15 ms (it imports `inspect`, `ast`, `dis`), and each
`@dataclass(frozen=True)` about 1.4 ms more to generate its methods: most of what `xlplugin rates`
spent beyond the bare interpreter. Immutable values are NamedTuples; `Record` is for the rest:
a record that inherits fields (`ReadOptions(LayoutOptions)`), fills some after `__init__`
(`__post_init__`), has mutable defaults (`field(default_factory=...)`), fields left out of
equality (`field(compare=False)`), a `functools.cached_property`, or must stay mutable
(`class Table(Record, frozen=False)`). It behaves as the dataclass it replaces (same `__init__`,
`__eq__` between records of the same class only, `__hash__` when frozen, `__repr__`, frozen
attributes), with `_replace` as NamedTuple spells `dataclasses.replace`. Its methods are shared,
not generated, so a record class costs what a plain class costs.

`NamedTuple` is `typing.NamedTuple` to a type checker and, at run time, the same class built the
same way (`collections.namedtuple`, then the class body's methods, properties and docstring).
Why: typing's compiles every field's annotation into a `ForwardRef` (about 0.3 ms a class
against 0.07 ms; a report defines some 30 of them), and a CSV's `rates` and `--help`, which
import nothing else from `typing`, do not import it at all (about 5 ms).
"""

from __future__ import annotations

import collections

TYPE_CHECKING = False  # not typing's: this module is what spares the command line importing typing
if TYPE_CHECKING:
    from typing import Any, ClassVar, NamedTuple, Self, dataclass_transform
else:

    def dataclass_transform(**_options):
        """`typing.dataclass_transform` for type checkers; nothing at run time."""
        return lambda cls: cls

    class _NamedTupleType(type):
        """`class X(NamedTuple)` with annotated fields makes a `collections.namedtuple`, as typing's does."""

        def __new__(mcls, name, bases, namespace):
            if not bases:  # `NamedTuple` itself
                return super().__new__(mcls, name, bases, namespace)
            annotations = namespace.get("__annotations__", {})
            fields = list(annotations)
            defaults = [namespace[f] for f in fields if f in namespace]
            if any(f in namespace for f in fields[: len(fields) - len(defaults)]):
                raise TypeError(f"{name}: a field without a default cannot follow one with a default")
            cls = collections.namedtuple(name, fields, defaults=defaults, module=namespace["__module__"])
            cls.__annotations__ = annotations
            for key, value in namespace.items():
                if key not in ("__module__", "__annotations__") and key not in annotations:
                    setattr(cls, key, value)
            return cls

    class NamedTuple(metaclass=_NamedTupleType):
        """Subclass with annotated fields, as `typing.NamedTuple`."""


__all__ = ["Field", "FrozenRecordError", "NamedTuple", "Record", "field"]

_MISSING: Any = object()


class Field:
    """`field(...)`: a default made afresh for every record, or a field left out of `==` or `repr`."""

    __slots__ = ("default", "default_factory", "compare", "repr")

    def __init__(self, default: Any, default_factory: Any, compare: bool, repr: bool) -> None:  # noqa: A002
        self.default, self.default_factory, self.compare, self.repr = default, default_factory, compare, repr


def field(*, default: Any = _MISSING, default_factory: Any = _MISSING, compare: bool = True, repr: bool = True) -> Any:  # noqa: A002
    return Field(default, default_factory, compare, repr)


class FrozenRecordError(AttributeError):
    """Assigning to a field of a frozen record (as `dataclasses.FrozenInstanceError`)."""


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
class Record:
    """A record whose fields are its annotations (a base's first), as `@dataclass(frozen=True)`."""

    _fields: ClassVar[tuple[str, ...]] = ()
    _fields_defaults: ClassVar[dict[str, Any]] = {}  # a default, or a Field with a default_factory
    _compared: ClassVar[tuple[str, ...]] = ()
    _shown: ClassVar[tuple[str, ...]] = ()
    _frozen: ClassVar[bool] = True

    def __init_subclass__(cls, *, frozen: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        specs: dict[str, Field] = {}
        for base in reversed(cls.__mro__[1:]):
            specs.update(getattr(base, "_specs", {}))
        for name, annotation in cls.__dict__.get("__annotations__", {}).items():
            if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                continue
            value = cls.__dict__.get(name, _MISSING)
            spec = value if isinstance(value, Field) else Field(value, _MISSING, True, True)
            if isinstance(value, Field):
                if spec.default is _MISSING:
                    delattr(cls, name)
                else:
                    setattr(cls, name, spec.default)
            specs[name] = spec
        cls._specs = specs  # type: ignore[attr-defined]
        cls._fields = tuple(specs)
        cls._fields_defaults = {
            name: s.default if s.default is not _MISSING else s
            for name, s in specs.items()
            if s.default is not _MISSING or s.default_factory is not _MISSING
        }
        cls._compared = tuple(name for name, s in specs.items() if s.compare)
        cls._shown = tuple(name for name, s in specs.items() if s.repr)
        cls._frozen = frozen
        if not frozen:
            cls.__hash__ = None  # type: ignore[assignment]  # as a mutable dataclass: unhashable

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} arguments, {len(args)} given")
        values = dict(zip(fields, args, strict=False))
        for name, value in kwargs.items():
            if name not in fields or name in values:
                why = "got multiple values for" if name in values else "got an unexpected keyword argument"
                raise TypeError(f"{type(self).__name__}() {why} '{name}'")
            values[name] = value
        put = object.__setattr__
        for name in fields:
            if name in values:
                put(self, name, values[name])
            elif name in self._fields_defaults:
                default = self._fields_defaults[name]
                put(self, name, default.default_factory() if isinstance(default, Field) else default)
            else:
                raise TypeError(f"{type(self).__name__}() missing required argument: '{name}'")
        post_init = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init()

    def __setattr__(self, name: str, value: Any) -> None:
        if self._frozen:
            raise FrozenRecordError(f"cannot assign to field '{name}'")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if self._frozen:
            raise FrozenRecordError(f"cannot delete field '{name}'")
        object.__delattr__(self, name)

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._compared)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._shown)
        return f"{type(self).__qualname__}({shown})"

    def _replace(self, **changes: Any) -> Self:
        """A copy with `changes` (as `dataclasses.replace`: `__init__` and `__post_init__` run again)."""
        return type(self)(**{**{name: getattr(self, name) for name in self._fields}, **changes})
