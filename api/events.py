"""POST /api/v1/events: batched, validated, idempotent ingestion, acknowledged only after commit.

The path of a request: the API key (401; 403 without the scope `ingest`), the key's rate limit (429, api/rate_limit.py),
the body (415 not JSON, 413 over 1 MiB), the one decoder to typed events (400 with one detail per bad event,
api/event_decoder.py), the key's rate limit for that many events (429), the shared group-commit
writer (429 when its queue is full, 503 when it cannot commit, 400 when the database refuses a value), 202 once the
transaction that holds the events has committed. The whole batch is written or nothing of it.
"""

from __future__ import annotations

from api.auth import key_from_header, missing_scope_message
from api.errors import BEARER_CHALLENGE, RETRY_LATER, ApiError
from api.event_decoder import decode_events, detail
from api.ingestion import IngestionApp, IngestRequest, Reply, Route
from api.rate_limit import refuse_if_empty, spend
from appstate import AppState
from db.api_keys import VerifiedKey
from db.writer import DatabaseUnavailable, EventsRefused, WriterClosed, WriteResult, WriterOverloaded
from domain import INGEST

PATH = "/api/v1/events"
MAX_BODY_BYTES = 1 << 20  # 1 MiB
SUBMIT_TIMEOUT = 5.0  # seconds a request waits for its commit before answering 503
RETRY_AFTER_OVERLOADED = "1"


def post_events(appstate: AppState, request: IngestRequest) -> Reply:
    key = authenticate(appstate, request.authorization)
    refuse_if_empty(appstate, key)
    data = read_json_body(request)
    events = decode_events(
        data, max_age_days=appstate.settings.event_max_age_days, unknown_users=appstate.known_users.unknown
    )
    spend(appstate, key, len(events))
    result = submit(appstate, events, ids="event ids")
    return Reply(202, f'{{"accepted": {result.accepted}, "duplicates": {result.duplicates}}}'.encode())


def submit(appstate: AppState, events, traits=(), *, ids: str) -> WriteResult:
    """Write through the event writer, its failures answered as every ingestion endpoint does: 429 when its queue is
    full, 503 when nothing could be committed, 400 when the database refused the events (nothing written); `ids` names
    what a retry must resend ("event ids", "message ids")."""
    try:
        return appstate.writer.submit(events, traits, timeout=SUBMIT_TIMEOUT)
    except WriterOverloaded:
        raise ApiError(
            429,
            f"too many events queued; retry shortly with the same {ids}",
            headers={"Retry-After": RETRY_AFTER_OVERLOADED},
        ) from None
    except (DatabaseUnavailable, WriterClosed) as exc:
        raise ApiError(
            503, f"the events could not be committed ({exc}); retry with the same {ids}", headers=RETRY_LATER
        ) from None
    except (EventsRefused, ValueError) as exc:  # ValueError: refused before queueing (the decoders prevent it)
        raise ApiError(
            400, "the database refused these events; nothing was written", [detail(None, None, str(exc))]
        ) from None


def authenticate(appstate: AppState, authorization: str | None) -> VerifiedKey:
    """The key of the header, or ApiError 401 unless it carries a valid key, 403 when that key lacks the scope
    `ingest` (a database error propagates: 503)."""
    return authenticate_key(appstate, key_from_header(authorization))


def authenticate_key(appstate: AppState, key: str | None) -> VerifiedKey:
    """As `authenticate`, for a key taken from elsewhere than a Bearer header (None: no key)."""
    found = None if key is None else appstate.api_keys.lookup(key)
    if found is None:
        raise ApiError(
            401,
            "a valid API key is required",
            [detail(None, None, "send Authorization: Bearer <api key>")],
            BEARER_CHALLENGE,
        )
    if INGEST not in found.scopes:
        raise ApiError(403, missing_scope_message(INGEST))
    return found


def read_json_body(request: IngestRequest) -> bytes:
    """The body, if it is declared JSON (else 415) and at most MAX_BODY_BYTES long (else 413)."""
    mimetype = (request.content_type or "").split(";", 1)[0].strip().lower()
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(415, "the body must be JSON", [detail(None, None, "send Content-Type: application/json")])
    length = request.content_length
    if length is None or length <= MAX_BODY_BYTES:
        data = request.read(MAX_BODY_BYTES + 1)
        if len(data) <= MAX_BODY_BYTES:
            return data
    raise ApiError(
        413, "request body too large", [detail(None, None, f"the body must be at most {MAX_BODY_BYTES} bytes")]
    )


def app(appstate: AppState) -> IngestionApp:
    """The WSGI app mounted at PATH: POST only; sub-paths are 404."""
    return IngestionApp(appstate, {"": Route(("POST",), post_events, "use POST to send events")})
