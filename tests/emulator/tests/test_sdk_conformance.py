"""Conformance of every emulator answer with the vendor's own models (issue 10).

The oracle is the official SDKs installed in the venv, not the emulator's documentation:

- Tea SDKs (RAM 2015-05-01, STS 2015-04-01, RocketMQ 5.x 2022-08-01): each call goes through the product client's
  ``<action>_with_options`` -> ``call_api``; the capturing client records a copy of the JSON the OpenAPI client reads
  from the answer (``DaraStream.read_as_json``: the body as the server sent it, before ``<Action>Response.from_map``
  parses it or an exception is built from it), the status, the headers and the exception on an error. Each success
  body is checked recursively against the ``body`` model of ``<Action>Response`` (``<Action>ResponseBody``): every key
  is a field of the model (its wire names are discovered from ``to_map()``), no field the model's ``validate`` marks
  required is missing, every value has the declared type (str / int / bool / float, ``List[...]``, ``Dict[...]``,
  nested models, so the RPC ``{"Role": [...]}`` wrappers), and ``from_map`` then ``to_map`` gives the same data back.
- Errors: what ``alibabacloud_tea_openapi.Client`` reads (``Code``/``code``, ``Message``/``message``,
  ``RequestId``/``requestId``, ``AccessDeniedDetail``) plus the Alibaba Cloud RPC error format (``HostId``,
  ``Recommend``); RocketMQ 5.x errors keep the action's own envelope model.
- MQ 4.x HTTP plane (mq-http-sdk, XML): each answer goes through the SDK's own decoders; the element names an answer
  may carry and must carry are read from the decoders' source (``data_dic["X"]``, ``"X" in data_dic``, ``key_list``).

The actions come from the emulator's handler table (``routing.served_actions()``): an action without a scenario
here fails ``test_every_served_action_has_a_scenario``.
"""

import copy
import inspect
import re
import typing
import xml.dom.minidom
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Dict, List, Optional, Tuple

import alibabacloud_tea_openapi.client as open_api_client
import pytest
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_rocketmq20220801 import models as rmq_models
from alibabacloud_rocketmq20220801.client import Client as RocketMQClient
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi import utils_models as open_api_util_models
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from darabonba.runtime import RuntimeOptions
from darabonba.utils.stream import Stream
from mq_http_sdk import mq_xml_handler
from mq_http_sdk.mq_client import MQClient
from mq_http_sdk.mq_exception import MQServerException
from mq_http_sdk.mq_producer import TopicMessage
from Tea.model import TeaModel

from acs_emulator.routing import served_actions

SERVED = served_actions()
SERVED_PAIRS = sorted((product, name) for product, names in SERVED.items() for name in names)

INSTANCE_5X = "rmq-cn-emu5x0001"
INSTANCE_4X = "MQ_INST_1000000000000001_BXhFHbcq"
RPC_ERROR_KEYS = {"RequestId", "HostId", "Code", "Message", "Recommend"}
RPC_ERROR_OPTIONAL = {"AccessDeniedDetail"}
ACCESS_DENIED_DETAIL_KEYS = {"AuthAction", "NoPermissionType", "PolicyType"}


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# ---------------------------------------------------------------------------------------------------------------
# Tea model introspection
# ---------------------------------------------------------------------------------------------------------------


def _sample(tp) -> Any:
    """A value of type ``tp`` that ``to_map`` writes out (to learn a field's wire name)."""
    origin = typing.get_origin(tp)
    if origin is list:
        return [_sample(typing.get_args(tp)[0])]
    if origin is dict:
        return {"k": _sample(typing.get_args(tp)[1])}
    if inspect.isclass(tp) and issubclass(tp, TeaModel):
        return tp()
    return {str: "s", int: 7, bool: True, float: 1.5}.get(tp, "any")


@lru_cache(maxsize=None)
def wire_fields(cls) -> Dict[str, Tuple[str, Any]]:
    """``{wire key: (attribute, declared type)}`` of a Tea model: each ``__init__`` field set alone, seen in ``to_map()``."""
    hints = typing.get_type_hints(cls.__init__)
    hints.pop("return", None)
    baseline = cls().to_map() or {}
    fields = {}
    for attr, tp in hints.items():
        model = cls()
        setattr(model, attr, _sample(tp))
        mapped = model.to_map() or {}
        changed = [key for key in mapped if key not in baseline or mapped[key] != baseline[key]]
        assert len(changed) == 1, f"{cls.__name__}.{attr}: cannot tell its wire name from to_map() ({changed})"
        fields[changed[0]] = (attr, tp)
    return fields


@lru_cache(maxsize=None)
def required_keys(cls) -> Tuple[str, ...]:
    """Wire keys of the fields ``validate()`` checks with ``validate_required`` (the models' notion of required)."""
    attrs = set(re.findall(r"validate_required\(\s*self\.(\w+)", inspect.getsource(cls.validate)))
    return tuple(key for key, (attr, _tp) in wire_fields(cls).items() if attr in attrs)


def _type_name(tp) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def check_value(value, tp, path: str) -> List[str]:
    if tp is Any:
        return []
    if value is None:
        return [f"{path}: null where the model declares {_type_name(tp)}"]
    origin = typing.get_origin(tp)
    if origin is list:
        if not isinstance(value, list):
            return [f"{path}: {type(value).__name__} where the model declares a list ({_type_name(tp)})"]
        return [
            problem
            for i, item in enumerate(value)
            for problem in check_value(item, typing.get_args(tp)[0], f"{path}[{i}]")
        ]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__} where the model declares a map ({_type_name(tp)})"]
        return [
            problem for k, item in value.items() for problem in check_value(item, typing.get_args(tp)[1], f"{path}.{k}")
        ]
    if inspect.isclass(tp) and issubclass(tp, TeaModel):
        return check_model(value, tp, path)
    expected = {str: (str,), int: (int,), bool: (bool,), float: (int, float)}.get(tp)
    assert expected is not None, f"{path}: type {tp!r} not handled by the checker"
    if not isinstance(value, expected) or (tp is not bool and isinstance(value, bool)):
        return [f"{path}: {type(value).__name__} {value!r} where the model declares {_type_name(tp)}"]
    return []


def _lost_in_round_trip(raw, mapped, path: str) -> List[str]:
    """Parts of ``raw`` that the SDK's ``from_map`` + ``to_map`` does not give back."""
    if isinstance(raw, dict) and isinstance(mapped, dict):
        return [
            problem
            for key, value in raw.items()
            for problem in (
                _lost_in_round_trip(value, mapped[key], f"{path}.{key}")
                if key in mapped
                else [f"{path}.{key}: dropped by the SDK's from_map/to_map"]
            )
        ]
    if isinstance(raw, list) and isinstance(mapped, list) and len(raw) == len(mapped):
        return [
            problem
            for i, (a, b) in enumerate(zip(raw, mapped))
            for problem in _lost_in_round_trip(a, b, f"{path}[{i}]")
        ]
    return [] if raw == mapped else [f"{path}: {raw!r} comes back from the SDK as {mapped!r}"]


