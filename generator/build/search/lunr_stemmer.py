"""lunr.js 2.3.9's Porter stemmer, transcribed rule for rule (lunr.js lines 947-1155).

lunr.py's own stemmer differs from lunr.js's (lunr.py stems "survey" to "survei", lunr.js keeps
"survey"), and the browser stems query words with lunr.js, so the build stems with this port.
"""
from __future__ import annotations

import re

_c, _v = "[^aeiou]", "[aeiouy]"
_C, _V = _c + "[^aeiouy]*", _v + "[aeiou]*"
_MGR0 = re.compile("^(" + _C + ")?" + _V + _C)
_MEQ1 = re.compile("^(" + _C + ")?" + _V + _C + "(" + _V + ")?\\Z")
_MGR1 = re.compile("^(" + _C + ")?" + _V + _C + _V + _C)
_S_V = re.compile("^(" + _C + ")?" + _v)
_RE_1A, _RE2_1A = re.compile(r"^(.+?)(ss|i)es\Z"), re.compile(r"^(.+?)([^s])s\Z")
_RE_1B, _RE2_1B = re.compile(r"^(.+?)eed\Z"), re.compile(r"^(.+?)(ed|ing)\Z")
_RE2_1B_2, _RE3_1B_2 = re.compile(r"(at|bl|iz)\Z"), re.compile(r"([^aeiouylsz])\1\Z")
_RE4_1B_2 = re.compile("^" + _C + _v + "[^aeiouwxy]\\Z")
_RE_1C = re.compile(r"^(.+?[^aeiou])y\Z")
_STEP2 = {
    "ational": "ate", "tional": "tion", "enci": "ence", "anci": "ance", "izer": "ize", "bli": "ble",
    "alli": "al", "entli": "ent", "eli": "e", "ousli": "ous", "ization": "ize", "ation": "ate",
    "ator": "ate", "alism": "al", "iveness": "ive", "fulness": "ful", "ousness": "ous",
    "aliti": "al", "iviti": "ive", "biliti": "ble", "logi": "log",
}
_STEP3 = {"icate": "ic", "ative": "", "alize": "al", "iciti": "ic", "ical": "ic", "ful": "", "ness": ""}
# JavaScript alternation takes the first alternative that matches, so the order is lunr.js's.
_RE_2 = re.compile("^(.+?)(" + "|".join(_STEP2) + ")\\Z")
_RE_3 = re.compile("^(.+?)(" + "|".join(_STEP3) + ")\\Z")
# Each suffix rule's endings, checked by str.endswith first: most words end in none of them, and
# ruling that out in C costs a fraction of the regex's try at every split point.
_STEP2_ENDINGS, _STEP3_ENDINGS = tuple(_STEP2), tuple(_STEP3)
_STEP4_ENDINGS = ("al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ou", "ism", "ate",
                  "iti", "ous", "ive", "ize")
_RE_4 = re.compile("^(.+?)(" + "|".join(_STEP4_ENDINGS) + ")\\Z")
_RE2_4 = re.compile(r"^(.+?)(s|t)(ion)\Z")
_RE_5 = re.compile(r"^(.+?)e\Z")
_RE3_5 = re.compile("^" + _C + _v + "[^aeiouwxy]\\Z")


def js_stem(word: str) -> str:
    """What lunr.stemmer returns for word. JavaScript strings are UTF-16, so a word with a
    character outside the BMP is stemmed as surrogate pairs, as lunr.js sees it."""
    if word.isascii() or max(word) <= "\uffff":
        return _porter(word)
    units = word.encode("utf-16-le", "surrogatepass")
    as_js = "".join(chr(int.from_bytes(units[i : i + 2], "little")) for i in range(0, len(units), 2))
    return _porter(as_js).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _porter(w: str) -> str:
    if len(w) < 3:
        return w
    first_is_y = w[0] == "y"
    if first_is_y:
        w = "Y" + w[1:]
    w = _step1ab(w)
    if w.endswith("y") and (m := _RE_1C.match(w)):
        w = m.group(1) + "i"
    w = _step_suffix_list(w, _RE_2, _STEP2, _STEP2_ENDINGS)
    w = _step_suffix_list(w, _RE_3, _STEP3, _STEP3_ENDINGS)
    w = _step4(w)
    w = _step5(w)
    return "y" + w[1:] if first_is_y else w


def _step1ab(w: str) -> str:
    if w.endswith("s") and (m := _RE_1A.match(w) or _RE2_1A.match(w)):
        w = m.group(1) + m.group(2)
    if w.endswith("eed") and (m := _RE_1B.match(w)):
        return w[:-1] if _MGR0.search(m.group(1)) else w
    if w.endswith(("ed", "ing")) and (m := _RE2_1B.match(w)) and _S_V.search(m.group(1)):
        w = m.group(1)
        if _RE2_1B_2.search(w):
            return w + "e"
        if _RE3_1B_2.search(w):
            return w[:-1]
        if _RE4_1B_2.search(w):
            return w + "e"
    return w


def _step_suffix_list(w: str, pattern: re.Pattern, replacements: dict[str, str], endings: tuple[str, ...]) -> str:
    if w.endswith(endings) and (m := pattern.match(w)) and _MGR0.search(m.group(1)):
        return m.group(1) + replacements[m.group(2)]
    return w


def _step4(w: str) -> str:
    if w.endswith(_STEP4_ENDINGS) and (m := _RE_4.match(w)):
        return m.group(1) if _MGR1.search(m.group(1)) else w
    if w.endswith("ion") and (m := _RE2_4.match(w)) and _MGR1.search(m.group(1) + m.group(2)):
        return m.group(1) + m.group(2)
    return w


def _step5(w: str) -> str:
    if w.endswith("e") and (m := _RE_5.match(w)):
        stem = m.group(1)
        if _MGR1.search(stem) or (_MEQ1.search(stem) and not _RE3_5.search(stem)):
            w = stem
    if w.endswith("ll") and _MGR1.search(w):
        w = w[:-1]
    return w
