"""The admin interface under ``/_emulator/`` (JSON, no signature) and the logs it serves.

- ``GET  /_emulator/health``            -> ``{"ok": true}``
- ``GET  /_emulator/calls``             -> counts and list of authenticated API calls (filters: account, product, action)
- ``POST /_emulator/calls/reset``       -> clears the call log and the decision log
- ``GET  /_emulator/decisions``         -> every authorization decision (identity, action, resource, allowed, statement, reason)
- ``POST /_emulator/reset``             -> state back to the seed (sessions, clock offset and logs cleared, faults back
  to the start-up flags)
- ``GET  /_emulator/state``             -> dump of all accounts (secrets masked)
- ``GET|POST /_emulator/faults``        -> fault injection ``{"settings", "counts"}``; POST merges settings (see faults.py)
- ``GET|POST /_emulator/clock``         -> the cloud clock; POST ``{"advance": seconds}`` moves it forward (token expiry)
"""

import itertools
import json
import threading
from typing import Any, Callable, Dict, List, Optional

from werkzeug.wrappers import Request, Response

from .faults import FaultInjector
from .policy_engine import Decision
from .state import State


class AuditLog:
    """API calls and authorization decisions, in order (thread-safe)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._calls: List[dict] = []
        self._decisions: List[dict] = []
        self._seq = itertools.count(1)

    def record_call(self, account: str, identity: str, product: str, action: str, write: bool, status: int) -> None:
        with self._lock:
            self._calls.append(
                {
                    "seq": next(self._seq),
                    "account": account,
                    "identity": identity,
                    "product": product,
                    "action": action,
                    "write": write,
                    "status": status,
                }
            )

    def record_decision(self, identity: str, action: str, resource: str, decision: Decision) -> None:
        with self._lock:
            self._decisions.append(
                {
                    "seq": next(self._seq),
                    "identity": identity,
                    "action": action,
                    "resource": resource,
                    "allowed": decision.allowed,
                    "statement": decision.statement_ref,
                    "reason": decision.reason,
                }
            )

    def calls(self, account: Optional[str] = None, product: Optional[str] = None, action: Optional[str] = None) -> dict:
        wanted = {"account": account, "product": product, "action": action}
        with self._lock:
            calls = [c for c in self._calls if all(v is None or c[k] == v for k, v in wanted.items())]
        writes = sum(1 for c in calls if c["write"])
        return {"reads": len(calls) - writes, "writes": writes, "calls": calls}

    def decisions(self) -> dict:
        with self._lock:
            return {"decisions": list(self._decisions)}

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
            self._decisions.clear()


class Admin:
    """Serves ``/_emulator/*`` for one emulator instance."""

    PREFIX = "/_emulator/"

    def __init__(self, state: State, audit: AuditLog, injector: FaultInjector):
        self.state = state
        self.audit = audit
        self.injector = injector
        self._routes: Dict[tuple, Callable[[Request], Any]] = {
            ("GET", "health"): lambda _: {"ok": True},
            ("GET", "calls"): self._calls,
            ("POST", "calls/reset"): self._reset_calls,
            ("GET", "decisions"): lambda _: self.audit.decisions(),
            ("POST", "reset"): self._reset,
            ("GET", "state"): lambda _: self.state.dump(),
            ("GET", "faults"): lambda _: self.injector.snapshot(),
            ("POST", "faults"): lambda request: self.injector.configure(_json_object(request)),
            ("GET", "clock"): lambda _: self._clock(),
            ("POST", "clock"): self._advance_clock,
        }

    def handles(self, request: Request) -> bool:
        return request.path.startswith(self.PREFIX)

    def __call__(self, request: Request) -> Response:
        route = self._routes.get((request.method, request.path[len(self.PREFIX) :].strip("/")))
        if route is None:
            return _json({"error": f"no admin endpoint {request.method} {request.path}"}, 404)
        try:
            return _json(route(request))
        except ValueError as exc:
            return _json({"error": str(exc)}, 400)

    def _calls(self, request: Request) -> dict:
        return self.audit.calls(**{k: request.args.get(k) for k in ("account", "product", "action")})

    def _reset_calls(self, _request: Request) -> dict:
        self.audit.clear()
        return {"ok": True}

    def _reset(self, _request: Request) -> dict:
        self.state.reset()
        self.audit.clear()
        self.injector.reset()
        return {"ok": True}

    def _clock(self) -> dict:
        return self.state.clock_info()

    def _advance_clock(self, request: Request) -> dict:
        seconds = _json_object(request).get("advance")
        if not isinstance(seconds, (int, float)) or seconds < 0:
            raise ValueError('POST /_emulator/clock takes {"advance": <seconds, >= 0>}')
        with self.state.lock:
            self.state.clock.advance(seconds)
            self.state.save()
        return self._clock()


def _json_object(request: Request) -> dict:
    try:
        body = json.loads(request.get_data() or b"{}")
    except ValueError as exc:
        raise ValueError("the body is not JSON") from exc
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")
