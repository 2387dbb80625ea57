"""The SDK endpoints' two decoders agree: every batch the fast path (api/sdk_fast.py) takes gives the same events as
the Python decoders (api/segment.py, api/posthog.py), and the fast path declines whatever only the Python decoders
handle (identify, page, `$` events, `$set`, text ids, times without an offset, mistakes). Also the small readers of
api/sdk_input.py: gzip within a limit, Basic auth, ids, times and traits."""

from __future__ import annotations

import base64
import gzip
import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from api import posthog, sdk_fast, sdk_input, segment
from api.errors import ApiError

NOW = datetime.now(UTC)
STAMP = (NOW - timedelta(hours=3)).isoformat()


def seg(**fields) -> dict:
    return {
        "type": "track",
        "event": "Order Completed",
        "userId": "u-1",
        "messageId": str(uuid.uuid4()),
        "timestamp": STAMP,
        "context": {"library": {"name": "analytics-python"}},
        "properties": {"revenue": 3},
        **fields,
    }


def ph(**fields) -> dict:
    return {
        "event": "Button Clicked",
        "distinct_id": "p-1",
        "uuid": str(uuid.uuid4()),
        "timestamp": STAMP,
        "properties": {"$lib": "posthog-python", "plan": "pro"},
        **fields,
    }


def as_tuples(events) -> list[tuple]:
    return [(e.feature, e.source, e.user_id, e.occurred_at, e.event_id, e.person) for e in events]


FAST_SEGMENT = [
    [seg()],
    [seg(event="  Spaced  "), seg(userId=None, anonymousId="anon"), seg(timestamp="2026-11-30T01:02:03.5Z")],
    [seg(event="Ünïcödé ✓", messageId=str(uuid.uuid4()).upper())],
]


@pytest.mark.parametrize("messages", FAST_SEGMENT)
def test_segment_fast_path_equals_the_python_decoder(messages):
    messages = [{k: v for k, v in m.items() if v is not None} for m in messages]
    body = json.dumps({"batch": messages, "writeKey": "cb_k"}).encode()
    fast = sdk_fast.segment(body)
    assert fast is not None
    slow = segment.decode(messages, now=NOW, max_age_days=365)
    assert as_tuples(fast[0]) == as_tuples(slow.events) and fast[1] == "cb_k"
    assert slow.traits == []


DECLINED_SEGMENT = [
    [seg(), {"type": "identify", "userId": "u-1", "traits": {"age": 3}}],
    [seg(type="page", name="Home")],
    [seg(messageId="ajs-next-1")],
    [seg(timestamp="2026-11-30T01:02:03")],
    [seg(userId=5)],
    [seg(event="")],
    [{k: v for k, v in seg().items() if k != "timestamp"}],
]


@pytest.mark.parametrize("messages", DECLINED_SEGMENT)
def test_segment_fast_path_declines_what_only_the_python_decoder_knows(messages):
    assert sdk_fast.segment(json.dumps({"batch": messages}).encode()) is None


FAST_POSTHOG = [
    [ph()],
    [ph(distinct_id=None, properties={"distinct_id": "in-props"}), ph(event=" Trimmed ")],
]


@pytest.mark.parametrize("messages", FAST_POSTHOG)
def test_posthog_fast_path_equals_the_python_decoder(messages):
    messages = [{k: v for k, v in m.items() if v is not None} for m in messages]
    body = json.dumps({"batch": messages, "api_key": "cb_k"}).encode()
    fast = sdk_fast.posthog(body)
    assert fast is not None
    slow = posthog.decode(messages, features=frozenset({"$pageview"}), now=NOW, max_age_days=365)
    assert as_tuples(fast[0]) == as_tuples(slow.events) and fast[1] == "cb_k"


DECLINED_POSTHOG = [
    [ph(event="$pageview")],
    [ph(properties={"$set": {"age": 30}})],
    [ph(**{"$set": {"age": 30}})],
    [ph(uuid="evt-1")],
    [ph(distinct_id=7)],
    [ph(timestamp="2026-11-30T01:02:03")],
]


@pytest.mark.parametrize("messages", DECLINED_POSTHOG)
def test_posthog_fast_path_declines_what_only_the_python_decoder_knows(messages):
    assert sdk_fast.posthog(json.dumps({"batch": messages}).encode()) is None


