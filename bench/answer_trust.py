"""Benchmark: what trust-aware ranking (decision 0111, `engageiq_search.trust.trusted_first`)
does to the answer benchmark (bench/answer_quality.py, decision 0105), each figure with and
without it in the same run, per split (dev: may be tuned on; test: never).

    .venv/bin/python bench/answer_trust.py [--split dev|test|both] [--skip-equal]

1. **All content equal.** The answer benchmark as it is: every file unverified. With trust
   ordering every figure (R@1, R@3, MRR, prompt, offline, ...) must be the one without, for
   `ours` (BM25) and `hybrid` (BM25 + wordllama, as the chat searches); the per-question
   outcomes are compared too.
2. **Conflicts** (bench/answer_quality_corpus/conflicts.py): the main corpus plus pairs of a
   verified current document and a stale or unverified older one with another figure, and
   questions whose right answer is the verified figure. Per system, with and without trust
   ordering of the retrieved passages (the bm25s paragraph baseline as the benchmark runs
   it): the share of questions whose verified document is the first retrieved, in the top
   3 files, or among the passages at all; whose offline answer's first quote holds the
   verified figure ("leads verified"); whose answer holds it and not the older one ("verified
   only"); and whose answer quotes the older figure. Passages are also ordered by trust
   among those that answer only ("+answering": the ones the extract picker would quote from,
   reordered in the places they hold). The offline responder is not told a passage's
   freshness (the model's prompt is): what moves its answer is the order alone.
3. **The main questions beside verified documents**: part 2's index, the answer
   benchmark's own questions (all their files unverified), with and without trust ordering:
   what a verified but unrelated passage retrieved among the top 5 costs them ("+tr": all
   passages ordered, "+ans": those that answer only)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.answer_quality import (
    Outcome,
    Search,
    baseline,
    check_facts,
    chunk_index,
    figures,
    model_request,
    ours,
    ours_hybrid,
    print_table,
    run,
)
from bench.answer_quality_corpus.conflicts import (
    CONFLICT_QUESTIONS,
    PAIRS,
    ConflictQuestion,
    conflict_files,
    freshness_by_file,
)
from bench.answer_quality_corpus.documents import corpus
from bench.answer_quality_corpus.gold import holds, parse_corpus
from engageiq_chat.context.prompt import PromptBuilder
from engageiq_chat.context.retrieval import Passage
from engageiq_chat.knowledge.trust import answering_in_trust_order
from engageiq_chat.providers.extracts import ExtractPicker
from engageiq_chat.providers.offline import offline_answer
from engageiq_chat.routing.intents import IntentRouter
from engageiq_files.ingestion.sections import Section
from engageiq_search.tenant_index import IndexedChunk
from engageiq_search.trust import trusted_first
from engageiq_tenancy.governance import Freshness


def trusted(search: Search, freshness_of: Callable[[str], Freshness]) -> Search:
    """`search` with its passages in trust order (verified, unverified, stale; stable)."""
    return lambda q: trusted_first(search(q), lambda p: freshness_of(p.source_id))


def trusted_answering(search: Search, freshness_of: Callable[[str], Freshness]) -> Search:
    """`search` with trust ordering among the passages that answer only: the chat's own rule
    (`engageiq_chat.knowledge.trust.answering_in_trust_order`, decision 0111)."""
    picker = ExtractPicker()
    return lambda q: answering_in_trust_order(
        q, search(q), lambda p: freshness_of(p.source_id), picker
    )


def unverified(_: str) -> Freshness:
    return Freshness.UNVERIFIED


def same_outcomes(a: list[Outcome], b: list[Outcome]) -> bool:
    return all(
        (x.rank, x.prompt_holds, x.answer.text, x.cited)
        == (y.rank, y.prompt_holds, y.answer.text, y.cited)
        for x, y in zip(a, b, strict=True)
    )


def all_equal(
    chunks: list[IndexedChunk], parsed: dict[str, list[Section]], splits: list[str]
) -> None:
    """Part 1: today's benchmark, every file unverified, with and without trust ordering."""
    plain = {"ours": ours(chunks), "hybrid": ours_hybrid(chunks)}
    systems = {"baseline": run(baseline(parsed))}
    for name, search in plain.items():
        systems[name] = run(search)
        systems[f"{name}+tr"] = run(trusted(search, unverified))
    print("1. All content equal (every file unverified), with and without trust ordering:")
    print_table([figures(name, split, systems[name]) for split in splits for name in systems])
    for name in plain:
        same = same_outcomes(systems[name], systems[f"{name}+tr"])
        print(f"   {name}: every question's rank, prompt and answer identical: {same}")


@dataclass(frozen=True)
class ConflictOutcome:
    question: ConflictQuestion
    rank: int | None
    """1-based rank of the verified document among the retrieved passages' files."""
    leads_verified: bool
    """The offline answer's first quote holds the verified figure."""
    verified_only: bool
    """The offline answer holds the verified figure and not the older one."""
    quotes_older: bool


