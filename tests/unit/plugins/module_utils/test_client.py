# -*- coding: utf-8 -*-
# Copyright (c) 2026 apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client layer's own logic, without a network: endpoints, read/write classification, SDK argument binding,
error translation and secret scrubbing, credentials precedence, and ApiClient.call over a stand-in SDK client."""

from __future__ import annotations

import json

import pytest
import yaml

from ansible_collections.apsaramq.cross_account.plugins.doc_fragments.common import ModuleDocFragment
from ansible_collections.apsaramq.cross_account.plugins.module_utils.base import common_argument_spec
from ansible_collections.apsaramq.cross_account.plugins.module_utils.client import (
    ApiClient,
    Endpoint,
    bind_arguments,
    is_write_action,
    parse_endpoint,
    resolve_endpoint,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.credentials import (
    Credentials,
    CredentialsError,
    assume_role_params,
    check_duration,
    credentials_from_assume_role,
    resolve_credentials,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import (
    MASK,
    ApiError,
    CollectionError,
    api_error_from_exception,
    envelope_error,
    failure_result,
    scrub,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.retries import RetryPolicy

SECRET = "emu-b-admin-secret-000000000002"
TOKEN = "CAIS+tmp/Token==abc"


# --- endpoints -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,host,protocol",
    [
        ("http://127.0.0.1:8080", "127.0.0.1:8080", "http"),
        ("http://127.0.0.1:8080/", "127.0.0.1:8080", "http"),
        ("https://ram-vpc.cn-hangzhou.aliyuncs.com", "ram-vpc.cn-hangzhou.aliyuncs.com", "https"),
        ("ram-vpc.cn-hangzhou.aliyuncs.com", "ram-vpc.cn-hangzhou.aliyuncs.com", "https"),
        ("sts-vpc.cn-hangzhou.aliyuncs.com:8443", "sts-vpc.cn-hangzhou.aliyuncs.com:8443", "https"),
        ("  HTTP://localhost:9000 ", "localhost:9000", "http"),
        ("http://[::1]:9000", "[::1]:9000", "http"),
    ],
)
def test_parse_endpoint_splits_scheme_from_host(value, host, protocol):
    assert parse_endpoint(value, "ram_endpoint") == Endpoint(host, protocol)


@pytest.mark.parametrize(
    "value",
    ["", "ftp://host", "http://host/path", "http://host:port", "http://user:pw@host", "http://host?x=1", "http://"],
)
def test_parse_endpoint_rejects_what_the_sdk_cannot_use(value):
    with pytest.raises(ValueError, match="sts_endpoint"):
        parse_endpoint(value, "sts_endpoint")


def test_endpoint_url_keeps_the_scheme_out_of_the_host():
    endpoint = parse_endpoint("http://127.0.0.1:1234", "endpoint_url")
    assert "://" not in endpoint.host
    assert endpoint.url == "http://127.0.0.1:1234"


def test_public_endpoints_follow_the_region():
    params = {"region": "ap-southeast-1"}
    assert resolve_endpoint("ram", params) == Endpoint("ram.aliyuncs.com")
    assert resolve_endpoint("sts", params) == Endpoint("sts.ap-southeast-1.aliyuncs.com")
    assert resolve_endpoint("rocketmq", params) == Endpoint("rocketmq.ap-southeast-1.aliyuncs.com")
    assert resolve_endpoint("mq", params) is None  # instance-specific: must be configured


def test_service_endpoint_overrides_the_shared_endpoint_url():
    params = {
        "region": "cn-hangzhou",
        "endpoint_url": "http://127.0.0.1:9000",
        "sts_endpoint": "sts-vpc.cn-hangzhou.aliyuncs.com",
    }
    assert resolve_endpoint("sts", params) == Endpoint("sts-vpc.cn-hangzhou.aliyuncs.com", "https")
    for product in ("ram", "rocketmq", "mq"):
        assert resolve_endpoint(product, params) == Endpoint("127.0.0.1:9000", "http")


# --- read/write classification ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action",
    [
        "GetRole",
        "ListPoliciesForRole",
        "GetCallerIdentity",
        "AssumeRole",
        "ListTopics",
        "GetInstance",
        "GetPolicyVersion",
    ],
)
def test_reads(action):
    assert not is_write_action(action)


@pytest.mark.parametrize(
    "action",
    [
        "CreateRole",
        "UpdateRole",
        "DeleteRole",
        "AttachPolicyToRole",
        "CreatePolicyVersion",
        "SetDefaultPolicyVersion",
        "TagResources",
        "CreateTopic",
        "DetachPolicyFromUser",
    ],
)
def test_writes(action):
    assert is_write_action(action)


# --- SDK argument binding --------------------------------------------------------------------------------------------


def request_as_dict(params):
    return dict(params)


def test_rpc_methods_get_a_request_and_runtime():
    args = bind_arguments(["request", "runtime"], {"RoleName": "r", "Description": None}, request_as_dict, {}, "RT")
    assert args == [{"RoleName": "r"}, "RT"]  # None means "not sent"


def test_roa_path_parameters_precede_the_request():
    args = bind_arguments(
        ["instance_id", "topic_name", "request", "headers", "runtime"],
        {"instanceId": "rmq-1", "topicName": "orders", "remark": "x"},
        request_as_dict,
        {"h": 1},
        "RT",
    )
    assert args == ["rmq-1", "orders", {"remark": "x"}, {"h": 1}, "RT"]


def test_roa_request_argument_may_be_called_tmp_req():
    args = bind_arguments(
        ["instance_id", "tmp_req", "headers", "runtime"],
        {"instanceId": "rmq-1", "pageSize": 10},
        request_as_dict,
        {},
        "RT",
    )
    assert args == ["rmq-1", {"pageSize": 10}, {}, "RT"]


def test_roa_consumer_group_accepts_group_id():
    args = bind_arguments(
        ["instance_id", "consumer_group_id", "headers", "runtime"],
        {"instanceId": "rmq-1", "groupId": "GID_a"},
        request_as_dict,
        {},
        "RT",
    )
    assert args == ["rmq-1", "GID_a", {}, "RT"]


def test_missing_path_parameter_is_named():
    with pytest.raises(ValueError, match="topicName"):
        bind_arguments(
            ["instance_id", "topic_name", "headers", "runtime"], {"instanceId": "rmq-1"}, request_as_dict, {}, "RT"
        )


def test_parameters_for_an_action_without_request_are_refused():
    with pytest.raises(ValueError, match="RoleName"):
        bind_arguments(["runtime"], {"RoleName": "x"}, request_as_dict, {}, "RT")


# --- error translation -----------------------------------------------------------------------------------------------


def sdk_exceptions():
    return pytest.importorskip("alibabacloud_tea_openapi.exceptions")


def test_client_exception_becomes_the_documented_message():
    exceptions = sdk_exceptions()
    exc = exceptions.ClientException(
        status_code=404,
        code="EntityNotExist.Role",
        request_id="4C2A-11",
        message="code: 404, The role does not exist. request id: 4C2A-11",
        data={"Code": "EntityNotExist.Role", "Message": "The role does not exist.", "RequestId": "4C2A-11"},
    )
    result = failure_result(api_error_from_exception(exc), "GetRole")
    assert (
        result["msg"]
        == "GetRole failed: EntityNotExist.Role: The role does not exist. (request id 4C2A-11, HTTP status 404)"
    )
    assert result["error"] == dict(
        code="EntityNotExist.Role",
        message="The role does not exist.",
        request_id="4C2A-11",
        status_code=404,
        operation="GetRole",
        attempts=1,
        waited_seconds=0.0,
    )


def test_server_exception_without_data_strips_the_sdk_decoration():
    exceptions = sdk_exceptions()
    exc = exceptions.ServerException(
        status_code=503,
        code="ServiceUnavailable",
        request_id="None",
        message="code: 503, Please retry. request id: None",
    )
    error = api_error_from_exception(exc)
    assert (error.code, error.message, error.request_id, error.status_code) == (
        "ServiceUnavailable",
        "Please retry.",
        None,
        503,
    )
    assert (
        failure_result(error, "ListRoles")["msg"]
        == "ListRoles failed: ServiceUnavailable: Please retry. (HTTP status 503)"
    )


def test_throttling_exception_carries_retry_after_in_seconds():
    exceptions = sdk_exceptions()
    exc = exceptions.ThrottlingException(
        status_code=400,
        code="Throttling.User",
        retry_after=1500,
        request_id="r",
        message="code: 400, slow down request id: r",
        data={"Message": "slow down"},
    )
    error = api_error_from_exception(exc)
    assert error.retry_after == 1.5
    assert error.code == "Throttling.User"


def test_connection_failure_is_a_transport_error_without_the_signed_url():
    darabonba = pytest.importorskip("darabonba.exceptions")
    policy = pytest.importorskip("darabonba.policy.retry")
    refused = darabonba.RetryError(
        "HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: "
        f"/?Action=GetRole&AccessKeyId=EMUAKB&SecurityToken={TOKEN}&Signature=abc%3D (Caused by NewConnectionError)"
    )
    exc = darabonba.UnretryableException(policy.RetryPolicyContext(retries_attempted=1, exception=refused))
    error = api_error_from_exception(exc)
    assert error.transport and error.code == "ConnectionError"
    rendered = json.dumps(failure_result(error, "GetRole", {TOKEN}))
    assert TOKEN not in rendered and "SecurityToken=" not in rendered and "Signature=abc" not in rendered
    assert "127.0.0.1" in rendered


def test_timeouts_are_named_as_such():
    error = api_error_from_exception(
        type("Wrapped", (Exception,), {"inner_exception": TimeoutError("read timed out")})()
    )
    assert (error.code, error.transport) == ("RequestTimeout", True)


def test_non_json_answer_is_not_retried_as_a_transport_error():
    error = api_error_from_exception(
        type("Wrapped", (Exception,), {"inner_exception": ValueError("Expecting value")})()
    )
    assert (error.code, error.transport) == ("InvalidResponse", False)


def test_roa_envelope_with_success_false_is_an_error():
    error = envelope_error(
        {
            "requestId": "r-9",
            "success": False,
            "code": "Topic.NotFound",
            "message": "no such topic",
            "httpStatusCode": "404",
            "data": None,
        }
    )
    assert (error.code, error.message, error.request_id, error.status_code) == (
        "Topic.NotFound",
        "no such topic",
        "r-9",
        404,
    )
    assert envelope_error({"requestId": "r", "success": True, "data": {}}) is None
    assert envelope_error({"RequestId": "r", "Role": {}}) is None  # RPC bodies have no envelope


def test_failure_result_counts_attempts():
    error = ApiError("Throttling.User", "slow down", request_id="r", status_code=400)
    error.attempts = 5
    assert failure_result(error, "GetRole")["msg"].endswith("(request id r, HTTP status 400) after 5 attempts")


# --- scrubbing -------------------------------------------------------------------------------------------------------


def test_scrub_masks_known_secret_values_in_every_spelling():
    from urllib.parse import quote

    once = quote(TOKEN, safe="~")
    text = f"raw {TOKEN} encoded {once} twice {quote(once, safe='~')} key {SECRET}"
    scrubbed = scrub(text, {TOKEN, SECRET})
    assert TOKEN not in scrubbed and once not in scrubbed and SECRET not in scrubbed
    assert scrubbed.count(MASK) == 4


@pytest.mark.parametrize(
    "text",
    [
        "headers: {'x-acs-security-token': 'CAISsecret'}",
        '{"AccessKeySecret": "plainsecret"}',
        "Authorization: ACS3-HMAC-SHA256",
        "string to sign: POST&%2F&AccessKeyId%3DAK%26SecurityToken%3DCAISsecret%252Bmore%26SignatureMethod%3DHMAC-SHA1",
        "url: /?Action=GetRole&SecurityToken=CAISsecret",
    ],
)
def test_scrub_masks_credential_looking_pairs(text):
    scrubbed = scrub(text)
    assert "CAISsecret" not in scrubbed and "plainsecret" not in scrubbed and "ACS3-HMAC" not in scrubbed
    assert MASK in scrubbed


def test_scrub_leaves_ordinary_messages_alone():
    message = "The role does not exist: acs:ram::1000000000000001:role/orders-reader. Is the name right?"
    assert scrub(message, {SECRET}) == message


def test_failure_result_never_contains_module_secrets():
    error = ApiError(
        "SignatureDoesNotMatch", f"signature mismatch for secret {SECRET}", request_id="r", status_code=400
    )
    assert SECRET not in json.dumps(failure_result(error, "GetRole", {SECRET}))


# --- credentials -----------------------------------------------------------------------------------------------------


def test_explicit_keys_win_over_profile():
    credentials = resolve_credentials("AKID", SECRET, TOKEN, profile="does-not-exist")
    assert (credentials.access_key_id, credentials.access_key_secret, credentials.security_token) == (
        "AKID",
        SECRET,
        TOKEN,
    )
    assert set(credentials.secrets) == {SECRET, TOKEN}


def test_credentials_repr_hides_secrets():
    text = repr(Credentials("AKID", SECRET, TOKEN))
    assert "AKID" in text and SECRET not in text and TOKEN not in text


def test_missing_profile_is_a_credentials_error(tmp_path, monkeypatch):
    pytest.importorskip("alibabacloud_credentials")
    monkeypatch.setattr("alibabacloud_credentials.utils.auth_constant.HOME", str(tmp_path))
    with pytest.raises(CredentialsError, match="nope"):
        resolve_credentials(profile="nope")


def test_cli_profile_is_read(tmp_path, monkeypatch):
    pytest.importorskip("alibabacloud_credentials")
    (tmp_path / ".aliyun").mkdir()
    (tmp_path / ".aliyun" / "config.json").write_text(
        json.dumps(
            {
                "current": "other",
                "profiles": [
                    {
                        "name": "partner",
                        "mode": "AK",
                        "access_key_id": "EMUAKBADMIN000000002",
                        "access_key_secret": SECRET,
                    }
                ],
            }
        )
    )
    monkeypatch.setattr("alibabacloud_credentials.utils.auth_constant.HOME", str(tmp_path))
    credentials = resolve_credentials(profile="partner")
    assert (credentials.access_key_id, credentials.access_key_secret) == ("EMUAKBADMIN000000002", SECRET)


def test_assume_role_params_use_api_names_and_drop_unset_values():
    params = assume_role_params(
        {
            "role_arn": "acs:ram::1000000000000001:role/ops",
            "session_name": None,
            "external_id": "x-1",
            "duration_seconds": 900,
            "policy": {"Version": "1", "Statement": []},
        }
    )
    assert params == {
        "RoleArn": "acs:ram::1000000000000001:role/ops",
        "RoleSessionName": "ansible-apsaramq",
        "ExternalId": "x-1",
        "DurationSeconds": 900,
        "Policy": '{"Statement":[],"Version":"1"}',
    }


@pytest.mark.parametrize("seconds,ok", [(None, True), (900, True), (43200, True), (899, False), (43201, False)])
def test_assume_role_duration_bounds(seconds, ok):
    assert (check_duration(seconds) is None) == ok


def test_temporary_credentials_from_assume_role():
    body = {
        "Credentials": {
            "AccessKeyId": "STS.x",
            "AccessKeySecret": SECRET,
            "SecurityToken": TOKEN,
            "Expiration": "2030-01-01T00:00:00Z",
        }
    }
    credentials = credentials_from_assume_role(body)
    assert (credentials.access_key_id, credentials.security_token, credentials.source) == (
        "STS.x",
        TOKEN,
        "assume_role",
    )
    with pytest.raises(CredentialsError):
        credentials_from_assume_role({"RequestId": "r"})


# --- ApiClient.call over a stand-in SDK client ----------------------------------------------------------------------


class Recorder:
    """Collects the attempts an ApiClient accounts for, as AlibabaCloudModule.record_api_call does."""

    def __init__(self):
        self.api_calls = []

    def __call__(self, product, action, write, attempt, status):
        self.api_calls.append(dict(product=product, action=action, write=write, attempt=attempt, status=status))


class Body:
    def __init__(self, data):
        self._data = data

    def to_map(self):
        return dict(self._data)


class Response:
    def __init__(self, data, status_code=200):
        self.body = Body(data)
        self.status_code = status_code


class GetRoleRequest:
    FIELDS = ("RoleName",)

    def from_map(self, params):
        self.params = {key: value for key, value in params.items() if key in self.FIELDS}  # pylint: disable=attribute-defined-outside-init
        return self

    def to_map(self):
        return dict(self.params)


class CreateRoleRequest(GetRoleRequest):
    FIELDS = ("RoleName", "AssumeRolePolicyDocument")


class Models:
    GetRoleRequest = GetRoleRequest
    CreateRoleRequest = CreateRoleRequest


class ScriptedSdk:
    """Answers each call with the next scripted outcome: a dict body or an ApiError-like SDK exception."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.requests = []

    def _answer(self, request):
        self.requests.append(request.to_map())
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return Response(outcome)

    def get_role_with_options(self, request, runtime):  # pylint: disable=unused-argument
        return self._answer(request)

    def create_role_with_options(self, request, runtime):  # pylint: disable=unused-argument
        return self._answer(request)


