"""Which config file a run uses, so `screener` works from any folder.

Lookup order: ``--config PATH``; ``SCREENER_CONFIG``; ``./config.toml``; ``config.toml`` in the user config folder
(``~/.config/screener`` on Linux, per platformdirs); else the defaults bundled in the package (the house config
and the two universe files). The first three are *project* configs: a store and a history they do not set live
beside them (``cache/``, ``history.sqlite``). For the user-level config and the bundled defaults they live in the
user data folder (``~/.local/share/screener``), never inside the installed package.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from screener.errors import ConfigError

ENV_VAR = "SCREENER_CONFIG"


def package_dir() -> Path:
    """The installed ``screener`` package folder (nothing is ever written inside it)."""
    return Path(str(resources.files("screener"))).resolve()


def bundled_config() -> Path:
    """The bundled config.toml (its ``universes/`` beside it): the copy a wheel carries in ``screener/defaults/``
    (put there by the build from the repository's top-level files, byte-identical); else, for an editable install
    or a run from the source tree, the repository's own top-level ``config.toml``."""
    packaged = Path(str(resources.files("screener.defaults").joinpath("config.toml")))
    if packaged.is_file():
        return packaged
    checkout = package_dir().parent / "config.toml"
    if checkout.is_file() and (checkout.parent / "universes").is_dir():
        return checkout
    raise ConfigError(str(packaged), "the bundled config is missing from this installation (reinstall screener)")


@dataclass(frozen=True)
class ConfigLocation:
    """The config file to load, how it was found, and where its store and history go when it does not say."""

    path: Path
    origin: str
    """``--config``, ``SCREENER_CONFIG``, ``./config.toml``, ``user config`` or ``bundled defaults``."""
    data_home: Path | None = None
    """None: a project config (store and history beside it); else the user data folder."""

    @property
    def bundled(self) -> bool:
        return self.origin == "bundled defaults"

    def describe(self) -> str:
        """One line for a banner about where the settings came from."""
        if self.bundled:
            return (
                f"no config found (--config, {ENV_VAR}, ./config.toml, {self.user_config}): using the bundled "
                f"defaults and universes, store and history in {self.data_home}; `screener init` writes an "
                "editable copy"
            )
        return f"config: {self.path} ({self.origin})"

    user_config: Path | None = None
    """The user-level config file that was looked for (for messages)."""


def locate(
    explicit: Path | None, environ: Mapping[str, str], cwd: Path, user_config_dir: Path, user_data_dir: Path
) -> ConfigLocation:
    """The config to use (see the module docstring). A file named by ``--config`` or ``SCREENER_CONFIG`` must
    exist (ConfigError naming where it came from); the others are only used when present."""
    user_file = user_config_dir / "config.toml"
    if explicit is not None:
        if not explicit.exists():  # a folder, a FIFO or a device is refused by the reader, naming it
            raise ConfigError(str(explicit), "file not found (given with --config)")
        return ConfigLocation(explicit, "--config", user_config=user_file)
    named = environ.get(ENV_VAR, "").strip()
    if named:
        path = Path(named).expanduser()
        if not path.is_absolute():
            path = cwd / path
        if not path.exists():
            raise ConfigError(str(path), f"file not found (named by {ENV_VAR})")
        return ConfigLocation(path, ENV_VAR, user_config=user_file)
    local = cwd / "config.toml"
    if local.exists():
        return ConfigLocation(local, "./config.toml", user_config=user_file)
    if user_file.exists():
        return ConfigLocation(user_file, "user config", user_data_dir, user_config=user_file)
    return ConfigLocation(bundled_config(), "bundled defaults", user_data_dir, user_config=user_file)
