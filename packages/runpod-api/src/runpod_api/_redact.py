"""Keep secrets out of messages, reprs and log lines.

Two layers. Known secrets (the API key of the client that made the request, a registry password, the values
of environment variables sent with a pod or template) are replaced wherever they occur in text built from a
request or a response. Patterns catch what no one registered: `Bearer` tokens, `api_key=...` query or
config fragments and Runpod's `rpa_...` keys. The logging filter applies the patterns to every record of
this package's loggers, as a last line of defence behind messages that are built redacted already.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

__all__ = ("REDACTED", "RedactingFilter", "get_logger", "redact", "redact_json")

REDACTED = "***"

# Secrets shorter than this are not replaced by value: replacing every "1" or "yes" in a message would make
# it unreadable while hiding nothing worth hiding.
MIN_SECRET_LENGTH = 4

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(bearer\s+)[^\s'\",;]+"), r"\1" + REDACTED),
    (re.compile(r"(?i)\b(api[_-]?key[\"']?\s*[=:]\s*[\"']?)[^\s'\"&,;}]+"), r"\1" + REDACTED),
    (re.compile(r"\brpa_[A-Za-z0-9]{8,}"), REDACTED),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Return `text` with every known secret and every secret-looking token replaced by `***`.

    Args:
        text: The text to clean: a message, a URL, a response body.
        secrets: Exact values to remove wherever they occur (longest first, so a secret containing
            another is removed whole).
    """
    for secret in sorted({s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_json(value: Any, secrets: Iterable[str] = ()) -> Any:
    """Return a copy of a decoded JSON value with `redact` applied to every string in it, keys included."""
    secrets = tuple(secrets)
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {redact_json(k, secrets): redact_json(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_json(v, secrets) for v in value]
    return value


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites each record's message through `redact`'s patterns.

    The message is formatted once here (with its arguments) and the cleaned text replaces it, so a secret
    passed as a %-style argument is caught too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Clean the record in place; never drops it."""
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


_FILTER = RedactingFilter()


def get_logger(name: str) -> logging.Logger:
    """Return the named logger with the redacting filter attached (once); never adds handlers."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger
