"""Build hook: the wheel carries the repository's top-level ``config.toml`` and ``universes/*.toml`` (the design
card's layout, tracked once) as the bundled defaults in ``screener/defaults/``, byte for byte. An editable install
copies nothing: the package then finds the files at the top of the checkout (screener.config.locate)."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
DEFAULTS = [HERE / "config.toml", *sorted((HERE / "universes").glob("*.toml"))]


class BuildWithDefaults(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "screener" / "defaults"
        for source in DEFAULTS:
            relative = source.relative_to(HERE)
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / relative)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not getattr(self, "editable_mode", False):
            target = Path(self.build_lib) / "screener" / "defaults"
            outputs += [str(target / s.relative_to(HERE)) for s in DEFAULTS]
        return outputs


setup(cmdclass={"build_py": BuildWithDefaults})
