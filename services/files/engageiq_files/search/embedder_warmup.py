"""Imported by the forkserver the build processes fork from (`ingestion.sandbox`), to load
the configured embedder's weights once there: every build process then shares them instead of
loading 32 MiB and spending ~0.6 s of CPU on each upload. Importing is the hook forkserver
preloading offers; nothing else imports this module.

A malformed `ENGAGEIQ_EMBEDDER` is left alone here: the service refuses it at start with the
settings reader's message, and a build process would raise the same error."""

from __future__ import annotations

import os

from engageiq_search.embedder import WordLlamaEmbedder
from engageiq_tenancy.setting import SettingsError
from engageiq_tenancy.setting_catalog import SharedVariables


def warm() -> None:
    try:
        choice = SharedVariables.EMBEDDER.read(os.environ)
    except SettingsError:
        return
    if choice.kind == "wordllama":
        WordLlamaEmbedder().warm()


warm()
