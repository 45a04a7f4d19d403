"""Authorization of every request, decided from the current state and logged in the decision log."""

import pytest


def list_users(cloud, key):
    return cloud.ram(key).list_users(cloud.ram_models.ListUsersRequest())


def get_user(cloud, key, name="alice"):
    return cloud.ram(key).get_user(cloud.ram_models.GetUserRequest(user_name=name))


def test_user_without_policies_is_refused_with_the_action_and_resource(cloud):
    error = cloud.error(lambda: get_user(cloud, cloud.B_ALICE))
    assert (error.code, error.status_code) == ("NoPermission", 403)
    message = error.data["Message"]
    assert (
        message
        == f"You are not authorized to do this action. Resource: acs:ram:*:{cloud.B_UID}:user/alice Action: ram:GetUser"
    )
    assert error.data["AccessDeniedDetail"]["NoPermissionType"] == "ImplicitDeny"
    decision = cloud.emu.decisions()[-1]
    assert decision == {
        **decision,
        "identity": f"acs:ram::{cloud.B_UID}:user/alice",
        "action": "ram:GetUser",
        "allowed": False,
        "statement": None,
    }


def test_root_key_is_allowed_everything_in_its_own_account(cloud):
    assert get_user(cloud, cloud.B_ROOT).body.user.user_name == "alice"
    assert cloud.emu.decisions()[-1]["allowed"] is True


def test_grant_takes_effect_at_once_and_names_the_deciding_statement(cloud):
    cloud.attach(
        cloud.B_ADMIN, "user", "alice", "ReadUsers", cloud.document(cloud.allow(["ram:GetUser", "ram:ListUsers"]))
    )
    list_users(cloud, cloud.B_ALICE)
    decision = cloud.emu.decisions()[-1]
    assert (decision["allowed"], decision["statement"]) == (True, "ReadUsers#Statement[0]")


def test_explicit_deny_wins_over_allow(cloud):
    cloud.attach(cloud.B_ADMIN, "user", "alice", "AdministratorAccess")
    cloud.attach(
        cloud.B_ADMIN,
        "user",
        "alice",
        "NoUserReads",
        cloud.document({"Effect": "Deny", "Action": "ram:Get*", "Resource": f"acs:ram:*:{cloud.B_UID}:user/*"}),
    )
    list_users(cloud, cloud.B_ALICE)
    error = cloud.error(lambda: get_user(cloud, cloud.B_ALICE))
    assert error.data["AccessDeniedDetail"]["NoPermissionType"] == "ExplicitDeny"
    assert cloud.emu.decisions()[-1]["statement"] == "NoUserReads#Statement[0]"


@pytest.mark.parametrize(
    "action, resource, allowed",
    [
        ("ram:get?ser", "*", True),  # ? is one character; actions ignore case
        ("ram:Get?", "*", False),
        ("ram:GetUser", "acs:ram:*:*:user/al*", True),
        ("ram:GetUser", "acs:ram:*:*:user/bob", False),
        ("ram:GetUser", "acs:ram:*:*:user/ALICE", True),  # RAM names are case-insensitive
    ],
)
def test_wildcards_in_action_and_resource(cloud, action, resource, allowed):
    cloud.attach(cloud.B_ADMIN, "user", "alice", "Narrow", cloud.document(cloud.allow(action, resource)))
    if allowed:
        get_user(cloud, cloud.B_ALICE)
    else:
        assert cloud.error(lambda: get_user(cloud, cloud.B_ALICE)).code == "NoPermission"


@pytest.mark.parametrize(
    "condition, allowed",
    [
        ({"IpAddress": {"acs:SourceIp": "127.0.0.0/8"}}, True),
        ({"NotIpAddress": {"acs:SourceIp": ["127.0.0.1/32"]}}, False),
        ({"DateLessThan": {"acs:CurrentTime": "2000-01-01T00:00:00Z"}}, False),
        ({"DateGreaterThan": {"acs:CurrentTime": "2000-01-01T00:00:00Z"}}, True),
        ({"Bool": {"acs:SecureTransport": "true"}}, False),  # the emulator speaks plain HTTP
        ({"Bool": {"acs:MFAPresent": "false"}}, True),
        ({"StringLike": {"acs:SourceIp": "127.*"}}, True),
    ],
)
def test_conditions_of_permission_policies(cloud, condition, allowed):
    cloud.attach(
        cloud.B_ADMIN, "user", "alice", "Conditional", cloud.document(cloud.allow("ram:GetUser", Condition=condition))
    )
    if allowed:
        get_user(cloud, cloud.B_ALICE)
    else:
        assert cloud.error(lambda: get_user(cloud, cloud.B_ALICE)).code == "NoPermission"
