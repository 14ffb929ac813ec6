"""TeX's text markup in abstracts -> what it shows, for pages, feeds and snippets.

Abstracts taken from arXiv are TeX source. Of the 80,317 in the corpus, 3,277 write `\\%`,
1,689 `\\textbf{…}`, 866 `\\textit{…}`, 774 `\\emph{…}` and 437 `\\href{…}{…}`; a reader should
see 54.6% and bold words, not the markup. Math between dollars is math.py's; this module reads
the text around it:

- `\\% \\& \\_ \\# \\{ \\}` are the character; `\\ `, `\\,` and `\\\\` a space; `\\-` nothing;
- accents: `\\'e`, `\\"{o}`, `\\~n`, `` \\`a ``, `\\^o`, `\\=a` are é, ö, ñ, à, ô, ā;
- `\\textbf{…}` and `{\\bf …}` are bold; `\\textit`, `\\emph`, `{\\em …}`, `{\\it …}` italic;
  `\\texttt`, `{\\tt …}` code; `\\textsuperscript`/`\\textsubscript` raised and lowered;
  `\\textsc`, `\\underline`, `\\textcolor{red}{…}` and their kin plain text;
- `\\url{a}` and `\\href{a}{text}` are links when `a` is a web address, else their text;
- `\\footnote{…}` is "(…)"; `\\cite{…}` and its kin go, with the space before them;
- `\\eg`, `\\ie`, `\\etal`, `\\deg`, `\\times`, … are what their usual definitions print;
- `\\( … \\)` and `\\[ … \\]` become `$…$` for math.py.

Anything else stays as written: `\\ours` is a macro only its paper defines, and a brace that
closes nothing is text (`{1, 2}` outside math keeps its braces too). Parsing is linear: every
brace's partner is found once, up front.
"""
from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from generator.content.addresses import web_address
from generator.content.markdown import escape_html, plain_text
from generator.content.math import SPAN, dollars_as_text


@dataclass
class _Element:
    """Nodes shown together: `tag` wraps them in HTML ("" for none), `href` makes them a link."""
    tag: str
    children: list[_Node] = field(default_factory=list)
    href: str = ""


_Node = str | _Element

FONT_COMMANDS = {
    "textbf": "strong", "textit": "em", "emph": "em", "textsl": "em", "texttt": "code",
    "textsuperscript": "sup", "textsubscript": "sub",
    "textsc": "", "textrm": "", "textsf": "", "textup": "", "textnormal": "", "textmd": "",
    "underline": "", "mbox": "", "text": "", "uline": "",
}
FONT_SWITCHES = re.compile(r"\\(em|it|sl|itshape|bf|bfseries|tt|ttfamily|sc|scshape|rm|sf)(?![A-Za-z])\s*")
SWITCH_TAGS = {"em": "em", "it": "em", "sl": "em", "itshape": "em", "bf": "strong", "bfseries": "strong",
               "tt": "code", "ttfamily": "code"}
