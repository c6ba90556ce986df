"""Typed errors and exit codes. Only the commands layer (``commands/_app.py``) turns these into exit codes and
one-line messages."""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes (CLI.md)."""

    OK = 0
    UNEXPECTED = 1
    INPUT = 2
    DATA_UNAVAILABLE = 3
    DRIFT = 4


class ScreenerError(Exception):
    """Base class of every error the CLI reports as a one-line message."""

    exit_code: ExitCode = ExitCode.UNEXPECTED


class InputFileError(ScreenerError):
    """A user-supplied file is broken: names the file, line (when known) and field."""

    exit_code = ExitCode.INPUT

    def __init__(self, path: str, message: str, *, line: int | None = None, field: str | None = None) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.detail = message
        where = path if line is None else f"{path}:{line}"
        what = f"{field}: " if field else ""
        super().__init__(f"{where}: {what}{message}")


class ConfigError(InputFileError):
    """config.toml is missing, unparseable or holds an invalid setting."""


class UniverseError(InputFileError):
    """A universe file is unparseable or holds an invalid company entry."""


class UsageError(ScreenerError):
    """An option value the command cannot use (unknown column, group, universe ...)."""

    exit_code = ExitCode.INPUT


class ParameterError(UsageError):
    """A value a use case cannot use. The message names its parameters as ``{name}`` (``{pb_mean} must be > 0``),
    never as command-line options: the commands layer names them (:meth:`naming`); ``str()`` shows them bare."""

    def __init__(self, template: str, *parameters: str) -> None:
        self.template = template
        self.parameters = parameters
        super().__init__(self.naming({}))

    def naming(self, names: Mapping[str, str]) -> str:
        """The message with each ``{parameter}`` replaced by ``names[parameter]`` (the bare name when not given)."""
        text = self.template
        for parameter in self.parameters:
            text = text.replace("{" + parameter + "}", names.get(parameter, parameter))
        return text


class UnknownSelection(UsageError):
    """A universe or peer group named for the selection that does not exist. ``key``: ``universes`` or
    ``groups``; ``reason``: the message without the option's name (a saved screen names its own key instead)."""

    def __init__(self, key: str, reason: str, option: str = "") -> None:
        self.key = key
        self.reason = reason
        super().__init__(f"{option}: {reason}" if option else reason)


class TickerCodeError(ValueError):
    """A ticker code in a form that cannot be mapped to a Yahoo symbol without guessing."""


class DataUnavailable(ScreenerError):
    """No source could supply data for any requested name."""

    exit_code = ExitCode.DATA_UNAVAILABLE


class NetworkOff(DataUnavailable):
    """The network is not to be used (``--offline`` or ``SCREENER_OFFLINE=1``), or a remembered outage is still
    inside its retry window: nothing was requested."""


class StoreCorrupt(DataUnavailable):
    """A file in the local store cannot be read (truncated, corrupt, foreign): named with the reason.

    Readers raise it instead of returning nothing, so a corrupt file is never mistaken for a missing one; a
    caller that can go on without the file says so (a note or a row status) and treats it as absent.
    """

    def __init__(self, path: str, what: str, reason: str) -> None:
        self.path = path
        self.what = what
        self.reason = reason
        super().__init__(f"{path}: unreadable {what} ({reason})")


class UnreadableStored(UsageError):
    """A merging import met a stored file it cannot read: nothing is written (the file stays byte-identical);
    ``--replace`` keeps it aside as ``<name>.corrupt-<time>`` and stores the new data alone."""

    def __init__(self, corrupt: StoreCorrupt) -> None:
        self.path = corrupt.path
        super().__init__(
            f"{corrupt}: nothing was written and it was left untouched; import with --replace to keep it aside "
            "(renamed *.corrupt-<time>) and store this file's data alone"
        )


class FileLocked(ScreenerError):
    """Another process held the lock of a file the command must update for longer than ``[store]
    lock_timeout_seconds``: nothing was written."""

    exit_code = ExitCode.INPUT

    def __init__(self, path: str, lock: str, timeout: float) -> None:
        self.path = path
        self.lock = lock
        super().__init__(
            f"{path}: another screener process has held its lock ({lock}) for more than {timeout:g} s; nothing "
            "was written: try again when it finishes (or raise [store] lock_timeout_seconds)"
        )


class YahooError(ScreenerError):
    """Yahoo Finance failed for a request (the live source falls back to the store, then the snapshot)."""

    exit_code = ExitCode.DATA_UNAVAILABLE


class YahooUnavailable(YahooError):
    """Yahoo could not be reached (no network, DNS failure, timeout)."""


class YahooRateLimited(YahooError):
    """Yahoo kept answering HTTP 429 after the bounded retries."""


class YahooBadTicker(YahooError):
    """Yahoo does not know the symbol (HTTP 404 / no timezone / empty quote)."""


class ProviderMissing(ScreenerError):
    """An optional data provider's package is not installed; the message says how to install it."""

    exit_code = ExitCode.DATA_UNAVAILABLE

    def __init__(self, package: str, extra: str, what: str) -> None:
        self.package = package
        self.install = f"pip install 'screener[{extra}]'"
        super().__init__(f"{package} is not installed ({what}): install it with {self.install}")


class ProviderError(ScreenerError):
    """An optional data provider answered with an error for one request (bad code, server-side failure)."""

    exit_code = ExitCode.DATA_UNAVAILABLE


class ProviderUnavailable(ProviderError):
    """An optional data provider could not be reached (connection refused, timeout, dropped connection)."""
