"""Error pages come from the project's templates, in the reader's language, with DEBUG off:
no stack trace, nothing of the request's personal data, nothing inline (the CSP forbids it)."""

import pytest
from django.test import Client

from tests.config.error_urls import DOCUMENT, PHONE

pytestmark = pytest.mark.django_db

# The heading of each page in both languages.
HEADINGS = {
    400: ("The site could not understand this request", "网站无法处理这个请求"),
    403: ("You may not open this page", "您无权打开此页面"),
    404: ("There is no page at this address", "这个网址没有对应的页面"),
    500: ("Something went wrong on our side", "我们这边出了问题"),
}
CSRF = ("This form could not be sent", "表单未能提交")
BUSY = ("Many people are using the site right now", "当前访问人数较多")
LANGUAGES = [("en", 0), ("zh-hans", 1)]


@pytest.fixture(autouse=True)
def errors_urlconf(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.config.error_urls"


def assert_friendly(response, status: int, language: str, heading: str) -> None:
    body = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert f'<html lang="{language}">' in body
    assert heading in body
    assert 'href="/static/css/site.css"' in body  # the project's page, not Django's bare one
    for leak in (PHONE, DOCUMENT, "Traceback", "RuntimeError", "SuspiciousOperation", 'File "'):
        assert leak not in body
    assert "style=" not in body and "<style" not in body and "<script" not in body


@pytest.mark.parametrize("language,index", LANGUAGES)
@pytest.mark.parametrize("status", [400, 403, 404, 500])
def test_it_answers_each_error_with_the_projects_page_in_the_readers_language(
    status, language, index
):
    client = Client(raise_request_exception=False, headers={"accept-language": language})
    response = client.get(f"/test-errors/{status}/", {"phone": PHONE, "id": DOCUMENT})
    assert_friendly(response, status, language, HEADINGS[status][index])


@pytest.mark.parametrize("language,index", LANGUAGES)
def test_it_answers_an_unknown_address_without_echoing_it(language, index):
    client = Client(headers={"accept-language": language})
    response = client.get(f"/me/{PHONE}/{DOCUMENT}/")
    assert_friendly(response, 404, language, HEADINGS[404][index])


@pytest.mark.parametrize("language,index", LANGUAGES)
def test_it_explains_a_failed_csrf_check_in_the_readers_language(language, index):
    client = Client(enforce_csrf_checks=True, headers={"accept-language": language})
    response = client.post("/sign-in/", {"phone": PHONE})
    assert_friendly(response, 403, language, CSRF[index])
    assert "CSRF" not in response.content.decode()  # Django's technical page names it


@pytest.mark.parametrize("language,index", LANGUAGES)
def test_it_answers_a_burst_with_the_same_busy_page(settings, language, index):
    settings.SIGN_IN_BURST_PER_SECOND = 1
    client = Client(headers={"accept-language": language})
    for _ in range(10):
        response = client.post("/sign-in/", {"phone": PHONE})
        if response.status_code == 429:
            break
    assert_friendly(response, 429, language, BUSY[index])
    assert response["Retry-After"]


def test_the_server_error_page_needs_no_database_and_no_request():
    """Django renders 500.html with an empty context; it must not reach for the database."""
    from django.db import connection
    from django.template import loader
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    with CaptureQueriesContext(connection) as queries, translation.override("en"):
        body = loader.get_template("500.html").render()
    assert HEADINGS[500][0] in body
    assert len(queries) == 0
