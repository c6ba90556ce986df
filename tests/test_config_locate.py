"""Runs from anywhere (#13): which config a run uses, the bundled defaults, `screener init`, paths relative to
the config file, and a shipped config that points at no test data."""

from __future__ import annotations

from pathlib import Path

import pytest

from screener.cli import app
from screener.config import load_settings
from screener.config.locate import bundled_config, locate
from screener.errors import ConfigError
from tests.conftest import PACKAGE, UNIVERSES, EnvRunner, make_config, make_env


def _homes(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CONFIG_HOME": str(tmp_path / "xdg-config"), "XDG_DATA_HOME": str(tmp_path / "xdg-data")}


def _write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_lookup_order_explicit_then_variable_then_cwd_then_user_then_bundled(tmp_path: Path) -> None:
    cwd, user, data = tmp_path / "work", tmp_path / "user", tmp_path / "data"
    explicit = _write(tmp_path / "explicit.toml")
    named = _write(tmp_path / "named.toml")
    local = _write(cwd / "config.toml")
    user_file = _write(user / "config.toml")
    environ = {"SCREENER_CONFIG": str(named)}

    assert locate(explicit, environ, cwd, user, data).path == explicit
    assert locate(None, environ, cwd, user, data).path == named
    assert locate(None, {}, cwd, user, data).path == local
    assert locate(None, {}, cwd, user, data).data_home is None  # a project config keeps its store beside it
    local.unlink()
    found = locate(None, {}, cwd, user, data)
    assert (found.path, found.origin, found.data_home) == (user_file, "user config", data)
    user_file.unlink()
    found = locate(None, {}, cwd, user, data)
    assert found.bundled and found.path == bundled_config() and found.data_home == data
    assert "bundled defaults" in found.describe() and "screener init" in found.describe()


def test_relative_variable_resolves_against_cwd_and_missing_files_name_their_origin(tmp_path: Path) -> None:
    _write(tmp_path / "sub" / "c.toml")
    assert locate(None, {"SCREENER_CONFIG": "sub/c.toml"}, tmp_path, tmp_path, tmp_path).path == tmp_path / "sub/c.toml"
    with pytest.raises(ConfigError, match="SCREENER_CONFIG"):
        locate(None, {"SCREENER_CONFIG": "nope.toml"}, tmp_path, tmp_path, tmp_path)
    with pytest.raises(ConfigError, match="--config"):
        locate(tmp_path / "nope.toml", {}, tmp_path, tmp_path, tmp_path)


def test_shipped_config_points_at_no_test_data_and_keeps_store_out_of_the_package(tmp_path: Path) -> None:
    text = bundled_config().read_text()
    assert "../shared" not in text and "shared/data" not in text
    settings = load_settings(bundled_config(), tmp_path)
    assert all(s.source == "" for s in settings.oxides.series)
    assert all(s.source == "" for s in settings.fx_series)
    assert settings.cache_dir == tmp_path / "cache" and settings.history_db == tmp_path / "history.sqlite"
    assert [Path(f).parent for f in settings.universe_files] == [UNIVERSES] * 2


def test_paths_in_a_config_resolve_against_its_folder_not_the_cwd(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    _write(folder / "universes" / "mine.toml", (UNIVERSES / "producers.toml").read_text())
    text = (
        bundled_config()
        .read_text()
        .replace('files = ["universes/producers.toml", "universes/magnets.toml"]', 'files = ["universes/mine.toml"]')
    )
    config = _write(folder / "config.toml", text)
    settings = load_settings(config)
    assert Path(settings.universe_files[0]) == folder / "universes" / "mine.toml"
    assert settings.cache_dir == folder / "cache" and settings.history_db == folder / "history.sqlite"


def test_screen_from_an_empty_folder_uses_the_bundled_defaults_with_a_banner(tmp_path: Path) -> None:
    environ = _homes(tmp_path)
    runner = EnvRunner(lambda: make_env(environ=environ, cwd=tmp_path / "elsewhere"))
    result = runner.invoke(app, ["screen", "--source", "snapshot", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "bundled defaults" in result.stderr and "600111.SS" in result.stdout
    quiet = runner.invoke(app, ["screen", "--source", "snapshot", "--format", "csv", "--quiet"])
    assert quiet.exit_code == 0 and "bundled" not in quiet.stderr
    recorded = runner.invoke(app, ["drift", "--source", "snapshot", "--format", "csv"])
    assert recorded.exit_code in (0, 4), recorded.output
    assert (tmp_path / "xdg-data" / "screener" / "history.sqlite").exists()  # the user data folder, not the package
    assert not (PACKAGE / "history.sqlite").exists() and not (PACKAGE / "cache").exists()


def test_missing_named_config_is_one_line_exit_2(tmp_path: Path) -> None:
    environ = {**_homes(tmp_path), "SCREENER_CONFIG": str(tmp_path / "gone.toml")}
    result = EnvRunner(lambda: make_env(environ=environ, cwd=tmp_path)).invoke(app, ["screen", "--source", "snapshot"])
    assert result.exit_code == 2
    assert "gone.toml" in result.stderr and "SCREENER_CONFIG" in result.stderr and "Traceback" not in result.output


def test_init_writes_an_editable_copy_that_is_used_and_never_overwrites(tmp_path: Path) -> None:
    environ = _homes(tmp_path)
    runner = EnvRunner(lambda: make_env(environ=environ, cwd=tmp_path))
    first = runner.invoke(app, ["init"])
    assert first.exit_code == 0, first.output
    user = tmp_path / "xdg-config" / "screener"
    assert (user / "config.toml").read_bytes() == bundled_config().read_bytes()
    assert sorted(p.name for p in (user / "universes").iterdir()) == ["magnets.toml", "producers.toml"]
    # the copy is what later runs use: edit a threshold and the user's file is the one read
    config = user / "config.toml"
    config.write_text(config.read_text().replace("buy = 0.15 ", "buy = 0.20 "))
    env = make_env(environ=environ, cwd=tmp_path)
    assert env.config_location.origin == "user config" and env.settings.rules.buy == 0.20
    again = runner.invoke(app, ["init"])
    assert again.exit_code == 2 and "already exists" in again.stderr
    assert "buy = 0.20" in config.read_text()  # nothing the user edited is lost

    project = tmp_path / "project"
    made = runner.invoke(app, ["init", str(project)])
    assert made.exit_code == 0, made.output
    check = runner.invoke(app, ["universe", "validate", "--config", str(project / "config.toml")])
    assert check.exit_code == 0, check.output


def test_tests_own_config_supplies_the_shared_sources(tmp_path: Path) -> None:
    settings = load_settings(make_config(tmp_path))
    assert all("shared" in s.source for s in settings.oxides.series)
