"""The typed errors: those the state raises, and ``ApiFailure``, which every handler raises to
answer in Northflank's error envelope (``{"error": {"status", "message", "id", "details"}}``)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any


class NotFoundError(LookupError):
    """The project, job or run does not exist (answered 404)."""


class ConflictError(Exception):
    """The request is valid but the resource is in a state that refuses it (answered 409)."""


class ApiFailure(Exception):
    """An answer in the error envelope: ``status``, ``message`` and the error's ``details``."""

    def __init__(self, status: int, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.details = status, message, details or {}

    def envelope(self) -> dict[str, Any]:
        return error_envelope(self.status, self.message, self.details)


def error_envelope(
    status: int, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "error": {
            "status": status,
            "message": message,
            "id": uuid.uuid4().hex,
            "details": details or {},
        }
    }


@contextlib.contextmanager
def state_refusals() -> Iterator[None]:
    """The state's refusals in Northflank's terms (the job may vanish between two looks)."""
    try:
        yield
    except NotFoundError as exc:
        raise ApiFailure(404, str(exc)) from None
    except ConflictError as exc:
        raise ApiFailure(409, str(exc)) from None
