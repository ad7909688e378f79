"""Production settings pass Django's deployment checks, redirect plain HTTP to HTTPS except the
load balancers' /healthz, and send the language cookie over HTTPS only. Each test loads
config.settings.production in a process of its own, with the variables production requires."""

import json
import secrets
import subprocess
import sys

from tests.config.test_settings import PRODUCTION_VARIABLES


def production_env() -> dict:
    import os

    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_VARIABLES}
    return {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ID_HASH_KEY": secrets.token_urlsafe(40),
        "SMS_BACKEND": "http",
        "SMS_GATEWAY_URL": "https://sms-gateway.example/send",
        "SMS_GATEWAY_TOKEN": secrets.token_urlsafe(20),
        "IDENTITY_BACKEND": "http",
        "IDENTITY_PROVIDER_URL": "https://identity.example/verify",
        "ALLOWED_HOSTS": "masks.example",
    }


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], env=production_env(), capture_output=True, text=True, timeout=60
    )


def test_production_passes_the_deployment_checks_without_a_warning():
    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr
    assert "security.W" not in result.stdout + result.stderr


PROBE = """
import json
import django

django.setup()
from django.conf import settings
from django.test import Client

client = Client(HTTP_HOST="masks.example")
page = client.get("/draws/")
health = client.get("/healthz")
language = client.post(
    "/i18n/setlang/", {"language": "en", "next": "/"}, headers={"x-forwarded-proto": "https"}
)
cookie = language.cookies["django_language"]
print(json.dumps({
    "page": [page.status_code, page.get("Location")],
    "health": [health.status_code, health.get("Location")],
    "language": [language.status_code, cookie["secure"], cookie["samesite"], cookie["httponly"]],
    "hsts": settings.SECURE_HSTS_SECONDS,
    "subdomains": settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,
}))
"""


def probe() -> dict:
    result = run("-c", PROBE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_redirects_plain_http_but_lets_load_balancers_probe_healthz():
    answers = probe()
    assert answers["page"] == [301, "https://masks.example/draws/"]
    status, location = answers["health"]
    assert status in (200, 503) and location is None  # answered, whatever the services say
    assert answers["hsts"] >= 365 * 24 * 3600 and answers["subdomains"] is True


def test_production_sends_the_language_cookie_over_https_only():
    status, secure, samesite, httponly = probe()["language"]
    assert status == 302
    assert secure is True
    assert samesite == "Lax"
    assert httponly is True
