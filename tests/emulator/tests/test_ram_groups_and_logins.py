"""RAM groups, memberships, login profiles and the password policy (issue 11) through the official RAM SDK
(alibabacloud-ram20150501): every action, every documented limit and conflict, and group policies taking part in
every authorization decision (sts:AssumeRole, RocketMQ), granted by joining and revoked by leaving.

Fixtures (``cloud``: the seeded emulator, reset before each test, and its keys) come from conftest.py.
"""

import json
import sqlite3
import time

import pytest
import yaml
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_rocketmq20220801.client import Client as RocketMQClient

from acs_emulator.testing import running_emulator

INSTANCE = "rmq-cn-emu5x0001"
STRONG = "Str0ng-Passw0rd!"


def error_of(cloud, call, *args):
    """(code, HTTP status) of the API error ``call(*args)`` raises."""
    error = cloud.error(lambda: call(*args))
    return error.code, error.status_code


@pytest.fixture(name="ram")
def fixture_ram(cloud):
    """Account B's administrator (B has users admin and alice)."""
    return cloud.ram(cloud.B_ADMIN)


def create_group(ram, name="operators", comments=None):
    return ram.create_group(ram_models.CreateGroupRequest(group_name=name, comments=comments)).body.group


def join(ram, user, group="operators"):
    ram.add_user_to_group(ram_models.AddUserToGroupRequest(user_name=user, group_name=group))


def leave(ram, user, group="operators"):
    ram.remove_user_from_group(ram_models.RemoveUserFromGroupRequest(user_name=user, group_name=group))


def attach(ram, policy, group="operators", policy_type="System"):
    ram.attach_policy_to_group(
        ram_models.AttachPolicyToGroupRequest(group_name=group, policy_name=policy, policy_type=policy_type)
    )


def detach(ram, policy, group="operators", policy_type="System"):
    ram.detach_policy_from_group(
        ram_models.DetachPolicyFromGroupRequest(group_name=group, policy_name=policy, policy_type=policy_type)
    )


def group_names(ram, user):
    return [
        g.group_name
        for g in ram.list_groups_for_user(ram_models.ListGroupsForUserRequest(user_name=user)).body.groups.group
    ]


def create_login_profile(ram, user="alice", password=STRONG, **flags):
    request = ram_models.CreateLoginProfileRequest(user_name=user, password=password, **flags)
    return ram.create_login_profile(request).body.login_profile


def update_login_profile(ram, user="alice", **changes):
    return ram.update_login_profile(ram_models.UpdateLoginProfileRequest(user_name=user, **changes))


def set_policy(ram, **settings):
    return ram.set_password_policy(ram_models.SetPasswordPolicyRequest(**settings)).body.password_policy


# ---------------------------------------------------------------------------------------------------------------
# Groups
# ---------------------------------------------------------------------------------------------------------------


def test_group_lifecycle(cloud, ram):
    created = create_group(ram, "operators", "B's operators")
    assert (created.group_name, created.comments) == ("operators", "B's operators")
    assert created.group_id.startswith("g-") and created.create_date.endswith("Z")
    assert error_of(cloud, create_group, ram, "OPERATORS") == ("EntityAlreadyExists.Group", 409), "names ignore case"

    fetched = ram.get_group(ram_models.GetGroupRequest(group_name="Operators")).body.group
    assert (fetched.group_id, fetched.update_date) == (created.group_id, created.create_date)
    updated = ram.update_group(
        ram_models.UpdateGroupRequest(group_name="operators", new_group_name="Ops.Team_1", new_comments="renamed")
    ).body.group
    assert (updated.group_name, updated.comments, updated.group_id) == ("Ops.Team_1", "renamed", created.group_id)
    create_group(ram, "auditors")
    clash = ram_models.UpdateGroupRequest(group_name="auditors", new_group_name="ops.team_1")
    assert error_of(cloud, ram.update_group, clash) == ("EntityAlreadyExists.Group", 409)

    listed = ram.list_groups(ram_models.ListGroupsRequest(max_items=1)).body
    assert [g.group_name for g in listed.groups.group] == ["Ops.Team_1"] and listed.is_truncated is True
    rest = ram.list_groups(ram_models.ListGroupsRequest(max_items=1, marker=listed.marker)).body
    assert (
        [g.group_name for g in rest.groups.group] == ["auditors"] and rest.is_truncated is False and rest.marker is None
    )

    ram.delete_group(ram_models.DeleteGroupRequest(group_name="ops.team_1"))
    assert error_of(cloud, ram.get_group, ram_models.GetGroupRequest(group_name="Ops.Team_1")) == (
        "EntityNotExist.Group",
        404,
    )
    assert error_of(cloud, ram.delete_group, ram_models.DeleteGroupRequest(group_name="Ops.Team_1")) == (
        "EntityNotExist.Group",
        404,
    )


