"""eventspec's pytest plugin, run inside pytest itself (pytester), as a user's suite would."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from eventspec.pytest_plugin import assert_conforms

GOOD = {"type": "track", "userId": "u1", "event": "Order Completed", "properties": {"total": 9.5}}
BAD = {"type": "track", "event": "Order Completed", "properties": {"total": "9.50", "currency": "usd"}}


def test_assert_conforms_returns_the_report_of_a_conforming_payload():
    report = assert_conforms(GOOD, spec="cdp")
    assert report.ok and report.event == "Order Completed"


def test_assert_conforms_lists_every_finding_with_its_path():
    with pytest.raises(AssertionError) as failure:
        assert_conforms(BAD, spec="cdp")
    message = str(failure.value)
    assert message.startswith("Order Completed does not conform to cdp: 3 error(s)\n")
    for line in ("$: expected a non-empty userId or a non-empty anonymousId; none was found",
                 "$.properties.currency: expected an ISO 4217 currency code; found the string 'usd'",
                 "$.properties.total: expected a number; found the string '9.50'"):
        assert line in message


def test_assert_conforms_strict_fails_on_warnings_too():
    near_miss = {**GOOD, "event": "order completed"}
    assert assert_conforms(near_miss).warnings  # not strict: a warning passes
    with pytest.raises(AssertionError, match=r"(?s)0 error\(s\), 1 warning\(s\) \(strict: warnings fail too\).*warning: \$\.event"):
        assert_conforms(near_miss, strict=True)
    assert_conforms({"userId": "u1", "event": "x"}, call="track")


def test_the_fixture_is_there_without_any_import(pytester):
    pytester.makepyfile(f"""
        def test_good(assert_conforms):
            assert assert_conforms({GOOD!r}, spec="cdp").ok

        def test_bad(assert_conforms):
            assert_conforms({BAD!r}, spec="cdp")
    """)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*AssertionError: Order Completed does not conform to cdp: 3 error(s)",
                                 "*$.properties.total: expected a number; found the string '9.50'*"])


def _fixtures(pytester, spec="cdp"):
    pytester.makeini(f"[pytest]\neventspec_fixtures = events\neventspec_spec = {spec}\n")
    events = pytester.mkdir("events")
    (events / "good.json").write_text(json.dumps(GOOD))
    (events / "orders.json").write_text(json.dumps([GOOD, BAD]))
    lines = [json.dumps(GOOD), "", json.dumps(BAD), "{not json"]
    (events / "log.ndjson").write_text("\n".join(lines) + "\n")
    (events / "notes.txt").write_text("not a payload")
    return events


def test_every_payload_in_the_fixture_folders_is_a_test_item(pytester):
    _fixtures(pytester)
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=3, failed=3)
    result.stdout.fnmatch_lines_random([
        "events/good.json::payload PASSED*",
        "events/log.ndjson::line[[]1[]] PASSED*",
        "events/log.ndjson::line[[]3[]] FAILED*",
        "events/log.ndjson::line[[]4[]] FAILED*",
        "events/orders.json::item[[]0[]] PASSED*",
        "events/orders.json::item[[]1[]] FAILED*",
    ])
    # the findings, not a traceback
    result.stdout.fnmatch_lines(["*$.properties.total: expected a number; found the string '9.50'*"])
    result.stdout.fnmatch_lines(["*log.ndjson: not JSON*"])
    assert "Traceback" not in result.stdout.str() and "runtest" not in result.stdout.str()


def test_fixture_files_are_found_whatever_the_case_of_their_extension(pytester):
    # the CLI reads Upper.JSON and LOG.NDJSON (issue 10): so does the plugin
    pytester.makeini("[pytest]\neventspec_fixtures = events\n")
    events = pytester.mkdir("events")
    (events / "Upper.JSON").write_text(json.dumps(GOOD))
    (events / "LOG.NDJSON").write_text(json.dumps(GOOD) + "\n" + json.dumps(BAD) + "\n")
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines_random(["events/Upper.JSON::payload PASSED*", "events/LOG.NDJSON::line[[]2[]] FAILED*"])


def test_fixture_items_carry_the_eventspec_marker(pytester):
    _fixtures(pytester)
    pytester.makepyfile("def test_other(): pass")
    result = pytester.runpytest("-m", "eventspec", "--strict-markers")
    result.assert_outcomes(passed=3, failed=3, deselected=1)


def test_auto_recognises_each_payloads_family(pytester):
    pytester.makeini("[pytest]\neventspec_fixtures = events\n")
    events = pytester.mkdir("events")
    userpilot = {"event_type": "track", "user_id": "u", "event_name": "x", "source": "web-client",
                 "inserted_at": "2024-07-28 08:55:35.874555"}
    (events / "mixed.json").write_text(json.dumps([GOOD, userpilot]))
    pytester.runpytest().assert_outcomes(passed=2)


def test_strict_option(pytester):
    pytester.makeini("[pytest]\neventspec_fixtures = events\neventspec_spec = cdp\neventspec_strict = true\n")
    events = pytester.mkdir("events")
    (events / "custom.json").write_text(json.dumps({**GOOD, "event": "Course Started"}))
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*$.event: 'Course Started' matches no semantic event of cdp (strict mode)*"])


def test_without_the_option_no_json_file_is_collected(pytester):
    events = pytester.mkdir("events")
    (events / "bad.json").write_text(json.dumps(BAD))
    assert pytester.runpytest().ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_an_unknown_family_is_a_usage_error(pytester):
    pytester.makeini("[pytest]\neventspec_fixtures = events\neventspec_spec = segment\n")
    pytester.mkdir("events")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*eventspec_spec = 'segment': expected auto or one of cdp*"])


def test_the_plugin_and_the_strategies_module_import_no_hypothesis():
    code = ("import sys, eventspec.pytest_plugin, eventspec.strategies; "
            "print(sorted(m for m in ('hypothesis', 'jsonschema') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ------------------------------------------------------------------ eventspec_collector
_CLIENT_TESTS = """
    from customerio.analytics.client import Client

    def client(collector):
        return Client("wk", host=collector.url, sync_mode=True, max_retries=0)

    def test_good(eventspec_collector):
        client(eventspec_collector).track("user-1", "Order Completed", {"total": 9.5})
        eventspec_collector.assert_all_valid()
        assert [call.event for call in eventspec_collector.calls] == ["Order Completed"]

    def test_bad(eventspec_collector):
        client(eventspec_collector).track("user-1", "Order Completed", {"total": "9.50"})
        eventspec_collector.assert_all_valid()

    def test_each_test_has_its_own(eventspec_collector):
        assert eventspec_collector.calls == []
