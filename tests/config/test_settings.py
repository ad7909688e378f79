import os
import subprocess
import sys

from django.conf import settings

LOAD_SETTINGS = "import django; django.setup(); print('started')"
# What a test says about production comes from the test alone, never from the caller's shell.
PRODUCTION_VARIABLES = (
    "SECRET_KEY",
    "DEBUG",
    "ID_HASH_KEY",
    "SMS_BACKEND",
    "SMS_GATEWAY_URL",
    "SMS_GATEWAY_TOKEN",
    "IDENTITY_BACKEND",
    "IDENTITY_PROVIDER_URL",
)


def start_with(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_VARIABLES}
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    return subprocess.run(
        [sys.executable, "-c", LOAD_SETTINGS],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


GATEWAY = {"SMS_BACKEND": "http", "SMS_GATEWAY_URL": "http://gw/", "SMS_GATEWAY_TOKEN": "t"}
PROVIDER = {"IDENTITY_BACKEND": "http", "IDENTITY_PROVIDER_URL": "http://id/verify"}
KEYS = {"SECRET_KEY": "k" * 50, "ID_HASH_KEY": "h" * 50}


def test_production_refuses_to_start_without_a_real_secret_key():
    result = start_with(ID_HASH_KEY="h" * 50, **GATEWAY, **PROVIDER)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_a_real_id_hash_key():
    result = start_with(SECRET_KEY="k" * 50, **GATEWAY, **PROVIDER)
    assert result.returncode != 0
    assert "ID_HASH_KEY" in result.stderr


def test_production_refuses_to_log_sms_instead_of_sending_them():
    result = start_with(**KEYS, **PROVIDER)
    assert result.returncode != 0
    assert "SMS_BACKEND=http" in result.stderr


def test_production_refuses_the_local_identity_provider_by_default():
    # Left unset, IDENTITY_BACKEND is `local`, which verifies any well-formed made-up number.
    result = start_with(**KEYS, **GATEWAY)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "IDENTITY_BACKEND=http" in result.stderr


def test_production_refuses_the_local_identity_provider_when_named():
    result = start_with(**KEYS, **GATEWAY, IDENTITY_BACKEND="local")
    assert result.returncode != 0
    assert "IDENTITY_BACKEND=http" in result.stderr


def test_production_refuses_an_identity_provider_without_its_url():
    result = start_with(**KEYS, **GATEWAY, IDENTITY_BACKEND="http")
    assert result.returncode != 0
    assert "IDENTITY_PROVIDER_URL" in result.stderr


def test_production_starts_with_real_keys_a_gateway_and_an_identity_provider():
    result = start_with(**KEYS, **GATEWAY, **PROVIDER)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


def test_the_city_keeps_shanghai_time_and_speaks_chinese_first():
    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
    from config.settings import base

    # Django's own PostgreSQL backend, with a probe before each connection (outages).
    assert settings.DATABASES["default"]["ENGINE"] == "config.postgresql"
    assert base.DATABASES["default"]["CONN_MAX_AGE"] > 0  # persistent outside the tests


def test_celery_speaks_only_json_and_outlives_its_longest_task():
    assert settings.CELERY_ACCEPT_CONTENT == ["json"]
    assert settings.CELERY_TASK_SERIALIZER == settings.CELERY_RESULT_SERIALIZER == "json"
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert timeout > settings.CELERY_TASK_TIME_LIMIT
