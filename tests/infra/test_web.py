"""The web app in the cloud: the built files from `web/dist` in the web bucket with their
content types and cache lifetimes, an invalidation only when they change, client-side routes
through the CloudFront Function, and the build the program runs first (decision 0066)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Final

import pytest

from engageiq_infra.edge import SPA_ROUTES_FUNCTION
from engageiq_infra.mocks import Inventory, RecordedResource, run_program
from engageiq_infra.stack import REPO_ROOT, WEB_BUILD, WEB_DIST
from engageiq_infra.web import (
    CONFIG_OBJECT_KEY,
    INVALIDATION_COMMAND,
    WebBuild,
    WebBuildError,
    content_type,
)
from engageiq_tenancy.web_policy import IMMUTABLE_CACHE, REVALIDATE_CACHE

from . import guardrails as g
from .conftest import fake_dist, write_dist

OBJECT: Final = "aws:s3/bucketObjectv2:BucketObjectv2"
COMMAND: Final = "command:local:Command"
UPLOADED: Final = {
    "index.html": ("text/html; charset=utf-8", REVALIDATE_CACHE),
    "assets/index-3f2a1b9c.js": ("text/javascript; charset=utf-8", IMMUTABLE_CACHE),
    "assets/index-9d8e7f6a.css": ("text/css; charset=utf-8", IMMUTABLE_CACHE),
    "docs-assets/swagger-ui/swagger-ui-bundle.js": (
        "text/javascript; charset=utf-8",
        REVALIDATE_CACHE,
    ),
    "docs-assets/swagger-ui/swagger-ui.css": ("text/css; charset=utf-8", REVALIDATE_CACHE),
    "favicon.svg": ("image/svg+xml", REVALIDATE_CACHE),
    CONFIG_OBJECT_KEY: ("application/json", REVALIDATE_CACHE),
}


def web_objects(stack: Inventory) -> dict[str, RecordedResource]:
    return {o.inputs["key"]: o for o in stack.of_type(OBJECT)}


def invalidation(stack: Inventory) -> RecordedResource:
    return stack.named("web-invalidation")


def test_the_built_files_are_uploaded_with_their_type_and_cache_lifetime(stack: Inventory) -> None:
    objects = web_objects(stack)
    assert set(objects) == set(UPLOADED)
    web_bucket = g.bucket_for(stack, "web")
    for key, (expected_type, expected_cache) in UPLOADED.items():
        uploaded = objects[key]
        assert uploaded.inputs["bucket"] == web_bucket.outputs["id"]
        assert uploaded.inputs["contentType"] == expected_type, key
        assert uploaded.inputs["cacheControl"] == expected_cache, key
    for key in set(UPLOADED) - {CONFIG_OBJECT_KEY}:
        # From the build output, never from web/ (the sources) itself.
        assert objects[key].inputs["source"] == {"fileAsset": str(fake_dist() / key)}


def test_config_json_is_generated_never_copied_from_the_build(stack: Inventory) -> None:
    config = json.loads(web_objects(stack)[CONFIG_OBJECT_KEY].inputs["content"])
    assert "stale" not in config
    assert config["apiUrl"] == stack.outputs["apiUrl"]


def test_the_invalidation_targets_this_distribution_after_a_content_change(
    stack: Inventory,
) -> None:
    command = invalidation(stack)
    distribution = g.the_one(stack, g.DISTRIBUTION)
    assert command.inputs["create"] == INVALIDATION_COMMAND
    assert "$ENGAGEIQ_DISTRIBUTION_ID" in INVALIDATION_COMMAND
    assert command.inputs["environment"] == {"ENGAGEIQ_DISTRIBUTION_ID": distribution.outputs["id"]}
    [trigger] = command.inputs["triggers"]
    assert len(trigger) == 64
    assert stack.of_type(COMMAND) == [command]


def test_the_invalidation_runs_again_only_when_the_files_change(tmp_path: Path) -> None:
    def trigger(dist: Path) -> str:
        stack = run_program("dev", web=WebBuild(dist=dist))
        return str(invalidation(stack).inputs["triggers"][0])

    first = write_dist(tmp_path / "first")
    same = write_dist(tmp_path / "same")
    assert trigger(first) == trigger(same)
    changed = write_dist(tmp_path / "changed")
    (changed / "index.html").write_text("<!doctype html><p>new release</p>")
    assert trigger(changed) != trigger(first)
    stamp_only = write_dist(tmp_path / "stamp")
    (stamp_only / ".engageiq-build").write_text("another stamp, same files")
    assert trigger(stamp_only) == trigger(first)


def test_a_new_config_json_is_a_change_too(tmp_path: Path) -> None:
    dist = write_dist(tmp_path / "dist")
    first = run_program("dev", web=WebBuild(dist=dist))
    moved = run_program(
        "dev", web=WebBuild(dist=dist), config_overrides={"aws:region": "eu-north-1"}
    )
    assert invalidation(first).inputs["triggers"] != invalidation(moved).inputs["triggers"]


# The build the program runs first ----------------------------------------------------------


def fake_build_script(tmp_path: Path, dist: Path, exit_code: int = 0) -> Path:
    script = tmp_path / "build-web"
    script.write_text(
        "#!/bin/sh\n"
        f"mkdir -p '{dist}/assets'\n"
        f"echo '<!doctype html>' > '{dist}/index.html'\n"
        f"echo 'x' > '{dist}/assets/app-1a2b3c.js'\n"
        f"exit {exit_code}\n"
    )
    script.chmod(0o755)
    return script


def test_the_program_builds_the_web_app_before_uploading_it(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    script = fake_build_script(tmp_path, dist)
    stack = run_program("dev", web=WebBuild(dist=dist, build_command=(str(script),)))
    assert set(web_objects(stack)) == {"index.html", "assets/app-1a2b3c.js", CONFIG_OBJECT_KEY}


def test_a_failed_build_stops_the_deployment_with_the_command_named(tmp_path: Path) -> None:
    script = fake_build_script(tmp_path, tmp_path / "dist", exit_code=3)
    with pytest.raises(WebBuildError, match=r"build-web exited 3"):
        WebBuild(dist=tmp_path / "dist", build_command=(str(script),)).prepare()


def test_no_deployment_without_a_built_app(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "index.html").write_text("sources, not a build")
    with pytest.raises(WebBuildError, match="must be built"):
        WebBuild(dist=tmp_path / "web" / "dist").prepare()
    # The preview tool may show a stack before any build: nothing but config.json then.
    stack = run_program("dev", web=WebBuild(dist=tmp_path / "missing", required=False))
    assert set(web_objects(stack)) == {CONFIG_OBJECT_KEY}


def test_pulumi_up_builds_with_the_web_apps_own_script_into_web_dist() -> None:
    assert WEB_DIST == REPO_ROOT / "web" / "dist"
    assert WEB_BUILD.dist == WEB_DIST
    assert WEB_BUILD.required is True
    assert list(WEB_BUILD.build_command) == [str(REPO_ROOT / "scripts" / "build-web")]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("x.woff2", "font/woff2"),
        ("manifest.webmanifest", "application/manifest+json"),
        ("robots.txt", "text/plain; charset=utf-8"),
        ("no-extension", "application/octet-stream"),
    ],
)
def test_content_types_do_not_depend_on_the_machine(key: str, expected: str) -> None:
    assert content_type(key) == expected


# Client-side routes: the CloudFront Function's code, run with Node ---------------------------

ROUTES: Final = {
    "/": "/index.html",
    "/chat/01JABCDEF": "/index.html",
    "/chat/01JABCDEF/": "/index.html",
    "/files": "/index.html",
    "/admin": "/index.html",
    "/auth/callback": "/index.html",
    "/index.html": "/index.html",
    "/assets/index-3f2a1b9c.js": "/assets/index-3f2a1b9c.js",
    "/docs-assets/swagger-ui/swagger-ui.css": "/docs-assets/swagger-ui/swagger-ui.css",
    "/favicon.svg": "/favicon.svg",
}


def test_client_side_routes_are_rewritten_to_index_html_and_files_are_not() -> None:
    node = shutil.which("node")
    assert node, "Node is needed to build the web app, and runs the function's code here"
    harness = (
        SPA_ROUTES_FUNCTION.read_text()
        + "\nconst uris = JSON.parse(process.argv[1]);\n"
        + "console.log(JSON.stringify(uris.map((uri) => handler({request: {uri}}).uri)));\n"
    )
    result = subprocess.run(
        [node, "-e", harness, json.dumps(list(ROUTES))],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": os.environ.get("PATH", "")},
    )
    assert json.loads(result.stdout) == list(ROUTES.values())
