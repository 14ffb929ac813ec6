"""Every internal link in a built site resolves: pages, fingerprinted assets, feeds, sitemap."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from generator.build.builder import SiteBuilder
from generator.config import load_config
from generator.ingest.catalog import run_ingest
from generator.project import Project
from tests.helpers import ROOT, make_project


class LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action") and value is not None:
                self.links.append(value)
            if name == "id" and value:
                self.ids.add(value)


def target_file(site: Path, page: str, link: str) -> Path | None:
    """The file a link points at inside the site, or None for links to other hosts."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        return None
    path = parts.path if parts.path.startswith("/") else "/" + str(Path(page).parent / parts.path)
    file = site / path.lstrip("/")
    return file / "index.html" if path.endswith("/") or file.is_dir() else file


def broken_links(site: Path, base_url: str) -> list[str]:
    broken = []
    checked = 0
    for page in sorted(site.rglob("*.html")):
        relative = page.relative_to(site).as_posix()
        collector = LinkCollector()
        collector.feed(page.read_text(encoding="utf-8"))
        for link in collector.links:
            checked += 1
            if link.startswith("#"):
                if link[1:] not in collector.ids:
                    broken.append(f"{relative}: {link}")
                continue
            file = target_file(site, relative, link)
            if file is not None and not file.is_file():
                broken.append(f"{relative}: {link}")
    absolute = 0
    for xml in [*site.rglob("*.xml"), site / "robots.txt"]:
        for url in re.findall(r"(?:href=\"|<loc>|Sitemap: )(" + re.escape(base_url) + r"[^\"<\s]*)", xml.read_text()):
            absolute += 1
            file = target_file(site, "", url[len(base_url):] or "/")
            if not file.is_file():
                broken.append(f"{xml.relative_to(site)}: {url}")
    assert checked > 0 and absolute > 0, "no link was checked: is base_url the site's?"
    return broken


def built_site(project: Path, tmp_path: Path) -> Path:
    site = tmp_path / "site"
    result = SiteBuilder(project, site).build()
    assert result.errors == []
    return site


def test_golden_site_has_no_broken_internal_link(golden_project, tmp_path):
    site = built_site(golden_project, tmp_path)
    config, _ = load_config(golden_project / "content" / "site.yaml")
    assert broken_links(site, config.base_url) == []


def test_seed_site_has_no_broken_internal_link(tmp_path):
    seed = sorted((ROOT / "content" / "digests").glob("*.txt"))
    assert seed, "the committed seed digest is missing from content/digests"
    project = make_project(tmp_path, seed)
    run_ingest(Project.at(project))
    site = built_site(project, tmp_path)
    assert len(list((site / "papers").glob("*/*/index.html"))) >= 50
    config, _ = load_config(project / "content" / "site.yaml")
    assert broken_links(site, config.base_url) == []


def test_the_crawler_notices_a_broken_link(golden_project, tmp_path):
    site = built_site(golden_project, tmp_path)
    (site / "papers" / "s" / "skippipe" / "index.html").unlink()
    assert any(entry.endswith("/papers/s/skippipe/") for entry in broken_links(site, "https://golden.example.org"))
