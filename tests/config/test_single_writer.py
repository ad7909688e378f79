"""A reservation's life has one owner: no module outside `reservations/` writes the reservations
table or the win record, by the ORM or by SQL (issue 12). A source scan, beside the layers
contract: the contract sees imports, not what a module does with them."""

import ast
import re
from pathlib import Path

from tests.config.source_scan import (
    by_place,
    layered_apps,
    models_named,
    parse,
    project_files,
    project_models,
    sql_strings,
    where,
)

OWNER = "reservations"
MODELS = ("Reservation", "Win")
# `bench` is not scanned: it builds and resets synthetic data outside the apps' rules (it bulk
# creates reservations, and between two runs of a draw puts its winners back to `waiting` and
# deletes their wins); it runs against a database of its own (`make bench`).
SCANNED = [app for app in layered_apps() if app != OWNER] + ["config"]

# ORM calls that write rows.
WRITES = {
    "save",
    "delete",
    "update",
    "create",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}
# A chain through one of these returns plain values, not rows: `.update(` on it is a dict's.
VALUES = {"values", "values_list", "count", "exists", "aggregate", "in_bulk", "explain"}
# Names that mean a reservation or a win row wherever they are used (`reservation.save()`); only
# `save` and `delete` on them count, which no other kind of object here has.
ROW_NAMES = {"reservation", "win"}
SQL_WRITE = re.compile(
    r"\b(?P<verb>INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?|MERGE\s+INTO)"
    r"\s+(?:ONLY\s+)?(?P<table>\{[^{}]*\}|\"?[\w.]+\"?)"
    r"|\bCOPY\s+(?P<copied>\{[^{}]*\}|\"?[\w.]+\"?)(?:\s*\([^)]*\))?\s+FROM\b"
)


def _chain(node: ast.AST) -> tuple[ast.AST, list[str]]:
    """The start of `A.b(...).c[...].d` and the names called or read along it."""
    names = []
    while True:
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return node, names


def _model_aliases(tree: ast.Module) -> set[str]:
    names = set(MODELS)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names |= {alias.asname for alias in node.names if alias.name in MODELS and alias.asname}
    return names


def _rows_of(node: ast.AST, models: set[str], rows: set[str]) -> bool:
    """Does the expression give the model's rows (the class, a queryset, an instance)?"""
    start, names = _chain(node)
    if set(names) & VALUES:
        return False
    if isinstance(start, ast.Name):
        return start.id in models or start.id in rows
    return False


def _accessors() -> tuple[set[str], set[str]]:
    """Attributes that reach the models' rows from another model's: related managers
    (`resident.reservations`, `order.reservations`) and single rows (`order.reservation`)."""
    managers, rows = set(), set(ROW_NAMES)
    for model in project_models():
        for field in model._meta.get_fields():
            if not field.is_relation or field.related_model is None:
                continue
            if field.auto_created and field.related_model.__name__ in MODELS:
                # the other side of a relation declared on a reservation or a win
                many = field.one_to_many or field.many_to_many
                (managers if many else rows).add(field.get_accessor_name())
            elif not field.auto_created and field.related_model.__name__ in MODELS:
                (managers if field.many_to_many else rows).add(field.name)
    return managers, rows


def _is_model(annotation: ast.AST, models: set[str]) -> bool:
    """`Reservation`, `Reservation | None`, `QuerySet[Reservation]`; not `dict[int, Reservation]`
    (whose `.update(` is a dict's)."""
    text = ast.unparse(annotation)
    return any(
        re.fullmatch(rf"((\w+\.)*QuerySet\[)?{model}\]?( \| None)?", text) for model in models
    )


def _names_of_rows(scope: ast.AST, models: set[str]) -> set[str]:
    """Names a scope binds to the model's rows: from a query, a loop over one, an annotation."""
    rows: set[str] = set()
    for _ in range(2):  # a queryset assigned from another queryset
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign) and _rows_of(node.value, models, rows):
                rows |= {t.id for t in node.targets if isinstance(t, ast.Name)}
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                if _is_model(node.annotation, models) or (
                    node.value is not None and _rows_of(node.value, models, rows)
                ):
                    rows.add(node.target.id)
            elif isinstance(node, ast.For | ast.comprehension) and isinstance(
                node.target, ast.Name
            ):
                if _rows_of(node.iter, models, rows):
                    rows.add(node.target.id)
            elif isinstance(node, ast.arg) and node.annotation is not None:
                if _is_model(node.annotation, models):
                    rows.add(node.arg)
    return rows