class SdkError(Exception):
    """Shaped like the SDK's ClientException/ServerException."""

    def __init__(self, code, status_code, message="m"):
        super().__init__(message)
        self.code = code
        self.status_code = status_code
        self.message = message
        self.request_id = "req-1"
        self.data = {"Code": code, "Message": message, "RequestId": "req-1"}


def make_client(sdk, check_mode=False, max_attempts=3):
    recorder = Recorder()
    policy = RetryPolicy(max_attempts=max_attempts, sleep=lambda seconds: None, random=lambda: 0.0)
    return ApiClient("ram", sdk, Models, "RUNTIME", policy, SdkError, check_mode, recorder), recorder


def test_call_returns_the_body_with_the_api_keys_and_records_the_attempt():
    client, recorder = make_client(ScriptedSdk({"Role": {"RoleName": "r"}, "RequestId": "1"}))
    assert client.call("GetRole", {"RoleName": "r"}) == {"Role": {"RoleName": "r"}, "RequestId": "1"}
    assert recorder.api_calls == [dict(product="ram", action="GetRole", write=False, attempt=1, status=200)]


def test_call_retries_transient_errors_and_records_every_attempt():
    client, recorder = make_client(ScriptedSdk(SdkError("ServiceUnavailable", 503), {"RequestId": "2"}))
    assert client.call("GetRole", {"RoleName": "r"}) == {"RequestId": "2"}
    assert [(entry["attempt"], entry["status"]) for entry in recorder.api_calls] == [(1, 503), (2, 200)]


