"""A plan folder read as files: what lint, diff, import and export work on.

These tools read the folder themselves rather than through the loader, so that a plan
that does not load (the very plans lint exists for) can still be read, file by file,
and so that two versions of one plan (a checkout and a git ref) can sit side by side.

Layout (docs/plans-review.md)::

    eventspec-plan.json            the manifest
    events/<slug>/<MODEL>.json     one event (track, page or screen) per MODEL version
    traits/identify.json           identify traits; traits/group.json for group
    common.json                    a rule on whole messages (x-eventspec.calls: which calls)
    properties/<name>.json         shared definitions, reached by relative $ref

The loader (`eventspec.load_plan`) gives file ``<path>`` the id
``https://eventspec.dev/plans/<plan name>/<path>``; the rules here follow it: an event
file's ``x-eventspec`` may leave out ``call`` (track), ``event`` (the title) and
``version`` (``<MODEL>-0-0``); a traits file and common.json need no metadata; any other
JSON file is a shared definition.
"""

from __future__ import annotations

import json
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

from ._inputs import UsageError

MANIFEST = "eventspec-plan.json"
COMMON = "common.json"
CALLS = ("track", "page", "screen", "identify", "group")
#: The payload key a call's plan schema describes.
INNER = {"track": "properties", "page": "properties", "screen": "properties",
         "identify": "traits", "group": "traits"}
BUNDLED_BASE = "https://eventspec.dev/schemas/v1/"
PLAN_BASE = "https://eventspec.dev/plans/"  # as the loader names plan files

_SCHEMAVER = re.compile(r"^([1-9][0-9]*)-(0|[1-9][0-9]*)-(0|[1-9][0-9]*)$")


def parse_version(text: Any) -> tuple[int, int, int] | None:
    """``"2-1-0"`` -> ``(2, 1, 0)``; None for anything that is not SchemaVer."""
    match = _SCHEMAVER.match(text) if isinstance(text, str) else None
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def validator_class(schema: Any) -> Any:
    """The jsonschema validator class for a schema's ``$schema`` (2020-12 when it names
    none), as the loader picks it; None for a metaschema jsonschema does not know."""
    from jsonschema import Draft202012Validator, validators

    if isinstance(schema, dict) and "$schema" in schema:
        return validators.validator_for(schema, default=None)  # type: ignore[call-overload]
    return Draft202012Validator


class PlanNotFound(UsageError):
    """The path is not a plan folder (no manifest): a usage error, exit status 2."""


@dataclass(frozen=True)
class PlanFile:
    """One JSON file of a plan: its parsed document, or why it could not be read."""

    relative: str  # POSIX path inside the plan folder
    document: Any = None
    problem: str | None = None
    text: str = field(default="", repr=False, compare=False)

    @property
    def kind(self) -> str:
        """manifest, event (under events/), traits (under traits/), common (common.json)
        or property (any other)."""
        if self.relative == MANIFEST:
            return "manifest"
        if self.relative == COMMON:
            return "common"
        top = self.relative.split("/")[0]
        return {"events": "event", "traits": "traits"}.get(top, "property")

    @property
    def placed(self) -> bool:
        """Whether an event or traits file is where the loader wants it."""
        parts = self.relative.split("/")
        if self.kind == "event":
            stem = parts[-1].removesuffix(".json")
            return len(parts) == 3 and stem.isdigit() and not stem.startswith("0")
        if self.kind == "traits":
            return len(parts) == 2 and parts[1] in ("identify.json", "group.json")
        return True

    @property
    def meta(self) -> dict[str, Any]:
        meta = self.document.get("x-eventspec") if isinstance(self.document, dict) else None
        return meta if isinstance(meta, dict) else {}

    @property
    def call(self) -> str | None:
        """The call the file describes, with the loader's defaults."""
        call = self.meta.get("call")
        if self.kind == "traits" and self.placed:
            return self.relative.split("/")[1].removesuffix(".json")
        if self.kind == "event" and call is None and isinstance(self.document, dict):
            return "track"
        return call if isinstance(call, str) else None

    @property
    def event(self) -> str | None:
        """The event (or page/screen) name; the title when x-eventspec does not say."""
        if self.kind != "event" or not isinstance(self.document, dict):
            return None
        name = self.meta.get("event", self.document.get("title"))
        return name if isinstance(name, str) else None

    @property
    def version(self) -> tuple[int, int, int] | None:
        """Its SchemaVer; an event file without one is ``<MODEL>-0-0``, as the loader reads it."""
        if "version" not in self.meta and self.kind == "event" and self.model is not None:
            return (self.model, 0, 0)
        return parse_version(self.meta.get("version"))

    @property
    def slug(self) -> str | None:
        """``course-started`` for ``events/course-started/1.json``."""
        return self.relative.split("/")[1] if self.kind == "event" else None

    @property
    def model(self) -> int | None:
        """The MODEL its file name says (``2`` for ``2.json``)."""
        if self.kind != "event":
            return None
        stem = self.relative.rsplit("/", 1)[1].removesuffix(".json")
        return int(stem) if self.placed else None

    @property
    def label(self) -> str:
        """How messages name the event: ``'Course Started' (track)``, ``identify traits``, ``common``."""
        if self.kind == "traits":
            return f"{self.relative.split('/')[1].removesuffix('.json')} traits"
        if self.kind == "common":
            return "common"
        if self.event is not None:
            return f"{self.event!r} ({self.call or 'track'})"
        return self.relative


