"""The one way the project reads YAML: safe, strict, and with the line of everything.

Paper front matter, content/site.yaml and content/topics.yaml are all read by
load_yaml. It uses the C safe loader when PyYAML has it, rejects what would
silently lose a curator's data (a second `keywords:` replacing the first, `yes:`
read as a boolean key) and remembers where every key and list item is, so a
problem found later while checking the values still names its line.

Any problem comes out as a YamlError(line, message, hint), never as a PyYAML
or Python exception.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.constructor import SafeConstructor

from generator.errors import undecodable_line

# A place in a document: mapping keys and list indexes from the root, e.g. ("topics", 3, "keywords").
YamlPath = tuple[str | int, ...]

if TYPE_CHECKING:
    from yaml import SafeLoader as _SafeLoader
else:  # the C loader parses front matter several times faster
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"
# Keys are text, or a date (a day-to-value mapping such as a paper's ranks), always kept as written.
_KEY_TAGS = frozenset({_STR, _TAG + "timestamp"})
_KEY_KINDS = {"int": "a number", "float": "a number", "bool": "true/false", "null": "null (no value)",
              "timestamp": "a date", "merge": "a merge of another mapping", "seq": "a list", "map": "a mapping"}


class YamlError(Exception):
    """A YAML text that cannot be read; line is 1-based in the file."""

    def __init__(self, line: int, message: str, hint: str = ""):
        super().__init__(message)
        self.line, self.message, self.hint = line, message, hint


@dataclass(frozen=True)
class YamlDocument:
    """The data of one YAML text and the line of every mapping key and list item in it."""

    data: Any  # None for an empty text
    lines: dict[YamlPath, int] = field(default_factory=dict)  # () is the line where the data starts

    def line(self, *path: str | int) -> int:
        """The line of `path`; for a path that is not there, the line of its nearest parent that is.

        A missing key is reported where its mapping starts: ("topics", 3, "name") gives the
        line of topic 3 when it has no name.
        """
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return 1

    def key_lines(self, *path: str | int) -> dict[str, int]:
        """Key -> line for the mapping at `path` (the top level by default)."""
        depth = len(path)
        return {str(place[depth]): line for place, line in self.lines.items()
                if len(place) == depth + 1 and place[:depth] == path and isinstance(place[depth], str)}


def load_yaml(text: str, first_line: int = 1) -> YamlDocument:
    """Parse one YAML document; `first_line` is the file line the text starts on."""
    loader = _LineLoader(text)
    loader.first_line = first_line
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(None, {(): first_line})
        lines = _check_and_locate(node, first_line)
        return YamlDocument(loader.construct_document(node), lines)
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, text, first_line) from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, max(text.find(chr(error.character)), 0)) + first_line
        raise YamlError(line, f"not valid YAML: character {error.character:#06x} is not allowed",
                        "delete the invisible control character") from None
    except yaml.YAMLError as error:
        raise YamlError(first_line, f"not valid YAML: {error}") from None
    except RecursionError:  # only the pure-Python parser recurses; libyaml stops at its own depth limit
        raise YamlError(first_line, "not valid YAML: lists or mappings nested too deeply") from None
    finally:
        loader.dispose()


def load_yaml_file(path: Path) -> YamlDocument:
    """load_yaml on a UTF-8 file; OSError (e.g. FileNotFoundError) when it cannot be read."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise YamlError(undecodable_line(data, error), "not UTF-8 text", "save the file as UTF-8") from None
    return load_yaml(text)


class _LineLoader(_SafeLoader):
    first_line = 1  # file line of the text's first line

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Hashable, Any]:
        """Keys are known to be distinct plain text (see _check_and_locate): no need to construct them."""
        if not isinstance(node, yaml.MappingNode):  # `!!map [a, b]`
            raise yaml.constructor.ConstructorError(None, None, "expected a mapping", node.start_mark)
        return {key.value: self.construct_object(value, deep) for key, value in node.value}


def _check_and_locate(root: yaml.Node, first_line: int) -> dict[YamlPath, int]:
    """Line of every key and item; raises the first duplicate or non-text key in file order.

    Walked with a stack, not recursion, and each node once: aliases may repeat a node
    many times (or contain themselves), and nesting may be deep.
    """
    lines: dict[YamlPath, int] = {(): root.start_mark.line + first_line}
    problems: list[YamlError] = []
    stack: list[tuple[YamlPath, yaml.Node]] = [((), root)] if isinstance(root, yaml.CollectionNode) else []
    walked = {id(root)}
    while stack:
        path, node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            collections = _locate_keys(node, path, first_line, lines, problems)
        else:
            collections = _locate_items(node, path, first_line, lines)
        for child_path, child in collections:
            if id(child) not in walked:
                walked.add(id(child))
                stack.append((child_path, child))
    if problems:
        raise min(problems, key=lambda problem: problem.line)
    return lines


