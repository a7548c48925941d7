"""The two kinds of failure: the user's input (tell them, change nothing) and ours."""

from __future__ import annotations


class DropinError(Exception):
    """Something a user can act on; the message is written for them."""


class NotFound(DropinError):
    pass


class Refused(DropinError):
    """The input is not acceptable; nothing was changed."""


class LockedOut(DropinError):
    pass
