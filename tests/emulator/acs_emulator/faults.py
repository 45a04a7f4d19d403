"""Fault injection: the failures a real cloud throws, at chosen rates, repeatable with a seed.

Kinds (each limited to the chosen products and actions; empty lists mean all):
- latency: every matching call waits ``latency_ms`` plus a uniform jitter in ``[0, latency_jitter_ms]``;
- throttle: 400 ``Throttling.User``, with ``x-acs-retry-after: <retry_after ms>`` when ``retry_after`` is set;
- error: 500 ``InternalError`` or 503 ``ServiceUnavailable`` (even odds);
- drop: the connection is closed without an answer, before the call runs;
- lost answer: a write runs and its change is committed, then the connection is closed without the answer (a reset
  connection or a proxy timeout after the cloud applied the write); reads are never hit (a lost read answer is a
  drop). With ``lost_answer_limit`` N only the first N calls of each action lose their answer (limit 1: each chosen
  action loses one answer, its retry is answered);
- propagation delay: a role, policy or attachment changed less than ``propagation_delay`` seconds ago is not yet
  seen by STS and authorization (``propagation_refusal``, asked by the server before every authorization decision):
  a RAM user or role session whose permissions changed within the delay is refused, and so is ``sts:AssumeRole``
  on a role created or changed (trust, attachments, attached policy versions) within the delay. Revocations take
  effect at once (the conservative side: the emulator never grants what the current state does not).

Every matching call draws the same random numbers in the same order whatever the settings, so a seed fixes the
whole sequence of faults for a sequence of calls. The admin and health endpoints are never faulted (the server
only consults the injector for cloud API calls).
"""

import random
import re
import socket
import threading
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Dict, Optional, Tuple

from .errors import ApiError, FaultSettingsError
from .policy_engine import Decision

RATE_FIELDS = ("throttle_rate", "error_rate", "drop_rate", "lost_answer_rate")


@dataclass(frozen=True)
class FaultSettings:
    latency_ms: int = 0
    latency_jitter_ms: int = 0
    throttle_rate: float = 0.0
    retry_after: Optional[int] = None  # milliseconds, as the SDK reads x-acs-retry-after
    error_rate: float = 0.0
    drop_rate: float = 0.0
    lost_answer_rate: float = 0.0
    lost_answer_limit: Optional[int] = None  # at most this many lost answers per action (None: no limit)
    products: Tuple[str, ...] = ()
    actions: Tuple[str, ...] = ()
    propagation_delay: float = 0.0  # seconds
    seed: Optional[int] = None

    def merged(self, changes: Dict[str, Any]) -> "FaultSettings":
        """A copy with ``changes`` applied and validated; unknown keys are refused."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise FaultSettingsError(f"unknown fault settings: {', '.join(unknown)}")
        values = asdict(self)
        values.update({key: _coerce(key, value) for key, value in changes.items()})
        settings = FaultSettings(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        for name in RATE_FIELDS:
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise FaultSettingsError(f"{name} must be between 0 and 1")
        if sum(getattr(self, name) for name in RATE_FIELDS) > 1.0:
            raise FaultSettingsError(f"{' + '.join(RATE_FIELDS)} must not exceed 1")
        for name in ("latency_ms", "latency_jitter_ms", "propagation_delay"):
            if getattr(self, name) < 0:
                raise FaultSettingsError(f"{name} must not be negative")
        if self.retry_after is not None and self.retry_after <= 0:
            raise FaultSettingsError("retry_after must be a positive number of milliseconds")
        if self.lost_answer_limit is not None and self.lost_answer_limit < 1:
            raise FaultSettingsError("lost_answer_limit must be at least 1 (or null: no limit)")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["products"], data["actions"] = list(self.products), list(self.actions)
        return data


def _coerce(key: str, value: Any) -> Any:
    converters = {
        "latency_ms": int,
        "latency_jitter_ms": int,
        "throttle_rate": float,
        "error_rate": float,
        "drop_rate": float,
        "lost_answer_rate": float,
        "propagation_delay": float,
        "lost_answer_limit": lambda v: None if v in (None, "") else int(v),
        "retry_after": lambda v: None if v in (None, "", 0) else int(v),
        "seed": lambda v: None if v in (None, "") else int(v),
        "products": _names,
        "actions": _names,
    }
    try:
        return converters[key](value)
    except (TypeError, ValueError) as exc:
        raise FaultSettingsError(f"bad value for {key}: {value!r}") from exc


def _names(value: Any) -> Tuple[str, ...]:
    """A list, or a comma-separated string as the CLI flags take it."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(str(item).strip() for item in items if str(item).strip())


