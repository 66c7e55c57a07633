"""Reading the landing folder's configuration files (the CRM mapping, the reps file) so that
every error names the file and the line: a typo found at run start, before anything loads, not
as wrong numbers in a mart.

YAML is read as a node tree (`yaml.compose`), not as Python objects: nodes keep their line, and
a scalar's text is kept as written (`Yes`, `true`, `0012` stay text, as CRM values are).
"""

from __future__ import annotations

from pathlib import Path

import yaml

_NULL_TAG = "tag:yaml.org,2002:null"


class ConfigFileError(Exception):
    """A configuration file of the landing folder is malformed; the message names file and line."""


def located(path: Path, line: int, problem: str) -> ConfigFileError:
    return ConfigFileError(f"{path}:{line}: {problem}")


def compose_yaml(path: Path) -> yaml.Node | None:
    """The document's node tree (None for an empty file), or an error naming file and line."""
    try:
        return yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise located(path, line, f"not valid YAML: {error.problem or error.context}") from error
    except UnicodeDecodeError as error:
        raise located(path, 1, f"not UTF-8 text: {error.reason}") from error


class YamlReader:
    """Checked access to the nodes of one YAML file; every error names the file and the line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, node: yaml.Node, problem: str) -> ConfigFileError:
        return located(self.path, line_of(node), problem)

    def error_at(self, line: int, problem: str) -> ConfigFileError:
        return located(self.path, max(line, 1), problem)

    def mapping(self, node: yaml.Node, where: str) -> list[tuple[str, yaml.Node, yaml.Node]]:
        """(key text, key node, value node) of a mapping; a key given twice is an error."""
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, f"{where} must be a mapping of names to values")
        entries: list[tuple[str, yaml.Node, yaml.Node]] = []
        first_line: dict[str, int] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                raise self.error(key, f"{where}: a key must be a plain name")
            if key.value in first_line:
                raise self.error(
                    key,
                    f"{where}.{key.value} is given twice (first on line {first_line[key.value]})",
                )
            first_line[key.value] = line_of(key)
            entries.append((key.value, key, value))
        return entries

    def text(self, node: yaml.Node, where: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or is_null(node) or not node.value.strip():
            raise self.error(node, f"{where} must be a non-empty text")
        return node.value

    def texts(self, node: yaml.Node, where: str) -> list[tuple[str, yaml.Node]]:
        """One text or a list of texts, each with its node."""
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        if not items:
            raise self.error(node, f"{where} must name at least one value")
        return [(self.text(item, where), item) for item in items]

    def sequence(self, node: yaml.Node, where: str) -> list[yaml.Node]:
        if is_null(node):
            return []
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(node, f"{where} must be a list")
        return list(node.value)


def is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG


def line_of(node: yaml.Node) -> int:
    return node.start_mark.line + 1