def conflict_run(search: Search) -> list[ConflictOutcome]:
    builder, router, picker = (
        PromptBuilder(history_token_budget=4000),
        IntentRouter(),
        ExtractPicker(),
    )
    outcomes = []
    for q in CONFLICT_QUESTIONS:
        passages: list[Passage] = search(q.text)
        files = list(dict.fromkeys(p.source_id for p in passages))
        current, older = q.pair.current, q.pair.older
        rank = files.index(current.name) + 1 if current.name in files else None
        answer = offline_answer(model_request(builder, router, q.text, passages), picker)
        right, wrong = holds(answer.text, current.fact), holds(answer.text, older.fact)
        first = answer.quotes[0][1].cited_text if answer.quotes else ""
        leads = holds(first, current.fact)
        outcomes.append(ConflictOutcome(q, rank, leads, right and not wrong, wrong))
    return outcomes


def check_conflicts(parsed: dict[str, list[Section]]) -> None:
    """Each version's figure is in its own parsed file and in no other file of the run (or
    an answer quoting another file would count as right or wrong by accident)."""
    texts = {name: "\n".join(s.text for s in sections) for name, sections in parsed.items()}
    for p in PAIRS:
        for version in (p.current, p.older):
            holders = {name for name, text in texts.items() if holds(text, version.fact)}
            if holders != {version.name}:
                raise SystemExit(
                    f"{version.fact!r} is in {sorted(holders)}, not only {version.name}"
                )
        if p.current.freshness is not Freshness.VERIFIED or p.older.freshness is Freshness.VERIFIED:
            raise SystemExit(f"{p.current.name}: the pair's freshness is not current vs older")


def conflicts(
    chunks: list[IndexedChunk], parsed: dict[str, list[Section]], splits: list[str]
) -> None:
    """Part 2: the main corpus plus the conflict pairs."""
    extra = parse_corpus(conflict_files())
    everything = {**parsed, **extra}
    check_conflicts(everything)
    index_chunks = chunks + chunk_index(extra)
    status = freshness_by_file()

    def freshness_of(file_id: str) -> Freshness:
        return status.get(file_id, Freshness.UNVERIFIED)

    plain = {"ours": ours(index_chunks), "hybrid": ours_hybrid(index_chunks)}
    systems = {"baseline": conflict_run(baseline(everything))}
    for name, search in plain.items():
        systems[name] = conflict_run(search)
        systems[f"{name}+trust"] = conflict_run(trusted(search, freshness_of))
        systems[f"{name}+answering"] = conflict_run(trusted_answering(search, freshness_of))
    # The main questions over the same index: what verified conflict documents, unrelated
    # to them, do to their answers once trust reorders the passages.
    main = {}
    for name, search in plain.items():
        main[name] = run(search)
        main[f"{name}+tr"] = run(trusted(search, freshness_of))
        main[f"{name}+ans"] = run(trusted_answering(search, freshness_of))
    stale = sum(p.older.freshness is Freshness.STALE for p in PAIRS)
    print(
        f"2. Conflicts: {len(PAIRS)} pairs ({stale} older versions stale, "
        f"{len(PAIRS) - stale} unverified), {len(CONFLICT_QUESTIONS)} questions, with the "
        f"main corpus in the same index ({len(index_chunks)} chunks):"
    )
    print(
        f"   {'split':<5} {'system':<16} {'n':>3} {'verified 1st':>12} {'in top 3':>8} "
        f"{'retrieved':>9} {'leads verified':>14} {'verified only':>13} {'quotes older':>12}"
    )
    for split in splits:
        for name, outcomes in systems.items():
            chosen = [o for o in outcomes if split in {"both", o.question.split}]
            n = len(chosen)

            def share(hits: list[bool], n: int = n) -> float:
                return sum(hits) / n

            print(
                f"   {split:<5} {name:<16} {n:>3} "
                f"{share([o.rank == 1 for o in chosen]):12.2f} "
                f"{share([o.rank is not None and o.rank <= 3 for o in chosen]):8.2f} "
                f"{share([o.rank is not None for o in chosen]):9.2f} "
                f"{share([o.leads_verified for o in chosen]):14.2f} "
                f"{share([o.verified_only for o in chosen]):13.2f} "
                f"{share([o.quotes_older for o in chosen]):12.2f}"
            )

    print(
        "3. The main questions over the same index (conflict documents present, the verified "
        "ones ranked first by trust when retrieved):"
    )
    print_table([figures(name, split, main[name]) for split in splits for name in main])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=["dev", "test", "both"], default="both")
    parser.add_argument("--skip-equal", action="store_true", help="run part 2 only")
    args = parser.parse_args()
    started = time.monotonic()
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    parsed = parse_corpus(corpus())
    check_facts(parsed)
    chunks = chunk_index(parsed)
    splits = ["dev", "test"] if args.split == "both" else [args.split]
    if not args.skip_equal:
        all_equal(chunks, parsed, splits)
    conflicts(chunks, parsed, splits)
    print(
        f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}; "
        f"({time.monotonic() - started:.0f} s)"
    )


if __name__ == "__main__":
    main()
