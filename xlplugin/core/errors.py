"""Input errors that name where the problem is, so a user can fix the file."""

from __future__ import annotations

from xlplugin.core.record import NamedTuple


class Problem(NamedTuple):
    """One thing wrong with the input, located as precisely as we can."""

    message: str
    file: str | None = None
    line: int | None = None
    column: str | None = None  # a CSV column, or a command-line option such as "--table"
    cell: str | None = None  # a workbook cell, `Sheet1!B7` (instead of line and column)

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.cell:
            where.append(self.cell)
        if self.column and self.column.startswith("--"):
            where.append(f"option {self.column}")  # a command-line option, not a CSV column
        elif self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class InputError(Exception):
    """Bad user input (exit status 2). Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def located(self, file: str) -> InputError:
        """The same problems, with `file` filled in where none was given."""
        return InputError([p if p.file else Problem(p.message, file, p.line, p.column, p.cell) for p in self.problems])
