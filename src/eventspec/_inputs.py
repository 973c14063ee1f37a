"""Reading payloads from files, directories and stdin, one at a time.

A payload that cannot be read (not UTF-8, not JSON, nested too deeply, a truncated
line, an empty file, a FIFO or a dangling link found in a directory) becomes an `Item`
with a ``problem`` instead of an exception: the run goes on, and the item is reported
and counted like any other. NDJSON is streamed line by line, so a large event log is
never held in memory.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

EXTENSIONS = (".json", ".ndjson", ".jsonl")  # matched whatever their case: Upper.JSON too
NDJSON = (".ndjson", ".jsonl")
STDIN = "<stdin>"
PLAN_MANIFEST = "eventspec-plan.json"
# The standard library's parser recurses once per level of arrays and objects, so a
# line like 100,000 "[" ends in RecursionError; it is a line that cannot be read.
TOO_DEEP = "nested too deeply to read"


class UsageError(Exception):
    """A command-line mistake (a missing file): exit status 2, nothing checked."""


class Item(NamedTuple):
    """One payload read from an input, or the reason it could not be read.

    ``raw`` is the undecoded NDJSON line (for workers and --split); ``payload`` is the
    parsed value once parsed. (A named tuple: millions are made, and cheaply.)
    """

    source: str
    line: int | None = None  # 1-based line of an NDJSON payload, or of a parse error
    position: int | None = None  # index in a top-level JSON array
    raw: bytes | None = None
    payload: Any = None
    problem: str | None = None

    @property
    def location(self) -> str:
        if self.position is not None:
            return f"item {self.position}"
        return f"line {self.line}" if self.line is not None else ""


_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19


def _fast_parse() -> Callable[[bytes], tuple[Any, bool]]:
    """``parse(raw bytes) -> (value, native)``: with the [fast] extra, orjson; else the
    standard library. ``native`` is true when orjson parsed the line.

    orjson reads integers past 64 bits as floats where json keeps them exact, so a line
    with a run of 19 or more digits anywhere goes to json (rarely, and safely); and
    whatever orjson refuses is decoded and parsed again by json, so what is accepted,
    and every error message, stays the standard library's. What orjson accepts holds
    only JSON's own values: no NaN or infinity, no lone surrogate, no integer past 64
    bits; so its compact serialization is at most `LINE_BOUND` times the line.
    """
    try:
        import orjson
    except ImportError:
        return lambda raw: (json.loads(raw.decode("utf-8")), False)
    strict, decode_error = orjson.loads, orjson.JSONDecodeError

    def parse(raw: bytes) -> tuple[Any, bool]:
        if _LONG_NUMBER not in raw.translate(_DIGITS_TO_ZERO):
            try:
                return strict(raw), True
            except decode_error:
                pass
        return json.loads(raw.decode("utf-8")), False

    return parse


def _fast_loads() -> Callable[[bytes], Any]:
    """``loads(raw bytes)``, as `_fast_parse` parses."""
    parse = _fast_parse()
    return lambda raw: parse(raw)[0]


# A natively parsed line's value, serialized as compact JSON, takes at most this many
# times the line's bytes. Strings, integers, literals and structure never grow (escapes
# only shrink or stay, whitespace and repeated keys go); a float can: "1e15" (4 bytes)
# is written 1000000000000000.0 (18), but it needs a separator of its own, so a run of
# them, the worst case, stays under 3.8 times its source.
LINE_BOUND = 4

parse = _fast_parse()


class Unreadable(ValueError):
    """A line that is not UTF-8, not JSON, or nested too deeply to read; says which."""


def read_line(raw: bytes) -> tuple[Any, int | None]:
    """An NDJSON line's payload, and an upper bound of its size as compact JSON when the
    parser vouches for one (`LINE_BOUND`), else None.

    Raises:
        Unreadable: the line cannot be read; the message is the ``unreadable`` finding's.
    """
    try:
        payload, native = parse(raw)
    except (ValueError, RecursionError) as error:
        raise unreadable(error) from None
    return payload, len(raw) * LINE_BOUND if native else None


def unreadable(error: ValueError | RecursionError) -> Unreadable:
    """What `parse` raised, as the ``unreadable`` finding says it."""
    if isinstance(error, UnicodeDecodeError):
        return Unreadable(f"not valid UTF-8 (byte {error.start})")
    if isinstance(error, RecursionError):  # json's decoder, past the recursion limit
        return Unreadable(TOO_DEEP)
    return Unreadable(f"not JSON: {error}")


def parse_line(item: Item) -> Item:
    """Parse an NDJSON item's raw line (done in worker processes with --jobs)."""
    raw = item.raw
    if raw is None or item.problem is not None:
        return item
    try:
        return Item(item.source, item.line, None, raw, read_line(raw)[0])
    except Unreadable as error:
        return Item(item.source, item.line, raw=raw, problem=str(error))


