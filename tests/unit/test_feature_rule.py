"""The one feature-name rule (domain.clean_feature) and the API decoder, whose Rust fast path for plain ASCII names
must accept and store exactly what the rule does."""

from __future__ import annotations

import json

import pytest

from api.errors import ApiError
from api.event_decoder import decode_events
from domain import clean_feature, is_feature_name

NAMES = [
    "Order Completed",
    "  Order Completed ",
    "order completed",
    "checkout.pay",
    "a",
    " a",
    "x" * 100,
    "x" * 101,
    " " + "x" * 100 + " ",  # 100 once stripped
    "é" * 100,
    "é" * 101,
    "Café ☕",
    "日本語のイベント",
    "<b>bold</b> & co",
    "=1+1",
    "",
    "   ",
    "tab\there",
    "new\nline",
    "\tpadded\n",  # surrounding whitespace is stripped, tab and newline included
    "nul\x00byte",
    "bell\x07",
    "del\x7f",
    "zero\u200bwidth",
    "soft\u00adhyphen",
    "line\u2028separator",
    "private\ue000use",
    "x" * 99 + " ",
]


def decoded(name: str) -> str | None:
    body = json.dumps({"events": [{"feature": name}]}).encode()
    try:
        return decode_events(body, max_age_days=365, unknown_users=lambda ids: set())[0].feature
    except ApiError as error:
        assert error.status == 400 and error.details[0]["field"] == "feature"
        return None


@pytest.mark.parametrize("name", NAMES)
def test_the_decoder_applies_exactly_the_rule(name):
    assert decoded(name) == clean_feature(name)


def test_the_rule_by_hand():
    assert clean_feature("  Order Completed\t") == "Order Completed"
    assert clean_feature("x" * 101) is None and clean_feature("é" * 100) == "é" * 100  # code points, not bytes
    assert clean_feature("a\nb") is None and clean_feature(5) is None and clean_feature(None) is None
    assert is_feature_name("Order Completed") and not is_feature_name(" Order Completed")  # stored form only
