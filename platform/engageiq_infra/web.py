"""Web: the built web app (`web/dist`) and its `config.json` in the web bucket, one CloudFront
invalidation whenever those files change, and the uploads bucket's CORS rule that lets the
app's origin post files with presigned POSTs.

`config.json` is generated from the same outputs the stack exports, so the browser never
holds a hand-copied pool id or URL. The program builds the app itself before uploading
(`WebBuild`, decision 0066)."""

from __future__ import annotations

import hashlib
import mimetypes
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pulumi
import pulumi_aws as aws
import pulumi_command as command

from engageiq_infra.config import CustomDomain
from engageiq_tenancy.web_policy import HASHED_ASSETS_PREFIX, IMMUTABLE_CACHE, REVALIDATE_CACHE

CONFIG_OBJECT_KEY: Final = "config.json"
INDEX_OBJECT_KEY: Final = "index.html"
PRESIGNED_POST_MAX_AGE_SECONDS: Final = 3000
# One invalidation path covers every file (AWS counts `/*` as one path). The AWS CLI runs it:
# pulumi-aws has no invalidation resource, and the deploying machine (CI, or an engineer with
# AWS credentials) has the CLI; the distribution id comes in through the environment.
INVALIDATION_COMMAND: Final = (
    "aws cloudfront create-invalidation"
    ' --distribution-id "$ENGAGEIQ_DISTRIBUTION_ID" --paths "/*"'
    " --query Invalidation.Id --output text"
)
# Content types of what a Vite build emits, stated here rather than read from the machine's
# /etc/mime.types, so every deploying machine uploads the same metadata.
CONTENT_TYPES: Final[Mapping[str, str]] = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/vnd.microsoft.icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".pdf": "application/pdf",
    ".wasm": "application/wasm",
}
_STANDARD_TYPES: Final = mimetypes.MimeTypes()  # Python's built-in table only, no system files


class WebBuildError(RuntimeError):
    """The web app could not be built, or its build output is not there."""


def content_type(key: str) -> str:
    suffix = Path(key).suffix.lower()
    return (
        CONTENT_TYPES.get(suffix)
        or _STANDARD_TYPES.guess_type(key, strict=True)[0]
        or "application/octet-stream"
    )


def cache_control(key: str) -> str:
    """Vite's content-hashed files never change under their name; everything else (index.html,
    config.json, unhashed files such as the API docs' assets) is revalidated on each load."""
    return IMMUTABLE_CACHE if f"/{key}".startswith(HASHED_ASSETS_PREFIX) else REVALIDATE_CACHE


def static_files(dist: Path) -> list[Path]:
    """Files to upload, in a stable order. Dotfiles (the build's own stamp) stay behind, and
    config.json is always generated, never uploaded from the folder."""
    if not dist.is_dir():
        return []
    return sorted(
        p
        for p in dist.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(dist).parts)
        and p.relative_to(dist).as_posix() != CONFIG_OBJECT_KEY
    )


