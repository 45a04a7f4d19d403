"""The RAM backend's rules, checked directly on the model (the SDK tests cover the wire)."""

import json
import pathlib

import pytest
import yaml

from acs_emulator.errors import ApiError
from acs_emulator.policy_grammar import parse_policy_document
from acs_emulator.services.ram_model import RamBackend
from acs_emulator.services.system_policies import SYSTEM_POLICIES

SEED = pathlib.Path(__file__).resolve().parents[1] / "seed-example.yml"
UID = "1000000000000001"
TRUST_B = json.dumps(
    {
        "Statement": [
            {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"RAM": ["acs:ram::2000000000000002:root"]}}
        ],
        "Version": "1",
    }
)


def permission(*actions: str, resource: str = "*") -> str:
    return json.dumps(
        {"Version": "1", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": resource}]}
    )


@pytest.fixture(name="ram")
def fixture_ram() -> RamBackend:
    return RamBackend(UID, "owner-a")


def error_of(call, *args, **kwargs) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_seed_loads_users_keys_and_system_policy_attachments():
    account = yaml.safe_load(SEED.read_text())["accounts"][1]
    ram = RamBackend(account["uid"])
    ram.seed(account)

    assert ram.alias == "partner-b"
    assert ram.find_access_key("EMUAKBALICE000000002") == {
        "user_name": "alice",
        "user_id": ram.get_user("alice")["UserId"],
        "secret": "emu-b-alice-secret-000000000002",
        "status": "Active",
    }
    assert ram.find_access_key("EMUAKBROOT0000000002") is None, "root keys belong to the account, not to RAM"
    assert ram.policy_documents_for_user("admin") == [
        ("AdministratorAccess", json.loads(SYSTEM_POLICIES["AdministratorAccess"]["PolicyDocument"]))
    ]
    assert ram.policy_documents_for_user("alice") == []


def test_seed_with_custom_policies_and_roles():
    ram = RamBackend(UID)
    ram.seed(
        {
            "alias": "owner-a",
            "policies": [
                {
                    "name": "orders-pub",
                    "document": {
                        "Version": "1",
                        "Statement": [
                            {"Effect": "Allow", "Action": "mq:PUB", "Resource": "acs:mq:*:*:MQ_INST_1%orders"}
                        ],
                    },
                }
            ],
            "roles": [
                {
                    "name": "PartnerOps",
                    "trust": json.loads(TRUST_B),
                    "max_session_duration": 7200,
                    "policies": ["orders-pub", "AliyunMQReadOnlyAccess"],
                }
            ],
        }
    )

    role = ram.get_role("partnerops")
    assert role["RoleName"] == "PartnerOps" and role["MaxSessionDuration"] == 7200
    assert json.loads(role["AssumeRolePolicyDocument"]) == json.loads(TRUST_B)
    assert [name for name, _doc in ram.policy_documents_for_role("PartnerOps")] == [
        "orders-pub",
        "AliyunMQReadOnlyAccess",
    ]


def test_role_names_are_unique_case_insensitively_and_keep_their_case(ram):
    created = ram.create_role("Partner-Ops.v1", TRUST_B, "partner operators", 3600)

    assert created["Arn"] == f"acs:ram::{UID}:role/Partner-Ops.v1"
    assert len(created["RoleId"]) == 19 and created["RoleId"].isdigit()
    assert ram.get_role("PARTNER-OPS.V1")["RoleName"] == "Partner-Ops.v1"
    clash = error_of(ram.create_role, "partner-ops.V1", TRUST_B)
    assert (clash.status, clash.code) == (409, "EntityAlreadyExists.Role")


@pytest.mark.parametrize(
    "name, trust, duration, code",
    [
        ("x" * 65, TRUST_B, 3600, "InvalidParameter.RoleName.Length"),
        ("bad_name", TRUST_B, 3600, "InvalidParameter.RoleName.InvalidChars"),
        ("ok", TRUST_B, 3599, "InvalidParameter.MaxSessionDuration"),
        ("ok", TRUST_B, 43201, "InvalidParameter.MaxSessionDuration"),
        ("ok", "{not json", 3600, "MalformedPolicyDocument"),
        ("ok", permission("sts:AssumeRole"), 3600, "MalformedPolicyDocument"),
        ("ok", TRUST_B.replace("sts:AssumeRole", "ram:*"), 3600, "MalformedPolicyDocument"),
        ("ok", TRUST_B + " " * 2048, 3600, "InvalidParameter.AssumeRolePolicyDocument.Length"),
    ],
)
def test_create_role_validation(ram, name, trust, duration, code):
    error = error_of(ram.create_role, name, trust, None, duration)
    assert (error.status, error.code) == (400, code)
    assert ram.get_role(name) is None


@pytest.mark.parametrize(
    "document, detail",
    [
        ({"Version": "2", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}, "Version"),
        ({"Version": "1", "Statement": []}, "Statement"),
        ({"Version": "1", "Statement": [{"Action": "*", "Resource": "*"}]}, "Effect"),
        ({"Version": "1", "Statement": [{"Effect": "Allow", "Resource": "*"}]}, "Action"),
        ({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "mq PUB", "Resource": "*"}]}, "Action"),
        ({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*"}]}, "Resource"),
        (
            {
                "Version": "1",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Principal": {"RAM": "*"}}],
            },
            "Principal",
        ),
        (
            {
                "Version": "1",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"IpAddress": "x"}}],
            },
            "Condition",
        ),
    ],
)
def test_permission_document_grammar(document, detail):
    error = error_of(parse_policy_document, json.dumps(document))
    assert error.code == "MalformedPolicyDocument" and detail in error.message