def check_model(raw, cls, path: str = "body") -> List[str]:
    """Every problem of ``raw`` (a JSON object) against the Tea model class ``cls``."""
    if not isinstance(raw, dict):
        return [f"{path}: {type(raw).__name__} where the model declares an object ({cls.__name__})"]
    fields = wire_fields(cls)
    problems = [f"{path}.{key}: required by {cls.__name__} but missing" for key in required_keys(cls) if key not in raw]
    for key, value in raw.items():
        if key not in fields:
            problems.append(f"{path}.{key}: not a field of {cls.__name__} (fields: {sorted(fields)})")
        else:
            problems.extend(check_value(value, fields[key][1], f"{path}.{key}"))
    if not problems:
        problems = _lost_in_round_trip(raw, cls().from_map(copy.deepcopy(raw)).to_map(), path)
    return problems


def response_body_model(models, action: str):
    """The ``body`` model ``<Action>Response`` declares (``<Action>ResponseBody``)."""
    response = getattr(models, f"{action}Response")
    body = typing.get_type_hints(response.__init__)["body"]
    assert body.__name__ == f"{action}ResponseBody", body
    return body


# ---------------------------------------------------------------------------------------------------------------
# Checks of the raw model in the test itself (the checker must catch what it claims to)
# ---------------------------------------------------------------------------------------------------------------


def test_checker_catches_unknown_keys_wrong_types_and_unwrapped_lists():
    body = ram_models.ListRolesResponseBody
    good = {
        "RequestId": "R",
        "IsTruncated": False,
        "Roles": {
            "Role": [{"RoleName": "r", "MaxSessionDuration": 3600, "Tags": {"Tag": [{"TagKey": "k", "TagValue": "v"}]}}]
        },
    }
    assert check_model(good, body) == []
    assert wire_fields(body)["Roles"][0] == "roles"
    bad = {"RequestId": "R", "IsTruncated": "false", "Extra": 1, "Roles": [{"RoleName": "r"}]}
    problems = check_model(bad, body)
    assert any("body.IsTruncated: str" in p for p in problems), problems
    assert any("body.Extra: not a field" in p for p in problems), problems
    assert any("body.Roles: list where the model declares an object" in p for p in problems), problems
    nested = {"Roles": {"Role": [{"RoleName": "r", "MaxSessionDuration": "3600", "Unknown": "x"}]}}
    problems = check_model(nested, body)
    assert any("Role[0].MaxSessionDuration: str" in p for p in problems), problems
    assert any("Role[0].Unknown: not a field" in p for p in problems), problems
    assert check_model({"RequestId": "R", "AccessKey": {"Status": True}}, ram_models.CreateAccessKeyResponseBody)


# ---------------------------------------------------------------------------------------------------------------
# Capturing clients
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Exchange:
    """One API call as the SDK saw it: the raw body (JSON dict, or XML bytes for the MQ plane) or the exception."""

    product: str
    action: str
    status: Optional[int] = None
    headers: Dict[str, str] = field(default_factory=dict)
    body: Any = None
    error: Optional[Exception] = None


class RecordingStream(Stream):
    """``DaraStream`` of the OpenAPI client, keeping a copy of each JSON body it reads: the server's own body
    (the exception built from an error body adds ``statusCode`` to it; the raw copy does not have it)."""

    last: Any = None

    @staticmethod
    def read_as_json(stream) -> Any:
        parsed = Stream.read_as_json(stream)
        RecordingStream.last = copy.deepcopy(parsed)
        return parsed


@pytest.fixture(autouse=True)
def _record_raw_bodies(monkeypatch):
    monkeypatch.setattr(open_api_client, "DaraStream", RecordingStream)


def _capturing(client_cls, product: str):
    class Capturing(client_cls):
        def __init__(self, config, log: List[Exchange]):
            super().__init__(config)
            self._log = log

        def call_api(self, params, request, runtime):
            assert params.body_type == "json", f"{params.action}: body type {params.body_type}"
            exchange = Exchange(product, params.action)
            self._log.append(exchange)
            RecordingStream.last = None
            try:
                result = super().call_api(params, request, runtime)
            except AlibabaCloudException as error:
                exchange.error, exchange.status, exchange.body = error, error.status_code, RecordingStream.last
                raise
            exchange.status, exchange.headers, exchange.body = (
                result.get("statusCode"),
                result.get("headers") or {},
                RecordingStream.last,
            )
            assert exchange.body == result.get("body"), "the recorded body is not the one the SDK parses"
            return result

    Capturing.__name__ = f"Capturing{client_cls.__name__}"
    return Capturing


CapturingRam = _capturing(RamClient, "ram")
CapturingSts = _capturing(StsClient, "sts")
CapturingRocketMQ = _capturing(RocketMQClient, "rocketmq")
MODELS = {"ram": ram_models, "sts": sts_models, "rocketmq": rmq_models}
CLIENTS = {"ram": RamClient, "sts": StsClient, "rocketmq": RocketMQClient}