@pytest.mark.parametrize(
    "request_, code",
    [
        (ram_models.CreateGroupRequest(), "MissingParameter.GroupName"),
        (ram_models.CreateGroupRequest(group_name="g" * 65), "InvalidParameter.GroupName.Length"),
        (ram_models.CreateGroupRequest(group_name="dev team"), "InvalidParameter.GroupName.InvalidChars"),
        (ram_models.CreateGroupRequest(group_name="dev/team"), "InvalidParameter.GroupName.InvalidChars"),
        (ram_models.CreateGroupRequest(group_name="dev", comments="c" * 129), "InvalidParameter.Comments.Length"),
        (
            ram_models.UpdateGroupRequest(group_name="operators", new_group_name="a@b"),
            "InvalidParameter.NewGroupName.InvalidChars",
        ),
        (
            ram_models.UpdateGroupRequest(group_name="operators", new_group_name="g" * 65),
            "InvalidParameter.NewGroupName.Length",
        ),
        (
            ram_models.UpdateGroupRequest(group_name="operators", new_comments="c" * 129),
            "InvalidParameter.NewComments.Length",
        ),
    ],
    ids=["missing", "too-long", "space", "slash", "comments", "new-chars", "new-length", "new-comments"],
)
def test_group_name_and_comment_rules(cloud, ram, request_, code):
    create_group(ram, "operators")
    call = ram.create_group if isinstance(request_, ram_models.CreateGroupRequest) else ram.update_group
    assert error_of(cloud, call, request_) == (code, 400)
    create_group(ram, "g" * 64, "c" * 128)  # the longest accepted


def test_an_account_holds_at_most_300_groups(cloud, ram):
    for index in range(300):
        create_group(ram, f"group-{index}")
    assert error_of(cloud, create_group, ram, "one-too-many") == ("LimitExceeded.Group", 409)
    ram.delete_group(ram_models.DeleteGroupRequest(group_name="group-0"))
    create_group(ram, "one-too-many")


# ---------------------------------------------------------------------------------------------------------------
# Memberships
# ---------------------------------------------------------------------------------------------------------------


def test_memberships(cloud, ram):
    create_group(ram, "operators", "ops")
    create_group(ram, "auditors")
    join(ram, "alice", "auditors")
    join(ram, "alice", "operators")
    join(ram, "admin", "operators")

    rows = ram.list_groups_for_user(ram_models.ListGroupsForUserRequest(user_name="ALICE")).body.groups.group
    assert [(g.group_name, g.comments) for g in rows] == [("auditors", ""), ("operators", "ops")], "in the order joined"
    assert all(g.join_date.endswith("Z") for g in rows)
    page = ram.list_users_for_group(ram_models.ListUsersForGroupRequest(group_name="operators", max_items=1)).body
    assert [(u.user_name, u.display_name) for u in page.users.user] == [("alice", "Alice (partner operator)")]
    assert page.is_truncated is True
    rest = ram.list_users_for_group(
        ram_models.ListUsersForGroupRequest(group_name="operators", marker=page.marker)
    ).body
    assert [u.user_name for u in rest.users.user] == ["admin"] and rest.is_truncated is False

    assert error_of(cloud, join, ram, "alice", "operators") == ("EntityAlreadyExists.User.Group", 409)
    assert error_of(cloud, join, ram, "nobody", "operators") == ("EntityNotExist.User", 404)
    assert error_of(cloud, join, ram, "alice", "nobody") == ("EntityNotExist.Group", 404)
    leave(ram, "alice", "auditors")
    assert error_of(cloud, leave, ram, "alice", "auditors") == ("EntityNotExist.User.Group", 404)
    assert group_names(ram, "alice") == ["operators"]

    ram.update_user(ram_models.UpdateUserRequest(user_name="alice", new_user_name="alice2"))
    assert group_names(ram, "alice2") == ["operators"], "a renamed user stays a member"
    assert error_of(cloud, ram.list_groups_for_user, ram_models.ListGroupsForUserRequest(user_name="alice")) == (
        "EntityNotExist.User",
        404,
    )