@dataclass(frozen=True)
class Fault:
    """What the injector decided for one call."""

    delay_seconds: float = 0.0
    kind: Optional[str] = None  # None, "throttle", "error", "drop" or "lost_answer"
    status: int = 0
    headers: Dict[str, str] = field(default_factory=dict)

    def error(self) -> Optional[ApiError]:
        """The error answer for a throttle or server-error fault, else None."""
        if self.kind == "throttle":
            return ApiError(400, "Throttling.User", "Request was denied due to user flow control.")
        if self.kind == "error" and self.status == 503:
            return ApiError(
                503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."
            )
        if self.kind == "error":
            return ApiError(
                500,
                "InternalError",
                "The request processing has failed due to some unknown error, exception or failure.",
            )
        return None


NO_FAULT = Fault()


class FaultInjector:
    """Thread-safe holder of the settings, the seeded random source and the counters."""

    def __init__(self, settings: Optional[FaultSettings] = None):
        self._lock = threading.Lock()
        self._initial = settings or FaultSettings()
        self._initial.validate()
        self._settings = self._initial
        self._random = random.Random(self._settings.seed)
        self._counts = {"matched": 0, "throttle": 0, "error": 0, "drop": 0, "lost_answer": 0}
        self._lost_per_action: Dict[str, int] = {}
        # Changes up to the first API call (the seed's) or up to a reset have settled: they are not fresh news.
        self._settled_before: Optional[float] = None

    def reset(self) -> dict:
        """Back to the start-up settings (``POST /_emulator/reset``, after the state went back to the seed)."""
        with self._lock:
            self._settings = self._initial
            self._random = random.Random(self._settings.seed)
            self._restart_counts()
            self._settled_before = time.time()
        return self.snapshot()

    @property
    def settings(self) -> FaultSettings:
        return self._settings

    def configure(self, changes: Dict[str, Any]) -> dict:
        """Apply a partial update (admin POST); a given ``seed`` (or any change) restarts the sequence and counters."""
        with self._lock:
            self._settings = self._settings.merged(changes)
            self._random = random.Random(self._settings.seed)
            self._restart_counts()
        return self.snapshot()

    def _restart_counts(self) -> None:
        self._counts = dict.fromkeys(self._counts, 0)
        self._lost_per_action = {}

    def snapshot(self) -> dict:
        with self._lock:
            return {"settings": self._settings.to_dict(), "counts": dict(self._counts)}

    def applies_to(self, product: str, action: str) -> bool:
        settings = self._settings
        return (not settings.products or product in settings.products) and (
            not settings.actions or action in settings.actions
        )

    def decide(self, product: str, action: str, write: bool = True) -> Fault:
        """Draw the fault for one cloud API call (the same three draws per matching call, always).

        A lost answer is only ever chosen for a ``write`` and while the action's ``lost_answer_limit`` is not reached;
        otherwise the call is served (the draws are made all the same, so the sequence does not depend on it)."""
        if self._settled_before is None:
            self._settled_before = time.time()
        if not self.applies_to(product, action):
            return NO_FAULT
        with self._lock:
            settings = self._settings
            jitter_draw, kind_draw, status_draw = self._random.random(), self._random.random(), self._random.random()
            kind = _pick_kind(settings, kind_draw)
            if kind == "lost_answer" and not (write and self._may_lose_answer(settings, action)):
                kind = None
            self._counts["matched"] += 1
            if kind:
                self._counts[kind] += 1
        delay = (settings.latency_ms + jitter_draw * settings.latency_jitter_ms) / 1000.0
        if kind == "throttle":
            headers = {"x-acs-retry-after": str(settings.retry_after)} if settings.retry_after else {}
            return Fault(delay, kind, 400, headers)
        if kind == "error":
            return Fault(delay, kind, 503 if status_draw < 0.5 else 500)
        return Fault(delay, kind)

    def _may_lose_answer(self, settings: FaultSettings, action: str) -> bool:
        """Whether ``action`` may lose one more answer; counts it when it may (the caller holds the lock)."""
        lost = self._lost_per_action.get(action, 0)
        if settings.lost_answer_limit is not None and lost >= settings.lost_answer_limit:
            return False
        self._lost_per_action[action] = lost + 1
        return True

    def not_yet_visible(self, stamp: Optional[float], now: Optional[float] = None) -> bool:
        """True while a change made at ``stamp`` (epoch seconds) is still propagating.

        The seed's changes (before the first API call, or before a reset) have settled."""
        delay = self._settings.propagation_delay
        if not delay or stamp is None or self._settled_before is None or stamp <= self._settled_before:
            return False
        return (now if now is not None else time.time()) - stamp < delay


ROLE_ARN = re.compile(r"^acs:ram::(?P<uid>\d+):role/(?P<name>[^/]+)$", re.IGNORECASE)


