"""--state FILE: a restarted emulator keeps keys, users, roles, policies, versions and STS sessions."""

import os
import stat

from acs_emulator.testing import running_emulator


def prepare(cloud):
    """Changes of every kind; returns what the restarted emulator must still know."""
    ram_a, ram_b, models = cloud.ram(cloud.A_ADMIN), cloud.ram(cloud.B_ADMIN), cloud.ram_models
    role = cloud.create_role(
        "Kept-Role",
        cloud.trust(f"acs:ram::{cloud.B_UID}:root"),
        policies=[("KeptPolicy", cloud.document(cloud.allow("ram:ListRoles")))],
    )
    ram_a.create_policy_version(
        models.CreatePolicyVersionRequest(
            policy_name="KeptPolicy", set_as_default=True, policy_document=cloud.document(cloud.allow("ram:GetRole"))
        )
    )
    ram_b.create_user(models.CreateUserRequest(user_name="bob"))
    created = ram_b.create_access_key(models.CreateAccessKeyRequest(user_name="bob")).body.access_key
    ram_b.delete_access_key(models.DeleteAccessKeyRequest(user_name="alice", user_access_key_id=cloud.B_ALICE.id))
    ram_b.delete_user(models.DeleteUserRequest(user_name="alice"))
    cloud.grant_assume_role(cloud.B_ADMIN, "bob")
    bob = cloud.Key(created.access_key_id, created.access_key_secret)
    session = cloud.assume_role(bob, role["Arn"], session="before-restart")
    return role, bob, session


def test_restart_with_state_keeps_everything(tmp_path, seed_path, cloud_of):
    state_file = str(tmp_path / "emulator-state.sqlite")
    with running_emulator(seed=seed_path, args=["--state", state_file]) as first:
        role, bob, session = prepare(cloud_of(first))
        first.advance_clock(100)
    assert stat.S_IMODE(os.stat(state_file).st_mode) == 0o600  # it holds secrets

    with running_emulator(seed=seed_path, args=["--state", state_file]) as second:
        cloud = cloud_of(second)
        assert cloud.identity(bob)["Arn"] == f"acs:ram::{cloud.B_UID}:user/bob"  # new user and key
        assert cloud.error(lambda: cloud.identity(cloud.B_ALICE)).code == "InvalidAccessKeyId.NotFound"  # not re-seeded
        assert cloud.identity(session)["RoleId"] == role["RoleId"]  # live session
        ram_a = cloud.ram(cloud.A_ADMIN)
        kept = ram_a.get_role(cloud.ram_models.GetRoleRequest(role_name="kept-role")).body.role
        assert (kept.role_id, kept.assume_role_policy_document) == (role["RoleId"], role["AssumeRolePolicyDocument"])
        versions = ram_a.list_policy_versions(
            cloud.ram_models.ListPolicyVersionsRequest(policy_name="KeptPolicy", policy_type="Custom")
        )
        assert sorted((v.version_id, v.is_default_version) for v in versions.body.policy_versions.policy_version) == [
            ("v1", False),
            ("v2", True),
        ]
        cloud.ram(session).get_role(cloud.ram_models.GetRoleRequest(role_name="kept-role"))  # granted by v2 only
        assert second.admin("GET", "clock")["offset"] == 100


def test_without_state_a_restart_starts_from_the_seed(seed_path, cloud_of):
    with running_emulator(seed=seed_path) as first:
        cloud = cloud_of(first)
        cloud.ram(cloud.B_ADMIN).create_user(cloud.ram_models.CreateUserRequest(user_name="bob"))
    with running_emulator(seed=seed_path) as second:
        assert "bob" not in second.admin("GET", "state")["accounts"][cloud.B_UID]["ram"]["users"]
