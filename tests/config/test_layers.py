"""The apps stand in layers (issue 12): city < notifications < reservations < lottery | pickup <
orders < portal. An app imports only from its own layer or below, and its tables point only
there: the contract in pyproject.toml ([tool.importlinter]) says it, `lint-imports` and these
tests hold it, so that pytest alone enforces it too."""

import ast
import inspect
import subprocess
import sys
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model

from tests.config.source_scan import ROOT, layer_of, layered_apps, layers


def test_every_app_imports_only_from_its_own_layer_or_below():
    result = subprocess.run(
        [Path(sys.executable).with_name("lint-imports"), "--no-logo", "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _own_apps() -> set[str]:
    """The installed apps that are this project's: a folder at the top of the repository."""
    return {
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).parent == ROOT and (Path(config.path) / "apps.py").exists()
    }


def test_every_app_of_the_project_joins_a_layer_of_the_contract():
    missing = _own_apps() - set(layered_apps())
    assert not missing, f"Add each app to a layer in pyproject.toml [tool.importlinter]: {missing}"


def test_the_contract_layers_only_installed_apps():
    stale = set(layered_apps()) - _own_apps()
    assert not stale, f"The layers contract names apps that are not installed: {stale}"


def _declared_target(model, field_name: str) -> str | None:
    """The model a relation field names in its declaration (`settings.AUTH_USER_MODEL`,
    `"reservations.User"`, `User`), read from the source of the class that declares it."""
    for cls in model.__mro__:
        if cls.__module__.split(".")[0] not in layered_apps():
            continue
        tree = ast.parse(inspect.getsource(cls).lstrip())
        for node in tree.body[0].body:
            targets = (
                node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            )
            if not any(isinstance(t, ast.Name) and t.id == field_name for t in targets):
                continue
            call = node.value
            if isinstance(call, ast.Call):
                to = [k.value for k in call.keywords if k.arg == "to"] or call.args[:1]
                return ast.unparse(to[0]) if to else None
    return None


def _pointing_up() -> list[str]:
    position = layer_of()
    independent = {app for layer in layers() if layer.independent for app in layer.apps}
    user_model = get_user_model()
    found = []
    for model in apps.get_models():
        app = model._meta.app_config.name.split(".")[0]
        if app not in position:
            continue  # Django's own apps and third parties: below every app of ours
        for field in model._meta.get_fields():
            if not field.is_relation or field.auto_created or field.related_model is None:
                continue  # reverse relations are the other model's; generic ones name no model
            target = field.related_model
            target_app = target._meta.app_config.name.split(".")[0]
            name = f"{model._meta.label}.{field.name} -> {target._meta.label}"
            if target is user_model:
                # Every layer may point to the user model: Django cannot move AUTH_USER_MODEL on
                # an existing database, so it stays `reservations.User` though city's and
                # notifications' tables need it. Below reservations it is named only through
                # the setting, which needs no import of reservations.
                declared = _declared_target(model, field.name)
                if position[app] < position["reservations"] and declared != (
                    "settings.AUTH_USER_MODEL"
                ):
                    found.append(f"{name}: declare it as settings.AUTH_USER_MODEL, not {declared}")
                continue
            if target_app not in position or target_app == app:
                continue
            above = position[target_app] > position[app]
            sibling = position[target_app] == position[app] and app in independent
            if above or sibling:
                found.append(f"{name}: {target_app} is {'above' if above else 'beside'} {app}")
    return sorted(found)


def test_no_foreign_key_points_to_a_model_of_a_higher_layer():
    found = _pointing_up()
    assert not found, (
        "A table points only to its own layer or below (keep a plain integer, or let the upper "
        "app own the link):\n" + "\n".join(found)
    )
