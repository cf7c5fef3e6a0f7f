"""Benchmark: the web app's weight and speed in Debian's chromium against `engageiq dev`.

    .venv/bin/python bench/web.py [--runs 15]

1. Initial JavaScript: the scripts index.html loads (entry + modulepreloads), gzipped (level 6,
   what servers and CloudFront use by default) and brotli-free; lazy chunks listed apart.
   Goal: <= 150 kB gzipped.
2. Navigation -> interactive sign-in form, and -> interactive chat screen (signed in, tokens
   already in sessionStorage), each the median of fresh browser contexts. "Interactive" is the
   moment the form control exists with its handlers (Preact attaches them as it renders),
   recorded in the page by a MutationObserver on performance.now() (ms since navigation).
   Baseline from the same navigations: responseEnd of the HTML document (the network floor;
   nothing the app does can beat it).
3. SSE delta -> paint: the scripted model sends tokens 50 ms apart; in the page, each chunk's
   arrival (read from the fetch body) and the end of the first frame rendered after its text
   is in the DOM (requestAnimationFrame, then a task) are recorded. Baseline: the same probe
   started at arrival time, i.e. the floor of one frame with nothing to render.
Results are printed and written to bench/results/web.json."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Browser, Page, sync_playwright

from engageiq.local.paths import repo_root
from engageiq.local.platform import free_port
from engageiq.local.seed import sign_in
from tests.integration.conftest import start_dev, stop_dev, wait_for_outputs
from tests.integration.test_browser import CHROMIUM_ARGS
from tests.support.messages_server import MessagesServer, Reply

DIST = repo_root() / "web" / "dist"
GOAL_KB = 150.0
TOKENS = 40

# Records when a selector first appears (ms since navigation start), before any app script.
APPEARS = """
window.__appeared = {};
const watch = (name, selector) => new MutationObserver((_, observer) => {
  if (!window.__appeared[name] && document.querySelector(selector)) {
    window.__appeared[name] = performance.now();
  }
}).observe(document, {childList: true, subtree: true});
watch('signin', 'form.auth-form input#password');
watch('chat', 'form.composer textarea#message');
"""

# Wraps fetch so each chunk of the chat stream is timed on arrival, then finds the frame
# after its text reaches the DOM.
PAINT_PROBE = """
// The usual after-paint probe: a task queued from the next animation frame runs once that
// frame has been rendered.
const afterPaint = (callback) => requestAnimationFrame(() => setTimeout(callback, 0));
window.__arrivals = [];
window.__floor = [];
window.__painted = {};
const originalFetch = window.fetch;
window.fetch = async (...args) => {
  const response = await originalFetch(...args);
  if (!String(args[0]).endsWith('/chat') || !response.body) return response;
  const decoder = new TextDecoder();
  const timed = response.body.pipeThrough(new TransformStream({
    transform(chunk, controller) {
      const at = performance.now();
      const text = decoder.decode(chunk, {stream: true});
      for (const m of text.matchAll(/tok(\\d{4})/g)) window.__arrivals.push([m[1], at]);
      afterPaint(() => window.__floor.push(performance.now() - at));
      controller.enqueue(chunk);
    },
  }));
  return new Response(timed, {status: response.status, headers: response.headers});
};
new MutationObserver(() => {
  const answer = document.querySelectorAll('[data-testid="answer"]');
  const text = answer.length ? answer[answer.length - 1].textContent : '';
  const seen = [...text.matchAll(/tok(\\d{4})/g)].map((m) => m[1])
    .filter((id) => !(id in window.__painted));
  if (!seen.length) return;
  for (const id of seen) window.__painted[id] = -1;
  afterPaint(() => {
    const t = performance.now();
    for (const id of seen) window.__painted[id] = t;
  });
}).observe(document, {childList: true, subtree: true, characterData: true});
"""


def poll(page: Page, predicate: str, timeout: float = 60.0) -> None:
    """wait_for_function evaluates its predicate with eval, which the app's CSP forbids;
    page.evaluate goes through the DevTools protocol instead."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(predicate):
        if time.monotonic() > deadline:
            raise TimeoutError(predicate)
        time.sleep(0.02)


def initial_javascript() -> dict[str, Any]:
    index = (DIST / "index.html").read_text()
    initial = re.findall(r'(?:src|href)="(/assets/[^"]+\.js)"', index)
    every = sorted(p for p in (DIST / "assets").glob("*.js"))

    def gz(path: Path) -> int:
        return len(gzip.compress(path.read_bytes(), compresslevel=6))

    initial_files = {p: gz(DIST / p.lstrip("/")) for p in initial}
    lazy = {f"/assets/{p.name}": gz(p) for p in every if f"/assets/{p.name}" not in initial_files}
    return {
        "initial_gzip_bytes": sum(initial_files.values()),
        "initial_files": initial_files,
        "lazy_gzip_bytes": lazy,
    }