def _document(source: str, data: bytes) -> Iterator[Item]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        yield Item(source, problem=f"not valid UTF-8 (byte {error.start})")
        return
    if not text.strip():
        yield Item(source, problem="empty file: no payloads")
        return
    try:
        value = json.loads(text)
    except ValueError as error:
        yield Item(source, line=getattr(error, "lineno", None), problem=f"not JSON: {error}")
        return
    except RecursionError:
        yield Item(source, problem=TOO_DEEP)
        return
    if isinstance(value, list):
        if not value:
            yield Item(source, problem="empty array: no payloads")
        for index, payload in enumerate(value):
            yield Item(source, position=index, payload=payload)
    else:
        yield Item(source, payload=value)


class Block(NamedTuple):
    """A run of whole NDJSON lines, unparsed: the unit of work for --jobs.

    A block of a regular file also says where it lies in the file, so a worker process
    can read the bytes itself instead of receiving them through a pipe (`remote`).
    """

    source: str
    data: bytes
    first_line: int
    path: str | None = None  # the file the block was read from, if one
    offset: int = 0  # where in it
    size: int = 0  # how many bytes, when ``data`` has been left behind


def remote(block: Block) -> Block:
    """The block without its bytes, when a worker can read them from the file."""
    if block.path is None or not block.data:
        return block
    return block._replace(data=b"", size=len(block.data))


def fetch(block: Block) -> Block:
    """A `remote` block with its bytes read back from the file."""
    if block.data or not block.size or block.path is None:
        return block
    try:
        with open(block.path, "rb") as stream:
            stream.seek(block.offset)
            data = stream.read(block.size)
    except OSError as error:
        data = b""
        problem = f"cannot read: {error.strerror}"
    else:
        problem = "the file changed while it was being checked"
    if len(data) != block.size:
        raise FileChanged(problem)
    return block._replace(data=data, size=0)


class FileChanged(Exception):
    """A file's bytes at a block's place differ in length from when it was split."""


BLOCK_SIZE = 1 << 19  # about 400 events: enough work to be worth a trip to a worker


def blocks(source: str, stream: IO[bytes], size: int = BLOCK_SIZE, path: str | None = None) -> Iterator[Block]:
    """Whole lines of an NDJSON stream in blocks of about ``size`` bytes, in order."""
    line, offset = 1, 0
    while True:
        data = stream.read(size)
        if not data:
            if line == 1:  # an empty file is still an input, to be reported as empty
                yield Block(source, b"", 1)
            return
        if not data.endswith(b"\n"):
            data += stream.readline()  # finish the last line
        yield Block(source, data, line, path, offset)
        line += data.count(b"\n")
        offset += len(data)


def lines(block: Block) -> list[Item]:
    """A block's payload lines as raw items; blank lines are not payloads."""
    pieces = block.data.split(b"\n")
    if pieces and not pieces[-1]:
        pieces.pop()  # after the final newline
    return [
        Item(block.source, block.first_line + offset, None, raw.rstrip(b"\r"))
        for offset, raw in enumerate(pieces)
        if raw.strip()
    ]


def empty(source: str) -> Item:
    return Item(source, problem="empty file: no payloads")


def _stdin(stream: IO[bytes]) -> Iterator[Item | Block]:
    # One JSON document, or NDJSON: NDJSON when the first line is a JSON value of its own
    # and more lines follow. Only then is the input streamed.
    head: list[bytes] = []
    for raw in iter(stream.readline, b""):
        head.append(raw)
        if raw.strip():
            break
    first = b"".join(head)
    try:
        json.loads(first)
        first_is_value = bool(first.strip())
    except ValueError:
        first_is_value = False
    except RecursionError:  # a line too deep to read: NDJSON if more lines follow, it is one
        first_is_value = True
    nxt = stream.readline() if first_is_value else b""
    if not nxt:
        yield from _document(STDIN, first + stream.read())
        return
    yield Block(STDIN, first + nxt, 1)
    yield from blocks(STDIN, stream, BLOCK_SIZE)  # numbered on from there by the caller


