"""Hugo building the same site as Paper Digest, from the same paper files: bench/hugo_site/.

    python bench/hugo_same_site.py PROJECT           # build PROJECT's site with both, print bytes per page type
    python bench/hugo_same_site.py PROJECT --keep DIR   # and keep the Hugo site (with public/) in DIR

bench/bench_hugo.py --same-site times it beside Paper Digest and the minimal peer site.

The site is the one a competent Hugo user would write to publish what Paper Digest
publishes, for Debian's Hugo 0.111.3: hugo.toml and layouts/ (partials, partialCached for
fragments every page shares, Hugo's taxonomies, paginator and related content). Nothing
is generated for Hugo: it reads the project's own files through module mounts, from two
links write_site() makes beside hugo.toml:

    project -> the Paper Digest project: content/papers/*.md as content/papers (Hugo reads
               their YAML front matter as they are), content/topics.yaml as data
    theme   -> themes/default: style.css, reader.js and copy.js fingerprinted by Hugo's
               asset pipeline, favicon.svg copied

What it renders, as themes/default/templates does (the same elements, the same classes,
so the same stylesheet and scripts apply):

- paper pages (/papers/<slug>/): title, authors (15, then "and N more"), organization,
  quick links, the save button, AI summary, the abstract rendered from Markdown by
  Goldmark (CommonMark, raw HTML off), 5 related papers, the facts aside (featured days,
  topic chips, arXiv id and category, first version, upvotes, the Hugging Face page),
  links by kind with GitHub stars, BibTeX, Open Graph and citation_* meta tags;
- day pages (/dates/YYYY-MM-DD/, the terms of a `featured` taxonomy over the files'
  `featured` lists): the day's papers in their `ranks` order as full rows (rank, title,
  save button, upvotes, authors, organization, topic chips, quick links, AI summary,
  abstract in <details>), the topic filter, the days before and after;
- topic pages (the `topics` taxonomy): description, newest papers first under day
  headings, Hugo's paginator at topic_page_size (50), an Atom feed of each topic;
- the topics index with counts per year, the /dates/ calendar, the home page (the
  latest day, recent days, topics), the Atom and JSON feeds, papers.json (in parts of
  4,000 papers past 4,000, as ours), sitemap.xml with lastmod, robots.txt, 404, the
  reading-list page, the search page's markup, Netlify's _headers for the
  fingerprinted files.

Where it differs, because Hugo does it its own way or cannot reasonably do it:

- related papers are Hugo's related content over shared topics and authors
  ([related] in hugo.toml); Paper Digest's come from tf-idf similarity of the text.
  Topics are few and broad, so each page's lookup ranks thousands of candidates: at
  9,877 papers that is most of Hugo's time. HUGO_PARAMS_RELATEDPAPERS=false builds the
  site without them (bench_hugo.py times both);
- a paper file has no `date`, so "newest first" (last featured day, then the place that
  day) is a sort key made in a template, once a topic (partials/topic-papers.html), and
  the feeds take the newest days' papers (partials/latest-papers.html);
- Hugo's fingerprints are 64 hex digits (ours 8), the reason paper pages are ~2% larger;
- paper pages are /papers/<slug>/, not /papers/<first character>/<slug>/: Hugo 0.111's
  permalinks cannot take a slug's first character, and 36 filtered mounts, which can,
  tripled Hugo's time at 9,877 papers;
- topic pages are Hugo's pages, counted from the newest (page 1 is the front page,
  /page/N/ the older ones, 50 each), where Paper Digest counts archive pages from the
  oldest and keeps 50 to 99 on the front page; Hugo also writes its /page/1/ redirect
  for every topic, and lists no /page/N/ in the sitemap;
- TeX in titles and abstracts is shown as written: Hugo 0.111 has no MathML conversion
  (Paper Digest writes $...$ spans as MathML, `\\%` as %, `\\textbf{}` in bold, TeX
  quotes curly);
- topics without papers have no page (a Hugo term exists only with pages);
- no week or month top lists (/weeks/YYYY-Www/, /months/YYYY-MM/): a paper file names
  its days, not their weeks, and Hugo 0.111 makes a list page only for a content file or
  a taxonomy term. They are work on Paper Digest's side alone (the "week or month" row
  below: 145 pages of up to 50 rows at 9,877 papers);
- no search: the search page is markup only; the search index (ours: lunr files under
  search/; a Hugo site's: Pagefind, bench_hugo.py --pagefind) is compared separately,
  and its files are left out of the byte counts below;
- the site's title, description, base URL and sizes are hugo.toml's copy of content/site.yaml.

bytes_by_kind() sorts a built site's files into page kinds; compare() prints both sites'
files and bytes per kind side by side.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import ROOT

SKELETON = ROOT / "bench" / "hugo_site"
THEME = ROOT / "themes" / "default"
DAY_PAGE = re.compile(r"dates/\d{4}-\d{2}-\d{2}/index\.html")
TOPIC_PAGE = re.compile(r"topics/[^/]+/(page/\d+/)?index\.html")
REDIRECT = b'<meta http-equiv="refresh"'
SEARCH_ASSETS = re.compile(r"static/(lunr[^/]*\.js|search[^/]*\.js|VENDORED\.md)")  # lunr's, and its notice


def write_site(project: Path, folder: Path) -> Path:
    """The Hugo site for a Paper Digest project, in `folder` (replaced): the skeleton and its two links."""
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(SKELETON, folder)
    (folder / "project").symlink_to(project.resolve(), target_is_directory=True)
    (folder / "theme").symlink_to(THEME, target_is_directory=True)
    return folder


def page_kind(path: str, head: bytes) -> str | None:
    """The kind of page a site's file is (its path under the site, its first bytes); None for search index files."""
    if path.startswith("search/"):
        return "search page" if path == "search/index.html" else None
    if SEARCH_ASSETS.fullmatch(path):
        return None
    if path.startswith("papers/") and path.endswith("/index.html"):
        return "paper"
    if DAY_PAGE.fullmatch(path):
        return "day"
    if TOPIC_PAGE.fullmatch(path):
        return "topic redirect" if REDIRECT in head else "topic"
    if path.startswith("topics/") and path.endswith("/feed.xml"):
        return "topic feed"
    if re.fullmatch(r"papers(-\d+)?\.json", path):
        return "papers.json"
    if re.fullmatch(r"sitemap(-\d+)?\.xml", path):
        return "sitemap"
    if path.startswith("static/"):
        return "static"
    if path.startswith(("weeks/", "months/")):
        return "week or month"
    return {"index.html": "home", "dates/index.html": "dates index", "topics/index.html": "topics index",
            "feed.xml": "feed.xml", "feed.json": "feed.json", "robots.txt": "robots.txt", "404.html": "404",
            "reading-list/index.html": "reading list", "_headers": "_headers"}.get(path, "other")


