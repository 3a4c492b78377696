"""Reading a Bluesky repository export: CAR v1 framing, dag-cbor blocks, the commit, the MST.

A ``.car`` file is a header (``{version: 1, roots: [commit CID]}``) and then blocks, each
``varint(length) CID bytes``. The root block is the signed commit ``{did, rev, data, ...}``;
``data`` is the root of a Merkle Search Tree whose keys are ``<collection>/<rkey>`` (the
record's path, which the record itself does not contain) and whose values are the CIDs of
the record blocks. Each MST node is ``{l: left subtree, e: [{p, k, v, t}]}``, where an entry's
key is the previous key's first ``p`` bytes followed by ``k``.

The framing is read here rather than with ``atproto.CAR`` so that a truncated or damaged file
still gives every intact record: each block's SHA-256 is checked against its CID, a bad block
is dropped, and the reader reports what it dropped instead of failing the whole file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import libipld

from rapport.errors import BrokenRepository

__all__ = ["BrokenRepository", "Repository", "looks_like_car", "read_repository"]

_DAG_CBOR = 0x71
_SHA256 = 0x12
_MAX_HEADER = 1 << 20
_DECODE_ERRORS = (ValueError, RecursionError, OverflowError, TypeError)
_V1_DAG_CBOR_SHA256 = b"\x01\x71\x12\x20"
"""The start of a CIDv1 of a dag-cbor block hashed with sha-256 (32 bytes follow)."""


@dataclass
class Repository:
    did: str
    rev: str | None
    records: list[tuple[str, bytes]]
    """(``collection/rkey``, record CID) for every record the tree lists, in key order."""
    blocks: dict[bytes, Any]
    problems: list[str] = field(default_factory=list)
    """What was wrong with the file (truncation, damaged blocks, missing tree nodes)."""

    def record(self, cid: bytes) -> Any:
        return self.blocks.get(cid)


def _varint(data: bytes, offset: int) -> tuple[int, int]:
    """(value, next offset) of an unsigned LEB128 varint; ValueError past the end."""
    value = shift = 0
    while True:
        if offset >= len(data) or shift > 63:
            raise ValueError("a varint runs past the end of the data")
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, offset


def _header(data: bytes) -> tuple[dict[str, Any], int]:
    length, offset = _varint(data, 0)
    if length == 0 or length > _MAX_HEADER or offset + length > len(data):
        raise ValueError("no CAR header")
    header = libipld.decode_dag_cbor(data[offset : offset + length])
    if not isinstance(header, dict) or header.get("version") != 1:
        raise ValueError("not a CAR version 1 header")
    roots = header.get("roots")
    if not isinstance(roots, list) or not roots or not isinstance(roots[0], bytes):
        raise ValueError("the CAR header names no root")
    return header, offset + length


def looks_like_car(head: bytes) -> bool:
    """Whether ``head`` (the start of a file) is a CAR v1 header."""
    try:
        _header(head)
    except (*_DECODE_ERRORS, IndexError):
        return False
    return True


def _cid(data: bytes, offset: int) -> tuple[bytes, int, bytes | None, int]:
    """(CID bytes, codec, sha-256 digest or None, offset after the CID)."""
    start = offset
    if data[offset : offset + 4] == _V1_DAG_CBOR_SHA256:  # nearly every block: no varints
        end = offset + 36
        if end > len(data):
            raise ValueError("a CID runs past the end")
        return data[start:end], _DAG_CBOR, data[offset + 4 : end], end
    if data[offset : offset + 2] == b"\x12\x20":  # CIDv0: a bare sha-256 multihash
        end = offset + 34
        if end > len(data):
            raise ValueError("a CID runs past the end")
        return data[start:end], _DAG_CBOR, data[offset + 2 : end], end
    version, offset = _varint(data, offset)
    if version != 1:
        raise ValueError(f"CID version {version}")
    codec, offset = _varint(data, offset)
    hash_code, offset = _varint(data, offset)
    size, offset = _varint(data, offset)
    end = offset + size
    if end > len(data):
        raise ValueError("a CID runs past the end")
    digest = data[offset:end] if hash_code == _SHA256 and size == 32 else None
    return data[start:end], codec, digest, end


def _blocks(data: bytes, offset: int, problems: list[str]) -> dict[bytes, Any]:
    blocks: dict[bytes, Any] = {}
    damaged = 0
    index = 0
    while offset < len(data):
        index += 1
        try:
            byte = data[offset]
            if byte < 0x80:  # a one-byte varint
                length, body_start = byte, offset + 1
            else:
                length, body_start = _varint(data, offset)
            end = body_start + length
            if length == 0 or end > len(data):
                raise ValueError("the file ends inside it")
            cid, codec, digest, body = _cid(data, body_start)
            if body > end:
                raise ValueError("its CID is longer than the block")
        except ValueError as exc:
            problems.append(
                f"block {index} can't be read ({exc}); the file looks truncated or damaged, "
                f"so the {len(data) - offset:,} bytes from there on were skipped"
            )
            break
        offset = end
        content = data[body:end]
        if digest is not None and hashlib.sha256(content).digest() != digest:
            damaged += 1
            continue
        if codec != _DAG_CBOR:
            continue  # raw blocks (blobs) carry no records
        try:
            blocks[cid] = libipld.decode_dag_cbor(content)
        except _DECODE_ERRORS:
            damaged += 1
    if damaged:
        problems.append(f"{damaged} damaged block(s) (content does not match its CID) skipped")
    return blocks


def _walk(root: bytes, blocks: dict[bytes, Any], problems: list[str]) -> list[tuple[str, bytes]]:
    """Every (key, value CID) of the MST under ``root``, in key order."""
    found: list[tuple[str, bytes]] = []
    stack: list[tuple[bool, Any]] = [(False, root)]
    visited: set[bytes] = set()
    missing = malformed = 0
    while stack:
        is_entry, item = stack.pop()
        if is_entry:
            found.append(item)
            continue
        if not isinstance(item, bytes) or item in visited:
            malformed += 1
            continue
        visited.add(item)
        node = blocks.get(item)
        if node is None:
            missing += 1
            continue
        entries = node.get("e") if isinstance(node, dict) else None
        if not isinstance(entries, list):
            malformed += 1
            continue
        todo: list[tuple[bool, Any]] = []
        if node.get("l") is not None:
            todo.append((False, node["l"]))
        previous = b""
        for entry in entries:
            if not isinstance(entry, dict):
                malformed += 1
                break
            prefix, suffix, value = entry.get("p"), entry.get("k"), entry.get("v")
            if (
                not isinstance(prefix, int)
                or not isinstance(suffix, bytes)
                or not isinstance(value, bytes)
                or not 0 <= prefix <= len(previous)
            ):
                malformed += 1
                break
            key = previous[:prefix] + suffix
            previous = key
            try:
                todo.append((True, (key.decode("utf-8"), value)))
            except UnicodeDecodeError:
                malformed += 1
            if entry.get("t") is not None:
                todo.append((False, entry["t"]))
        stack.extend(reversed(todo))
    if missing:
        problems.append(
            f"{missing} part(s) of the record tree are missing from the file, so the records "
            "they list are unknown"
        )
    if malformed:
        problems.append(f"{malformed} malformed part(s) of the record tree skipped")
    return found


def read_repository(data: bytes) -> Repository:
    """The commit's DID and every record key, or :class:`BrokenRepository` if there is no commit."""
    try:
        header, offset = _header(data)
    except (*_DECODE_ERRORS, IndexError) as exc:
        raise BrokenRepository(f"not a CAR v1 file ({exc})") from None
    problems: list[str] = []
    blocks = _blocks(data, offset, problems)
    commit = blocks.get(header["roots"][0])
    if not isinstance(commit, dict):
        raise BrokenRepository(
            "the repository's commit block (the CAR root) is missing or damaged"
            + (f"; {problems[0]}" if problems else "")
        )
    did, tree = commit.get("did"), commit.get("data")
    if not isinstance(did, str) or not did.startswith("did:") or not isinstance(tree, bytes):
        raise BrokenRepository("the CAR root is not a repository commit (no did and data)")
    rev = commit.get("rev")
    records = _walk(tree, blocks, problems)
    return Repository(did, rev if isinstance(rev, str) else None, records, blocks, problems)
