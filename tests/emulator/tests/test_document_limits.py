"""Issue 10, through the official SDKs: the session Policy limit of AssumeRole (2,048 characters), the trust-document
limit of CreateRole/UpdateRole (2,048, shared with the collection), wildcard trust principals refused, and the
CreateRole answer without UpdateDate.

The same limits on the collection's side: tests/unit/plugins/module_utils/test_document_limits_args.py.
"""

import json

import pytest
from alibabacloud_ram20150501.client import Client as RamClient


def compact(document: dict) -> str:
    """The form the collection sends (sorted keys, no spaces): what the limits count."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def session_policy(uid: str, length: int) -> str:
    """A valid session policy (RAM reads) of exactly ``length`` characters."""

    def padded(pad):
        return compact(
            {
                "Version": "1",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["ram:Get*", "ram:List*"],
                        "Resource": ["*", f"acs:ram:*:{uid}:role/" + "r" * pad],
                    }
                ],
            }
        )

    text = padded(length - len(padded(0)))
    assert len(text) == length
    return text


def trust_policy(uid: str, length: int) -> str:
    """A valid trust policy (``uid``'s root and one padded user of it) of exactly ``length`` characters."""

    def padded(pad):
        return compact(
            {
                "Version": "1",
                "Statement": [
                    {
                        "Action": "sts:AssumeRole",
                        "Effect": "Allow",
                        "Principal": {"RAM": [f"acs:ram::{uid}:root", f"acs:ram::{uid}:user/u" + "x" * pad]},
                    }
                ],
            }
        )

    text = padded(length - len(padded(0)))
    assert len(text) == length
    return text


@pytest.fixture
def partner_role(cloud):
    """A's role trusting B with RAM read rights; alice of B may assume it."""
    role = cloud.create_role(
        "Partner-Ops", cloud.trust(f"acs:ram::{cloud.B_UID}:root"), policies=["AliyunRAMReadOnlyAccess"]
    )
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    return role


# ---- 1. AssumeRole: Policy 1 to 2,048 characters ---------------------------------------------------------------


def test_a_session_policy_of_2048_characters_is_accepted_and_applies(cloud, partner_role):
    """Was refused as longer than 1,024 (a valid 1,969-character policy failed in the issue)."""
    session = cloud.assume_role(cloud.B_ALICE, partner_role["Arn"], policy=session_policy(cloud.A_UID, 2048))
    roles = cloud.ram(session).list_roles(cloud.ram_models.ListRolesRequest()).body.roles.role
    assert [role.role_name for role in roles] == ["Partner-Ops"]


def test_a_session_policy_of_1969_characters_is_accepted(cloud, partner_role):
    assert cloud.assume_role(
        cloud.B_ALICE, partner_role["Arn"], policy=session_policy(cloud.A_UID, 1969)
    ).id.startswith("STS.")


def test_a_session_policy_of_2049_characters_is_refused_with_the_documented_code(cloud, partner_role):
    error = cloud.error(
        lambda: cloud.assume_role(cloud.B_ALICE, partner_role["Arn"], policy=session_policy(cloud.A_UID, 2049))
    )
    assert (error.code, error.status_code) == ("InvalidParameter.PolicySize", 400)
    assert "2048" in error.message
    assert [d for d in cloud.emu.decisions() if d["action"] == "sts:AssumeRole"] == [], (
        "a parameter error is answered before any authorization"
    )


# ---- 2. CreateRole/UpdateRole: a trust document of at most 2,048 characters --------------------------------------


def test_a_trust_document_of_2048_characters_is_accepted_by_create_and_update_role(cloud):
    ram = cloud.ram(cloud.A_ADMIN)
    document = trust_policy(cloud.B_UID, 2048)
    created = ram.create_role(
        cloud.ram_models.CreateRoleRequest(role_name="Wide", assume_role_policy_document=document)
    ).body.role
    assert created.assume_role_policy_document == document
    updated = ram.update_role(
        cloud.ram_models.UpdateRoleRequest(role_name="Wide", new_assume_role_policy_document=document)
    ).body.role
    assert updated.assume_role_policy_document == document


def test_a_trust_document_of_2049_characters_is_refused_by_create_and_update_role(cloud):
    ram = cloud.ram(cloud.A_ADMIN)
    too_long = trust_policy(cloud.B_UID, 2049)
    error = cloud.error(
        lambda: ram.create_role(
            cloud.ram_models.CreateRoleRequest(role_name="Wide", assume_role_policy_document=too_long)
        )
    )
    assert (error.code, error.status_code) == ("InvalidParameter.AssumeRolePolicyDocument.Length", 400)
    cloud.create_role("Wide", cloud.trust(f"acs:ram::{cloud.B_UID}:root"))
    error = cloud.error(
        lambda: ram.update_role(
            cloud.ram_models.UpdateRoleRequest(role_name="Wide", new_assume_role_policy_document=too_long)
        )
    )
    assert (error.code, error.status_code) == ("InvalidParameter.NewAssumeRolePolicyDocument.Length", 400)
    stored = ram.get_role(cloud.ram_models.GetRoleRequest(role_name="Wide")).body.role
    assert json.loads(stored.assume_role_policy_document)["Statement"][0]["Principal"]["RAM"] == [
        f"acs:ram::{cloud.B_UID}:root"
    ]


# ---- 4. Wildcard RAM principals are refused ---------------------------------------------------------------------

WILDCARDS = ["*", "acs:ram::*:user/*", "acs:ram::2000000000000002:user/*", "acs:ram::2000000000000002:role/ops-?"]


@pytest.mark.parametrize("principal", WILDCARDS)
def test_create_role_refuses_a_wildcard_ram_principal(cloud, principal):
    ram = cloud.ram(cloud.A_ADMIN)
    request = cloud.ram_models.CreateRoleRequest(role_name="Open", assume_role_policy_document=cloud.trust(principal))
    error = cloud.error(lambda: ram.create_role(request))
    assert (error.code, error.status_code) == ("MalformedPolicyDocument", 400)
    assert "Statement[0].Principal.RAM" in error.message and "wildcard" in error.message
    assert ram.list_roles(cloud.ram_models.ListRolesRequest()).body.roles.role == []


@pytest.mark.parametrize("principal", ["*", "acs:ram::2000000000000002:user/*"])
def test_update_role_refuses_a_wildcard_ram_principal_and_keeps_the_trust(cloud, principal):
    cloud.create_role("Closed", cloud.trust(f"acs:ram::{cloud.B_UID}:user/alice"), policies=["AliyunRAMReadOnlyAccess"])
    ram = cloud.ram(cloud.A_ADMIN)
    request = cloud.ram_models.UpdateRoleRequest(
        role_name="Closed", new_assume_role_policy_document=cloud.trust(principal)
    )
    error = cloud.error(lambda: ram.update_role(request))
    assert (error.code, error.status_code) == ("MalformedPolicyDocument", 400)
    # The trust still names alice only: carol of C (and bob of B) cannot get in through a wildcard.
    cloud.grant_assume_role(cloud.C_ADMIN, "carol")
    refused = cloud.error(lambda: cloud.assume_role(cloud.C_CAROL, cloud.role_arn(cloud.A_UID, "Closed")))
    assert (refused.code, refused.status_code) == ("NoPermission", 403)


# ---- 5. CreateRole answers without UpdateDate; GetRole and UpdateRole keep it ------------------------------------


class _RawBodies(RamClient):
    """The RAM SDK client, keeping each JSON body as the server sent it (the SDK model drops unknown keys)."""

    def __init__(self, config):
        super().__init__(config)
        self.bodies = []

    def call_api(self, params, request, runtime):
        result = super().call_api(params, request, runtime)
        self.bodies.append(result.get("body"))
        return result


def test_create_role_answers_the_documented_role_without_update_date(cloud):
    ram = _RawBodies(cloud.config(cloud.A_ADMIN))
    ram.create_role(
        cloud.ram_models.CreateRoleRequest(
            role_name="Dated", assume_role_policy_document=cloud.trust(f"acs:ram::{cloud.B_UID}:root")
        )
    )
    ram.get_role(cloud.ram_models.GetRoleRequest(role_name="Dated"))
    ram.update_role(cloud.ram_models.UpdateRoleRequest(role_name="Dated", new_description="dated"))
    created, fetched, updated = (body["Role"] for body in ram.bodies)
    assert set(created) == {
        "RoleName",
        "RoleId",
        "Arn",
        "AssumeRolePolicyDocument",
        "Description",
        "MaxSessionDuration",
        "CreateDate",
    }
    assert "UpdateDate" in fetched and "UpdateDate" in updated