def bytes_by_kind(site: Path) -> dict[str, tuple[int, int]]:
    """kind -> (files, bytes) of a built site."""
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for file in site.rglob("*"):
        if file.is_file():
            with file.open("rb") as stream:
                kind = page_kind(file.relative_to(site).as_posix(), stream.read(512))
            if kind:
                found[kind][0] += 1
                found[kind][1] += file.stat().st_size
    return {kind: (files, size) for kind, (files, size) in found.items()}


KIND_ORDER = ["paper", "day", "week or month", "topic", "topic redirect", "topic feed", "home", "topics index", "dates index",
              "feed.xml", "feed.json", "papers.json", "sitemap", "robots.txt", "404", "reading list",
              "search page", "_headers", "static", "other"]


def compare(ours: Path, hugo: Path) -> str:
    """Both built sites' files and bytes per kind, side by side (search index files left out)."""
    mine, theirs = bytes_by_kind(ours), bytes_by_kind(hugo)
    lines = [f"  {'kind':15s} {'digest: files':>13s} {'bytes':>11s} {'per file':>9s}   "
             f"{'hugo: files':>11s} {'bytes':>11s} {'per file':>9s}   hugo/digest per file"]
    kinds = [kind for kind in KIND_ORDER if kind in mine or kind in theirs]
    kinds += sorted((mine.keys() | theirs.keys()) - set(kinds))
    for kind in [*kinds, "all"]:
        a = mine.get(kind, (0, 0)) if kind != "all" else tuple(map(sum, zip(*mine.values())))
        b = theirs.get(kind, (0, 0)) if kind != "all" else tuple(map(sum, zip(*theirs.values())))
        per_a, per_b = (a[1] / a[0] if a[0] else 0), (b[1] / b[0] if b[0] else 0)
        ratio = f"{per_b / per_a:.2f}" if per_a and per_b else "-"
        lines.append(f"  {kind:15s} {a[0]:13,d} {a[1]:11,d} {per_a:9,.0f}   {b[0]:11,d} {b[1]:11,d} {per_b:9,.0f}   {ratio}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Build a project's site with digest and with Hugo; bytes per page type.")
    parser.add_argument("project", type=Path, help="a Paper Digest project (its site/ is built when missing)")
    parser.add_argument("--keep", type=Path, help="write the Hugo site here (default: a temporary folder)")
    args = parser.parse_args()
    project = args.project.resolve()
    if not (project / "site").is_dir():
        subprocess.run([str(ROOT / ".venv" / "bin" / "digest"), "--project", str(project), "build"], check=True)
    with tempfile.TemporaryDirectory() as scratch:
        site = write_site(project, args.keep.resolve() if args.keep else Path(scratch) / "hugo")
        subprocess.run(["hugo", "--quiet"], cwd=site, check=True)
        print(compare(project / "site", site / "public"))


if __name__ == "__main__":
    main()
