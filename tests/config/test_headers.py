"""Every answer carries the enforced Content-Security-Policy; pages for one person are never
stored by a browser or proxy; the language cookie stays first-party and out of scripts' reach."""

import pytest

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: sources
        for name, *sources in (part.split() for part in policy.split(";") if part.strip())
    }


@pytest.mark.parametrize(
    "path",
    ["/", "/faq/", "/sign-in/", "/me/", "/draws/", "/admin/login/", "/no-such-page/", "/healthz"],
)
def test_every_answer_enforces_a_policy_with_nothing_inline(client, path):
    response = client.get(path)
    assert "Content-Security-Policy-Report-Only" not in response
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_static_files_carry_the_policy_too(client):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert directives(response)["style-src"] == ["'self'"]


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_a_signed_in_residents_pages_are_never_stored(client, resident):
    client.force_login(resident)
    for path in ("/me/", "/me/verify/", "/me/address/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert no_store(response), path
        assert "private" in response["Cache-Control"], path


def test_sign_in_pages_and_the_sms_console_are_never_stored(client):
    for path in ("/sign-in/", "/sign-in/code/", "/dev/sms/"):
        assert no_store(client.get(path)), path
    assert no_store(client.post("/sign-in/", {"phone": "not a phone"}))


def test_everything_under_the_admin_is_never_stored(client, official):
    assert no_store(client.get("/admin/login/"))
    client.force_login(official)
    for path in ("/admin/", "/admin/notifications/outboxmessage/", "/admin/lottery/draw/schedule/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert no_store(response), path


def test_the_partner_api_is_never_stored(client):
    assert no_store(client.post("/api/partner/v1/verify", {}, content_type="application/json"))


def test_public_pages_and_files_stay_cacheable(client):
    for path in ("/", "/draws/", "/draws/verify.py", "/static/css/site.css"):
        assert not no_store(client.get(path)), path


def test_the_language_cookie_is_first_party_and_hidden_from_scripts(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    cookie = response.cookies["django_language"]
    assert cookie.value == "en"
    assert cookie["samesite"] == "Lax"
    assert cookie["httponly"] is True
