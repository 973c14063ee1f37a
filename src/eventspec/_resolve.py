"""Finding the schema a ``$ref`` names, among a fixed set of documents, offline.

`Index` follows `referencing`'s rules (``referencing/_core.py``: ``Registry.crawl``,
``Resolver.lookup``, ``Resource.pointer``) so that the compiled path and the jsonschema
fallback resolve every reference alike, without importing referencing: the fast path
must not pay its import time. The official metaschemas are known too, as referencing
knows them; nothing is ever fetched.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import unquote, urldefrag, urljoin

from ._drafts import DEFAULT, UNKNOWN, Draft, official, with_vocabularies


class SchemaError(ValueError):
    """A schema that cannot be used: invalid against its metaschema, a ``$ref`` that
    resolves to nothing, an unknown ``$schema``.

    Attributes:
        uri: the document holding the problem.
        pointer: where in it, as a JSON pointer ("" is the document itself).
        reason: what is wrong.
    """

    def __init__(self, uri: str, pointer: str, reason: str) -> None:
        super().__init__(uri, pointer, reason)
        self.uri = uri
        self.pointer = pointer
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.uri} at {self.pointer or '/'} (JSON pointer): {self.reason}"


class Unresolvable(LookupError):
    """A reference that names nothing among the documents."""


class Unsupported(Exception):
    """A schema (or a draft, or a reference) the compiler leaves to jsonschema."""


class Scope(NamedTuple):
    """Where a subschema sits: its base URI, the document holding it, its draft; and
    whether ``format`` is asserted (decided by the document compiled, for all it reaches,
    as jsonschema's one format checker is)."""

    base: str
    document: str
    draft: Draft
    formats: bool = True


class _Resource(NamedTuple):
    node: Any
    document: str
    draft: Draft


def pointer_to(parts: Any) -> str:
    """A JSON pointer (RFC 6901) for a sequence of keys and indexes."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


class Index:
    """Every resource and anchor of a set of documents, found on first need.

    A document is registered (by its key and its own ``$id``) when it is first looked
    up, and crawled for embedded ``$id``\\ s and anchors only when a lookup needs them (a
    compiled bundled schema touches a handful of files and crawls none); a URI that no
    document has as its key makes them all crawled. Thread-safe.
    """

    def __init__(self, documents: Mapping[str, Any]) -> None:
        self.documents = documents
        self._resources: dict[str, _Resource] = {}
        self._anchors: dict[tuple[str, str], tuple[Any, bool]] = {}
        self._registered: set[str] = set()  # documents known by their key and own $id
        self._crawled: set[str] = set()  # documents whose embedded resources are known too
        self._foreign = False  # a document in a draft crawled only by referencing
        self._lock = threading.RLock()
        self._meta: dict[str, Any] | None = None

    # --- drafts -------------------------------------------------------------------

    def draft_of(self, uri: str, node: Any, default: Draft = DEFAULT) -> Draft:
        """The draft of a document (or resource) root, from its ``$schema``.

        Raises:
            SchemaError: ``$schema`` names neither a draft nor a metaschema among the
                documents, or a metaschema with an unknown required vocabulary.
        """
        if not isinstance(node, dict) or "$schema" not in node:
            return default
        named = node["$schema"]
        found = official(named)
        if found is not None:
            return found
        if not isinstance(named, str):
            raise SchemaError(uri, "/$schema", f"$schema must be a URI; found {named!r}")
        meta = named.rstrip("#")
        if meta == uri.rstrip("#"):
            raise SchemaError(uri, "/$schema", "a metaschema must name another metaschema")
        document = self.documents.get(meta)
        if not isinstance(document, dict):
            raise SchemaError(uri, "/$schema", f"unknown $schema {named!r}: neither a JSON Schema "
                                               "draft nor a metaschema among the schemas given")
        base = self.draft_of(meta, document)
        vocabularies = document.get("$vocabulary")
        if not isinstance(vocabularies, dict) or not base.crawlable:
            return base
        try:
            return with_vocabularies(base, meta, vocabularies)
        except ValueError as error:
            raise SchemaError(uri, "/$schema", str(error)) from None

    # --- crawling -------------------------------------------------------------------

    def _register(self, key: str) -> _Resource:
        """Register ``key``'s document under its key and its own ``$id``."""
        self._registered.add(key)
        node = self.documents[key] if key in self.documents else self._metaschemas()[key]
        try:
            draft = self.draft_of(key, node)
        except SchemaError:  # an unknown $schema: compiling it says so (root); others go on
            draft = UNKNOWN
        resource = self._resources[key] = _Resource(node, key, draft)
        if not draft.crawlable:
            self._foreign = True  # its $ids and anchors follow rules only referencing has
        elif (found := draft.id_of(node)) is not None:
            self._resources[urljoin(key, found)] = resource
        return resource

    def _crawl(self, key: str) -> None:
        """Register the resources and anchors embedded in ``key``'s document, as
        referencing's ``Registry.crawl`` does. Needed only for a plain-name fragment or
        a URI no document has as its key: most lookups never crawl."""
        self._crawled.add(key)
        resource = self._resources[key] if key in self._registered else self._register(key)
        if not resource.draft.crawlable:
            return
        pending = [(key, resource.node, resource.draft)]
        while pending:
            uri, node, draft = pending.pop()
            found = draft.id_of(node)
            if found is not None:
                uri = urljoin(uri, found)
                self._resources[uri] = _Resource(node, key, draft)
            for name, dynamic in draft.anchors_in(node):
                self._anchors[(uri, name)] = (node, dynamic)
            for sub in draft.subresources(node):
                inner = official(sub.get("$schema")) if isinstance(sub, dict) else None
                if inner is not None and not inner.crawlable:
                    self._foreign = True
                    continue
                pending.append((uri, sub, inner or draft))

    def _metaschemas(self) -> dict[str, Any]:
        if self._meta is None:
            # referencing knows the official metaschemas without fetching; so do we
            from jsonschema_specifications import REGISTRY

            self._meta = {uri: REGISTRY.contents(uri) for uri in REGISTRY}
        return self._meta

    def resource(self, uri: str) -> _Resource:
        """The resource at ``uri`` (no fragment).

        Raises:
            Unresolvable: no document holds it.
            Unsupported: it may be in a document of a draft this index does not crawl.
        """
        with self._lock:
            found = self._resources.get(uri)
            if found is not None:
                return found
            if uri in self.documents and uri not in self._registered:
                return self._register(uri)
            for key in list(self.documents):
                if key not in self._crawled:
                    self._crawl(key)
            if uri not in self._resources and uri in self._metaschemas():
                self._crawl(uri)
            found = self._resources.get(uri)
            if found is not None:
                return found
            if self._foreign:
                raise Unsupported(f"{uri} may be inside a schema of an older draft")
            raise Unresolvable(uri)

    def anchor(self, uri: str, name: str) -> tuple[Any, bool]:
        document = self.resource(uri).document
        if document not in self._crawled:
            with self._lock:
                self._crawl(document)
        found = self._anchors.get((uri, name))
        if found is None:
            raise Unresolvable(f"{uri}#{name}")
        return found

    # --- resolving ------------------------------------------------------------------

    def root(self, uri: str) -> tuple[Any, Scope, str]:
        """The schema at ``uri`` (a document's URI, maybe with a fragment), its scope,
        and its canonical URI: the document's own ``$id`` (resolved against ``uri``) is
        its base, as it is for anything referring to it.
        """
        key, fragment = urldefrag(uri)
        resource = self.resource(key)
        if resource.draft is UNKNOWN:
            self.draft_of(resource.document, self.documents[resource.document])  # raises its SchemaError
        found = resource.draft.id_of(resource.node) if resource.draft.crawlable else None
        canonical = urljoin(key, found) if found else key
        if fragment:
            canonical += "#" + fragment
        node, scope = self.lookup(canonical, Scope("", resource.document, resource.draft))
        return node, scope, canonical

    def lookup(self, ref: str, scope: Scope) -> tuple[Any, Scope]:
        """The subschema ``ref`` names from ``scope`` (referencing's ``Resolver.lookup``).

        The draft stays the referrer's (the target's own ``$schema`` switches it, as
        jsonschema does).

        Raises:
            Unresolvable: nothing by that name.
            Unsupported: a plain-name reference to a ``$dynamicAnchor`` (referencing
                resolves those dynamically), or a target in an older draft's document.
        """
        if ref.startswith("#"):
            uri, fragment = scope.base, ref[1:]
        else:
            uri, fragment = urldefrag(urljoin(scope.base, ref))
        resource = self.resource(uri)
        if fragment.startswith("/"):
            node, base = self._pointer(resource, uri, fragment)
        elif fragment:
            node, dynamic = self.anchor(uri, fragment)
            if dynamic:
                raise Unsupported(f"{ref!r} names a $dynamicAnchor")
            base = uri
        else:
            node, base = resource.node, uri
            if uri == resource.document and resource.draft.crawlable:
                # a document reached by the URI it was given under, whose root names its
                # own $id: that $id is the base of everything in it
                named = resource.draft.id_of(node)
                if named:
                    base = urldefrag(urljoin(uri, named))[0]
            if isinstance(node, dict) and "$schema" in node and resource.draft is not UNKNOWN:
                # a root naming its own metaschema (a custom one too) is read in its dialect
                return node, Scope(base, resource.document, resource.draft, scope.formats)
        return node, Scope(base, resource.document, scope.draft, scope.formats)

    def _pointer(self, resource: _Resource, base: str, pointer: str) -> tuple[Any, str]:
        node = resource.node
        draft = resource.draft
        segments: list[str | int] = []
        for raw in unquote(pointer[1:]).split("/"):
            segment: str | int
            if isinstance(node, list):
                try:
                    segment = int(raw)
                except ValueError:
                    raise Unresolvable(pointer) from None
            else:
                segment = raw.replace("~1", "/").replace("~0", "~")
            try:
                node = node[segment]
            except (LookupError, TypeError):
                raise Unresolvable(pointer) from None
            segments.append(segment)
            if draft.crawlable and draft.in_subresource(segments, node):
                found = draft.id_of(node)
                if found is not None:
                    base = urljoin(base, found)
                segments = []
        return node, base

    def inside(self, scope: Scope, schema: Any) -> Scope:
        """The scope of a subschema met while walking (jsonschema's ``descend``): its own
        ``$id`` (read by the parent's rules) moves the base, its ``$schema`` the draft."""
        if not isinstance(schema, dict):
            return scope
        found = scope.draft.id_of(schema)
        if found is not None:
            scope = scope._replace(base=urljoin(scope.base, found))
        return self.enter(scope, schema)

    @staticmethod
    def enter(scope: Scope, schema: Any) -> Scope:
        """The draft ``schema`` is validated by: an official draft its own ``$schema``
        names, else the one it was reached with (jsonschema's ``validator_for`` default)."""
        if isinstance(schema, dict) and "$schema" in schema:
            found = official(schema["$schema"])
            if found is not None and found.uri != scope.draft.uri:
                return scope._replace(draft=found)
        return scope
