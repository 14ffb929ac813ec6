"""The theme: where templates and static files come from, project overrides first.

A template or static file in the project (`templates/`, `static/`, or the folders
named in site.yaml) wins over the theme's file of the same name. CSS and JS get
a content hash in their file name so they can be cached forever.
"""
from __future__ import annotations

import fnmatch
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from generator.config import SiteConfig
from generator.errors import SourceError, display_path, undecodable_line

# Where themes shipped with the generator are looked for, in order: inside the
# installed package (the wheel maps the repository's themes/ to generator/themes/),
# then the repository's themes/ next to the package when running from a checkout.
PACKAGE_DIR = Path(__file__).resolve().parent.parent
THEMES_DIRS = (PACKAGE_DIR / "themes", PACKAGE_DIR.parent / "themes")
FINGERPRINTED = (".css", ".js")
# Other code and docs refer to these by name; lunr's name already carries its version.
STABLE_NAMES = ("lunr-*.js", "search.js")


@dataclass(frozen=True)
class Theme:
    template_dirs: tuple[Path, ...]  # searched in order: project overrides first
    static_dirs: tuple[Path, ...]  # later folders are overridden by earlier ones


def find_theme(project_dir: Path, config: SiteConfig) -> tuple[Theme, list[SourceError]]:
    """The project's own theme folder if it has one, else the theme shipped with the generator."""
    candidates = [project_dir / "themes" / config.theme, *(themes / config.theme for themes in THEMES_DIRS)]
    theme_dir = next((path for path in candidates if (path / "templates").is_dir()), None)
    config_file = display_path(project_dir / "content" / "site.yaml")
    if theme_dir is None:
        error = SourceError(config_file, 0, f"theme '{config.theme}' not found",
                            f"expected a folder {candidates[0]}/templates")
        return Theme((), ()), [error]
    if not _inside_a_themes_folder(project_dir, theme_dir):
        error = SourceError(config_file, 0, f"theme '{config.theme}' leads outside the themes folders "
                            f"through a symbolic link: {theme_dir.resolve()}",
                            "copy the theme into themes/ instead of linking to it")
        return Theme((), ()), [error]
    overrides = project_dir / config.templates_dir, project_dir / config.static_dir
    return Theme(
        template_dirs=tuple(path for path in (overrides[0], theme_dir / "templates") if path.is_dir()),
        static_dirs=tuple(path for path in (overrides[1], theme_dir / "static") if path.is_dir()),
    ), []


def _inside_a_themes_folder(project_dir: Path, theme_dir: Path) -> bool:
    """Whether the theme, symlinks followed, is still in the project's themes/ or the packaged ones."""
    allowed = [(project_dir / "themes").resolve(), *(themes.resolve() for themes in THEMES_DIRS)]
    resolved = theme_dir.resolve()
    return any(folder in resolved.parents for folder in allowed)


def collect_static(theme: Theme) -> tuple[dict[str, bytes], list[SourceError]]:
    """Static files by path relative to static/, the first folder that has a name winning; and
    a problem for each file that cannot be published (unreadable, or a link leading elsewhere)."""
    files: dict[str, bytes] = {}
    errors: list[SourceError] = []
    for folder in theme.static_dirs:
        for name, path in static_files_in(folder):
            if name in files:
                continue
            data, problem = read_static_file(folder, path)
            if problem:
                errors.append(problem)
            elif data is not None:
                files[name] = data
    return dict(sorted(files.items())), errors


def static_files_in(folder: Path) -> list[tuple[str, Path]]:
    """Every file name under folder (hidden files and folders skipped), without following links
    to folders; each with its path."""
    found: list[tuple[str, Path]] = []
    for parent, folders, names in os.walk(folder):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        prefix = Path(parent).relative_to(folder)
        found += [((prefix / name).as_posix(), Path(parent, name)) for name in names if not name.startswith(".")]
    return sorted(found)


def read_static_file(folder: Path, path: Path) -> tuple[bytes | None, SourceError | None]:
    """The bytes of a regular file inside folder; None for what is not a file (a FIFO is never
    opened: it would block), an error for a link out of the folder or an unreadable file."""
    shown = display_path(path)
    try:
        resolved = path.resolve()
        if folder.resolve() not in resolved.parents:
            return None, SourceError(shown, 0, f"a symbolic link out of {display_path(folder)}: {resolved}",
                                     "copy the file into the folder instead")
        if not stat.S_ISREG(resolved.stat().st_mode):
            return None, None  # a dangling link, a FIFO, a socket: nothing to publish
        return resolved.read_bytes(), None
    except FileNotFoundError:
        return None, None  # a dangling link, or deleted since the folder was listed
    except OSError as error:
        return None, SourceError(shown, 0, f"cannot read: {error.strerror or error}",
                                 "check the file's permissions")


def check_template_files(theme: Theme) -> list[SourceError]:
    """Problems Jinja would meet as a traceback or a hang: a template that is a FIFO, a dangling
    or outward link, unreadable, or not UTF-8. Checked before Jinja opens anything."""
    errors: list[SourceError] = []
    for folder in theme.template_dirs:
        for _, path in static_files_in(folder):
            data, problem = read_static_file(folder, path)
            if problem is None and data is None:
                problem = SourceError(display_path(path), 0, "not a regular file (a broken link, a FIFO or a socket)",
                                      "replace it by a template file or delete it")
            errors += [problem] if problem else _utf8_problem(path, data or b"")
    return errors


def _utf8_problem(path: Path, data: bytes) -> list[SourceError]:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = undecodable_line(data, error)
        return [SourceError(display_path(path), line, "not UTF-8 text", "save the template as UTF-8")]
    return []


def asset_names(static_files: dict[str, bytes]) -> dict[str, str]:
    """Static name -> site-relative output path, e.g. 'style.css' -> 'static/style.3f2a1b9c.css'."""
    names = {}
    for name, data in static_files.items():
        path = PurePosixPath(name)
        keep = path.suffix not in FINGERPRINTED or any(fnmatch.fnmatch(path.name, pattern) for pattern in STABLE_NAMES)
        digest = hashlib.sha256(data).hexdigest()[:8]
        output = name if keep else str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))
        names[name] = f"static/{output}"
    return names


# How a file named by its content may be cached: on Netlify (immutable_headers) and in the preview.
CACHE_FOREVER = "public, max-age=31536000, immutable"


def immutable_headers(assets: dict[str, str]) -> bytes:
    """A Netlify `_headers` file that marks exactly the fingerprinted files as cacheable forever.

    Listing the files by name (rather than a wildcard in netlify.toml) keeps files whose
    name does not change with their content, such as search.js, out of the rule.
    """
    lines = []
    for name, output in sorted(assets.items()):
        if output != f"static/{name}":
            lines += [f"/{output}", f"  Cache-Control: {CACHE_FOREVER}"]
    return ("\n".join(lines) + "\n").encode() if lines else b""
