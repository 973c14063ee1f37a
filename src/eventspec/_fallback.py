"""jsonschema, for what the compiler leaves to it: whole schemas, and metaschema checks.

Imported only when needed (a schema with ``unevaluatedProperties``, a draft-04 schema,
`Compiler.check_schema`): the bundled schemas never need it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

import jsonschema
import referencing
import referencing.jsonschema
from jsonschema.exceptions import ValidationError, best_match

from ._compile import Compiled
from ._drafts import Draft
from ._report import Error
from ._resolve import Index, SchemaError, Scope, pointer_to

_CLASSES: dict[str, Any] = {
    "draft2020-12": jsonschema.Draft202012Validator,
    "draft2019-09": jsonschema.Draft201909Validator,
    "draft7": jsonschema.Draft7Validator,
    "draft6": jsonschema.Draft6Validator,
    "draft4": jsonschema.Draft4Validator,
    "draft3": jsonschema.Draft3Validator,
}


@cache
def validator_class(draft: Draft) -> Any:
    """jsonschema's validator class for ``draft``; for a custom metaschema that
    leaves vocabularies out, one that ignores their keywords, as the draft says."""
    cls = _CLASSES[draft.name]
    if draft.allowed is None:
        return cls
    return jsonschema.validators.create(
        meta_schema=cls.META_SCHEMA,
        validators={k: f for k, f in cls.VALIDATORS.items() if k in draft.allowed},
        type_checker=cls.TYPE_CHECKER,
        format_checker=cls.FORMAT_CHECKER,
        id_of=cls.ID_OF,
    )


def _specification(draft: Draft) -> Any:
    return referencing.jsonschema.specification_with(draft.uri)


class Fallback:
    """jsonschema validators over one compiler's documents, in a registry of them."""

    def __init__(self, index: Index) -> None:
        self._index = index
        resources = []
        for uri, document in index.documents.items():
            try:
                default = _specification(index.draft_of(uri, document))
            except SchemaError:  # an unknown $schema: referencing reads it as 2020-12, and so do we
                default = referencing.jsonschema.DRAFT202012
            resources.append((uri, referencing.Resource.from_contents(document, default_specification=default)))
        self._registry = referencing.Registry().with_resources(resources).crawl()
        self._owners: dict[int, str] | None = None

    def compiled(self, canonical: str, scope: Scope) -> Compiled:
        cls = validator_class(scope.draft)
        # A root that refers to the schema: jsonschema resolves it, and what it refers
        # to, with the schema's own URI as base (a root schema itself would get none).
        formats = cls.FORMAT_CHECKER if scope.formats else None
        validator = cls({"$ref": canonical}, registry=self._registry, format_checker=formats)
        document = scope.document

        def check(value: Any) -> bool:
            return bool(validator.is_valid(value))

        def report(value: Any) -> list[Error]:
            return self.errors(validator.iter_errors(value), document)

        return Compiled(check, report, False, None)

    def errors(self, errors: Iterable[ValidationError], document: str) -> list[Error]:
        """jsonschema's errors as `Error`\\ s, each naming the document of its keyword."""
        return [self._error(error, document) for error in errors]

    def _error(self, error: ValidationError, document: str) -> Error:
        context = None
        if error.context is not None:
            context = [self._error(each, document) for each in error.context]
            # jsonschema drops the branch index of a `false` branch's error; the branches
            # report in order, one error for each false one
            branches = error.validator_value if isinstance(error.validator_value, list) else []
            falses = iter([i for i, b in enumerate(branches) if b is False])
            for each, original in zip(context, error.context):
                if not each.relative_schema_path and original.validator is None:
                    each.relative_schema_path = (next(falses, 0),)
        converted = Error(
            error.validator if error.validator is not None else "false",  # type: ignore[arg-type]
            error.validator_value, error.instance, error.schema, tuple(error.absolute_path),
            self._owner(error, document), context, error.message,
        )
        if not converted.relative_schema_path:
            converted.relative_schema_path = tuple(error.relative_schema_path)
        converted.relative_path = tuple(error.relative_path)
        return converted

    def _owner(self, error: ValidationError, document: str) -> str:
        """The document holding the failed keyword: found by identity for a schema
        object (the documents are kept, so identities stay theirs), by following the
        error's schema path for the schemas ``true`` and ``false``."""
        if self._owners is None:
            owners: dict[int, str] = {}
            for uri, node in self._index.documents.items():
                _visit(node, uri, owners)
            self._owners = owners
        if isinstance(error.schema, dict):
            found = self._owners.get(id(error.schema))
            if found is not None:
                return found
        return _walk(self._index, document, list(error.absolute_schema_path)) or document


