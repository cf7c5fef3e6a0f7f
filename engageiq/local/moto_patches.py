"""Changes to moto's behaviour that the local platform needs, applied only in the process
that runs the local AWS endpoint (never in the services, never in the cloud).

One patch today: moto's DynamoDB `TransactWriteItems` deep-copies every table a transaction
touches before it runs, to roll back on failure. A chat turn writes in a transaction, so each
turn cost time proportional to the whole history (about 1.2 s at 20,000 items, see
/work/shared/guide/platform-facts.md). The replacement below keeps moto's semantics (all or
nothing, the same errors in the same order) but saves only the items the transaction touches,
and puts exactly those back on failure. See docs/decisions/0062-local-transactions.md.

With it, `ClientRequestToken` is honoured as DynamoDB documents (moto ignores it): a
transaction repeated with the token of one that succeeded in the last 10 minutes succeeds
again without running twice. botocore retries a transaction whose answer was lost; without
this the retry failed its own condition locally (decision 0092).

And every DynamoDB request runs alone (`isolate_dynamodb_requests`): DynamoDB isolates each
request (serializable between a transaction and any single-item read or write), while moto's
threaded server ran them side by side. A transaction that lost its condition check rolled
back items that a rival had just written, which left the audit chain with an entry past its
head: every later append failed, and uploads answered 503 (decision 0127).

And work moto redid on every request or new resource with a result that never changes is done
once (`spare_repeated_work`, decision 0134): each test's fresh resources cost 0.12 s, not
0.38 s, and a 1,000-file catalog read 0.5 s, not 2.8 s."""

from __future__ import annotations

import base64
import copy
import json
import logging
import threading
import time
from typing import Any, Final

log = logging.getLogger(__name__)

# The moto releases whose TransactWriteItems this replacement was written against (read in
# moto/dynamodb/models/__init__.py). Another release keeps moto's own (slow but correct) code.
PATCHED_MOTO_SERIES: Final = ("5.2.",)
_APPLIED_FLAG: Final = "_engageiq_item_rollback"


def patch_transact_write_items() -> bool:
    """Install the per-item rollback; idempotent. Returns False (and keeps moto's code) on a
    moto release it was not written for."""
    import moto
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend.transact_write_items, _APPLIED_FLAG, False):
        return True
    if not moto.__version__.startswith(PATCHED_MOTO_SERIES):
        log.warning(
            "moto %s is not a release the local transaction patch was written for; "
            "keeping moto's own TransactWriteItems (slower as tables grow).",
            moto.__version__,
        )
        return False
    setattr(_transact_write_items, _APPLIED_FLAG, True)
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    _patch_request_tokens()
    return True


_ISOLATED_FLAG: Final = "_engageiq_isolated"
_dynamodb_lock = threading.RLock()


def isolate_dynamodb_requests() -> None:
    """Run moto's DynamoDB requests one at a time; idempotent. moto keeps its tables in
    Python objects under the GIL, so this costs no parallelism that moto had; only the
    interleaving of one request's steps with another's goes."""
    from moto.dynamodb.responses import DynamoHandler

    if getattr(DynamoHandler.call_action, _ISOLATED_FLAG, False):
        return
    original = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with _dynamodb_lock:
            return original(self)

    setattr(call_action, _ISOLATED_FLAG, True)
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]


TOKEN_LIFETIME_SECONDS: Final = 600.0
"""How long DynamoDB remembers a transaction's ClientRequestToken (its API reference)."""