def propagation_refusal(injector: FaultInjector, state, identity, action: str, resource: str) -> Optional[Decision]:
    """A refusing Decision while the caller's permissions, or the role an AssumeRole targets, are propagating."""
    if not injector.settings.propagation_delay:
        return None
    with state.lock:
        stamp = _identity_stamp(state, identity)
        if injector.not_yet_visible(stamp):
            return _propagating(f"the permissions of {identity.arn}", stamp, injector)
        target = ROLE_ARN.match(resource) if action.lower() == "sts:assumerole" else None
        account = state.account(target.group("uid")) if target else None
        if account is not None and account.ram is not None:
            stamp = account.ram.change_stamp_for_role(target.group("name"))
            if injector.not_yet_visible(stamp):
                return _propagating(f"role {resource}", stamp, injector)
    return None


def _identity_stamp(state, identity) -> Optional[float]:
    account = state.account(identity.account_uid)
    if account is None or account.ram is None or identity.kind == "root":
        return None
    if identity.kind == "user":
        return account.ram.change_stamp_for_user(identity.user_name)
    return account.ram.change_stamp_for_role(identity.role_name)


def _propagating(what: str, stamp: float, injector: FaultInjector) -> Decision:
    age = time.time() - stamp
    return Decision(
        False,
        reason=f"{what} changed {age:.1f}s ago and is not yet visible "
        f"(propagation delay {injector.settings.propagation_delay:g}s)",
    )


def drop_connection(environ: dict) -> None:
    """Close the client's connection without an answer (the server's write then fails quietly)."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _pick_kind(settings: FaultSettings, draw: float) -> Optional[str]:
    threshold = 0.0
    # lost_answer comes last: a seed gives the same sequence of the other kinds as before it existed.
    kinds = (
        ("drop", settings.drop_rate),
        ("throttle", settings.throttle_rate),
        ("error", settings.error_rate),
        ("lost_answer", settings.lost_answer_rate),
    )
    for kind, rate in kinds:
        threshold += rate
        if draw < threshold:
            return kind
    return None


def add_cli_arguments(parser) -> None:
    """The fault flags of ``acs-emulator`` (see README, "RocketMQ and faults")."""
    group = parser.add_argument_group("fault injection")
    group.add_argument("--latency-ms", type=int, default=0, help="added latency per call, milliseconds")
    group.add_argument(
        "--latency-jitter-ms", type=int, default=0, help="extra uniform random latency up to this, milliseconds"
    )
    group.add_argument(
        "--throttle-rate", type=float, default=0.0, help="share of calls answered 400 Throttling.User (0-1)"
    )
    group.add_argument(
        "--retry-after", type=int, default=None, help="x-acs-retry-after on throttled answers, milliseconds"
    )
    group.add_argument(
        "--error-rate",
        type=float,
        default=0.0,
        help="share of calls answered 500 InternalError / 503 ServiceUnavailable",
    )
    group.add_argument(
        "--drop-rate", type=float, default=0.0, help="share of calls whose connection is closed without an answer"
    )
    group.add_argument(
        "--lost-answer-rate",
        type=float,
        default=0.0,
        help="share of write calls that run and commit, then lose their answer (connection closed)",
    )
    group.add_argument(
        "--lost-answer-limit",
        type=int,
        default=None,
        help="at most this many lost answers per action (default no limit)",
    )
    group.add_argument(
        "--fault-products",
        default="",
        help="comma-separated products faults apply to (ram,sts,rocketmq,mq); default all",
    )
    group.add_argument("--fault-actions", default="", help="comma-separated actions faults apply to; default all")
    group.add_argument(
        "--propagation-delay",
        type=float,
        default=0.0,
        help="seconds a new or changed role, policy or attachment stays invisible to STS and authorization",
    )
    group.add_argument(
        "--fault-seed", type=int, default=None, help="seed of the fault sequence (same seed, same faults)"
    )


def injector_from_args(args) -> FaultInjector:
    """Build the injector from parsed ``add_cli_arguments`` flags (raises FaultSettingsError on bad values)."""
    return FaultInjector(
        FaultSettings().merged(
            {
                "latency_ms": args.latency_ms,
                "latency_jitter_ms": args.latency_jitter_ms,
                "throttle_rate": args.throttle_rate,
                "retry_after": args.retry_after,
                "error_rate": args.error_rate,
                "drop_rate": args.drop_rate,
                "lost_answer_rate": args.lost_answer_rate,
                "lost_answer_limit": args.lost_answer_limit,
                "products": args.fault_products,
                "actions": args.fault_actions,
                "propagation_delay": args.propagation_delay,
                "seed": args.fault_seed,
            }
        )
    )