def test_ignored_code_returns_none_without_retrying():
    sdk = ScriptedSdk(SdkError("EntityNotExist.Role", 404))
    client, recorder = make_client(sdk)
    assert client.call("GetRole", {"RoleName": "r"}, ignore=("EntityNotExist.Role",)) is None
    assert len(recorder.api_calls) == 1


def test_envelope_refusal_is_handled_like_an_http_error():
    refusal = {
        "requestId": "r",
        "success": False,
        "code": "Instance.NotFound",
        "message": "gone",
        "httpStatusCode": 404,
    }
    client = make_client(ScriptedSdk(refusal))[0]
    assert client.call("GetRole", {"RoleName": "r"}, ignore=("Instance.NotFound",)) is None


def test_retry_on_waits_for_a_new_role_to_appear():
    sdk = ScriptedSdk(SdkError("EntityNotExist.Role", 404), SdkError("EntityNotExist.Role", 404), {"RequestId": "3"})
    client = make_client(sdk)[0]
    assert client.call("GetRole", {"RoleName": "r"}, retry_on=("EntityNotExist.Role",)) == {"RequestId": "3"}
    assert client.last_call["attempts"] == 3


def test_wait_seconds_is_a_time_budget_not_an_attempt_count():
    """wait_seconds lifts the attempt limit (3 here) and bounds the wait by time; the error reports both numbers."""
    sdk = ScriptedSdk(*[SdkError("EntityNotExist.Role", 404)] * 6, {"RequestId": "late"})
    client = make_client(sdk)[0]
    assert client.call("GetRole", {"RoleName": "r"}, retry_on=("EntityNotExist.Role",), wait_seconds=60) == {
        "RequestId": "late"
    }
    assert client.last_call["attempts"] == 7
    sdk = ScriptedSdk(*[SdkError("EntityNotExist.Role", 404)] * 3)
    clock = iter([0.0, 0.0, 5.0, 11.0, 11.0])
    policy = RetryPolicy(max_attempts=3, sleep=lambda seconds: None, random=lambda: 1.0, clock=lambda: next(clock))
    client = ApiClient("ram", sdk, Models, "RUNTIME", policy, SdkError, False, Recorder())
    with pytest.raises(ApiError) as raised:
        client.call("GetRole", {"RoleName": "r"}, retry_on=("EntityNotExist.Role",), wait_seconds=2)
    assert raised.value.attempts == 2 and raised.value.waited == 0.5


