"""The contract between the HTTP layers and the service models.

Every cloud API action is a function registered with ``@action(product, name, write=...)``. The server
authenticates the caller, builds a ``Call`` and invokes the handler; the handler validates parameters,
authorizes with ``call.authorize(...)`` (the resource depends on the parameters, so only the handler
knows it), changes or reads the state and returns the response body as a dict in the documented shape.
Failures are raised as ``errors.ApiError``; the protocol layer renders them in the product's error format.
"""

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional

from ..errors import missing

HANDLERS: Dict[tuple, "Handler"] = {}


@dataclass
class Handler:
    product: str
    name: str
    write: bool
    func: Callable[["Call"], dict]
    method: Optional[str] = None  # ROA / MQ HTTP only: the HTTP method ...
    path: Optional[str] = None  # ... and path template, e.g. "/instances/{instanceId}/topics/{topicName}"


def action(product: str, name: str, write: bool = False, method: Optional[str] = None, path: Optional[str] = None):
    """Register ``func`` as the handler of ``product``/``name`` (product names: "ram", "sts", "rocketmq", "mq").

    RPC actions are routed by name; ROA and MQ HTTP actions also give ``method`` and a ``path`` template whose
    ``{placeholders}`` become parameters of the call.
    """

    def register(func):
        HANDLERS[(product, name)] = Handler(product, name, write, func, method.upper() if method else None, path)
        return func

    return register


def find_handler(product: str, name: str) -> Optional[Handler]:
    return HANDLERS.get((product, name))


@dataclass
class Call:
    """One authenticated API call as the service models see it."""

    product: str
    action: str
    params: Dict[str, Any]  # RPC query/form parameters, or ROA path+query+JSON body merged
    identity: Any  # acs_emulator.identity.Identity of the caller
    state: Any  # acs_emulator.state.State (all accounts)
    source_ip: str = "127.0.0.1"
    request_id: str = ""
    body: Optional[bytes] = None  # raw body, for the MQ HTTP data plane (XML)
    headers: Dict[str, str] = field(default_factory=dict)
    authorizer: Optional[Callable[..., None]] = None
    decision_logger: Optional[Callable[..., None]] = None  # (call, action, resource, decision) -> None

    def record_decision(self, action_name: str, resource: str, decision: Any) -> None:
        """Log an access decision a handler made itself (e.g. a trust policy) in the admin decision log."""
        if self.decision_logger is not None:
            self.decision_logger(self, action_name, resource, decision)

    def authorize(self, action_name: str, resource: str, context: Optional[dict] = None) -> None:
        """Raise ApiError(403, 'NoPermission') unless the caller may do ``action_name`` on ``resource``."""
        if self.authorizer is not None:
            self.authorizer(self, action_name, resource, context or {})

    def param(self, name: str, required: bool = False, default: Any = None) -> Any:
        value = self.params.get(name)
        if value in (None, ""):
            if required:
                raise missing(name)
            return default
        return value
