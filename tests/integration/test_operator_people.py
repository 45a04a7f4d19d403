"""operator_setup for Account B's people and teams (issue 11), through ansible-playbook against the emulator: the group
holds the AssumeRole right, a joiner assumes Account A's role with no call to Account A, a leaver's old key is refused,
a user the collection did not create keeps what it has, people's passwords stay in their 0600 files, check mode
writes nothing, a second run changes nothing, bad input is refused before any call."""

import json
import stat

import pytest
from conftest import ACCOUNTS
from test_roles import ROLE_ARN, owner, play, playbook, ram_state, role_task

pytestmark = pytest.mark.emulator_only(
    "call counters and state of the emulator; its seed's alice (a user the collection did not create)"
)

A, B = ACCOUNTS["account_a"]["uid"], ACCOUNTS["account_b"]["uid"]
ALICE = ACCOUNTS["account_b"]["alice"]
GROUP = "rocketmq-operators"
GROUP_POLICY = f"AssumeRoleGroup-{GROUP}"


def operator(tmp_path, users, **extra):
    return (
        "operator_setup",
        {
            "operator_setup_role_arns": [ROLE_ARN],
            "operator_setup_users": users,
            "operator_setup_access_key_dir": str(tmp_path / "keys"),
            "operator_setup_password_dir": str(tmp_path / "passwords"),
            **extra,
        },
    )


def assume_as(name, key_file, **options):
    """AssumeRole on A's role with the AccessKey of ``key_file`` (a task; the key is read in the task's vars)."""
    return {
        "name": name,
        "apsaramq.cross_account.sts_assume": {
            "access_key_id": "{{ key.AccessKeyId }}",
            "access_key_secret": "{{ key.AccessKeySecret }}",
            "role_arn": ROLE_ARN,
            "session_name": "people-test",
            "wait_for_role": 0,
            **options,
        },
        "vars": {"key": f"{{{{ lookup('file', '{key_file}') | from_json }}}}"},
        "when": "not ansible_check_mode",
    }


def seed_alice_into_the_group():
    """What an administrator did by hand: the seed's alice (not created by the collection) joins the group."""
    return {
        "name": "alice joins by hand",
        "apsaramq.cross_account.ram_group": {"group_name": GROUP, "members": ["alice"]},
    }


def show_task(name):
    return {"name": f"show {name}", "ansible.builtin.debug": {"var": name}}


def account_b(emu):
    """B's RAM users (by name) and the members (names) of the group."""
    state = ram_state(emu, B)
    users = state["users"]
    names = {user["UserId"]: name for name, user in users.items()}
    group = state["groups"].get(GROUP)
    return users, sorted(names[member["UserId"]] for member in group["members"]) if group else None


def key_ids(user):
    return [(key["AccessKeyId"], key["Status"]) for key in user["access_keys"]]