class _RequestTokens:
    """Tokens of transactions that succeeded, with the request they came with."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[float, str]] = {}

    def already_done(self, token: str, request: str) -> bool:
        now = time.monotonic()
        with self._lock:
            self._seen = {k: v for k, v in self._seen.items() if v[0] > now}
            seen = self._seen.get(token)
            return seen is not None and seen[1] == request

    def done(self, token: str, request: str) -> None:
        with self._lock:
            self._seen[token] = (time.monotonic() + TOKEN_LIFETIME_SECONDS, request)


def _patch_request_tokens() -> None:
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.transact_write_items
    tokens = _RequestTokens()

    def transact_write_items(self: Any) -> Any:
        token = self.body.get("ClientRequestToken")
        request = json.dumps(self.body.get("TransactItems"), sort_keys=True)
        if token and tokens.already_done(token, request):
            # The same answer as the first time; nothing runs again.
            return original.__globals__["ActionResult"](
                {"ConsumedCapacity": [], "ItemCollectionMetrics": {}}
            )
        result = original(self)
        if token:
            tokens.done(token, request)
        return result

    DynamoHandler.transact_write_items = transact_write_items  # type: ignore[method-assign]


class _ItemJournal:
    """The state, before the transaction, of each item it touches: enough to undo it."""

    def __init__(self) -> None:
        self._saved: list[tuple[Any, Any, Any, bool, Any]] = []

    def save(self, table: Any, hash_key: Any, range_key: Any) -> None:
        # moto stores items as table.items[hash] (no sort key) or table.items[hash][range].
        had_hash = hash_key in table.items
        current = table.get_item(hash_key, range_key)
        self._saved.append((table, hash_key, range_key, had_hash, copy.deepcopy(current)))

    def restore(self) -> None:
        # Newest first, so the oldest saved state of an item is the one that remains.
        for table, hash_key, range_key, had_hash, item in reversed(self._saved):
            if table.range_key_attr is None:
                if item is None:
                    table.items.pop(hash_key, None)
                else:
                    table.items[hash_key] = item
                continue
            bucket = table.items[hash_key]
            if item is None:
                bucket.pop(range_key, None)
            else:
                bucket[range_key] = item
            if not bucket and not had_hash:
                del table.items[hash_key]


def _check_unicity(
    target_items: set[tuple[str, str]], table_name: str, key: dict[str, Any]
) -> None:
    """moto's check that a transaction touches each item once; `target_items` collects them."""
    from moto.dynamodb.exceptions import MultipleTransactionsException

    item = (str(table_name), str(dict(sorted(key.items()))))
    if item in target_items:
        raise MultipleTransactionsException()
    target_items.add(item)


