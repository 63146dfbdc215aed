"""What a roster import says: each problem as one Indonesian line, the rejection, the summary of a clean import."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from roster.invites import IssuedCode

REPORT_LIMIT = 50


class Texts(Protocol):
    """Anything that renders UI texts by key, such as core.content.Content."""

    def text(self, key: str, **values: object) -> str: ...


@dataclass(frozen=True)
class RowProblem:
    """One problem: row as numbered in the sheet (header = row 1; None = the whole file), column, reason."""

    row: int | None
    column: str | None
    code: str  # text key under roster.problem.
    values: dict[str, object] = field(default_factory=dict)

    def message(self, texts: Texts) -> str:
        """Render as one Indonesian line, e.g. 'Baris 4, kolom peran: peran "guru besar" tidak dikenal.'"""
        reason = texts.text(f"roster.problem.{self.code}", **self.values)
        if self.row is None:
            return reason
        if self.column is None:
            return texts.text("roster.report.at_row", row=self.row, reason=reason)
        return texts.text("roster.report.at_cell", row=self.row, column=self.column, reason=reason)


class RosterError(Exception):
    """The roster was rejected; nothing was written. `problems` is sorted by row."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.row or 0, p.column or ""))
        super().__init__(f"{len(self.problems)} problem(s) in roster")

    def report(self, texts: Texts, limit: int = REPORT_LIMIT) -> str:
        """Render the rejection: a heading, up to `limit` problems, and how many more."""
        lines = [texts.text("roster.report.rejected", count=len(self.problems))]
        lines += [f"• {p.message(texts)}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(texts.text("roster.report.more", count=len(self.problems) - limit))
        return "\n".join(lines)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cohorts_created: int = 0
    had_code: int = 0  # existing people with a live unused code: no new one
    joined: int = 0  # existing people already in Telegram: no code
    issued: list[IssuedCode] = field(default_factory=list)

    def report(self, texts: Texts) -> str:
        """Render the summary of a clean import."""
        return texts.text(
            "roster.result.summary", created=self.created, updated=self.updated, unchanged=self.unchanged,
            issued=len(self.issued), had_code=self.had_code, joined=self.joined,
        )