def test_permission_document_size_limit():
    padded = permission("mq:PUB", resource="acs:mq:*:*:" + "t" * 6144)
    assert error_of(parse_policy_document, padded).code == "InvalidParameter.PolicyDocument.Length"


def test_five_versions_then_limit_or_rotation(ram):
    ram.create_policy("orders", permission("mq:PUB"))
    for _version in range(4):
        ram.create_policy_version("orders", permission("mq:SUB"))

    limit = error_of(ram.create_policy_version, "orders", permission("mq:*"))
    assert (limit.status, limit.code) == (409, "LimitExceeded.Policy.Version")

    rotated = ram.create_policy_version(
        "orders",
        permission("mq:*"),
        set_as_default=True,
        rotate_strategy="DeleteOldestNonDefaultVersionWhenLimitExceeded",
    )
    versions = ram.list_policy_versions("orders", "Custom")
    assert rotated["VersionId"] == "v6" and rotated["IsDefaultVersion"] is True
    assert [v["VersionId"] for v in versions] == ["v1", "v3", "v4", "v5", "v6"], (
        "v1 was the default, v2 the oldest other"
    )
    assert [v["VersionId"] for v in versions if v["IsDefaultVersion"]] == ["v6"]


def test_rotation_keeps_the_default_version(ram):
    ram.create_policy("orders", permission("mq:PUB"))
    for _version in range(4):
        ram.create_policy_version("orders", permission("mq:SUB"))
    ram.set_default_policy_version("orders", "v2")
    ram.create_policy_version(
        "orders", permission("mq:*"), rotate_strategy="DeleteOldestNonDefaultVersionWhenLimitExceeded"
    )

    assert [v["VersionId"] for v in ram.list_policy_versions("orders", "Custom")] == ["v2", "v3", "v4", "v5", "v6"]
    assert ram.get_policy("orders", "Custom")[1]["VersionId"] == "v2"


def test_default_version_cannot_be_deleted_and_ids_are_not_reused(ram):
    ram.create_policy("orders", permission("mq:PUB"))
    ram.create_policy_version("orders", permission("mq:SUB"))

    error = error_of(ram.delete_policy_version, "orders", "v1")
    assert (error.status, error.code) == (409, "DeleteConflict.Policy.Version.Default")
    ram.delete_policy_version("orders", "v2")
    assert ram.create_policy_version("orders", permission("mq:SUB"))["VersionId"] == "v3"
    assert error_of(ram.get_policy_version, "orders", "Custom", "v2").code == "EntityNotExist.Policy.Version"