class Session:
    """Clients of the official SDKs for one test, every call recorded in ``log``."""

    def __init__(self, cloud, **config):
        self.cloud = cloud
        self.log: List[Exchange] = []
        self.config = config  # e.g. signature_algorithm="v2": the SDK's older request and error-handling path

    def ram(self, key=None) -> RamClient:
        return CapturingRam(self.cloud.config(key or self.cloud.A_ADMIN, **self.config), self.log)

    def sts(self, key=None) -> StsClient:
        return CapturingSts(self.cloud.config(key or self.cloud.A_ADMIN, **self.config), self.log)

    def rocketmq(self, key=None) -> RocketMQClient:
        return CapturingRocketMQ(self.cloud.config(key or self.cloud.A_ADMIN, **self.config), self.log)

    def mq(self, key=None) -> MQClient:
        """An MQ HTTP client whose three calls record the raw XML answer (``send_request`` wrapped)."""
        key = key or self.cloud.A_ADMIN
        client = MQClient(self.cloud.emu.url, key.id, key.secret, key.token or "")
        current: Dict[str, str] = {}
        send = client.http.send_request

        def send_request(request):
            response = send(request)
            self.log.append(Exchange("mq", current["action"], response.status, dict(response.header), response.data))
            return response

        def named(method_name: str):
            method = getattr(client, method_name)

            def call(*args, **kwargs):
                current["action"] = "".join(part.title() for part in method_name.split("_"))
                return method(*args, **kwargs)

            return call

        client.http.send_request = send_request
        for method_name in ("publish_message", "consume_message", "ack_message"):
            setattr(client, method_name, named(method_name))
        return client

    def error(self, call: Callable[[], Any]) -> Exception:
        """The API error ``call()`` raises (its raw body is checked with the rest of the log)."""
        with pytest.raises((AlibabaCloudException, MQServerException)) as caught:
            call()
        return caught.value

    # shared setup ------------------------------------------------------------------------------------------
    def trust_a(self) -> str:
        return self.cloud.trust(f"acs:ram::{self.cloud.A_UID}:root")

    def create_role(self, name: str = "Conformance", **extra) -> ram_models.CreateRoleResponseBodyRole:
        request = ram_models.CreateRoleRequest(
            role_name=name,
            assume_role_policy_document=self.trust_a(),
            description="conformance role",
            max_session_duration=3600,
            **extra,
        )
        return self.ram().create_role(request).body.role

    def create_policy(self, name: str = "conformance-pub", **extra) -> None:
        document = self.cloud.document(self.cloud.allow("mq:PUB"))
        self.ram().create_policy(
            ram_models.CreatePolicyRequest(
                policy_name=name, policy_document=document, description="conformance policy", **extra
            )
        )

    def create_user(self, name: str = "conformance-user") -> None:
        self.ram().create_user(
            ram_models.CreateUserRequest(
                user_name=name,
                display_name="Conformance",
                comments="c",
                email="c@example.com",
                mobile_phone="86-18600000000",
            )
        )

    def attach(self, entity: str, name: str, policy: str = "conformance-pub", policy_type: str = "Custom") -> None:
        """AttachPolicyTo<entity> (Role, User or Group) of ``policy`` to the principal ``name``."""
        request_type = getattr(ram_models, f"AttachPolicyTo{entity}Request")
        request = request_type(**{f"{entity.lower()}_name": name}, policy_name=policy, policy_type=policy_type)
        getattr(self.ram(), f"attach_policy_to_{entity.lower()}")(request)

    def create_group(self, name: str = "conformance-group") -> None:
        self.ram().create_group(ram_models.CreateGroupRequest(group_name=name, comments="conformance group"))

    def join(self, user: str = "conformance-user", group: str = "conformance-group") -> None:
        """``user`` (created) in ``group`` (created)."""
        self.create_user(user)
        self.create_group(group)
        self.ram().add_user_to_group(ram_models.AddUserToGroupRequest(user_name=user, group_name=group))

    def create_login_profile(self, user: str = "conformance-user") -> None:
        self.create_user(user)
        self.ram().create_login_profile(
            ram_models.CreateLoginProfileRequest(
                user_name=user, password="Conformance-Pass-1", password_reset_required=True, mfabind_required=True
            )
        )

    def add_version(self, name: str = "conformance-pub") -> str:
        document = self.cloud.document(self.cloud.allow(["mq:PUB", "mq:SUB"]))
        request = ram_models.CreatePolicyVersionRequest(
            policy_name=name, policy_document=document, set_as_default=False
        )
        return self.ram().create_policy_version(request).body.policy_version.version_id

    def session_key(self):
        role = self.create_role()
        return self.cloud.assume_role(self.cloud.A_ADMIN, role.arn, session="conformance")

    def group_request(self) -> rmq_models.CreateConsumerGroupRequest:
        policy = rmq_models.CreateConsumerGroupRequestConsumeRetryPolicy(
            retry_policy="DefaultRetryPolicy", max_retry_times=5
        )
        return rmq_models.CreateConsumerGroupRequest(
            delivery_order_type="Concurrently", consume_retry_policy=policy, remark="conformance group"
        )

    def publish(self, body: str = "hello", tag: str = "conformance") -> None:
        message = TopicMessage(body, tag)
        message.set_message_key("order-1")
        message.put_property("origin", "conformance")
        self.mq().get_producer(INSTANCE_4X, "orders").publish_message(message)


# ---------------------------------------------------------------------------------------------------------------
# One scenario per served action: setup (also checked) and the call of the action itself
# ---------------------------------------------------------------------------------------------------------------

SCENARIOS: Dict[Tuple[str, str], Callable[[Session], None]] = {}
ERROR_ONLY: Dict[Tuple[str, str], str] = {}  # actions that cannot succeed in the emulator: the error code expected


def scenario(product: str, name: str, error_code: Optional[str] = None):
    def register(func):
        SCENARIOS[(product, name)] = func
        if error_code:
            ERROR_ONLY[(product, name)] = error_code
        return func

    return register


# RAM: roles ----------------------------------------------------------------------------------------------------


@scenario("ram", "CreateRole")
def _create_role(s: Session):
    s.create_role(tag=[ram_models.CreateRoleRequestTag(key="team", value="mq")])


@scenario("ram", "GetRole")
def _get_role(s: Session):
    s.create_role()
    s.ram().get_role_with_options(ram_models.GetRoleRequest(role_name="Conformance"), RuntimeOptions())


@scenario("ram", "UpdateRole")
def _update_role(s: Session):
    s.create_role()
    s.ram().update_role_with_options(
        ram_models.UpdateRoleRequest(
            role_name="Conformance",
            new_description="updated",
            new_max_session_duration=7200,
            new_assume_role_policy_document=s.trust_a(),
        ),
        RuntimeOptions(),
    )


@scenario("ram", "DeleteRole")
def _delete_role(s: Session):
    s.create_role()
    s.ram().delete_role_with_options(ram_models.DeleteRoleRequest(role_name="Conformance"), RuntimeOptions())


@scenario("ram", "ListRoles")
def _list_roles(s: Session):
    s.create_role("Tagged", tag=[ram_models.CreateRoleRequestTag(key="team", value="mq")])
    s.create_role("Other")
    first = s.ram().list_roles_with_options(ram_models.ListRolesRequest(max_items=1), RuntimeOptions()).body
    assert first.is_truncated is True and first.marker
    s.ram().list_roles_with_options(ram_models.ListRolesRequest(max_items=1, marker=first.marker), RuntimeOptions())
    s.ram().list_roles_with_options(
        ram_models.ListRolesRequest(tag=[ram_models.ListRolesRequestTag(key="team")]), RuntimeOptions()
    )


# RAM: policies and versions --------------------------------------------------------------------------------------


@scenario("ram", "CreatePolicy")
def _create_policy(s: Session):
    s.create_policy(tag=[ram_models.CreatePolicyRequestTag(key="team", value="mq")])


@scenario("ram", "GetPolicy")
def _get_policy(s: Session):
    s.create_policy()
    s.ram().get_policy_with_options(
        ram_models.GetPolicyRequest(policy_name="conformance-pub", policy_type="Custom"), RuntimeOptions()
    )
    s.ram().get_policy_with_options(
        ram_models.GetPolicyRequest(policy_name="AliyunSTSAssumeRoleAccess", policy_type="System"), RuntimeOptions()
    )


@scenario("ram", "UpdatePolicyDescription")
def _update_policy_description(s: Session):
    s.create_policy()
    s.ram().update_policy_description_with_options(
        ram_models.UpdatePolicyDescriptionRequest(policy_name="conformance-pub", new_description="updated"),
        RuntimeOptions(),
    )


