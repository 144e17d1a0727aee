"""Build step: copy the repository's run-time folders into the wheel (see ibigraph.resources).

Everything else is declared in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

FOLDERS = ("ontology", "data", "queries")


class BuildWithResources(build_py):
    def run(self) -> None:
        super().run()
        here = Path(__file__).resolve().parent
        for name in FOLDERS:
            target = Path(self.build_lib) / "ibigraph" / "resources" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(here / name, target)


setup(cmdclass={"build_py": BuildWithResources})
