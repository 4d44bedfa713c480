"""The token endpoint and token checks: what a partner gets, and every forgery refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from joserfc import jws, jwt
from joserfc.jwk import ECKey
from sqlalchemy import text

from gateway.partners import suspend_partner
from gateway.tables import Partner, Role
from tests.utils.gateway import Client, LiveGateway

#: An authenticated route every partner token may call.
ROUTE = "/v1/generations"


def test_a_partner_gets_an_es256_access_token_with_the_rfc9068_claims(
    gateway: LiveGateway,
) -> None:
    client = gateway.new_client()
    token = client.token()
    header = jws.extract_compact(token.encode()).protected
    assert header["alg"] == "ES256" and header["typ"] == "at+jwt"
    kids = [key["kid"] for key in gateway.http.get("/.well-known/jwks.json").json()["keys"]]
    assert header["kid"] in kids
    with client.authed() as api:
        assert api.get("/v1/generations").json() == {"data": [], "count": 0}


# --- minting tokens by hand ------------------------------------------------------------


def b64url(data: bytes | str | dict[str, Any]) -> str:
    if isinstance(data, dict):
        data = json.dumps(data, separators=(",", ":"))
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def real_token(gateway: LiveGateway, client: Client) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A token the gateway issued to ``client``, with its header and (verified) claims."""
    token = client.token()
    decoded = jwt.decode(
        token, gateway.services.token_keys.verification_set(), algorithms=["ES256"]
    )
    return token, dict(decoded.header), dict(decoded.claims)


def mint(
    gateway: LiveGateway,
    claims: dict[str, Any],
    *,
    header: dict[str, Any] | None = None,
    key: ECKey | None = None,
) -> str:
    """An ES256 token over ``claims``, signed by the gateway's signing key unless ``key``;
    ``header`` defaults to the one the gateway writes (alg, typ at+jwt, kid)."""
    signing_key = gateway.services.token_keys.signing_key
    if header is None:
        header = {"alg": "ES256", "typ": "at+jwt", "kid": signing_key.kid}
    return jwt.encode(header, claims, key or signing_key, algorithms=["ES256"], default_type=None)


def not_refused(response: httpx.Response) -> str | None:
    """What is wrong with ``response`` as a refusal of a bad token, or None if nothing."""
    if response.status_code != 401:
        return f"{response.status_code}: {response.text[:300]}"
    if not response.headers["content-type"].startswith("application/problem+json"):
        return f"401 as {response.headers['content-type']}"
    body = response.json()
    if body.get("code") != "unauthorized" or body.get("status") != 401:
        return f"401 with {body}"
    if not response.headers.get("www-authenticate", "").startswith("Bearer"):
        return "401 without WWW-Authenticate: Bearer"
    return None


def assert_refused(response: httpx.Response) -> None:
    problem = not_refused(response)
    assert problem is None, problem


def call(gateway: LiveGateway, token: str | None, scheme: str = "Bearer") -> httpx.Response:
    headers = {} if token is None else {"Authorization": f"{scheme} {token}"}
    return gateway.http.get(ROUTE, headers=headers)


# --- no token, not a bearer token, not a token ------------------------------------------


NOT_BEARER_TOKENS: dict[str, dict[str, str]] = {
    "no-authorization-header": {},
    "bearer-without-token": {"Authorization": "Bearer"},
    "lowercase-bearer-garbage": {"Authorization": "bearer not-a-jwt"},
    "basic-scheme": {"Authorization": "Basic dGdfeDp5"},
    "other-scheme": {"Authorization": "Token abc.def.ghi"},
    "garbage": {"Authorization": "Bearer not-a-jwt"},
    "garbage-three-segments": {"Authorization": "Bearer a.b.c"},
    "long-garbage": {"Authorization": "Bearer " + "x" * 5000},
}


def test_requests_without_a_usable_bearer_token_are_refused(gateway: LiveGateway) -> None:
    failures = {
        name: problem
        for name, headers in NOT_BEARER_TOKENS.items()
        if (problem := not_refused(gateway.http.get(ROUTE, headers=headers)))
    }
    assert failures == {}


def test_a_real_token_sent_under_another_scheme_is_refused(gateway: LiveGateway) -> None:
    token = gateway.new_client().token()
    assert call(gateway, token).status_code == 200
    assert_refused(call(gateway, token, scheme="Basic"))
    assert_refused(call(gateway, token, scheme="JWT"))


# --- forged and broken tokens ----------------------------------------------------------


def alg_none(gateway: LiveGateway, client: Client) -> str:
    """Valid claims, ``{"alg": "none", "typ": "at+jwt"}`` and an empty signature."""
    _, _, claims = real_token(gateway, client)
    return f"{b64url({'alg': 'none', 'typ': 'at+jwt'})}.{b64url(claims)}."


