# -*- coding: utf-8 -*-
# Copyright (c) 2026 apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way modules talk to Alibaba Cloud: ``ApiClient.call(action, params)`` over the official product SDKs.

Every call is classified read or write, refused if it would write in check mode, retried by the shared
RetryPolicy and recorded for ``debug_api_calls``. A write whose answer may have been lost is not retried blindly: its
reconciliation (module_utils/reconcile.py) reads back first whether it was applied. A failure is raised as ApiError
(code, HTTP status, request id, operation, attempts, seconds waited); a programming error as CollectionError. The
client knows nothing of the module: only a module's ``main()`` turns those errors into ``fail_json``. Each product SDK
is imported only when a module first asks for that product: importing one costs 0.3 to 0.5 s, paid again by every
Ansible task."""

from __future__ import annotations

import functools
import importlib
import inspect
import os
import ssl
import traceback
import warnings
from urllib.parse import urlsplit

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import (
    ApiError,
    CollectionError,
    api_error_from_exception,
    envelope_error,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.reconcile import WriteGuard

USER_AGENT = "AnsibleCollection/apsaramq.cross_account"
DEFAULT_REGION = "cn-hangzhou"
READ_PREFIXES = ("Get", "List", "Describe", "Query")
READ_ACTIONS = frozenset(("AssumeRole",))
# A call that waits out eventual consistency is bounded by its time budget, not by the usual attempt count.
WAIT_MAX_ATTEMPTS = 1000
# Path arguments of the ROA SDK methods are named in snake_case; callers may also use these spellings.
PATH_PARAM_ALIASES = {"consumerGroupId": ("groupId",)}
# SDK method arguments that are not API path parameters.
_PLUMBING_ARGS = frozenset(("self", "headers", "runtime"))
_REQUEST_ARGS = frozenset(("request", "tmp_req"))


class Product:
    """An API product: its SDK package, the option that overrides its endpoint and its public endpoint."""

    def __init__(self, name, package, distribution, endpoint_option, public_endpoint, openapi=True):
        self.name = name
        self.package = package
        self.distribution = distribution
        self.endpoint_option = endpoint_option
        self.public_endpoint = public_endpoint  # format string over {region}, or None when instance-specific
        self.openapi = openapi  # reached through ApiClient (an alibabacloud-tea-openapi product SDK)


PRODUCTS = {
    "ram": Product("ram", "alibabacloud_ram20150501", "alibabacloud-ram20150501", "ram_endpoint", "ram.aliyuncs.com"),
    "sts": Product(
        "sts", "alibabacloud_sts20150401", "alibabacloud-sts20150401", "sts_endpoint", "sts.{region}.aliyuncs.com"
    ),
    "rocketmq": Product(
        "rocketmq",
        "alibabacloud_rocketmq20220801",
        "alibabacloud-rocketmq20220801",
        "rocketmq_endpoint",
        "rocketmq.{region}.aliyuncs.com",
    ),
    # ApsaraMQ HTTP messaging (mq-http-sdk): the endpoint is per instance, so it must be configured.
    "mq": Product("mq", "mq_http_sdk", "mq-http-sdk", "mq_http_endpoint", None, openapi=False),
}

API_PRODUCTS = tuple(name for name, product in PRODUCTS.items() if product.openapi)


class TlsSettings:
    """How HTTPS endpoints are verified (the ``validate_certs`` and ``ca_bundle`` options), for every SDK client.

    ``ca_bundle`` (a PEM file) is trusted in addition to the default CAs (the system's and certifi's)."""

    def __init__(self, validate_certs=True, ca_bundle=None):
        self.validate_certs = bool(validate_certs)
        self.ca_bundle = ca_bundle or None

    @classmethod
    def from_options(cls, options):
        validate = options.get("validate_certs")
        return cls(True if validate is None else validate, options.get("ca_bundle"))

    def ssl_context(self):
        """An ssl.SSLContext for a client that opens its own HTTPS connections (mq-http-sdk)."""
        context = ssl.create_default_context()
        if not self.validate_certs:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        try:
            import certifi  # what the Tea SDKs trust too

            context.load_verify_locations(certifi.where())
        except ImportError:
            pass
        if self.ca_bundle:
            context.load_verify_locations(self.ca_bundle)
        return context

    def __repr__(self):
        return f"TlsSettings(validate_certs={self.validate_certs!r}, ca_bundle={self.ca_bundle!r})"


def ca_bundle_problem(path):
    """Why ``path`` cannot serve as ``ca_bundle`` (a rule for "ca_bundle: <rule>"), or None when it can."""
    if not os.path.exists(path):
        return f"no such file: {path}"
    if os.path.isdir(path):
        return f"{path} is a directory: give a file of PEM certificates"
    try:
        ssl.create_default_context(cafile=path)
    except ssl.SSLError:
        return f"no PEM certificate could be loaded from {path}"
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    return None


def tls_problems(options):
    """(option, rule) pairs for the TLS options, found before any connection is made."""
    ca_bundle = options.get("ca_bundle")
    if ca_bundle is None:
        return []
    problem = ca_bundle_problem(ca_bundle) if ca_bundle.strip() else "must not be empty"
    return [("ca_bundle", problem)] if problem else []


class Endpoint:
    """Where a product is reached: ``host[:port]`` and ``http``/``https``, as the SDK Config wants them."""

    def __init__(self, host, protocol="https"):
        self.host = host
        self.protocol = protocol

    @property
    def url(self):
        return f"{self.protocol}://{self.host}"

    def __eq__(self, other):
        return isinstance(other, Endpoint) and (self.host, self.protocol) == (other.host, other.protocol)

    def __hash__(self):
        return hash((self.host, self.protocol))

    def __repr__(self):
        return f"Endpoint({self.url!r})"


def parse_endpoint(value, field):
    """Endpoint from ``host[:port]`` (HTTPS) or an ``http(s)://host[:port]`` URL; ValueError names the field."""
    text = (value or "").strip()
    if not text:
        raise ValueError(f"{field}: must not be empty")
    parts = urlsplit(text if "://" in text else "https://" + text)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{field}: unsupported scheme {parts.scheme!r} in {text!r} (use http or https)")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"{field}: give only scheme, host and port, not {text!r}")
    try:
        parts.port  # noqa: B018  # pylint: disable=pointless-statement  # reading it validates the port
    except ValueError:
        raise ValueError(f"{field}: invalid port in {text!r}") from None
    if not parts.hostname:
        raise ValueError(f"{field}: no host in {text!r}")
    return Endpoint(parts.netloc, parts.scheme)


