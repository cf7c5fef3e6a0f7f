"""Benchmark: searching one rep's conversations (GET /api/conversations?q=) against listing
the same page without a query, in the same run, through the chat service as a uvicorn process
against moto in its own process (decision 0112).

    .venv/bin/python bench/conversation_search.py [--conversations 2000] [--messages 10]
                                                  [--requests 300]

The rep's conversations are written straight into the table as the chat service stores them
(generated sales talk: mostly English, some German, French and Japanese; answers of 400-1,200
characters). Printed, all in ms:
- the first search ever (builds the rep's index from every message: once per rep);
- list and search, interleaved, p50/p99 (the index warm in the instance: a search reads the
  index's head, lists conversations changed since, checks the page's conversations are live);
- a search right after a chat turn (catches up one conversation);
- the first search of a restarted instance (loads the stored index, no message read);
- in this process, without storage: building the same rep's index from their messages (the
  CPU part of a first search) and one search's in-memory work (ranking + 20 snippets).
moto answers a by_updated query in time proportional to the whole table (the listing and the
search's catch-up both pay it), so the in-memory figures say what the search itself adds; it
makes 3 requests where the listing makes 1 (head GetItem, catch-up Query, page BatchGetItem)."""

from __future__ import annotations

import argparse
import base64
import json
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.chat_fixture import BenchPlatform, local_platform, percentile
from engageiq.local.aws import aws_client
from engageiq_chat.conversation_search.index import (
    ConversationIndex,
    IndexedConversation,
    IndexedMessage,
    indexed_conversation,
    search_terms,
    snippet,
)
from engageiq_chat.conversation_search.segments import encode_segment
from engageiq_chat.ids import new_id
from engageiq_chat.messages.model import MessageStatus, Role, StoredMessage
from engageiq_search.tokens import Tokenizer
from engageiq_tenancy.items import to_item
from tests.support.chat_process import chat_environment, chat_process

ACCOUNTS = [
    *("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Enterprises"),
    *("Wonka", "Tyrell", "Cyberdyne", "Soylent", "Vandelay", "Dunder Mifflin", "Pied Piper"),
    *("Massive Dynamic", "Oscorp", "Aperture", "Gringotts", "Nakatomi", "Monarch"),
]
TOPICS_EN = [
    ("data residency", "Customer data stays in the EU region (Frankfurt) and is never moved."),
    ("pricing", "The Pro plan costs 30 EUR per seat per month; volume tiers start at 200 seats."),
    ("discount approval", "Discounts above 20% need the regional VP's approval in the CRM."),
    ("SSO", "Single sign-on works with Okta, Entra ID and any SAML 2.0 identity provider."),
    ("security review", "We share the SOC 2 Type II report under NDA and answer questionnaires."),
    ("renewal", "Renewals are annual; a price increase is capped at 5% per year."),
    ("onboarding", "Onboarding takes two weeks with a named customer success manager."),
    ("competitor objection", "Unlike the competitor, our answers cite the exact source page."),
    ("integration", "The Salesforce and HubSpot integrations sync notes every five minutes."),
    ("uptime SLA", "The SLA guarantees 99.9% monthly uptime with service credits."),
]
TOPICS_DE = [
    ("Datenschutz", "Die Daten bleiben in Rechenzenzentren in Frankfurt; DSGVO-konform."),
    ("Preisgestaltung", "Der Pro-Tarif kostet 30 EUR pro Nutzer und Monat, Staffelpreise ab 200."),
    ("Verlängerung", "Die Verlängerung erfolgt jährlich; Preiserhöhungen höchstens 5 %."),
]
TOPICS_FR = [
    ("réunion de lancement", "La réunion de lancement a lieu à Genève avec l'équipe du client."),
    ("tarification", "Le forfait Pro coûte 30 EUR par utilisateur et par mois."),
    ("sécurité", "Nous partageons le rapport SOC 2 sous accord de confidentialité."),
]
TOPICS_JA = [
    ("データ保護", "お客様のデータはフランクフルトのリージョンに保存され、移動されません。"),
    ("価格", "プロプランは1ユーザーあたり月額30ユーロです。"),
    ("導入支援", "導入には専任のカスタマーサクセス担当者が2週間伴走します。"),
]
FILLER = (
    "Let me summarise what the sources say and what I would tell the customer. ",
    "Based on the current price list and the security FAQ, here is a draft you can send. ",
    "If they push back, point them to the case study of a similar company in their industry. ",
    "Keep the follow-up short and propose two times for a call next week. ",
)
QUERIES = [
    "data residency",
    "acme pricing",
    "discount approval",
    "Datenschutz",
    "réunion",
    "データ保護",
    "hooli renewal",
    "sso okta",
    "competitor",
    "uptime",
]


def conversation_text(rng: random.Random, messages: int) -> tuple[str, list[tuple[Role, str]]]:
    account = rng.choice(ACCOUNTS)
    language = rng.choices(["en", "de", "fr", "ja"], weights=[70, 10, 10, 10])[0]
    topics = {"en": TOPICS_EN, "de": TOPICS_DE, "fr": TOPICS_FR, "ja": TOPICS_JA}[language]
    turns: list[tuple[Role, str]] = []
    for n in range(messages):
        topic, fact = rng.choice(topics)
        if n % 2 == 0:
            turns.append((Role.USER, f"{account}: what do we answer about {topic}?"))
        else:
            body = "".join(rng.choice(FILLER) for _ in range(rng.randint(4, 12)))
            turns.append((Role.ASSISTANT, f"{fact} {body}For {account}: {fact}"))
    return f"{account}: {turns[0][1].split(': ', 1)[1]}"[:80], turns


