"""TeX's text markup in arXiv abstracts shows as what it stands for: 54.6%, bold, links, é."""

import pytest
from markupsafe import Markup

from generator.build.render import abstract_html
from generator.content import math
from generator.content.markdown import escape_markdown
from generator.content.math import math_html
from generator.content.tex_text import HELD_MARKUP, shown_text, tex_html


def shown(abstract: str) -> str:
    """An abstract as a paper page shows it: saved as ingest saves it, rendered, then its math."""
    return str(math_html(Markup(abstract_html(escape_markdown(abstract)))))


@pytest.mark.parametrize("written, expected", [
    ("a 54.6\\% speedup", "<p>a 54.6% speedup</p>"),
    ("Q\\&A and SDXL\\_NCP and \\#1", "<p>Q&amp;A and SDXL_NCP and #1</p>"),
    ("termed \\textbf{coupling bias} (BOCB)", "<p>termed <strong>coupling bias</strong> (BOCB)</p>"),
    ("we introduce \\textit{Gaussian-MAE} and \\emph{reuse}", "<p>we introduce <em>Gaussian-MAE</em> and <em>reuse</em></p>"),
    ("judge {\\em and} follow, {\\bf fast}", "<p>judge <em>and</em> follow, <strong>fast</strong></p>"),
    ("\\texttt{Neuron Adjust}", "<p><code>Neuron Adjust</code></p>"),
    ("\\underline{\\textbf{Fed}}erated tuning", "<p><strong>Fed</strong>erated tuning</p>"),
    ("\\textsc{AIEV-Instruct} and \\textcolor{red}{code}", "<p>AIEV-Instruct and code</p>"),
    ("PM\\textsuperscript{4}Bench", "<p>PM<sup>4</sup>Bench</p>"),
    ("Aya (\\\"Ust\\\"un et al.), Pok\\'emon, Do\\~nana, na\\\"{\\i}ve", "<p>Aya (Üstün et al.), Pokémon, Doñana, naïve</p>"),
    ("the query\\'s content", "<p>the query's content</p>"),
    ("360{\\deg} video, 2.3\\times faster, \\eg, this", "<p>360° video, 2.3× faster, e.g., this</p>"),
    ("the OpenOOD benchmark~\\cite{yang2022openood}. Next", "<p>the OpenOOD benchmark. Next</p>"),
    ("on github\\footnote{see the repository}.", "<p>on github (see the repository).</p>"),
    ("300\\,k entries, e.g.\\ by style, under-investi\\-gated", "<p>300 k entries, e.g. by style, under-investigated</p>"),
])
def test_text_markup_shows_as_what_it_stands_for(written, expected):
    assert shown(written) == expected + "\n"


def test_links_are_links_only_to_web_addresses():
    page = shown("at \\href{https://github.com/x/causal\\_imt}{our repo} and \\url{https://a.example/m}.")
    assert page == ('<p>at <a href="https://github.com/x/causal_imt" rel="nofollow">our repo</a> and '
                    '<a href="https://a.example/m" rel="nofollow">https://a.example/m</a>.</p>\n')
    for hostile in ("\\href{javascript:alert(1)}{click}", "\\url{javascript:alert(1)}", "\\href{data:text/html,x}{click}"):
        assert "<a" not in shown(hostile), hostile


def test_markup_inside_commands_stays_escaped_text():
    assert shown("\\textbf{<script>alert(1)</script>}") == "<p><strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong></p>\n"
    assert shown('\\href{https://a.example/"onmouseover="x}{y}') == (
        '<p><a href="https://a.example/&quot;onmouseover=&quot;x" rel="nofollow">y</a></p>\n')


def test_inline_math_in_tex_delimiters_becomes_mathml_and_dollars_stay_math():
    page = shown("their \\( O(n^3) \\) time and $\\textbf{x}$ and \\$0.34")
    assert page.count("<math") == 2 and "\\(" not in page and "<strong>" not in page
    assert page.endswith(" and $0.34</p>\n")
    bold_formula = shown("is \\textbf{4.75$\\times$} faster")  # a formula inside a command
    assert bold_formula.startswith("<p>is <strong>4.75<math") and bold_formula.endswith("</math></strong> faster</p>\n")


@pytest.mark.parametrize("written", [
    "\\ours is great and \\method{} too",  # macros only their paper defines
    "a set {1, 2, 3} and a } and a {",  # braces around no command
    "an unclosed \\textbf{bold",
    "ends in a backslash \\",
])
def test_what_it_cannot_read_stays_as_written(written):
    assert shown(written) == f"<p>{written}</p>\n"


def test_code_is_left_verbatim():
    assert abstract_html("Use `\\textbf{x}` here") == "<p>Use <code>\\textbf{x}</code> here</p>\n"


def test_a_description_is_the_text_the_page_shows():
    assert shown_text(escape_markdown("A 54.6\\% gain from \\textbf{mixing}, see \\href{https://x.example}{code}")) == (
        "A 54.6% gain from mixing, see code")


def test_a_nul_in_a_body_reads_as_the_page_shows_it_in_descriptions_too():
    """NUL + digits + NUL is how tex_html holds markup out of the text; a body's own read as that."""
    body = escape_markdown("a \x000\x00 b \\emph{x}")
    assert shown_text(body) == "a \ufffd0\ufffd b x"
    assert abstract_html(body) == "<p>a \ufffd0\ufffd b <em>x</em></p>\n"


