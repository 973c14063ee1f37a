// The collector's live page: polls /calls for new calls and shows them newest first.
// Everything from a payload goes into the page as text (textContent), never as HTML.
"use strict";

const list = document.getElementById("calls");
const filter = document.getElementById("filter");
const onlyBad = document.getElementById("only-bad");
const status = document.getElementById("status");
const empty = document.getElementById("empty");
let since = 0;
let epoch = null;

document.getElementById("host").textContent = location.origin;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function render(call) {
  const report = call.report;
  const item = element("li", "call " + (call.ok ? (report.warnings.length ? "warned" : "good") : "bad"));
  item.dataset.number = String(call.number);
  const head = element("div", "head");
  head.append(element("span", "number", "#" + call.number));
  head.append(element("span", "type", call.type || "?"));
  if (call.event !== null) head.append(element("span", "event", call.event));
  const who = call.user_id !== null ? "user " + call.user_id : call.anonymous_id !== null ? "anonymous " + call.anonymous_id : null;
  if (who !== null) head.append(element("span", "user", who));
  const verdict = call.ok ? (report.warnings.length ? report.warnings.length + " warning(s)" : "valid") : report.errors.length + " error(s)";
  head.append(element("span", "verdict", verdict));
  item.append(head);

  const request = call.request;
  const where = request.method + " " + request.endpoint + (call.index !== null ? " [item " + call.index + "]" : "") +
    " · " + request.status + " · from " + request.remote + " · " + request.received.replace("T", " ").slice(0, 23) +
    (request.write_key !== null ? " · key " + request.write_key : "") +
    (request.headers["user-agent"] ? " · " + request.headers["user-agent"] : "");
  item.append(element("div", "meta", where));

  const findings = report.errors.concat(report.warnings);
  if (findings.length) {
    const ul = element("ul", "findings");
    for (const finding of findings) {
      const li = element("li", "finding " + finding.severity);
      li.append(element("span", "path", finding.path), document.createTextNode(": " + finding.message + " "),
                element("span", "category", "[" + finding.category + "]"));
      ul.append(li);
    }
    item.append(ul);
  }
  const details = element("details");
  details.append(element("summary", null, call.payload !== null ? "payload" : "body (not JSON)"));
  const shown = call.payload !== null ? JSON.stringify(call.payload, null, 2) : call.raw;
  details.append(element("pre", null, shown));
  item.append(details);

  // what the filter box searches: everything a person might type
  item.searchText = [call.type, call.event, report.event, call.user_id, call.anonymous_id, request.endpoint,
    request.write_key, request.remote, ...findings.map((f) => f.path + " " + f.message + " " + f.category), shown]
    .filter((part) => part !== null && part !== undefined).join("\n").toLowerCase();
  return item;
}

function visible(item) {
  const wanted = filter.value.trim().toLowerCase();
  if (onlyBad.checked && !item.classList.contains("bad")) return false;
  return wanted.split(/\s+/).every((word) => item.searchText.includes(word));
}

function applyFilter() {
  for (const item of list.children) item.hidden = !visible(item);
}

function summarise(data) {
  status.classList.remove("offline");
  status.textContent = data.total + " call(s), " + data.bad + " with errors · spec " + data.spec;
  empty.hidden = list.children.length > 0;
}

async function poll() {
  try {
    const response = await fetch("calls?since=" + since, { cache: "no-store" });
    const data = await response.json();
    if (data.epoch !== epoch) {
      epoch = data.epoch;
      list.replaceChildren();
    }
    for (const call of data.calls) {
      const item = render(call);
      item.hidden = !visible(item);
      list.prepend(item);
      since = Math.max(since, call.number);
    }
    summarise(data);
  } catch (error) {
    status.classList.add("offline");
    status.textContent = "the collector is not answering (" + error + ")";
  }
  setTimeout(poll, 500);
}

filter.addEventListener("input", applyFilter);
onlyBad.addEventListener("change", applyFilter);
document.getElementById("reset").addEventListener("click", async () => {
  await fetch("reset", { method: "POST" });
  since = 0;
});
poll();