def test_get_policy_reads_the_live_default_document(ram):
    ram.create_policy("orders", permission("mq:PUB"), "publish orders")
    ram.create_policy_version("orders", permission("mq:SUB"), set_as_default=True)

    policy, default = ram.get_policy("orders", "Custom")
    assert policy["DefaultVersion"] == "v2" and policy["AttachmentCount"] == 0
    assert default == {
        "VersionId": "v2",
        "PolicyDocument": permission("mq:SUB"),
        "IsDefaultVersion": True,
        "CreateDate": default["CreateDate"],
    }


def test_delete_conflicts_until_everything_is_detached(ram):
    ram.create_role("ops", TRUST_B)
    ram.create_policy("orders", permission("mq:PUB"))
    ram.create_policy_version("orders", permission("mq:SUB"))
    ram.attach_policy("role", "OPS", "orders", "Custom")

    assert ram.get_policy("orders", "Custom")[0]["AttachmentCount"] == 1
    assert error_of(ram.delete_role, "ops").code == "DeleteConflict.Role.Policy"
    assert error_of(ram.delete_policy, "orders").code == "DeleteConflict.Policy.Role"

    ram.detach_policy("role", "ops", "orders", "Custom")
    version_conflict = error_of(ram.delete_policy, "orders")
    assert (version_conflict.status, version_conflict.code) == (409, "DeleteConflict.Policy.Version")
    ram.delete_policy("orders", cascading=True)
    ram.delete_role("ops")
    assert ram.get_role("ops") is None and ram.list_policies("Custom") == []


def test_attachment_errors(ram):
    ram.create_user("alice")
    ram.attach_policy("user", "alice", "AliyunSTSAssumeRoleAccess", "System")

    again = error_of(ram.attach_policy, "user", "ALICE", "AliyunSTSAssumeRoleAccess", "System")
    assert (again.status, again.code) == (409, "EntityAlreadyExists.User.Policy")
    assert (
        error_of(ram.attach_policy, "user", "alice", "AliyunSTSAssumeRoleAccess", "Custom").code
        == "EntityNotExist.Policy"
    )
    assert error_of(ram.attach_policy, "user", "alice", "NoSuchPolicy", "System").code == "EntityNotExist.Policy"
    assert error_of(ram.attach_policy, "role", "nobody", "AdministratorAccess", "System").code == "EntityNotExist.Role"
    assert (
        error_of(ram.attach_policy, "user", "alice", "AdministratorAccess", "system").code
        == "InvalidParameter.PolicyType"
    )
    missing = error_of(ram.detach_policy, "user", "alice", "AdministratorAccess", "System")
    assert (missing.status, missing.code) == (404, "EntityNotExist.User.Policy")
    assert ram.entities_for_policy("AliyunSTSAssumeRoleAccess", "System")["Users"][0]["UserName"] == "alice"


def test_system_policies_are_shared_and_read_only(ram):
    policy, default = ram.get_policy("AliyunMQReadOnlyAccess", "System")
    assert policy["PolicyType"] == "System" and default["VersionId"] == policy["DefaultVersion"] == "v6"
    assert "rocketmq:List*" in json.loads(default["PolicyDocument"])["Statement"][0]["Action"]
    assert error_of(ram.delete_policy, "AdministratorAccess").code == "EntityNotExist.Policy"
    assert error_of(ram.create_policy_version, "AdministratorAccess", permission("*")).code == "EntityNotExist.Policy"
    assert error_of(ram.create_policy, "AdministratorAccess", permission("*")).code == "EntityAlreadyExists.Policy"