@pytest.mark.parametrize("title, html, text", [
    ("Code LLMs with \\textsc{AIEV-Instruct}", "Code LLMs with AIEV-Instruct", "Code LLMs with AIEV-Instruct"),
    ("Prefill \\& Decode <Inference>", "Prefill &amp; Decode &lt;Inference&gt;", "Prefill & Decode <Inference>"),
    ("\\$OneMillion-Bench: Agents", "$OneMillion-Bench: Agents", "$OneMillion-Bench: Agents"),
    ("\\textit{Rule}sual", "<em>Rule</em>sual", "Rulesual"),
])
def test_a_titles_tex_text_markup_reads_in_pages_tabs_and_feeds(title, html, text):
    assert str(math_html(title)) == html and math.math_text(title) == text


def test_a_rendered_abstract_is_not_read_twice():
    """`\\textbackslash` gives a backslash; reading the result again would take what follows for a command."""
    page = abstract_html(escape_markdown("a \\textbackslash{}textbf{x} b"))
    assert str(math_html(Markup(page))) == page == "<p>a \\textbf{x} b</p>\n"


def test_commands_nested_past_any_real_abstract_stay_as_written_and_never_crash():
    deep = "\\textbf{" * 3000 + "core" + "}" * 3000
    shown_page = shown(deep)  # Python's own stack would give out near a thousand levels
    assert shown_page.startswith("<p>" + "<strong>" * 19) and "\\textbf{" * 100 in shown_page
    assert "core" in shown_text(escape_markdown(deep))


def test_a_link_inside_a_link_is_its_text():
    """`\\href{a}{\\url{a}}` is common; an <a> inside an <a> is no HTML, and browsers split it."""
    page = shown("code at \\href{https://github.com/x/y}{\\url{https://github.com/x/y}}.")
    assert page == '<p>code at <a href="https://github.com/x/y" rel="nofollow">https://github.com/x/y</a>.</p>\n'


def test_a_titles_links_are_their_text_as_lists_link_the_title_to_its_page():
    title = "Scaling \\href{https://github.com/x/y}{\\textsc{Zoo}} via \\url{https://z.example}"
    assert str(math_html(title)) == "Scaling Zoo via https://z.example"


@pytest.mark.parametrize("link_text, shown_as", [
    ("\\url{https://github.com/a/b}", "https://github.com/a/b"),
    ("\\href{https://x.example}{\\textbf{the code}}", "<strong>the code</strong>"),
])
def test_a_tex_link_in_a_markdown_links_text_is_its_text(link_text, shown_as):
    """A curator's `[\\url{a}](a)` would otherwise be an <a> inside an <a>, which browsers split."""
    page = abstract_html(f"See [the code](https://github.com/a/b) and [{link_text}](https://github.com/a/b), \\url{{https://c.example}}.")
    assert page == (f'<p>See <a href="https://github.com/a/b">the code</a> and <a href="https://github.com/a/b">{shown_as}</a>, '
                    '<a href="https://c.example" rel="nofollow">https://c.example</a>.</p>\n')


@pytest.mark.parametrize("body, expected", [
    ("\\emph{a *b* c}", "<em>a <em>b</em> c</em>"),
    ("\\textbf{see `x{y` and **z**}", "<strong>see <code>x{y</code> and <strong>z</strong></strong>"),
    ("\\href{https://x.example}{the *new* code}", '<a href="https://x.example" rel="nofollow">the <em>new</em> code</a>'),
    ("\\textbf{a *b} c*", "\\textbf{a <em>b} c</em>"),  # the braces cross a tag: as written
    ("\\url{https://x.example/*a*}", "https://x.example/<em>a</em>"),  # no tag inside an address
])
def test_a_commands_braces_may_hold_markdowns_inline_markup(body, expected):
    """A curator writing a body by hand mixes the two: `\\emph{a *b* c}` is read across the <em>."""
    assert abstract_html(body) == f"<p>{expected}</p>\n"


@pytest.mark.parametrize("body, expected", [
    ("\\emph{see [y](https://z.example)}", '<em>see <a href="https://z.example">y</a></em>'),
    ("\\textbf{a [b](https://z.example) c} d", '<strong>a <a href="https://z.example">b</a> c</strong> d'),
    ("\\emph{[\\textbf{x}](https://z.example)}", '<em><a href="https://z.example"><strong>x</strong></a></em>'),
    ("\\emph{a [b}](https://z.example) c}", '<em>a <a href="https://z.example">b}</a> c</em>'),  # its own braces
    ("\\href{https://a.example}{see [y](https://z.example)}", 'see <a href="https://z.example">y</a>'),  # no link in a link
])
def test_a_commands_braces_may_hold_a_markdown_link(body, expected):
    """`\\emph{see [y](z)}` renders as `\\emph{see <a href="z">y</a>}`: the link is one element inside."""
    assert abstract_html(body) == f"<p>{expected}</p>\n"


def test_a_links_text_is_looked_for_no_further_than_the_next_link():
    """markdown-it closes every link, but tex_html reads any HTML: looking for each <a>'s </a> up to
    the end made markup of many <a> and none closed quadratic (12 s at 20,000 of them). An <a>
    with no </a> before the next link's <a> is a tag like any other."""
    assert HELD_MARKUP.match('<a href="z">y <a href="w">x</a>').group() == '<a href="z">'
    assert HELD_MARKUP.match('<a href="z">y</a> <a href="w">x</a>').group() == '<a href="z">y</a>'
    markup = "<p>\\emph{" + '<a href="z">y ' * 1000 + "}</p>"
    assert tex_html(markup) == markup


def test_a_commands_braces_close_nothing_in_another_paragraph():
    assert abstract_html("\\emph{a\n\nb} c") == "<p>\\emph{a</p>\n<p>b} c</p>\n"
