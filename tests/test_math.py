"""TeX in titles and abstracts becomes checked MathML; everything else stays escaped text."""
import pytest
from markupsafe import Markup

from generator.content import math
from generator.content.markdown import escape_markdown, render_markdown
from generator.content.math import math_html, tex_to_mathml


def test_real_titles_become_mathml():
    assert math_html("Bounds in $L_2$") == Markup(
        'Bounds in <math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">'
        "<mrow><msub><mi>L</mi><mn>2</mn></msub></mrow></math>")
    assert "<msup><mo>∇</mo><mn>2</mn></msup>" in math_html("$\\nabla^2$DFT: a universal model")
    assert math_html("$\\nabla^2$DFT").endswith("</math>DFT")
    assert math_html("$τ$-bench").startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">'
                                            "<mrow><mi>τ</mi></mrow></math>-bench")
    assert "<msub><mi>μ</mi><mn>0</mn></msub>" in math_html("Transfer of $\\mu_0$ across widths")


@pytest.mark.parametrize("text", [
    "Consistency^2: no dollars",
    "A lone $ stays",
    "Costs $5 and $10 a month",
    "From $5 to $10M",
    "$ spaced $",
    "Display $$x$$ is left alone",
    "$x$5 closes before a digit",
])
def test_text_that_is_no_span_stays_text(text):
    assert math_html(text) == Markup.escape(text)


def test_an_escaped_dollar_shows_as_a_dollar_and_opens_no_span():
    assert math_html("An escaped \\$x\\$ pair") == Markup("An escaped $x$ pair")
    assert math.math_text("With \\$100 budget") == "With $100 budget"


@pytest.mark.parametrize("hostile", [
    "$<img src=x onerror=alert(1)>$",
    "$\\text{<b>bold</b>}$",
    "$\\text{<script>alert(1)</script>}$",
    "$\\href{javascript:alert(1)}{x}$",
    "$\\style{background:url(x)}{y}$",
    "$\\unknowncommand{x}$",
    '$x" onmouseover="alert(1)$',
    "$</math><script>alert(1)</script>$",
])
def test_hostile_or_unconvertible_input_stays_escaped_text(hostile):
    out = str(math_html(hostile))
    assert "<script" not in out and "<img" not in out and "<b>" not in out
    assert " href=" not in out and " style=" not in out and " onmouseover=" not in out
    if "<math" not in out:
        assert out == str(Markup.escape(hostile))


def test_angle_brackets_in_real_tex_are_escaped_inside_mathml():
    out = str(math_html("$a < b$"))
    assert "<mo>&lt;</mo>" in out and "<b" not in out.replace("<mo>&lt;</mo>", "")


def test_a_tag_between_dollars_stays_text_even_where_the_converter_would_take_it():
    assert math_html("$<img src=x onerror=alert(1)>$") == Markup("$&lt;img src=x onerror=alert(1)&gt;$")
    assert math_html("$a<b$") == Markup("$a&lt;b$")


def test_only_allowlisted_mathml_passes(monkeypatch):
    monkeypatch.setattr(math, "convert", lambda tex: '<math xmlns="http://www.w3.org/1998/Math/MathML">'
                                                     '<mi onclick="x()">a</mi></math>')
    tex_to_mathml.cache_clear()
    assert tex_to_mathml("a") == ""
    monkeypatch.setattr(math, "convert", lambda tex: '<math xmlns="http://www.w3.org/1999/xhtml"><mi>a</mi></math>')
    tex_to_mathml.cache_clear()
    assert tex_to_mathml("a") == ""
    monkeypatch.setattr(math, "convert", lambda tex: '<math xmlns="http://www.w3.org/1998/Math/MathML">'
                                                     '<mstyle mathcolor="url(javascript:x)"><mi>a</mi></mstyle></math>')
    tex_to_mathml.cache_clear()
    assert tex_to_mathml("a") == ""
    tex_to_mathml.cache_clear()


