"""The WSGI application and HTTP server: route, authenticate, authorize, run the handler, render.

Layers: routing (``routing``) -> protocol and signatures (``protocol``) -> identity and policy engine
(``identity``, ``policy_engine``) -> service models (``services``) -> state (``state``).
"""

import dataclasses
import logging
import time
from datetime import datetime, timezone
from typing import Optional

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from . import identity as identity_layer
from .admin import Admin, AuditLog
from .errors import ApiError
from .faults import FaultInjector, drop_connection, propagation_refusal
from .identity import Identity
from .protocol import rendering
from .protocol.signatures import SignedRequest, missing_signature_nonce, parse_signed_request, signature_mismatch
from .routing import Route, resolve
from .services.base import Call
from .state import State

LOG = logging.getLogger("acs_emulator")


def check_timestamp(signed: SignedRequest, window: int) -> None:
    """The signing time must be given and within ``window`` seconds of the host clock (clients sign with it)."""
    if signed.timestamp is None:
        raise ApiError(400, "MissingTimestamp", "Timestamp is mandatory for this action.")
    skew = abs((datetime.now(timezone.utc) - signed.timestamp).total_seconds())
    if skew > window:
        raise ApiError(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")


def check_nonce(signed: SignedRequest) -> None:
    """RPC v1 and ACS3 must carry a nonce (400 MissingSignatureNonce); ROA v1 may, the MQ HTTP plane has none."""
    if signed.nonce_required and not signed.nonce:
        raise missing_signature_nonce()


def authenticate(request: Request, state: State) -> Identity:
    """Verify the signature of ``request`` and return the caller (raises the documented errors)."""
    signed = parse_signed_request(request)
    check_timestamp(signed, state.settings.timestamp_window)
    check_nonce(signed)
    credential = identity_layer.find_credential(state, signed.access_key_id, signed.security_token)
    if not signed.verify(credential.secret):
        raise signature_mismatch(signed.string_to_sign)
    # A nonce is remembered per AccessKeyId after the signature is verified (a forged request burns nothing), for as
    # long as a request carrying it could still pass the timestamp check (state.NonceCache). The window follows the
    # host clock (clients sign with it), not the movable cloud clock. The code and message are the gateway's
    # (https://github.com/aliyun/alibaba-cloud-sdk-go/issues/39).
    if signed.nonce and not state.nonces.use(
        signed.access_key_id, signed.nonce, time.time(), state.settings.timestamp_window
    ):
        raise ApiError(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
    if credential.session is not None:
        identity_layer.check_session_alive(state, credential.session)
    return dataclasses.replace(credential.identity, source_ip=request.remote_addr or "127.0.0.1")


class EmulatorApp:
    """The WSGI application of one emulator instance."""

    def __init__(self, state: State, injector: Optional[FaultInjector] = None):
        self.state = state
        self.audit = AuditLog()
        self.injector = injector or FaultInjector()
        self.admin = Admin(state, self.audit, self.injector)

    def __call__(self, environ, start_response):
        request = Request(environ)
        response = self.admin(request) if self.admin.handles(request) else self.handle_api(request)
        return response(environ, start_response)

    # authorization -----------------------------------------------------------------------------------------
    def authorize(self, call: Call, action: str, resource: str, context: dict) -> None:
        """``Call.authorizer``: decide from the current state, log the decision, refuse with 403 NoPermission."""
        decision = propagation_refusal(
            self.injector, self.state, call.identity, action, resource
        ) or identity_layer.decide(self.state, call.identity, action, resource, context)
        self.record_decision(call, action, resource, decision)
        if not decision.allowed:
            raise identity_layer.no_permission(action, resource, decision)

    def record_decision(self, call: Call, action: str, resource: str, decision) -> None:
        self.audit.record_decision(call.identity.arn, action, resource, decision)

    def _refuse_ended_session(self, caller: Identity, route: Route) -> None:
        if caller.kind == "role" and not identity_layer.role_exists(self.state, caller):
            decision = identity_layer.ended_session_decision(caller)
            action = f"{route.product}:{route.action}"
            self.audit.record_decision(caller.arn, action, caller.role_arn, decision)
            raise identity_layer.no_permission(action, caller.role_arn, decision)

    # API requests ------------------------------------------------------------------------------------------
    def handle_api(self, request: Request) -> Response:
        request_id = rendering.new_request_id()
        product: Optional[str] = None
        try:
            route = resolve(request)
            product = route.product
            fault = self.injector.decide(route.product, route.action, write=route.handler.write)
            faulted = self._inject_fault(fault, route, request, request_id)
            if faulted is not None:
                return faulted
            if fault.kind == "lost_answer":
                return self._lose_answer(route, request, request_id)
            return self._serve(route, request, request_id)
        except ApiError as error:
            return rendering.render_error(product, error, request_id)
        except Exception:  # pylint: disable=broad-exception-caught  # a bug must still answer like the cloud does
            LOG.exception("internal error in %s", request.path)
            return rendering.render_error(
                product,
                ApiError(500, "InternalError", "The request processing has failed due to some unknown error."),
                request_id,
            )

    def _serve(self, route: Route, request: Request, request_id: str) -> Response:
        with self.state.lock:
            caller = authenticate(request, self.state)
            body = self._run(route, caller, request, request_id)
        return rendering.render_success(route.product, body, request_id)

    def _lose_answer(self, route: Route, request: Request, request_id: str) -> Response:
        """Serve the call (its change is committed and logged), then close the connection instead of answering."""
        try:
            self._serve(route, request, request_id)
        except ApiError:
            pass  # the refusal is lost as well
        drop_connection(request.environ)
        return Response(status=500)

    def _inject_fault(self, fault, route: Route, request: Request, request_id: str) -> Optional[Response]:
        """The answer of a call failed before it runs (latency is waited here), or None to serve it."""
        if fault.delay_seconds:
            time.sleep(fault.delay_seconds)
        if fault.kind == "drop":
            drop_connection(request.environ)
            return Response(status=500)
        error = fault.error()
        if error is None:
            return None
        response = rendering.render_error(route.product, error, request_id)
        response.headers.update(fault.headers)
        return response

    def _run(self, route: Route, caller: Identity, request: Request, request_id: str) -> dict:
        """Run the handler of an authenticated call; log it and persist what it changed."""
        call = Call(
            product=route.product,
            action=route.action,
            params=route.params,
            identity=caller,
            state=self.state,
            source_ip=caller.source_ip,
            request_id=request_id,
            body=request.get_data(cache=True),
            headers=dict(request.headers.items()),
            authorizer=self.authorize,
            decision_logger=self.record_decision,
        )
        status = 500
        try:
            self._refuse_ended_session(caller, route)
            body = route.handler.func(call)
            status = 200
        except ApiError as error:
            status = error.status
            raise
        finally:
            self.audit.record_call(
                caller.account_uid, caller.arn, route.product, route.action, route.handler.write, status
            )
        if route.handler.write or self.state.dirty:
            self.state.save()
        return body


class QuietRequestHandler(WSGIRequestHandler):
    """Logs method, path and status only: RPC query strings carry signatures and STS tokens."""

    def log_request(self, code="-", size="-"):
        path = self.path.split("?", 1)[0]
        self.log("info", '"%s %s" %s', self.command, path, getattr(code, "value", code))


def build_server(
    state: State,
    host: str = "127.0.0.1",
    port: int = 0,
    injector: Optional[FaultInjector] = None,
    ssl_context=None,
) -> BaseWSGIServer:
    """A threaded werkzeug server for ``state`` (port 0: any free port, see ``server.server_port``); HTTPS with
    ``ssl_context`` (an ssl.SSLContext or a (certificate file, key file) pair)."""
    return make_server(
        host,
        port,
        EmulatorApp(state, injector),
        threaded=True,
        request_handler=QuietRequestHandler,
        ssl_context=ssl_context,
    )