def test_an_escaped_dollar_is_seen_by_the_python_decoder():
    """`\\u0024set` is `$set` once parsed: the fast path must not skip the traits it carries."""
    body = json.dumps({"batch": [ph(properties={"$set": {"age": 30}})]}).replace("$set", "\\u0024set").encode()
    assert sdk_fast.posthog(body) is None
    decoded = posthog.decode(json.loads(body)["batch"], features=frozenset(), now=NOW, max_age_days=365)
    assert [(t.external_id, t.age) for t in decoded.traits] == [("p-1", 30)]


# -- sdk_input -------------------------------------------------------------------------------------------------


def test_inflate_within_and_over_the_limit():
    assert sdk_input.inflate(gzip.compress(b"x" * 1000), limit=1000) == b"x" * 1000
    with pytest.raises(ApiError) as refused:
        sdk_input.inflate(gzip.compress(b"x" * 1001), limit=1000)
    assert refused.value.status == 413
    with pytest.raises(ApiError) as bad:
        sdk_input.inflate(b"\x1f\x8b not really")
    assert bad.value.status == 400


def test_basic_auth_key():
    encode = base64.b64encode
    assert sdk_input.basic_auth_key("Basic " + encode(b"cb_key:").decode()) == "cb_key"
    assert sdk_input.basic_auth_key("basic " + encode(b":cb_key").decode()) == "cb_key"  # key as the password
    assert sdk_input.basic_auth_key("Bearer cb_key") is None
    assert sdk_input.basic_auth_key("Basic ###") is None
    assert sdk_input.basic_auth_key(None) is None


def test_event_ids():
    given = uuid.uuid4()
    assert sdk_input.event_uuid(str(given), sdk_input.SEGMENT_NAMESPACE) == given
    assert sdk_input.event_uuid(given.hex, sdk_input.SEGMENT_NAMESPACE) == given
    text_id = sdk_input.event_uuid("order-1", sdk_input.SEGMENT_NAMESPACE)
    assert (
        text_id
        == sdk_input.event_uuid("order-1", sdk_input.SEGMENT_NAMESPACE)
        == uuid.uuid5(sdk_input.SEGMENT_NAMESPACE, "order-1")
    )
    assert text_id != sdk_input.event_uuid("order-1", sdk_input.POSTHOG_NAMESPACE)
    assert sdk_input.event_uuid(None, sdk_input.SEGMENT_NAMESPACE) is None
    for bad in ("", "  ", 17, "x" * 201, {"id": 1}):
        with pytest.raises(ValueError):
            sdk_input.event_uuid(bad, sdk_input.SEGMENT_NAMESPACE)


def test_times():
    assert sdk_input.parse_time("2026-11-25T10:00:00Z") == datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert sdk_input.parse_time("2026-11-25T10:00:00.123-02:00") == datetime(2026, 11, 25, 12, 0, 0, 123000, UTC)
    assert sdk_input.parse_time("2026-11-25T10:00:00") == datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert sdk_input.parse_time(None) is None
    for bad in ("2026-11-25", "soon", 1764064800, ""):
        with pytest.raises(ValueError):
            sdk_input.parse_time(bad)


@pytest.mark.parametrize(
    "age, expected", [(30, 30), ("30", 30), (30.0, 30), (0, None), (121, None), (True, None), ("3x", None), (2.5, None)]
)
def test_age_trait(age, expected):
    assert sdk_input.age_trait(age) == expected


def test_birthday_and_gender_traits():
    assert sdk_input.birthday_trait("1990-04-02") == date(1990, 4, 2)
    assert sdk_input.birthday_trait("1990-04-02T00:00:00.000Z") == date(1990, 4, 2)
    assert sdk_input.birthday_trait("1850-01-01") is None
    assert sdk_input.birthday_trait((NOW + timedelta(days=2)).date().isoformat()) is None
    assert sdk_input.birthday_trait("April 2nd") is None
    assert [sdk_input.gender_trait(g) for g in ("male", "F", " Woman ", "non-binary", "unknown", 1)] == [
        "Male",
        "Female",
        "Female",
        "Other",
        None,
        None,
    ]


def test_traits_from_identify_and_set():
    batch = segment.decode(
        [
            {"type": "identify", "userId": "a", "traits": {"age": "41", "gender": "female", "email": "x@y"}},
            {"type": "identify", "userId": "b", "traits": {"birthday": "2010-01-31", "gender": "robot"}},
            {"type": "identify", "anonymousId": "c"},
        ],
        now=NOW,
        max_age_days=365,
    )
    assert [(t.external_id, t.age, t.birth_date, t.gender) for t in batch.traits] == [
        ("a", 41, None, "Female"),
        ("b", None, date(2010, 1, 31), None),
        ("c", None, None, None),
    ]
    assert batch.events == []