def test_a_converter_error_falls_back_to_text(monkeypatch):
    def broken(tex):
        raise ValueError("bad TeX")
    monkeypatch.setattr(math, "convert", broken)
    tex_to_mathml.cache_clear()
    assert math_html("Loss $L_2$ here") == Markup("Loss $L_2$ here")
    tex_to_mathml.cache_clear()


def test_abstract_html_from_escaped_markdown():
    body = escape_markdown("We bound the $L_2$ error and keep `$x$` and <b>$y$</b> literal.")
    out = str(math_html(Markup(render_markdown(body))))
    assert out.count("<math") == 3  # the backticks and <b> were escaped: text like any other
    assert "&lt;b&gt;" in out


def test_spans_inside_code_stay_text():
    out = str(math_html(Markup("<p>Use <code>$x$</code> and <pre>$y$</pre> but $z$</p>")))
    assert "<code>$x$</code>" in out and "<pre>$y$</pre>" in out and out.count("<math") == 1


def test_markup_is_not_escaped_twice_and_text_is():
    assert math_html(Markup("<p>a &amp; b</p>")) == Markup("<p>a &amp; b</p>")
    assert math_html("a & b <i>") == Markup("a &amp; b &lt;i&gt;")


@pytest.mark.parametrize("title, text", [
    ("$VILA^2$: VILA-Augmented VILA", "VILA²: VILA-Augmented VILA"),
    ("$\\nabla^2$DFT: A Universal Quantum Chemistry Dataset", "∇²DFT: A Universal Quantum Chemistry Dataset"),
    ("$μ$LO: Compute-Efficient Meta-Generalization", "μLO: Compute-Efficient Meta-Generalization"),
    ("$\\tau$-bench", "τ-bench"),
    ("$\\pi_0$: A Vision-Language-Action Flow Model", "π₀: A Vision-Language-Action Flow Model"),
    ("$e^{x}$ and $x_i$", "e^x and x_i"),  # no such Unicode script: written as TeX writes it
    ("Prices from $5 to $10", "Prices from $5 to $10"),
    ("$<img src=x>$ and $\\href{javascript:x}{y}$", "$<img src=x>$ and $\\href{javascript:x}{y}$"),
])
def test_titles_read_as_text_where_mathml_cannot_go(title, text):
    assert math.math_text(title) == text


def test_a_title_with_tex_is_text_in_the_tab_the_feed_the_save_button_and_search(golden_project):
    import json
    import re

    from generator.build.builder import build_site

    paper = golden_project / "content" / "papers" / "skippipe.md"
    paper.write_text(paper.read_text().replace('title: "SkipPipe:', 'title: "$\\\\pi_0$ SkipPipe:'))
    build_site(golden_project)
    site = golden_project / "site"
    page = (site / "papers" / "s" / "skippipe" / "index.html").read_text()
    assert "<title>π₀ SkipPipe:" in page and '<meta name="citation_title" content="π₀ SkipPipe:' in page
    assert '<meta property="og:title" content="π₀ SkipPipe:' in page  # a shared link's preview
    assert '<meta property="og:url" content="https://golden.example.org/papers/s/skippipe/">' in page
    assert '<meta property="og:description" content="We explore stage skipping' in page
    assert "<h1><math" in page  # the heading keeps its MathML
    assert re.search(r'data-title="π₀ SkipPipe:[^"]*"', page)
    assert "<title>π₀ SkipPipe:" in (site / "feed.xml").read_text()
    fragments = [json.loads(path.read_text()) for path in (site / "search" / "f").rglob("*.json")]
    assert any(fragment["t"].startswith("π₀ SkipPipe:") for fragment in fragments)


def test_math_converted_ahead_is_not_converted_again(monkeypatch):
    """What the build converts before forking its search process, the process inherits: its
    titles and summaries as text, and the pages' MathML, come from those conversions."""
    title = "$\\Omega^{17}$-Ahead: Converted Once"
    math.convert_ahead([title, "no math here"])

    def converter_called(tex: str) -> str:
        raise AssertionError(f"{tex} converted again")

    monkeypatch.setattr(math, "convert", converter_called)
    assert math.math_text(title) == "Ω¹⁷-Ahead: Converted Once"
    assert "<msup>" in math_html(title)
