"""The files service's API errors (all in the shared `{code, message, requestId}` shape)."""

from __future__ import annotations

from typing import Final

from engageiq_tenancy.errors import ApiError

# How the OpenAPI documents describe these errors (`documented_errors` takes them).
NOT_FOUND_DOC: Final = "`file_not_found`: no such file in your organisation."
NOT_YOURS_DOC: Final = "`forbidden`: only who uploaded the file, or a tenant admin, may change it."


def file_not_found() -> ApiError:
    # The same answer for another tenant's id and for an id that never existed.
    return ApiError(404, "file_not_found", "No file with this id exists.")


def file_too_large(limit: int) -> ApiError:
    return ApiError(413, "file_too_large", f"The file is larger than the {limit}-byte limit.")


def unsupported_file_type(detail: str) -> ApiError:
    return ApiError(
        415,
        "unsupported_file_type",
        f"This kind of file is not accepted ({detail}). "
        "Upload txt, md, html, csv, pdf, docx, pptx or xlsx.",
    )


def empty_file() -> ApiError:
    return ApiError(400, "empty_file", "The file is empty.")


def malformed_upload(detail: str) -> ApiError:
    return ApiError(400, "malformed_upload", f"The upload could not be read: {detail}.")
