"""Errors of the screening library. It raises them; only ``cli.py`` prints and exits."""

from __future__ import annotations

__all__ = ["RegionalEIAError", "ProjectError", "LocationError", "ReportError", "LedgerError", "detached"]


class RegionalEIAError(Exception):
    """Root of every error the ``regional_eia`` package raises."""


class ProjectError(RegionalEIAError):
    """A project file or record is wrong: names the source, the field and what was expected."""

    def __init__(self, source: object, field: str | None, why: str):
        self.source, self.field, self.why = source, field, why
        where = f"{source}: {field}" if field else f"{source}"
        super().__init__(f"{where}: {why}")

    def __reduce__(self):  # pickles (a batch chunk's row errors travel to Dask workers and back)
        return type(self), (self.source, self.field, self.why)


class LocationError(ProjectError):
    """Coordinates that cannot be where they say (outside China, swapped lon/lat, wrong GK zone)."""


class ReportError(RegionalEIAError):
    """A report cannot be written: a missing extra (names the pip command), a bad batch file (names the
    line and the field), an output folder that cannot be written."""

    def __init__(self, source: object, why: str):
        self.source, self.why = source, why
        super().__init__(f"{source}: {why}")

    def __reduce__(self):
        return type(self), (self.source, self.why)


class LedgerError(RegionalEIAError):
    """A capacity ledger cannot be used: names the ledger file, the entry if there is one, and the fix."""

    def __init__(self, path: object, why: str, entry: object | None = None):
        self.path, self.why, self.entry = path, why, entry
        where = f"{path}: entry {entry}" if entry is not None else f"{path}"
        super().__init__(f"{where}: {why}")

    def __reduce__(self):
        return type(self), (self.path, self.why, self.entry)


def detached(exc: BaseException) -> BaseException:
    """``exc`` without its traceback and the exceptions it was raised from, to be kept as a value.

    A row's error is kept in a numpy object array and a refusal in a catalogue's memo. A traceback holds
    the frames that raised it, each frame its caller's and their locals, up to the batch chunk being
    screened; numpy arrays take no part in garbage collection, so array -> error -> traceback -> frame
    -> array is a cycle never freed: a national batch kept every chunk alive that way (3 GB at 1M rows).

    The exceptions it was raised from are dropped, not only their tracebacks: pydantic keeps a
    validator's own exception, traceback and all, inside its ValidationError, out of reach. The kept
    error's message already says what was wrong.
    """
    exc.__traceback__ = None
    exc.__cause__ = exc.__context__ = None
    exc.__suppress_context__ = True
    return exc