def navigation_times(
    browser: Browser, url: str, tokens: dict[str, Any] | None, key: str, runs: int
) -> dict[str, float]:
    interactive, floor = [], []
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        if tokens is not None:
            context.add_init_script(
                f"sessionStorage.setItem('eiq.tokens', {json.dumps(json.dumps(tokens))});"
            )
        context.add_init_script(APPEARS)
        page = context.new_page()
        page.goto(url)
        poll(page, f"() => Boolean(window.__appeared && window.__appeared.{key})")
        interactive.append(page.evaluate(f"window.__appeared.{key}"))
        floor.append(page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd"))
        context.close()
    return {
        "median_ms": statistics.median(interactive),
        "baseline_document_response_end_ms": statistics.median(floor),
        "ratio": statistics.median(interactive) / max(0.001, statistics.median(floor)),
    }


def paint_delay(browser: Browser, url: str, tokens: dict[str, Any]) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(
        f"sessionStorage.setItem('eiq.tokens', {json.dumps(json.dumps(tokens))});"
    )
    context.add_init_script(PAINT_PROBE)
    page = context.new_page()
    page.goto(url + "/chat")
    box = page.get_by_role("textbox", name="Message", exact=True)
    box.fill("Stream numbered tokens")
    page.get_by_role("button", name="Send").click()
    poll(page, f"() => Object.values(window.__painted).filter(v => v > 0).length >= {TOKENS}")
    arrivals = dict(page.evaluate("window.__arrivals"))
    painted = page.evaluate("window.__painted")
    delays = [painted[i] - at for i, at in arrivals.items() if painted.get(i, -1) > 0]
    floor = page.evaluate("window.__floor")
    context.close()
    delays.sort()
    return {
        "deltas": len(delays),
        "p50_ms": statistics.median(delays),
        "p95_ms": delays[int(0.95 * (len(delays) - 1))],
        "baseline_one_frame_p50_ms": statistics.median(floor),
        "ratio_p50": statistics.median(delays) / max(0.001, statistics.median(floor)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    weight = initial_javascript()
    model = MessagesServer(
        default=Reply(tokens=tuple(f"tok{i:04d} " for i in range(TOKENS)), interval=0.05)
    ).start()
    state_dir = Path(tempfile.mkdtemp(prefix="engageiq-bench-web-"))
    env = {"ANTHROPIC_API_KEY": "bench", "ANTHROPIC_BASE_URL": model.url}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    process = start_dev(state_dir, "--port", str(free_port()), "--aws-port", str(free_port()))
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k)
        else:
            os.environ[k] = v
    try:
        outputs = wait_for_outputs(process, state_dir)
        url = outputs["webUrl"]
        id_token = sign_in(
            outputs["awsEndpointUrl"],
            outputs["userPoolClientId"],
            outputs["demoUsername"],
            outputs["demoPassword"],
        )
        tokens = {
            "idToken": id_token,
            "accessToken": id_token,
            "refreshToken": None,
            "expiresAt": int(time.time() * 1000) + 3_000_000,
        }
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
            )
            # One warm-up each, so the first figures are not the disk cache's.
            navigation_times(browser, url + "/chat", None, "signin", 1)
            results = {
                "initial_javascript": weight,
                "navigation_to_sign_in_form": navigation_times(
                    browser, url + "/chat", None, "signin", args.runs
                ),
                "navigation_to_chat_screen": navigation_times(
                    browser, url + "/chat", tokens, "chat", args.runs
                ),
                "sse_delta_to_paint": paint_delay(browser, url, tokens),
            }
            browser.close()
    finally:
        stop_dev(process)
        model.stop()

    kb = weight["initial_gzip_bytes"] / 1000
    print(f"Initial JavaScript: {weight['initial_gzip_bytes']:,} bytes gzipped ({kb:.1f} kB)")
    print(f"  goal <= {GOAL_KB:.0f} kB: {'met' if kb <= GOAL_KB else 'MISSED'}")
    for name, size in weight["lazy_gzip_bytes"].items():
        print(f"  lazy {name}: {size:,} bytes gzipped")
    for key in ("navigation_to_sign_in_form", "navigation_to_chat_screen"):
        r = results[key]
        print(
            f"{key}: median {r['median_ms']:.0f} ms "
            f"(baseline document responseEnd {r['baseline_document_response_end_ms']:.0f} ms, "
            f"x{r['ratio']:.1f})"
        )
    p = results["sse_delta_to_paint"]
    print(
        f"SSE delta -> paint ({p['deltas']} deltas): p50 {p['p50_ms']:.1f} ms, "
        f"p95 {p['p95_ms']:.1f} ms (baseline: one frame {p['baseline_one_frame_p50_ms']:.1f} ms, "
        f"x{p['ratio_p50']:.2f})"
    )
    out = repo_root() / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "web.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
