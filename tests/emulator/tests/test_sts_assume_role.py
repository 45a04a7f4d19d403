"""AssumeRole: the caller's own account must grant sts:AssumeRole, the role's trust must admit the caller with
its conditions, and the parameters must be valid."""

import datetime
import json
import time

import pytest

from acs_emulator.testing import running_emulator


def refused(cloud, caller, role_arn, **params):
    return cloud.error(lambda: cloud.assume_role(caller, role_arn, **params))


def check_admission(cloud, role, admitted, **params):
    """alice of B asks for ``role``: it must succeed exactly when ``admitted``."""
    if admitted:
        assert cloud.assume_role(cloud.B_ALICE, role["Arn"], **params).id.startswith("STS.")
    else:
        assert refused(cloud, cloud.B_ALICE, role["Arn"], **params).code == "NoPermission"


@pytest.fixture
def trusting_b(cloud):
    """Role of A trusting B's account root; alice of B has the AssumeRole grant."""
    role = cloud.create_role("Partner-Ops", cloud.trust(f"acs:ram::{cloud.B_UID}:root"), policies=["ReadOnlyAccess"])
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    return role


def test_credentials_and_assumed_role_user_have_the_documented_shape(cloud, trusting_b):
    before = datetime.datetime.now(datetime.timezone.utc)
    answer = (
        cloud.sts(cloud.B_ALICE)
        .assume_role(
            cloud.sts_models.AssumeRoleRequest(
                role_arn=trusting_b["Arn"], role_session_name="alice@partner.example", duration_seconds=1800
            )
        )
        .body.to_map()
    )
    credentials = answer["Credentials"]
    assert credentials["AccessKeyId"].startswith("STS.")
    assert credentials["AccessKeySecret"] and credentials["SecurityToken"]
    expiration = datetime.datetime.strptime(credentials["Expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc
    )
    assert 1795 <= (expiration - before).total_seconds() <= 1805
    assert answer["AssumedRoleUser"] == {
        "Arn": f"{trusting_b['Arn']}/alice@partner.example",
        "AssumedRoleId": f"{trusting_b['RoleId']}:alice@partner.example",
    }
    assert answer["RequestId"]


def test_caller_without_an_assume_role_grant_is_refused(cloud):
    role = cloud.create_role("Partner-Ops", cloud.trust(f"acs:ram::{cloud.B_UID}:root"))
    error = refused(cloud, cloud.B_ALICE, role["Arn"])
    assert (error.code, error.status_code) == ("NoPermission", 403)
    assert role["Arn"] in error.message and "sts:AssumeRole" in error.message
    decision = cloud.emu.decisions()[-1]
    assert (decision["identity"], decision["action"], decision["allowed"]) == (
        f"acs:ram::{cloud.B_UID}:user/alice",
        "sts:AssumeRole",
        False,
    )


def test_an_account_root_key_may_not_assume_roles(cloud, trusting_b):
    error = refused(cloud, cloud.B_ROOT, trusting_b["Arn"])
    assert (error.code, error.status_code) == ("NoPermission", 403)
    assert "root" in error.message


def test_trust_of_an_account_root_admits_its_users_but_no_other_account(cloud, trusting_b):
    assert cloud.assume_role(cloud.B_ALICE, trusting_b["Arn"]).id.startswith("STS.")
    cloud.grant_assume_role(cloud.C_ADMIN, "carol")
    error = refused(cloud, cloud.C_CAROL, trusting_b["Arn"])
    assert (error.code, error.status_code) == ("NoPermission", 403)
    assert cloud.emu.decisions()[-1]["reason"].startswith("the trust policy admits no")


def test_trust_of_a_user_arn_admits_only_that_user(cloud):
    role = cloud.create_role("AliceOnly", cloud.trust(f"acs:ram::{cloud.B_UID}:user/alice"))
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    cloud.assume_role(cloud.B_ALICE, role["Arn"])
    assert refused(cloud, cloud.B_ADMIN, role["Arn"]).code == "NoPermission"  # B's admin may ask, but is not trusted


def test_grant_on_one_role_arn_does_not_cover_another(cloud):
    trust = cloud.trust(f"acs:ram::{cloud.B_UID}:root")
    granted, other = cloud.create_role("Granted", trust), cloud.create_role("Other", trust)
    cloud.attach(
        cloud.B_ADMIN,
        "user",
        "alice",
        "AssumeGrantedOnly",
        cloud.document(cloud.allow("sts:AssumeRole", f"acs:ram::{cloud.A_UID}:role/granted")),
    )
    cloud.assume_role(cloud.B_ALICE, granted["Arn"])
    assert refused(cloud, cloud.B_ALICE, other["Arn"]).code == "NoPermission"


def test_explicit_deny_in_the_callers_account_wins(cloud, trusting_b):
    cloud.attach(
        cloud.B_ADMIN,
        "user",
        "alice",
        "DenyAssume",
        cloud.document({"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": f"acs:ram::{cloud.A_UID}:role/*"}),
    )
    assert refused(cloud, cloud.B_ALICE, trusting_b["Arn"]).code == "NoPermission"
    assert cloud.emu.decisions()[-1]["statement"] == "DenyAssume#Statement[0]"


@pytest.mark.parametrize("external_id, admitted", [(None, False), ("wrong", False), ("ext-4711", True)])
def test_external_id_condition(cloud, external_id, admitted):
    trust = cloud.trust(f"acs:ram::{cloud.B_UID}:root", conditions={"StringEquals": {"sts:ExternalId": "ext-4711"}})
    role = cloud.create_role("WithExternalId", trust)
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    check_admission(cloud, role, admitted, external_id=external_id)


@pytest.mark.parametrize("network, admitted", [("10.0.0.0/8", False), ("127.0.0.0/8", True)])
def test_source_ip_condition(cloud, network, admitted):
    trust = cloud.trust(f"acs:ram::{cloud.B_UID}:root", conditions={"IpAddress": {"acs:SourceIp": [network]}})
    role = cloud.create_role("FromNetwork", trust)
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    check_admission(cloud, role, admitted)


def test_mfa_condition_refuses_access_key_callers(cloud):
    trust = cloud.trust(f"acs:ram::{cloud.B_UID}:root", conditions={"Bool": {"acs:MFAPresent": "true"}})
    role = cloud.create_role("NeedsMfa", trust)
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    check_admission(cloud, role, admitted=False)


def test_duration_bounds(cloud):
    role = cloud.create_role("LongSessions", cloud.trust(f"acs:ram::{cloud.B_UID}:root"), max_session_duration=7200)
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    for duration in (899, 7201):
        error = refused(cloud, cloud.B_ALICE, role["Arn"], duration_seconds=duration)
        assert (error.code, error.status_code) == ("InvalidParameter.DurationSeconds", 400)
    for duration in (900, 7200):
        cloud.assume_role(cloud.B_ALICE, role["Arn"], duration_seconds=duration)


@pytest.mark.parametrize(
    "params, code",
    [
        ({"session": "a"}, "InvalidParameter.RoleSessionName"),
        ({"session": "two words"}, "InvalidParameter.RoleSessionName"),
        ({"session": "x" * 65}, "InvalidParameter.RoleSessionName"),
        ({"policy": "{not json"}, "InvalidParameter.PolicyGrammar"),
        (
            {
                "policy": json.dumps(
                    {"Version": "1", "Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}
                )
            },
            "InvalidParameter.PolicyGrammar",
        ),
        (
            {
                "policy": json.dumps(
                    {"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["ram:Get*"] * 180, "Resource": "*"}]}
                )
            },
            "InvalidParameter.PolicySize",
        ),  # over 2,048 characters (test_document_limits.py has the exact bounds)
    ],
)
def test_invalid_parameters(cloud, trusting_b, params, code):
    error = refused(cloud, cloud.B_ALICE, trusting_b["Arn"], **params)
    assert (error.code, error.status_code) == (code, 400)


@pytest.mark.parametrize(
    "arn", ["acs:ram::1000000000000001:user/admin", "arn:ram::1000000000000001:role/x", "acs:ram::abc:role/x"]
)
def test_malformed_role_arn(cloud, arn):
    error = refused(cloud, cloud.B_ALICE, arn)
    assert (error.code, error.status_code) == ("InvalidParameter.RoleArn", 400)


def test_missing_role(cloud):
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    error = refused(cloud, cloud.B_ALICE, cloud.role_arn(cloud.A_UID, "no-such-role"))
    assert (error.code, error.status_code) == ("EntityNotExist.Role", 404)


def test_role_name_in_the_arn_is_case_insensitive(cloud, trusting_b):
    session = cloud.assume_role(cloud.B_ALICE, cloud.role_arn(cloud.A_UID, "PARTNER-OPS"))
    assert cloud.identity(session)["RoleId"] == trusting_b["RoleId"]


def test_session_policy_intersects_the_role_policies(cloud):
    role = cloud.create_role("ReadRole", cloud.trust(f"acs:ram::{cloud.B_UID}:root"), policies=["ReadOnlyAccess"])
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    everything = cloud.document(cloud.allow("*"))
    session = cloud.assume_role(cloud.B_ALICE, role["Arn"], policy=everything)
    ram = cloud.ram(session)
    ram.list_users(cloud.ram_models.ListUsersRequest())  # role and session policy both allow
    error = cloud.error(lambda: ram.create_user(cloud.ram_models.CreateUserRequest(user_name="mallory")))
    assert (error.code, error.status_code) == ("NoPermission", 403)  # the session policy cannot widen the role
    assert "ram:CreateUser" in error.message


def test_assume_role_is_counted_as_a_read(cloud, trusting_b):
    cloud.emu.reset_calls()
    cloud.assume_role(cloud.B_ALICE, trusting_b["Arn"])
    calls = cloud.emu.calls(product="sts", account=cloud.B_UID)
    assert (calls["reads"], calls["writes"]) == (1, 0)


def test_token_ttl_cap_shortens_issued_tokens(seed_path, cloud_of):
    with running_emulator(seed=seed_path, args=["--token-ttl-cap", "1"]) as emulator:
        cloud = cloud_of(emulator)
        role = cloud.create_role("Short", cloud.trust(f"acs:ram::{cloud.B_UID}:root"))
        cloud.grant_assume_role(cloud.B_ADMIN, "alice")
        session = cloud.assume_role(cloud.B_ALICE, role["Arn"], duration_seconds=3600)
        assert cloud.identity(session)["IdentityType"] == "AssumedRoleUser"
        time.sleep(1.1)
        assert cloud.error(lambda: cloud.identity(session)).code == "InvalidSecurityToken.Expired"