def _locate_keys(node: yaml.MappingNode, path: YamlPath, first_line: int, lines: dict[YamlPath, int],
                 problems: list[YamlError]) -> list[tuple[YamlPath, yaml.Node]]:
    """Records the line of each key; returns the values that are lists or mappings."""
    collections: list[tuple[YamlPath, yaml.Node]] = []
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + first_line
        if key_node.tag not in _KEY_TAGS or not isinstance(key_node, yaml.ScalarNode):
            problems.append(_key_not_text(key_node, line))
            continue
        key_path = (*path, key_node.value)
        if key_path in lines:  # each node is walked once, so only an earlier key of this mapping
            problems.append(YamlError(line, f"duplicate key '{key_node.value}' (first on line {lines[key_path]})",
                                      "keep one of the two"))
            continue
        lines[key_path] = line
        if isinstance(value_node, yaml.CollectionNode):
            collections.append((key_path, value_node))
    return collections


def _locate_items(node: yaml.Node, path: YamlPath, first_line: int,
                  lines: dict[YamlPath, int]) -> list[tuple[YamlPath, yaml.Node]]:
    """Records the line of each item; returns the items that are lists or mappings."""
    collections: list[tuple[YamlPath, yaml.Node]] = []
    for index, item in enumerate(node.value):
        item_path = (*path, index)
        lines[item_path] = item.start_mark.line + first_line
        if isinstance(item, yaml.CollectionNode):
            collections.append((item_path, item))
    return collections


def _key_not_text(key_node: yaml.Node, line: int) -> YamlError:
    kind = _KEY_KINDS.get(key_node.tag.removeprefix(_TAG), f"the tag {key_node.tag}")
    if isinstance(key_node, yaml.ScalarNode):
        key = _shorten(key_node.value)
        return YamlError(line, f"key '{key}' is read as {kind}, not as text", f"quote it: \"{key}\": ...")
    return YamlError(line, f"a key is {kind}; keys must be text", "write the key as a plain word")


def _syntax_error(error: yaml.MarkedYAMLError, text: str, first_line: int) -> YamlError:
    mark = error.problem_mark or error.context_mark
    line = min(mark.line if mark else 0, max(len(text.splitlines()) - 1, 0))  # end of text: its last line
    problem = error.problem or error.context or str(error)
    if problem.startswith("but ") and error.context:  # "but found another document" needs what was expected
        problem = f"{error.context}, {problem}"
    return YamlError(line + first_line, f"not valid YAML: {problem}", _syntax_hint(text, line))


def _syntax_hint(text: str, line: int) -> str:
    # The tab that breaks indentation is often on a line before the one the parser stops at.
    for source_line in text.splitlines()[:line + 1]:
        if "\t" in source_line[:len(source_line) - len(source_line.lstrip())]:
            return "indent with spaces, not tabs"
    return "check quoting and indentation; quote values that contain ': '"


def _checked(construct: Callable[[Any, yaml.ScalarNode], Any]) -> Callable[[_LineLoader, yaml.ScalarNode], Any]:
    """A scalar constructor whose Python errors (an impossible date, `!!int abc`) become YamlErrors."""

    def construct_checked(loader: _LineLoader, node: yaml.ScalarNode) -> Any:
        try:
            return construct(loader, node)
        except (ValueError, KeyError, TypeError, AttributeError, OverflowError) as error:
            line = node.start_mark.line + loader.first_line
            value = _shorten(node.value)
            if node.tag == _TAG + "timestamp":
                reason = f" ({error})" if isinstance(error, ValueError) else ""  # e.g. "day is out of range"
                raise YamlError(line, f"'{value}' is not a real date{reason}", "write dates as YYYY-MM-DD") from None
            kind = _KEY_KINDS.get(node.tag.removeprefix(_TAG), node.tag)
            raise YamlError(line, f"'{value}' cannot be read as {kind}", "quote it to keep it as text") from None

    return construct_checked


def _shorten(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[:limit] + "..."


# Only these scalar constructors can fail with a Python error; the others raise YAML errors.
for _name in ("bool", "int", "float", "timestamp"):
    _LineLoader.add_constructor(_TAG + _name, _checked(SafeConstructor.yaml_constructors[_TAG + _name]))
