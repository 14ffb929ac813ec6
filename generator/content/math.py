"""TeX between dollars in titles and abstracts -> MathML, at build time, with no JavaScript.

`math_html` takes HTML (an escaped title, a rendered abstract) and replaces each
`$…$` span in its text with MathML from latex2mathml. The converter's output is
not trusted: it is parsed, every element and attribute is checked against
MATHML_ELEMENTS and MATHML_ATTRIBUTES, and the tree is written out again by this
module. A span the converter fails on, or whose output breaks the allowlist
(`\\text{<b>}` yields a raw `<b>`, `\\href` a link), stays as the escaped text it was,
dollars included. Where MathML cannot go (a tab's title, a feed entry's title, a
button's label, a search result), `math_text` gives the same spans as the characters
they show (`$VILA^2$` is VILA²); the TeX source itself is what search indexes.

What counts as a span (Pandoc's rule, so that prices stay text):
- an opening `$` is followed by a character other than whitespace;
- the closing `$` is the next one that is preceded by a character other than
  whitespace and not followed by a digit ("$5 and $10" is no span);
- `\\$` is a dollar, not a delimiter, and shows as one; `$$` is not a delimiter either;
- never inside <code> or <pre>, and never across a tag;
- a span that looks like markup (`<` before a letter, `/`, `!` or `?`) stays text.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import lru_cache
from xml.etree import ElementTree

from markupsafe import Markup, escape

from generator.content.markdown import VERBATIM, text_outside

MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"
# Presentation MathML that browsers render (MathML Core) and latex2mathml writes.
MATHML_ELEMENTS = frozenset(["math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac", "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom", "menclose", "merror", "mmultiscripts", "mprescripts", "none", "semantics"])
MATHML_ATTRIBUTES = frozenset(["display", "mathvariant", "stretchy", "fence", "separator", "accent", "accentunder", "lspace", "rspace", "minsize", "maxsize", "movablelimits", "symmetric", "largeop", "columnalign", "columnspacing", "columnlines", "rowspacing", "rowlines", "rowalign", "frame", "framespacing", "equalrows", "equalcolumns", "displaystyle", "scriptlevel", "width", "height", "depth", "linethickness", "notation", "mathcolor", "mathbackground", "mathsize", "form", "voffset"])
SAFE_VALUE = re.compile(r"[\w#.%+ -]*\Z")  # lengths, colours, keywords: no url(), quotes or colons
LOOKS_LIKE_MARKUP = re.compile(r"<[A-Za-z/!?]")  # TeX writes "a < b"; "<b" opens a tag
MAX_TEX = 300  # characters; a longer "span" is two dollars far apart, not one formula
# The rule in the module docstring, on escaped text: the TeX is group 1 (backslash pairs kept whole).
SPAN = re.compile(rf"(?<![\\$])\$(?=[^\s$])((?:[^$\\]|\\.){{1,{MAX_TEX}}}?)(?<![\s\\])\$(?![\d$])")


def math_html(value: object) -> Markup:
    """HTML with every convertible `$…$` span as MathML; a str (a title) is escaped first and its
    TeX text markup read (tex_text.py), with no links: lists show a title as a link to its page.
    Markup (a rendered abstract, read already) is taken as HTML."""
    markup = escape(value)
    if "\\" in markup and not isinstance(value, Markup):
        from generator.content.tex_text import tex_html  # which reads spans as this module does

        markup = Markup(tex_html(str(markup), links=False))
    if "$" not in markup:
        return markup
    return Markup(text_outside(str(markup), "$", lambda text, _: dollars_as_text(SPAN.sub(_span_html, text)), VERBATIM))


def dollars_as_text(text: str) -> str:
    """Text whose spans were read: the escaped dollars left are dollars (`\\$5` shows as $5)."""
    return text.replace("\\$", "$")


def _span_html(span: re.Match[str]) -> str:
    tex = html.unescape(span.group(1))
    if LOOKS_LIKE_MARKUP.search(tex):  # `$<img src=x>$` is a tag someone typed, not a formula: it stays text
        return span.group(0)
    return tex_to_mathml(tex) or span.group(0)


SUPERSCRIPT = str.maketrans("0123456789+-=()in", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱⁿ")
SUBSCRIPT = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")


def math_text(text: str) -> str:
    """Plain text with each convertible `$…$` span as the characters its MathML shows, for where
    MathML cannot go (a tab's title, a feed entry's title, a button's label): `$VILA^2$` is
    VILA², `$\\nabla^2$DFT` is ∇²DFT. A span that does not convert stays as it was. TeX's text
    markup is read first (`\\textsc{AIEV}` is AIEV)."""
    if "\\" in text:
        from generator.content.tex_text import tex_plain  # which reads spans as this module does

        text = tex_plain(text)
    if "$" not in text:
        return text
    return dollars_as_text(SPAN.sub(_span_text, text))


def convert_ahead(texts: Iterable[str]) -> None:
    """The `$…$` spans of these texts converted now, for processes forked next to inherit the
    conversions (tex_to_mathml's cache) and the converter's import: the build's search process
    shows titles and AI summaries as text, the pages as MathML, from the same conversions."""
    for text in texts:
        if "$" in text:
            math_text(text)


def _span_text(span: re.Match[str]) -> str:
    mathml = "" if LOOKS_LIKE_MARKUP.search(span.group(1)) else tex_to_mathml(span.group(1))
    return _shown_text(ElementTree.fromstring(mathml)) if mathml else span.group(0)


def _shown_text(element: ElementTree.Element) -> str:
    """What a reader sees of MathML as one line: a script in Unicode's super- or subscript
    characters where it has them all, else after ^ or _."""
    name = element.tag.rpartition("}")[2]
    parts = [_shown_text(child) for child in element]
    if name in ("msup", "msub") and len(parts) == 2:
        base, script = parts
        table, mark = (SUPERSCRIPT, "^") if name == "msup" else (SUBSCRIPT, "_")
        if script and all(ord(character) in table for character in script):
            return base + script.translate(table)
        return base + mark + script
    return (element.text or "").strip() + "".join(parts)


@lru_cache(maxsize=20_000)
def tex_to_mathml(tex: str) -> str:
    """Checked MathML for `tex`, or "" when the converter fails or writes anything off the allowlist."""
    try:
        tree = ElementTree.fromstring(convert(tex))
    except Exception:
        return ""
    if not _allowed(tree):
        return ""
    return _serialize(tree)


def convert(tex: str) -> str:
    """latex2mathml's MathML for `tex`, its converter imported at the first formula: with the
    urllib, http and email modules it pulls in, that is a tenth of a build's imports, which a site
    without math need not pay."""
    from latex2mathml.converter import convert as latex_to_mathml
    return latex_to_mathml(tex)


def _allowed(element: ElementTree.Element) -> bool:
    """Only allowlisted MathML elements and attributes with plain values, and no unknown command
    (latex2mathml writes those as text: `<mi>\\foo</mi>`)."""
    namespace, _, name = element.tag.rpartition("}")
    if namespace != "{" + MATHML_NAMESPACE or name not in MATHML_ELEMENTS:
        return False
    if any(key not in MATHML_ATTRIBUTES or not SAFE_VALUE.match(value) for key, value in element.attrib.items()):
        return False
    if name in ("mi", "mo") and (element.text or "").startswith("\\"):
        return False
    return all(_allowed(child) for child in element)


def _serialize(element: ElementTree.Element) -> str:
    """The tree written by us: names from the allowlist, text and attribute values escaped."""
    name = element.tag.rpartition("}")[2]
    attributes = "".join(f' {key}="{_escaped(value)}"' for key, value in sorted(element.attrib.items()))
    if name == "math":
        attributes = f' xmlns="{MATHML_NAMESPACE}"' + attributes
    children = "".join(_serialize(child) + _escaped(child.tail) for child in element)
    return f"<{name}{attributes}>{_escaped(element.text)}{children}</{name}>"


def _escaped(text: str | None) -> str:
    return str(escape(text or ""))