def test_a_user_joins_at_most_ten_groups(cloud, ram):
    for index in range(11):
        create_group(ram, f"team-{index}")
    for index in range(10):
        join(ram, "alice", f"team-{index}")
    assert error_of(cloud, join, ram, "alice", "team-10") == ("LimitExceeded.User.Group", 409)
    join(ram, "admin", "team-10")  # the limit is the user's, not the group's


def test_delete_conflicts_of_groups_users_and_policies(cloud, ram):
    create_group(ram)
    join(ram, "alice")
    ram.create_policy(
        ram_models.CreatePolicyRequest(policy_name="ops-read", policy_document=cloud.document(cloud.allow("ram:Get*")))
    )
    attach(ram, "ops-read", policy_type="Custom")
    delete_group = ram_models.DeleteGroupRequest(group_name="operators")
    assert error_of(cloud, ram.delete_group, delete_group) == ("DeleteConflict.Group.User", 409)
    assert error_of(cloud, ram.delete_policy, ram_models.DeletePolicyRequest(policy_name="ops-read")) == (
        "DeleteConflict.Policy.Group",
        409,
    )

    ram.delete_access_key(ram_models.DeleteAccessKeyRequest(user_name="alice", user_access_key_id=cloud.B_ALICE.id))
    delete_alice = ram_models.DeleteUserRequest(user_name="alice")
    assert error_of(cloud, ram.delete_user, delete_alice) == ("DeleteConflict.User.Group", 409)
    leave(ram, "alice")
    create_login_profile(ram)
    assert error_of(cloud, ram.delete_user, delete_alice) == ("DeleteConflict.User.LoginProfile", 409)
    ram.delete_login_profile(ram_models.DeleteLoginProfileRequest(user_name="alice"))
    ram.delete_user(delete_alice)

    assert error_of(cloud, ram.delete_group, delete_group) == ("DeleteConflict.Group.Policy", 409)
    detach(ram, "ops-read", policy_type="Custom")
    ram.delete_group(delete_group)
    ram.delete_policy(ram_models.DeletePolicyRequest(policy_name="ops-read"))


# ---------------------------------------------------------------------------------------------------------------
# Group policies
# ---------------------------------------------------------------------------------------------------------------


def test_group_policy_attachments(cloud, ram):
    create_group(ram, "operators", "ops")
    ram.create_policy(
        ram_models.CreatePolicyRequest(policy_name="ops-read", policy_document=cloud.document(cloud.allow("ram:Get*")))
    )
    attach(ram, "ops-read", policy_type="Custom")
    attach(ram, "AliyunSTSAssumeRoleAccess")

    rows = ram.list_policies_for_group(
        ram_models.ListPoliciesForGroupRequest(group_name="operators")
    ).body.policies.policy
    assert [(p.policy_name, p.policy_type, p.default_version) for p in rows] == [
        ("ops-read", "Custom", "v1"),
        ("AliyunSTSAssumeRoleAccess", "System", "v1"),
    ]
    assert all(p.attach_date for p in rows)
    entities = ram.list_entities_for_policy(
        ram_models.ListEntitiesForPolicyRequest(policy_name="ops-read", policy_type="Custom")
    ).body
    assert [(g.group_name, g.comments) for g in entities.groups.group] == [("operators", "ops")]
    assert entities.users.user == [] and entities.roles.role == []
    counted = ram.get_policy(ram_models.GetPolicyRequest(policy_name="ops-read", policy_type="Custom")).body.policy
    assert counted.attachment_count == 1

    assert error_of(cloud, attach, ram, "AliyunSTSAssumeRoleAccess") == ("EntityAlreadyExists.Group.Policy", 409)
    assert error_of(cloud, detach, ram, "AliyunMQFullAccess") == ("EntityNotExist.Group.Policy", 404)
    assert error_of(cloud, attach, ram, "NoSuchPolicy") == ("EntityNotExist.Policy", 404)
    assert error_of(cloud, attach, ram, "AliyunMQFullAccess", "nobody") == ("EntityNotExist.Group", 404)
    detach(ram, "ops-read", policy_type="Custom")
    assert [
        p.policy_name
        for p in ram.list_policies_for_group(
            ram_models.ListPoliciesForGroupRequest(group_name="operators")
        ).body.policies.policy
    ] == ["AliyunSTSAssumeRoleAccess"]