@scenario("ram", "ListPolicies")
def _list_policies(s: Session):
    s.create_policy(tag=[ram_models.CreatePolicyRequestTag(key="team", value="mq")])
    s.attach("User", "admin")
    s.ram().list_policies_with_options(ram_models.ListPoliciesRequest(policy_type="Custom"), RuntimeOptions())
    s.ram().list_policies_with_options(ram_models.ListPoliciesRequest(max_items=2), RuntimeOptions())


@scenario("ram", "DeletePolicy")
def _delete_policy(s: Session):
    s.create_policy()
    s.ram().delete_policy_with_options(ram_models.DeletePolicyRequest(policy_name="conformance-pub"), RuntimeOptions())


@scenario("ram", "CreatePolicyVersion")
def _create_policy_version(s: Session):
    s.create_policy()
    s.add_version()


@scenario("ram", "GetPolicyVersion")
def _get_policy_version(s: Session):
    s.create_policy()
    s.ram().get_policy_version_with_options(
        ram_models.GetPolicyVersionRequest(policy_name="conformance-pub", policy_type="Custom", version_id="v1"),
        RuntimeOptions(),
    )
    s.ram().get_policy_version_with_options(
        ram_models.GetPolicyVersionRequest(
            policy_name="AliyunSTSAssumeRoleAccess", policy_type="System", version_id="v1"
        ),
        RuntimeOptions(),
    )


@scenario("ram", "ListPolicyVersions")
def _list_policy_versions(s: Session):
    s.create_policy()
    s.add_version()
    s.ram().list_policy_versions_with_options(
        ram_models.ListPolicyVersionsRequest(policy_name="conformance-pub", policy_type="Custom"), RuntimeOptions()
    )


@scenario("ram", "DeletePolicyVersion")
def _delete_policy_version(s: Session):
    s.create_policy()
    version = s.add_version()
    s.ram().delete_policy_version_with_options(
        ram_models.DeletePolicyVersionRequest(policy_name="conformance-pub", version_id=version), RuntimeOptions()
    )


@scenario("ram", "SetDefaultPolicyVersion")
def _set_default_policy_version(s: Session):
    s.create_policy()
    version = s.add_version()
    s.ram().set_default_policy_version_with_options(
        ram_models.SetDefaultPolicyVersionRequest(policy_name="conformance-pub", version_id=version), RuntimeOptions()
    )


@scenario("ram", "ListEntitiesForPolicy")
def _list_entities_for_policy(s: Session):
    s.create_policy()
    s.create_role()
    s.create_user()
    s.create_group()
    for entity, name in (("Role", "Conformance"), ("User", "conformance-user"), ("Group", "conformance-group")):
        s.attach(entity, name)
    s.ram().list_entities_for_policy_with_options(
        ram_models.ListEntitiesForPolicyRequest(policy_name="conformance-pub", policy_type="Custom"), RuntimeOptions()
    )


# RAM: attachments ------------------------------------------------------------------------------------------------


def _attachment_scenarios(entity: str, name_param: str, name: str, create: Callable[[Session], None]) -> None:
    """AttachPolicyTo<entity>, DetachPolicyFrom<entity> and ListPoliciesFor<entity>: the same three calls for roles,
    users and groups, each on a new ``create``d principal called ``name``."""
    system = {"policy_name": "AliyunMQReadOnlyAccess", "policy_type": "System"}

    def call(s: Session, action: str, **params) -> None:
        request = getattr(ram_models, f"{action}Request")(**{name_param: name}, **params)
        getattr(s.ram(), f"{snake(action)}_with_options")(request, RuntimeOptions())

    def attach(s: Session):
        create(s)
        call(s, f"AttachPolicyTo{entity}", **system)

    def detach(s: Session):
        attach(s)
        call(s, f"DetachPolicyFrom{entity}", **system)

    def list_policies(s: Session):
        attach(s)
        s.create_policy()
        s.attach(entity, name)
        call(s, f"ListPoliciesFor{entity}")

    scenario("ram", f"AttachPolicyTo{entity}")(attach)
    scenario("ram", f"DetachPolicyFrom{entity}")(detach)
    scenario("ram", f"ListPoliciesFor{entity}")(list_policies)


_attachment_scenarios("Role", "role_name", "Conformance", Session.create_role)
_attachment_scenarios("User", "user_name", "conformance-user", Session.create_user)
_attachment_scenarios("Group", "group_name", "conformance-group", Session.create_group)


# RAM: users, groups, keys, alias ---------------------------------------------------------------------------------


@scenario("ram", "CreateUser")
def _create_user(s: Session):
    s.create_user()


@scenario("ram", "GetUser")
def _get_user(s: Session):
    s.create_user()
    s.ram().get_user_with_options(ram_models.GetUserRequest(user_name="conformance-user"), RuntimeOptions())
    s.ram().get_user_with_options(ram_models.GetUserRequest(user_name="admin"), RuntimeOptions())


@scenario("ram", "UpdateUser")
def _update_user(s: Session):
    s.create_user()
    s.ram().update_user_with_options(
        ram_models.UpdateUserRequest(user_name="conformance-user", new_display_name="Renamed", new_comments="updated"),
        RuntimeOptions(),
    )


@scenario("ram", "DeleteUser")
def _delete_user(s: Session):
    s.create_user()
    s.ram().delete_user_with_options(ram_models.DeleteUserRequest(user_name="conformance-user"), RuntimeOptions())


@scenario("ram", "ListUsers")
def _list_users(s: Session):
    s.create_user()
    s.ram().list_users_with_options(ram_models.ListUsersRequest(), RuntimeOptions())
    s.ram().list_users_with_options(ram_models.ListUsersRequest(max_items=1), RuntimeOptions())


@scenario("ram", "CreateGroup")
def _create_group(s: Session):
    s.create_group()


@scenario("ram", "GetGroup")
def _get_group(s: Session):
    s.create_group()
    s.ram().get_group_with_options(ram_models.GetGroupRequest(group_name="conformance-group"), RuntimeOptions())


@scenario("ram", "UpdateGroup")
def _update_group(s: Session):
    s.create_group()
    s.ram().update_group_with_options(
        ram_models.UpdateGroupRequest(
            group_name="conformance-group", new_group_name="renamed-group", new_comments="updated"
        ),
        RuntimeOptions(),
    )


@scenario("ram", "DeleteGroup")
def _delete_group(s: Session):
    s.create_group()
    s.ram().delete_group_with_options(ram_models.DeleteGroupRequest(group_name="conformance-group"), RuntimeOptions())