def orm_writes(path: Path, tree: ast.Module) -> list[str]:
    models = _model_aliases(tree)
    module_rows = _names_of_rows(
        ast.Module(body=[n for n in tree.body if isinstance(n, ast.Assign)], type_ignores=[]),
        models,
    )
    managers, row_attributes = _accessors()
    found = {}
    scopes = [tree] + [
        node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    for scope in scopes:
        rows = module_rows if scope is tree else module_rows | _names_of_rows(scope, models)
        for node in ast.walk(scope):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            method = node.func.attr
            if method not in WRITES:
                continue
            receiver = node.func.value
            named_row = (
                isinstance(receiver, ast.Name | ast.Attribute)
                and (receiver.id if isinstance(receiver, ast.Name) else receiver.attr)
                in row_attributes
                and method in {"save", "delete"}
            )
            _, along = _chain(receiver)
            managed = bool(set(along) & managers) and not set(along) & VALUES
            if named_row or managed or _rows_of(receiver, models, rows):
                found[(node.lineno, node.col_offset)] = (
                    f"{where(path, node)}: {ast.unparse(node.func)}(…)"
                )
    return [found[key] for key in sorted(found)]


def _bindings(tree: ast.Module) -> dict[str, str]:
    """What each name of a module is bound to anywhere in it (assignments and loops), as source:
    enough to see `{TABLE}` after `TABLE = Win._meta.db_table`, or `{_table(model)}` in a loop
    over `(User, Resident, Reservation)`."""
    bound: dict[str, str] = {}

    def bind(target: ast.AST, value: ast.AST) -> None:
        for name in ast.walk(target):
            if isinstance(name, ast.Name):
                bound[name.id] = bound.get(name.id, "") + " " + ast.unparse(value)

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                bind(target, node.value)
        elif isinstance(node, ast.For | ast.comprehension):
            bind(node.target, node.iter)
    return bound


def _names_a_model(expression: str, models: set[str], bound: dict[str, str]) -> bool:
    seen: set[str] = set()
    for _ in range(3):  # names bound to names bound to the model
        if any(re.search(rf"\b{model}\b", expression) for model in models):
            return True
        names = set(re.findall(r"\b[A-Za-z_]\w*\b", expression)) - seen
        seen |= names
        expression = " ".join(bound.get(name, "") for name in names)
    return False


def sql_writes(path: Path, tree: ast.Module) -> list[str]:
    tables = {model._meta.db_table for model in models_named(*MODELS)}
    tables |= {"reservations_reservation", "lottery_win"}  # where the tables are today
    models = _model_aliases(tree)
    bound = _bindings(tree)
    found = []
    for string in sql_strings(tree):
        for match in SQL_WRITE.finditer(string.sql):
            table = match["table"] or match["copied"]
            if table.startswith("{"):
                hit = _names_a_model(table[1:-1], models, bound)
            else:
                hit = table.strip('"').split(".")[-1] in tables
            if hit:
                verb = " ".join((match["verb"] or "COPY").split())
                line = string.line_of(match.start())
                found.append(f"{where(path, line)}: {verb} {table}")
    return found


def writes_outside_the_owner() -> list[str]:
    found = []
    for path in project_files(SCANNED):
        tree = parse(path)
        found += sql_writes(path, tree) + orm_writes(path, tree)
    return sorted(found, key=by_place)


def test_no_module_outside_reservations_writes_a_reservation_or_a_win():
    found = writes_outside_the_owner()
    assert not found, (
        "Only reservations/ writes reservations and wins; call a reservations service instead:\n"
        + "\n".join(found)
    )


def test_the_scan_sees_each_kind_of_write(tmp_path):
    """The scan is worth what it catches: each kind of write in a module outside the owner."""
    source = tmp_path / "sample.py"
    source.write_text(
        "from reservations.models import Reservation as R\n"
        "from reservations.models import Win\n"
        "def f(cursor, order, reservation: R):\n"
        "    R.objects.filter(pk=1).update(state='won')\n"
        "    waiting = R.objects.filter(state='waiting')\n"
        "    waiting.delete()\n"
        "    for r in waiting:\n"
        "        r.save()\n"
        "    reservation.save(update_fields=['state'])\n"
        "    order.reservation.save()\n"
        "    Win.objects.bulk_create([])\n"
        "    R(number=1).save()\n"
        "    order.resident.reservations.filter(state='won').update(state='lapsed')\n"
        "    order.reservation.win.delete()\n"
        "    def g(found: dict[int, R]):\n"
        "        found.update({})\n"  # a dict of rows, not a row
        "    def h(rows: QuerySet[R], one: R | None):\n"
        "        rows.bulk_update([], ['state'])\n"
        "        one.delete()\n"
        "    cursor.execute(f'UPDATE {R._meta.db_table} SET state = %s', ['won'])\n"
        "    cursor.execute('INSERT INTO lottery_win (draw_id) VALUES (1)')\n"
        "    for row in R.objects.values('id'):\n"
        "        row.update(seen=True)\n"  # a dict, not a row
        "    R.objects.filter(pk=1).first()\n"  # a read
        "    cursor.execute(f'SELECT 1 FROM {R._meta.db_table} FOR UPDATE SKIP LOCKED')\n"
        "    for model in (Resident, R):\n"
        "        cursor.copy_expert(f'COPY {model._meta.db_table} (id) FROM STDIN', None)\n"
        "    cursor.copy_expert(f'COPY (SELECT id FROM {R._meta.db_table}) TO STDOUT', None)\n",
        encoding="utf-8",
    )
    tree = ast.parse(source.read_text(encoding="utf-8"))
    found = [line.split(": ", 1)[1] for line in sql_writes(source, tree) + orm_writes(source, tree)]
    assert found == [
        "UPDATE {R._meta.db_table}",
        "INSERT INTO lottery_win",
        "COPY {model._meta.db_table}",
        "R.objects.filter(pk=1).update(…)",
        "waiting.delete(…)",
        "r.save(…)",
        "reservation.save(…)",
        "order.reservation.save(…)",
        "Win.objects.bulk_create(…)",
        "R(number=1).save(…)",
        "order.resident.reservations.filter(state='won').update(…)",
        "order.reservation.win.delete(…)",
        "rows.bulk_update(…)",
        "one.delete(…)",
    ]