def files_digest(dist: Path) -> str:
    """SHA-256 over every uploaded file's key and bytes."""
    digest = hashlib.sha256()
    for path in static_files(dist):
        digest.update(f"{path.relative_to(dist).as_posix()}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class WebBuild:
    """Where the built app is, and the command that builds it (decision 0066).

    `scripts/build-web` is idempotent: it installs with `npm ci` only when the lockfile
    changed and rebuilds only when a source changed, so running it on every `pulumi preview`
    and `pulumi up` costs a moment when nothing changed."""

    dist: Path
    """The build output (`web/dist`): what is uploaded, never `web/` itself."""
    build_command: Sequence[str] = ()
    """Run before the files are listed; empty uses `dist` as it is."""
    required: bool = True
    """Refuse to deploy without `index.html` (the preview tool may show a stack without)."""

    def prepare(self) -> Path:
        """Build (when a command is set) and return `dist`.

        Raises WebBuildError naming the command and its exit status, or the missing file."""
        if self.build_command:
            # The build's progress goes to stderr, so Pulumi shows it as diagnostics.
            result = subprocess.run(  # noqa: S603 - a fixed command from this repository
                list(self.build_command), stdout=sys.stderr, check=False
            )
            if result.returncode != 0:
                raise WebBuildError(
                    f"building the web app failed ({' '.join(self.build_command)} exited "
                    f"{result.returncode}); fix the build, then run pulumi again"
                )
        if self.required and not (self.dist / INDEX_OBJECT_KEY).is_file():
            raise WebBuildError(
                f"{self.dist / INDEX_OBJECT_KEY} is missing: the web app must be built "
                "(scripts/build-web) before it can be deployed"
            )
        return self.dist


@dataclass(frozen=True, slots=True)
class WebArgs:
    dist: Path
    """The built web app (after WebBuild.prepare)."""
    web_bucket: aws.s3.Bucket
    uploads_bucket: aws.s3.Bucket
    web_url: pulumi.Output[str]
    domain: CustomDomain | None
    client_config: Mapping[str, pulumi.Input[str]]
    """The keys and values of config.json."""
    distribution_id: pulumi.Input[str]
    """The CloudFront distribution to invalidate when the files change."""


class Web(pulumi.ComponentResource):
    config_object: aws.s3.BucketObjectv2
    objects: list[aws.s3.BucketObjectv2]
    content_hash: pulumi.Output[str]
    """SHA-256 over the uploaded files and config.json: the invalidation's trigger."""

    def __init__(
        self, name: str, args: WebArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("engageiq:platform:Web", name, None, opts)
        self._name = name
        child = pulumi.ResourceOptions(parent=self)
        self.objects = []
        for path in static_files(args.dist):
            key = path.relative_to(args.dist).as_posix()
            self.objects.append(
                aws.s3.BucketObjectv2(
                    f"{name}-file-{key}",
                    bucket=args.web_bucket.id,
                    key=key,
                    source=pulumi.FileAsset(str(path)),
                    content_type=content_type(key),
                    cache_control=cache_control(key),
                    opts=child,
                )
            )
        config_json = pulumi.Output.json_dumps(dict(args.client_config))
        self.config_object = aws.s3.BucketObjectv2(
            f"{name}-config",
            bucket=args.web_bucket.id,
            key=CONFIG_OBJECT_KEY,
            content=config_json,
            content_type=content_type(CONFIG_OBJECT_KEY),
            cache_control=cache_control(CONFIG_OBJECT_KEY),
            opts=child,
        )
        files = files_digest(args.dist)
        self.content_hash = config_json.apply(
            lambda config: hashlib.sha256(f"{files}\0{config}".encode()).hexdigest()
        )
        self._invalidation(args.distribution_id)
        self._uploads_cors(args)
        self.register_outputs(
            {"configObjectKey": self.config_object.key, "contentHash": self.content_hash}
        )

    def _invalidation(self, distribution_id: pulumi.Input[str]) -> command.local.Command:
        """Invalidates the distribution after the uploads, and again only when the content
        hash changes: a new trigger replaces the command, which runs it (decision 0066)."""
        return command.local.Command(
            f"{self._name}-invalidation",
            create=INVALIDATION_COMMAND,
            environment={"ENGAGEIQ_DISTRIBUTION_ID": distribution_id},
            triggers=[self.content_hash],
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[*self.objects, self.config_object]
            ),
        )

    def _uploads_cors(self, args: WebArgs) -> None:
        origins: list[pulumi.Input[str]] = [args.web_url]
        if args.domain:
            # Tenant subdomains serve the same app.
            origins.append(f"https://*.{args.domain.name}")
        aws.s3.BucketCorsConfiguration(
            f"{self._name}-uploads-cors",
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
            opts=pulumi.ResourceOptions(parent=self),
        )