def test_a_group_holds_at_most_ten_custom_policies(cloud, ram):
    create_group(ram)
    for index in range(11):
        ram.create_policy(
            ram_models.CreatePolicyRequest(
                policy_name=f"p-{index}", policy_document=cloud.document(cloud.allow("ram:Get*"))
            )
        )
    for index in range(10):
        attach(ram, f"p-{index}", policy_type="Custom")
    assert error_of(cloud, attach, ram, "p-10", "operators", "Custom") == ("LimitExceeded.Group.Policy", 409)
    attach(ram, "AliyunMQFullAccess")  # system policies count apart (20)


def test_joining_a_group_grants_assume_role_and_leaving_revokes_it_with_nothing_changed_in_a(cloud, ram):
    role = cloud.create_role(
        "PartnerOps", cloud.trust(f"acs:ram::{cloud.B_UID}:root"), policies=["AliyunMQReadOnlyAccess"]
    )
    create_group(ram)
    attach(ram, "AliyunSTSAssumeRoleAccess")
    assert error_of(cloud, cloud.assume_role, cloud.B_ALICE, role["Arn"]) == ("NoPermission", 403)
    cloud.emu.reset_calls()

    join(ram, "alice")
    session = cloud.assume_role(cloud.B_ALICE, role["Arn"], session="alice")
    granted = [
        (d["identity"], d["action"], d["allowed"])
        for d in cloud.emu.decisions()
        if d["statement"] == "AliyunSTSAssumeRoleAccess#Statement[0]"
    ]
    assert granted == [(f"acs:ram::{cloud.B_UID}:user/alice", "sts:AssumeRole", True)], "the group's policy decided"
    assert cloud.emu.calls(account=cloud.A_UID)["calls"] == [], "account A saw no call at all"

    leave(ram, "alice")
    assert error_of(cloud, cloud.assume_role, cloud.B_ALICE, role["Arn"]) == ("NoPermission", 403)
    assert cloud.identity(session)["RoleId"] == role["RoleId"], "a session already issued lives until it expires"


def test_group_policies_decide_rocketmq_access_with_explicit_deny_winning(cloud):
    ram_a = cloud.ram(cloud.A_ADMIN)
    ram_a.create_user(ram_models.CreateUserRequest(user_name="bob"))
    created = ram_a.create_access_key(ram_models.CreateAccessKeyRequest(user_name="bob")).body.access_key
    rocketmq = RocketMQClient(cloud.config(cloud.Key(created.access_key_id, created.access_key_secret)))
    topic = f"acs:rocketmq:*:{cloud.A_UID}:instance/{INSTANCE}/topic/orders-v5"
    create_group(ram_a, "readers")
    ram_a.create_policy(
        ram_models.CreatePolicyRequest(
            policy_name="orders-read", policy_document=cloud.document(cloud.allow("rocketmq:GetTopic", topic))
        )
    )
    attach(ram_a, "orders-read", "readers", "Custom")
    assert error_of(cloud, rocketmq.get_topic, INSTANCE, "orders-v5") == ("NoPermission", 403)

    join(ram_a, "bob", "readers")
    assert rocketmq.get_topic(INSTANCE, "orders-v5").body.data.topic_name == "orders-v5"
    assert error_of(cloud, rocketmq.get_topic, INSTANCE, "audit-v5") == ("NoPermission", 403), (
        "only what the group allows"
    )

    create_group(ram_a, "quarantine")
    ram_a.create_policy(
        ram_models.CreatePolicyRequest(
            policy_name="no-mq",
            policy_document=cloud.document({"Effect": "Deny", "Action": "rocketmq:*", "Resource": "*"}),
        )
    )
    attach(ram_a, "no-mq", "quarantine", "Custom")
    join(ram_a, "bob", "quarantine")
    assert error_of(cloud, rocketmq.get_topic, INSTANCE, "orders-v5") == ("NoPermission", 403)
    denied = cloud.emu.decisions()[-1]
    assert (denied["statement"], denied["reason"]) == (
        "no-mq#Statement[0]",
        "user policies: explicit Deny in no-mq#Statement[0]",
    )

    leave(ram_a, "bob", "quarantine")
    rocketmq.get_topic(INSTANCE, "orders-v5")
    leave(ram_a, "bob", "readers")
    assert error_of(cloud, rocketmq.get_topic, INSTANCE, "orders-v5") == ("NoPermission", 403), (
        "leaving revokes at once"
    )


