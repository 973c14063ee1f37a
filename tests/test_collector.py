"""The collector over real HTTP: endpoints, answers, findings per call, the JSON API."""

from __future__ import annotations

import base64
import gzip
import io
import json
import threading
import urllib.error
import urllib.request
from http.client import HTTPConnection
from typing import Any

import pytest

import eventspec
from eventspec import Collector, Report
from eventspec._collector import ENDPOINTS, describe

TRACK = {"type": "track", "userId": "u1", "event": "Order Completed", "properties": {"total": 9.5}}
BAD_TRACK = {"type": "track", "userId": "u1", "event": "Order Completed", "properties": {"total": "9.50"}}


def post(url: str, body: bytes | dict | list, headers: dict[str, str] | None = None) -> tuple[int, Any, dict]:
    data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
    request = urllib.request.Request(url, data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read()), dict(answer.headers)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"null"), dict(error.headers)


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


@pytest.fixture
def collector():
    with Collector() as running:
        yield running


# ------------------------------------------------------------------ answers
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_every_endpoint_answers_200_success(collector, endpoint):
    call = ENDPOINTS[endpoint]
    body = {"batch": [TRACK]} if call == "batch" else {"userId": "u1", "event": "E", "groupId": "g", "previousId": "p"}
    status, answer, _ = post(collector.url + endpoint, body)
    assert (status, answer) == (200, {"success": True})
    (received,) = collector.calls
    assert received.type == ("track" if call == "batch" else call)
    assert received.request.endpoint == endpoint


def test_a_call_over_the_size_limit_gets_200_and_a_size_limit_error(collector):
    """The API's own words: "you will receive a 200 response, but the request will not go through"."""
    big = {**TRACK, "properties": {"notes": "x" * 33_000}}
    status, answer, _ = post(collector.url + "/v1/track", big)
    assert (status, answer) == (200, {"success": True})
    (call,) = collector.bad
    assert [(f.path, f.category) for f in call.errors] == [("$", "size-limit")]


def test_a_batch_over_500kb_marks_every_call_in_it(collector):
    items = [{**TRACK, "properties": {"notes": "x" * 30_000}} for _ in range(18)]
    status, _, _ = post(collector.url + "/v1/batch", {"batch": items})
    assert status == 200
    calls = collector.calls
    assert len(calls) == 18 and not collector.good
    assert all([(f.path, f.category) for f in call.errors] == [("$", "size-limit")] for call in calls)


@pytest.mark.parametrize(
    ("body", "headers", "message"),
    [
        (b"not json", {}, "the body is not JSON"),
        (b"", {}, "the body is empty"),
        (b'{"type": "track", "userId": "u", "event": "E", "properties": {"x": NaN}}', {}, "NaN is not JSON"),
        (b"\xff\xfe{}", {}, "not valid UTF-8"),
        (b"{}", {"Content-Encoding": "gzip"}, "not gzip data"),
        (b"{}", {"Content-Encoding": "br"}, "unsupported Content-Encoding"),
    ],
    ids=["text", "empty", "nan", "latin1", "bad-gzip", "brotli"],
)
def test_a_body_that_is_not_json_gets_400_and_is_kept(collector, body, headers, message):
    status, answer, _ = post(collector.url + "/v1/t", body, headers)
    assert status == 400 and answer["success"] is False and message in answer["message"]
    (call,) = collector.bad
    assert call.payload is None and call.raw == body
    assert [(f.path, f.category) for f in call.errors] == [("$", "unreadable")]
    assert call.request.status == 400


def test_a_json_body_that_is_not_an_object_is_kept_as_an_error(collector):
    status, _, _ = post(collector.url + "/v1/track", [TRACK])
    assert status == 200
    assert [f.category for f in collector.bad[0].errors] == ["not-an-object"]


def test_unknown_paths_are_404_and_not_kept(collector):
    status, answer, _ = post(collector.url + "/v2/batch", {"batch": [TRACK]})
    assert status == 404 and "no endpoint /v2/batch" in answer["message"]
    assert collector.calls == []


def test_gzip_bodies_are_read(collector):
    body = json.dumps({"batch": [TRACK] * 20}).encode()
    status, _, _ = post(collector.url + "/v1/batch", gzip.compress(body), {"Content-Encoding": "gzip"})
    assert status == 200
    assert [call.payload for call in collector.good] == [TRACK] * 20
    request = collector.calls[0].request
    assert request.headers["content-encoding"] == "gzip" and request.size < len(body) / 4


