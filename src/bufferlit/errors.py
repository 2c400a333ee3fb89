"""One small exception hierarchy, rooted in click.ClickException so the CLI shows
``Error: ...`` and exits 1 instead of a traceback (as mkdocs does)."""

from __future__ import annotations

from collections.abc import Sequence

import click

from bufferlit.model import Problem


class BufferlitError(click.ClickException):
    """Base of every error bufferlit raises for bad input; exit code 1."""

    exit_code = 1


class RecordsInvalid(BufferlitError):
    """One or more records failed validation; every problem is listed, one per line."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(str(problem) for problem in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the records:\n{lines}")


class ListingInvalid(BufferlitError):
    """A scraped listing could not be parsed at all."""


class BuildFailed(BufferlitError):
    """The site build failed; the previous site/ was left as it was."""
