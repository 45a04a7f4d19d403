"""Which product and action a request is for, and its parameters.

- RPC (RAM 2015-05-01, STS 2015-04-01): ``POST /`` (or GET) named by the ``x-acs-action``/``x-acs-version``
  headers (ACS3) or the ``Action``/``Version`` query or form parameters (v1); the Host header
  (ram.aliyuncs.com, sts.cn-hangzhou.aliyuncs.com, ...) names the product when the version does not.
- ROA (RocketMQ 5.x, 2022-08-01) and the MQ HTTP plane: any other path, matched against the
  ``method``/``path`` templates the handlers register (``@action(..., method="GET", path="/instances/{instanceId}")``).
"""

import importlib
import json
import pkgutil
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from werkzeug.wrappers import Request

from . import services
from .errors import ApiError
from .protocol.signatures import rpc_parameters
from .services.base import HANDLERS, Handler, find_handler

RPC_VERSIONS = {"2015-05-01": "ram", "2015-04-01": "sts"}
HOST_PREFIXES = (("ram", "ram"), ("sts", "sts"), ("rocketmq", "rocketmq"))

# Protocol parameters of RPC v1: not part of an action's own parameters.
RPC_PROTOCOL_PARAMS = frozenset(
    {
        "Action",
        "Version",
        "Format",
        "Timestamp",
        "SignatureNonce",
        "SignatureMethod",
        "SignatureVersion",
        "SignatureType",
        "AccessKeyId",
        "SecurityToken",
        "Signature",
    }
)


@dataclass
class Route:
    product: str
    handler: Handler
    params: Dict[str, object] = field(default_factory=dict)

    @property
    def action(self) -> str:
        return self.handler.name


def action_not_found() -> ApiError:
    return ApiError(404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")


def product_from_host(host: str) -> Optional[str]:
    name = host.split(":", 1)[0].lower()
    if not name.endswith(".aliyuncs.com"):
        return None
    return next((product for prefix, product in HOST_PREFIXES if name.startswith(prefix)), None)


def resolve(request: Request) -> Route:
    if request.path not in ("", "/"):
        return _resolve_path(request)
    return _resolve_rpc(request)


def _resolve_rpc(request: Request) -> Route:
    params = rpc_parameters(request)
    action = request.headers.get("x-acs-action") or params.get("Action")
    version = request.headers.get("x-acs-version") or params.get("Version")
    if not action:
        raise ApiError(
            400,
            "MissingParameter.Action",
            "The input parameter Action that is mandatory for processing this request is not supplied.",
        )
    product = RPC_VERSIONS.get(version or "") or product_from_host(request.host)
    if product is None:
        raise ApiError(400, "InvalidVersion", "Specified parameter Version is not valid.")
    handler = find_handler(product, action)
    if handler is None:
        raise action_not_found()
    own_params = {k: v for k, v in params.items() if k not in RPC_PROTOCOL_PARAMS}
    return Route(product, handler, own_params)


@lru_cache(maxsize=256)
def _template_regex(template: str) -> "re.Pattern":
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(pattern + r"\Z")


def _path_handlers() -> List[Handler]:
    return [h for h in HANDLERS.values() if h.path]


def match_path(method: str, path: str) -> Optional[Tuple[Handler, Dict[str, str]]]:
    """The handler whose template matches (deeper templates first, then the one with fewer placeholders)."""
    for handler in sorted(_path_handlers(), key=lambda h: (-h.path.count("/"), h.path.count("{"))):
        if handler.method and handler.method != method:
            continue
        match = _template_regex(handler.path).match(path)
        if match:
            return handler, match.groupdict()
    return None


def _json_body(request: Request) -> Dict[str, object]:
    if request.mimetype != "application/json":
        return {}
    try:
        body = json.loads(request.get_data(cache=True) or b"{}")
    except ValueError as exc:
        raise ApiError(400, "InvalidParameter", "The request body is not valid JSON.") from exc
    return body if isinstance(body, dict) else {}


def _resolve_path(request: Request) -> Route:
    found = match_path(request.method, request.path)
    if found is None:
        raise action_not_found()
    handler, path_params = found
    params: Dict[str, object] = dict(request.args.items())
    params.update(_json_body(request))
    params.update(path_params)
    return Route(handler.product, handler, params)


def load_services() -> None:
    """Import every service module so its ``@action`` handlers and account parts register: the models
    (``*_model``) first, so that the account parts register in a fixed order (``ram``, then ``rocketmq``), then
    the handlers. Routing sits above every service: it is the one layer that knows them all."""
    names = [module.name for module in pkgutil.iter_modules(services.__path__) if module.name != "base"]
    for name in sorted(names, key=lambda name: (not name.endswith("_model"), name)):
        importlib.import_module(f"{services.__name__}.{name}")


def served_actions() -> Dict[str, List[str]]:
    """``{product: [action, ...]}`` of every registered handler (all service modules loaded first): the list a
    conformance test must cover, so that a new handler cannot go untested."""
    load_services()
    served: Dict[str, List[str]] = {}
    for product, name in sorted(HANDLERS):
        served.setdefault(product, []).append(name)
    return served
