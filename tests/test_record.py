"""`core.record.Record` behaves as the frozen dataclass it replaces, and the records on the command
line's paths cost no `import dataclasses` (about 15 ms with `inspect`, `ast` and `dis`)."""

from __future__ import annotations

import functools
import subprocess
import sys
import typing
from fractions import Fraction
from pathlib import Path

import pytest

from xlplugin.core.claims import Claim, ClaimMatch
from xlplugin.core.counts import Count
from xlplugin.core.funnel import Programme, Stage
from xlplugin.core.record import FrozenRecordError, NamedTuple, Record, field
from xlplugin.inputs.csvinput import Table
from xlplugin.inputs.layout import LayoutOptions
from xlplugin.inputs.loader import ReadOptions

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "workbooks" / "examples"


class Point(Record):
    x: int
    y: int = 0
    tags: list[str] = field(default_factory=list)
    note: str = field(default="", compare=False, repr=False)

    @functools.cached_property
    def total(self) -> int:
        return self.x + self.y


class Point3(Point):
    z: int | None = None


class Filled(Record):
    low: int | None = None
    high: int | None = None

    def __post_init__(self) -> None:
        if self.high is None and self.low is not None:
            object.__setattr__(self, "high", self.low)


class Grid(Record, frozen=False):
    rows: list[int]


def test_fields_in_order_with_defaults_and_a_fresh_default_factory_each_time():
    a, b = Point(1), Point(2, 3, note="n")
    assert (a.x, a.y, a.tags, a.note) == (1, 0, [], "")
    assert (b.x, b.y, b.note) == (2, 3, "n")
    assert a.tags is not b.tags
    assert Point._fields == ("x", "y", "tags", "note")
    assert Point3._fields == ("x", "y", "tags", "note", "z")  # a base's fields first
    assert Point3(1, z=4).z == 4


def test_arguments_are_checked_as_a_dataclass_checks_them():
    with pytest.raises(TypeError, match="missing required argument: 'x'"):
        Point()
    with pytest.raises(TypeError, match="unexpected keyword argument 'w'"):
        Point(1, w=2)
    with pytest.raises(TypeError, match="multiple values for 'x'"):
        Point(1, x=2)
    with pytest.raises(TypeError, match="takes 4 arguments, 5 given"):
        Point(1, 2, [], "", 5)


def test_equality_and_hash_are_of_the_compared_fields_of_the_same_class_only():
    assert Point(1, note="a") == Point(1, note="b")
    assert Point(1) != Point(2)
    assert Point(1) != Point3(1)  # as dataclasses: another class is never equal
    assert Point(1) != (1, 0, [], "")
    assert hash(Filled(1)) == hash(Filled(1, 1))
    assert repr(Point3(1, 2)) == "Point3(x=1, y=2, tags=[], z=None)"  # repr=False leaves `note` out


def test_frozen_unless_asked_and_a_mutable_record_is_unhashable():
    p = Point(1)
    with pytest.raises(FrozenRecordError, match="cannot assign to field 'x'"):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del p.y  # type: ignore[misc]
    assert p.total == 1 and p.total == 1  # a cached_property writes the instance's __dict__ directly
    g = Grid([1])
    g.rows = [2]
    assert g.rows == [2]
    with pytest.raises(TypeError):
        hash(g)


def test_post_init_and_replace_run_as_dataclasses_replace_does():
    assert (Filled(3).low, Filled(3).high) == (3, 3)
    moved = Filled(3)._replace(low=5, high=None)
    assert (moved.low, moved.high) == (5, 5)
    assert Point(1, 2)._replace(y=7) == Point(1, 7)


def test_the_records_keep_their_dataclass_behaviour():
    stage = Stage("Visited", Count.of(669), None, False)
    programme = Programme(None, (stage,))
    assert programme.stage("Visited") is stage
    assert programme == Programme(None, (stage,)) and hash(programme) == hash(Programme(None, (stage,)))
    assert repr(programme).startswith("Programme(name=None, stages=(Stage(name='Visited', count=Count(low=669")
    assert "_index" not in repr(programme)
    # a claim's equality is its text, interval and kind; how it was read is not compared
    assert Claim("9%", Fraction(85, 1000), Fraction(95, 1000), qualifier="about") == Claim(
        "9%", Fraction(85, 1000), Fraction(95, 1000)
    )
    match = ClaimMatch(None, ("Interested",), "Visited", Fraction(62, 669), True, False)
    assert (match.value_low, match.value_high) == (Fraction(62, 669), Fraction(62, 669))
    read = ReadOptions(dash="zero", sheet="Data")
    assert isinstance(read, LayoutOptions) and read.missing().zero == frozenset({"-"})
    assert read == ReadOptions(dash="zero", sheet="Data") and read != LayoutOptions(dash="zero")
    table = Table(["Stage", "Count"], [["A", "1"]], [2], "t.csv", "utf-8", ",")
    assert table.index("count") == 1 and table == Table(["Stage", "Count"], [["A", "1"]], [2], "t.csv", "utf-8", ",")


def _pair(base):
    class Pair(base):
        """Two counts."""

        low: int
        high: int | None = None

        @property
        def width(self) -> int | None:
            return None if self.high is None else self.high - self.low

        @classmethod
        def of(cls, value: int) -> Pair:
            return cls(value, value)

        def __str__(self) -> str:
            return f"{self.low}-{self.high}"

    return Pair


def test_the_run_time_named_tuple_is_the_class_typing_makes():
    ours, typings = _pair(NamedTuple), _pair(typing.NamedTuple)
    assert ours.__mro__[1:] == typings.__mro__[1:] == (tuple, object)
    for attribute in ("_fields", "_field_defaults", "__doc__", "__module__", "__qualname__"):
        assert getattr(ours, attribute) == getattr(typings, attribute), attribute
    assert ours.__annotations__ == {"low": "int", "high": "int | None"}  # as written (typing's: ForwardRefs)
    a, b = ours(1, 4), typings(1, 4)
    assert (repr(a), str(a), a.width, tuple(a), a._asdict()) == (
        "Pair(low=1, high=4)",
        "1-4",
        3,
        (1, 4),
        {"low": 1, "high": 4},
    )
    assert (repr(b), str(b), b.width, tuple(b), b._asdict()) == (repr(a), str(a), a.width, tuple(a), a._asdict())
    assert ours.of(2) == (2, 2) and ours(5)._replace(high=6) == ours(5, 6) and ours(5).high is None
    with pytest.raises(AttributeError):
        a.low = 2  # type: ignore[misc]
    with pytest.raises(TypeError, match="without a default cannot follow"):

        class Bad(NamedTuple):
            a: int = 0
            b: int  # type: ignore[misc]


@pytest.mark.parametrize(
    ("args", "imported"),
    [
        (["rates", "met-2020-visits.toml"], "typing"),  # tomllib's
        (["rates", "met-2020-visits.csv"], ""),
        (["--help"], ""),
        (["claim", "9%", "met-2020-visits.csv"], ""),
        (["report", "met-2020-visits.toml", "-o", "{out}"], "typing"),  # tomllib's
    ],
    ids=["rates spec", "rates csv", "help", "claim", "report ods"],
)
def test_command_line_paths_import_neither_dataclasses_nor_inspect(tmp_path, args, imported):
    args = [str(EXAMPLES / a) if a.startswith("met-") else a.format(out=tmp_path / "out.ods") for a in args]
    code = (
        "import sys, io, contextlib\n"
        "from xlplugin.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        "    try:\n"
        f"        main({args!r})\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(','.join(m for m in ('dataclasses', 'inspect', 'typing') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == imported
