"""Save and restore everything a moto process holds, for ``lambdakit local --state-dir``.

Runs inside the moto server's process (`moto_server` starts it with a state file): moto keeps
each service's data in plain Python objects, one backend per service, account and region, and
`BackendDict` knows which services were used. `save_state` pickles those backends (atomically:
a temporary file, then a rename); `load_state` puts them back before the server answers its
first request. Locks are pickled as new locks, and ``defaultdict``s whose factory is a lambda
get an equivalent factory that pickles. A state file from another moto version is not trusted:
`load_state` says why and the server starts empty.
"""

from __future__ import annotations

import collections
import functools
import importlib
import io
import os
import pickle
import threading
from pathlib import Path
from typing import Any

_FORMAT = 2
_BACKEND_DICT_OWN = frozenset(
    {"backend", "service_name", "_use_boto3_regions", "_additional_regions", "_id"}
)
_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


class _StatePickler(pickle.Pickler):
    """A pickler for moto's backends: locks and lambda-made ``defaultdict``s included."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, _LOCK_TYPES):
            return (threading.RLock if "RLock" in type(obj).__name__ else threading.Lock, ())
        if isinstance(obj, collections.defaultdict):
            factory = obj.default_factory
            if type(obj) is collections.defaultdict and not _is_lambda(factory):
                return NotImplemented
            if _is_lambda(factory):
                factory = _picklable_factory(factory)
            state = getattr(obj, "__dict__", None) or None
            return (_new_defaultdict, (type(obj), factory), state, None, iter(obj.items()))
        return NotImplemented


def _new_defaultdict(cls: type[collections.defaultdict[Any, Any]], factory: Any) -> Any:
    """An empty `cls` (a defaultdict, maybe with an ``__init__`` of its own) using `factory`."""
    made = cls.__new__(cls)
    made.default_factory = factory
    return made


def _is_lambda(factory: object) -> bool:
    return getattr(factory, "__name__", "") == "<lambda>"


def _picklable_factory(factory: Any) -> Any:
    """A factory that pickles and makes what `factory` makes (an empty container)."""
    sample = factory()
    if isinstance(sample, collections.defaultdict):
        inner = sample.default_factory
        if _is_lambda(inner):
            inner = _picklable_factory(inner)
        return functools.partial(collections.defaultdict, inner)
    if type(sample) in (dict, list, set) and not sample:
        return type(sample)
    raise pickle.PicklingError(f"cannot pickle the defaultdict factory {factory!r}")


def _moto_version() -> str:
    import moto  # noqa: PLC0415 - only in moto's own process

    return str(moto.__version__)


def _instances() -> list[Any]:
    from moto.core.base_backend import BackendDict  # noqa: PLC0415

    registry: Any = BackendDict  # its `_instances` lists the services in use
    return list(registry._instances)


def save_state(path: Path) -> int:
    """Write every used backend of this process to `path`; returns how many were saved."""
    saved: list[tuple[str, str, str, dict[str, dict[str, Any]], dict[str, Any]]] = []
    for backends in _instances():
        regions = {
            account: dict(dict.items(per_account)) for account, per_account in backends.items()
        }
        # What a service keeps across accounts (S3: which account owns each bucket name).
        shared = {k: v for k, v in vars(backends).items() if k not in _BACKEND_DICT_OWN}
        cls = backends.backend
        saved.append((cls.__module__, cls.__qualname__, backends.service_name, regions, shared))
    buffer = io.BytesIO()
    _StatePickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(
        {"format": _FORMAT, "moto": _moto_version(), "backends": saved}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_bytes(buffer.getvalue())
    partial.replace(path)
    return len(saved)


def load_state(path: Path) -> str:
    """Restore the backends saved in `path`; returns "" or why the file was not used."""
    try:
        data = pickle.loads(path.read_bytes())
    except FileNotFoundError:
        return ""
    except Exception as error:  # a damaged file must not stop the local cloud
        return f"{path} cannot be read ({error!r}); starting empty"
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        return f"{path} is from another lambdakit version; starting empty"
    if data.get("moto") != _moto_version():
        return (
            f"{path} was written by moto {data.get('moto')}, this is {_moto_version()};"
            " starting empty"
        )
    for module_name, qualname, service, regions, shared in data["backends"]:
        backends = _backend_dict(module_name, qualname, service)
        if backends is None:
            continue
        vars(backends).update(shared)
        for account, per_region in regions.items():
            per_account = backends[account]
            for region, backend in per_region.items():
                dict.__setitem__(per_account, region, backend)
    return ""


def _backend_dict(module_name: str, qualname: str, service: str) -> Any:
    """The live `BackendDict` of `service` whose backends are ``module_name.qualname``."""
    from moto.core.base_backend import BackendDict  # noqa: PLC0415

    module = importlib.import_module(module_name)
    for value in vars(module).values():
        if (
            isinstance(value, BackendDict)
            and value.service_name == service
            and value.backend.__qualname__ == qualname
        ):
            return value
    return None