@scenario("ram", "ListGroups")
def _list_groups(s: Session):
    s.create_group("first-group")
    s.create_group("second-group")
    first = s.ram().list_groups_with_options(ram_models.ListGroupsRequest(max_items=1), RuntimeOptions()).body
    assert first.is_truncated is True and first.marker
    s.ram().list_groups_with_options(ram_models.ListGroupsRequest(max_items=1, marker=first.marker), RuntimeOptions())


@scenario("ram", "AddUserToGroup")
def _add_user_to_group(s: Session):
    s.create_user()
    s.create_group()
    s.ram().add_user_to_group_with_options(
        ram_models.AddUserToGroupRequest(user_name="conformance-user", group_name="conformance-group"), RuntimeOptions()
    )


@scenario("ram", "RemoveUserFromGroup")
def _remove_user_from_group(s: Session):
    s.join()
    s.ram().remove_user_from_group_with_options(
        ram_models.RemoveUserFromGroupRequest(user_name="conformance-user", group_name="conformance-group"),
        RuntimeOptions(),
    )


@scenario("ram", "ListGroupsForUser")
def _list_groups_for_user(s: Session):
    s.join()
    s.ram().list_groups_for_user_with_options(
        ram_models.ListGroupsForUserRequest(user_name="conformance-user"), RuntimeOptions()
    )
    s.ram().list_groups_for_user_with_options(ram_models.ListGroupsForUserRequest(user_name="admin"), RuntimeOptions())


@scenario("ram", "ListUsersForGroup")
def _list_users_for_group(s: Session):
    s.join()
    s.ram().add_user_to_group(ram_models.AddUserToGroupRequest(user_name="admin", group_name="conformance-group"))
    first = (
        s.ram()
        .list_users_for_group_with_options(
            ram_models.ListUsersForGroupRequest(group_name="conformance-group", max_items=1), RuntimeOptions()
        )
        .body
    )
    assert first.is_truncated is True and first.marker
    s.ram().list_users_for_group_with_options(
        ram_models.ListUsersForGroupRequest(group_name="conformance-group", max_items=1, marker=first.marker),
        RuntimeOptions(),
    )


@scenario("ram", "CreateLoginProfile")
def _create_login_profile(s: Session):
    s.create_login_profile()


@scenario("ram", "GetLoginProfile")
def _get_login_profile(s: Session):
    s.create_login_profile()
    s.ram().get_login_profile_with_options(
        ram_models.GetLoginProfileRequest(user_name="conformance-user"), RuntimeOptions()
    )


@scenario("ram", "UpdateLoginProfile")
def _update_login_profile(s: Session):
    s.create_login_profile()
    s.ram().update_login_profile_with_options(
        ram_models.UpdateLoginProfileRequest(
            user_name="conformance-user",
            password="Conformance-Pass-2",
            password_reset_required=False,
            mfabind_required=False,
        ),
        RuntimeOptions(),
    )


@scenario("ram", "DeleteLoginProfile")
def _delete_login_profile(s: Session):
    s.create_login_profile()
    s.ram().delete_login_profile_with_options(
        ram_models.DeleteLoginProfileRequest(user_name="conformance-user"), RuntimeOptions()
    )


@scenario("ram", "GetPasswordPolicy")
def _get_password_policy(s: Session):
    s.ram().get_password_policy_with_options(RuntimeOptions())


@scenario("ram", "SetPasswordPolicy")
def _set_password_policy(s: Session):
    s.ram().set_password_policy_with_options(
        ram_models.SetPasswordPolicyRequest(
            minimum_password_length=12,
            require_lowercase_characters=True,
            require_uppercase_characters=True,
            require_numbers=True,
            require_symbols=True,
            hard_expiry=False,
            max_login_attemps=5,
            max_password_age=90,
            password_reuse_prevention=3,
        ),
        RuntimeOptions(),
    )


@scenario("ram", "CreateAccessKey")
def _create_access_key(s: Session):
    s.create_user()
    s.ram().create_access_key_with_options(
        ram_models.CreateAccessKeyRequest(user_name="conformance-user"), RuntimeOptions()
    )


@scenario("ram", "ListAccessKeys")
def _list_access_keys(s: Session):
    s.create_user()
    s.ram().create_access_key(ram_models.CreateAccessKeyRequest(user_name="conformance-user"))
    s.ram().list_access_keys_with_options(
        ram_models.ListAccessKeysRequest(user_name="conformance-user"), RuntimeOptions()
    )
    s.ram().list_access_keys_with_options(ram_models.ListAccessKeysRequest(), RuntimeOptions())


@scenario("ram", "DeleteAccessKey")
def _delete_access_key(s: Session):
    s.create_user()
    key = s.ram().create_access_key(ram_models.CreateAccessKeyRequest(user_name="conformance-user")).body.access_key
    s.ram().delete_access_key_with_options(
        ram_models.DeleteAccessKeyRequest(user_name="conformance-user", user_access_key_id=key.access_key_id),
        RuntimeOptions(),
    )


@scenario("ram", "UpdateAccessKey")
def _update_access_key(s: Session):
    s.create_user()
    key = s.ram().create_access_key(ram_models.CreateAccessKeyRequest(user_name="conformance-user")).body.access_key
    s.ram().update_access_key_with_options(
        ram_models.UpdateAccessKeyRequest(
            user_name="conformance-user", user_access_key_id=key.access_key_id, status="Inactive"
        ),
        RuntimeOptions(),
    )


@scenario("ram", "GetAccountAlias")
def _get_account_alias(s: Session):
    s.ram().get_account_alias_with_options(RuntimeOptions())


# RAM: tags -------------------------------------------------------------------------------------------------------


def _tag_role(s: Session):
    s.create_role()
    s.ram().tag_resources_with_options(
        ram_models.TagResourcesRequest(
            resource_type="role",
            resource_names=["Conformance"],
            tag=[ram_models.TagResourcesRequestTag(key="team", value="mq")],
        ),
        RuntimeOptions(),
    )


@scenario("ram", "TagResources")
def _tag_resources(s: Session):
    _tag_role(s)


@scenario("ram", "UntagResources")
def _untag_resources(s: Session):
    _tag_role(s)
    s.ram().untag_resources_with_options(
        ram_models.UntagResourcesRequest(resource_type="role", resource_names=["Conformance"], tag_keys=["team"]),
        RuntimeOptions(),
    )


@scenario("ram", "ListTagResources")
def _list_tag_resources(s: Session):
    _tag_role(s)
    s.create_role("Second", tag=[ram_models.CreateRoleRequestTag(key="team", value="sec")])
    first = (
        s.ram()
        .list_tag_resources_with_options(
            ram_models.ListTagResourcesRequest(resource_type="role", page_size=1), RuntimeOptions()
        )
        .body
    )
    assert first.next_token
    s.ram().list_tag_resources_with_options(
        ram_models.ListTagResourcesRequest(resource_type="role", page_size=1, next_token=first.next_token),
        RuntimeOptions(),
    )
    s.ram().list_tag_resources_with_options(
        ram_models.ListTagResourcesRequest(
            resource_type="role",
            resource_names=["Conformance"],
            tag=[ram_models.ListTagResourcesRequestTag(key="team")],
        ),
        RuntimeOptions(),
    )


