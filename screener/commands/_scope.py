"""The scope of a command, resolved once at its start (selection, ``--source``, as-of date): the commands' side of
:func:`screener.app.scope.resolve_scope`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from screener.commands._app import RunContext, fetch_progress

if TYPE_CHECKING:
    from screener.app.scope import ResolvedScope, Selection


def resolve(
    run: RunContext,
    universes: Sequence[str] | None = None,
    tickers: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
    one: str | None = None,
    check: Callable[[Selection], None] | None = None,
) -> ResolvedScope:
    """The command's scope, resolved once at its start: the selection, ``--source`` and the as-of date
    (:func:`screener.app.scope.resolve_scope`; ``check`` validates the options against the selection first;
    deciding the date may fetch, so the progress bar shows)."""
    from screener.app.scope import resolve_scope
    from screener.models import Scope

    request = Scope(run.source, run.as_of)
    with fetch_progress(run):
        return resolve_scope(
            run.env,
            request,
            universes=universes or (),
            tickers=tickers or (),
            groups=groups or (),
            one=one,
            check=check,
        )
