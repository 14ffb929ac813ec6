"""The wheel carries the default theme, so an installed generator builds a project that has no themes/.

The wheel is built offline from a copy of the sources (pip without build isolation
or an index), so the test writes nothing into the checkout.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import generator
from generator.build import theme
from generator.build.builder import SiteBuilder
from generator.config import SiteConfig
from tests.helpers import ROOT

GOLDEN_CONTENT = ROOT / "tests" / "fixtures" / "golden" / "content"
PACKAGED_SOURCES = ("pyproject.toml", "README.md", "generator", "themes")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in PACKAGED_SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(ROOT / name, source / name)
    wheels = tmp_path_factory.mktemp("wheels")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
               "--quiet", "--wheel-dir", str(wheels), str(source)]
    built = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    return next(wheels.glob("paper_digest-*.whl"))


def theme_files() -> list[str]:
    folder = ROOT / "themes" / "default"
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())


def test_the_wheel_carries_every_template_and_static_file_of_the_default_theme(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = theme_files()
    assert "templates/feed.xml" in expected and "static/style.css" in expected
    assert [name for name in expected if f"generator/themes/default/{name}" not in names] == []


def test_the_wheel_carries_every_module_and_data_file_of_the_package(wheel: Path) -> None:
    """pyproject.toml lists the packages by name: a new subpackage must be added there too."""
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "generator").rglob("*")
                     if path.is_file() and "__pycache__" not in path.parts)
    assert [name for name in sources if name not in names] == []


def test_the_installed_generator_builds_a_project_without_themes(wheel: Path, tmp_path: Path) -> None:
    installed = tmp_path / "installed"
    zipfile.ZipFile(wheel).extractall(installed)
    project = tmp_path / "project"
    shutil.copytree(GOLDEN_CONTENT, project / "content")
    # The unpacked wheel comes first on the path; the dependencies come from this environment.
    env = {**os.environ, "PYTHONPATH": str(installed)}
    where = subprocess.run([sys.executable, "-c", "import generator; print(generator.__file__)"],
                           cwd=project, env=env, capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(installed)
    built = subprocess.run([sys.executable, "-m", "generator", "build"], cwd=project, env=env,
                           capture_output=True, text=True, timeout=60, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    assert not (project / "themes").exists() and not (tmp_path / "themes").exists()
    from_checkout = tmp_path / "from-checkout"
    assert SiteBuilder(project, from_checkout).build().errors == []
    assert tree(project / "site") == tree(from_checkout)


def tree(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_the_themes_inside_the_package_come_before_the_checkouts() -> None:
    package = Path(generator.__file__).resolve().parent
    assert (package / "themes", ROOT / "themes") == theme.THEMES_DIRS


@pytest.mark.parametrize("where", ["project", "package", "checkout"])
def test_a_theme_is_found_in_the_project_then_the_package_then_the_checkout(
        where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folders = {"project": tmp_path / "project" / "themes", "package": tmp_path / "package" / "themes",
               "checkout": tmp_path / "checkout" / "themes"}
    monkeypatch.setattr(theme, "THEMES_DIRS", (folders["package"], folders["checkout"]))
    order = list(folders)
    for name in order[order.index(where):]:  # the folder expected to win, and every one after it
        (folders[name] / "custom" / "templates").mkdir(parents=True)
    found, errors = theme.find_theme(tmp_path / "project", SiteConfig(theme="custom"))
    assert errors == []
    assert found.template_dirs == (folders[where] / "custom" / "templates",)


def test_a_missing_theme_is_an_error_naming_the_project_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(theme, "THEMES_DIRS", ())
    found, errors = theme.find_theme(tmp_path, SiteConfig(theme="custom"))
    assert found.template_dirs == () and len(errors) == 1
    assert "theme 'custom' not found" in errors[0].message
