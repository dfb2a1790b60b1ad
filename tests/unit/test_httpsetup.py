"""The client's httpx setup: TLS only where a target uses it, cookies as httpx keeps them."""

from __future__ import annotations

import http.cookiejar
import ssl

import httpx
import pytest

from graphcontract.client import GraphClient
from graphcontract.httpsetup import tls_for


@pytest.mark.parametrize(
    "base_url", ["https://graph.microsoft.com/beta", "HTTPS://staging.example/v1"]
)
def test_an_https_target_gets_httpx_default_verification(base_url):
    assert tls_for(base_url) is True


def test_a_plain_http_target_gets_a_context_that_trusts_nothing():
    context = tls_for("http://127.0.0.1:8000")
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.get_ca_certs() == []


def test_cookies_are_kept_as_httpx_keeps_them_and_answers_without_one_skip_the_jar(
    monkeypatch,
):
    seen_cookies: list[str | None] = []
    jar_reads = []
    real_extract = http.cookiejar.CookieJar.extract_cookies

    def counting_extract(self, response, request):
        jar_reads.append(request.get_full_url())
        return real_extract(self, response, request)

    monkeypatch.setattr(http.cookiejar.CookieJar, "extract_cookies", counting_extract)

    def handler(request: httpx.Request) -> httpx.Response:
        seen_cookies.append(request.headers.get("Cookie"))
        headers = {"Set-Cookie": "affinity=a1; Path=/"} if request.url.path == "/set" else {}
        return httpx.Response(200, json={}, headers=headers)

    transport = httpx.MockTransport(handler)
    with GraphClient("http://t", token="tok-12345", transport=transport) as client:
        for path in ("/a", "/b", "/set", "/c"):
            client.request("GET", path, content_type=None)
    assert jar_reads == ["http://t/set"]
    assert seen_cookies == [None, None, None, "affinity=a1"]
