# -*- coding: utf-8 -*-
# Copyright (c) 2026 apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AlibabaCloudModule: AnsibleModule plus the collection's common options, credentials and API clients.

    def run(module):
        role = module.client("ram").call("GetRole", {"RoleName": module.params["name"]}, ignore=("EntityNotExist.Role",))
        return dict(changed=False, role=role)

    def main():
        AlibabaCloudModule(argument_spec=dict(name=dict(type="str", required=True))).execute(run)

Helpers and clients raise (ApiError, CollectionError, ValidationError, PolicyError); ``execute``, called by ``main()``,
is the one place they become ``fail_json`` (through ``fail_from``, which scrubs secrets). The options are documented once, in the doc fragment
``apsaramq.cross_account.common``."""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.apsaramq.cross_account.plugins.module_utils.client import (
    API_PRODUCTS,
    DEFAULT_REGION,
    PRODUCTS,
    build_api_client,
    resolve_endpoint,
    tls_problems,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.credentials import (
    CredentialsError,
    assume_role_params,
    check_duration,
    credentials_from_assume_role,
    resolve_credentials,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import (
    ApiError,
    CollectionError,
    failure_result,
    scrub,
    scrub_values,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.policy import PolicyError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.retries import (
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_SECONDS,
    RetryPolicy,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import ValidationError

# What a module's main() catches and hands to fail_from: every error a helper of this collection raises.
MODULE_ERRORS = (ApiError, CollectionError, ValidationError, PolicyError)
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 10.0
ENDPOINT_URL_ENV = "ALIBABA_CLOUD_ENDPOINT_URL"
VALIDATE_CERTS_ENV = "ALIBABA_CLOUD_VALIDATE_CERTS"
CA_BUNDLE_ENV = "ALIBABA_CLOUD_CA_BUNDLE"
DEBUG_API_CALLS_ENV = "APSARAMQ_DEBUG_API_CALLS"
INSECURE_WARNING = (
    "validate_certs is false: the TLS certificates of the HTTPS endpoints are not verified, so whoever sits on the "
    "network path can read and change the API calls and their answers (STS tokens included). Prefer ca_bundle."
)


def _env(*names):
    return (env_fallback, list(names))


def common_argument_spec():
    """The options every module of the collection accepts (documented in doc_fragments/common.py)."""
    return dict(
        access_key_id=dict(
            type="str",
            no_log=False,
            aliases=["alicloud_access_key", "access_key"],
            fallback=_env("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY"),
        ),
        access_key_secret=dict(
            type="str",
            no_log=True,
            aliases=["alicloud_secret_key", "secret_key"],
            fallback=_env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY"),
        ),
        security_token=dict(
            type="str",
            no_log=True,
            aliases=["alicloud_security_token"],
            fallback=_env("ALIBABA_CLOUD_SECURITY_TOKEN", "ALICLOUD_SECURITY_TOKEN"),
        ),
        region=dict(
            type="str",
            default=DEFAULT_REGION,
            aliases=["alicloud_region", "region_id"],
            fallback=_env("ALIBABA_CLOUD_REGION_ID", "ALICLOUD_REGION"),
        ),
        profile=dict(type="str", aliases=["alicloud_profile"], fallback=_env("ALIBABA_CLOUD_PROFILE")),
        assume_role=dict(
            type="dict",
            aliases=["alicloud_assume_role"],
            options=dict(
                role_arn=dict(type="str", required=True),
                session_name=dict(type="str"),
                external_id=dict(type="str"),
                duration_seconds=dict(type="int", aliases=["session_expiration"]),
                policy=dict(type="raw"),
            ),
        ),
        endpoint_url=dict(type="str", fallback=_env(ENDPOINT_URL_ENV)),
        ram_endpoint=dict(type="str"),
        sts_endpoint=dict(type="str"),
        rocketmq_endpoint=dict(type="str"),
        mq_http_endpoint=dict(type="str"),
        connect_timeout=dict(type="float", default=DEFAULT_CONNECT_TIMEOUT),
        read_timeout=dict(type="float", default=DEFAULT_READ_TIMEOUT),
        retry_max_attempts=dict(type="int", default=DEFAULT_MAX_ATTEMPTS),
        retry_max_seconds=dict(type="float", default=DEFAULT_MAX_SECONDS),
        debug_api_calls=dict(type="bool", default=False, fallback=_env(DEBUG_API_CALLS_ENV)),
        validate_certs=dict(type="bool", default=True, fallback=_env(VALIDATE_CERTS_ENV)),
        ca_bundle=dict(type="path", fallback=_env(CA_BUNDLE_ENV)),
    )


# (option, refused when, rule) for the numeric common options.
_NUMERIC_RULES = (
    ("retry_max_attempts", lambda value: value < 1, "must be at least 1"),
    ("retry_max_seconds", lambda value: value < 0, "must not be negative"),
    ("connect_timeout", lambda value: value <= 0, "must be positive"),
    ("read_timeout", lambda value: value <= 0, "must be positive"),
)


def common_option_problems(params):
    """(option, rule) pairs for what AlibabaCloudModule refuses in the common options before any API call.

    Shared by the modules and by preflight, so that both refuse the same values."""
    problems = [
        (option, rule)
        for option, wrong, rule in _NUMERIC_RULES
        if isinstance(params.get(option), (int, float)) and wrong(params[option])
    ]
    duration_problem = check_duration((params.get("assume_role") or {}).get("duration_seconds"))
    if duration_problem:
        problems.append(("assume_role.duration_seconds", duration_problem.split(" ", 1)[1]))
    for product in PRODUCTS:
        try:
            resolve_endpoint(product, params)
        except ValueError as exc:
            problems.append(tuple(str(exc).split(": ", 1)))  # parse_endpoint names its option: "<option>: <rule>"
    return problems + tls_problems(params)


def missing_endpoint(product):
    """(option, rule) when ``product`` has no public endpoint and none was configured (the 4.x HTTP data plane)."""
    return PRODUCTS[
        product
    ].endpoint_option, "is required: the instance's endpoint (shown in the console), or endpoint_url"


class AlibabaCloudModule(AnsibleModule):
    """An AnsibleModule whose API clients are built once per product, with shared credentials and retries."""

    def __init__(self, argument_spec=None, supports_check_mode=True, **kwargs):
        spec = common_argument_spec()
        spec.update(argument_spec or {})
        kwargs["required_together"] = list(kwargs.get("required_together") or []) + [
            ["access_key_id", "access_key_secret"]
        ]
        self.api_calls = []
        self._clients = {}
        self._credentials = None
        self._identity = None
        super().__init__(argument_spec=spec, supports_check_mode=supports_check_mode, **kwargs)
        self._check_common_options()
        self._retry_policy = RetryPolicy(
            max_attempts=self.params["retry_max_attempts"], max_seconds=self.params["retry_max_seconds"]
        )

    def _check_common_options(self):
        problems = common_option_problems(self.params)
        if problems:
            self.fail_json(msg="; ".join(f"{field}: {reason}" for field, reason in problems))
        if self.params.get("validate_certs") is False:
            self.warn(INSECURE_WARNING)

    def client(self, product):
        """The ApiClient of ``product`` ("ram", "sts" or "rocketmq"), built on first use."""
        if product not in API_PRODUCTS:
            raise CollectionError(f"No API client for {product!r}: choose one of {', '.join(API_PRODUCTS)}")
        if product not in self._clients:
            self._clients[product] = self._build_client(product, self.credentials())
        return self._clients[product]

    def client_for(self, product, credentials):
        """An ApiClient of ``product`` signed with other ``credentials`` (a key this task made, to prove it works);
        their secrets are hidden from every output first."""
        self.no_log_values.update(credentials.secrets)
        return self._build_client(product, credentials)

    def endpoint(self, product):
        """Where ``product`` is reached (an Endpoint with .host, .protocol, .url); "mq" must be configured."""
        endpoint = resolve_endpoint(product, self.params)
        if endpoint is None:
            raise CollectionError("{}: {}".format(*missing_endpoint(product)))
        return endpoint

    def credentials(self):
        """The credentials every client signs with: the assumed role's when ``assume_role`` is set."""
        if self._credentials is None:
            base = self._resolve_base_credentials()
            assume_role = self.params["assume_role"]
            self._credentials = self._assume_role(base, assume_role) if assume_role else base
        return self._credentials

    def identity(self):
        """GetCallerIdentity of the effective credentials (AccountId, Arn, IdentityType, ...), one call per task."""
        if self._identity is None:
            self._identity = self.client("sts").call("GetCallerIdentity")
        return self._identity

    def record_api_call(self, product, action, write, attempt=1, status=None, **details):
        """Account for one attempt of an API call (ApiClient's recorder; the MQ HTTP data plane uses it too). ``details``:
        ``reconciles`` on a read made to settle a write whose answer was lost, ``reconciliation`` on the verdict."""
        self.api_calls.append(
            dict(product=product, action=action, write=write, attempt=attempt, status=status, **details)
        )

    def execute(self, body):
        """exit_json with ``body(self)``'s result dict; an error a helper raised becomes fail_json here and nowhere else."""
        try:
            result = body(self)
        except MODULE_ERRORS as error:
            self.fail_from(error)
        self.exit_json(**result)

    def fail_from(self, error):
        """fail_json for an error a helper raised, secrets scrubbed: the one place errors become a failed task."""
        if isinstance(error, ApiError):
            self.fail_json(**failure_result(error, secrets=self.no_log_values))
        details = scrub_values(dict(getattr(error, "details", None) or {}), self.no_log_values)
        self.fail_json(msg=scrub(getattr(error, "msg", None) or str(error), self.no_log_values), **details)

    def exit_json(self, **kwargs):
        self._add_api_calls(kwargs)
        super().exit_json(**kwargs)

    def fail_json(self, msg, **kwargs):
        self._add_api_calls(kwargs)
        super().fail_json(msg, **kwargs)

    def _add_api_calls(self, result):
        # fail_json may run while AnsibleModule.__init__ is still validating: params may be incomplete.
        if (getattr(self, "params", None) or {}).get("debug_api_calls"):
            result["api_calls"] = list(self.api_calls)

    def _resolve_base_credentials(self):
        params = self.params
        try:
            credentials = resolve_credentials(
                params["access_key_id"], params["access_key_secret"], params["security_token"], params["profile"]
            )
        except CredentialsError as exc:
            raise CollectionError(
                f"Could not find Alibaba Cloud credentials: {scrub(exc, self.no_log_values)}. "
                "Set access_key_id and access_key_secret, a profile, or the environment."
            ) from None
        except ImportError:
            raise CollectionError(
                missing_required_lib("alibabacloud-credentials"), exception=traceback.format_exc()
            ) from None
        self.no_log_values.update(credentials.secrets)
        return credentials

    def _assume_role(self, base, assume_role):
        """Temporary credentials of ``assume_role.role_arn``, obtained through the same client layer."""
        body = self._build_client("sts", base).call("AssumeRole", assume_role_params(assume_role))
        try:
            credentials = credentials_from_assume_role(body)
        except CredentialsError as exc:
            raise CollectionError(str(exc)) from None
        self.no_log_values.update(credentials.secrets)
        return credentials

    def _build_client(self, product, credentials):
        return build_api_client(
            product,
            credentials,
            self.endpoint(product),
            self._retry_policy,
            self.params,
            self.check_mode,
            self.record_api_call,
        )
