"""A browser-like client for the UI tests: signs in, and sends the CSRF
token with every form like a page would."""

from __future__ import annotations

import re

PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


class Browser:
    """The Flask test client, used the way a browser uses the pages."""

    def __init__(self, client):
        self.client = client

    def token(self, url: str = "/login") -> str:
        page = self.client.get(url, follow_redirects=True).get_data(as_text=True)
        found = _TOKEN.search(page)
        assert found, f"no CSRF token on {url}"
        return found.group(1)

    def sign_in(self, email: str, password: str = PASSWORD):
        token = self.token("/login")
        return self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def get(self, url: str, **options):
        return self.client.get(url, **options)

    def post(self, url: str, data: dict | None = None, **options):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token("/"))
        return self.client.post(url, data=data, **options)


def demo_browser(runtime, email: str) -> Browser:
    """A browser signed in to the demo site as `email` (a demo user)."""
    from officina.app import create_app
    from officina.cli.demo import DEMO_PASSWORD

    browser = Browser(
        create_app(runtime_=runtime, config={"TESTING": True}).test_client()
    )
    assert browser.sign_in(email, DEMO_PASSWORD).status_code == 302
    return browser
