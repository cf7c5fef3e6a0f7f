"""The one table of API errors (decision 0095): every answer in the `{code, message,
requestId}` shape comes from an entry here, with its HTTP status, its stable code and the
sentence for people. Raising (`ApiError(Errors.FILE_NOT_FOUND)`) and the OpenAPI documents
(`documented_errors(Errors.FILE_NOT_FOUND)`) both read the entry, so they cannot disagree.

A code means one thing and has one status. A few codes have several sentences (the framework's
`invalid_request` and `forbidden`, a storage outage's `service_unavailable`): each sentence is
its own entry under the same code. `{placeholders}` in a sentence are the detail a raiser adds
(`Errors.FILE_TOO_LARGE` takes `limit`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """One entry of the table: HTTP `status`, stable `code`, `message` for people (a
    `str.format` template when it has `{placeholders}`) and `doc`, how the OpenAPI documents
    explain the code after a colon (empty: the code alone)."""

    status: int
    code: str
    message: str
    doc: str = ""

    def sentence(self, **detail: str | int) -> str:
        """The message with `detail` filled in; KeyError if a placeholder is not given."""
        return self.message.format(**detail)

    def documented(self, *, note: str = "", doc: str | None = None) -> DocumentedError:
        """This entry as one route documents it: `note` in brackets after the code (when, or
        for which field, the route gives it), `doc` instead of the table's explanation."""
        return DocumentedError(self, note, self.doc if doc is None else doc)


@dataclass(frozen=True, slots=True)
class DocumentedError:
    """An entry in one route's OpenAPI `responses`, rendered "`code` (note): doc"."""

    error: ErrorCode
    note: str = ""
    doc: str = ""

    def describe(self) -> str:
        text = f"`{self.error.code}`"
        if self.note:
            text += f" ({self.note})"
        if self.doc:
            text += f": {self.doc}"
        return text


def describe_status(errors: list[DocumentedError]) -> str:
    """One status's OpenAPI description, e.g. "`invalid_cursor`, `invalid_request`." or
    "`forbidden`: no role in your organisation; `tenant_suspended`.". Codes are joined with
    commas; with semicolons when an explanation stands between them (an explanation on the
    last code only reads as the whole list's). Each code appears once."""
    seen: set[str] = set()
    unique = []
    for error in errors:
        if error.error.code not in seen:
            seen.add(error.error.code)
            unique.append(error)
    separator = "; " if any(error.doc for error in unique[:-1]) else ", "
    return separator.join(error.describe() for error in unique) + "."


RETRY_AFTER_DOC: Final = (
    "a service we depend on (AWS, the user pool's keys) is not answering after our retries; "
    "nothing was changed. Try again after `Retry-After` seconds"
)


