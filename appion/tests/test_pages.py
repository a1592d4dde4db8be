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
    response = client.post("/i18n/setlang/", {"language": "bn", "next": "/"}, follow=True)

    assert response.status_code == 200
    assert response.wsgi_request.LANGUAGE_CODE == "bn"
    assert 'lang="bn"' in response.content.decode()
    assert "ডাক্তার" in response.content.decode()