def _visit(node: Any, uri: str, owners: dict[int, str]) -> None:
    if isinstance(node, dict):
        owners[id(node)] = uri
        for value in node.values():
            _visit(value, uri, owners)
    elif isinstance(node, list):
        for value in node:
            _visit(value, uri, owners)


def _walk(index: Index, document: str, path: list[Any]) -> str | None:
    """Follow a jsonschema schema path from a document through ``$ref``\\ s (which
    the path does not name); None when it cannot be followed."""
    node, scope, _ = index.root(document)
    for part in path:
        for _ in range(16):  # a chain of references, not a cycle
            if isinstance(node, dict) and part in node:
                break
            if isinstance(node, list) and isinstance(part, int) and part < len(node):
                break
            if not isinstance(node, dict) or not isinstance(node.get("$ref"), str):
                return None
            try:
                node, scope = index.lookup(node["$ref"], scope)
            except Exception:  # noqa: BLE001 - best effort: the caller names the root document
                return None
        else:
            return None
        node = node[part]
        scope = index.inside(scope, node)
    return scope.document


def static_metaschemas(draft: Draft) -> dict[str, Any]:
    """The official metaschema documents of ``draft`` with their dynamic references made
    static, so that the compiler checks schemas against them at compiled speed.

    Exact for the official dialect itself: ``$dynamicRef: "#meta"`` (2020-12) and
    ``$recursiveRef: "#"`` (2019-09) resolve to the outermost schema of the dynamic scope
    that has the anchor, and validating against the official metaschema, that is always
    its root.
    """
    from jsonschema_specifications import REGISTRY

    root = draft.uri

    def static(node: Any) -> Any:
        if isinstance(node, list):
            return [static(each) for each in node]
        if not isinstance(node, dict):
            return node
        copy = {}
        for key, value in node.items():
            if (key, value) in (("$dynamicRef", "#meta"), ("$recursiveRef", "#")):
                copy["$ref"] = root
            else:
                copy[key] = static(value)
        return copy

    prefix = root.rsplit("/", 1)[0] + "/"
    return {uri: static(REGISTRY.contents(uri)) for uri in REGISTRY if uri == root or uri.startswith(prefix + "meta/")}


@cache
def _metaschema_validator(draft: Draft) -> Any:
    cls = _CLASSES[draft.name]
    return cls(cls.META_SCHEMA, format_checker=cls.FORMAT_CHECKER)


def check_schema(index: Index, uri: str) -> None:
    """Check the document at ``uri`` against its metaschema (formats checked: a
    ``pattern`` must be a regular expression Python reads).

    Raises:
        SchemaError: with the JSON pointer of the best-matching error.
    """
    if uri not in index.documents:
        raise SchemaError(uri, "", "no schema among the documents has this URI")
    document = index.documents[uri]
    draft = index.draft_of(uri, document)
    if draft.meta:  # a custom metaschema among the documents
        meta = index.documents[draft.meta]
        cls = jsonschema.validators.validator_for(meta, default=_CLASSES[draft.name])
        registry = Fallback(index)._registry
        validator = cls(meta, registry=registry, format_checker=cls.FORMAT_CHECKER)
    else:
        validator = _metaschema_validator(draft)
    error = best_match(validator.iter_errors(document))
    if error is not None:
        raise SchemaError(uri, pointer_to(error.absolute_path), error.message)
