"""Tests that the DfE validator's venv (bench.dfe903.venv) is reused when it holds the
pinned version, rebuilt otherwise, and never left half-built; pip is not run here (a
fake `bin/python` answers the version probe, a fake build writes one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.dfe903 import venv


def _fake_venv(place: Path, version: str) -> None:
    python = place / "bin" / "python"
    python.parent.mkdir(parents=True, exist_ok=True)
    python.write_text(f"#!/bin/sh\necho {version}\n")
    python.chmod(0o755)


def test_a_venv_with_the_pinned_version_is_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests that no build starts when the venv already holds the pinned version."""
    place = tmp_path / "venv"
    _fake_venv(place, venv.VERSION)
    monkeypatch.setattr(venv, "_build", lambda _: pytest.fail("built again"))
    assert venv.validator_python(place) == place / "bin" / "python"


def test_another_version_is_replaced_and_a_failed_build_leaves_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests that a venv of another version is rebuilt and moved into place, and that
    a build that fails leaves the old venv and no staging folder behind."""
    place = tmp_path / "venv"
    _fake_venv(place, "0.1.16")

    def broken(_: Path) -> None:
        raise RuntimeError("pip failed")

    monkeypatch.setattr(venv, "_build", broken)
    with pytest.raises(RuntimeError, match="pip failed"):
        venv.validator_python(place)
    assert venv.installed_version(place) == "0.1.16"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".venv.lock", "venv"]
    monkeypatch.setattr(venv, "_build", lambda staging: _fake_venv(staging, venv.VERSION))
    messages: list[str] = []
    assert venv.validator_python(place, say=messages.append) == place / "bin" / "python"
    assert venv.installed_version(place) == venv.VERSION
    assert messages == [
        f"building the validator's venv ({venv.PACKAGE}=={venv.VERSION}) in {place}"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".venv.lock", "venv"]


def test_the_place_is_the_cache_unless_the_environment_names_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests the default place, and $PLACEMATCH_VENV_903 over it."""
    monkeypatch.delenv(venv.ENV_VAR, raising=False)
    assert venv.default_place() == Path.home() / ".cache/placematch/venv-903-0.1.17"
    monkeypatch.setenv(venv.ENV_VAR, str(tmp_path / "ci"))
    assert venv.default_place() == tmp_path / "ci"
