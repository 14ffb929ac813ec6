"""The theme: where templates and static files come from, project overrides first.

A template or static file in the project (`templates/`, `static/`, or the folders
named in site.yaml) wins over the theme's file of the same name. CSS and JS get
a content hash in their file name so they can be cached forever.
"""
from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from generator.config import SiteConfig
from generator.errors import SourceError, display_path

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
    if theme_dir is None:
        error = SourceError(display_path(project_dir / "content" / "site.yaml"), 0,
                            f"theme '{config.theme}' not found", f"expected a folder {candidates[0]}/templates")
        return Theme((), ()), [error]
    overrides = project_dir / config.templates_dir, project_dir / config.static_dir
    return Theme(
        template_dirs=tuple(path for path in (overrides[0], theme_dir / "templates") if path.is_dir()),
        static_dirs=tuple(path for path in (overrides[1], theme_dir / "static") if path.is_dir()),
    ), []


def collect_static(theme: Theme) -> dict[str, bytes]:
    """Static files by path relative to static/, the first folder that has a name winning."""
    files: dict[str, bytes] = {}
    for folder in theme.static_dirs:
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(folder).as_posix()
            if path.is_file() and name not in files and not path.name.startswith("."):
                files[name] = path.read_bytes()
    return dict(sorted(files.items()))


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


def immutable_headers(assets: dict[str, str]) -> bytes:
    """A Netlify `_headers` file that marks exactly the fingerprinted files as cacheable forever.

    Listing the files by name (rather than a wildcard in netlify.toml) keeps files whose
    name does not change with their content, such as search.js, out of the rule.
    """
    lines = []
    for name, output in sorted(assets.items()):
        if output != f"static/{name}":
            lines += [f"/{output}", "  Cache-Control: public, max-age=31536000, immutable"]
    return ("\n".join(lines) + "\n").encode() if lines else b""