def test_other_errors_are_raised_with_the_operation_and_the_documented_message():
    client = make_client(ScriptedSdk(SdkError("NoPermission", 403, "You are not authorized")))[0]
    with pytest.raises(ApiError) as raised:
        client.call("GetRole", {"RoleName": "r"})
    assert raised.value.operation == "GetRole" and raised.value.status_code == 403
    failure = failure_result(raised.value)
    assert failure["msg"] == "GetRole failed: NoPermission: You are not authorized (request id req-1, HTTP status 403)"
    assert failure["error"]["operation"] == "GetRole"


def test_failure_message_is_scrubbed_of_module_secrets():
    client = make_client(ScriptedSdk(SdkError("SignatureDoesNotMatch", 400, f"bad signature with {SECRET}")))[0]
    with pytest.raises(ApiError) as raised:
        client.call("GetRole", {"RoleName": "r"})
    assert SECRET not in json.dumps(failure_result(raised.value, secrets={SECRET}))


def test_check_mode_refuses_writes_before_any_request():
    sdk = ScriptedSdk({"RequestId": "never"})
    client, recorder = make_client(sdk, check_mode=True)
    with pytest.raises(CollectionError, match="check mode"):
        client.call("CreateRole", {"RoleName": "r", "AssumeRolePolicyDocument": "{}"})
    assert not sdk.requests and not recorder.api_calls