def test_propagation_delay_holds_back_a_join_and_never_a_leave(cloud, ram):
    delay = 0.6
    role = cloud.create_role("PartnerOps", cloud.trust(f"acs:ram::{cloud.B_UID}:root"))
    create_group(ram)
    attach(ram, "AliyunSTSAssumeRoleAccess")
    cloud.emu.admin("POST", "faults", {"propagation_delay": delay})

    join(ram, "alice")
    assert error_of(cloud, cloud.assume_role, cloud.B_ALICE, role["Arn"]) == ("NoPermission", 403)
    assert "not yet visible" in cloud.emu.decisions()[-1]["reason"]
    time.sleep(delay + 0.1)
    cloud.assume_role(cloud.B_ALICE, role["Arn"])

    detach(ram, "AliyunSTSAssumeRoleAccess")
    attach(ram, "AliyunSTSAssumeRoleAccess")  # a change of the group is a change of its members
    assert error_of(cloud, cloud.assume_role, cloud.B_ALICE, role["Arn"]) == ("NoPermission", 403)
    assert "not yet visible" in cloud.emu.decisions()[-1]["reason"]
    time.sleep(delay + 0.1)
    cloud.assume_role(cloud.B_ALICE, role["Arn"])
    leave(ram, "alice")
    assert error_of(cloud, cloud.assume_role, cloud.B_ALICE, role["Arn"]) == ("NoPermission", 403)
    time.sleep(delay + 0.1)
    assert error_of(cloud, cloud.assume_role, cloud.B_ALICE, role["Arn"]) == ("NoPermission", 403)


def test_group_actions_are_authorized_on_the_group_and_the_member(cloud, ram):
    create_group(ram)
    alice = cloud.ram(cloud.B_ALICE)
    assert error_of(cloud, create_group, alice, "mine") == ("NoPermission", 403)
    assert cloud.emu.decisions()[-1]["resource"] == f"acs:ram:*:{cloud.B_UID}:group/mine"

    group_only = cloud.document(cloud.allow("ram:AddUserToGroup", f"acs:ram:*:{cloud.B_UID}:group/operators"))
    cloud.attach(cloud.B_ADMIN, "user", "alice", "add-to-operators", group_only)
    assert error_of(cloud, join, alice, "admin") == ("NoPermission", 403)
    assert cloud.emu.decisions()[-1]["resource"] == f"acs:ram:*:{cloud.B_UID}:user/admin", (
        "the member is authorized too"
    )
    both = cloud.document(
        cloud.allow(
            "ram:AddUserToGroup", [f"acs:ram:*:{cloud.B_UID}:group/operators", f"acs:ram:*:{cloud.B_UID}:user/admin"]
        )
    )
    cloud.attach(cloud.B_ADMIN, "user", "alice", "add-admin", both)
    join(alice, "admin")


# ---------------------------------------------------------------------------------------------------------------
# Login profiles and the password policy
# ---------------------------------------------------------------------------------------------------------------


def test_login_profile_lifecycle(cloud, ram):
    created = create_login_profile(ram)
    assert (created.user_name, created.password_reset_required, created.mfabind_required) == ("alice", False, False)
    assert created.create_date.endswith("Z")
    assert error_of(cloud, create_login_profile, ram) == ("EntityAlreadyExists.User.LoginProfile", 409)

    update_login_profile(ram, password_reset_required=True, mfabind_required=True)
    fetched = ram.get_login_profile(ram_models.GetLoginProfileRequest(user_name="ALICE")).body.login_profile
    assert (fetched.user_name, fetched.password_reset_required, fetched.mfabind_required) == ("alice", True, True)
    update_login_profile(ram, password="An0ther-Passw0rd")
    kept = ram.get_login_profile(ram_models.GetLoginProfileRequest(user_name="alice")).body.login_profile
    assert (kept.password_reset_required, kept.mfabind_required, kept.create_date) == (True, True, created.create_date)

    ram.delete_login_profile(ram_models.DeleteLoginProfileRequest(user_name="alice"))
    missing = ("EntityNotExist.User.LoginProfile", 404)
    assert error_of(cloud, ram.get_login_profile, ram_models.GetLoginProfileRequest(user_name="alice")) == missing
    assert error_of(cloud, update_login_profile, ram) == missing
    assert error_of(cloud, ram.delete_login_profile, ram_models.DeleteLoginProfileRequest(user_name="alice")) == missing
    assert error_of(cloud, create_login_profile, ram, "nobody") == ("EntityNotExist.User", 404)
    assert error_of(cloud, create_login_profile, ram, "alice", None) == ("MissingParameter.Password", 400)
    flagged = create_login_profile(ram, password_reset_required=True, mfabind_required=True)
    assert (flagged.password_reset_required, flagged.mfabind_required) == (True, True)


