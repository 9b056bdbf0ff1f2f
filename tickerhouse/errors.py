"""What can go wrong that a user can act on, by kind; the CLI maps each kind to an exit code (EXIT_CODES).

Plain Python, no imports: the core raises these without knowing the CLI, and the CLI catches them
without importing the core's heavy modules.
"""

from __future__ import annotations


class TickerhouseError(Exception):
    """An error a user can act on: the CLI prints its message in one line, without a traceback."""


class ChecksFailedError(TickerhouseError):
    """A warehouse check found offending rows (the run is recorded; an export writes nothing)."""


class QueryError(TickerhouseError):
    """A query given on the command line failed (bad syntax, an unknown table, an attempt to write)."""


class NotFoundError(TickerhouseError, FileNotFoundError):
    """No such file, folder or warehouse."""


class UsageError(TickerhouseError, ValueError):
    """An argument tickerhouse cannot use (a saved query that does not exist, --param without =)."""


class BusyError(TickerhouseError):
    """Another writer holds the run lock past the wait, or the warehouse file is being written."""


class NewerSchemaError(TickerhouseError):
    """The warehouse was made by a newer tickerhouse: refused rather than misread."""


class ApiUnreachableError(TickerhouseError):
    """The Prefect API a command was given (PREFECT_API_URL, the tickerhouse server) does not answer."""


class ApiLostError(ApiUnreachableError):
    """The Prefect API stopped answering while a flow ran (the server was stopped or died mid-run)."""


def first_line(err: BaseException) -> str:
    """Return the first line of an error's message ("" when it has none): the one line a user is shown."""
    return next(iter(str(err).strip().splitlines()), "")


def user_message(err: BaseException) -> str:
    """Return what the CLI prints after `tickerhouse <command>: `: an OS error's reason and file names
    (`Permission denied: exports/v3`, no `[Errno 13]`), else the error's own message."""
    if isinstance(err, OSError) and err.strerror:
        names = [str(n) for n in (err.filename, err.filename2) if n is not None]
        return ": ".join([err.strerror, *names[:1]]) + (f" -> {names[1]}" if len(names) > 1 else "")
    return str(err)
