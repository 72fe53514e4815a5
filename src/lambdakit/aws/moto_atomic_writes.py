"""DynamoDB writes made atomic in lambdakit's moto process, as DynamoDB's own are.

moto's server answers requests on threads, and its DynamoDB backend reads an item, changes it
and stores it back without a lock: two ``UpdateItem ... ADD`` calls at once (two environments
counting objects) could both read the old value, and one addition was lost, where DynamoDB
applies both. `apply` wraps every writing method of the backend in one lock (reads stay
concurrent); it runs in the server's process before it serves (`moto_server`).
"""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Callable
from typing import Any

_WRITES = (
    "put_item",
    "update_item",
    "delete_item",
    "transact_write_items",
    "execute_statement",
    "execute_transaction",
    "batch_execute_statement",
)
_LOCK = threading.RLock()


def _serialized(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def write(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(*args, **kwargs)

    return write


def apply() -> None:
    """Patch moto's DynamoDB backend (idempotent)."""
    models: Any = importlib.import_module("moto.dynamodb.models")  # only in moto's own process
    backend = models.DynamoDBBackend
    if getattr(backend, "_lambdakit_atomic", False):
        return
    for name in _WRITES:
        setattr(backend, name, _serialized(getattr(backend, name)))
    backend._lambdakit_atomic = True
