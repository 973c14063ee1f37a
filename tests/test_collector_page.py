"""The collector's live page, and browser-side clients, in a real headless Chromium.

Debian's ``chromium`` and ``chromium-driver``, driven by Selenium (installed by .ci/run;
``apt-get install chromium chromium-driver`` locally). Without them the tests are skipped
here, and fail under CI.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from eventspec import Collector

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
]


def _browser_or_reason(profile: Path) -> tuple[Any, str]:
    chromium = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    driver = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)
    if chromium is None or driver is None:
        return None, "Chromium and its driver are not installed (apt-get install chromium chromium-driver)"
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        return None, "selenium is not installed (pip install -e '.[test]')"
    options = Options()
    options.binary_location = chromium
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=driver), options=options), ""


@pytest.fixture(scope="module")
def chromium(tmp_path_factory) -> Iterator[tuple[Any, str]]:
    driver, reason = _browser_or_reason(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver, reason
    finally:
        if driver is not None:
            driver.quit()


@pytest.fixture
def browser(chromium, require_component):
    driver, reason = chromium
    require_component(driver, reason)
    yield driver
    driver.get("about:blank")


@pytest.fixture
def collector() -> Iterator[Collector]:
    with Collector() as running:
        yield running


def post(url: str, body: Any) -> int:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url, data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        with error:
            return error.code


def until(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Poll ``check`` until it returns something true; the page polls every 0.5 s."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            assert value, "timed out waiting for the page"
            return value
        time.sleep(0.1)


def shown(browser) -> list[dict[str, Any]]:
    """What the page lists, top to bottom: number, classes, text, visibility."""
    return browser.execute_script(
        "return [...document.querySelectorAll('#calls > li')].map(li => ({number: Number(li.dataset.number),"
        " classes: li.className, text: li.innerText, hidden: li.hidden}))"
    )


def test_the_page_lists_calls_as_they_arrive_newest_first_with_findings_highlighted(browser, collector):
    post(collector.url + "/v1/track", {"userId": "u1", "event": "Signed Up"})
    browser.get(collector.url + "/")
    until(lambda: len(shown(browser)) == 1)
    post(collector.url + "/v1/batch", {"batch": [
        {"type": "track", "userId": "u1", "event": "Order Completed", "properties": {"total": "9.50"}},
        {"type": "track", "userId": "u2", "event": "order_completed"},
    ]})
    until(lambda: len(shown(browser)) == 3)
    newest, bad, first = shown(browser)
    assert [newest["number"], bad["number"], first["number"]] == [3, 2, 1]
    assert "bad" in bad["classes"] and "1 error(s)" in bad["text"]
    assert "$.batch[0].properties.total" in bad["text"] and "[type-mismatch]" in bad["text"]
    assert "warned" in newest["classes"] and "[near-miss]" in newest["text"]
    assert "good" in first["classes"] and "valid" in first["text"]
    # the finding is set apart: an error is red, a warning amber, a valid call green-edged
    colors = browser.execute_script(
        "return ['.finding.error', '.finding.warning', '.call.bad', '.call.good'].map("
        "s => getComputedStyle(document.querySelector(s)).getPropertyValue(s.startsWith('.call') ? 'border-left-color' : 'color'))"
    )
    assert colors == ["rgb(163, 22, 29)", "rgb(122, 85, 0)", "rgb(192, 38, 45)", "rgb(46, 133, 64)"]
    status = browser.find_element("id", "status").text
    assert status.startswith("3 call(s), 1 with errors")


def test_the_filter_box_and_the_bad_only_switch(browser, collector):
    post(collector.url + "/v1/batch", {"batch": [
        {"type": "page", "userId": "u1", "name": "Pricing"},
        {"type": "track", "userId": "u2", "event": "Order Completed", "properties": {"total": "9.50"}},
        {"type": "identify", "userId": "u3", "traits": {"email": "ada@example.com"}},
    ]})
    browser.get(collector.url + "/")
    until(lambda: len(shown(browser)) == 3)
    box = browser.find_element("id", "filter")

    def visible() -> list[int]:
        return [item["number"] for item in shown(browser) if not item["hidden"]]

    box.send_keys("pricing")
    assert visible() == [1]
    box.clear()
    box.send_keys("type-mismatch u2")  # every word must match: a finding's category and a user
    assert visible() == [2]
    box.clear()
    box.send_keys("ada@example")  # payload text
    assert visible() == [3]
    browser.execute_script("const box = document.getElementById('filter'); box.value = '';"
                           " box.dispatchEvent(new Event('input'))")
    assert visible() == [3, 2, 1]
    browser.find_element("id", "only-bad").click()
    assert visible() == [2]
    post(collector.url + "/v1/track", {"userId": "u4", "event": "E"})  # arrives filtered, too
    until(lambda: len(shown(browser)) == 4)
    assert visible() == [2]


def test_payload_text_is_shown_as_text_never_run_as_html(browser, collector):
    attack = '<img src=x onerror="document.title=\'pwned\'">'
    post(collector.url + "/v1/track", {
        "userId": "<b id=bold>u</b>",
        "event": attack,
        "properties": {"</script><script>document.title='pwned2'</script>": "<svg onload=alert(1)>"},
    })
    assert post(collector.url + "/v1/t", b"<script>document.title='pwned3'</script>") == 400  # shown raw
    browser.get(collector.url + "/")
    until(lambda: len(shown(browser)) == 2)
    browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    time.sleep(0.5)  # an onerror or onload would have fired by now
    assert browser.title == "eventspec collector"
    elements = browser.execute_script(
        "const list = document.getElementById('calls');"
        "return ['img', 'svg', 'script', 'b'].map(tag => list.querySelectorAll(tag).length)"
    )
    assert elements == [0, 0, 0, 0]
    text = browser.find_element("id", "calls").text
    assert attack in text and "<b id=bold>u</b>" in text
    assert "<script>document.title='pwned3'</script>" in text
    assert "</script><script>document.title='pwned2'</script>" in text


def test_the_reset_button_empties_the_list(browser, collector):
    post(collector.url + "/v1/track", {"userId": "u1", "event": "E"})
    browser.get(collector.url + "/")
    until(lambda: len(shown(browser)) == 1)
    browser.find_element("id", "reset").click()
    until(lambda: not shown(browser))
    assert collector.calls == [] and browser.find_element("id", "empty").is_displayed()
    post(collector.url + "/v1/track", {"userId": "u1", "event": "After"})
    until(lambda: len(shown(browser)) == 1)
    assert "After" in shown(browser)[0]["text"]


APP = """<!doctype html><title>app</title><script>
const collector = new URLSearchParams(location.search).get("collector");
async function send() {
  const sentAt = new Date().toISOString();
  // as the browser clients send a call: text/plain, writeKey and sentAt in the body (no preflight)
  const simple = await fetch(collector + "/v1/t", {method: "POST", headers: {"Content-Type": "text/plain"},
    body: JSON.stringify({type: "track", anonymousId: "a-1", event: "Signed Up", writeKey: "browser-key", sentAt,
                          context: {page: {url: location.href}}})});
  // a JSON body with basic auth: the browser asks first (CORS preflight)
  const preflighted = await fetch(collector + "/v1/identify", {method: "POST",
    headers: {"Content-Type": "application/json", "Authorization": "Basic " + btoa("browser-key:")},
    body: JSON.stringify({anonymousId: "a-1", traits: {email: "ada@example.com"}, sentAt})});
  const batch = await fetch(collector + "/v1/b", {method: "POST", headers: {"Content-Type": "text/plain"},
    body: JSON.stringify({batch: [{type: "page", anonymousId: "a-1", name: "Home"}], writeKey: "browser-key", sentAt})});
  const answers = [];
  for (const response of [simple, preflighted, batch]) answers.push([response.status, await response.json()]);
  document.title = JSON.stringify(answers);
}
send().catch(error => { document.title = "failed: " + error; });
</script>"""


@pytest.fixture
def app_origin() -> Iterator[str]:
    """Another origin (another port) serving a page that posts as a browser client does."""

    class App(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = APP.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), App)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_browser_client_on_another_origin_can_post(browser, collector, app_origin):
    browser.get(f"{app_origin}/?collector={collector.url}")
    title = until(lambda: browser.title if browser.title.startswith(("[", "failed")) else None)
    assert json.loads(title) == [[200, {"success": True}]] * 3, title
    track, identify, page = collector.calls
    assert track.request.headers["content-type"].startswith("text/plain")
    assert track.request.headers["origin"] == app_origin
    assert (track.request.write_key, track.request.auth) == ("browser-key", "body")
    assert (identify.request.write_key, identify.request.auth) == ("browser-key", "basic")
    assert (page.request.endpoint, page.type, page.event) == ("/v1/b", "page", "Home")
    collector.assert_all_valid()
