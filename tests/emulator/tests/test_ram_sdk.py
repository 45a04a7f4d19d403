"""RAM over HTTP through the official SDKs: alibabacloud-ram20150501 (ACS3 and v2 signatures) and the older
aliyun-python-sdk-ram. A wrong response shape is silently dropped by the SDK, so every test reads fields back.

Fixtures (``cloud``: the seeded emulator, reset before each test, and its keys) come from conftest.py."""

import dataclasses
import json

import pytest
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkram.request.v20150501 import CreateRoleRequest, GetRoleRequest, ListRolesRequest

A_UID, B_UID = "1000000000000001", "2000000000000002"
TRUST_B = json.dumps(
    {
        "Statement": [
            {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"RAM": [f"acs:ram::{B_UID}:root"]}}
        ],
        "Version": "1",
    }
)


def permission(*actions: str, resource: str = "*") -> str:
    return json.dumps(
        {"Version": "1", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": resource}]}
    )


def client(cloud, key=None, algorithm=None) -> RamClient:
    """A RAM client of ``key`` (default: account A's admin) signing with ACS3, or HMAC-SHA1 when algorithm="v2"."""
    extra = {"signature_algorithm": algorithm} if algorithm else {}
    return cloud.ram(key or cloud.A_ADMIN, **extra)


def api_error(call, *args) -> AlibabaCloudException:
    with pytest.raises(AlibabaCloudException) as caught:
        call(*args)
    return caught.value


def create_role(ram: RamClient, name: str, **extra):
    request = ram_models.CreateRoleRequest(role_name=name, assume_role_policy_document=TRUST_B, **extra)
    return ram.create_role(request).body.role


@pytest.mark.parametrize("algorithm", [None, "v2"], ids=["ACS3", "v2"])
def test_role_lifecycle(cloud, algorithm):
    ram = client(cloud, algorithm=algorithm)
    created = create_role(ram, "PartnerOps", description="partner operators", max_session_duration=7200)
    assert created.arn == f"acs:ram::{A_UID}:role/PartnerOps"
    assert len(created.role_id) == 19 and created.create_date.endswith("Z")
    assert created.assume_role_policy_document == TRUST_B, "documents come back exactly as stored"

    fetched = ram.get_role(ram_models.GetRoleRequest(role_name="partnerops")).body.role
    assert (fetched.role_name, fetched.max_session_duration, fetched.description) == (
        "PartnerOps",
        7200,
        "partner operators",
    )
    assert fetched.update_date is not None

    updated = ram.update_role(
        ram_models.UpdateRoleRequest(role_name="PartnerOps", new_max_session_duration=3600, new_description="ops")
    ).body.role
    assert (updated.max_session_duration, updated.description, updated.role_id) == (3600, "ops", created.role_id)

    listed = ram.list_roles(ram_models.ListRolesRequest()).body
    assert [role.role_name for role in listed.roles.role] == ["PartnerOps"] and listed.is_truncated is False

    ram.delete_role(ram_models.DeleteRoleRequest(role_name="PARTNEROPS"))
    gone = api_error(ram.get_role, ram_models.GetRoleRequest(role_name="PartnerOps"))
    assert (gone.code, gone.status_code) == ("EntityNotExist.Role", 404)


@pytest.mark.parametrize("algorithm", [None, "v2"], ids=["ACS3", "v2"])
def test_policy_versions(cloud, algorithm):
    ram = client(cloud, algorithm=algorithm)
    policy = ram.create_policy(
        ram_models.CreatePolicyRequest(
            policy_name="orders-pub", policy_document=permission("mq:PUB"), description="publish"
        )
    ).body.policy
    assert (policy.policy_type, policy.default_version, policy.description) == ("Custom", "v1", "publish")
    described = ram.update_policy_description(
        ram_models.UpdatePolicyDescriptionRequest(policy_name="orders-pub", new_description="publish orders")
    ).body.policy
    assert (described.description, described.default_version) == ("publish orders", "v1") and described.update_date

    version = ram.create_policy_version(
        ram_models.CreatePolicyVersionRequest(
            policy_name="orders-pub", policy_document=permission("mq:PUB", "mq:SUB"), set_as_default=True
        )
    ).body.policy_version
    assert (version.version_id, version.is_default_version) == ("v2", True)

    body = ram.get_policy(ram_models.GetPolicyRequest(policy_name="orders-pub", policy_type="Custom")).body
    assert (body.policy.default_version, body.policy.attachment_count) == ("v2", 0)
    assert body.default_policy_version.policy_document == permission("mq:PUB", "mq:SUB")

    versions = ram.list_policy_versions(
        ram_models.ListPolicyVersionsRequest(policy_name="orders-pub", policy_type="Custom")
    )
    assert [(v.version_id, v.is_default_version) for v in versions.body.policy_versions.policy_version] == [
        ("v1", False),
        ("v2", True),
    ]

    ram.set_default_policy_version(ram_models.SetDefaultPolicyVersionRequest(policy_name="orders-pub", version_id="v1"))
    first = ram.get_policy_version(
        ram_models.GetPolicyVersionRequest(policy_name="orders-pub", policy_type="Custom", version_id="v1")
    ).body.policy_version
    assert first.is_default_version is True and first.policy_document == permission("mq:PUB")
    ram.delete_policy_version(ram_models.DeletePolicyVersionRequest(policy_name="orders-pub", version_id="v2"))
    ram.delete_policy(ram_models.DeletePolicyRequest(policy_name="orders-pub"))
    assert (
        api_error(ram.get_policy, ram_models.GetPolicyRequest(policy_name="orders-pub", policy_type="Custom")).code
        == "EntityNotExist.Policy"
    )


def test_version_limit_and_rotation(cloud):
    ram = client(cloud)
    ram.create_policy(ram_models.CreatePolicyRequest(policy_name="orders", policy_document=permission("mq:PUB")))
    for _version in range(4):
        ram.create_policy_version(
            ram_models.CreatePolicyVersionRequest(policy_name="orders", policy_document=permission("mq:SUB"))
        )

    limit = api_error(
        ram.create_policy_version,
        ram_models.CreatePolicyVersionRequest(
            policy_name="orders", policy_document=permission("mq:SUB"), rotate_strategy="None"
        ),
    )
    assert (limit.code, limit.status_code) == ("LimitExceeded.Policy.Version", 409)
    rotated = ram.create_policy_version(
        ram_models.CreatePolicyVersionRequest(
            policy_name="orders",
            policy_document=permission("mq:SUB"),
            rotate_strategy="DeleteOldestNonDefaultVersionWhenLimitExceeded",
        )
    ).body.policy_version
    versions = ram.list_policy_versions(
        ram_models.ListPolicyVersionsRequest(policy_name="orders", policy_type="Custom")
    )
    assert rotated.version_id == "v6"
    assert [v.version_id for v in versions.body.policy_versions.policy_version] == ["v1", "v3", "v4", "v5", "v6"]


def test_attachments_entities_and_delete_conflicts(cloud):
    ram = client(cloud)
    create_role(ram, "PartnerOps")
    ram.create_policy(ram_models.CreatePolicyRequest(policy_name="orders", policy_document=permission("mq:PUB")))
    for policy_name, policy_type in (("orders", "Custom"), ("AliyunMQReadOnlyAccess", "System")):
        ram.attach_policy_to_role(
            ram_models.AttachPolicyToRoleRequest(
                role_name="partnerops", policy_name=policy_name, policy_type=policy_type
            )
        )

    attached = ram.list_policies_for_role(
        ram_models.ListPoliciesForRoleRequest(role_name="PartnerOps")
    ).body.policies.policy
    assert [(p.policy_name, p.policy_type, p.default_version) for p in attached] == [
        ("orders", "Custom", "v1"),
        ("AliyunMQReadOnlyAccess", "System", "v6"),
    ]
    assert all(p.attach_date for p in attached)
    entities = ram.list_entities_for_policy(
        ram_models.ListEntitiesForPolicyRequest(policy_name="orders", policy_type="Custom")
    ).body
    assert [(r.role_name, r.arn) for r in entities.roles.role] == [("PartnerOps", f"acs:ram::{A_UID}:role/PartnerOps")]
    assert entities.users.user == [] and entities.groups.group == []

    twice = api_error(
        ram.attach_policy_to_role,
        ram_models.AttachPolicyToRoleRequest(role_name="PartnerOps", policy_name="orders", policy_type="Custom"),
    )
    assert (twice.code, twice.status_code) == ("EntityAlreadyExists.Role.Policy", 409)
    conflict = api_error(ram.delete_role, ram_models.DeleteRoleRequest(role_name="PartnerOps"))
    assert (conflict.code, conflict.status_code) == ("DeleteConflict.Role.Policy", 409)
    assert (
        api_error(ram.delete_policy, ram_models.DeletePolicyRequest(policy_name="orders")).code
        == "DeleteConflict.Policy.Role"
    )

    ram.detach_policy_from_role(
        ram_models.DetachPolicyFromRoleRequest(role_name="PartnerOps", policy_name="orders", policy_type="Custom")
    )
    ram.detach_policy_from_role(
        ram_models.DetachPolicyFromRoleRequest(
            role_name="PartnerOps", policy_name="AliyunMQReadOnlyAccess", policy_type="System"
        )
    )
    ram.delete_role(ram_models.DeleteRoleRequest(role_name="PartnerOps"))


def test_users_keys_and_user_policies(cloud):
    ram = client(cloud)
    user = ram.create_user(ram_models.CreateUserRequest(user_name="bob", display_name="Bob")).body.user
    assert user.user_name == "bob" and len(user.user_id) == 16
    key = ram.create_access_key(ram_models.CreateAccessKeyRequest(user_name="bob")).body.access_key
    assert key.access_key_secret and key.status == "Active"

    bob = client(cloud, key=dataclasses.replace(cloud.A_ADMIN, id=key.access_key_id, secret=key.access_key_secret))
    denied = api_error(bob.get_account_alias)
    assert (denied.code, denied.status_code) == ("NoPermission", 403), (
        "the new key authenticates; bob has no policy yet"
    )
    ram.attach_policy_to_user(
        ram_models.AttachPolicyToUserRequest(
            user_name="bob", policy_name="AliyunRAMReadOnlyAccess", policy_type="System"
        )
    )
    assert bob.get_account_alias().body.account_alias == "owner-a"
    policies = ram.list_policies_for_user(ram_models.ListPoliciesForUserRequest(user_name="bob")).body.policies.policy
    assert [p.policy_name for p in policies] == ["AliyunRAMReadOnlyAccess"]

    updated = ram.update_user(ram_models.UpdateUserRequest(user_name="bob", new_display_name="Robert")).body.user
    assert updated.display_name == "Robert"
    assert ram.get_user(ram_models.GetUserRequest(user_name="BOB")).body.user.user_id == user.user_id
    assert ram.list_groups_for_user(ram_models.ListGroupsForUserRequest(user_name="bob")).body.groups.group == []
    keys = ram.list_access_keys(ram_models.ListAccessKeysRequest(user_name="bob")).body.access_keys.access_key
    assert [k.access_key_id for k in keys] == [key.access_key_id]
    assert (
        api_error(ram.delete_user, ram_models.DeleteUserRequest(user_name="bob")).code == "DeleteConflict.User.Policy"
    )
    ram.detach_policy_from_user(
        ram_models.DetachPolicyFromUserRequest(
            user_name="bob", policy_name="AliyunRAMReadOnlyAccess", policy_type="System"
        )
    )
    ram.delete_access_key(ram_models.DeleteAccessKeyRequest(user_name="bob", user_access_key_id=key.access_key_id))
    ram.delete_user(ram_models.DeleteUserRequest(user_name="bob"))
    users = ram.list_users(ram_models.ListUsersRequest()).body.users.user
    assert [u.user_name for u in users] == ["admin"]


def test_paging_with_marker(cloud):
    ram = client(cloud)
    for index in range(5):
        create_role(ram, f"role-{index}")

    names, marker, pages = [], None, 0
    while True:
        body = ram.list_roles(ram_models.ListRolesRequest(max_items=2, marker=marker)).body
        names += [role.role_name for role in body.roles.role]
        pages += 1
        if not body.is_truncated:
            assert body.marker is None
            break
        marker = body.marker
    assert (names, pages) == ([f"role-{index}" for index in range(5)], 3)

    bad = api_error(ram.list_roles, ram_models.ListRolesRequest(marker="not-a-marker"))
    assert (bad.code, bad.status_code) == ("InvalidParameter.Marker", 400)
    assert api_error(ram.list_roles, ram_models.ListRolesRequest(max_items=1001)).code == "InvalidParameter.MaxItems"


def test_tags(cloud):
    ram = client(cloud)
    create_role(ram, "PartnerOps", tag=[ram_models.CreateRoleRequestTag(key="team", value="mq")])
    create_role(ram, "Audit")
    ram.tag_resources(
        ram_models.TagResourcesRequest(
            resource_type="role",
            resource_names=["Audit"],
            tag=[ram_models.TagResourcesRequestTag(key="team", value="sec")],
        )
    )

    rows = ram.list_tag_resources(ram_models.ListTagResourcesRequest(resource_type="role")).body.tag_resources
    assert [(r.resource_name, r.resource_type, r.tag_key, r.tag_value) for r in rows] == [
        ("PartnerOps", "role", "team", "mq"),
        ("Audit", "role", "team", "sec"),
    ]
    filtered = ram.list_roles(
        ram_models.ListRolesRequest(tag=[ram_models.ListRolesRequestTag(key="team", value="sec")])
    ).body
    assert [(role.role_name, role.tags.tag[0].tag_value) for role in filtered.roles.role] == [("Audit", "sec")]

    ram.untag_resources(
        ram_models.UntagResourcesRequest(resource_type="role", resource_names=["PartnerOps", "Audit"], all=True)
    )
    assert ram.list_tag_resources(ram_models.ListTagResourcesRequest(resource_type="role")).body.tag_resources == []


@pytest.mark.parametrize(
    "request_, code",
    [
        (ram_models.CreateRoleRequest(role_name="ops"), "MissingParameter.AssumeRolePolicyDocument"),
        (
            ram_models.CreateRoleRequest(role_name="bad_name", assume_role_policy_document=TRUST_B),
            "InvalidParameter.RoleName.InvalidChars",
        ),
        (
            ram_models.CreateRoleRequest(
                role_name="ops", assume_role_policy_document=TRUST_B, max_session_duration=900
            ),
            "InvalidParameter.MaxSessionDuration",
        ),
        (ram_models.CreateRoleRequest(role_name="ops", assume_role_policy_document="{"), "MalformedPolicyDocument"),
    ],
)
def test_create_role_rejections(cloud, request_, code):
    error = api_error(client(cloud).create_role, request_)
    assert (error.code, error.status_code) == (code, 400)
    assert error.request_id and error.message


def test_system_policies_are_visible_to_every_account(cloud):
    for key in (cloud.A_ADMIN, cloud.B_ADMIN):
        request = ram_models.GetPolicyRequest(policy_name="AliyunSTSAssumeRoleAccess", policy_type="System")
        body = client(cloud, key=key).get_policy(request).body
        assert json.loads(body.default_policy_version.policy_document)["Statement"] == [
            {"Action": "sts:AssumeRole", "Effect": "Allow", "Resource": "*"}
        ]
    system = client(cloud).list_policies(ram_models.ListPoliciesRequest(policy_type="System")).body.policies.policy
    assert {"AdministratorAccess", "AliyunMQFullAccess", "AliyunMQPubOnlyAccess", "AliyunMQSubOnlyAccess"} <= {
        p.policy_name for p in system
    }


def test_user_without_policies_is_refused(cloud):
    error = api_error(
        client(cloud, key=cloud.B_ALICE).create_role,
        ram_models.CreateRoleRequest(role_name="sneaky", assume_role_policy_document=TRUST_B),
    )
    assert (error.code, error.status_code) == ("NoPermission", 403)
    assert client(cloud, key=cloud.B_ADMIN).list_roles(ram_models.ListRolesRequest()).body.roles.role == []


def test_accounts_are_separate_namespaces(cloud):
    create_role(client(cloud, key=cloud.A_ROOT), "PartnerOps")
    b_admin = client(cloud, key=cloud.B_ADMIN)

    for call, request in (
        (b_admin.get_role, ram_models.GetRoleRequest(role_name="PartnerOps")),
        (b_admin.delete_role, ram_models.DeleteRoleRequest(role_name="PartnerOps")),
    ):
        assert api_error(call, request).code == "EntityNotExist.Role"
    own = create_role(b_admin, "PartnerOps")
    assert own.arn == f"acs:ram::{B_UID}:role/PartnerOps"
    assert (
        client(cloud)
        .get_role(ram_models.GetRoleRequest(role_name="PartnerOps"))
        .body.role.arn.startswith(f"acs:ram::{A_UID}:")
    )


def old_sdk_call(cloud, request) -> dict:
    """One call through aliyun-python-sdk-core as account A's admin."""
    request.set_endpoint(cloud.emu.endpoint)
    request.set_protocol_type("http")
    return json.loads(
        AcsClient(cloud.A_ADMIN.id, cloud.A_ADMIN.secret, "cn-hangzhou").do_action_with_exception(request)
    )


def test_older_sdk(cloud):
    create = CreateRoleRequest.CreateRoleRequest()
    create.set_RoleName("LegacyOps")
    create.set_AssumeRolePolicyDocument(TRUST_B)
    create.set_Description("made by aliyun-python-sdk-ram")
    assert old_sdk_call(cloud, create)["Role"]["Arn"] == f"acs:ram::{A_UID}:role/LegacyOps"

    listing = ListRolesRequest.ListRolesRequest()
    listing.set_MaxItems(1)
    body = old_sdk_call(cloud, listing)
    assert body["IsTruncated"] is False and body["Roles"]["Role"][0]["RoleName"] == "LegacyOps"

    missing = GetRoleRequest.GetRoleRequest()
    missing.set_RoleName("nobody")
    with pytest.raises(ServerException) as caught:
        old_sdk_call(cloud, missing)
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == ("EntityNotExist.Role", 404)