# STS -------------------------------------------------------------------------------------------------------------


@scenario("sts", "AssumeRole")
def _assume_role(s: Session):
    role = s.create_role()
    s.sts().assume_role_with_options(
        sts_models.AssumeRoleRequest(role_arn=role.arn, role_session_name="conformance"), RuntimeOptions()
    )
    s.sts().assume_role_with_options(
        sts_models.AssumeRoleRequest(
            role_arn=role.arn,
            role_session_name="with-source",
            duration_seconds=900,
            source_identity="admin",
            policy=s.cloud.document(s.cloud.allow("rocketmq:GetTopic")),
        ),
        RuntimeOptions(),
    )


@scenario("sts", "GetCallerIdentity")
def _get_caller_identity(s: Session):
    session = s.session_key()
    for key in (s.cloud.A_ROOT, s.cloud.A_ADMIN, session):
        s.sts(key).get_caller_identity_with_options(RuntimeOptions())


# RocketMQ 5.x ----------------------------------------------------------------------------------------------------


@scenario("rocketmq", "ListInstances")
def _list_instances(s: Session):
    s.rocketmq().list_instances_with_options(rmq_models.ListInstancesRequest(), {}, RuntimeOptions())
    s.rocketmq().list_instances_with_options(
        rmq_models.ListInstancesRequest(page_number=1, page_size=1, filter="orders"), {}, RuntimeOptions()
    )


@scenario("rocketmq", "GetInstance")
def _get_instance(s: Session):
    s.rocketmq().get_instance_with_options(INSTANCE_5X, {}, RuntimeOptions())


@scenario("rocketmq", "ListTopics")
def _list_topics(s: Session):
    s.rocketmq().list_topics_with_options(INSTANCE_5X, rmq_models.ListTopicsRequest(), {}, RuntimeOptions())
    s.rocketmq().list_topics_with_options(
        INSTANCE_5X,
        rmq_models.ListTopicsRequest(message_types=["NORMAL"], page_number=2, page_size=1),
        {},
        RuntimeOptions(),
    )


@scenario("rocketmq", "GetTopic")
def _get_topic(s: Session):
    s.rocketmq().get_topic_with_options(INSTANCE_5X, "orders-v5", {}, RuntimeOptions())


@scenario("rocketmq", "CreateTopic")
def _create_topic(s: Session):
    s.rocketmq().create_topic_with_options(
        INSTANCE_5X,
        "conformance",
        rmq_models.CreateTopicRequest(message_type="FIFO", remark="conformance topic", max_send_tps=100),
        {},
        RuntimeOptions(),
    )
    s.rocketmq().get_topic_with_options(INSTANCE_5X, "conformance", {}, RuntimeOptions())


@scenario("rocketmq", "DeleteTopic")
def _delete_topic(s: Session):
    s.rocketmq().create_topic(INSTANCE_5X, "conformance", rmq_models.CreateTopicRequest(message_type="NORMAL"))
    s.rocketmq().delete_topic_with_options(INSTANCE_5X, "conformance", {}, RuntimeOptions())


@scenario("rocketmq", "ListConsumerGroups")
def _list_consumer_groups(s: Session):
    s.rocketmq().list_consumer_groups_with_options(
        INSTANCE_5X, rmq_models.ListConsumerGroupsRequest(), {}, RuntimeOptions()
    )


@scenario("rocketmq", "GetConsumerGroup")
def _get_consumer_group(s: Session):
    s.rocketmq().get_consumer_group_with_options(INSTANCE_5X, "GID_v5_orders", {}, RuntimeOptions())


@scenario("rocketmq", "CreateConsumerGroup")
def _create_consumer_group(s: Session):
    s.rocketmq().create_consumer_group_with_options(
        INSTANCE_5X, "GID_conformance", s.group_request(), {}, RuntimeOptions()
    )
    s.rocketmq().get_consumer_group_with_options(INSTANCE_5X, "GID_conformance", {}, RuntimeOptions())


@scenario("rocketmq", "DeleteConsumerGroup")
def _delete_consumer_group(s: Session):
    s.rocketmq().create_consumer_group(INSTANCE_5X, "GID_conformance", s.group_request())
    s.rocketmq().delete_consumer_group_with_options(INSTANCE_5X, "GID_conformance", {}, RuntimeOptions())


# MQ 4.x HTTP data plane ------------------------------------------------------------------------------------------


def _consume(s: Session, client: Optional[MQClient] = None, wait_seconds: int = 1):
    consumer = (client or s.mq()).get_consumer(INSTANCE_4X, "orders", "GID_orders_consumer")
    return consumer, consumer.consume_message(16, wait_seconds)


@scenario("mq", "PublishMessage")
def _publish_message(s: Session):
    s.publish()


@scenario("mq", "ConsumeMessage")
def _consume_message(s: Session):
    s.publish("first", tag="a")
    s.publish("second", tag="b")
    _consumer, messages = _consume(s)
    assert [m.message_body for m in messages] == ["first", "second"]
    assert messages[0].message_tag == "a" and messages[0].get_message_key() == "order-1"
    assert messages[0].get_property("origin") == "conformance" and messages[0].consumed_times == 1


@scenario("mq", "AckMessage")
def _ack_message(s: Session):
    s.publish()
    consumer, messages = _consume(s)
    consumer.ack_message([m.receipt_handle for m in messages])


# ---------------------------------------------------------------------------------------------------------------
# Checks of the recorded exchanges
# ---------------------------------------------------------------------------------------------------------------


def _header(headers: Dict[str, str], name: str) -> Optional[str]:
    return next((value for key, value in (headers or {}).items() if key.lower() == name), None)


def tea_success_problems(exchange: Exchange) -> List[str]:
    where = f"{exchange.product} {exchange.action}"
    models = MODELS[exchange.product]
    problems = [f"{where}: {p}" for p in check_model(exchange.body, response_body_model(models, exchange.action))]
    request_id_key = "requestId" if exchange.product == "rocketmq" else "RequestId"
    body = exchange.body if isinstance(exchange.body, dict) else {}
    if not body.get(request_id_key):
        problems.append(f"{where}: no {request_id_key} in the body")
    elif _header(exchange.headers, "x-acs-request-id") != body[request_id_key]:
        problems.append(
            f"{where}: x-acs-request-id {_header(exchange.headers, 'x-acs-request-id')} != body {body[request_id_key]}"
        )
    if exchange.status != 200:
        problems.append(f"{where}: status {exchange.status}")
    if exchange.product == "rocketmq" and (body.get("success") is not True or body.get("httpStatusCode") != 200):
        problems.append(
            f"{where}: success envelope says success={body.get('success')!r} httpStatusCode={body.get('httpStatusCode')!r}"
        )
    return problems


