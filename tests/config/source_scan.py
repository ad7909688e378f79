"""What the project-wide rules read: the layers contract as pyproject.toml writes it, the
project's own modules, and the SQL strings in them (for the single-writer and raw-SQL scans)."""

import ast
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
LAYERS_CONTRACT_ID = "layers"


@dataclass(frozen=True)
class Layer:
    apps: tuple[str, ...]
    independent: bool  # siblings joined by `|` must not import each other; by `:` they may


def layers() -> list[Layer]:
    """The layers contract, bottom layer first."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (contract,) = [c for c in contracts if c.get("id") == LAYERS_CONTRACT_ID]
    found = []
    for raw in reversed(contract["layers"]):  # import-linter lists the top layer first
        independent = ":" not in raw
        names = re.split(r"[|:]", raw)
        found.append(Layer(tuple(n.strip().strip("()") for n in names), independent))
    return found


def layer_of() -> dict[str, int]:
    """Each layered app's position, 0 at the bottom."""
    return {app: index for index, layer in enumerate(layers()) for app in layer.apps}


def layered_apps() -> list[str]:
    return [app for layer in layers() for app in layer.apps]


def project_files(packages: list[str]) -> Iterator[Path]:
    """Every module of the packages, migrations aside: a migration freezes the schema of its day
    (table names and states included) and never runs again once applied."""
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                yield path


def where(path: Path, line: int | ast.AST) -> str:
    """`file:line`, relative to the repository when the file is in it."""
    if isinstance(line, ast.AST):
        line = line.lineno
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return f"{shown}:{line}"


def by_place(finding: str) -> tuple[str, int]:
    """Order for findings written `file:line: what`."""
    file, line, _ = finding.split(":", 2)
    return file, int(line)


def project_models() -> list:
    """The models of the layered apps, many-to-many tables included."""
    own = set(layered_apps())
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_config.name.split(".")[0] in own
    ]


def models_named(*names: str) -> list:
    return [model for model in project_models() if model.__name__ in names]


# --- SQL in Python source ---------------------------------------------------------------------

# SQL's shapes in upper case, as this codebase writes SQL; prose in strings does not shout them.
SQL_SHAPE = re.compile(
    r"\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\S+(\s+AS\s+\w+)?\s+SET\b"
    r"|\bDELETE\s+FROM\b|\bTRUNCATE\b|\bLOCK\s+TABLE\b|\bCOPY\b[\s\S]*\b(FROM|TO)\b"
    r"|\bWHERE\b|\bJOIN\b|\bRETURNING\b"
)
# Calls whose first argument is SQL whatever it looks like.
SQL_CALLS = {"execute", "executemany", "execute_values", "copy_expert", "RawSQL", "raw"}
TRANSLATION_CALLS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext"}
SQL_COMMENT = re.compile(r"--[^\n]*")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True)
class SqlString:
    node: ast.AST
    text: str  # an f-string's substitutions kept as `{source}`

    @property
    def sql(self) -> str:
        """The statement without its comments: what the database reads."""
        return SQL_COMMENT.sub("", self.text)

    @property
    def literal_sql(self) -> str:
        """The statement as the source spells it out: substitutions blanked (same length, so
        offsets and lines still match `sql`)."""
        return PLACEHOLDER.sub(lambda match: " " * len(match[0]), self.sql)

    def line_of(self, offset: int) -> int:
        return self.node.lineno + self.sql.count("\n", 0, offset)


def _text(node: ast.AST) -> str:
    if isinstance(node, ast.Constant):
        return node.value
    parts = []
    for part in node.values:
        if isinstance(part, ast.Constant):
            parts.append(part.value)
        else:
            parts.append("{" + ast.unparse(part.value) + "}")
    return "".join(parts)


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def sql_strings(tree: ast.Module) -> list[SqlString]:
    """String literals and f-strings that are SQL: passed to a cursor or RawSQL, or shaped like
    SQL. Docstrings and translated messages are prose, not SQL."""
    skip: set[int] = set()
    sql_args: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant | ast.JoinedStr):
            skip.add(id(node.value))  # docstrings and other bare strings
        elif isinstance(node, ast.JoinedStr):
            for part in ast.walk(node):
                if part is not node:
                    skip.add(id(part))  # the pieces of an f-string are read with it
        elif isinstance(node, ast.Call) and node.args:
            name = _call_name(node)
            if name in TRANSLATION_CALLS:
                skip.add(id(node.args[0]))
            elif name in SQL_CALLS:
                sql_args.add(id(node.args[0]))
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.JoinedStr) or (
            isinstance(node, ast.Constant) and isinstance(node.value, str)
        ):
            text = _text(node)
            if id(node) in sql_args or SQL_SHAPE.search(text):
                found.append(SqlString(node, text))
    return found


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
