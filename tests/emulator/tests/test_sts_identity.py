"""GetCallerIdentity for each identity kind, through the STS SDK (ACS3 signatures)."""


def test_root_key_is_the_account(cloud):
    identity = cloud.identity(cloud.A_ROOT)
    assert identity["IdentityType"] == "Account"
    assert identity["AccountId"] == cloud.A_UID
    assert identity["Arn"] == f"acs:ram::{cloud.A_UID}:root"
    assert identity["UserId"] == cloud.A_UID == identity["PrincipalId"]
    assert "RoleId" not in identity


def test_ram_user_key_is_the_user(cloud):
    identity = cloud.identity(cloud.B_ALICE)
    assert identity["IdentityType"] == "RAMUser"
    assert identity["AccountId"] == cloud.B_UID
    assert identity["Arn"] == f"acs:ram::{cloud.B_UID}:user/alice"
    user = cloud.ram(cloud.B_ADMIN).get_user(cloud.ram_models.GetUserRequest(user_name="alice")).body.user
    assert identity["UserId"] == user.user_id == identity["PrincipalId"]


def test_role_session_is_the_assumed_role(cloud):
    role = cloud.create_role("Partner-Ops", cloud.trust(f"acs:ram::{cloud.B_UID}:root"))
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    session = cloud.assume_role(cloud.B_ALICE, role["Arn"], session="alice-ops")
    identity = cloud.identity(session)
    assert identity["IdentityType"] == "AssumedRoleUser"
    assert identity["AccountId"] == cloud.A_UID
    assert identity["Arn"] == f"acs:ram::{cloud.A_UID}:assumed-role/Partner-Ops/alice-ops"
    assert identity["RoleId"] == role["RoleId"]
    assert identity["PrincipalId"] == f"{role['RoleId']}:alice-ops"


def test_get_caller_identity_needs_no_permission_and_is_a_read(cloud):
    cloud.emu.reset_calls()
    cloud.identity(cloud.B_ALICE)  # alice has no policy at all
    calls = cloud.emu.calls(product="sts")
    assert (calls["reads"], calls["writes"]) == (1, 0)
    assert calls["calls"][0]["action"] == "GetCallerIdentity"
    assert cloud.emu.decisions() == []