"""


def test_the_collector_fixture_catches_what_a_client_really_sent(pytester):
    pytester.makepyfile(_CLIENT_TESTS)
    # in a process of its own: the client's first import inside an in-process run would be
    # undone afterwards (pytester restores sys.modules), leaving requests half re-imported
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "*AssertionError: 1 of 1 call(s) sent to the collector have errors:",
        "*call 1: track 'Order Completed' (user 'user-1'), item 0 of POST /v1/batch from 127.0.0.1:* (analytics-python/*) at *",
        "*error: $.batch[[]0[]].properties.total: expected a number; found the string '9.50' [[]type-mismatch[]]",
    ])


def test_the_collector_fixture_takes_the_plan_and_strictness_from_the_ini(pytester, shop_plan):
    pytester.makeini(f"[pytest]\neventspec_plan = {shop_plan}\neventspec_strict = true\n")
    pytester.makepyfile("""
        import json, urllib.request

        def test_unplanned(eventspec_collector):
            body = json.dumps({"userId": "u", "event": "Course Finished"}).encode()
            urllib.request.urlopen(eventspec_collector.url + "/v1/track", body)
            assert eventspec_collector.strict
            eventspec_collector.assert_all_valid()
    """)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*have errors or warnings (strict):", "*[[]unplanned-event[]]*"])