def test_password_policy_defaults_ranges_and_reset_of_omitted_settings(cloud, ram):
    defaults = ram.get_password_policy().body.password_policy.to_map()
    assert defaults == {
        "MinimumPasswordLength": 8,
        "RequireLowercaseCharacters": False,
        "RequireUppercaseCharacters": False,
        "RequireNumbers": False,
        "RequireSymbols": False,
        "HardExpiry": False,
        "MaxLoginAttemps": 0,
        "MaxPasswordAge": 0,
        "PasswordReusePrevention": 0,
    }
    strict = set_policy(
        ram,
        minimum_password_length=14,
        require_symbols=True,
        max_login_attemps=5,
        max_password_age=90,
        password_reuse_prevention=3,
        hard_expiry=True,
    )
    assert (strict.minimum_password_length, strict.require_symbols, strict.max_login_attemps, strict.hard_expiry) == (
        14,
        True,
        5,
        True,
    )
    assert ram.get_password_policy().body.password_policy.to_map() == strict.to_map()
    assert set_policy(ram, require_numbers=True).to_map() == dict(defaults, RequireNumbers=True), (
        "omitted settings go back to defaults"
    )

    for setting, value in (
        ("minimum_password_length", 7),
        ("minimum_password_length", 33),
        ("max_login_attemps", 33),
        ("password_reuse_prevention", 25),
        ("max_password_age", 1096),
    ):
        wire_name = next(iter(ram_models.SetPasswordPolicyRequest(**{setting: value}).to_map()))
        refused = cloud.error(lambda: set_policy(ram, **{setting: value}))  # noqa: B023  # called at once
        assert (refused.code, refused.status_code) == (f"InvalidParameter.{wire_name}.Range", 400), setting
    assert ram.get_password_policy().body.password_policy.require_numbers is True, "a refused change changes nothing"


@pytest.mark.parametrize(
    "password, rule",
    [
        ("Sh0rt-pw", "the length"),
        ("no-upper-case-1", "RequireUppercaseCharacters"),
        ("NO-LOWER-CASE-1", "RequireLowercaseCharacters"),
        ("No-Digits-Here", "RequireNumbers"),
        ("NoSymbols1234", "RequireSymbols"),
        ("With Space-12345", "printable"),
        ("A1-" + "x" * 30, "the length"),
    ],
)
def test_weak_passwords_are_refused_without_being_echoed(cloud, ram, password, rule):
    set_policy(
        ram,
        minimum_password_length=12,
        require_lowercase_characters=True,
        require_uppercase_characters=True,
        require_numbers=True,
        require_symbols=True,
    )
    create_login_profile(ram, "admin")
    for call in (
        lambda: create_login_profile(ram, password=password),
        lambda: update_login_profile(ram, "admin", password=password),
    ):
        error = cloud.error(call)
        assert (error.code, error.status_code) == ("InvalidParameter.Password.TooWeak", 400)
        assert rule in error.message and password not in error.message
    create_login_profile(ram, password="Exactly-12-c")


def test_password_reuse_prevention(cloud, ram):
    set_policy(ram, password_reuse_prevention=2)
    create_login_profile(ram, password="First-Passw0rd")
    reused = ("InvalidParameter.Password.TooWeak", 400)
    assert error_of(cloud, lambda: update_login_profile(ram, password="First-Passw0rd")) == reused, "the current one"
    update_login_profile(ram, password="Second-Passw0rd")
    assert error_of(cloud, lambda: update_login_profile(ram, password="First-Passw0rd")) == reused, "the one before"
    update_login_profile(ram, password="Third-Passw0rd")
    update_login_profile(ram, password="First-Passw0rd")  # three back: allowed with N=2