def check_paths(paths: list[str]) -> None:
    """Raise UsageError for a path that does not exist, before anything is checked."""
    for name in paths:
        if name != "-" and not Path(name).exists():
            raise UsageError(f"no such file or directory: {name}")


class Input(NamedTuple):
    """One input to read: a file, stdin (``path`` None), or why it cannot be read."""

    name: str
    path: Path | None
    problem: str | None = None


def files_under(paths: list[str]) -> list[Input]:
    """The inputs, with directories expanded (recursively, in sorted order).

    Inside a directory, a name ending in .json, .ndjson or .jsonl (in any case) is an
    input; one that is not a regular file (a FIFO, a dangling link) and a subdirectory
    that cannot be listed are inputs with a problem, so nothing is skipped unsaid. A
    path named on the command line is read whatever it is (a FIFO too: it was asked for).
    """
    found: list[Input] = []
    for name in paths:
        if name == "-":
            found.append(Input(STDIN, None))
        elif os.path.isdir(name):
            inside = _walk(Path(name))
            found.extend(inside)
            if not inside:
                found.append(Input(name, Path(name), "directory holds no .json, .ndjson or .jsonl files"))
        else:
            found.append(Input(name, Path(name)))
    return found


def _walk(top: Path) -> list[Input]:
    found: list[tuple[Path, str | None]] = []

    def unlistable(error: OSError) -> None:
        found.append((Path(error.filename), f"cannot read directory: {error.strerror}"))

    # os.walk, unlike Path.rglob, reports a subdirectory it cannot list (to onerror).
    # Links to directories are not followed (as rglob did not): no cycles to guard.
    for folder, folders, names in os.walk(top, onerror=unlistable):
        if PLAN_MANIFEST in names and Path(folder) != top:
            # a tracking plan's folder holds schemas, not payloads (check against it with --plan)
            folders.clear()
            continue
        for name in names:
            if name.lower().endswith(EXTENSIONS):
                path = Path(folder, name)
                found.append((path, _not_regular(path)))
    return [Input(str(path), path, problem) for path, problem in sorted(found, key=lambda entry: entry[0])]


def _not_regular(path: Path) -> str | None:
    """Why a file found in a directory is not read, or None for a regular file."""
    try:
        mode = path.stat().st_mode  # through a link, to what it names
    except FileNotFoundError:
        return "dangling symbolic link: what it names does not exist"
    except OSError as error:  # a loop of links, a permission denied on the way
        return f"cannot read: {error.strerror}"
    if stat.S_ISREG(mode):
        return None
    # Opening a FIFO would wait for a writer, maybe for ever; a device may never end.
    kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    return f"not a regular file ({kind}): not read"


def read(paths: list[str], stdin: IO[bytes]) -> Iterator[Item | Block]:
    """Every input, in order: `read_inputs` of `files_under` the paths."""
    return read_inputs(files_under(paths), stdin)


def read_inputs(inputs: Iterable[Input], stdin: IO[bytes] | None) -> Iterator[Item | Block]:
    """Every input, in order: parsed items of JSON documents, and NDJSON as `Block`s.

    NDJSON line numbers run on across a file's blocks; a file or stream with no
    payload line at all is reported as empty by whoever counts its payloads.
    ``stdin`` may be None when no input is stdin.
    """
    for name, path, problem in inputs:
        if problem is not None:
            yield Item(name, problem=problem)
        elif path is None:
            if stdin is None:  # the command refuses this first; a library caller may not
                yield Item(STDIN, problem="standard input is closed")
            else:
                yield from _renumbered(_stdin(stdin))
        elif path.suffix.lower() in NDJSON:
            try:
                with path.open("rb") as stream:
                    yield from blocks(name, stream, path=str(path.resolve()) if path.is_file() else None)
            except OSError as error:
                yield Item(name, problem=f"cannot read: {error.strerror}")
        else:
            try:
                data = path.read_bytes()
            except OSError as error:
                yield Item(name, problem=f"cannot read: {error.strerror}")
                continue
            yield from _document(name, data)


def _renumbered(parts: Iterator[Item | Block]) -> Iterator[Item | Block]:
    line = None
    for part in parts:
        if isinstance(part, Block):
            start = part.first_line if line is None else line
            yield part._replace(first_line=start)
            line = start + part.data.count(b"\n")
        else:
            yield part