def resolve_endpoint(product, params):
    """The endpoint of ``product``: its own option, else ``endpoint_url``, else the public endpoint of the region.

    Returns None when the product has no public endpoint and none was configured."""
    spec = PRODUCTS[product]
    for option in (spec.endpoint_option, "endpoint_url"):
        if params.get(option):
            return parse_endpoint(params[option], option)
    if spec.public_endpoint is None:
        return None
    return Endpoint(spec.public_endpoint.format(region=params.get("region") or DEFAULT_REGION))


def is_write_action(action):
    """Whether an API action changes anything (reads: Get*, List*, Describe*, Query*, AssumeRole)."""
    return not (action.startswith(READ_PREFIXES) or action in READ_ACTIONS)


def snake_to_camel(name):
    """``consumer_group_id`` -> ``consumerGroupId`` (ROA path parameter spelling)."""
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def bind_arguments(arg_names, params, make_request, headers, runtime):
    """Positional arguments for an SDK ``<action>_with_options`` method.

    RPC methods take ``(request, runtime)``; ROA methods take path parameters first, e.g.
    ``(instance_id, topic_name, request, headers, runtime)``. Path parameters are taken out of ``params``
    by their camelCase name; what is left becomes the request model. A None value means "not sent"."""
    remaining = {key: value for key, value in params.items() if value is not None}
    path_values = {
        name: _pop_path_param(remaining, name)
        for name in arg_names
        if name not in _PLUMBING_ARGS and name not in _REQUEST_ARGS
    }
    if remaining and not _REQUEST_ARGS.intersection(arg_names):
        raise ValueError(f"takes no parameters besides its path, got {', '.join(sorted(remaining))}")
    values = dict(path_values, headers=headers, runtime=runtime)
    return [make_request(remaining) if name in _REQUEST_ARGS else values[name] for name in arg_names if name != "self"]


def _pop_path_param(params, arg_name):
    key = snake_to_camel(arg_name)
    for spelling in (key,) + PATH_PARAM_ALIASES.get(key, ()):
        if params.get(spelling) is not None:
            return str(params.pop(spelling))
    raise ValueError(f"missing path parameter {key}")


