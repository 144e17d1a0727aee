"""Shared fixtures: settings pointing at the real ontology, test data in temp dirs, a real store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ibigraph.config import Settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The shipped ontology and data, with the store in a temp dir."""
    return Settings(
        store_path=tmp_path / "store",
        data_dir=ROOT / "data",
        ontology_dir=ROOT / "ontology",
    )


@pytest.fixture
def fixture_settings(tmp_path: Path) -> Settings:
    """The shipped ontology with the small valid test dataset as the only data."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURES / "valid.trig", data / "valid.trig")
    return Settings(store_path=tmp_path / "store", data_dir=data, ontology_dir=ROOT / "ontology")


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The shipped data built once into a real on-disk store, shared by read-only tests."""
    from ibigraph.build import build_store

    s = Settings(
        store_path=tmp_path_factory.mktemp("built") / "store",
        data_dir=ROOT / "data",
        ontology_dir=ROOT / "ontology",
    )
    build_store(s)
    return s