def test_check_mode_allows_reads():
    client = make_client(ScriptedSdk({"RequestId": "1"}), check_mode=True)[0]
    assert client.call("GetRole", {"RoleName": "r"}) == {"RequestId": "1"}


def test_unknown_parameter_fails_instead_of_being_dropped():
    sdk = ScriptedSdk({"RequestId": "never"})
    client = make_client(sdk)[0]
    with pytest.raises(CollectionError, match="Rolename"):
        client.call("GetRole", {"Rolename": "typo"})
    assert not sdk.requests


def test_unknown_action_fails():
    client = make_client(ScriptedSdk())[0]
    with pytest.raises(CollectionError, match="GetRoles"):
        client.call("GetRoles")


def test_real_sdk_method_signatures_bind():
    """The generic binding matches the installed SDKs' own method signatures (RPC and ROA)."""
    import inspect

    ram = pytest.importorskip("alibabacloud_ram20150501.client")
    rocketmq = pytest.importorskip("alibabacloud_rocketmq20220801.client")
    rpc = list(inspect.signature(ram.Client.get_role_with_options).parameters)
    assert bind_arguments(rpc, {"RoleName": "r"}, request_as_dict, {}, "RT") == [{"RoleName": "r"}, "RT"]
    roa = list(inspect.signature(rocketmq.Client.get_topic_with_options).parameters)
    assert bind_arguments(roa, {"instanceId": "rmq-1", "topicName": "t"}, request_as_dict, {}, "RT") == [
        "rmq-1",
        "t",
        {},
        "RT",
    ]


# --- the documented options are the accepted options ----------------------------------------------------------------


def test_doc_fragment_matches_the_argument_spec():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    spec = common_argument_spec()
    assert set(documented) == set(spec)
    for name, option in spec.items():
        doc = documented[name]
        assert doc["type"] == option["type"], name
        assert doc.get("default") == option.get("default"), name
        assert sorted(doc.get("aliases", [])) == sorted(option.get("aliases", [])), name
    assert set(documented["assume_role"]["suboptions"]) == set(spec["assume_role"]["options"])


def test_secrets_are_no_log_and_env_names_are_documented():
    spec = common_argument_spec()
    assert spec["access_key_secret"]["no_log"] and spec["security_token"]["no_log"]
    for name, option in spec.items():
        for variable in option.get("fallback", (None, []))[1]:
            assert variable in ModuleDocFragment.DOCUMENTATION, (name, variable)
