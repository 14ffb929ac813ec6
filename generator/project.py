"""Where a project keeps everything: one object that knows every path.

    <root>/content/             papers/, digests/, topics.yaml, site.yaml
    <root>/themes/              the project's own themes (else the generator's)
    <root>/templates/, static/  the override folders (their names come from site.yaml)
    <root>/site/                the built site
    <root>/.cache/              stamps and parsed files, safe to delete

Every stage asks a Project for a path instead of spelling folder names itself,
and the preview watcher, the build stamp and the rebuild classifier all take the
folders a build reads from input_folders(), so they always agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when used: `digest build` with nothing to do reads no config and no YAML
    from generator.config import SiteConfig
    from generator.errors import SourceError


@dataclass(frozen=True)
class Project:
    root: Path
    site: Path  # where the site is built; <root>/site unless a caller builds elsewhere

    @classmethod
    def at(cls, root: Path | str, site: Path | str | None = None) -> Project:
        root = Path(root)
        return cls(root, Path(site) if site is not None else root / "site")

    def resolved(self) -> Project:
        """The same project with absolute paths free of symlinks, to compare with paths reported
        by the file system (watcher events)."""
        return Project(self.root.resolve(), self.site.resolve())

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def papers(self) -> Path:
        return self.content / "papers"

    @property
    def digests(self) -> Path:
        return self.content / "digests"

    @property
    def ingest_ledger(self) -> Path:
        return self.content / "ingested.tsv"  # committed: see ingest/ledger.py

    @property
    def ingest_record(self) -> Path:
        return self.content / "ingest-record.json"  # committed: see ingest/state.py

    @property
    def taxonomy_file(self) -> Path:
        return self.content / "topics.yaml"

    @property
    def config_file(self) -> Path:
        return self.content / "site.yaml"

    @property
    def cache_dir(self) -> Path:
        return self.root / ".cache"  # ignored by git

    @property
    def themes(self) -> Path:
        return self.root / "themes"

    def links_leading_out(self) -> list[SourceError]:
        """content/, its folders and files, and each digest, when a symbolic link takes it out of
        the project (files.link_leading_out); paper files are checked as they are listed. Hidden
        links are no content: an editor's lock file (`.#x.txt`) is a link to nowhere."""
        from generator.files import link_leading_out, visible_entries

        root = self.root.resolve()
        if error := link_leading_out(self.content, root):
            return [error]  # everything in it leads out with it
        fixed = (self.papers, self.digests, self.taxonomy_file, self.config_file, self.ingest_ledger, self.ingest_record)
        linked_digests = visible_entries(self.digests, lambda entry: entry.is_symlink())
        found = [link_leading_out(path, root) for path in (*fixed, *linked_digests)]
        return [error for error in found if error is not None]

    def load_config(self) -> tuple[SiteConfig, list[SourceError]]:
        from generator.config import load_config

        return load_config(self.config_file)

    def template_overrides(self, config: SiteConfig) -> Path:
        return self.root / config.templates_dir

    def static_overrides(self, config: SiteConfig) -> Path:
        return self.root / config.static_dir

    def theme_folders(self, config: SiteConfig) -> tuple[Path, ...]:
        """Every folder templates and static files may come from: the override folders (whether
        or not they exist yet, so that creating one counts), the project's themes/, and the
        folders of the theme in use, wherever the theme module finds it."""
        from generator.build.theme import find_theme  # the theme module owns where themes live

        theme, _ = find_theme(self.root, config)  # a missing theme is reported by the build
        overrides = (self.template_overrides(config), self.static_overrides(config), self.themes)
        return (*overrides, *theme.template_dirs, *theme.static_dirs)

    def input_folders(self, config: SiteConfig | None = None) -> tuple[Path, ...]:
        """The folders a build reads, resolved, outermost only: content/ and theme_folders.

        config: the site config to take the folder names from; read from site.yaml when
        omitted (a broken site.yaml gives the defaults here; the build reports it)."""
        config = config if config is not None else self.load_config()[0]
        folders = {folder.resolve() for folder in (self.content, *self.theme_folders(config))}
        # A folder inside another is covered by it: listed or watched twice, it would count twice.
        return tuple(sorted(folder for folder in folders if not any(other in folder.parents for other in folders)))
