"""Web addresses an abstract spells out are links, as on arXiv's abstract pages: a fifth of real
abstracts end with "code is available at https://…", and a reader should not have to copy it."""
from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from generator.build.builder import SiteBuilder
from generator.build.render import abstract_html
from generator.content.markdown import escape_markdown
from generator.content.math import math_html
from generator.ingest.catalog import run_ingest
from generator.project import Project
from tests.helpers import ROOT, make_project


def shown(abstract: str) -> str:
    """An abstract as a paper page shows it: saved as ingest saves it, rendered, then its math."""
    return str(math_html(Markup(abstract_html(escape_markdown(abstract)))))


def link(address: str, href: str | None = None) -> str:
    return f'<a href="{href or address}" rel="nofollow">{address}</a>'


@pytest.mark.parametrize("abstract, expected", [
    ("Code and data are available in https://github.com/Junjie-Ye/MulDimIF.",
     f"Code and data are available in {link('https://github.com/Junjie-Ye/MulDimIF')}."),
    ("Project page: https://egom2p.github.io/", f"Project page: {link('https://egom2p.github.io/')}"),
    ("(see https://x.example/a_(b)), then http://y.example:8080/p?q=1&r=2; done",
     f"(see {link('https://x.example/a_(b)')}), then {link('http://y.example:8080/p?q=1&amp;r=2')}; done"),
    ("Models at www.example.org/models, not www.", f"Models at {link('www.example.org/models', 'http://www.example.org/models')}, not www."),
    ("released athttps://github.com/InternLM/OREAL!", f"released at{link('https://github.com/InternLM/OREAL')}!"),
    ('"https://q.example/p" and <https://z.example>',
     f"&quot;{link('https://q.example/p')}&quot; and &lt;{link('https://z.example')}&gt;"),
])
def test_an_address_is_a_link_without_the_punctuation_around_it(abstract, expected):
    assert shown(abstract) == f"<p>{expected}</p>\n"


@pytest.mark.parametrize("abstract", [
    "Anonymous code: https://[anonymized] and https://anonymous/ for review.",
    "Served at http://localhost:8000 and ftp://files.example/a, mail me@www.example.org",
    "Broken by the listing: https://github. com/a/b and this https URL.",
])
def test_what_is_no_web_address_stays_text(abstract):
    assert "<a " not in shown(abstract)


def test_a_quote_in_an_address_ends_it_rather_than_the_attribute():
    page = shown('at https://x.example/a"onmouseover="alert(1) now')
    assert f'{link("https://x.example/a")}&quot;onmouseover=&quot;alert(1) now' in page
    assert page.count("<a ") == 1


def test_links_code_and_math_are_left_as_they_are():
    """A curator's Markdown link, code span and formula keep their own text: no link inside them."""
    body = ("[our repo https://a.example](https://b.example), `https://c.example/x`, "
            "$x$ and \\url{https://d.example/m}.")
    page = str(math_html(Markup(abstract_html(body))))
    assert page.count("<a ") == 2
    assert '<a href="https://b.example">our repo https://a.example</a>' in page
    assert "<code>https://c.example/x</code>" in page
    assert link("https://d.example/m") in page


def test_an_address_running_on_into_markup_is_not_linked_in_part():
    """`\\url{https://x.example/*a*}`: the asterisks read as emphasis, so its address is not whole."""
    assert "<a " not in abstract_html("\\url{https://x.example/*a*}")


class Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [value or "" for name, value in attrs if name == "href"]


def test_a_built_paper_page_and_the_feed_link_the_address_in_the_abstract(tmp_path):
    project = make_project(tmp_path, [ROOT / "content/digests/2025-08-18.txt"])
    run_ingest(Project.at(project))
    assert not SiteBuilder(project).build().errors
    page = project / "site/papers/a/a-multi-dimensional-constraint-framework-for-evaluating-and/index.html"
    abstract = page.read_text().split('id="abstract-heading"', 1)[1].split("</section>", 1)[0]
    anchors = Anchors()
    anchors.feed(abstract)
    assert anchors.hrefs == ["https://github.com/Junjie-Ye/MulDimIF"]
    feed = (project / "site/feed.xml").read_text()
    assert '&lt;a href="https://github.com/Junjie-Ye/MulDimIF" rel="nofollow"&gt;' in feed
