"""The two kinds of failure: the user's input (tell them, change nothing) and ours."""

from __future__ import annotations

from typing import Any


class DropinError(Exception):
    """Something a user can act on; the message is written for them.

    ``str(exc)`` is the English message the admin window and the command line show.
    ``code`` names the problem for a program ("card.unknown", "postcode.invalid"): it
    does not change when the English wording does, so a front end can say it in its own
    words and language (the kiosk: ``kiosk/messages.py``). ``params`` are the values
    such a message may need (a year, a time, a limit), as keyword arguments.
    """

    def __init__(self, message: str = "", *, code: str = "", **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params: dict[str, Any] = params


class NotFound(DropinError):
    pass


class Refused(DropinError):
    """The input is not acceptable; nothing was changed."""


class LockedOut(DropinError):
    pass
