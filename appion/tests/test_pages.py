import pytest


@pytest.mark.django_db
def test_home_shows_the_search_form(client):
    response = client.get("/")

    assert response.status_code == 200
    assert b'action="/doctors/"' in response.content
    assert b'name="q"' in response.content


@pytest.mark.django_db
def test_unknown_page_uses_the_friendly_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


@pytest.mark.django_db
def test_language_switch_shows_bengali(client):
    response = client.get("/language/bn/", {"next": "/"}, follow=True)

    assert response.status_code == 200
    assert response.wsgi_request.LANGUAGE_CODE == "bn"
    assert 'lang="bn"' in response.content.decode()
    assert "ডাক্তার" in response.content.decode()


@pytest.mark.django_db
def test_language_switch_refuses_unknown_languages_and_foreign_next(client):
    assert client.get("/language/xx/").status_code == 404
    response = client.get("/language/bn/", {"next": "https://evil.example.com/"})
    assert response.url == "/"


@pytest.mark.django_db
def test_language_choice_is_remembered_for_a_logged_in_users_emails(client):
    from accounts.tests.factories import PatientFactory

    user = PatientFactory(preferred_language="en")
    client.force_login(user)
    client.get("/language/bn/", {"next": "/"})
    user.refresh_from_db()
    assert user.preferred_language == "bn"


@pytest.mark.django_db
def test_anonymous_directory_is_cached_briefly_and_users_get_fresh_pages(
    client, settings, django_assert_num_queries
):
    from django.core.cache import cache

    from accounts.tests.factories import DoctorProfileFactory, PatientFactory

    settings.APPION_PAGE_CACHE_SECONDS = 30
    cache.clear()
    DoctorProfileFactory(user__full_name="Dr. Cached")
    first = client.get("/doctors/")
    assert "Dr. Cached" in first.content.decode()
    assert not first.cookies
    with django_assert_num_queries(0):
        again = client.get("/doctors/")
    assert again.content == first.content
    in_bengali = client.get("/doctors/", HTTP_ACCEPT_LANGUAGE="bn")
    assert in_bengali.content != first.content

    client.force_login(PatientFactory(full_name="Rahim Uddin"))
    personal = client.get("/doctors/").content.decode()
    assert "Rahim Uddin" in personal


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith(".svg")
