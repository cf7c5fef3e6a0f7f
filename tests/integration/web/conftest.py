"""The browser suite's shared pieces: one `engageiq dev` for the session, started as users
start it but with a scripted local Messages API (tests/support/messages_server.py) as the
model, so answers can be slow (Stop), cut, or carry citation markers and hostile markup;
one chromium for the session; tenants made with the provisioning code the CLI uses; sign-in
through the page; screenshots and axe-core scans."""

from __future__ import annotations

import json
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Dialog,
    Page,
    ViewportSize,
    expect,
    sync_playwright,
)

from engageiq.cli import cli
from engageiq.local.paths import repo_root
from engageiq.local.platform import free_port
from engageiq.provisioning.targets import Target
from engageiq.provisioning.tenants import TenantProvisioner
from engageiq_tenancy.context import Role
from tests.integration.conftest import DevPlatform, start_dev, stop_dev, wait_for_outputs
from tests.integration.test_browser import CHROMIUM_ARGS
from tests.support.messages_server import MessagesServer, Reply

ARTIFACTS = repo_root() / "tests" / "artifacts" / "web"
AXE_SOURCE = repo_root() / "web" / "node_modules" / "axe-core" / "axe.min.js"
SIZES: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}
NEW_PASSWORD = "Chosen-Passw0rd-1"
MODEL_ANSWER = ("The answer ", "from the ", "local model.")


@dataclass
class WebPlatform:
    dev: DevPlatform
    model: MessagesServer

    @property
    def url(self) -> str:
        return self.dev.web_url

    @property
    def outputs(self) -> dict[str, Any]:
        return self.dev.outputs

    def target(self) -> Target:
        return Target.from_outputs("local", self.outputs)


@dataclass(frozen=True)
class TenantUser:
    tenant: str
    email: str
    password: str


@pytest.fixture(scope="session")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebPlatform]:
    # What scripts/test does first; a no-op when web/dist is up to date.
    subprocess.run([str(repo_root() / "scripts" / "build-web")], check=True, timeout=600)
    model = MessagesServer(default=Reply(tokens=MODEL_ANSWER)).start()
    state_dir = tmp_path_factory.mktemp("engageiq-web")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ANTHROPIC_API_KEY", "test-key")
        env.setenv("ANTHROPIC_BASE_URL", model.url)
        process = start_dev(state_dir, "--port", str(free_port()), "--aws-port", str(free_port()))
    try:
        yield WebPlatform(
            DevPlatform(process, state_dir, wait_for_outputs(process, state_dir)), model
        )
    finally:
        stop_dev(process)
        model.stop()


# Per module, not per session: playwright's sync API keeps its event loop in this thread while
# open, and later tests of the session (anyio, asyncio.run) need the thread's loop free.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=SIZES["desktop"])
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    page = context.new_page()

    def flag(dialog: Dialog) -> None:
        # Any dialog (an injected alert()) fails the XSS tests through this flag.
        page.evaluate("window.__dialog = 1")
        dialog.dismiss()

    page.on("dialog", flag)
    return page


def demo_user(web: WebPlatform) -> TenantUser:
    o = web.outputs
    return TenantUser(o["demoTenantId"], o["demoUsername"], o["demoPassword"])


def new_tenant(web: WebPlatform, prefix: str = "t", budget: int | None = None) -> TenantUser:
    """A fresh tenant whose admin has a temporary password (first sign-in sets a new one)."""
    slug = f"{prefix}{secrets.token_hex(3)}"
    created = TenantProvisioner(web.target()).create(
        slug, f"Tenant {slug}", f"admin@{slug}.example", "standard", budget or 2_000_000
    )
    assert created.admin_temporary_password
    return TenantUser(slug, created.admin_email, created.admin_temporary_password)


def invite(web: WebPlatform, tenant: str, role: Role = Role.MEMBER) -> TenantUser:
    """`engageiq users invite`, as an operator runs it (its JSON names the temporary password).
    The same click command in this process (click's CliRunner): a new interpreter would spend
    2-3 s importing the CLI for what is set-up here; the command as a process is run by the
    tenant lifecycle tests, and its every outcome by tests/unit/provisioning."""
    email = f"user-{secrets.token_hex(3)}@{tenant}.example"
    result = CliRunner().invoke(
        cli,
        [
            "users", "invite", tenant, email,
            "--role", role.value, "--outputs", str(web.dev.state_dir / "outputs.json"), "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    password = json.loads(result.stdout)["temporaryPassword"]
    assert password
    return TenantUser(tenant, email, password)


def sign_in(page: Page, web: WebPlatform, user: TenantUser, path: str = "/chat") -> None:
    """Signs in through the form; answers the new-password step for invited users."""
    page.goto(web.url + path)
    fill_sign_in(page, user.email, user.password)
    new_password = page.get_by_label("New password")
    message = page.get_by_role("textbox", name="Message", exact=True)
    expect(new_password.or_(page.get_by_role("navigation", name="Main"))).to_be_visible()
    if new_password.is_visible():
        new_password.fill(NEW_PASSWORD)
        page.get_by_role("button", name="Save password").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    if path.startswith("/chat"):
        expect(message).to_be_visible()


def fill_sign_in(page: Page, email: str, password: str) -> None:
    """Email first (Continue routes it to the password step), then the password; from the
    password step of an earlier attempt, back to the email step first."""
    different = page.get_by_role("button", name="Use a different email")
    if different.is_visible():
        different.click()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Continue", exact=True).click()
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


# The deepest elements whose right edge passes the viewport, to name the culprit in a failure.
_STICKING_OUT = """() => [...document.querySelectorAll('body *')]
  .filter((e) => e.getBoundingClientRect().right > innerWidth + 0.5)
  .filter((e) => ![...e.children].some((c) => c.getBoundingClientRect().right > innerWidth + 0.5))
  .slice(0, 5)
  .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`
    + ` (${Math.round(e.getBoundingClientRect().width)} px)`)"""


def at_both_sizes(page: Page, name: str) -> None:
    """Screenshots of the current screen at 1280x800 and 390x844 (the phone layout), each
    checked for horizontal overflow."""
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.wait_for_timeout(150)  # one layout pass after the resize
        screenshot(page, f"{name}-{size}")
        # Nothing may stick out sideways (a phone would scroll the whole page horizontally).
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], (
            f"{name} is {width} px wide at {size}; sticking out: {page.evaluate(_STICKING_OUT)}"
        )
    page.set_viewport_size(SIZES["desktop"])


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the current page (axe from npm)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's CSP does not govern.
        page.evaluate(AXE_SOURCE.read_text() + "\n;0")
    results: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def injected(page: Page) -> bool:
    """True when any XSS payload of the suite ran (they all set window.__xss)."""
    return bool(page.evaluate("Boolean(window.__xss || window.__dialog)"))


def api_as(page: Page, method: str, path: str, body: Any = None) -> dict[str, Any]:
    """Calls the API from the page with the signed-in user's token (as the app would)."""
    result: dict[str, Any] = page.evaluate(
        """async ([method, path, body]) => {
            const tokens = JSON.parse(sessionStorage.getItem('eiq.tokens'));
            const response = await fetch('/api' + path, {
                method,
                headers: {
                    Authorization: `Bearer ${tokens.idToken}`,
                    'Content-Type': 'application/json',
                },
                body: body === null ? undefined : JSON.stringify(body),
            });
            const text = await response.text();
            return {status: response.status, body: text ? JSON.parse(text) : null};
        }""",
        [method, path, body],
    )
    return result
