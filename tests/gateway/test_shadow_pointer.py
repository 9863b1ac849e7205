"""JSON pointers used to compare shadow answers and read output labels."""

from __future__ import annotations

from lockgate.gateway.shadow import extract, pointer

DOC = {"choices": [{"message": {"content": "hi"}}], "lockgate_example": {"intent": "refund"},
       "a/b": {"~x": 1}}  # fmt: skip


def test_pointer_walks_objects_and_arrays() -> None:
    """RFC 6901 paths reach nested values; escapes ~0 and ~1 work; missing parts are None."""
    assert pointer(DOC, "/choices/0/message/content") == "hi"
    assert pointer(DOC, "/lockgate_example/intent") == "refund"
    assert pointer(DOC, "/a~1b/~0x") == 1
    assert pointer(DOC, "/choices/3/message") is None
    assert pointer(DOC, "/nope/deeper") is None
    assert pointer(DOC, "") == DOC


def test_extract_tolerates_non_json() -> None:
    """A body that is not JSON has no value at any path."""
    assert extract(b'{"x": {"y": 2}}', "/x/y") == 2
    assert extract(b"<html>", "/x") is None