def test_a_chunked_body_is_read(collector):
    connection = HTTPConnection("127.0.0.1", collector.port, timeout=10)
    body = json.dumps({"batch": [TRACK, TRACK]}).encode()
    connection.request("POST", "/v1/batch", body=iter([body[:10], body[10:]]),
                       headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
                       encode_chunked=True)
    answer = connection.getresponse()
    assert answer.status == 200 and json.loads(answer.read()) == {"success": True}
    connection.close()
    assert len(collector.good) == 2


# ------------------------------------------------------------------ write keys
@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({"Authorization": "Basic " + base64.b64encode(b"key-1:").decode()}, {}, ("key-1", "basic")),
        ({"Authorization": "Bearer pk_us_123"}, {}, ("pk_us_123", "bearer")),
        ({}, {"writeKey": "key-2"}, ("key-2", "body")),
        ({}, {}, (None, None)),
        ({"Authorization": "Basic !!!"}, {"writeKey": "key-3"}, ("key-3", "body")),
    ],
    ids=["basic", "bearer", "body", "none", "broken-basic"],
)
def test_write_keys_are_recorded(collector, headers, body, expected):
    post(collector.url + "/v1/t", {**TRACK, **body}, headers)
    request = collector.calls[0].request
    assert (request.write_key, request.auth) == expected
    assert "authorization" not in request.headers  # the key is kept, the header is not


def test_the_request_is_kept_with_the_call(collector):
    post(collector.url + "/v1/batch?x=1", {"batch": [TRACK, TRACK]},
         {"User-Agent": "analytics-python/2.4.0", "X-Retry-Count": "1"})
    first, second = collector.calls
    assert first.request is second.request
    request = first.request
    assert request.method == "POST" and request.endpoint == "/v1/batch" and request.number == 1
    assert request.remote.startswith("127.0.0.1:")
    assert request.headers["user-agent"] == "analytics-python/2.4.0"
    assert request.headers["x-retry-count"] == "1"
    assert (first.index, second.index, first.number, second.number) == (0, 1, 1, 2)
    assert "item 1 of POST /v1/batch from 127.0.0.1:" in str(second)
    assert "(analytics-python/2.4.0)" in str(second)


# ------------------------------------------------------------------ findings per call
def test_per_call_endpoints_name_the_call(collector):
    """A body posted to /v1/track may leave out type (RULINGS 1), and a type that
    disagrees with the endpoint is an error."""
    post(collector.url + "/v1/track", {"userId": "u1", "event": "Signed Up"})
    post(collector.url + "/v1/identify", {"type": "track", "userId": "u1", "event": "Signed Up"})
    untyped, mistyped = collector.calls
    assert untyped.ok and untyped.type == "track" and untyped.event == "Signed Up"
    assert [f.category for f in mistyped.errors] == ["unknown-call"]
    assert mistyped.report == eventspec.validate(mistyped.payload, spec="cdp", call="identify")


def test_batch_findings_go_to_their_items(collector):
    body = {
        "batch": [TRACK, BAD_TRACK, {"type": "identify", "userId": "u2", "traits": {"email": 5}}, "oops"],
        "context": {"ip": "203.0.113.9"},
        "writeKey": "k",
        "sentAt": "2024-05-01T12:30:00Z",
    }
    post(collector.url + "/v1/b", body, {"Content-Type": "text/plain"})
    whole = eventspec.validate(body, spec="cdp")
    calls = collector.calls
    assert [call.type for call in calls] == ["track", "track", "identify", None]
    assert [call.ok for call in calls] == [True, False, False, False]
    assert [f.path for f in calls[1].errors] == ["$.batch[1].properties.total"]
    assert [f.path for f in calls[2].errors] == ["$.batch[2].traits.email"]
    assert [f.category for f in calls[3].errors] == ["not-an-object"]
    # together, the items' findings are exactly the batch's
    assert sorted(f.path for call in calls for f in call.findings) == sorted(f.path for f in whole.findings)
    assert calls[1].report.event == "Order Completed" and calls[2].report.call == "identify"
    assert calls[1].batch is not None and calls[1].batch["writeKey"] == "k"


def test_the_batch_context_applies_to_its_items(collector):
    """A device token in the batch's context counts for its items (RULINGS 6, 12), and
    a mistake in that shared context is a finding of every item."""
    device = {"type": "track", "userId": "u1", "event": "Device Created or Updated", "properties": {}}
    post(collector.url + "/v1/batch", {"batch": [device], "context": {"device": {"token": "t-1"}}})
    post(collector.url + "/v1/batch", {"batch": [device]})
    post(collector.url + "/v1/batch", {"batch": [TRACK, TRACK], "context": {"channel": "tv"}})
    shared_token, no_token, wrong_channel, also_wrong = collector.calls
    assert shared_token.ok and not no_token.ok
    assert [f.path for f in wrong_channel.errors] == [f.path for f in also_wrong.errors] == ["$.context.channel"]
    assert shared_token.standalone()["context"] == {"device": {"token": "t-1"}}
    assert eventspec.validate(shared_token.standalone(), spec="cdp").ok


