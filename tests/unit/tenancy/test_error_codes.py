"""The one table of API errors (engageiq_tenancy.error_codes, decision 0095): codes are
consistent, nothing raises a code outside it, and both services' OpenAPI documents name only
its codes, each under the table's status."""

from __future__ import annotations

import ast
import inspect
import re
import string
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from engageiq_tenancy.error_codes import ErrorCode, Errors, describe_status
from engageiq_tenancy.errors import ApiError
from engageiq_tenancy.tenants import clean_name

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [ROOT / "services", ROOT / "shared", ROOT / "libs"]
TABLE: dict[str, ErrorCode] = dict(Errors.all())
CODES = {error.code for error in TABLE.values()}

# Raisers that take a table entry; a string first argument is a code outside the table.
TABLE_RAISERS = {"ApiError", "TokenError", "TokenRefused"}
# Operation errors the tenant admin API relays with the operation's sentence (ApiError.relaying).
RELAYED = {"InvalidInput", "Conflict", "InvalidBranding", "relaying"}


def _calls() -> list[tuple[Path, ast.Call, str]]:
    found = []
    for base in SOURCES:
        for path in base.rglob("*.py") if base.exists() else []:
            if ".venv" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Call):
                    func = node.func
                    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                    found.append((path, node, name))
    return found


def _first_string(call: ast.Call) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def test_a_code_has_one_status_and_each_entry_its_own_sentence() -> None:
    statuses: dict[str, set[int]] = defaultdict(set)
    sentences: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name, error in TABLE.items():
        statuses[error.code].add(error.status)
        sentences[(error.code, error.message)].append(name)
    assert {code: s for code, s in statuses.items() if len(s) > 1} == {}
    assert {key: names for key, names in sentences.items() if len(names) > 1} == {}


def test_codes_are_stable_identifiers_and_sentences_end_like_sentences() -> None:
    for name, error in TABLE.items():
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", error.code), name
        assert 400 <= error.status <= 599, name
        assert error.message == "{reason}" or error.message.endswith("."), name
        assert not error.doc.endswith("."), f"{name}: the description adds the full stop"


def test_a_sentence_takes_exactly_its_placeholders() -> None:
    assert ApiError(Errors.FILE_TOO_LARGE, limit=5).message == (
        "The file is larger than the 5-byte limit."
    )
    for name, error in TABLE.items():
        fields = {f for _, f, _, _ in string.Formatter().parse(error.message) if f}
        assert error.sentence(**dict.fromkeys(fields, "x")), name
        if fields:
            with pytest.raises(KeyError):
                error.sentence()


def test_nothing_raises_a_code_outside_the_table() -> None:
    free_text = [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path, call, name in _calls()
        if name in TABLE_RAISERS and _first_string(call) is not None
    ]
    assert free_text == [], "raise a table entry: ApiError(Errors.X)"
    relayed = []
    for path, call, name in _calls():
        code = _first_string(call)
        if code is not None and (
            name == "relaying" or (name in RELAYED and "engageiq_tenancy" in path.parts)
        ):
            relayed.append((f"{path.relative_to(ROOT)}:{call.lineno}", code))
    assert relayed, "the scan found the operation errors"
    assert [(where, code) for where, code in relayed if code not in CODES] == []
    assert inspect.signature(clean_name).parameters["code"].default in CODES


def test_relaying_a_code_outside_the_table_fails() -> None:
    with pytest.raises(KeyError):
        ApiError.relaying("no_such_code", "Never sent.")
    relayed = ApiError.relaying("last_admin", "Keep an admin.")
    assert (relayed.status_code, relayed.code, relayed.message) == (
        409,
        "last_admin",
        "Keep an admin.",
    )


def test_a_status_is_described_as_its_codes() -> None:
    assert describe_status(
        [Errors.INVALID_CURSOR.documented(), Errors.INVALID_REQUEST.documented()]
    ) == ("`invalid_cursor`, `invalid_request`.")
    assert describe_status([Errors.FILE_NOT_FOUND.documented(note="`replaces`")]) == (
        "`file_not_found` (`replaces`): no such file in your organisation."
    )
    assert (
        describe_status(
            [Errors.FORBIDDEN.documented(doc="no role"), Errors.TENANT_SUSPENDED.documented()]
        )
        == "`forbidden`: no role; `tenant_suspended`."
    )


# A code in a description: backticked at its start or after a separator (backticked words in
# notes and explanations, such as `replaces` or `up`, follow other text).
_DOCUMENTED_CODE = re.compile(r"(?:^|, |; )`([a-z_]+)`")


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    monkeypatch = pytest.MonkeyPatch()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    from engageiq_chat.app import create_app as chat_app
    from engageiq_chat.settings import ChatSettings
    from engageiq_files.app import create_app as files_app
    from engageiq_files.config import FilesSettings
    from engageiq_tenancy.tenant_gate import GateRecord, TenantGate
    from engageiq_tenancy.tokens import CognitoTokenVerifier, JwksCache
    from tests.unit.tenancy.test_middleware import LOCAL_AUTH, SETTINGS

    verifier = CognitoTokenVerifier(LOCAL_AUTH, JwksCache("x", fetcher=lambda url: {"keys": []}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        apps = {
            "chat": chat_app(SETTINGS, chat_settings=ChatSettings(), verifier=verifier),
            "files": files_app(
                SETTINGS,
                files_settings=FilesSettings(),
                verifier=verifier,
                tenant_gate=TenantGate(lambda tenant: GateRecord("active")),
            ),
        }
        built = {name: app.openapi_schema.to_schema() for name, app in apps.items()}
    monkeypatch.undo()
    return built


@pytest.mark.parametrize("service", ["chat", "files"])
def test_every_documented_error_is_a_table_code_under_its_status(
    documents: dict[str, dict[str, Any]], service: str
) -> None:
    status_of = {error.code: error.status for error in TABLE.values()}
    checked = 0
    for path, item in documents[service]["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if int(status) < 400:
                    continue
                codes = _DOCUMENTED_CODE.findall(response["description"])
                where = f"{method.upper()} {path} {status}"
                assert codes, f"{where} names no code"
                for code in codes:
                    assert code in status_of, f"{where}: `{code}` is not in the table"
                    assert status_of[code] == int(status), (
                        f"{where}: `{code}` is a {status_of[code]}"
                    )
                    checked += 1
    assert checked > 50


@pytest.mark.parametrize("service", ["chat", "files"])
def test_a_route_documenting_a_shared_status_keeps_its_shared_codes(
    documents: dict[str, dict[str, Any]], service: str
) -> None:
    # The middleware answers these on every signed-in route, whatever the route documents for
    # the same status itself (its own 403 `forbidden`, its own 400 `invalid_cursor`...).
    shared = {"400": "duplicate_authorization", "403": "tenant_unavailable"}
    checked = 0
    for path, item in documents[service]["paths"].items():
        for method, operation in item.items():
            if not operation.get("security"):
                continue  # public routes: no token, no tenant gate
            for status, code in shared.items():
                response = operation["responses"].get(status)
                assert response is not None, f"{method.upper()} {path} documents no {status}"
                assert f"`{code}`" in response["description"], (
                    f"{method.upper()} {path} {status} lost the shared `{code}`"
                )
                checked += 1
    assert checked >= 16  # the files service has 8 signed-in operations, chat more