def tea_error_problems(exchange: Exchange) -> List[str]:
    """What the Tea client reads from an error, and the error format of the product."""
    error = exchange.error
    where = f"{exchange.product} {exchange.action} error {getattr(error, 'code', None)}"
    data = exchange.body  # as the server sent it (error.data is the same dict plus the SDK's statusCode)
    if not isinstance(data, dict):
        return [f"{where}: error body {data!r} is not a JSON object"]
    problems = []
    if exchange.product == "rocketmq":
        expected_keys = {"code", "message", "requestId"}
        body_model = response_body_model(rmq_models, exchange.action)
        envelope = {k: v for k, v in data.items() if k != "accessDeniedDetail"}
        problems += [f"{where}: {p}" for p in check_model(envelope, body_model, "error")]
        if data.get("success") is not False or data.get("httpStatusCode") != error.status_code:
            problems.append(
                f"{where}: envelope says success={data.get('success')!r} httpStatusCode={data.get('httpStatusCode')!r}"
                f" for HTTP {error.status_code}"
            )
        detail_key = "accessDeniedDetail"
    else:
        expected_keys = RPC_ERROR_KEYS
        unknown = set(data) - RPC_ERROR_KEYS - RPC_ERROR_OPTIONAL
        if unknown:
            problems.append(f"{where}: keys {sorted(unknown)} outside the RPC error format")
        detail_key = "AccessDeniedDetail"
    for key in sorted(expected_keys):
        if not isinstance(data.get(key), str) or not data.get(key):
            problems.append(f"{where}: {key} missing or not a non-empty string: {data.get(key)!r}")
    code_key, id_key = ("code", "requestId") if exchange.product == "rocketmq" else ("Code", "RequestId")
    if error.code != data.get(code_key) or error.request_id != data.get(id_key):
        problems.append(f"{where}: the SDK read code={error.code!r} request_id={error.request_id!r}")
    if (error.message or "").endswith("request id: None") or f"{error.status_code}, None request id" in (
        error.message or ""
    ):
        problems.append(f"{where}: the SDK's message lacks a part: {error.message!r}")
    if not 400 <= (error.status_code or 0) < 600:
        problems.append(f"{where}: status {error.status_code}")
    detail = getattr(error, "access_denied_detail", None)
    if detail is not None or (error.code == "NoPermission" and "not authorized" in (error.message or "")):
        if not isinstance(detail, dict) or not ACCESS_DENIED_DETAIL_KEYS <= set(detail):
            problems.append(f"{where}: {detail_key} {detail!r} lacks {sorted(ACCESS_DENIED_DETAIL_KEYS)}")
    return problems


def _decoder_keys(decoder) -> Tuple[set, set]:
    """(known, required) element names of an mq-http-sdk decoder, read from its source."""
    source = inspect.getsource(decoder)
    read = set(re.findall(r'data_dic\["(\w+)"\]', source))
    optional = set(re.findall(r'"(\w+)" in data_dic', source))
    listed = {
        name
        for group in re.findall(r"key_list = (?:sorted\()?\[([^\]]*)\]", source)
        for name in re.findall(r'"(\w+)"', group)
    }
    return read | optional | listed, (read - optional) | listed


def _xml_records(data: bytes, root: str, record: Optional[str]) -> List[Dict[str, str]]:
    """Children of ``root`` (or of each ``record`` element under it) as ``{name: text}``, as the SDK walks them."""
    top = xml.dom.minidom.parseString(data).documentElement
    assert top.localName == root, f"root element {top.localName}, expected {root}"
    nodes = [n for n in top.childNodes if n.nodeType == n.ELEMENT_NODE]
    groups = (
        [[c for c in n.childNodes if c.nodeType == c.ELEMENT_NODE] for n in nodes if n.localName == record]
        if record
        else [nodes]
    )
    return [
        {c.localName: "".join(t.data for t in c.childNodes if t.nodeType == t.TEXT_NODE) for c in group}
        for group in groups
    ]


def _record_problems(where: str, records: List[Dict[str, str]], decoder) -> List[str]:
    known, required = _decoder_keys(decoder)
    problems = []
    for i, record in enumerate(records):
        problems += [f"{where}[{i}].{k}: not read by {decoder.__qualname__}" for k in sorted(set(record) - known)]
        problems += [
            f"{where}[{i}].{k}: required by {decoder.__qualname__} but missing" for k in sorted(required - set(record))
        ]
    return problems


def mq_problems(exchange: Exchange) -> List[str]:
    where = f"mq {exchange.action} (HTTP {exchange.status})"
    request_id = _header(exchange.headers, "x-mq-request-id")
    problems = [] if request_id else [f"{where}: no x-mq-request-id header"]
    data = exchange.body or b""
    try:
        if exchange.status >= 400:
            errors_list = exchange.action == "AckMessage" and b"<Errors" in data
            decoder = (
                mq_xml_handler.AckMessageDecoder.decodeError if errors_list else mq_xml_handler.ErrorDecoder.decodeError
            )
            code, _message, body_request_id, _host, _sub = decoder(data, request_id)
            if errors_list:
                problems += _record_problems(
                    where, _xml_records(data, "Errors", "Error"), mq_xml_handler.AckMessageDecoder.decodeError
                )
            else:
                problems += _record_problems(
                    where, _xml_records(data, "Error", None), mq_xml_handler.ErrorDecoder.decodeError
                )
                if body_request_id != request_id:
                    problems.append(f"{where}: RequestId {body_request_id} != header {request_id}")
            assert code, "no error code"
        elif exchange.action == "PublishMessage":
            mq_xml_handler.PublishMessageDecoder.decode(data, request_id)
            problems += [] if exchange.status == 201 else [f"{where}: expected 201"]
            problems += _record_problems(
                where, _xml_records(data, "Message", None), mq_xml_handler.PublishMessageDecoder.decode
            )
        elif exchange.action == "ConsumeMessage":
            assert mq_xml_handler.ConsumeMessageDecoder.decode(data, request_id), "no message decoded"
            problems += [] if exchange.status == 200 else [f"{where}: expected 200"]
            problems += _record_problems(
                where, _xml_records(data, "Messages", "Message"), mq_xml_handler.ConsumeMessageDecoder.decode
            )
        else:
            problems += (
                [] if (exchange.status, data) == (204, b"") else [f"{where}: expected an empty 204, got {data!r}"]
            )
    except Exception as exc:  # pylint: disable=broad-exception-caught  # any decoder failure is a finding
        problems.append(f"{where}: the SDK cannot parse {data!r}: {exc!r}")
    return problems


def exchange_problems(exchange: Exchange) -> List[str]:
    if exchange.product == "mq":
        return mq_problems(exchange)
    if exchange.error is not None:
        return tea_error_problems(exchange)
    return tea_success_problems(exchange)