TWO_ARGUMENT_COMMANDS = frozenset(["textcolor", "colorbox", "href"])  # the second argument is what shows
CITATIONS = frozenset(["cite", "citep", "citet", "citealp", "citealt", "citeyear", "parencite", "autocite", "label"])
WORDS = {
    "eg": "e.g.", "ie": "i.e.", "etal": "et al.", "vs": "vs.", "etc": "etc.", "cf": "cf.", "wrt": "w.r.t.",
    "deg": "°", "textdegree": "°", "times": "×", "pm": "±", "textregistered": "®", "texttrademark": "™",
    "copyright": "©", "ldots": "…", "dots": "…", "textellipsis": "…", "textasciitilde": "~", "sim": "~",
    "approx": "≈", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "rightarrow": "→", "to": "→",
    "leftarrow": "←", "textendash": "–", "textemdash": "—", "textbar": "|", "textbackslash": "\\",
    "i": "ı", "LaTeX": "LaTeX", "TeX": "TeX", "textpertenthousand": "‱", "textperthousand": "‰",
}
ESCAPED = {"%": "%", "&": "&", "_": "_", "#": "#", "{": "{", "}": "}", " ": " ", ",": " ", "\\": " ", "-": ""}
ACCENTS = {"'": "\u0301", '"': "\u0308", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304", ".": "\u0307"}
MATH_CLOSERS = {"(": "\\)", "[": "\\]"}
MAX_MATH = 300  # characters, as math.py's MAX_TEX
MAX_DEPTH = 20  # commands within commands; deeper ones stay as written (and Python's stack is safe)

COMMAND = re.compile(r"\\(?:([A-Za-z]+)\*?|(.))", re.DOTALL)
TEXT_RUN = re.compile(r"[^\\{$]+")
ACCENTED = re.compile(r"([A-Za-z])|\{([A-Za-z]|\\i)\}")
OPTIONAL_ARGUMENT = re.compile(r"\[[^\]]{0,200}\]")
# Rendered HTML is read whole: each tag, code with its verbatim text and a Markdown link with its
# text (group 2 its <a>, group 3 its text, read on its own) are held out of the text as a
# placeholder, NUL + its number + NUL. A NUL of the text itself is U+FFFD, as markdown-it has it.
# markdown-it's links never nest and always close; a link's text is looked for only up to the
# next <a or </a>, so that markup of many <a> and no </a> is still read in linear time.
HELD = "\x00"
HELD_MARKUP = re.compile(r"<(code|pre)\b.*?</\1>|(<a\s[^>]*>)((?:(?!</?a[\s>]).)*)</a>|<[^>]*>", re.DOTALL)
PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
BRACE_SPAN_OR_TAG = re.compile(r"\\[^\x00]|[{}$]|\x00\d+\x00")
OPEN_TAG = -1  # on the stack of open braces: an element the braces after it must close within
ADDRESS_ESCAPES = "%&_#~"  # what TeX writes as \\_ in an address (tex_address; ingest's links)
URL_ESCAPE = re.compile(rf"\\([{ADDRESS_ESCAPES}])")


def shown_text(markdown_body: str) -> str:
    """A paper body as one line of the plain text its page shows: a page's description, the
    abstract search indexes and shows in its results."""
    return dollars_as_text(tex_plain(plain_text(markdown_body)))


def tex_plain(text: str) -> str:
    """Plain text with TeX's text markup as the text it shows (`\\textbf{x}` is x); `$…$` spans
    and `\\$` are math.py's, and stay."""
    if "\\" not in text:
        return text
    # A NUL of the text is U+FFFD, as on the page (markdown-it's), and as tex_html has it: the
    # parser reads NUL + digits + NUL as markup held out of the text, which plain text has none of.
    return "".join(_plain(node) for node in _Parser(text.replace(HELD, "\ufffd")).nodes())


def tex_html(markup: str, links: bool = True) -> str:
    """Rendered HTML with TeX's text markup in its text as HTML (`\\textbf{x}` is <strong>x</strong>).
    Text inside <code> or <pre>, and `$…$` spans (math.py's, which may sit inside a command:
    `\\textbf{4.75$\\times$}`), are left as they are. A command's braces may hold whole elements
    (`\\emph{a <em>b</em> c}`, from `\\emph{a *b* c}`); a command whose braces cross a tag stays
    as written. A Markdown link is one element to the command around it (`\\emph{see [y](z)}`).
    `\\href` and `\\url` show their text only where a link will hold it, since a link cannot hold
    another: in a Markdown link's text, around one, and everywhere with links=False (a title in a
    list, which links to the paper's page)."""
    if "\\" not in markup:
        return markup
    held: list[str] = []
    markup = HELD_MARKUP.sub(lambda found: _hold(_markup_read(found), held), markup.replace(HELD, "\ufffd"))
    text = html.unescape(markup)
    shown = "".join(_html(node, links) for node in _Parser(text, held).nodes())
    return PLACEHOLDER.sub(lambda placeholder: held[int(placeholder.group(1))], shown)


def _markup_read(found: re.Match[str]) -> str:
    """Markup held as it is, but a Markdown link with its text's TeX read, as text: no link in a link."""
    link_open, link_text = found.group(2, 3)
    return found.group() if link_open is None else f"{link_open}{tex_html(link_text, links=False)}</a>"


def _hold(markup: str, held: list[str]) -> str:
    held.append(markup)
    return f"{HELD}{len(held) - 1}{HELD}"


class _Parser:
    def __init__(self, text: str, held: Sequence[str] = ()):
        """held: the markup the placeholders in text stand for (tex_html)."""
        self.text = text
        self.held = held
        self.spans = {span.start(): span.end() for span in SPAN.finditer(text)
                      if HELD not in span.group()} if "$" in text else {}  # a span never crosses a tag
        self.closing = _brace_partners(text, self.spans, held)
        self.depth = 0
        self._next_closer: dict[str, tuple[int, int]] = {}  # closer -> (searched from, found at or -1)

    def nodes(self) -> list[_Node]:
        return self._between(0, len(self.text))

    def _between(self, start: int, end: int) -> list[_Node]:
        if self.depth == MAX_DEPTH:
            return [self.text[start:end]]
        self.depth += 1
        try:
            return self._nodes_between(start, end)
        finally:
            self.depth -= 1

    def _nodes_between(self, start: int, end: int) -> list[_Node]:
        out: list[_Node] = []
        position = start
        while position < end:
            if run := TEXT_RUN.match(self.text, position, end):
                out.append(run.group())
                position = run.end()
            elif self.text[position] == "{":
                position = self._group(position, end, out)
            elif self.text[position] == "$":  # math.py's span whole, or a dollar
                span_end = self.spans.get(position, position + 1)
                out.append(self.text[position:span_end])
                position = span_end
            else:
                position = self._command(position, end, out)
        return out

    def _argument(self, position: int, end: int) -> int | None:
        """Where the braced argument starting at position closes, if it does before end."""
        if position < end and self.text[position] == "{":
            close = self.closing.get(position)
            if close is not None and close < end:
                return close
        return None

    def _group(self, position: int, end: int, out: list[_Node]) -> int:
        """`{\\em words}` is italic and `360{\\deg}` 360°; a brace not followed by a command is text."""
        close = self._argument(position, end)
        if close is None or not self.text.startswith("\\", position + 1):
            out.append("{")
            return position + 1
        if switch := FONT_SWITCHES.match(self.text, position + 1, close):
            out.append(_Element(SWITCH_TAGS.get(switch.group(1), ""), self._between(switch.end(), close)))
        else:
            out.extend(self._between(position + 1, close))
        return close + 1

    def _command(self, position: int, end: int, out: list[_Node]) -> int:
        found = COMMAND.match(self.text, position, end)
        if found is None:  # a backslash ending the text
            out.append("\\")
            return position + 1
        name, symbol = found.groups()
        after = found.end()
        if symbol is not None:
            return self._symbol(symbol, position, after, end, out)
        return self._word(name, found.group(0), after, end, out)

    def _symbol(self, symbol: str, position: int, after: int, end: int, out: list[_Node]) -> int:
        if symbol in ESCAPED:
            out.append(ESCAPED[symbol])
            return after
        if symbol in MATH_CLOSERS:
            close = self._closer(MATH_CLOSERS[symbol], after, end)
            tex = self.text[after:close].strip() if close >= 0 else ""
            if tex and "$" not in tex and HELD not in tex and len(tex) <= MAX_MATH:
                out.append(f"${tex}$")
                return close + 2
        elif symbol in ACCENTS:
            return self._accent(symbol, position, after, end, out)
        out.append(self.text[position:after])
        return after

    def _closer(self, closer: str, after: int, end: int) -> int:
        """The first `closer` at or after `after` and before `end`, or -1. The last search is kept:
        a text of many `\\(` and no `\\)` is searched once, not once for each."""
        searched_from, found = self._next_closer.get(closer, (len(self.text) + 1, -1))
        if not (searched_from <= after and (found == -1 or found >= after)):
            found = self.text.find(closer, after)
            self._next_closer[closer] = (after, found)
        return found if found != -1 and found + len(closer) <= end else -1

    def _accent(self, accent: str, position: int, after: int, end: int, out: list[_Node]) -> int:
        letter = ACCENTED.match(self.text, after, end)
        if letter is None:
            out.append(self.text[position:after])
            return after
        base = letter.group(1) or letter.group(2)
        next_char = self.text[letter.end():letter.end() + 1]
        if accent == "'" and base == "s" and letter.group(1) and not next_char.isalpha():
            out.append("'s")  # `query\'s content`: an escaped apostrophe, not the ś of Polish names
        else:
            out.append(unicodedata.normalize("NFC", ("i" if base == "\\i" else base) + ACCENTS[accent]))
        return letter.end()

    def _word(self, name: str, written: str, after: int, end: int, out: list[_Node]) -> int:
        if name in FONT_COMMANDS and (close := self._argument(after, end)) is not None:
            out.append(_Element(FONT_COMMANDS[name], self._between(after + 1, close)))
            return close + 1
        if name in TWO_ARGUMENT_COMMANDS:
            return self._two_arguments(name, written, after, end, out)
        if name == "url" and (close := self._argument(after, end)) is not None:
            address = tex_address(self.text[after + 1:close])
            out.append(_Element("", [address], href=_held_free(address)))
            return close + 1
        if name == "footnote" and (close := self._argument(after, end)) is not None:
            out.extend([" (", *self._between(after + 1, close), ")"])
            return close + 1
        if name in CITATIONS:
            return self._citation(written, after, end, out)
        if name in WORDS:
            out.append(WORDS[name])
            return after + 2 if self.text.startswith("{}", after) else after
        out.append(written)
        return after

    def _two_arguments(self, name: str, written: str, after: int, end: int, out: list[_Node]) -> int:
        first = self._argument(after, end)
        second = self._argument(first + 1, end) if first is not None else None
        if first is None or second is None:
            out.append(written)
            return after
        is_link = name == "href" and not self._holds_link(first + 2, second)
        href = _held_free(tex_address(self.text[after + 1:first])) if is_link else ""
        out.append(_Element("", self._between(first + 2, second), href=href))
        return second + 1

    def _holds_link(self, start: int, end: int) -> bool:
        """Whether the text between holds a Markdown link, which no other link may hold."""
        return any(self.held[int(number)].startswith("<a") for number in PLACEHOLDER.findall(self.text, start, end))

    def _citation(self, written: str, after: int, end: int, out: list[_Node]) -> int:
        """`benchmark~\\cite{key}.` reads "benchmark.": a citation key says nothing to a reader."""
        if optional := OPTIONAL_ARGUMENT.match(self.text, after, end):
            after = optional.end()
        close = self._argument(after, end)
        if close is None:
            out.append(written)
            return after
        if out and isinstance(out[-1], str):
            out[-1] = out[-1].rstrip(" ~")
        return close + 1


def _brace_partners(text: str, spans: dict[int, int], held: Sequence[str]) -> dict[int, int]:
    """Each `{` that is closed -> its `}`; `\\{` and `\\}` are characters, the braces of a
    `$…$` span are the formula's, and a brace closes only within the element it opened in, so
    that what a command makes of its braces holds whole elements."""
    partners: dict[int, int] = {}
    open_braces: list[int] = []  # and OPEN_TAG for each element opened since
    span_end = 0
    for found in BRACE_SPAN_OR_TAG.finditer(text):
        position, mark = found.start(), found.group()
        if position < span_end:
            continue
        if position in spans:
            span_end = spans[position]
        elif mark == "{":
            open_braces.append(position)
        elif mark == "}" and open_braces and open_braces[-1] != OPEN_TAG:
            partners[open_braces.pop()] = position
        elif mark.startswith(HELD):
            _tag_opened_or_closed(held[int(mark[1:-1])], open_braces)
    return partners


def _tag_opened_or_closed(markup: str, open_braces: list[int]) -> None:
    """A closing tag ends its element, and the braces opened in it close nothing; `<br />` and
    held code neither open nor close one."""
    if markup.startswith("</"):
        while open_braces and open_braces.pop() != OPEN_TAG:
            pass
    elif "</" not in markup and not markup.endswith("/>"):
        open_braces.append(OPEN_TAG)


def _held_free(address: str) -> str:
    """An address that holds no tag (`\\url{https://x.org/*a*}` holds <em>), else ""."""
    return "" if HELD in address else address


def tex_address(written: str) -> str:
    """A URL as TeX writes it (`\\_` for _), as the address it stands for."""
    return URL_ESCAPE.sub(r"\1", written.strip())


def _plain(node: _Node) -> str:
    if isinstance(node, str):
        return node
    return "".join(_plain(child) for child in node.children)


def _html(node: _Node, links: bool) -> str:
    """links: whether a web address may be a link here; not inside another (`\\href{a}{\\url{a}}`)."""
    if isinstance(node, str):
        return escape_html(node)  # as markdown-it escaped the text around it
    is_link = links and bool(node.href) and web_address(node.href) is not None
    inner = "".join(_html(child, links and not is_link) for child in node.children)
    if node.tag:
        inner = f"<{node.tag}>{inner}</{node.tag}>"
    return f'<a href="{escape_html(node.href)}" rel="nofollow">{inner}</a>' if is_link else inner