class ApiClient:
    """Calls one product's API (see module_utils/base.py for how it is built).

    ``check_mode`` refuses writes; ``recorder(product, action, write, attempt, status, **details)`` accounts every
    attempt (``details``: ``reconciles`` on the reads of a reconciliation, ``reconciliation`` on its verdict)."""

    @property
    def retry_policy(self):
        """The task's retry policy (its options): bounded waits on this client's answers are drawn from it too."""
        return self._policy

    def __init__(
        self, product, sdk_client, models, runtime_options, retry_policy, api_error_types, check_mode, recorder
    ):
        self._product = product
        self._sdk = sdk_client
        self._models = models
        self._runtime_options = runtime_options  # darabonba RuntimeOptions: timeouts, SDK retries off
        self._policy = retry_policy
        self._api_error_types = api_error_types
        self._check_mode = check_mode
        self._recorder = recorder
        self._methods = {
            name.replace("_", "").lower(): name for name in dir(sdk_client) if name.endswith("_with_options")
        }
        self.last_call = {}  # attempts and seconds waited of the latest call

    @property
    def product(self):
        return self._product

    def call(self, action, params=None, ignore=(), retry_on=(), wait_seconds=None, known=None):
        """The response body of ``action`` as a dict with the API's own keys.

        Returns None for an error whose code is in ``ignore``; retries the codes in ``retry_on`` like transient
        failures, for up to ``wait_seconds`` when given (waiting out eventual consistency); raises ApiError otherwise.
        A write whose answer was lost is reconciled (module_utils/reconcile.py): ``known`` is what its reconciliation
        needs from the caller (CreateAccessKey: the ids of the user's AccessKeys before the call); one that cannot be
        reconciled raises reconcile.UnreconciledWrite."""
        if is_write_action(action) and self._check_mode:
            raise CollectionError(
                f"Refusing {self._product}:{action} in check mode: a module must not write "
                "when check_mode is on (this is a bug in the module)"
            )
        policy = (
            self._policy if wait_seconds is None else self._policy.within(wait_seconds, max_attempts=WAIT_MAX_ATTEMPTS)
        )
        self.last_call = {}
        return self._run(action, params or {}, ignore, retry_on, policy, self.last_call, known=known)

    def _run(self, action, params, ignore, retry_on, policy, stats, known=None, details=None):
        write = is_write_action(action)
        method, args = self._bind(action, params)
        send = functools.partial(self._attempt, method, args, action, write, details=details)
        if write:
            guard = WriteGuard(
                self._product, action, params, known, _Reconciliation(self._run, self._record, action, policy)
            )
            send = functools.partial(guard.run, send)
        try:
            return policy.run(send, retry_on, stats=stats)
        except ApiError as error:
            if error.code in ignore:
                return None
            error.operation = action
            raise

    def _bind(self, action, params):
        """The SDK method for ``action`` and its arguments; a programming error raises CollectionError."""
        name = self._methods.get(action.lower() + "withoptions")
        if name is None:
            raise CollectionError(f"{action} is not an API action of {self._product}")
        method = getattr(self._sdk, name)
        try:
            args = bind_arguments(
                list(inspect.signature(method).parameters),
                params,
                lambda rest: self._request_model(action, rest),
                {},
                self._runtime_options,
            )
        except ValueError as exc:
            raise CollectionError(f"{action} ({self._product}): {exc}") from None
        return method, args

    def _request_model(self, action, params):
        """``<Action>Request().from_map(params)``, refusing keys the model does not know (it would drop them)."""
        request = getattr(self._models, action + "Request")().from_map(params)
        unknown = set(params) - set(request.to_map())
        if unknown:
            raise ValueError(f"unknown parameter(s) {', '.join(sorted(unknown))}")
        return request

    def _attempt(self, method, args, action, write, attempt, details=None):
        """One HTTP round trip, recorded; SDK exceptions come out as ApiError."""
        try:
            response = method(*args)
        except self._api_error_types as exc:
            error = api_error_from_exception(exc)
            self._record(action, write, attempt, error.status_code, details)
            raise error from None
        self._record(action, write, attempt, getattr(response, "status_code", None), details)
        body = getattr(response, "body", None)
        result = body.to_map() if body is not None else {}
        refusal = envelope_error(result)
        if refusal is not None:
            raise refusal
        return result

    def _record(self, action, write, attempt, status, details=None):
        self._recorder(self._product, action, write, attempt, status, **(details or {}))


