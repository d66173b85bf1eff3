"""Regular expressions compiled on first use, not at import.

Compiling a pattern is pure Python (the `re` parser and compiler) and costs far more than
matching with it; a module holding dozens of patterns pays that on every start-up, even when the
command never uses them (`xlplugin report` on a spec without claims, `xlplugin rates`).
`lazy(source, flags)` is a stand-in for `re.compile(source, flags)` that compiles on the first
call of one of its methods and then behaves exactly like the compiled pattern.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator

_END = sys.maxsize


class LazyPattern:
    """`re.compile(source, flags)`, compiled on first use (see the module docstring)."""

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, source: str, flags: int = 0) -> None:
        self.pattern = source
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def match(self, string: str, pos: int = 0, endpos: int = _END) -> re.Match[str] | None:
        return self.compiled.match(string, pos, endpos)

    def fullmatch(self, string: str, pos: int = 0, endpos: int = _END) -> re.Match[str] | None:
        return self.compiled.fullmatch(string, pos, endpos)

    def search(self, string: str, pos: int = 0, endpos: int = _END) -> re.Match[str] | None:
        return self.compiled.search(string, pos, endpos)

    def finditer(self, string: str, pos: int = 0, endpos: int = _END) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(string, pos, endpos)

    def findall(self, string: str, pos: int = 0, endpos: int = _END) -> list[str]:
        return self.compiled.findall(string, pos, endpos)

    def sub(self, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0) -> str:
        return self.compiled.sub(repl, string, count)

    def split(self, string: str, maxsplit: int = 0) -> list[str]:
        return self.compiled.split(string, maxsplit)

    def __repr__(self) -> str:
        return f"lazy({self.pattern!r})"


def lazy(source: str, flags: int = 0) -> LazyPattern:
    """`re.compile(source, flags)`, compiled when first used."""
    return LazyPattern(source, flags)
