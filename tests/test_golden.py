"""The golden fixture (tests/fixtures/golden/content) built and compared with expected/.

After an intended change to the output, regenerate and review the diff like code:
    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py
"""
import os
import re
import shutil
from pathlib import Path

import pytest

from generator.build.builder import SiteBuilder

GOLDEN = Path(__file__).parent / "fixtures" / "golden"
EXPECTED = GOLDEN / "expected"
# Made by the search module and lunr, checked by their own tests; here only their presence counts.
NOT_COMPARED = ("search/index.json", "static/search.js", "static/lunr-2.3.9.min.js")
# The search index's shards, word list and fragments: named by content, checked by the search tests.
NOT_COMPARED_FOLDERS = ("search/s/", "search/v/", "search/f/")


def tree(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A fresh build of the golden project, made once for this module's tests."""
    project = tmp_path_factory.mktemp("golden") / "project"
    shutil.copytree(GOLDEN / "content", project / "content")
    assert SiteBuilder(project, project / "site").build().errors == []
    return project / "site"


def test_golden_site_matches_the_expected_tree(site):
    built = tree(site)
    assert all(name in built for name in NOT_COMPARED)
    assert all(any(name.startswith(folder) for name in built) for folder in NOT_COMPARED_FOLDERS)
    compared = {name: data for name, data in built.items()
                if name not in NOT_COMPARED and not name.startswith(NOT_COMPARED_FOLDERS)}
    if os.environ.get("UPDATE_GOLDEN") == "1":
        assert os.environ.get("CI") != "true", "UPDATE_GOLDEN=1 in CI would compare the build with itself"
        shutil.rmtree(EXPECTED, ignore_errors=True)
        for name, data in compared.items():
            (EXPECTED / name).parent.mkdir(parents=True, exist_ok=True)
            (EXPECTED / name).write_bytes(data)
    expected = tree(EXPECTED)
    assert sorted(compared) == sorted(expected)
    for name, data in compared.items():
        assert data.decode() == expected[name].decode(), f"{name} differs from the golden file"


def test_hostile_title_and_links_render_as_text(site):
    page = (site / "papers" / "h" / "hostile-title" / "index.html").read_text()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert 'href="javascript:' not in page
    assert "<i>raw html" not in page and "&lt;i&gt;raw html&lt;/i&gt;" in page  # Markdown's raw HTML is off
    for name in ("index.html", "topics/language-models/index.html", "dates/2025-08-18/index.html", "feed.xml",
                 "weeks/2025-W34/index.html", "months/2025-08/index.html"):
        text = (site / name).read_text()
        assert "<script>alert" not in text and "<img src=x" not in text, name


def test_pages_have_no_inline_script_or_style_so_the_csp_holds(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 10
    for page in pages:
        text = page.read_text()
        assert "<style" not in text and " style=" not in text, page
        assert all(' src="/static/' in tag for tag in text.split("<script")[1:]), page


def test_netlify_config_publishes_site_with_the_security_headers(site):
    import tomllib

    config = tomllib.loads((Path(__file__).parent.parent / "netlify.toml").read_text())
    assert config["build"]["publish"] == "site" and "digest build" in config["build"]["command"]
    assert config["build"]["environment"]["PYTHON_VERSION"] == "3.11"
    values = config["headers"][0]["values"]
    assert config["headers"][0]["for"] == "/*"
    assert "script-src 'self'" in values["Content-Security-Policy"]
    assert values["X-Content-Type-Options"] == "nosniff"
    headers = (site / "_headers").read_text()
    fingerprinted = sorted(path.name for path in (site / "static").iterdir()
                           if re.fullmatch(r"\w+\.[0-9a-f]{8}\.(css|js)", path.name))
    assert fingerprinted and all(f"/static/{name}\n  Cache-Control: public, max-age=31536000, immutable" in headers
                                 for name in fingerprinted)
    assert "search.js" not in headers and "lunr-2.3.9.min.js" not in headers
