"""ram_user_info against the emulator: users with groups, grants, AccessKeys and console logins, the account's groups
with members, bounded listing, no secret at any verbosity, bad input refused before any call."""

import json

import pytest
from alibabacloud_ram20150501.client import Client as RamClient
from conftest import ACCOUNTS
from test_ram_user_grant import (
    ADMIN_B,
    OPERATOR_ARN,
    add_to_group,
    grant_task,
    play_b,
    playbook,
    private_dir,
    sdk_config,
)

pytestmark = pytest.mark.emulator_only("the seed's users and the call log")

ALICE_KEY = ACCOUNTS["account_b"]["alice"]["access_key_id"]


@pytest.fixture
def ram_b(emu):
    return RamClient(sdk_config(emu, ADMIN_B))


def info_task(name, **options):
    return {"name": name, "apsaramq.cross_account.ram_user_info": options, "ignore_errors": True}


def by_name(users):
    return {user["user_name"]: user for user in users}


def test_users_groups_keys_and_logins_are_read_bounded_and_without_secrets(run_playbook, ram_b, emu, tmp_path):
    key_file, password_file = tmp_path / "app.json", private_dir(tmp_path) / "bob.password"
    run_playbook(
        playbook(
            play_b(
                [
                    grant_task(
                        "bob",
                        user_name="bob",
                        comments="night shift",
                        role_arns=[OPERATOR_ARN],
                        login_profile={"password_file": str(password_file)},
                    ),
                    grant_task(
                        "app",
                        user_name="orders-app",
                        role_arns=[OPERATOR_ARN],
                        access_key_action="create",
                        access_key_file=str(key_file),
                    ),
                    grant_task(
                        "app disabled",
                        user_name="orders-app",
                        role_arns=[OPERATOR_ARN],
                        access_key_action="disable",
                        access_key_file=str(key_file),
                    ),
                ]
            )
        )
    )
    add_to_group(ram_b, "operators", "bob", "alice")
    secrets = [
        json.loads(key_file.read_text())["AccessKeySecret"],
        password_file.read_text().strip(),
        ACCOUNTS["account_b"]["alice"]["access_key_secret"],
    ]

    emu.reset_calls()
    run = run_playbook(
        playbook(
            play_b(
                [
                    info_task("all"),
                    info_task(
                        "named",
                        names=["orders-app", "nobody", "bob", "BOB"],
                        include_groups=False,
                        access_key_max_age_days=1,
                    ),
                    info_task("bounded", max_users=2, include_groups=False),
                ]
            )
        ),
        check=True,
        verbosity=4,
    )
    assert emu.calls()["writes"] == 0 and not any(secret in run.output for secret in secrets)

    everyone = run.result("all")
    users = by_name(everyone["users"])
    assert (
        sorted(users) == ["admin", "alice", "bob", "orders-app"]
        and not everyone["truncated"]
        and everyone["missing_users"] == []
    )
    assert everyone["groups"] == [{"group_name": "operators", "comments": "", "members": ["alice", "bob"]}]
    bob = users["bob"]
    assert bob["managed"] and bob["comments"] == "night shift" and bob["groups"] == ["operators"]
    assert bob["grant_policies"] == ["AssumeRole-bob"] and bob["access_keys"] == []
    assert (
        bob["login_profile"]["exists"]
        and bob["login_profile"]["password_reset_required"]
        and bob["login_profile"]["mfa_bind_required"]
    )
    assert (
        bob["login_name"] == "bob@partner-b.onaliyun.com"
        and everyone["signin_url"] == "https://signin.aliyun.com/login.htm"
    )
    alice = users["alice"]
    assert not alice["managed"] and alice["login_profile"] == {"exists": False} and "login_name" not in alice
    assert [key["access_key_id"] for key in alice["access_keys"]] == [ALICE_KEY] and alice["access_keys"][0][
        "status"
    ] == "Active"

    named = run.result("named")
    assert [user["user_name"] for user in named["users"]] == ["bob", "orders-app"] and named["missing_users"] == [
        "nobody"
    ]
    assert "groups" not in named
    [app_key] = by_name(named["users"])["orders-app"]["access_keys"]
    assert app_key["status"] == "Inactive" and app_key["over_age"] is False and 0 <= app_key["age_days"] < 1
    assert app_key["access_key_id"] == json.loads(key_file.read_text())["AccessKeyId"]

    bounded = run.result("bounded")
    assert (
        len(bounded["users"]) == 2
        and bounded["truncated"]
        and any(w.startswith("max_users:") for w in bounded["warnings"])
    )
    assert [call["action"] for call in emu.calls(action="ListUsers")["calls"]] == ["ListUsers", "ListUsers"], (
        "one page for everyone (4 users), one page of 2 for the bounded read"
    )


def test_bad_input_is_refused_before_any_call(run_playbook, emu):
    run = run_playbook(
        playbook(
            play_b(
                [
                    info_task("bad name", names=["ok", "bad/name"]),
                    info_task("too many", max_users=1001),
                    info_task("age", access_key_max_age_days=0),
                ]
            )
        )
    )
    assert run.result("bad name")["msg"].startswith("names[1]: may contain only")
    assert run.result("too many")["msg"].startswith("max_users: must be 1 to 1000")
    assert run.result("age")["msg"].startswith("access_key_max_age_days: must be 1 to 3650")
    assert emu.calls()["calls"] == []
