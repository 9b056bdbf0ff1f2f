"""How far a running flow has got, for whoever draws it: the CLI installs a sink (a tqdm bar), nobody else.

A module-level sink rather than a flow parameter: a callable is no parameter a deployment can carry,
and a scheduled run has no terminal to draw on. Without a sink, reporting is a no-op.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

# (step, done so far, total, unit): e.g. ("ingest", 2000, 10000, "dump") once the first batch is staged.
ProgressSink = Callable[[str, int, int, str], None]

_sink: ProgressSink | None = None


@contextmanager
def progress_sink(sink: ProgressSink) -> Iterator[None]:
    """Send every progress report made inside the block to sink."""
    global _sink
    previous, _sink = _sink, sink
    try:
        yield
    finally:
        _sink = previous


def report_progress(step: str, done: int, total: int, unit: str) -> None:
    """Tell the sink, if one is installed, that `done` of `total` units of step are finished."""
    if _sink is not None:
        _sink(step, done, total, unit)