@dataclass(frozen=True)
class PlanFolder:
    """Every JSON file of a plan, by relative path; hidden files and folders are skipped."""

    root: Path
    files: dict[str, PlanFile]

    @property
    def manifest(self) -> dict[str, Any]:
        entry = self.files.get(MANIFEST)
        return entry.document if entry is not None and isinstance(entry.document, dict) else {}

    @property
    def name(self) -> str:
        name = self.manifest.get("name")
        return name if isinstance(name, str) and name else self.root.name

    def of_kind(self, *kinds: str) -> list[PlanFile]:
        return [f for f in self.files.values() if f.kind in kinds]

    def uri(self, relative: str) -> str:
        """The id the loader gives a file: ``https://eventspec.dev/plans/<name>/<path>``."""
        return f"{PLAN_BASE}{self.name}/{relative}"


def _strict_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        repeated = next(k for k in keys if keys.count(k) > 1)
        raise ValueError(f"the key {repeated!r} appears twice in one object")
    return dict(pairs)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_file(relative: str, data: bytes) -> PlanFile:
    """Parse one file; a file that is not UTF-8 JSON is a value with a problem, not an error."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return PlanFile(relative, problem=f"not UTF-8 ({error.reason} at byte {error.start})")
    try:
        document = json.loads(text, object_pairs_hook=_strict_object, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        return PlanFile(relative, problem=f"not JSON: {error.msg} (line {error.lineno}, column {error.colno})", text=text)
    except (ValueError, RecursionError) as error:
        return PlanFile(relative, problem=f"not JSON: {error}", text=text)
    if _depth(document) > MAX_DEPTH:
        return PlanFile(relative, problem=f"nested more than {MAX_DEPTH} levels deep, more than a plan needs "
                        "and more than eventspec checks", text=text)
    return PlanFile(relative, document, text=text)


#: How deeply a plan file's JSON may nest: far beyond any real plan, well within what
#: the recursive walks of lint, diff and the validator can follow.
MAX_DEPTH = 100


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def read_plan(root: str | Path) -> PlanFolder:
    """Read every ``.json`` file under a plan folder.

    Raises:
        PlanNotFound: ``root`` is not a folder with an ``eventspec-plan.json``.
    """
    root = Path(root)
    if not root.is_dir():
        raise PlanNotFound(f"{root}: no such plan folder")
    if not (root / MANIFEST).is_file():
        raise PlanNotFound(f"{root}: not a plan folder (no {MANIFEST})")
    found: dict[str, PlanFile] = {}
    for path in sorted(root.rglob("*.json")):
        relative = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in relative.split("/")) or not path.is_file():
            continue
        found[relative] = parse_file(relative, path.read_bytes())
    return PlanFolder(root, found)


def git_plan(ref: str, plan: str | Path, into: str | Path) -> Path | None:
    """Write the plan folder as it was at git ``ref`` under ``into``; None if it did not exist.

    The folder is found from ``plan`` (a path in a work tree, the current plan); files
    come from ``git archive`` and only regular files are written, inside ``into``.

    Raises:
        UsageError: not in a git repository, or ``ref`` is not a commit.
    """
    plan = Path(plan).resolve()
    where = plan if plan.is_dir() else plan.parent

    def git(*args: str, at: Path = where) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(["git", "-C", str(at), *args], capture_output=True, timeout=120)

    try:
        top = git("rev-parse", "--show-toplevel")
    except FileNotFoundError as error:
        raise UsageError("git is not installed") from error
    if top.returncode:
        raise UsageError(f"{plan}: not in a git repository")
    toplevel = Path(top.stdout.decode().strip()).resolve()
    commit = git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if commit.returncode:
        raise UsageError(f"{ref!r} is not a commit in {toplevel}")
    prefix = plan.relative_to(toplevel).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    # paths given to ls-tree and archive are relative to the directory git runs in
    listing = git("ls-tree", "--name-only", commit.stdout.decode().strip(), "--", prefix + MANIFEST, at=toplevel)
    if not listing.stdout.strip():
        return None
    archive = git("archive", "--format=tar", commit.stdout.decode().strip(), "--", prefix or ".", at=toplevel)
    if archive.returncode:
        raise UsageError(f"git archive failed: {archive.stderr.decode(errors='replace').strip()}")
    out = Path(into)
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.startswith(prefix):
                continue  # links and folders are never written
            relative = PurePosixPath(member.name[len(prefix):])
            if relative.is_absolute() or ".." in relative.parts:
                continue
            target = out.joinpath(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            if source is not None:
                target.write_bytes(source.read())
    return out


@contextmanager
def plan_at(ref: str, plan: str | Path) -> Iterator[PlanFolder | None]:
    """``with plan_at("origin/main", "plan") as old:`` the plan as it was at a git ref
    (None when it did not exist there), in a temporary folder removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="eventspec-base-") as tmp:
        root = git_plan(ref, plan, tmp)
        yield read_plan(root) if root is not None else None