def stored_items(
    pk: str, rng: random.Random, count: int, messages: int
) -> Iterator[dict[str, Any]]:
    """The items the chat service writes for `count` conversations (layout of
    conversations.keys), their activity spread over two years."""
    start = datetime.now(UTC) - timedelta(days=730)
    for n in range(count):
        cid = new_id()
        when = start + timedelta(minutes=n * 500 + rng.randint(0, 400))
        updated = when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        title, turns = conversation_text(rng, messages)
        yield to_item(
            {
                "pk": pk,
                "sk": f"CONV#{cid}",
                "id": cid,
                "title": title,
                "createdAt": updated,
                "updatedAt": updated,
                "status": "active",
                "messageCount": messages,
                "lastRoute": "general",
                "gsi1pk": pk,
                "gsi1sk": f"{updated}#{cid}",
            }
        )
        for role, text in turns:
            message = StoredMessage(
                id=new_id(),
                conversation_id=cid,
                role=role,
                content=text,
                created_at=updated,
                status=MessageStatus.COMPLETE,
                route="general",
            )
            yield to_item(
                {"pk": pk, "sk": f"MSG#{cid}#{message.id}", **msgspec.to_builtins(message)}
            )


def seed(platform: BenchPlatform, pk: str, conversations: int, messages: int) -> None:
    table = platform.resources.tables["conversations"]
    rng = random.Random(7)  # noqa: S311 - generated text, not secrets
    items = list(stored_items(pk, rng, conversations, messages))
    batches = [items[i : i + 25] for i in range(0, len(items), 25)]

    def write(batch: list[dict[str, Any]]) -> None:
        client = aws_client("dynamodb", platform.resources.endpoint_url)
        requests = [{"PutRequest": {"Item": item}} for item in batch]
        while requests:
            answer = client.batch_write_item(RequestItems={table: requests})
            requests = answer.get("UnprocessedItems", {}).get(table, [])

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, batches))
    print(f"seeded {conversations} conversations, {len(items) - conversations} messages")


def in_memory(conversations: int, messages: int, requests: int) -> list[str]:
    """The index's own work on the same corpus: the build's CPU, then searches."""
    tokenizer = Tokenizer()
    rng = random.Random(7)  # noqa: S311 - generated text, not secrets
    started = time.perf_counter()
    built: dict[str, IndexedConversation] = {}
    for n in range(conversations):
        title, turns = conversation_text(rng, messages)
        texts = [IndexedMessage(str(i), role, text) for i, (role, text) in enumerate(turns)]
        built[str(n)] = indexed_conversation(tokenizer, str(n), f"{n:08d}", title, texts)
    index = ConversationIndex(built)
    stored = sum(len(part) for part in encode_segment(list(built.values())))
    build_ms = (time.perf_counter() - started) * 1000
    times: list[float] = []
    for n in range(requests):
        started = time.perf_counter()
        terms = search_terms(tokenizer, QUERIES[n % len(QUERIES)])
        for cid in index.ranked(terms)[:20]:
            snippet(tokenizer, index.conversations[cid], terms)
        times.append((time.perf_counter() - started) * 1000)
    return [
        f"in memory: build {build_ms:.0f} ms, stored {stored / 1e6:.1f} MB compressed, "
        f"held ~{index.memory_bytes / 1e6:.0f} MB",
        line("in memory: rank + 20 snippets", times),
    ]


def partition_of(token: str) -> str:
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    tenant = next(v for k, v in claims.items() if k.endswith("tenant_id"))
    return f"{tenant}#USER#{claims['sub']}"


def timed(client: httpx.Client, params: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    response = client.get("/api/conversations", params=params)
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    page: dict[str, Any] = response.json()
    return elapsed, page


def line(name: str, times: list[float]) -> str:
    return (
        f"{name:<34} p50 {percentile(times, 50):7.1f}  p99 {percentile(times, 99):7.1f}  "
        f"n={len(times)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with local_platform() as platform, tempfile.TemporaryDirectory() as logs:
        seed(platform, partition_of(platform.token), args.conversations, args.messages)
        env = chat_environment(platform.resources)
        with chat_process(env, Path(logs) / "chat.log") as chat:
            client = httpx.Client(base_url=chat.url, headers=platform.headers, timeout=120)
            first, page = timed(client, {"q": "pricing", "limit": 20})
            print(f"first search (builds the index)    {first:9.1f} ms")
            lists: list[float] = []
            searches: list[float] = []
            hits: list[int] = []
            for n in range(args.requests):
                lists.append(timed(client, {"limit": 20})[0])
                elapsed, page = timed(client, {"q": QUERIES[n % len(QUERIES)], "limit": 20})
                searches.append(elapsed)
                hits.append(len(page["conversations"]))
            catch_up: list[float] = []
            for n in range(20):
                turn = client.post("/api/chat", json={"message": f"Zebulon follow-up {n}"})
                turn.raise_for_status()
                elapsed, page = timed(client, {"q": f"zebulon follow-up {n}", "limit": 20})
                assert page["conversations"], "the new conversation must be found"
                catch_up.append(elapsed)
        with chat_process(env, Path(logs) / "chat2.log") as chat:
            client = httpx.Client(base_url=chat.url, headers=platform.headers, timeout=120)
            restarted, _ = timed(client, {"q": "pricing", "limit": 20})
        for text in in_memory(args.conversations, args.messages, args.requests):
            print(text)
        print(line("list, no query (limit 20)", lists))
        print(line("search (limit 20, warm index)", searches))
        print(line("search right after a chat turn", catch_up))
        print(f"first search after a restart      {restarted:9.1f} ms (loads the stored index)")
        ratio = percentile(searches, 50) / percentile(lists, 50)
        median_hits = sorted(hits)[len(hits) // 2]
        print(f"search / list p50: {ratio:.2f}x; hits per search page: median {median_hits}")


if __name__ == "__main__":
    main()
