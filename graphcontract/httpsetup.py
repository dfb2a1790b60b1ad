"""How the harness's ``httpx.Client`` is built: TLS set up only for a target reached over TLS,
and cookie bookkeeping only for the answers that set a cookie. Both are per-process or
per-answer costs httpx pays by default that a contract run against a loopback mock or a
cookie-free service does not need; neither changes what is sent or received.
"""

from __future__ import annotations

import ssl
from typing import Any
from urllib.parse import urlsplit

import httpx

TLSChoice = ssl.SSLContext | bool


def tls_for(base_url: str) -> TLSChoice:
    """httpx's default verification (its bundled CA list) for an https target.

    For plain http, a client context that trusts no CA at all: loading the CA list costs
    50-200 ms per client and no request of such a run uses TLS (redirects are not followed).
    Should one ever, it fails verification instead of going unchecked."""
    if urlsplit(base_url).scheme.lower() == "https":
        return True
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class SetCookieOnlyJar(httpx.Cookies):
    """httpx's cookie store, which reads an answer only when it carries Set-Cookie.

    httpx hands every answer to :mod:`http.cookiejar` through request/response adapters it
    builds for the purpose, about a twentieth of the harness's time per request; an answer
    without Set-Cookie changes nothing in the jar, so skipping it keeps the behaviour."""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


def new_client(base_url: str, **options: Any) -> httpx.Client:
    """An ``httpx.Client`` for ``base_url`` with :func:`tls_for` and :class:`SetCookieOnlyJar`
    (``options`` go to ``httpx.Client``)."""
    client = httpx.Client(verify=tls_for(base_url), **options)
    # httpx.Client copies any jar it is given into a plain Cookies; its own attribute is the
    # one place it reads when it stores an answer's cookies.
    client._cookies = SetCookieOnlyJar()
    return client