def test_joiner_and_leaver_change_only_account_b_and_the_leaver_key_is_refused(run_playbook, emu, tmp_path):
    keys, passwords = tmp_path / "keys", tmp_path / "passwords"
    team = [
        {"name": "carol", "display_name": "Carol", "access_key": True},
        {"name": "orders-app", "kind": "application"},
    ]
    # orders-app first holds a grant of its own (no group), then moves to the group, which removes its own grant; the
    # seed's alice, whom the collection did not create, is put into the group by hand.
    setup = playbook(
        play("account_a", owner()),
        play("account_b", operator(tmp_path, [team[1]], operator_setup_group="")),
        play(
            "account_b",
            operator(tmp_path, team),
            tasks=[seed_alice_into_the_group(), show_task("operator_setup_grants")],
        ),
    )
    predicted = run_playbook(setup, check=True)
    assert (
        predicted.stats["changed"] > 0 and emu.calls()["writes"] == 0 and not keys.exists() and not passwords.exists()
    )
    first = run_playbook(setup, verbosity=4)
    users, members = account_b(emu)
    assert members == ["alice", "carol", "orders-app"]
    assert all(users[name]["attachments"] == [] for name in ("carol", "orders-app")), (
        "the group holds the right, no user"
    )
    assert [p["PolicyName"] for p in ram_state(emu, B)["policies"].values()] == [GROUP_POLICY]
    password_file, carol_key = passwords / "carol.password", json.loads((keys / "carol.json").read_text())
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600 and stat.S_IMODE(passwords.stat().st_mode) == 0o700
    password = password_file.read_text().strip()
    assert len(password) >= 8 and password not in first.output and carol_key["AccessKeySecret"] not in first.output
    assert (
        users["carol"]["login_profile"]["PasswordResetRequired"] and users["carol"]["login_profile"]["MFABindRequired"]
    )
    [carol] = [
        grant
        for grant in first.result("show operator_setup_grants")["operator_setup_grants"]
        if grant["user_name"] == "carol"
    ]
    assert carol["login_name"] == "carol@partner-b.onaliyun.com" and carol["grant"] == f"group: {GROUP}"

    # bob joins, carol leaves; the group is exclusive now: orders-app, no longer listed, leaves as carol does, yet alice
    # (not created by the collection) stays in it.
    orders_key = json.loads((keys / "orders-app.json").read_text())
    changed_team = [{"name": "bob", "access_key": True}, {"name": "carol", "state": "absent"}]
    joiner_and_leaver = playbook(
        play(
            "account_b",
            operator(tmp_path, changed_team, operator_setup_exclusive=True),
            tasks=[assume_as("bob assumes A's role", keys / "bob.json"), show_task("operator_setup_leavers")],
        )
    )
    emu.reset_calls()
    predicted = run_playbook(joiner_and_leaver, check=True, diff=True)
    assert predicted.stats["changed"] > 0 and emu.calls()["writes"] == 0 and account_b(emu)[1] == members

    emu.reset_calls()
    run = run_playbook(joiner_and_leaver, verbosity=4)
    assert emu.calls(account=A)["calls"] == [], "Account A makes no call and changes nothing"
    bob_session = run.result("bob assumes A's role")  # its result holds credentials: hidden, but it ran and passed
    assert not bob_session.get("failed") and not bob_session.get("skipped")
    users, members = account_b(emu)
    assert members == ["alice", "bob"] and users["bob"]["attachments"] == []
    proof = role_task(run, "A leaver's old AccessKey can no longer assume the role")["results"]
    assert [(r["item"]["name"], r["outcome"], r["code"]) for r in proof] == [
        ("carol", "denied", "NoPermission"),
        ("orders-app", "denied", "NoPermission"),
    ]
    assert key_ids(users["orders-app"]) == [] and not (keys / "orders-app.json").exists(), (
        "the unlisted member is offboarded"
    )
    assert orders_key["AccessKeySecret"] not in run.output
    assert carol_key["AccessKeySecret"] not in run.output and password not in run.output
    # carol is offboarded (the user stays without remove_user), her files go; alice keeps her key.
    assert (
        key_ids(users["carol"]) == [] and "login_profile" not in users["carol"] and users["carol"]["attachments"] == []
    )
    assert not (keys / "carol.json").exists() and not password_file.exists()
    assert key_ids(users["alice"]) == [(ALICE["access_key_id"], "Active")]
    leaver, orders_app = run.result("show operator_setup_leavers")["operator_setup_leavers"]
    assert orders_app["proof"] == "denied" and orders_app["removed"]["access_key_ids"] == [orders_key["AccessKeyId"]]
    assert leaver["proof"] == "denied" and leaver["removed"] == {
        "groups": [],
        "access_key_ids": [carol_key["AccessKeyId"]],
        "login_profile": True,
    }
    sessions = role_task(run, "Show what each leaver lost, and how long sessions issued before may live")["results"][0][
        "msg"
    ]
    assert (
        sessions[0]
        == f"carol leaves: left the group {GROUP}; AccessKeys {carol_key['AccessKeyId']} deleted; console login deleted."
    )
    assert (
        "at most 3600 s" in sessions[2]
        and f"{carol_key['AccessKeyId']} is refused" in sessions[1]
        and "at the latest" in sessions[2]
    )

    emu.reset_calls()
    again = run_playbook(joiner_and_leaver)
    assert again.stats["changed"] == 0 and emu.calls()["writes"] == 0
    assert role_task(again, "A leaver's old AccessKey can no longer assume the role").get("skipped"), (
        "no key of carol is known any more"
    )


def test_a_leaver_with_a_grant_of_its_own_is_refused_then_removed_and_an_unmarked_leaver_keeps_its_keys(
    run_playbook, emu, tmp_path
):
    keys = tmp_path / "keys"
    # The seed's alice (a person the collection did not create) and dave (a grant of his own), each with a key file.
    team = [{"name": "alice", "access_key": True}, {"name": "dave", "grant": "user", "access_key": True}]
    console = (
        "operator_access",
        {
            "operator_access_role_arn": ROLE_ARN,
            "operator_access_access_key_file": str(keys / "alice.json"),
            "operator_access_wait_for_role": 0,
            "operator_access_user_name": "alice",
            "operator_access_account_alias": "partner-b",
            "operator_access_owner_alias": "owner-a",
        },
    )
    setup = run_playbook(
        playbook(play("account_a", owner()), play("account_b", operator(tmp_path, team)), play("account_b", console))
    )
    details = role_task(setup, "Show the console switch-role details")["msg"]
    assert "sign in at https://signin.aliyun.com/login.htm as alice@partner-b.onaliyun.com" in details[1]
    assert "Switch Role with account owner-a and role partner-orders" in details[2]
    alice_key = json.loads((keys / "alice.json").read_text())
    assert [p["PolicyName"] for p in account_b(emu)[0]["dave"]["attachments"]] == ["AssumeRole-dave"]

    leavers = [{"name": "alice", "state": "absent"}, {"name": "dave", "state": "absent", "remove_user": True}]
    run = run_playbook(
        playbook(play("account_b", operator(tmp_path, leavers), tasks=[show_task("operator_setup_leavers")]))
    )
    proof = role_task(run, "A leaver's old AccessKey can no longer assume the role")["results"]
    assert [(r["item"]["name"], r["outcome"], r["code"]) for r in proof] == [
        ("alice", "denied", "NoPermission"),
        ("dave", "denied", "NoPermission"),
    ]
    users, members = account_b(emu)
    assert (
        "dave" not in users
        and not (keys / "dave.json").exists()
        and "AssumeRole-dave" not in ram_state(emu, B)["policies"]
    )
    # alice only loses her membership: her keys (the seed's and the one made above), her login and her key file stay.
    assert members == [] and sorted(key_ids(users["alice"])) == sorted(
        [(ALICE["access_key_id"], "Active"), (alice_key["AccessKeyId"], "Active")]
    )
    assert "login_profile" in users["alice"] and (keys / "alice.json").exists()
    alice, dave = run.result("show operator_setup_leavers")["operator_setup_leavers"]
    told = role_task(run, "Show what each leaver lost, and how long sessions issued before may live")["results"][0][
        "msg"
    ]
    assert told[0].startswith(f"alice leaves: only its AssumeRole right is removed (the group {GROUP}, its own grant)")
    assert (alice["managed"], alice["removed"], dave["user_removed"]) == (False, {}, True)
    assert any(
        "manage_unmarked_user" in w
        for w in role_task(
            run, "Leavers lose their groups, AccessKeys and console login (and the user itself with remove_user)"
        ).get("warnings", [])
    )


