"""Reconciliation of writes whose answer was lost (module_utils/reconcile.py), its table and the client layer's use of it.

The table must name every write action the collection issues: the first test finds them in plugins/ (string
constants and f-string templates matched against the product SDKs' actions), so a new write cannot be missed."""

import ast
import importlib
import re
from functools import partial
from pathlib import Path

import pytest

from ansible_collections.apsaramq.cross_account.plugins.module_utils.client import (
    API_PRODUCTS,
    PRODUCTS,
    ApiClient,
    is_write_action,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import ApiError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.reconcile import (
    RECONCILERS,
    UnreconciledWrite,
    WriteGuard,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.retries import RetryPolicy, answer_may_be_lost

PLUGINS = Path(__file__).resolve().parents[4] / "plugins"
NAME = re.compile(r"[A-Z][A-Za-z0-9]+")
TEMPLATE_START = re.compile(r"[A-Z][a-z]+[A-Z]")
TRUST = '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::2000000000000002:root"]}}],"Version":"1"}'
LOST = ApiError(
    "ConnectionError",
    "('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))",
    transport=True,
)
READ_TIMEOUT = ApiError(
    "RequestTimeout",
    "HTTPConnectionPool(host='ram.aliyuncs.com', port=443): Read timed out. (read timeout=10)",
    transport=True,
)


# ------------------------------------------------------------------------------------------------------ the table


def sdk_write_actions():
    """Every write action the installed product SDKs offer (their <Action>Response models)."""
    found = set()
    for product in API_PRODUCTS:
        package = PRODUCTS[product].package
        methods = {
            name.replace("_", "").lower()
            for name in dir(importlib.import_module(package + ".client").Client)
            if name.endswith("_with_options")
        }
        for model in dir(importlib.import_module(package + ".models")):
            action = model[: -len("Response")]
            if model.endswith("Response") and action.lower() + "withoptions" in methods and is_write_action(action):
                found.add(action)
    return found


def names_in_plugins():
    """(string constants that look like action names, regexes of f-string templates such as f"AttachPolicyTo{entity}")."""
    names, templates = set(), []
    for path in PLUGINS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and NAME.fullmatch(node.value):
                names.add(node.value)
            elif (
                isinstance(node, ast.JoinedStr)
                and node.values
                and isinstance(node.values[0], ast.Constant)
                and TEMPLATE_START.match(str(node.values[0].value))
            ):
                templates.append(
                    re.compile(
                        "".join(
                            re.escape(part.value) if isinstance(part, ast.Constant) else "[A-Za-z]+"
                            for part in node.values
                        )
                    )
                )
    return names, templates


def issued_write_actions():
    """Names of the write actions named in plugins/ (a name alone does not say which product: TagResources is RAM's
    and RocketMQ's)."""
    names, templates = names_in_plugins()
    return {
        action
        for action in sdk_write_actions()
        if action in names or any(template.fullmatch(action) for template in templates)
    }


def test_every_write_action_the_collection_issues_has_a_reconciler_and_no_other():
    issued = issued_write_actions()
    assert {"CreateAccessKey", "AttachPolicyToGroup", "CreateTopic"} <= issued, "the scan works"
    table = {action for actions in RECONCILERS.values() for action in actions}
    assert sorted(issued - table) == [], "a write action without a reconciler: add it to reconcile.RECONCILERS"
    assert sorted(table - issued) == [], "a reconciler for an action nothing issues"


@pytest.mark.parametrize(
    "error,lost",
    [
        (LOST, True),
        (READ_TIMEOUT, True),
        (
            ApiError(
                "ConnectionError",
                "('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))",
                transport=True,
            ),
            True,
        ),
        (
            ApiError(
                "ConnectionError",
                "HTTPConnectionPool(host='x', port=1): Max retries exceeded with url: / (Caused by "
                "NewConnectionError('Failed to establish a new connection: [Errno 111] Connection refused'))",
                transport=True,
            ),
            False,
        ),
        (
            ApiError(
                "RequestTimeout",
                "(Caused by ConnectTimeoutError(..., 'Connection to x timed out. (connect timeout=5)'))",
                transport=True,
            ),
            False,
        ),
        (
            ApiError("ConnectionError", "(Caused by NameResolutionError(\"Failed to resolve 'x'\"))", transport=True),
            False,
        ),
        (ApiError("ServiceUnavailable", "try later", status_code=503), False),
    ],
)
def test_only_an_answer_lost_after_sending_counts_as_lost(error, lost):
    assert answer_may_be_lost(error) is lost


# ------------------------------------------------------------------------------------------------------ the guard


class Cloud:
    """A stand-in session: reads answer from ``bodies`` ({action: body or ApiError}), writes and verdicts recorded."""

    def __init__(self, **bodies):
        self.bodies = bodies
        self.reads, self.writes, self.verdicts = [], [], []

    def read(self, action, params, ignore=()):
        self.reads.append(action)
        answer = self.bodies.get(action, {})
        if isinstance(answer, ApiError):
            if answer.code in ignore:
                return None
            raise answer
        return answer

    def write(self, action, params, ignore=()):
        self.writes.append((action, params))
        return {}

    def record(self, action, attempt, verdict):
        self.verdicts.append((action, attempt, verdict))


def attempts(*outcomes):
    """send(attempt): the next outcome, raised when it is an error."""
    pending = list(outcomes)

    def send(attempt):
        del attempt
        outcome = pending.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    send.pending = pending
    return send


def call(cloud, action, params, *outcomes, product="ram", known=None, max_attempts=3):
    guard = WriteGuard(product, action, params, known, cloud)
    policy = RetryPolicy(max_attempts=max_attempts, sleep=lambda seconds: None, random=lambda: 0.0)
    return policy.run(partial(guard.run, attempts(*outcomes)))


ROLE = {"RoleName": "r", "AssumeRolePolicyDocument": TRUST, "Description": "d"}
MISSING_ROLE = ApiError("EntityNotExist.Role", "gone", status_code=404)


def test_a_lost_create_read_back_as_asked_is_applied_and_answers_the_entity():
    stored = dict(
        ROLE, AssumeRolePolicyDocument=TRUST.replace('"Version":"1"', '"Version": "1"'), Arn="acs:ram::1:role/r"
    )
    cloud = Cloud(GetRole={"Role": stored})
    assert call(cloud, "CreateRole", ROLE, LOST) == {"Role": stored}
    assert cloud.reads == ["GetRole"] and cloud.verdicts == [("CreateRole", 1, "applied")]


def test_a_lost_create_not_found_is_made_again():
    cloud = Cloud(GetRole=MISSING_ROLE)
    assert call(cloud, "CreateRole", ROLE, LOST, {"Role": ROLE}) == {"Role": ROLE}
    assert cloud.verdicts == [("CreateRole", 1, "not_applied")]


def test_a_lost_create_that_differs_fails_saying_what_to_check():
    cloud = Cloud(GetRole={"Role": dict(ROLE, Description="someone else's")})
    with pytest.raises(UnreconciledWrite) as raised:
        call(cloud, "CreateRole", ROLE, LOST)
    assert raised.value.msg == (
        "CreateRole (role r): the answer was lost after the request was sent (ConnectionError), and what "
        "exists now differs from what was asked (Description): another writer may have made it. Check the "
        "role r and run the task again."
    )
    assert cloud.verdicts == [("CreateRole", 1, "conflict")]


def test_a_refused_read_back_fails_saying_the_write_may_have_happened():
    cloud = Cloud(GetRole=ApiError("NoPermission", "no", status_code=403, operation="GetRole"))
    with pytest.raises(
        UnreconciledWrite, match=r"reading it back failed \(GetRole: NoPermission\): the write may or may not have been"
    ):
        call(cloud, "CreateRole", ROLE, LOST)
    assert cloud.verdicts == [("CreateRole", 1, "unknown")]


def test_already_exists_on_a_retry_is_accepted_when_the_entity_is_the_one_asked_for():
    conflict = ApiError("EntityAlreadyExists.Role", "exists", status_code=409)
    throttled = ApiError("Throttling.User", "slow down", status_code=400)
    assert call(Cloud(GetRole={"Role": ROLE}), "CreateRole", ROLE, throttled, conflict) == {"Role": ROLE}
    with pytest.raises(ApiError) as raised:  # not this call's: the refusal stands
        call(Cloud(GetRole={"Role": dict(ROLE, Description="other")}), "CreateRole", ROLE, throttled, conflict)
    assert raised.value is conflict
    with pytest.raises(ApiError):  # a first attempt's refusal is never reconciled
        call(Cloud(GetRole={"Role": ROLE}), "CreateRole", ROLE, conflict)


def test_a_lost_policy_version_is_never_made_twice():
    document = '{"Statement":[{"Action":"mq:PUB","Effect":"Allow","Resource":"*"}],"Version":"1"}'
    versions = {
        "PolicyVersions": {
            "PolicyVersion": [
                {"VersionId": "v1", "IsDefaultVersion": False, "PolicyDocument": '{"Version":"1","Statement":[]}'},
                {"VersionId": "v2", "IsDefaultVersion": True, "PolicyDocument": document},
            ]
        }
    }
    params = {"PolicyName": "p", "PolicyDocument": document, "SetAsDefault": True}
    assert (
        call(Cloud(ListPolicyVersions=versions), "CreatePolicyVersion", params, LOST)["PolicyVersion"]["VersionId"]
        == "v2"
    )
    older = {
        "PolicyVersions": {
            "PolicyVersion": [
                dict(version, IsDefaultVersion=not version["IsDefaultVersion"])
                for version in versions["PolicyVersions"]["PolicyVersion"]
            ]
        }
    }
    made = {"PolicyVersion": {"VersionId": "v3"}}
    assert call(Cloud(ListPolicyVersions=older), "CreatePolicyVersion", params, LOST, made) == made, (
        "same text, not default: not it"
    )


def keys(*ids):
    return {"AccessKeys": {"AccessKey": [{"AccessKeyId": key_id, "Status": "Active"} for key_id in ids]}}


def test_a_lost_access_key_is_deleted_before_the_one_retry():
    cloud = Cloud(ListAccessKeys=keys("OLD", "ORPHAN"))
    made = {"AccessKey": {"AccessKeyId": "NEW", "AccessKeySecret": "s"}}
    assert call(cloud, "CreateAccessKey", {"UserName": "u"}, LOST, made, known=["OLD"]) == made
    assert cloud.writes == [("DeleteAccessKey", {"UserName": "u", "UserAccessKeyId": "ORPHAN"})]
    assert cloud.verdicts == [("CreateAccessKey", 1, "undone")]


def test_a_lost_access_key_is_never_guessed():
    with pytest.raises(UnreconciledWrite, match="may have made an AccessKey for u whose secret nobody holds"):
        call(Cloud(ListAccessKeys=keys("A")), "CreateAccessKey", {"UserName": "u"}, LOST)
    cloud = Cloud(ListAccessKeys=keys("A", "B"))
    with pytest.raises(UnreconciledWrite, match=r"2 AccessKeys appeared meanwhile \(A, B\)"):
        call(cloud, "CreateAccessKey", {"UserName": "u"}, LOST, known=[])
    assert cloud.writes == []


@pytest.mark.parametrize(
    "action,params,bodies,verdict",
    [
        (
            "AttachPolicyToRole",
            {"RoleName": "r", "PolicyName": "p", "PolicyType": "Custom"},
            {"ListPoliciesForRole": {"Policies": {"Policy": [{"PolicyName": "p", "PolicyType": "Custom"}]}}},
            "applied",
        ),
        (
            "DetachPolicyFromUser",
            {"UserName": "u", "PolicyName": "p", "PolicyType": "System"},
            {"ListPoliciesForUser": {"Policies": {"Policy": [{"PolicyName": "p", "PolicyType": "System"}]}}},
            "not_applied",
        ),
        (
            "AddUserToGroup",
            {"UserName": "u", "GroupName": "Ops"},
            {"ListGroupsForUser": {"Groups": {"Group": [{"GroupName": "ops"}]}}},
            "applied",
        ),
        ("DeleteRole", {"RoleName": "r"}, {"GetRole": MISSING_ROLE}, "applied"),
        ("UpdateRole", {"RoleName": "r", "NewDescription": "new"}, {"GetRole": {"Role": ROLE}}, "not_applied"),
        (
            "UpdateAccessKey",
            {"UserName": "u", "UserAccessKeyId": "K", "Status": "Active"},
            {"ListAccessKeys": keys("K")},
            "applied",
        ),
        (
            "UpdateLoginProfile",
            {"UserName": "u", "Password": "x", "PasswordResetRequired": False},
            {"GetLoginProfile": {"LoginProfile": {"PasswordResetRequired": False}}},
            "not_applied",
        ),
    ],
)
def test_attachments_memberships_updates_and_deletes_are_read_back(action, params, bodies, verdict):
    cloud = Cloud(**bodies)
    call(cloud, action, params, LOST, {})
    assert cloud.verdicts == [(action, 1, verdict)]


def test_an_update_of_an_entity_that_is_gone_fails_clearly():
    with pytest.raises(
        UnreconciledWrite, match="and it no longer exists: another writer may have deleted it. Check the role r"
    ):
        call(Cloud(GetRole=MISSING_ROLE), "UpdateRole", {"RoleName": "r", "NewDescription": "x"}, LOST)


def test_a_rocketmq_probe_write_is_retried_and_its_answer_is_the_proof():
    params = {"instanceId": "rmq-1", "topicName": "ansible-access-check-1"}
    cloud = Cloud()
    assert (
        call(
            cloud,
            "CreateTopic",
            params,
            LOST,
            ApiError("Topic.AlreadyExists", "exists", status_code=409),
            product="rocketmq",
        )
        == {}
    )
    assert cloud.reads == [] and cloud.verdicts == [("CreateTopic", 1, "retried"), ("CreateTopic", 2, "applied")]
    denied = ApiError("NoPermission", "no", status_code=403)
    with pytest.raises(ApiError) as raised:
        call(Cloud(), "DeleteTopic", params, LOST, denied, product="rocketmq")
    assert raised.value.code == "NoPermission" and "an earlier attempt's answer was lost" in raised.value.message


def test_a_write_without_a_reconciler_is_not_retried_blindly():
    send = attempts(LOST, {"never": "sent"})
    guard = WriteGuard("ram", "SetPasswordPolicy", {}, None, Cloud())
    with pytest.raises(UnreconciledWrite, match="this action cannot be read back: it may or may not have been applied"):
        RetryPolicy(sleep=lambda seconds: None).run(partial(guard.run, send))
    assert send.pending == [{"never": "sent"}]


def test_not_applied_writes_are_retried_within_the_budget_only():
    cloud = Cloud(GetRole=MISSING_ROLE)
    with pytest.raises(ApiError) as raised:
        call(cloud, "CreateRole", ROLE, LOST, LOST, max_attempts=2)
    assert raised.value.attempts == 2 and cloud.reads == ["GetRole", "GetRole"]
    assert raised.value.message.endswith("(the answer was lost; read back: not applied)")


# ------------------------------------------------------------------------------------------------------ the client


class Sdk:
    """CreateRole loses its answer once; GetRole then shows the role."""

    def __init__(self):
        self.requests = []

    def create_role_with_options(self, request, runtime):
        del runtime
        self.requests.append("CreateRole")
        raise SdkFailure(LOST)

    def get_role_with_options(self, request, runtime):
        del runtime
        self.requests.append("GetRole")
        return Response({"Role": dict(request.to_map(), AssumeRolePolicyDocument=TRUST)})


class SdkFailure(Exception):
    def __init__(self, error):
        super().__init__(error.message)
        self.inner_exception = ConnectionResetError(error.message)


class Response:
    status_code = 200

    def __init__(self, data):
        self.body = Body(data)


class Body:
    def __init__(self, data):
        self._data = data

    def to_map(self):
        return dict(self._data)


class Request:
    def __init__(self):
        self.params = {}

    def from_map(self, params):
        self.params = dict(params)
        return self

    def to_map(self):
        return dict(self.params)


class Models:
    CreateRoleRequest = GetRoleRequest = Request


def test_the_client_reconciles_counts_every_reconciliation_and_keeps_last_call():
    recorded = []
    sdk = Sdk()
    policy = RetryPolicy(max_attempts=3, sleep=lambda seconds: None)
    client = ApiClient(
        "ram",
        sdk,
        Models,
        "RUNTIME",
        policy,
        SdkFailure,
        False,
        lambda *args, **details: recorded.append(args[1:] + (details,)),
    )
    params = {"RoleName": "r", "AssumeRolePolicyDocument": TRUST}
    assert client.call("CreateRole", params) == {"Role": params}
    assert sdk.requests == ["CreateRole", "GetRole"]
    assert recorded == [
        ("CreateRole", True, 1, None, {}),
        ("GetRole", False, 1, 200, {"reconciles": "CreateRole"}),
        ("CreateRole", False, 1, None, {"reconciliation": "applied"}),
    ]
    assert client.last_call == {"attempts": 1, "waited": 0.0}