# ---------------------------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------------------------


def test_every_served_action_has_a_scenario():
    assert SERVED_PAIRS, "no handler registered"
    assert set(SCENARIOS) == set(SERVED_PAIRS), (
        f"served without a scenario: {sorted(set(SERVED_PAIRS) - set(SCENARIOS))}; "
        f"scenario for an action not served: {sorted(set(SCENARIOS) - set(SERVED_PAIRS))}"
    )


def test_every_served_action_exists_in_the_vendor_sdk():
    for product, name in SERVED_PAIRS:
        if product == "mq":
            assert hasattr(MQClient, snake(name)), name
        else:
            assert hasattr(CLIENTS[product], f"{snake(name)}_with_options"), (product, name)
            response_body_model(MODELS[product], name)


@pytest.mark.parametrize("product,action", SERVED_PAIRS, ids=[f"{p}:{a}" for p, a in SERVED_PAIRS])
def test_action_answers_match_the_vendor_models(cloud, product, action):
    session = Session(cloud)
    run = SCENARIOS.get((product, action))
    assert run is not None, f"no conformance scenario for {product} {action}"
    run(session)
    target = [e for e in session.log if (e.product, e.action) == (product, action)]
    assert target, f"the scenario never called {product} {action}"
    expected_error = ERROR_ONLY.get((product, action))
    if expected_error:
        assert all(getattr(e.error, "code", None) == expected_error for e in target), target
    else:
        assert any(e.error is None and (e.status or 0) < 400 for e in target), f"no successful {action}: {target}"
    problems = [problem for exchange in session.log for problem in exchange_problems(exchange)]
    assert not problems, "\n".join(problems)


# Errors: each product's format, as the SDK reads it ------------------------------------------------------------


def _ram_errors(s: Session):
    s.error(lambda: s.ram().get_role(ram_models.GetRoleRequest(role_name="missing")))
    s.error(
        lambda: s.ram(s.cloud.B_ALICE).create_role(
            ram_models.CreateRoleRequest(role_name="nope", assume_role_policy_document=s.trust_a())
        )
    )
    s.error(lambda: s.ram().create_role(ram_models.CreateRoleRequest(role_name="no-trust")))
    s.error(lambda: s.ram().get_group(ram_models.GetGroupRequest(group_name="missing")))
    s.error(
        lambda: s.ram().create_login_profile(ram_models.CreateLoginProfileRequest(user_name="admin", password="weak"))
    )
    s.error(lambda: s.ram(s.cloud.Key(s.cloud.A_ADMIN.id, "wrong-secret")).list_roles(ram_models.ListRolesRequest()))
    params = open_api_util_models.Params(
        action="NoSuchAction",
        version="2015-05-01",
        protocol="HTTPS",
        pathname="/",
        method="POST",
        auth_type="AK",
        style="RPC",
        req_body_type="formData",
        body_type="json",
    )
    s.error(lambda: s.ram().call_api(params, open_api_util_models.OpenApiRequest(query={}), RuntimeOptions()))


def _sts_errors(s: Session):
    missing = s.cloud.role_arn(s.cloud.A_UID, "missing")
    s.error(lambda: s.sts().assume_role(sts_models.AssumeRoleRequest(role_arn=missing, role_session_name="x1")))
    s.error(
        lambda: s.sts(s.cloud.A_ROOT).assume_role(
            sts_models.AssumeRoleRequest(role_arn=missing, role_session_name="x1")
        )
    )
    s.error(
        lambda: s.sts(s.cloud.B_ALICE).assume_role(
            sts_models.AssumeRoleRequest(role_arn=missing, role_session_name="x1")
        )
    )
    s.error(lambda: s.sts().assume_role(sts_models.AssumeRoleRequest(role_arn="not-an-arn", role_session_name="x1")))


def _rocketmq_errors(s: Session):
    s.error(lambda: s.rocketmq().get_topic(INSTANCE_5X, "missing"))
    s.error(lambda: s.rocketmq().get_instance("rmq-cn-missing"))
    s.error(lambda: s.rocketmq(s.cloud.B_ALICE).list_instances(rmq_models.ListInstancesRequest()))
    s.error(
        lambda: s.rocketmq().create_topic(
            INSTANCE_5X, "orders-v5", rmq_models.CreateTopicRequest(message_type="NORMAL")
        )
    )
    s.error(lambda: s.rocketmq().create_topic(INSTANCE_5X, "conformance", rmq_models.CreateTopicRequest()))
    s.error(lambda: s.rocketmq().list_topics(INSTANCE_5X, rmq_models.ListTopicsRequest(page_size=1000)))
    s.error(lambda: s.rocketmq(s.cloud.Key(s.cloud.A_ADMIN.id, "wrong-secret")).get_instance(INSTANCE_5X))


def _mq_errors(s: Session):
    s.error(lambda: s.mq().get_producer(INSTANCE_4X, "missing").publish_message(TopicMessage("x", "")))
    s.error(lambda: s.mq(s.cloud.B_ADMIN).get_producer(INSTANCE_4X, "orders").publish_message(TopicMessage("x", "")))
    s.error(lambda: _consume(s, wait_seconds=0))
    s.error(
        lambda: (
            s.mq(s.cloud.Key(s.cloud.A_ADMIN.id, "wrong-secret"))
            .get_producer(INSTANCE_4X, "orders")
            .publish_message(TopicMessage("x", ""))
        )
    )
    s.error(lambda: s.mq().get_consumer(INSTANCE_4X, "orders", "GID_orders_consumer").ack_message(["bogus-handle"]))


ERROR_SCENARIOS = {"ram": _ram_errors, "sts": _sts_errors, "rocketmq": _rocketmq_errors, "mq": _mq_errors}


# "v2": v1 signatures, through the OpenAPI client's do_rpcrequest/do_roarequest, whose error handling is separate
# code from the default do_request (ACS3); mq-http-sdk has one signature only.
ERROR_CASES = [(product, None) for product in sorted(ERROR_SCENARIOS)] + [
    ("ram", "v2"),
    ("sts", "v2"),
    ("rocketmq", "v2"),
]


@pytest.mark.parametrize("product,algorithm", ERROR_CASES, ids=[f"{p}-{a or 'acs3'}" for p, a in ERROR_CASES])
def test_error_bodies_match_the_vendor_format(cloud, product, algorithm):
    assert set(ERROR_SCENARIOS) == set(SERVED), "every product needs its error scenarios"
    session = Session(cloud, **({"signature_algorithm": algorithm} if algorithm else {}))
    ERROR_SCENARIOS[product](session)
    errors = [e for e in session.log if e.product == product and (e.error is not None or (e.status or 0) >= 400)]
    assert errors, f"no error provoked for {product}"
    problems = [problem for exchange in session.log for problem in exchange_problems(exchange)]
    assert not problems, "\n".join(problems)
