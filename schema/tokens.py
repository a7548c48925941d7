"""Card tokens on their own (no database): what a QR card holds, and how to tell one.

Kept apart from :mod:`schema.cards` so that the kiosk's scanner can be listening from
the first moment of start-up, before the database layer has been imported.
"""

from __future__ import annotations

PREFIX = "DRP-"
TOKEN_BYTES = 16  # 128 bits


def new_token() -> str:
    """``DRP-`` and 26 base32 characters: QR alphanumeric mode, safe for keyboard-wedge scanners."""
    # Imported here: the scanner imports this module before Welcome is first painted, and
    # secrets (with hashlib and OpenSSL behind it) is not needed to recognise a token.
    import base64
    import secrets

    return PREFIX + base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode().rstrip("=")


def looks_like_token(value: str) -> bool:
    return value.startswith(PREFIX) and len(value) == len(PREFIX) + 26 and value[4:].isalnum()