def alg_none_with_kid(gateway: LiveGateway, client: Client) -> str:
    _, header, claims = real_token(gateway, client)
    return f"{b64url({'alg': 'none', 'typ': 'at+jwt', 'kid': header['kid']})}.{b64url(claims)}."


def alg_none_with_real_signature(gateway: LiveGateway, client: Client) -> str:
    token, header, _ = real_token(gateway, client)
    _, payload, signature = token.split(".")
    return f"{b64url({'alg': 'none', 'typ': 'at+jwt', 'kid': header['kid']})}.{payload}.{signature}"


def hs256_with_public_key(gateway: LiveGateway, client: Client) -> str:
    """The ES/HS confusion: HMAC keyed with the public key an attacker can fetch."""
    _, header, claims = real_token(gateway, client)
    secret = gateway.services.token_keys.signing_key.as_pem(private=False)
    forged = {"alg": "HS256", "typ": "at+jwt", "kid": header["kid"]}
    signing_input = f"{b64url(forged)}.{b64url(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def expired(gateway: LiveGateway, client: Client) -> str:
    _, _, claims = real_token(gateway, client)
    now = int(time.time())
    return mint(gateway, {**claims, "iat": now - 3600, "exp": now - 1800})


def wrong_audience(gateway: LiveGateway, client: Client) -> str:
    _, _, claims = real_token(gateway, client)
    return mint(gateway, {**claims, "aud": "https://elsewhere.example/v1"})


def issuer_as_audience(gateway: LiveGateway, client: Client) -> str:
    _, _, claims = real_token(gateway, client)
    return mint(gateway, {**claims, "aud": claims["iss"]})


def wrong_issuer(gateway: LiveGateway, client: Client) -> str:
    _, _, claims = real_token(gateway, client)
    return mint(gateway, {**claims, "iss": "https://evil.example"})


def _without(claim: str) -> Callable[[LiveGateway, Client], str]:
    def forge(gateway: LiveGateway, client: Client) -> str:
        _, _, claims = real_token(gateway, client)
        claims.pop(claim)
        return mint(gateway, claims)

    return forge


def _with_typ(typ: str | None) -> Callable[[LiveGateway, Client], str]:
    def forge(gateway: LiveGateway, client: Client) -> str:
        _, header, claims = real_token(gateway, client)
        header = {"alg": "ES256", "kid": header["kid"]} | ({"typ": typ} if typ else {})
        return mint(gateway, claims, header=header)

    return forge


def not_yet_valid(gateway: LiveGateway, client: Client) -> str:
    _, _, claims = real_token(gateway, client)
    return mint(gateway, {**claims, "nbf": int(time.time()) + 3600})


def issued_in_the_future(gateway: LiveGateway, client: Client) -> str:
    _, _, claims = real_token(gateway, client)
    now = int(time.time())
    return mint(gateway, {**claims, "iat": now + 3600, "exp": now + 3900})


def _reheaded(header: Any) -> Callable[[LiveGateway, Client], str]:
    """A real token's payload and signature under a malformed header."""

    def forge(gateway: LiveGateway, client: Client) -> str:
        _, payload, signature = client.token().split(".")
        return f"{b64url(json.dumps(header))}.{payload}.{signature}"

    return forge


def payload_not_an_object(gateway: LiveGateway, client: Client) -> str:
    head, _, signature = client.token().split(".")
    return f"{head}.{b64url('[]')}.{signature}"


def two_segments(gateway: LiveGateway, client: Client) -> str:
    head, payload, _ = client.token().split(".")
    return f"{head}.{payload}"


def unknown_client(gateway: LiveGateway, client: Client) -> str:
    _, _, claims = real_token(gateway, client)
    return mint(gateway, {**claims, "client_id": "tg_" + "0" * 24, "sub": "tg_" + "0" * 24})


def key_not_in_jwks(gateway: LiveGateway, client: Client) -> str:
    """Signed by a fresh key that claims the real key's kid."""
    _, header, claims = real_token(gateway, client)
    impostor = ECKey.generate_key("P-256", private=True, parameters={"kid": header["kid"]})
    return mint(gateway, claims, key=impostor)


def key_not_in_jwks_with_new_kid(gateway: LiveGateway, client: Client) -> str:
    _, _, claims = real_token(gateway, client)
    impostor = ECKey.generate_key("P-256", private=True)
    header = {"alg": "ES256", "typ": "at+jwt", "kid": impostor.thumbprint()}
    return mint(gateway, claims, header=header, key=impostor)