def _operation(item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A transaction item's one operation: (its type, its parameters)."""
    op_type, op = next(iter(item.items()))
    if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
        raise ValueError("Unsupported transaction operation")
    return op_type, op


def _operation_key(table: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    """The key of the item a transaction operation touches: a Put's is within its item."""
    if op_type == "Put":
        attrs = op["Item"]
        key = {table.hash_key_attr: attrs[table.hash_key_attr]}
        if table.range_key_attr is not None:
            key[table.range_key_attr] = attrs[table.range_key_attr]
    else:
        key = op["Key"]
    return key


def _write(
    self: Any,
    op_type: str,
    op: dict[str, Any],
    key: dict[str, Any],
    *,
    condition_expression: str | None,
    names: dict[str, str] | None,
    values: dict[str, Any] | None,
) -> None:
    """A transaction's Put, Delete or Update on the backend `self`, as moto applies it (a
    ConditionCheck writes nothing)."""
    table_name = op["TableName"]
    if op_type == "Put":
        self.put_item(
            table_name,
            op["Item"],
            condition_expression=condition_expression,
            expression_attribute_names=names,
            expression_attribute_values=values,
        )
    elif op_type == "Delete":
        self.delete_item(
            table_name,
            key,
            condition_expression=condition_expression,
            expression_attribute_names=names,
            expression_attribute_values=values,
        )
    elif op_type == "Update":
        self.update_item(
            table_name,
            key,
            update_expression=op["UpdateExpression"],
            condition_expression=condition_expression,
            expression_attribute_names=names,
            expression_attribute_values=values,
        )


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    """moto 5.2's DynamoDBBackend.transact_write_items with a per-item journal instead of a
    deep copy of every touched table. The control flow follows moto's line by line; its
    steps (`_operation`, `_operation_key`, `_check_unicity`, `_write`) are moto's code too."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    journal = _ItemJournal()
    target_items: set[tuple[str, str]] = set()
    errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
    for item in transact_items:
        original_item: dict[str, Any] | None = None
        if len(list(item.keys())) > 1:
            raise TransactWriteSingleOpException
        try:
            op_type, op = _operation(item)
            table_name = op["TableName"]
            condition_expression = op.get("ConditionExpression")
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            on_failure = op.get("ReturnValuesOnConditionCheckFailure")

            table = self.get_table(table_name)
            key = _operation_key(table, op_type, op)
            _check_unicity(target_items, table_name, key)

            current = self.get_item(table_name, key)
            if condition_expression is not None:
                condition_op = get_filter_expression(condition_expression, names, values)
                if not condition_op.expr(current):
                    if on_failure == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)

            if op_type != "ConditionCheck":
                hash_key, range_key = self.get_keys_value(table, key)
                journal.save(table, hash_key, range_key)
            _write(
                self,
                op_type,
                op,
                key,
                condition_expression=condition_expression,
                names=names,
                values=values,
            )
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            journal.restore()
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), original_item))
        except Exception as e:  # moto records every other failure the same way
            errors.append((type(e).__name__, str(e), original_item))

    if any(code is not None for code, _, _ in errors):
        journal.restore()
        raise TransactionCanceledException(errors)


_SPARED_FLAG: Final = "_engageiq_spared"


def spare_repeated_work() -> bool:
    """Stop moto redoing, on every request or every new resource, work whose result never
    changes; idempotent. Returns False (and changes nothing) on a moto release it was not
    written for. Found by profiling the tests' per-test provisioning (0.3-0.6 s a test, most
    of it here; `bench/local_aws.py` measures it):

    - Each request's routing listed moto's package folder (`list_of_moto_modules`: a listdir
      and ~60 `isdir` calls, twice a request). The folder does not change while it runs: it
      is listed once.
    - Each Cognito user pool imported moto's one fixed signing key from its JWK file (RSA
      prime recovery, ~0.15 s of CPU). The key is the same for every pool (moto signs every
      pool's tokens with it and publishes it as every pool's JWKS); it is imported once.
    - The first encrypted DynamoDB table after a reset made an AWS-managed KMS key, which
      generated a 2,048-bit RSA key pair (~0.05 s) that a symmetric key never uses (its
      `key_material` is what encrypts). Symmetric keys share one such unused pair; keys of an
      asymmetric spec still get their own.
    - Each projected item was rebuilt through plain Python values
      (`_project_top_level_names_directly`), and each item of an answer written member by
      member of botocore's model (`_serialize_items_directly`): a projected Query of a
      1,000-file catalog took 2.8 s.
    - Each request listed its handler class's methods again (`_list_handler_methods_once`).

    Shared state here is only ever filled with the same value, so two threads racing to fill
    it first cost one repeat of the work, never a wrong answer."""
    import moto
    from moto import backends
    from moto.cognitoidp import models as cognito_models
    from moto.kms import models as kms_models

    if getattr(backends.list_of_moto_modules, _SPARED_FLAG, False):
        return True
    if not moto.__version__.startswith(PATCHED_MOTO_SERIES):
        return False

    modules = tuple(backends.list_of_moto_modules())

    def list_of_moto_modules() -> tuple[str, ...]:
        return modules

    setattr(list_of_moto_modules, _SPARED_FLAG, True)
    backends.list_of_moto_modules = list_of_moto_modules
    cognito_models.jwk = _OnceImportedKeys(cognito_models.jwk)  # type: ignore[attr-defined,assignment]

    generate = kms_models.generate_private_key  # type: ignore[attr-defined]
    unused: list[Any] = []

    def generate_private_key(key_spec: str) -> Any:
        if key_spec != "SYMMETRIC_DEFAULT":
            return generate(key_spec)
        if not unused:
            unused.append(generate(key_spec))
        return unused[0]

    kms_models.generate_private_key = generate_private_key  # type: ignore[attr-defined]
    _project_top_level_names_directly()
    _serialize_items_directly()
    _list_handler_methods_once()
    return True


def _list_handler_methods_once() -> None:
    """moto finds a request's action among its handler class's methods by listing them with
    `inspect.getmembers` on every request (~0.3 ms, 4% of moto's time in the chat tests). A
    class's methods are listed once (the patches here replace methods, never add names)."""
    from moto.core import responses

    listed: dict[object, list[str]] = {}
    original = responses.method_names_from_class  # type: ignore[attr-defined]

    def method_names_from_class(clazz: object) -> list[str]:
        if clazz not in listed:
            listed[clazz] = original(clazz)
        return listed[clazz]

    method_names_from_class.__wrapped__ = original  # type: ignore[attr-defined]  # for the tests
    responses.method_names_from_class = method_names_from_class  # type: ignore[attr-defined]


def _serialize_items_directly() -> None:
    """moto writes each DynamoDB item of an answer by walking botocore's model of it, member by
    member of every attribute value (ten possible types each, with alias lookups): ~2 ms an
    item, 2 s for a Query of a 1,000-file catalog. An item (`AttributeMap`) is written here
    straight from its typed values into the same JSON: binary values base64-encoded, as the
    model writes a blob, everything else as stored."""
    from moto.core.serialize import BaseJSONSerializer

    original = BaseJSONSerializer._serialize_type_map

    def serialize_type_map(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if shape.name != "AttributeMap" or not isinstance(value, dict):
            original(self, serialized, value, shape, key)
            return
        self._default_serialize(
            serialized, {name: _attribute_json(typed) for name, typed in value.items()}, shape, key
        )

    serialize_type_map.__wrapped__ = original  # type: ignore[attr-defined]  # for the tests
    BaseJSONSerializer._serialize_type_map = serialize_type_map  # type: ignore[method-assign]


def _attribute_json(typed: dict[str, Any]) -> dict[str, Any]:
    """One attribute value as DynamoDB's JSON writes it: `{"S": "..."}`, `{"B": base64}`,
    `{"M": {...}}`, ... (the typed value as moto's `dynamo_to_dict` gives it: bytes raw)."""
    (kind, value), *_ = typed.items()
    if kind == "B":
        return {kind: base64.b64encode(value).decode("ascii")}
    if kind == "BS":
        return {kind: [base64.b64encode(v).decode("ascii") for v in value]}
    if kind == "M":
        return {kind: {name: _attribute_json(v) for name, v in value.items()}}
    if kind == "L":
        return {kind: [_attribute_json(v) for v in value]}
    return {kind: value}


def _project_top_level_names_directly() -> None:
    """moto projects an item (`ProjectionExpression`) by turning the whole item into plain
    Python values and back, and builds the result through a dict that re-sums the item's size
    on every attribute: ~1.6 ms an item, 1.6 s for a Query of a 1,000-file catalog (the files
    page's whole-catalog read, decision 0116). A projection of top-level names (all this
    project's) copies those attributes as they are, the way moto's own `Item.__deepcopy__`
    copies an item; a nested path or a list element keeps moto's code."""
    from moto.dynamodb.models.dynamo_type import Item, LimitedSizeDict

    original = Item.project

    def project(self: Any, projection_expressions: list[list[str]]) -> Any:
        if not all(len(path) == 1 and "[" not in path[0] for path in projection_expressions):
            return original(self, projection_expressions)
        projected: Any = Item.__new__(Item)
        projected.hash_key = self.hash_key
        projected.range_key = self.range_key
        # Not through LimitedSizeDict.__setitem__: a part of a stored item is within the size
        # limit the whole passed (what moto's __deepcopy__ relies on too).
        attrs = LimitedSizeDict.__new__(LimitedSizeDict)
        dict.__init__(attrs)
        for (name,) in projection_expressions:
            if name in self.attrs:
                dict.__setitem__(attrs, name, copy.deepcopy(self.attrs[name]))
        projected.attrs = attrs
        return projected

    project.__wrapped__ = original  # type: ignore[attr-defined]  # moto's own, for the tests
    Item.project = project  # type: ignore[method-assign]


class _OnceImportedKeys:
    """joserfc's `jwk` module as moto's Cognito uses it (`jwk.RSAKey.import_key(data)`), with
    each distinct key imported once: a key object is immutable, so pools may share it."""

    def __init__(self, jwk: Any) -> None:
        self._jwk = jwk
        self.RSAKey = self  # moto reaches the importer as `jwk.RSAKey.import_key`
        self._imported: dict[str, Any] = {}

    def import_key(self, data: Any) -> Any:
        key = json.dumps(data, sort_keys=True)
        if key not in self._imported:
            self._imported[key] = self._jwk.RSAKey.import_key(data)
        return self._imported[key]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._jwk, name)