class Errors:
    """The table. Attribute names are the entries' names; `Errors.all()` lists them."""

    # The framework's own refusals, and requests the middleware refuses.
    INVALID_REQUEST = ErrorCode(400, "invalid_request", "The request could not be understood.")
    INVALID_FIELDS = ErrorCode(400, "invalid_request", "The request is invalid: {problems}.")
    INVALID_BODY = ErrorCode(400, "invalid_request", "The request body or parameters are invalid.")
    NESTED_TOO_DEEPLY = ErrorCode(
        400, "invalid_request", "The request body is nested too deeply to read."
    )
    DUPLICATE_AUTHORIZATION = ErrorCode(
        400, "duplicate_authorization", "Send one Authorization header; this request has several."
    )
    UNAUTHENTICATED = ErrorCode(401, "unauthenticated", "Sign in to continue.")
    FORBIDDEN = ErrorCode(403, "forbidden", "You do not have permission to do that.")
    NOT_FOUND = ErrorCode(404, "not_found", "Nothing was found at this address.")
    METHOD_NOT_ALLOWED = ErrorCode(
        405, "method_not_allowed", "This address does not accept that method."
    )
    PAYLOAD_TOO_LARGE = ErrorCode(
        413, "payload_too_large", "The request body is larger than this endpoint accepts."
    )
    UNSUPPORTED_MEDIA_TYPE = ErrorCode(
        415, "unsupported_media_type", "This endpoint does not accept that content type."
    )
    RATE_LIMITED = ErrorCode(429, "rate_limited", "Too many requests; slow down and try again.")
    HTTP_ERROR = ErrorCode(400, "http_error", "The request failed.")
    """Any other status the framework refuses with (answered with that status, not 400)."""
    INTERNAL_ERROR = ErrorCode(
        500, "internal_error", "Something went wrong on our side; it has been logged. Try again."
    )

    # The local edge's own refusals (engageiq/local/request_paths.py): a request path it
    # cannot read is answered there, never sent on to a service.
    INVALID_PATH = ErrorCode(400, "invalid_path", "This address could not be read: {reason}.")
    """`reason` says what is wrong with the path (a broken '%' escape, a control character)."""
    PATH_TOO_LONG = ErrorCode(
        414, "path_too_long", "This address is longer than the {limit}-byte limit."
    )

    # Signing in: the token verifier and the tenant gate.
    MISSING_TOKEN = ErrorCode(
        401, "missing_token", "Sign in to continue: no bearer token was sent."
    )
    INVALID_TOKEN = ErrorCode(401, "invalid_token", "{reason}")
    """`reason` is the verifier's sentence for the check that failed (one per check)."""
    NOT_BEARER = ErrorCode(
        401, "invalid_token", "The Authorization header must be 'Bearer <token>'."
    )
    TOKEN_EXPIRED = ErrorCode(401, "token_expired", "The token has expired; sign in again.")
    TOKEN_REVOKED = ErrorCode(
        401,
        "token_revoked",
        "Your access to this organisation was removed or changed; sign in again.",
    )
    NO_ROLE = ErrorCode(
        403, "forbidden", "Your account has no role in your organisation; ask an admin to add one."
    )
    ROLE_REQUIRED = ErrorCode(
        403, "forbidden", "This needs the '{role}' role in your organisation."
    )
    TENANT_SUSPENDED = ErrorCode(
        403,
        "tenant_suspended",
        "Your organisation's account is suspended. Contact your administrator.",
    )
    TENANT_UNAVAILABLE = ErrorCode(
        403,
        "tenant_unavailable",
        "Your organisation's account no longer exists or is being removed.",
    )
    DIRECT_ACCESS_REFUSED = ErrorCode(
        403,
        "direct_access_refused",
        "This address only serves requests through the EngageIQ web address.",
    )

    # A service we depend on is not answering (decision 0091).
    SERVICE_UNAVAILABLE = ErrorCode(
        503,
        "service_unavailable",
        "The service is busy or briefly unavailable, and your request was not completed. "
        "Try again in a few seconds.",
    )
    SERVICE_NOT_ANSWERING = ErrorCode(
        503,
        "service_unavailable",
        "The {service} service is not answering; try again in a few seconds.",
    )
    """The local edge's own answer when no replica of the service took the request (decision
    0131); `service` is `chat` or `files`."""
    STORAGE_NOT_ANSWERING = ErrorCode(
        503,
        "service_unavailable",
        "Our storage is not answering right now; nothing was changed. Try again shortly.",
    )
    STORAGE_UNAVAILABLE = ErrorCode(
        503,
        "storage_unavailable",
        "The answer could not be saved; it will be missing from the history.",
    )
    """Sent as the chat stream's last `error` event, after the answer was streamed."""
    AUTH_UNAVAILABLE = ErrorCode(
        503, "auth_unavailable", "Sign-in keys could not be loaded; try again shortly."
    )
    USER_DIRECTORY_UNAVAILABLE = ErrorCode(
        503,
        "user_directory_unavailable",
        "The user directory is not answering right now; nothing was changed. Try again shortly.",
    )

    # Paging (engageiq_tenancy.cursors): both services' listings.
    INVALID_CURSOR = ErrorCode(
        400, "invalid_cursor", "The cursor is not one this listing handed out."
    )

    # Conversation search (issue 24, Find: GET /api/conversations?q=).
    INVALID_QUERY = ErrorCode(
        400, "invalid_query", "A search is at most {limit} characters; shorten it."
    )

    # Chat.
    EMPTY_MESSAGE = ErrorCode(400, "empty_message", "Write a message first.")
    MESSAGE_TOO_LONG = ErrorCode(
        413,
        "message_too_long",
        "Messages are limited to {limit} characters; shorten it or split it in parts.",
    )
    CONVERSATION_NOT_FOUND = ErrorCode(
        404, "conversation_not_found", "No such conversation.", "no such conversation of yours"
    )
    INVALID_TITLE = ErrorCode(400, "invalid_title", "A title has 1 to {limit} visible characters.")
    MESSAGE_NOT_FOUND = ErrorCode(
        404,
        "message_not_found",
        "No such answer in this conversation.",
        "no such assistant message in your conversation",
    )
    NOTHING_TO_CONTINUE = ErrorCode(
        409,
        "nothing_to_continue",
        "Only the conversation's last answer, when it was stopped or cut off, can be continued.",
        "the message is not the conversation's last answer, or that answer is complete",
    )
    INVALID_RATING = ErrorCode(400, "invalid_rating", "Rate an answer 'up' or 'down'.")
    REASON_TOO_LONG = ErrorCode(
        400, "reason_too_long", "Keep the reason to {limit} characters or fewer."
    )
    INVALID_IDEMPOTENCY_KEY = ErrorCode(
        400,
        "invalid_idempotency_key",
        "The Idempotency-Key header must be 8 to 128 letters, digits, '-' or '_'.",
    )
    IDEMPOTENCY_KEY_REUSED = ErrorCode(
        422,
        "idempotency_key_reused",
        "This Idempotency-Key was already used for a different question; send a new key.",
        "the key was used before with another body",
    )
    IDEMPOTENCY_KEY_IN_USE = ErrorCode(
        409,
        "idempotency_key_in_use",
        "The first request with this Idempotency-Key has not started yet; try again shortly.",
        "the first request with the key is still starting",
    )
    BUDGET_EXCEEDED = ErrorCode(
        429,
        "budget_exceeded",
        "Your organisation has used its AI budget for this month. It renews at the start "
        "of next month; an administrator can raise it sooner.",
        "the organisation's monthly AI budget is spent (`Retry-After`: seconds until it renews)",
    )

    # Answers that outlive their connection (decision 0114).
    TOO_MANY_READERS = ErrorCode(
        429,
        "too_many_readers",
        "Too many windows are following answers at once; close some and try again.",
        "the caller already has that many answers being followed on this instance "
        "(`Retry-After`: seconds)",
    )

    # Sharing and export of conversations (decision 0113).
    SHARE_NOT_FOUND = ErrorCode(
        404,
        "share_not_found",
        "This shared conversation is not available: the link may be mistyped or no longer shared.",
        "no such link in your organisation (never made, revoked, or of another organisation, "
        "all alike)",
    )
    UNKNOWN_EXPORT_FORMAT = ErrorCode(
        400, "unknown_export_format", "Export as 'md' (Markdown) or 'json'."
    )

    # Files.
    FILE_NOT_FOUND = ErrorCode(
        404, "file_not_found", "No file with this id exists.", "no such file in your organisation"
    )
    FILE_TOO_LARGE = ErrorCode(
        413,
        "file_too_large",
        "The file is larger than the {limit}-byte limit.",
        "over the upload limit",
    )
    UNSUPPORTED_FILE_TYPE = ErrorCode(
        415,
        "unsupported_file_type",
        "This kind of file is not accepted ({detail}). "
        "Upload txt, md, html, csv, pdf, docx, pptx, xlsx or an image (png, jpeg, tiff, webp, "
        "gif, bmp or avif).",
        "the content is not an accepted document type",
    )
    EMPTY_FILE = ErrorCode(400, "empty_file", "The file is empty.")
    MALFORMED_UPLOAD = ErrorCode(400, "malformed_upload", "The upload could not be read: {detail}.")
    ALREADY_COMPLETED = ErrorCode(409, "already_completed", "This upload was already completed.")
    UPLOAD_MISSING = ErrorCode(409, "upload_missing", "Upload the file to the presigned URL first.")
    UPLOAD_NOT_COMPLETED = ErrorCode(
        409,
        "upload_not_completed",
        "'{name}' was never uploaded: complete or delete that upload first.",
        "the file to replace is a direct upload still awaiting its bytes",
    )
    UPLOAD_EXPIRED = ErrorCode(
        409,
        "upload_expired",
        "The upload took too long and was discarded; upload the file again.",
    )
    NOT_AN_OLDER_VERSION = ErrorCode(
        409,
        "not_an_older_version",
        "Only an older, ready version of a file can be restored.",
        "the file is current or not ready",
    )

    # The files page at scale (decision 0116): finding, sorting and filtering the listing.
    INVALID_FILE_SORT = ErrorCode(
        400,
        "invalid_file_sort",
        "Sort files by one of: {allowed}.",
        "`sort` or `order` is not one of the documented values",
    )
    INVALID_FILE_STATUS = ErrorCode(
        400,
        "invalid_file_status",
        "Filter files by one of these statuses: {allowed}.",
        "`status` is not a file status",
    )
    FILE_QUERY_TOO_LONG = ErrorCode(
        400,
        "file_query_too_long",
        "Search file names with at most {limit} characters.",
        "`q` is longer than the limit",
    )
    TOO_MANY_FILE_IDS = ErrorCode(
        400,
        "too_many_file_ids",
        "Ask for at most {limit} files by id at once.",
        "more `id`s than the limit",
    )

    # Governed knowledge (decision 0111): collections, audiences, verification, content issues.
    COLLECTION_NOT_FOUND = ErrorCode(
        404,
        "collection_not_found",
        "No such collection.",
        "no such collection that you may see",
    )
    INVALID_COLLECTION_NAME = ErrorCode(
        400,
        "invalid_collection_name",
        "A collection needs a name of 1 to {limit} visible characters.",
    )
    INVALID_COLLECTION_DESCRIPTION = ErrorCode(
        400,
        "invalid_collection_description",
        "Keep a collection's description to {limit} characters or fewer.",
    )
    COLLECTION_NAME_TAKEN = ErrorCode(
        409,
        "collection_name_taken",
        "Your organisation already has a collection called '{name}'.",
        "another collection has this name (compared ignoring case)",
    )
    INVALID_AUDIENCE = ErrorCode(
        400,
        "invalid_audience",
        "The audience is not valid: {detail}.",
        "unknown roles, users who are not in your organisation, or neither users nor roles",
    )
    INVALID_COLLECTION_IDS = ErrorCode(
        400,
        "invalid_collection_ids",
        "A file belongs to at most {limit} collections, each named once.",
    )
    INVALID_REVIEW_BY = ErrorCode(
        400,
        "invalid_review_by",
        "The review date must be a real date written YYYY-MM-DD, such as 2027-03-01.",
    )
    INVALID_OWNER = ErrorCode(
        400,
        "invalid_owner",
        "The new owner must be a user of your organisation.",
    )
    NOT_FILE_STEWARD = ErrorCode(
        403,
        "forbidden",
        "Only the owner of '{name}' or an admin of your organisation can {action} it.",
        "only the file's owner, or a tenant admin, may change this",
    )
    UNKNOWN_SCOPE = ErrorCode(
        400,
        "unknown_scope",
        "The scope names a collection or file that does not exist.",
        "a collection or file id in the scope does not exist (or is not yours to see)",
    )
    CONTENT_ISSUE_NOT_FOUND = ErrorCode(
        404,
        "content_issue_not_found",
        "No such content issue.",
        "no such content issue that you may see",
    )
    CONTENT_ISSUE_RESOLVED = ErrorCode(
        409,
        "content_issue_resolved",
        "This content issue was already resolved.",
        "the issue was resolved before",
    )
    RESOLUTION_NOTE_TOO_LONG = ErrorCode(
        400,
        "resolution_note_too_long",
        "Keep the note to {limit} characters or fewer.",
    )
    RESOLUTION_NOTE_REQUIRED = ErrorCode(
        400,
        "resolution_note_required",
        "Say what was done: a note of 1 to {limit} visible characters.",
        "no note, or one with no visible characters",
    )
    OWNER_OUTSIDE_AUDIENCE = ErrorCode(
        400,
        "invalid_owner",
        "The new owner is not in the audience of the collection '{collection}', so they could"
        " neither see nor verify '{name}'. Choose someone its collections admit.",
        "the new owner is not admitted by every collection of the file",
    )
    MOVE_EXCLUDES_OWNER = ErrorCode(
        400,
        "invalid_owner",
        "The owner of '{name}' is not in the audience of the collection '{collection}', so they"
        " could no longer see or verify it. An admin can move it and give it an owner the"
        " collection admits in the same request.",
        "the file's owner is not admitted by a collection it would move into",
    )

    # Plays: the team's prompt templates (decision 0115).
    PLAY_NOT_FOUND = ErrorCode(
        404, "play_not_found", "No such play.", "no such play of yours or of your organisation"
    )
    INVALID_PLAY_NAME = ErrorCode(
        400, "invalid_play_name", "A play needs a name of 1 to {limit} visible characters."
    )
    PLAY_NAME_TAKEN = ErrorCode(
        409,
        "play_name_taken",
        "You already have a play called '{name}' among your own and your organisation's plays.",
        "a play you see (yours or your organisation's) has this name (compared ignoring case)",
    )
    INVALID_PLAY_TEMPLATE = ErrorCode(
        400,
        "invalid_play_template",
        "A play's template has 1 to {limit} characters; shorten it or split it in two plays.",
        "empty, or over the size limit",
    )
    UNKNOWN_PLAY_VARIABLE = ErrorCode(
        400,
        "unknown_play_variable",
        "'{found}' is not a variable. Write a variable as {{name}}: a letter, then letters,"
        " digits, '_' or single spaces, {limit} characters at most; write {{{{ or }}}} for a"
        " brace itself.",
        "a {…} that is not a well-formed variable name, or a brace that opens or closes nothing",
    )
    TOO_MANY_PLAY_VARIABLES = ErrorCode(
        400,
        "too_many_play_variables",
        "A play has at most {limit} different variables.",
    )
    TOO_MANY_PLAYS = ErrorCode(
        409,
        "too_many_plays",
        "There are already {limit} plays here; delete one you no longer use first.",
        "the caller's own plays, or the organisation's, number the limit already",
    )
    SHARED_PLAYS_ADMIN_ONLY = ErrorCode(
        403,
        "forbidden",
        "Only an admin of your organisation can publish, change or delete the team's plays.",
        "only tenant admins publish, change or delete shared plays",
    )
    PLAY_CHANGED = ErrorCode(
        409,
        "play_changed",
        "The play was changed by someone else at the same moment; reload it and try again.",
        "the play changed while this request was being applied",
    )

    # The organisation and its users (the tenant admin API).
    TENANT_RECORD_NOT_FOUND = ErrorCode(
        404,
        "not_found",
        "Your organisation's record was not found.",
        "your organisation's record is missing (being removed)",
    )
    BRANDING_RATE_LIMITED = ErrorCode(
        429,
        "rate_limited",
        "Too many branding requests right now; try again in a second.",
        "too many lookups; retry after 1 s",
    )
    INVALID_ROLE = ErrorCode(400, "invalid_role", "The role must be 'member' or 'tenant_admin'.")
    USER_NOT_FOUND = ErrorCode(
        404,
        "user_not_found",
        "No such user in your organisation.",
        "no such user in your organisation",
    )
    USER_EXISTS = ErrorCode(
        409,
        "user_exists",
        "This e-mail address already has an account and cannot be invited.",
        "the address already has an account",
    )
    USER_DIRECTORY_REFUSED = ErrorCode(
        500, "internal_error", "The user directory refused the change."
    )
    # Operation errors (engageiq_tenancy.operation_errors, tenants.InvalidBranding) the admin
    # API relays with the sentence the operation wrote; listed so their codes have a status.
    INVALID_EMAIL = ErrorCode(400, "invalid_email", "'{email}' is not a valid email address.")
    INVALID_DISPLAY_NAME = ErrorCode(
        400, "invalid_display_name", "The display name must be 1-{limit} visible characters."
    )
    INVALID_COLOR = ErrorCode(400, "invalid_color", "The colour must look like #1f6feb.")
    # Brand colour contrast (engageiq_tenancy.brand_colour, decision 0117).
    BRAND_COLOUR_LOW_CONTRAST = ErrorCode(
        400,
        "brand_colour_low_contrast",
        "{colour} reaches only {ratio}:1 against the page; at least {minimum}:1 is needed to "
        "see buttons, underlines and charts in it (WCAG 2.1, 1.4.11). Choose a darker shade.",
        "the colour would make buttons, underlines or charts unreadable",
    )
    INVALID_LOGO_URL = ErrorCode(
        400, "invalid_logo_url", "The logo URL must be an https:// address."
    )
    LAST_ADMIN = ErrorCode(
        409,
        "last_admin",
        "This is the organisation's last admin; make someone else an admin first.",
    )
    # audit-core (issue 25, decision 0118): the tenant's audit log.
    AUDIT_UNAVAILABLE = ErrorCode(
        503,
        "audit_unavailable",
        "This action is recorded in your organisation's audit log, which could not be written "
        "just now. Try again in a few seconds.",
        "the action is audited and its entry could not be written",
    )
    INVALID_AUDIT_FILTER = ErrorCode(
        400, "invalid_audit_filter", "{reason}", "a filter is malformed (the sentence says which)"
    )

    # retention (issue 25, decision 0122)
    INVALID_RETENTION = ErrorCode(
        400,
        "invalid_retention",
        "{field} must be {allowed}.",
        "a retention value outside the allowed set",
    )

    # sso-backend: single sign-on per tenant (engageiq_tenancy.sso_connections, decision 0120).
    # The 400s and 409s are relayed with the operation's own sentence, which names the URL or
    # domain at fault (never another tenant).
    SSO_REQUIRED = ErrorCode(
        401,
        "sso_required",
        "Your organisation signs in with its identity provider; sign in with single sign-on.",
    )
    SSO_NOT_CONFIGURED = ErrorCode(
        404, "sso_not_configured", "This organisation has no single sign-on."
    )
    SSO_URL_NOT_ALLOWED = ErrorCode(
        400,
        "sso_url_not_allowed",
        "That address cannot be used; give an https:// address of the identity provider on "
        "the public internet.",
        "not https, or the host is a private, loopback or reserved address",
    )
    SSO_DOCUMENT_UNREACHABLE = ErrorCode(
        400,
        "sso_document_unreachable",
        "The identity provider's document could not be fetched.",
        "no answer, not 200, a redirect, too slow or too large",
    )
    SSO_METADATA_INVALID = ErrorCode(
        400, "sso_metadata_invalid", "The SAML metadata is not usable: {reason}."
    )
    SSO_DISCOVERY_MISSING = ErrorCode(
        400,
        "sso_discovery_missing",
        "No OpenID Connect discovery document was found for that issuer; check the issuer.",
    )
    SSO_DISCOVERY_INVALID = ErrorCode(
        400,
        "sso_discovery_invalid",
        "The issuer's discovery document is not usable: {reason}.",
        "it names another issuer, or lacks an https endpoint",
    )
    INVALID_SSO_DOMAIN = ErrorCode(
        400,
        "invalid_sso_domain",
        "Give 1 to 20 email domains such as acme.com (not a public mail service's).",
    )
    INVALID_SSO_CLIENT = ErrorCode(
        400, "invalid_sso_client", "The client id or secret is missing or malformed."
    )
    INVALID_SSO_SOURCE = ErrorCode(
        400,
        "invalid_sso_source",
        "Give the identity provider as SAML metadata (a URL or a file) or an OIDC issuer.",
    )
    SSO_ATTRIBUTE_MAPPING_REFUSED = ErrorCode(
        400,
        "sso_attribute_mapping_refused",
        "An identity provider may only fill email and name.",
    )
    SSO_DOMAIN_CLAIMED = ErrorCode(
        409,
        "sso_domain_claimed",
        "The domain {domain} is already claimed by another organisation.",
        "another organisation claimed a domain (which one is not said)",
    )
    SSO_DOMAIN_NOT_YOURS = ErrorCode(
        403,
        "sso_domain_not_yours",
        "You can add {domain} only through EngageIQ support: a tenant admin may add their own "
        "sign-in email's domain; any other domain is added by an operator, who checks that "
        "your organisation owns it.",
        "a domain that is neither the tenant's already nor the admin's own email's",
    )
    SSO_TYPE_CHANGE = ErrorCode(
        409,
        "sso_type_change",
        "Remove the current single sign-on connection before connecting another kind.",
        "connected with SAML by an operator; remove it first",
    )
    SSO_CHANGED = ErrorCode(
        409,
        "sso_changed",
        "The single sign-on connection was changed at the same time; try again.",
    )
    SSO_UNPROVEN = ErrorCode(
        409,
        "sso_unproven",
        "Sign in through your identity provider before requiring it: you are signed in with a "
        "password, and requiring single sign-on would end this session.",
        "requiring SSO from a password session",
    )
    SIGN_IN_ROUTE_RATE_LIMITED = ErrorCode(
        429,
        "rate_limited",
        "Too many sign-in lookups right now; try again in a second.",
        "too many lookups; retry after 1 s",
    )

    @classmethod
    def all(cls) -> Iterator[tuple[str, ErrorCode]]:
        """Every entry with its name, in table order."""
        for name, value in vars(cls).items():
            if isinstance(value, ErrorCode):
                yield name, value

    @classmethod
    def with_code(cls, code: str) -> ErrorCode:
        """The first entry with `code` (its status is every variant's); KeyError if none."""
        for _, error in cls.all():
            if error.code == code:
                return error
        raise KeyError(code)
