"""A small OpenID Connect provider on loopback, for signing in through ``st.login`` in a real browser.

It speaks the parts of OpenID Connect that Streamlit's sign-in (Authlib's Starlette client) uses:

- ``/.well-known/openid-configuration``: the discovery document;
- ``/authorize``: a sign-in page where the user types an e-mail address (no password: the test decides who
  signs in), then a redirect back to the app with an authorisation code and the app's ``state``;
- ``/token``: the code exchanged for an ID token signed with RS256, carrying the app's ``nonce``, the e-mail
  and ``email_verified``; the client's secret (HTTP Basic) and the PKCE verifier (S256) are checked, and a
  code works once;
- ``/jwks``: the public key.

Nothing is stubbed on the app's side: the app runs with ``[auth]`` in its secrets pointing at this provider,
and Streamlit does the redirect, the code exchange and the token validation itself.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt  # Authlib's own JOSE library
from joserfc.jwk import RSAKey

CLIENT_ID = "remediation-dashboard"
CLIENT_SECRET = "test-client-secret"


@dataclass
class _Grant:
    email: str
    email_verified: bool
    nonce: str | None
    redirect_uri: str
    code_challenge: str | None


@dataclass
class OIDCProvider:
    """``with OIDCProvider() as idp:`` serves on a free loopback port; ``idp.issuer`` is its base URL and
    ``idp.metadata_url`` what ``server_metadata_url`` in ``[auth]`` takes. ``idp.verified = False`` makes it
    vouch for no e-mail address (as a provider that has not verified it)."""

    redirect_uris: list[str] = field(default_factory=list)
    verified: bool = True
    tokens_issued: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._key = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
        self._grants: dict[str, _Grant] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def auth_secrets(self, redirect_uri: str) -> str:
        """The ``[auth]`` section of a ``secrets.toml`` for an app whose callback is ``redirect_uri``."""
        self.redirect_uris.append(redirect_uri)
        return (
            "[auth]\n"
            f'redirect_uri = "{redirect_uri}"\n'
            f'cookie_secret = "{secrets.token_hex(16)}"\n'
            f'client_id = "{CLIENT_ID}"\n'
            f'client_secret = "{CLIENT_SECRET}"\n'
            f'server_metadata_url = "{self.metadata_url}"\n'
        )

    def __enter__(self) -> "OIDCProvider":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- the protocol ------------------------------------------------------------------------------------

    def _metadata(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "email_verified", "name"],
        }

    def _sign_in_page(self, params: dict[str, str]) -> str:
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in params.items())
        return ("<!doctype html><title>Test identity provider</title><h1>Test identity provider</h1>"
                f'<form method="post" action="/authorize">{hidden}'
                '<label>E-mail <input name="login_email" type="email" required></label>'
                '<button type="submit">Continue</button></form>')

    def _grant(self, params: dict[str, str]) -> tuple[int, str]:
        """The redirect back to the app for a submitted sign-in form, or an error status and message."""
        if params.get("client_id") != CLIENT_ID:
            return 400, "unknown client_id"
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in self.redirect_uris:
            return 400, f"redirect_uri not registered: {redirect_uri}"
        if params.get("response_type") != "code" or "openid" not in params.get("scope", "").split():
            return 400, "only the authorisation code flow with scope openid is supported"
        if params.get("code_challenge") and params.get("code_challenge_method") != "S256":
            return 400, "only S256 PKCE is supported"
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._grants[code] = _Grant(params["login_email"], self.verified, params.get("nonce"),
                                        redirect_uri, params.get("code_challenge"))
        return 302, f"{redirect_uri}?{urlencode({'code': code, 'state': params.get('state', '')})}"

    def _token(self, params: dict[str, str], authorization: str | None) -> tuple[int, dict]:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != expected:
            return 401, {"error": "invalid_client"}
        with self._lock:
            grant = self._grants.pop(params.get("code", ""), None)  # a code works once
        if grant is None or params.get("grant_type") != "authorization_code" \
                or params.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant"}
        if grant.code_challenge is not None:
            verifier = params.get("code_verifier", "").encode()
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
            if challenge != grant.code_challenge:
                return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": hashlib.sha256(grant.email.encode()).hexdigest()[:16],
                  "aud": CLIENT_ID, "iat": now, "exp": now + 600, "email": grant.email,
                  "email_verified": grant.email_verified, "name": grant.email.split("@")[0]}
        if grant.nonce:
            claims["nonce"] = grant.nonce
        id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self._key)
        self.tokens_issued.append(claims)
        return 200, {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer", "expires_in": 600,
                     "id_token": id_token, "scope": "openid email profile"}

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _send(self, status: int, body: str, content_type: str, location: str | None = None) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                if location:
                    self.send_header("Location", location)
                self.end_headers()
                self.wfile.write(data)

            def _json(self, status: int, payload: dict) -> None:
                self._send(status, json.dumps(payload), "application/json")

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                url = urlsplit(self.path)
                if url.path == "/.well-known/openid-configuration":
                    self._json(200, provider._metadata())
                elif url.path == "/jwks":
                    self._json(200, {"keys": [provider._key.as_dict(private=False)]})
                elif url.path == "/authorize":
                    params = {k: v[0] for k, v in parse_qs(url.query).items()}
                    self._send(200, provider._sign_in_page(params), "text/html; charset=utf-8")
                else:
                    self._send(404, "not found", "text/plain")

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                params = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                path = urlsplit(self.path).path
                if path == "/authorize":
                    status, target = provider._grant(params)
                    if status == 302:
                        self._send(302, "", "text/plain", location=target)
                    else:
                        self._send(status, target, "text/plain")
                elif path == "/token":
                    status, payload = provider._token(params, self.headers.get("Authorization"))
                    self._json(status, payload)
                else:
                    self._send(404, "not found", "text/plain")

        return Handler