# --- walking schemas -----------------------------------------------------------------

_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies")
_ONE = ("additionalProperties", "unevaluatedProperties", "items", "additionalItems", "unevaluatedItems",
        "contains", "propertyNames", "not", "if", "then", "else", "contentSchema")
_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems", "items")


def subschemas(schema: Any, parts: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every schema node under (and including) ``schema``, with its location in the file.

    Covers the applicators of 2020-12, 2019-09 and draft-07 (``items`` as a list,
    ``definitions``, ``dependencies``); values of other keywords are never schemas.
    """
    yield parts, schema
    if not isinstance(schema, dict):
        return
    for key in _MAPS:
        value = schema.get(key)
        if isinstance(value, dict):
            for name, sub in value.items():
                if isinstance(sub, (dict, bool)):
                    yield from subschemas(sub, parts + (key, name))
    for key in _ONE:
        value = schema.get(key)
        if isinstance(value, (dict, bool)):
            yield from subschemas(value, parts + (key,))
    for key in _LISTS:
        value = schema.get(key)
        if isinstance(value, list):
            for index, sub in enumerate(value):
                if isinstance(sub, (dict, bool)):
                    yield from subschemas(sub, parts + (key, index))


def line_of(text: str, parts: tuple[str | int, ...]) -> int | None:
    """The line a JSON pointer's member starts on, found by following its keys in order
    (good enough to place an annotation; None when the text does not say)."""
    if not text:
        return None
    position = 0
    for part in parts:
        if isinstance(part, int):
            continue
        found = text.find(json.dumps(part, ensure_ascii=False) + ":", position)
        if found < 0:
            found = text.find(json.dumps(part) + " :", position)
        if found < 0:
            return text.count("\n", 0, position) + 1 if position else None
        position = found
    return text.count("\n", 0, position) + 1


# --- resolving $ref --------------------------------------------------------------------


@cache
def bundled_document(relative: str) -> Any:
    """A bundled schema file by its path under ``eventspec.schemas`` (None if absent)."""
    entry = files("eventspec.schemas")
    for part in relative.split("/"):
        entry = entry / part
    if not relative.endswith(".json") or not entry.is_file():
        return None
    return json.loads(entry.read_text(encoding="utf-8"))


@dataclass
class Refs:
    """Resolves ``$ref`` between a plan's files and the bundled schemas, offline."""

    plan: PlanFolder
    _documents: dict[str, Any] = field(default_factory=dict)  # internal uri -> document
    _anchors: dict[str, dict[str, Any]] = field(default_factory=dict)  # resource uri -> {name: node}
    _resources: dict[str, Any] = field(default_factory=dict)  # uri -> node with that $id

    def __post_init__(self) -> None:
        for entry in self.plan.files.values():
            if entry.problem is None and entry.kind != "manifest":
                self._index(self.plan.uri(entry.relative), entry.document)
                if self.base(entry) != self.plan.uri(entry.relative):
                    self._resources.setdefault(self.base(entry), entry.document)

    def base(self, entry: PlanFile) -> str:
        """The base URI of a plan file: the loader's id for it (its own ``$id``, if any,
        applies from there, as in the loader)."""
        default = self.plan.uri(entry.relative)
        own = entry.document.get("$id") if isinstance(entry.document, dict) else None
        return urldefrag(urljoin(default, own))[0] if isinstance(own, str) and own else default

    def external(self, uri: str) -> str:
        """How messages show a uri: plan files as paths relative to the plan folder."""
        prefix = self.plan.uri("")
        return uri[len(prefix):] if uri.startswith(prefix) else uri

    def _index(self, base: str, document: Any) -> None:
        base = urldefrag(base)[0]
        self._documents.setdefault(base, document)
        self._resources.setdefault(base, document)
        self._walk(base, document)

    def _walk(self, base: str, node: Any) -> None:
        if isinstance(node, dict):
            own = node.get("$id") if node is not self._resources.get(base) else None
            if isinstance(own, str):
                uri, fragment = urldefrag(urljoin(base, own))
                if uri and uri != base:
                    base = uri
                    self._resources.setdefault(uri, node)
                if fragment and not fragment.startswith("/"):  # draft-07 plain-name $id
                    self._anchors.setdefault(base, {}).setdefault(fragment, node)
            anchor = node.get("$anchor")
            if isinstance(anchor, str):
                self._anchors.setdefault(base, {}).setdefault(anchor, node)
            for key, value in node.items():
                if key in ("enum", "const", "examples", "default", "x-eventspec"):
                    continue
                self._walk(base, value)
        elif isinstance(node, list):
            for value in node:
                self._walk(base, value)

    def _document(self, uri: str) -> Any:
        if uri in self._resources:
            return self._resources[uri]
        if uri.startswith(BUNDLED_BASE):
            document = bundled_document(uri[len(BUNDLED_BASE):])
            if document is not None:
                self._index(uri, document)
                return document
        return None

    def resolve(self, base: str, ref: str) -> tuple[str, Any] | str:
        """``(absolute uri, target node)``, or a sentence saying why it does not resolve."""
        absolute = urljoin(base, ref)
        uri, fragment = urldefrag(absolute)
        document = self._document(uri)
        if document is None:
            where = self.external(uri)
            if uri.startswith(self.plan.uri("")):
                return f"{ref!r} points at {where}, which is not a file of the plan"
            if uri.startswith(BUNDLED_BASE):
                return f"{ref!r} points at {uri}, which is not a bundled schema"
            return f"{ref!r} points at {uri}, outside the plan and the bundled schemas (eventspec never fetches)"
        if not fragment:
            return absolute, document
        if fragment.startswith("/"):
            node = document
            for token in fragment[1:].split("/"):
                token = unquote(token).replace("~1", "/").replace("~0", "~")
                if isinstance(node, dict) and token in node:
                    node = node[token]
                elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                    node = node[int(token)]
                else:
                    return f"{ref!r}: {self.external(uri)} has nothing at #{fragment}"
            return absolute, node
        node = self._anchors.get(uri, {}).get(fragment)
        if node is None:
            return f"{ref!r}: {self.external(uri)} has no anchor {fragment!r}"
        return absolute, node

    def refs(self, entry: PlanFile) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
        """Every ``$ref`` in a file: (location, the ref, the base it resolves against)."""
        yield from _refs(entry.document, (), self.base(entry), entry.document)


def _refs(node: Any, parts: tuple[str | int, ...], base: str, root: Any) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    if isinstance(node, dict):
        own = node.get("$id")
        if isinstance(own, str) and node is not root:
            uri = urldefrag(urljoin(base, own))[0]
            base = uri or base
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield parts + ("$ref",), ref, base
        for key, value in node.items():
            if key in ("enum", "const", "examples", "default", "x-eventspec"):
                continue
            yield from _refs(value, parts + (key,), base, root)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _refs(value, parts + (index,), base, root)