def test_browser_calls_carry_write_key_and_sent_at_in_the_body(collector):
    body = {"type": "page", "anonymousId": "a-1", "name": "Home", "writeKey": "wk", "sentAt": "2024-05-01T12:30:00.000Z",
            "properties": {"url": "https://example.com/"}}
    status, _, _ = post(collector.url + "/v1/p", json.dumps(body).encode(), {"Content-Type": "text/plain"})
    assert status == 200
    (call,) = collector.good
    assert (call.type, call.event, call.anonymous_id, call.request.write_key) == ("page", "Home", "a-1", "wk")
    assert call.request.headers["content-type"] == "text/plain"
    assert "writeKey" not in call.standalone() and call.standalone()["type"] == "page"


# ------------------------------------------------------------------ reading what came
def test_filters_by_event_user_type_and_verdict(collector):
    post(collector.url + "/v1/batch", {"batch": [
        TRACK,
        {**BAD_TRACK, "userId": "u2", "event": "order_completed"},
        {"type": "identify", "userId": "u2", "traits": {}},
        {"type": "page", "anonymousId": "a-1", "name": "Pricing"},
        {"type": "identify", "userId": 42},  # not a string: an error, but still the user's call
    ]})
    numbers = lambda calls: [call.number for call in calls]  # noqa: E731
    assert numbers(collector.filter(event="Order Completed")) == [1, 2]  # as sent, or the spec's name
    assert numbers(collector.filter(event="order_completed")) == [2]
    assert numbers(collector.filter(event="Pricing")) == [4]
    assert numbers(collector.filter(user="u2")) == [2, 3]
    assert numbers(collector.filter(user="a-1")) == [4]
    assert numbers(collector.filter(user="42")) == [5]
    assert numbers(collector.filter(type="identify")) == [3, 5]
    assert numbers(collector.filter(type="track", ok=False)) == [2]
    assert numbers(collector.filter(event="Order Completed", user="u1")) == [1]
    assert numbers(collector.good) == [1, 3, 4] and numbers(collector.bad) == [2, 5]


def test_assert_all_valid_lists_each_bad_call_its_findings_and_its_sender(collector):
    post(collector.url + "/v1/batch", {"batch": [TRACK, BAD_TRACK]}, {"User-Agent": "my-app/1.0"})
    post(collector.url + "/v1/identify", {"traits": {}})
    with pytest.raises(AssertionError) as failure:
        collector.assert_all_valid()
    message = str(failure.value)
    lines = message.splitlines()
    assert lines[0] == "2 of 3 call(s) sent to the collector have errors:"
    assert lines[1].startswith("  call 2: track 'Order Completed' (user 'u1'), item 1 of POST /v1/batch from 127.0.0.1:")
    assert "(my-app/1.0)" in lines[1]
    assert lines[2] == "    error: $.batch[1].properties.total: expected a number; found the string '9.50' [type-mismatch]"
    assert lines[3].startswith("  call 3: identify, POST /v1/identify from 127.0.0.1:")
    assert lines[4].startswith("    error: $: ") and "[required-missing]" in lines[4]


def test_assert_all_valid_passes_on_good_calls_and_strict_fails_on_warnings(collector):
    collector.assert_all_valid()  # nothing came: nothing is wrong
    post(collector.url + "/v1/track", {"userId": "u1", "event": "order_completed"})
    collector.assert_all_valid()
    with pytest.raises(AssertionError, match=r"(?s)have errors or warnings \(strict\).*\[near-miss\]"):
        collector.assert_all_valid(strict=True)


def test_reset_forgets_calls_and_numbers_go_on(collector):
    post(collector.url + "/v1/track", TRACK)
    collector.reset()
    assert collector.calls == [] and collector.epoch == 1
    post(collector.url + "/v1/track", TRACK)
    assert [call.number for call in collector.calls] == [2]


def test_wait_returns_when_the_calls_arrive_and_times_out_clearly(collector):
    threading.Timer(0.2, post, (collector.url + "/v1/track", TRACK)).start()
    assert len(collector.wait(1, timeout=10)) == 1
    with pytest.raises(TimeoutError, match=r"waited 0.1s for 2 call\(s\) at http://127.0.0.1:\d+; 1 arrived"):
        collector.wait(2, timeout=0.1)