def tampered(gateway: LiveGateway, client: Client) -> str:
    """A real token with one character of its payload changed."""
    token = client.token()
    head, payload, signature = token.split(".")
    middle = len(payload) // 2
    swapped = "B" if payload[middle] != "B" else "C"
    return f"{head}.{payload[:middle]}{swapped}{payload[middle + 1 :]}.{signature}"


def tampered_claim(gateway: LiveGateway, client: Client) -> str:
    """A real token whose payload was re-encoded with a longer expiry, signature kept."""
    token, _, claims = real_token(gateway, client)
    head, _, signature = token.split(".")
    return f"{head}.{b64url({**claims, 'exp': claims['exp'] + 86400})}.{signature}"


def signature_stripped(gateway: LiveGateway, client: Client) -> str:
    head, payload, _ = client.token().split(".")
    return f"{head}.{payload}."


#: Bad tokens, in groups (one gateway per group keeps the suite quick).
FORGERIES: dict[str, dict[str, Callable[[LiveGateway, Client], str]]] = {
    "unsigned-or-algorithm-confusion": {
        "alg-none": alg_none,
        "alg-none-with-kid": alg_none_with_kid,
        "alg-none-with-real-signature": alg_none_with_real_signature,
        "hs256-keyed-with-the-public-pem": hs256_with_public_key,
        "signature-stripped": signature_stripped,
    },
    "wrong-or-missing-claims": {
        "expired": expired,
        "not-yet-valid": not_yet_valid,
        "issued-in-the-future": issued_in_the_future,
        "wrong-audience": wrong_audience,
        "issuer-as-audience": issuer_as_audience,
        "wrong-issuer": wrong_issuer,
        "missing-jti": _without("jti"),
        "missing-exp": _without("exp"),
        "missing-iat": _without("iat"),
        "missing-sub": _without("sub"),
        "missing-client-id": _without("client_id"),
        "missing-aud": _without("aud"),
        "missing-iss": _without("iss"),
        "unknown-client": unknown_client,
    },
    "not-an-access-token": {
        "missing-typ": _with_typ(None),
        "typ-jwt": _with_typ("JWT"),
        "typ-at+jwt-uppercase": _with_typ("AT+JWT"),
    },
    "key-not-in-the-jwks": {
        "same-kid-as-the-real-key": key_not_in_jwks,
        "own-kid": key_not_in_jwks_with_new_kid,
    },
    "tampered-or-malformed": {
        "tampered-payload-character": tampered,
        "tampered-claim-real-signature": tampered_claim,
        "header-not-an-object": _reheaded([]),
        "header-kid-not-a-string": _reheaded({"alg": "ES256", "typ": "at+jwt", "kid": ["x"]}),
        "header-alg-a-list": _reheaded({"alg": ["ES256"], "typ": "at+jwt"}),
        "payload-not-an-object": payload_not_an_object,
        "two-segments": two_segments,
    },
}


@pytest.mark.parametrize("group", FORGERIES)
def test_forged_or_invalid_tokens_are_refused(gateway: LiveGateway, group: str) -> None:
    client = gateway.new_client()
    assert call(gateway, client.token()).status_code == 200  # the client itself is fine
    failures = {
        name: problem
        for name, forge in FORGERIES[group].items()
        if (problem := not_refused(call(gateway, forge(gateway, client))))
    }
    assert failures == {}


def test_a_token_minted_by_hand_with_the_real_key_and_claims_is_accepted(
    gateway: LiveGateway,
) -> None:
    """The control for the forgeries above: the helper itself makes valid tokens, so each
    refusal is down to the one thing that forgery changed."""
    client = gateway.new_client()
    _, _, claims = real_token(gateway, client)
    now = int(time.time())
    response = call(gateway, mint(gateway, {**claims, "iat": now, "exp": now + 300}))
    assert response.status_code == 200, response.text


# --- suspension --------------------------------------------------------------------------


def test_a_suspended_partners_tokens_stop_working_and_it_gets_no_new_ones(
    gateway: LiveGateway,
) -> None:
    client = gateway.new_client()
    other = gateway.new_client("Other")
    token = client.token()
    assert call(gateway, token).status_code == 200

    services = gateway.services
    with services.db.session() as session:
        suspend_partner(session, services.audit, client.partner_id, actor="test")

    assert_refused(call(gateway, token))
    grant = {"grant_type": "client_credentials"}
    secret_in_body = {"client_id": client.client_id, "client_secret": client.secret}
    for response in (
        gateway.http.post("/oauth/token", data=grant, auth=(client.client_id, client.secret)),
        gateway.http.post("/oauth/token", data=grant | secret_in_body),
    ):
        assert response.status_code in (400, 401), response.text
        assert response.json()["error"] == "invalid_client"
        assert "access_token" not in response.json()
    # Other partners are untouched.
    assert call(gateway, other.token()).status_code == 200