def test_login_profile_actions_are_authorized_on_the_user(cloud, ram):
    alice = cloud.ram(cloud.B_ALICE)
    assert error_of(cloud, create_login_profile, alice, "admin") == ("NoPermission", 403)
    assert cloud.emu.decisions()[-1]["resource"] == f"acs:ram:*:{cloud.B_UID}:user/admin"
    assert error_of(cloud, alice.set_password_policy, ram_models.SetPasswordPolicyRequest()) == ("NoPermission", 403)
    own = cloud.document(cloud.allow(["ram:*LoginProfile"], f"acs:ram:*:{cloud.B_UID}:user/alice"))
    cloud.attach(cloud.B_ADMIN, "user", "alice", "own-login", own)
    create_login_profile(alice)
    assert error_of(cloud, create_login_profile, alice, "admin") == ("NoPermission", 403)


def test_a_user_holds_at_most_two_access_keys(cloud, ram):
    ram.create_access_key(ram_models.CreateAccessKeyRequest(user_name="alice"))
    assert error_of(cloud, ram.create_access_key, ram_models.CreateAccessKeyRequest(user_name="alice")) == (
        "LimitExceeded.User.AccessKey",
        409,
    )


# ---------------------------------------------------------------------------------------------------------------
# Seed, persistence and reset
# ---------------------------------------------------------------------------------------------------------------


def seed_with_groups(seed_path, tmp_path) -> str:
    """seed-example.yml plus a group of account B holding alice and the AssumeRole right."""
    document = yaml.safe_load(open(seed_path, encoding="utf-8"))
    account_b = next(account for account in document["accounts"] if account["uid"] == "2000000000000002")
    account_b["groups"] = [
        {"name": "operators", "comments": "seeded", "members": ["alice"], "policies": ["AliyunSTSAssumeRoleAccess"]}
    ]
    path = tmp_path / "seed-groups.yml"
    path.write_text(yaml.safe_dump(document))
    return str(path)


def test_seeded_groups_persist_with_login_profiles_and_reset_to_the_seed(tmp_path, seed_path, cloud_of):
    state_file = tmp_path / "state.sqlite"
    args = ["--state", str(state_file)]
    with running_emulator(seed=seed_with_groups(seed_path, tmp_path), args=args) as first:
        cloud = cloud_of(first)
        ram = cloud.ram(cloud.B_ADMIN)
        assert group_names(ram, "alice") == ["operators"]
        role = cloud.create_role("PartnerOps", cloud.trust(f"acs:ram::{cloud.B_UID}:root"))
        cloud.assume_role(cloud.B_ALICE, role["Arn"])  # the seeded group's policy
        create_group(ram, "auditors")
        join(ram, "admin", "auditors")
        set_policy(ram, minimum_password_length=12)
        create_login_profile(ram, password="Persisted-Passw0rd", password_reset_required=True)
    with sqlite3.connect(state_file) as db:
        stored = json.dumps(db.execute("SELECT data FROM part_ram").fetchall())
    assert "Persisted-Passw0rd" not in stored and "pbkdf2_sha256$" in stored, "only a hash is kept"

    with running_emulator(seed=seed_with_groups(seed_path, tmp_path), args=args) as second:
        cloud = cloud_of(second)
        ram = cloud.ram(cloud.B_ADMIN)
        assert group_names(ram, "admin") == ["auditors"] and group_names(ram, "alice") == ["operators"]
        assert ram.get_login_profile(
            ram_models.GetLoginProfileRequest(user_name="alice")
        ).body.login_profile.password_reset_required
        assert ram.get_password_policy().body.password_policy.minimum_password_length == 12
        assert "Persisted-Passw0rd" not in json.dumps(second.admin("GET", "state"))

        second.reset()
        assert [g.group_name for g in ram.list_groups(ram_models.ListGroupsRequest()).body.groups.group] == [
            "operators"
        ]
        assert (
            error_of(cloud, ram.get_login_profile, ram_models.GetLoginProfileRequest(user_name="alice"))[0]
            == "EntityNotExist.User.LoginProfile"
        )
        assert ram.get_password_policy().body.password_policy.minimum_password_length == 8