def test_concurrent_senders_lose_nothing_and_keep_their_order(collector):
    def sender(name: str) -> None:
        for number in range(15):
            post(collector.url + "/v1/batch", {"batch": [{**TRACK, "userId": name, "properties": {"n": number}},
                                                         {**TRACK, "userId": name, "properties": {"n": number}}]})

    threads = [threading.Thread(target=sender, args=(f"user-{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    calls = collector.calls
    assert len(calls) == 6 * 15 * 2
    assert [call.number for call in calls] == list(range(1, 181))
    assert len({call.request.number for call in calls}) == 90
    for i in range(6):
        mine = collector.filter(user=f"user-{i}")
        assert [call.payload["properties"]["n"] for call in mine] == sorted(2 * list(range(15)))


def test_keep_bounds_the_calls_kept():
    with Collector(keep=3) as collector:
        post(collector.url + "/v1/batch", {"batch": [TRACK] * 5})
        assert [call.number for call in collector.calls] == [3, 4, 5]


def test_on_call_sees_each_call_in_order():
    seen: list[int] = []
    with Collector(on_call=lambda call: seen.append(call.number)) as collector:
        post(collector.url + "/v1/batch", {"batch": [TRACK] * 3})
        post(collector.url + "/v1/track", TRACK)
    assert seen == [1, 2, 3, 4]


def test_receive_without_http():
    collector = Collector()
    assert collector.receive("/v1/track", json.dumps(BAD_TRACK).encode(), {"X-Whatever": "1"}) == (200, {"success": True})
    assert [f.path for f in collector.bad[0].errors] == ["$.properties.total"]
    assert repr(collector) == "<Collector stopped: 1 call(s)>"


def test_describe_names_strictness():
    collector = Collector()
    collector.receive("/v1/track", json.dumps({"userId": "u", "event": " Signed Up"}).encode())
    assert describe(collector.calls, 4, strict=True).startswith("1 of 4 call(s) sent to the collector have errors or warnings (strict):")


# ------------------------------------------------------------------ CORS, JSON API, page
def test_cors_preflight_lets_a_browser_client_post(collector):
    connection = HTTPConnection("127.0.0.1", collector.port, timeout=10)
    connection.request("OPTIONS", "/v1/t", headers={
        "Origin": "https://shop.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,authorization",
        "Access-Control-Request-Private-Network": "true",
    })
    answer = connection.getresponse()
    answer.read()
    connection.close()
    assert answer.status == 204
    assert answer.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]
    assert answer.headers["Access-Control-Allow-Headers"] == "content-type,authorization"
    assert answer.headers["Access-Control-Allow-Private-Network"] == "true"
    _, _, headers = post(collector.url + "/v1/t", TRACK, {"Origin": "https://shop.example"})
    assert headers["Access-Control-Allow-Origin"] == "https://shop.example"


def test_the_json_api_lists_calls(collector):
    post(collector.url + "/v1/batch", {"batch": [TRACK, BAD_TRACK, {"type": "identify", "userId": "u9"}]})
    status, everything = get(collector.url + "/calls")
    assert status == 200
    assert (everything["total"], everything["bad"], everything["epoch"], everything["spec"]) == (3, 1, 0, "cdp")
    first = everything["calls"][0]
    assert first["payload"] == TRACK and first["ok"] is True and first["request"]["endpoint"] == "/v1/batch"
    assert first["report"] == collector.calls[0].report.to_dict()
    assert [c["number"] for c in get(collector.url + "/good")[1]["calls"]] == [1, 3]
    assert [c["number"] for c in get(collector.url + "/bad")[1]["calls"]] == [2]
    assert [c["number"] for c in get(collector.url + "/calls?since=1")[1]["calls"]] == [2, 3]
    assert [c["number"] for c in get(collector.url + "/calls?user=u9")[1]["calls"]] == [3]
    assert [c["number"] for c in get(collector.url + "/calls?type=track&event=Order+Completed")[1]["calls"]] == [1, 2]
    assert post(collector.url + "/reset", b"")[:2] == (200, {"success": True})
    assert get(collector.url + "/calls")[1]["calls"] == []


def test_the_api_refuses_other_sites(collector):
    """A DNS name in Host (DNS rebinding) cannot read the calls; another origin cannot reset them."""
    status, answer = get(collector.url + "/calls", {"Host": f"evil.example:{collector.port}"})
    assert status == 403 and "by IP address or localhost" in answer["message"]
    assert get(collector.url + "/", {"Host": f"evil.example:{collector.port}"})[0] == 403
    assert get(collector.url + "/calls", {"Host": f"localhost:{collector.port}"})[0] == 200
    post(collector.url + "/v1/track", TRACK)
    status, answer, _ = post(collector.url + "/reset", b"", {"Origin": "https://evil.example"})
    assert status == 403 and len(collector.calls) == 1
    assert post(collector.url + "/reset", b"", {"Origin": collector.url})[0] == 200


def test_the_page_and_its_assets_are_served_with_a_strict_policy(collector):
    for path, kind in [("/", "text/html"), ("/app.js", "text/javascript"), ("/app.css", "text/css")]:
        with urllib.request.urlopen(collector.url + path, timeout=10) as answer:
            body = answer.read().decode()
            assert answer.headers["Content-Type"].startswith(kind)
            assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
            assert "http://" not in body and "https://" not in body  # no external assets


# ------------------------------------------------------------------ record file, plan
def test_record_appends_each_call_as_a_standalone_line(collector, tmp_path):
    path = tmp_path / "traffic.ndjson"
    path.write_text('{"type": "identify", "userId": "earlier"}\n')
    with Collector(record=path) as recording:
        post(recording.url + "/v1/batch", {"batch": [TRACK, BAD_TRACK], "context": {"locale": "de-DE"},
                                           "integrations": {"All": True}, "writeKey": "secret"})
        post(recording.url + "/v1/identify", {"userId": "u2", "writeKey": "secret"})
        post(recording.url + "/v1/t", b"garbage")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert "secret" not in path.read_text()
    assert [json.loads(line) for line in lines] == [
        {"type": "identify", "userId": "earlier"},
        {**TRACK, "context": {"locale": "de-DE"}, "integrations": {"All": True}},
        {**BAD_TRACK, "context": {"locale": "de-DE"}, "integrations": {"All": True}},
        {"type": "identify", "userId": "u2"},
    ]


def test_record_to_a_stream_is_left_open():
    stream = io.BytesIO()
    with Collector(record=stream) as collector:
        post(collector.url + "/v1/track", TRACK)
    assert not stream.closed and json.loads(stream.getvalue()) == TRACK


class _Plan:
    """What the collector needs of a catalog from eventspec.load_plan (DESIGN-NOTES)."""

    def __init__(self) -> None:
        self.seen: list[tuple[Any, str | None, str | None]] = []

    def validate(self, payload: Any, spec: str | None = None, strict: bool = False, call: str | None = None) -> Report:
        self.seen.append((payload, spec, call))
        report = eventspec.validate(payload, spec=spec or "cdp", strict=strict, call=call)
        if call != "batch" and isinstance(payload, dict) and payload.get("event") == "Unplanned":
            extra = eventspec.Finding("$.event", "not in the plan", "unplanned-event", severity="warning")
            return Report(spec=report.spec, call=report.call, warnings=report.warnings + (extra,))
        return report


def test_a_plan_catalog_judges_the_calls():
    plan = _Plan()
    with Collector(plan=plan) as collector:
        post(collector.url + "/v1/track", {"userId": "u", "event": "Unplanned"})
        post(collector.url + "/v1/batch", {"batch": [TRACK]})
    assert [(spec, call) for _, spec, call in plan.seen] == [("cdp", "track"), ("cdp", "batch"), ("cdp", None)]
    unplanned, _ = collector.calls
    assert [f.category for f in unplanned.warnings] == ["unplanned-event"]


def test_a_plan_for_another_family_is_refused():
    class Other(_Plan):
        spec = "userpilot"

    with pytest.raises(ValueError, match="speaks the cdp API; this plan is for userpilot"):
        Collector(plan=Other())


def test_a_plan_folder_is_loaded_with_load_plan(shop_plan, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(eventspec.PlanError):
        Collector(plan=tmp_path / "empty")
    with Collector(plan=shop_plan) as collector:
        post(collector.url + "/v1/batch", {"batch": [
            {"type": "track", "userId": "u", "event": "Course Started", "properties": {}},
            {"type": "track", "userId": "u", "event": "Course Started", "properties": {"course_id": "c"}},
            {"type": "track", "userId": "u", "event": "Course Finished"},
        ]})
    missing, started, unplanned = collector.calls
    assert [f.category for f in missing.errors] == ["required-missing"]
    assert missing.errors[0].path.startswith("$.batch[0].properties")
    assert started.ok and not started.warnings
    assert [f.category for f in unplanned.warnings] == ["unplanned-event"]