def test_users_and_access_keys(ram):
    ram.create_user("bob", "Bob")
    first = ram.create_access_key("BOB")
    ram.create_access_key("bob")

    assert first["AccessKeyId"].startswith("LTAI") and len(first["AccessKeySecret"]) == 30
    assert "AccessKeySecret" not in ram.list_access_keys("bob")[0]
    assert error_of(ram.create_access_key, "bob").code == "LimitExceeded.User.AccessKey"
    assert error_of(ram.delete_user, "bob").code == "DeleteConflict.User.AccessKey"
    ram.update_user("bob", "robert", DisplayName="Robert")
    assert ram.get_user("bob") is None and ram.get_user("Robert")["DisplayName"] == "Robert"
    assert ram.find_access_key(first["AccessKeyId"])["user_name"] == "robert"
    for key in ram.list_access_keys("robert"):
        ram.delete_access_key("robert", key["AccessKeyId"])
    assert error_of(ram.delete_access_key, "robert", first["AccessKeyId"]).code == "EntityNotExist.User.AccessKey"
    ram.delete_user("robert")
    assert ram.list_users() == []


def test_tags_on_roles_and_policies(ram):
    ram.create_role("ops", TRUST_B, tags={"team": "mq"})
    ram.create_role("audit", TRUST_B)
    ram.create_policy("orders", permission("mq:PUB"))
    ram.tag_resources("role", ["audit"], {"team": "sec", "env": "prod"})
    ram.tag_resources("policy", ["orders"], {"env": "prod"})

    assert [r["RoleName"] for r in ram.list_roles({"team": "sec"})] == ["audit"]
    assert [r["RoleName"] for r in ram.list_roles({"team": None})] == ["ops", "audit"]
    assert ram.list_tag_resources("policy") == [
        {"ResourceName": "orders", "ResourceType": "policy", "TagKey": "env", "TagValue": "prod"}
    ]
    ram.untag_resources("role", ["audit"], ["team"])
    assert ram.list_tag_resources("role", ["audit"]) == [
        {"ResourceName": "audit", "ResourceType": "role", "TagKey": "env", "TagValue": "prod"}
    ]
    assert error_of(ram.tag_resources, "policy", ["AdministratorAccess"], {"a": "b"}).code == "EntityNotExist.Policy"
    assert error_of(ram.tag_resources, "role", ["ops"], {"acs:x": "y"}).code == "InvalidParameter.Tag.Key"


def test_change_stamps_move_forward_on_every_permission_change(ram):
    ram.create_role("ops", TRUST_B)
    ram.create_policy("orders", permission("mq:PUB"))
    stamps = [ram.change_stamp_for_role("ops")]
    ram.attach_policy("role", "ops", "orders", "Custom")
    stamps.append(ram.change_stamp_for_role("ops"))
    ram.create_policy_version("orders", permission("mq:SUB"), set_as_default=True)
    stamps.append(ram.change_stamp_for_role("ops"))
    ram.update_role("ops", description="updated")
    stamps.append(ram.change_stamp_for_role("ops"))
    ram.detach_policy("role", "ops", "orders", "Custom")
    stamps.append(ram.change_stamp_for_role("ops"))
    ram.delete_role("ops")
    stamps.append(ram.change_stamp_for_role("ops"))

    assert stamps == sorted(set(stamps)), "each change must move the stamp strictly forward"


def test_state_round_trips_through_json(ram):
    ram.create_role("ops", TRUST_B, "desc", 7200, {"team": "mq"})
    ram.create_policy("orders", permission("mq:PUB"))
    ram.create_policy_version("orders", permission("mq:SUB"))
    ram.attach_policy("role", "ops", "orders", "Custom")
    ram.create_user("bob")
    key = ram.create_access_key("bob")

    restored = RamBackend.from_dict(UID, json.loads(json.dumps(ram.to_dict())))
    assert restored.alias == "owner-a"
    assert restored.get_role("ops") == ram.get_role("ops")
    assert restored.list_policy_versions("orders", "Custom") == ram.list_policy_versions("orders", "Custom")
    assert restored.policies_for("role", "ops") == ram.policies_for("role", "ops")
    assert restored.find_access_key(key["AccessKeyId"])["secret"] == key["AccessKeySecret"]
    assert restored.change_stamp_for_role("ops") == ram.change_stamp_for_role("ops")