class _Reconciliation:
    """What the WriteGuard of one write may do: reads (and the deletion of an orphan AccessKey) through the same
    client (``run`` and ``record`` are its ApiClient's), recorded, within what is left of the write's time budget;
    and record its verdict."""

    def __init__(self, run, record, action, policy):
        self._run = run
        self._record = record
        self._action = action
        self._policy = policy
        self._deadline = policy.now() + policy.max_seconds

    def _budget(self):
        return self._policy.within(max(0.0, self._deadline - self._policy.now()))

    def read(self, action, params, ignore=()):
        return self._run(action, params, ignore, (), self._budget(), {}, details={"reconciles": self._action})

    def write(self, action, params, ignore=()):
        return self._run(action, params, ignore, (), self._budget(), {})

    def record(self, action, attempt, verdict):
        self._record(action, False, attempt, None, {"reconciliation": verdict})


def build_api_client(product, credentials, endpoint, retry_policy, options, check_mode, recorder):
    """An ApiClient for ``product`` signed with ``credentials``; ``options`` holds region and timeouts (seconds).

    Raises CollectionError when the product's SDK is not installed."""
    spec = PRODUCTS[product]
    try:
        sdk = importlib.import_module(spec.package + ".client")
        models = importlib.import_module(spec.package + ".models")
        from alibabacloud_tea_openapi.models import Config
        from darabonba.runtime import RuntimeOptions
        from Tea.exceptions import TeaException
    except ImportError:
        raise CollectionError(missing_required_lib(spec.distribution), exception=traceback.format_exc()) from None
    connect_ms, read_ms = _milliseconds(options.get("connect_timeout")), _milliseconds(options.get("read_timeout"))
    tls = TlsSettings.from_options(options)
    config = Config(
        access_key_id=credentials.access_key_id,
        access_key_secret=credentials.access_key_secret,
        security_token=credentials.security_token,
        endpoint=endpoint.host,
        protocol=endpoint.protocol,
        region_id=options.get("region"),
        connect_timeout=connect_ms,
        read_timeout=read_ms,
        user_agent=USER_AGENT,
    )
    # The SDK's own retries stay off: RetryPolicy owns retrying and accounting. darabonba hands ``ca`` to requests as
    # ``verify`` (added to the CAs it trusts) and ``ignore_ssl`` turns verification off.
    runtime = RuntimeOptions(
        autoretry=False,
        max_attempts=1,
        connect_timeout=connect_ms,
        read_timeout=read_ms,
        ignore_ssl=not tls.validate_certs,
        ca=tls.ca_bundle if tls.validate_certs else None,
    )
    if not tls.validate_certs:
        quiet_insecure_warnings()
    _sessions_for(tls)
    return ApiClient(product, sdk.Client(config), models, runtime, retry_policy, TeaException, check_mode, recorder)


# The TLS settings of the HTTPS sessions darabonba keeps in this process.
_SESSION_TLS = {}


def _sessions_for(tls):
    """darabonba caches one requests session per host and port, made with the TLS settings of its first request (a
    session that verified once cannot skip verification, and CA files loaded into it stay trusted). A module uses one
    setting, but a process that builds clients with another one gets fresh sessions."""
    from darabonba.core import DaraCore

    wanted = (tls.validate_certs, tls.ca_bundle)
    if _SESSION_TLS.get("settings", wanted) != wanted:
        getattr(DaraCore, "_sessions", {}).clear()
    _SESSION_TLS["settings"] = wanted


def quiet_insecure_warnings():
    """urllib3 warns on every unverified request; the module has already warned once (validate_certs=false)."""
    try:
        from urllib3.exceptions import InsecureRequestWarning
    except ImportError:
        return
    warnings.simplefilter("ignore", InsecureRequestWarning)


def _milliseconds(seconds):
    return None if seconds is None else max(1, int(seconds * 1000))


def listing_pages(client, action, params, container, item):
    """The pages of a RAM Marker/IsTruncated listing: (rows of the page, whether more pages follow) for each page read.

    ``container``/``item`` unwrap RAM's {"Roles": {"Role": [...]}} shape. A caller stops iterating to read no more."""
    while True:
        body = client.call(action, params) or {}
        more = bool(body.get("IsTruncated") and body.get("Marker"))
        yield (body.get(container) or {}).get(item) or [], more
        if not more:
            return
        params = dict(params, Marker=body["Marker"])
