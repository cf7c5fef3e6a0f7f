"""Imported by the forkserver the build processes fork from (`ingestion.sandbox`), to load
the configured embedder's weights once there: every build process then shares them instead of
loading them on each upload (wordllama: 32 MiB and ~0.6 s of CPU; e5: its engine and 72 MB of
mapped weights, no embedding: OpenMP's threads must not exist before the fork). Importing is
the hook forkserver preloading offers; nothing else imports this module.

A malformed `ENGAGEIQ_EMBEDDER` is left alone here: the service refuses it at start with the
settings reader's message, and a build process would raise the same error."""

from __future__ import annotations

import os

from engageiq_search.embedder import E5Embedder, WordLlamaEmbedder
from engageiq_tenancy.setting import SettingsError
from engageiq_tenancy.setting_catalog import SharedVariables


def warm() -> None:
    try:
        choice = SharedVariables.EMBEDDER.read(os.environ)
    except SettingsError:
        return
    if choice.kind == "wordllama":
        WordLlamaEmbedder().warm()
    elif choice.kind == "e5":
        E5Embedder().warm()


warm()