# --- the token endpoint's refusals -------------------------------------------------------


def test_a_wrong_client_secret_is_invalid_client(gateway: LiveGateway) -> None:
    client = gateway.new_client()
    response = gateway.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client.client_id, client.secret + "x"),
    )
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_client"
    assert "access_token" not in response.json()
    unknown = gateway.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("tg_nobody", client.secret),
    )
    assert unknown.status_code == 401 and unknown.json()["error"] == "invalid_client"


def test_only_the_client_credentials_grant_is_supported(gateway: LiveGateway) -> None:
    client = gateway.new_client()
    response = gateway.http.post(
        "/oauth/token",
        data={"grant_type": "password", "username": client.client_id, "password": client.secret},
        auth=(client.client_id, client.secret),
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "unsupported_grant_type"
    assert "access_token" not in response.json()


def test_a_partner_may_not_ask_for_the_admin_scope(gateway: LiveGateway) -> None:
    client = gateway.new_client()
    response = gateway.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "admin"},
        auth=(client.client_id, client.secret),
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_scope"
    assert "access_token" not in response.json()
    # Asking for admin alongside a scope it may have is refused as well.
    both = gateway.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "generate admin"},
        auth=(client.client_id, client.secret),
    )
    assert both.status_code == 400 and both.json()["error"] == "invalid_scope"


def test_a_partner_token_on_an_admin_route_is_insufficient_scope(gateway: LiveGateway) -> None:
    client = gateway.new_client()
    with client.authed() as api:
        response = api.get("/v1/partners")
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "insufficient_scope"
    # ...while an admin's token gets in.
    admin = gateway.new_client("Ops", role=Role.ADMIN)
    with admin.authed() as api:
        assert api.get("/v1/partners").status_code == 200


# --- key rotation and lifetime -----------------------------------------------------------


def test_tokens_survive_a_key_rotation_and_new_ones_use_the_new_key(
    gateway: LiveGateway,
) -> None:
    client = gateway.new_client()
    before = client.token()
    old_kid = jws.extract_compact(before.encode()).protected["kid"]

    new_kid = gateway.services.token_keys.rotate()
    assert new_kid != old_kid

    assert call(gateway, before).status_code == 200
    after = client.token()
    assert jws.extract_compact(after.encode()).protected["kid"] == new_kid
    assert call(gateway, after).status_code == 200
    kids = [key["kid"] for key in gateway.http.get("/.well-known/jwks.json").json()["keys"]]
    assert kids == [new_kid, old_kid]  # newest first
    for key in gateway.http.get("/.well-known/jwks.json").json()["keys"]:
        assert "d" not in key  # public halves only


def test_access_tokens_live_at_most_fifteen_minutes(gateway: LiveGateway) -> None:
    client = gateway.new_client()
    response = gateway.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client.client_id, client.secret),
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"].lower() == "bearer"
    assert 0 < body["expires_in"] <= 900
    claims = jwt.decode(
        body["access_token"], gateway.services.token_keys.verification_set(), algorithms=["ES256"]
    ).claims
    assert 0 < claims["exp"] - claims["iat"] <= 900
    assert abs(claims["iat"] - time.time()) < 60
    issuer = gateway.services.settings.public_url.rstrip("/")
    assert claims["iss"] == issuer and claims["aud"] == issuer + "/v1"
    assert claims["client_id"] == client.client_id and claims["jti"]
    assert set(claims["scope"].split()) == {"generate", "consent"}
    assert claims["roles"] == ["partner"]


# --- secrets at rest ---------------------------------------------------------------------


def test_client_secrets_are_stored_only_as_hashes(gateway: LiveGateway) -> None:
    client = gateway.new_client()
    client.token()  # the issue is audited too: it must not leak the secret either
    services = gateway.services
    with services.db.session() as session:
        partner = session.get(Partner, client.partner_id)
        assert partner is not None
        assert partner.secret_sha256 != client.secret
        assert partner.secret_sha256 == hashlib.sha256(client.secret.encode()).hexdigest()
        row = session.execute(
            text("SELECT * FROM partner WHERE id = :id"), {"id": client.partner_id}
        ).one()
        assert all(client.secret not in str(value) for value in row)
        leaves = session.execute(text("SELECT leaf_value FROM auditentry")).scalars().all()
        assert leaves and all(client.secret.encode() not in bytes(leaf) for leaf in leaves)
    database = services.settings.home / "talkgate.db"
    if services.settings.database_url is None:
        assert client.secret.encode() not in database.read_bytes()
