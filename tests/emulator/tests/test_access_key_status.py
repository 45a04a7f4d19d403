"""UpdateAccessKey (issue 10) through the official RAM SDK: a key made Inactive is refused at authentication with
400 InvalidAccessKeyId.Inactive, shown as Inactive by ListAccessKeys, and works again once made Active.

Authorization is ram:UpdateAccessKey on acs:ram:*:<account>:user/<name> (the UpdateAccessKey reference); without
UserName the caller's own key is meant, as for the other AccessKey calls.
"""

import pytest

from acs_emulator.testing import running_emulator


def key_of(cloud, created):
    return cloud.Key(created.access_key_id, created.access_key_secret)


def statuses(ram, cloud, user=None) -> dict:
    keys = ram.list_access_keys(cloud.ram_models.ListAccessKeysRequest(user_name=user)).body.access_keys.access_key
    return {key.access_key_id: key.status for key in keys}


def set_status(ram, cloud, key_id, status, user=None):
    return ram.update_access_key(
        cloud.ram_models.UpdateAccessKeyRequest(user_name=user, user_access_key_id=key_id, status=status)
    )


@pytest.fixture
def bob(cloud):
    """User bob of A with a fresh key and RAM read rights: (admin's RAM client, bob's key)."""
    ram = cloud.ram(cloud.A_ADMIN)
    ram.create_user(cloud.ram_models.CreateUserRequest(user_name="bob"))
    cloud.attach(cloud.A_ADMIN, "user", "bob", "AliyunRAMReadOnlyAccess")
    created = ram.create_access_key(cloud.ram_models.CreateAccessKeyRequest(user_name="bob")).body.access_key
    return ram, key_of(cloud, created)


def test_an_inactive_key_is_refused_at_authentication_until_it_is_active_again(cloud, bob):
    ram, key = bob
    assert cloud.ram(key).get_account_alias().body.account_alias == "owner-a"
    assert statuses(ram, cloud, "bob") == {key.id: "Active"}

    assert set_status(ram, cloud, key.id, "Inactive", "bob").body.request_id
    assert statuses(ram, cloud, "bob") == {key.id: "Inactive"}
    for call in (lambda: cloud.ram(key).get_account_alias(), lambda: cloud.identity(key)):
        refused = cloud.error(call)
        assert (refused.code, refused.status_code) == ("InvalidAccessKeyId.Inactive", 400)
        assert "Specified access key is disabled." in refused.message
    assert len(cloud.emu.calls(action="GetAccountAlias")["calls"]) == 1, "a refused authentication is not a call"

    set_status(ram, cloud, key.id, "Active", "bob")
    assert statuses(ram, cloud, "bob") == {key.id: "Active"}
    assert cloud.ram(key).get_account_alias().body.account_alias == "owner-a"


def test_an_inactive_key_cannot_assume_a_role(cloud):
    cloud.create_role("Partner-Ops", cloud.trust(f"acs:ram::{cloud.B_UID}:root"))
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    b_ram = cloud.ram(cloud.B_ADMIN)
    set_status(b_ram, cloud, cloud.B_ALICE.id, "Inactive", "alice")
    refused = cloud.error(lambda: cloud.assume_role(cloud.B_ALICE, cloud.role_arn(cloud.A_UID, "Partner-Ops")))
    assert (refused.code, refused.status_code) == ("InvalidAccessKeyId.Inactive", 400)
    set_status(b_ram, cloud, cloud.B_ALICE.id, "Active", "alice")
    assert cloud.assume_role(cloud.B_ALICE, cloud.role_arn(cloud.A_UID, "Partner-Ops")).id.startswith("STS.")


def test_update_access_key_needs_ram_update_access_key_on_the_user(cloud):
    """alice of B has no policy: refused on her own key, named by the resource the reference gives."""
    alice = cloud.ram(cloud.B_ALICE)
    refused = cloud.error(lambda: set_status(alice, cloud, cloud.B_ALICE.id, "Inactive"))
    assert (refused.code, refused.status_code) == ("NoPermission", 403)
    assert f"acs:ram:*:{cloud.B_UID}:user/alice" in refused.message and "ram:UpdateAccessKey" in refused.message
    assert cloud.identity(cloud.B_ALICE)["Arn"].endswith("user/alice"), "the key is still active"


def test_without_user_name_the_caller_disables_its_own_key(cloud):
    own_key = cloud.document(
        cloud.allow(["ram:UpdateAccessKey", "ram:ListAccessKeys"], f"acs:ram:*:{cloud.B_UID}:user/alice")
    )
    cloud.attach(cloud.B_ADMIN, "user", "alice", "own-keys", own_key)
    alice = cloud.ram(cloud.B_ALICE)
    assert statuses(alice, cloud) == {cloud.B_ALICE.id: "Active"}, "ListAccessKeys without UserName: the caller's keys"
    set_status(alice, cloud, cloud.B_ALICE.id, "Inactive")
    refused = cloud.error(lambda: cloud.identity(cloud.B_ALICE))
    assert refused.code == "InvalidAccessKeyId.Inactive"
    assert statuses(cloud.ram(cloud.B_ADMIN), cloud, "alice") == {cloud.B_ALICE.id: "Inactive"}


def test_the_key_must_belong_to_the_user_named(cloud, bob):
    """Naming bob does not reach the admin's key (the authorization is on user/bob, the key is the admin's)."""
    ram, key = bob
    refused = cloud.error(lambda: set_status(ram, cloud, cloud.A_ADMIN.id, "Inactive", "bob"))
    assert (refused.code, refused.status_code) == ("EntityNotExist.User.AccessKey", 404)
    assert cloud.ram(cloud.A_ADMIN).get_account_alias().body.account_alias == "owner-a"


@pytest.mark.parametrize(
    "status, code, http", [("Disabled", "InvalidParameter.Status", 400), ("", "MissingParameter.Status", 400)]
)
def test_bad_status_is_refused(cloud, bob, status, code, http):
    ram, key = bob
    refused = cloud.error(lambda: set_status(ram, cloud, key.id, status or None, "bob"))
    assert (refused.code, refused.status_code) == (code, http)
    assert statuses(ram, cloud, "bob") == {key.id: "Active"}


def test_the_status_survives_a_restart_with_state(tmp_path, seed_path, cloud_of):
    state = tmp_path / "state.db"
    with running_emulator(seed=seed_path, args=["--state", str(state)]) as emulator:
        cloud = cloud_of(emulator)
        set_status(cloud.ram(cloud.B_ADMIN), cloud, cloud.B_ALICE.id, "Inactive", "alice")
    with running_emulator(seed=seed_path, args=["--state", str(state)]) as emulator:
        cloud = cloud_of(emulator)
        assert cloud.error(lambda: cloud.identity(cloud.B_ALICE)).code == "InvalidAccessKeyId.Inactive"
        assert statuses(cloud.ram(cloud.B_ADMIN), cloud, "alice") == {cloud.B_ALICE.id: "Inactive"}
