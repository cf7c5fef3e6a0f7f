"""Web: the web app's static files and its `config.json` in the web bucket, and the uploads
bucket's CORS rule that lets that one origin post files with presigned POSTs.

`config.json` is generated from the same outputs the stack exports, so the browser never
holds a hand-copied pool id or URL."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pulumi
import pulumi_aws as aws

from engageiq_infra.config import CustomDomain
from engageiq_tenancy.web_policy import HASHED_ASSETS_PREFIX, IMMUTABLE_CACHE, REVALIDATE_CACHE

CONFIG_OBJECT_KEY: Final = "config.json"
# HTML and config must be revalidated on every load so a deploy is seen at once; Vite's
# content-hashed files never change under their name (engageiq_tenancy.web_policy).
NO_CACHE: Final = REVALIDATE_CACHE


def cache_control(key: str) -> str:
    """Cache-Control of one uploaded file, by its key in the web bucket."""
    return IMMUTABLE_CACHE if f"/{key}".startswith(HASHED_ASSETS_PREFIX) else REVALIDATE_CACHE


PRESIGNED_POST_MAX_AGE_SECONDS: Final = 3000


@dataclass(frozen=True, slots=True)
class WebArgs:
    web_dir: Path
    """The web app's static files; missing is allowed (only config.json is uploaded)."""
    web_bucket: aws.s3.Bucket
    uploads_bucket: aws.s3.Bucket
    web_url: pulumi.Output[str]
    domain: CustomDomain | None
    client_config: Mapping[str, pulumi.Input[str]]
    """The keys and values of config.json."""


def static_files(web_dir: Path) -> list[Path]:
    """Files to upload, in a stable order; config.json is always generated, never uploaded,
    and the build's own stamp (`.engageiq-build`, scripts/build-web) is not part of the app."""
    if not web_dir.is_dir():
        return []
    return sorted(
        p
        for p in web_dir.rglob("*")
        if p.is_file()
        and p.relative_to(web_dir).as_posix() != CONFIG_OBJECT_KEY
        and not p.name.startswith(".")
    )


class Web(pulumi.ComponentResource):
    config_object: aws.s3.BucketObjectv2

    def __init__(
        self, name: str, args: WebArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("engageiq:platform:Web", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        for path in static_files(args.web_dir):
            key = path.relative_to(args.web_dir).as_posix()
            aws.s3.BucketObjectv2(
                f"{name}-file-{key}",
                bucket=args.web_bucket.id,
                key=key,
                source=pulumi.FileAsset(str(path)),
                content_type=mimetypes.guess_type(key)[0] or "application/octet-stream",
                cache_control=cache_control(key),
                opts=child,
            )
        self.config_object = aws.s3.BucketObjectv2(
            f"{name}-config",
            bucket=args.web_bucket.id,
            key=CONFIG_OBJECT_KEY,
            content=pulumi.Output.json_dumps(dict(args.client_config)),
            content_type="application/json",
            cache_control=NO_CACHE,
            opts=child,
        )
        origins: list[pulumi.Input[str]] = [args.web_url]
        if args.domain:
            # Tenant subdomains serve the same app.
            origins.append(f"https://*.{args.domain.name}")
        aws.s3.BucketCorsConfiguration(
            f"{name}-uploads-cors",
            bucket=args.uploads_bucket.id,
            cors_rules=[
                {
                    "allowed_methods": ["POST"],
                    "allowed_origins": origins,
                    "allowed_headers": ["content-type"],
                    "expose_headers": ["ETag"],
                    "max_age_seconds": PRESIGNED_POST_MAX_AGE_SECONDS,
                }
            ],
            opts=child,
        )
        self.register_outputs({"configObjectKey": self.config_object.key})
