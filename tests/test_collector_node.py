"""A JavaScript client, Segment's ``@segment/analytics-node``, posting to the collector.

The package comes from npm into a cache folder (``$EVENTSPEC_NODE_DIR``, by default
``~/.cache/eventspec/node``; .ci/run fills it). Without Node or npm the test is skipped
here, and fails under CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

PACKAGE = "@segment/analytics-node@2"

SCRIPT = r"""
const { Analytics } = require("@segment/analytics-node");
const analytics = new Analytics({ writeKey: "node-key", host: process.argv[2], flushAt: 50, flushInterval: 100, maxRetries: 0 });
analytics.on("error", (error) => { console.error("analytics error", error); process.exitCode = 3; });
analytics.identify({ userId: "user-1", traits: { email: "ada@example.com", plan: "pro" } });
analytics.track({ userId: "user-1", event: "Order Completed", properties: {
  order_id: "o-1", total: 27.5, currency: "EUR", products: [{ product_id: "p-1", price: 12.5, quantity: 2 }] } });
analytics.track({ anonymousId: "anon-1", event: "Product Added", properties: { product_id: "p-2", price: "9.99" } });
analytics.page({ userId: "user-1", name: "Pricing", properties: { url: "https://example.com/pricing" } });
analytics.screen({ userId: "user-1", name: "Feed" });
analytics.group({ userId: "user-1", groupId: "acme", traits: { name: "Acme" } });
analytics.alias({ userId: "user-1", previousId: "anon-1" });
analytics.closeAndFlush({ timeout: 20000 }).then(() => console.log("flushed"));
"""


def node_dir() -> Path:
    return Path(os.environ.get("EVENTSPEC_NODE_DIR") or Path.home() / ".cache" / "eventspec" / "node")


@pytest.fixture(scope="module")
def analytics_node() -> tuple[str | None, Path | None, str]:
    """(node, its module folder, why not): the client installed once, if it can be."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return None, None, "Node.js and npm are not installed (apt-get install nodejs npm)"
    folder = node_dir()
    if not (folder / "node_modules" / "@segment" / "analytics-node" / "package.json").exists():
        folder.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(folder), PACKAGE],
                           check=True, capture_output=True, timeout=300)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            output = getattr(error, "stderr", b"") or b""
            return None, None, f"npm install {PACKAGE} failed: {output.decode(errors='replace')[-500:]}"
    return node, folder / "node_modules", ""


def test_analytics_node_batches_arrive_and_are_checked(eventspec_collector, analytics_node, require_component, tmp_path):
    node, modules, why = analytics_node
    require_component(node, why)
    script = tmp_path / "send.js"
    script.write_text(SCRIPT)
    result = subprocess.run([node, str(script), eventspec_collector.url], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "NODE_PATH": str(modules)})
    assert result.returncode == 0 and "flushed" in result.stdout, result.stderr
    calls = eventspec_collector.wait(7, timeout=30)
    assert [call.type for call in calls] == ["identify", "track", "track", "page", "screen", "group", "alias"]
    request = calls[0].request
    assert request.endpoint == "/v1/batch" and (request.write_key, request.auth) == ("node-key", "body")
    assert request.headers["user-agent"].startswith("analytics-node")
    assert calls[0].batch is not None and "sentAt" in calls[0].batch  # batch level, as the Node clients send it
    (bad,) = eventspec_collector.bad
    assert bad.event == "Product Added" and [f.category for f in bad.errors] == ["type-mismatch"]
    assert bad.errors[0].path.endswith(".properties.price")
    assert eventspec_collector.filter(event="Order Completed")[0].ok
    with pytest.raises(AssertionError, match="1 of 7 call"):
        eventspec_collector.assert_all_valid()