def test_bad_input_is_refused_before_any_api_call(run_playbook, emu, tmp_path):
    cases = [
        ({"operator_setup_group": "bad/group"}, "operator_setup_group: 'bad/group'"),
        ({"operator_setup_users": [{"display_name": "nameless"}]}, "name"),
        (
            {"operator_setup_users": [{"name": "bob"}, {"name": "Bob", "state": "absent"}]},
            "operator_setup_users[1].name: 'Bob' is listed twice",
        ),
        (
            {"operator_setup_users": [{"name": "bob", "grant": "group", "role_arns": [ROLE_ARN]}]},
            "operator_setup_users[0].role_arns: a member of the group",
        ),
        (
            {"operator_setup_group": "", "operator_setup_exclusive": True},
            "operator_setup_exclusive: needs operator_setup_group",
        ),
        (
            {"operator_setup_users": [{"name": "bob", "remove_user": True}]},
            "operator_setup_users[0].remove_user: applies to a leaver",
        ),
        ({"operator_setup_group_policy_name": "bad_policy"}, "operator_setup_group_policy_name: 'bad_policy'"),
        ({"operator_setup_max_session_duration": 60}, "operator_setup_max_session_duration: 60"),
        (
            {"operator_setup_users": [{"name": "bob", "password_file": "relative.password"}]},
            "operator_setup_users[0].password_file: 'relative.password' \u2014 must be an absolute path",
        ),
    ]
    base = operator(tmp_path, [{"name": "bob"}])[1]
    # A refused role stops at its validation or preflight task; the rescue keeps the message and goes on to the next case.
    tasks = [
        {
            "name": f"case {index}",
            "block": [
                {
                    "ansible.builtin.include_role": {"name": "apsaramq.cross_account.operator_setup"},
                    "vars": {**base, **role_vars},
                }
            ],
            "rescue": [
                {
                    "name": f"refusal {index}",
                    "ansible.builtin.set_fact": {f"refusal_{index}": "{{ ansible_failed_result.msg }}"},
                }
            ],
        }
        for index, (role_vars, _message) in enumerate(cases)
    ]
    run = run_playbook(playbook(play("account_b", tasks=tasks)))
    for index, (_vars, message) in enumerate(cases):
        assert message in run.result(f"refusal {index}")["ansible_facts"][f"refusal_{index}"], (index, message)
    assert emu.calls()["calls"] == [] and not (tmp_path / "passwords").exists()


def test_the_operator_cleanup_removes_the_group_and_its_grant_policy(run_playbook, emu, tmp_path):
    run_playbook(playbook(play("account_a", owner()), play("account_b", operator(tmp_path, [{"name": "carol"}]))))
    assert account_b(emu)[1] == ["carol"] and GROUP_POLICY in [
        p["PolicyName"] for p in ram_state(emu, B)["policies"].values()
    ]
    cleanup = playbook(
        play(
            "account_b",
            (
                "revoke",
                {
                    "revoke_operator_users": ["carol"],
                    "revoke_operator_group": GROUP,
                    "revoke_access_key_dir": str(tmp_path / "keys"),
                },
                {"tasks_from": "operator_cleanup"},
            ),
        )
    )
    emu.reset_calls()
    assert run_playbook(cleanup, check=True).stats["changed"] > 0 and emu.calls()["writes"] == 0
    run_playbook(cleanup)
    state = ram_state(emu, B)
    assert GROUP not in state["groups"] and [p["PolicyName"] for p in state["policies"].values()] == []
    assert "login_profile" not in state["users"]["carol"], "a user the collection created is offboarded"
    emu.reset_calls()
    assert run_playbook(cleanup).stats["changed"] == 0 and emu.calls()["writes"] == 0
