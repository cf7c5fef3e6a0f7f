"""Support for the isolation property test (tests/integration/test_isolation_by_property.py)
and its regression examples: people of fresh tenants on a running local platform, signed in
through Cognito (moto) exactly as the web app signs in, and one HTTP client for the edge.

Tenants and users are created with the operators' own provisioning code (`TenantProvisioner`,
`UserDirectory`), so the tokens are real Cognito ID tokens the services verify against the
user pool's JWKS; nothing here mints a token."""

from __future__ import annotations

import math
import secrets
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from botocore.exceptions import ClientError

from engageiq.local.aws import LocalResources, aws_client
from engageiq.local.seed import generate_password, local_target, sign_in
from engageiq.provisioning.tenants import TenantProvisioner
from engageiq_tenancy.context import Role


@dataclass
class Person:
    """One account as the test knows it. `key` names the account in reports ("t1.member")."""

    key: str
    email: str
    tenant: str
    user_id: str
    """The Cognito `sub`: conversations are keyed by it, so a re-invited address is a new
    user who owns none of the old account's conversations."""
    password: str
    token: str
    admin_now: bool
    """Holds `tenant_admin` in the user pool right now."""
    token_admin: bool
    """The token still grants `tenant_admin`: it was issued with it, and no demotion since
    restricted it (a promotion needs a new sign-in)."""
    removed: bool = False
    changed_at: float = 0.0
    """When the user's access was last restricted (epoch seconds); 0 if never."""
    old_tokens: list[str] = field(default_factory=list)
    """Tokens of earlier accounts with this address (removed, then invited again)."""

    @property
    def acts_as_admin(self) -> bool:
        return self.token_admin and self.admin_now and not self.removed

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Accounts:
    """Creates tenants and users on the local platform and signs them in. Keeps one set of
    boto3 clients: making clients is what makes provisioning slow (about 1 s each time)."""

    def __init__(self, resources: LocalResources) -> None:
        self.resources = resources
        target = local_target(resources)
        self.provisioner = TenantProvisioner(target)
        self.directory = self.provisioner.users
        self.cognito = aws_client("cognito-idp", resources.endpoint_url)

    def new_tenant(self, slug: str) -> Person:
        """A tenant and its first admin, signed in."""
        email = f"admin@{slug}.example"
        self.provisioner.create(slug, slug.title(), email)
        return self.person(f"{slug}.admin", slug, email, admin=True)

    def new_user(self, slug: str, name: str, role: Role) -> Person:
        email = f"{name}@{slug}.example"
        self.directory.invite(slug, email, role)
        return self.person(f"{slug}.{name}", slug, email, admin=role is Role.TENANT_ADMIN)

    def person(self, key: str, slug: str, email: str, *, admin: bool) -> Person:
        password = generate_password()
        self.cognito.admin_set_user_password(
            UserPoolId=self.resources.user_pool_id,
            Username=email,
            Password=password,
            Permanent=True,
        )
        token = self.sign_in(email, password)
        return Person(key, email, slug, token_subject(token), password, token, admin, admin)

    def first_sign_in(self, email: str, temporary_password: str) -> tuple[str, str]:
        """Sign in an invited user (answering Cognito's new-password challenge): the token and
        the password chosen."""
        password = generate_password()
        try:
            token = sign_in(
                self.resources.endpoint_url,
                self.resources.user_pool_client_id,
                email,
                temporary_password,
                new_password=password,
            )
        except ClientError as exc:
            # Seen once in a heavy run under load: the answer to the challenge was retried by
            # botocore after its first attempt had already used the session (and set the
            # password). If the password was set, signing in with it works; else this raises.
            if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
            token = self.sign_in(email, password)
        return token, password

    def sign_in(self, email: str, password: str) -> str:
        return sign_in(
            self.resources.endpoint_url, self.resources.user_pool_client_id, email, password
        )

    def roles(self, slug: str, user_id: str) -> tuple[str, ...] | None:
        """The user's roles in `slug` as the user pool holds them, or None if the user is not
        one of its users (the operators' view, used to check that refused changes changed
        nothing)."""
        found = {u.user_id: u for u in self.directory.tenant_members(slug)}
        return found[user_id].roles if user_id in found else None


def token_subject(token: str) -> str:
    """The `sub` of a token Cognito just issued to us (the services verify it; we only read)."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return str(claims["sub"])


class FreshTenants:
    """New tenants, each with a signed-in admin and member, made one batch ahead in a
    background thread: provisioning a batch takes seconds, and the platform can do it while
    the previous example runs."""

    def __init__(self, accounts: Accounts, count: int) -> None:
        self._accounts = accounts
        self._count = count
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fresh-tenants")
        self._next: Future[list[tuple[Person, Person]]] = self._pool.submit(self._make)

    def _make(self) -> list[tuple[Person, Person]]:
        made = []
        for n in range(self._count):
            slug = new_slug(f"iso{n}")
            admin = self._accounts.new_tenant(slug)
            member = self._accounts.new_user(slug, "member", Role.MEMBER)
            made.append((admin, member))
        return made

    def take(self) -> list[tuple[Person, Person]]:
        """A batch of `count` (admin, member) pairs, each of its own new tenant."""
        batch = self._next.result()
        self._next = self._pool.submit(self._make)
        return batch

    def __enter__(self) -> FreshTenants:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def wait_for_new_token_second(changed_at: float) -> None:
    """Sleep until a token issued now is newer than an access change made at `changed_at`.

    `iat` has whole-second precision, so a change voids tokens issued in its own second too
    (`engageiq_tenancy.user_access.revoked_before`); a sign-in must happen after it."""
    if changed_at:
        ready = math.floor(changed_at) + 1.05
        while (now := time.time()) < ready:
            time.sleep(ready - now)


def new_slug(prefix: str) -> str:
    """A fresh, valid tenant id (`engageiq_tenancy.tenant_ids`)."""
    return f"{prefix}-{secrets.token_hex(3)}"


class Edge:
    """The API as the web app calls it: one HTTP client for the local edge."""

    def __init__(self, web_url: str) -> None:
        self.http = httpx.Client(base_url=web_url, timeout=30)

    def call(
        self,
        person: Person,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
    ) -> httpx.Response:
        return self.http.request(
            method, path, json=json, params=params, files=files, headers=person.headers
        )

    def pages(self, person: Person, path: str, key: str, limit: int) -> list[dict[str, Any]]:
        """Every item of a paged listing, following `nextCursor` (small pages on purpose: the
        cursors are part of what must stay inside the caller's data)."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": limit}
            if cursor:
                params["cursor"] = cursor
            response = self.call(person, "GET", path, params=params)
            assert response.status_code == 200, (path, response.status_code, response.text)
            body = response.json()
            items += body[key]
            cursor = body.get("nextCursor")
            if not cursor:
                return items

    def close(self) -> None:
        self.http.close()


def refusal(response: httpx.Response) -> tuple[int, str, str]:
    """What a refusal tells its caller: status, `code` and `message` (the `requestId` differs
    on every response and tells nothing)."""
    body = response.json()
    return response.status_code, body.get("code", ""), body.get("message", "")
