"""Two measures of a call's size: the API's (compact UTF-8 JSON, an error over 32 KB) and
the official Python clients' (json.dumps defaults, a warning over 32 KB: they refuse
to send such a call; their track raises).

The clients' own code is run (with send=False, nothing leaves the process) to show the
measure is theirs.
"""

from __future__ import annotations

import json

import pytest

import eventspec
from eventspec._validate import client_size, json_size

# The cdp document's "API limits": 32KB a call, 500KB a batch, read as 1,024 bytes a KB.
CALL_LIMIT = 32 * 1024
BATCH_LIMIT = 500 * 1024

BASE = {"type": "track", "userId": "u1", "event": "Signed Up", "anonymousId": None}


def with_property(value) -> dict:
    return {**BASE, "properties": {"p": value}}


@pytest.mark.parametrize("value", ["é" * 15_000, list(range(6500))], ids=["15,000 é", "range(6500)"])
def test_a_call_over_the_limit_as_the_clients_send_it_is_a_warning(value):
    payload = with_property(value)
    compact = len(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    sent = len(json.dumps(payload).encode())
    assert compact <= CALL_LIMIT < sent  # under the API's rule, over the clients'
    report = eventspec.validate(payload)
    assert report.ok
    assert [(f.path, f.category, f.severity) for f in report.warnings] == [("$", "client-size-limit", "warning")]
    message = report.warnings[0].message
    assert f"{sent:,} bytes as the official Python clients serialize it" in message
    assert f"compact UTF-8 JSON: {compact:,} bytes" in message
    assert (json_size(payload), client_size(payload)) == (compact, sent)


def test_over_the_api_limit_is_the_size_error_alone():
    report = eventspec.validate(with_property("é" * 20_000))
    assert [f.category for f in report.findings] == ["size-limit"]


def test_exactly_at_the_limit_as_sent_is_fine_one_byte_more_is_not():
    pad = CALL_LIMIT - client_size(with_property(""))
    at = with_property("\u00e9" * (pad // 6) + "x" * (pad % 6))
    assert client_size(at) == CALL_LIMIT
    assert eventspec.validate(at).findings == ()
    over = with_property(at["properties"]["p"] + "x")
    assert [f.category for f in eventspec.validate(over).warnings] == ["client-size-limit"]


def test_a_batch_item_is_measured_as_the_call_the_client_sent():
    item = with_property("é" * 15_000)
    report = eventspec.validate({"batch": [BASE, item]})
    assert report.ok
    assert [(f.path, f.category) for f in report.warnings] == [("$.batch[1]", "client-size-limit")]


@pytest.mark.parametrize("module", ["segment.analytics.client", "customerio.analytics.client"])
def test_the_official_clients_refuse_what_eventspec_warns_about(module):
    client_class = pytest.importorskip(module).Client
    client = client_class("write-key", send=False)
    for value in ("é" * 15_000, list(range(6500))):
        with pytest.raises(RuntimeError, match="exceeds"):
            client.track(user_id="u1", event="Signed Up", properties={"p": value})
    # and what they do send is measured as they measure it
    sent_ok, message = client.track(user_id="u1", event="Signed Up", properties={"p": "é" * 100, "n": [1.5, 2]})
    assert sent_ok
    assert client_size(message) == len(json.dumps(message).encode())
    assert eventspec.validate(message).findings == ()
