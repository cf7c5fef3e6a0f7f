"""What the Pulumi program uploads to the web bucket: the Vite build in web/dist (never the
sources or node_modules), with the same cache lifetimes the local edge sends."""

from __future__ import annotations

from pathlib import Path

from engageiq_infra.stack import REPO_ROOT, WEB_DIR
from engageiq_infra.web import cache_control, static_files
from engageiq_tenancy.web_policy import IMMUTABLE_CACHE, REVALIDATE_CACHE


def test_the_program_uploads_the_build_not_the_sources() -> None:
    assert WEB_DIR == REPO_ROOT / "web" / "dist"


def test_uploaded_files_leave_out_config_and_the_build_stamp(tmp_path: Path) -> None:
    for name in ("index.html", "config.json", ".engageiq-build", "assets/app-1a2b.js"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    keys = [p.relative_to(tmp_path).as_posix() for p in static_files(tmp_path)]
    assert keys == ["assets/app-1a2b.js", "index.html"]


def test_hashed_assets_are_immutable_everything_else_revalidates() -> None:
    assert cache_control("assets/index-Yobo2vf4.js") == IMMUTABLE_CACHE
    assert cache_control("index.html") == REVALIDATE_CACHE
    assert cache_control("docs-assets/swagger-ui/swagger-ui.css") == REVALIDATE_CACHE
