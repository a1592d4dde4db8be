"""For the API tests: the header that signs a test client's request in as `user`."""

from accounts import tokens


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {tokens.issue(user)[0]}"}
