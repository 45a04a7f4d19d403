"""Every write survives a lost answer (issue 15): the emulator runs the write, commits it and closes the connection
without the answer (fault ``lost_answer``); the module reads back what happened (module_utils/reconcile.py) and the
task succeeds on its first run, with nothing doubled.

The first test: one ansible-playbook run walks every write action of the client layer's table (RECONCILERS) through a life cycle:
before each step an ``emulator_admin`` task targets the step's actions (``lost_answer_limit`` 1: the first call of each loses its
answer, its retry is answered), and snapshots of the emulator state taken between steps show the state at
each point. The list of actions comes from the table, so a write action added to the code (the unit test
test_reconcile.py finds it in plugins/ and asks for its reconciler) needs a step here too.

The second: SETUPS complete set-ups (owner_setup, operator_setup, operator_access, each with its own names) in one
run, each under its own seed with 10 % of the RAM, STS and RocketMQ writes losing their answer; every one must succeed
on the first run and leave exactly what it asks for. (The 4.x HTTP data plane, publish and consume, is not the client
layer's: mq-http-sdk retries a publish by itself.)
"""

import json
import sys
from pathlib import Path

import pytest
from conftest import ACCOUNTS, MQ
from test_roles import ALLOWED, DENIED, GRANT, play, playbook

A, B = ACCOUNTS["account_a"]["uid"], ACCOUNTS["account_b"]["uid"]
POLICY, ROLE, USER, GROUP = "la-policy", "la-role", "la-user", "la-group"
GRANT_POLICY = f"AssumeRole-{USER}"
INSTANCE_5X = "rmq-cn-emu5x0001"
PASSWORDS = ("Qz7!mK2#wP9x", "Rv4@nL8%tB3y")


def document(*actions):
    return {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": f"acs:mq:*:*:{INSTANCE_5X}"}],
    }


def user_options(key_file, **extra):
    return {
        "user_name": USER,
        "role_arns": [f"acs:ram::{A}:role/partner-orders"],
        "access_key_file": str(key_file),
        **extra,
    }


def steps(key_file):
    """(task name, account, actions whose first answer is lost, module, options) in life-cycle order."""
    first, second = (
        {"password": password, "password_reset_required": False, "mfa_bind_required": False} for password in PASSWORDS
    )
    probes = [
        {"operation": operation} for operation in ("create_topic", "delete_topic", "create_group", "delete_group")
    ]
    return [
        (
            "policy created",
            "a",
            ["CreatePolicy"],
            "ram_policy",
            {"name": POLICY, "document": document("mq:PUB"), "description": "one"},
        ),
        (
            "policy version",
            "a",
            ["CreatePolicyVersion"],
            "ram_policy",
            {"name": POLICY, "document": document("mq:PUB", "mq:SUB")},
        ),
        ("policy description", "a", ["UpdatePolicyDescription"], "ram_policy", {"name": POLICY, "description": "two"}),
        (
            "role created",
            "a",
            ["CreateRole", "AttachPolicyToRole"],
            "ram_role",
            {"name": ROLE, "trusted_accounts": [B], "policies": [POLICY]},
        ),
        (
            "role updated",
            "a",
            ["UpdateRole", "TagResources"],
            "ram_role",
            {"name": ROLE, "description": "changed", "tags": {"team": "orders"}},
        ),
        (
            "role detached",
            "a",
            ["DetachPolicyFromRole", "UntagResources"],
            "ram_role",
            {"name": ROLE, "policies": [], "purge_policies": True, "tags": {}},
        ),
        ("role deleted", "a", ["DeleteRole"], "ram_role", {"name": ROLE, "state": "absent"}),
        (
            "policy deleted",
            "a",
            ["DeletePolicyVersion", "DeletePolicy"],
            "ram_policy",
            {"name": POLICY, "state": "absent"},
        ),
        (
            "user granted",
            "b",
            ["CreateUser", "AttachPolicyToUser", "CreateAccessKey", "CreateLoginProfile"],
            "ram_user_grant",
            user_options(key_file, access_key_action="create", login_profile=first),
        ),
        (
            "user updated",
            "b",
            ["UpdateUser", "UpdateAccessKey", "UpdateLoginProfile"],
            "ram_user_grant",
            user_options(
                key_file,
                display_name="Lost Answer",
                access_key_action="disable",
                login_profile=dict(second, password_reset=True),
            ),
        ),
        (
            "group created",
            "b",
            ["CreateGroup", "AddUserToGroup", "AttachPolicyToGroup"],
            "ram_group",
            {"name": GROUP, "comments": "one", "members": [USER], "policies": ["AliyunMQReadOnlyAccess"]},
        ),
        (
            "group updated",
            "b",
            ["UpdateGroup", "RemoveUserFromGroup", "DetachPolicyFromGroup"],
            "ram_group",
            {
                "name": GROUP,
                "comments": "two",
                "members": [],
                "purge_members": True,
                "policies": [],
                "purge_policies": True,
            },
        ),
        ("group deleted", "b", ["DeleteGroup"], "ram_group", {"name": GROUP, "state": "absent"}),
        (
            "user removed",
            "b",
            ["DetachPolicyFromUser", "DeleteAccessKey", "DeleteLoginProfile", "DeleteUser"],
            "ram_user_grant",
            user_options(key_file, state="absent", remove_user=True),
        ),
        (
            "probes",
            "a",
            ["CreateTopic", "DeleteTopic", "CreateConsumerGroup", "DeleteConsumerGroup"],
            "rocketmq_access_check",
            {"instance_id": INSTANCE_5X, "expect_allowed": probes},
        ),
    ]


# The emulator state is read (uri GET /_emulator/state) after these steps.
SNAPSHOTS = ("policy description", "role created", "user updated", "group created")


# tests/integration/action_plugins: emulator_admin talks to /_emulator/ from the controller (uri ships a module: 1 s a task).
ADMIN_ENV = {"ANSIBLE_ACTION_PLUGINS": str(Path(__file__).resolve().parent / "action_plugins")}


def admin_task(name, path, body=None):
    return {
        "name": name,
        "emulator_admin": {"url": "{{ emulator_url }}", "path": path, **({"body": body} if body is not None else {})},
    }


def faults_task(name, settings):
    return admin_task(name, "faults", settings)


def lost_answer_playbook(key_file):
    tasks = []
    for name, account, actions, module, options in steps(key_file):
        keys = {
            "access_key_id": f"{{{{ account_{account}.admin.access_key_id }}}}",
            "access_key_secret": f"{{{{ account_{account}.admin.access_key_secret }}}}",
        }
        tasks.append(
            faults_task(
                f"lose the answers of {name}", {"lost_answer_rate": 1.0, "lost_answer_limit": 1, "actions": actions}
            )
        )
        tasks.append({"name": name, f"apsaramq.cross_account.{module}": {**options, **keys, "debug_api_calls": True}})
        if name in SNAPSHOTS:
            tasks.append(admin_task(f"state after {name}", "state"))
        if name == "user updated":  # the id only: the secret stays in the file
            tasks.append(
                {
                    "name": "key file",
                    "ansible.builtin.set_fact": {
                        "key_file_id": f"{{{{ (lookup('file', '{key_file}') | from_json).AccessKeyId }}}}"
                    },
                }
            )
    tasks.append(faults_task("answer everything again", {"lost_answer_rate": 0.0}))
    return (
        json.dumps([{"name": "lost answers", "hosts": "localhost", "gather_facts": False, "tasks": tasks}], indent=1)
        + "\n"
    )


@pytest.fixture(scope="module")
def reconcilers(collections_path):
    """The client layer's table, imported from this checkout as Ansible would."""
    sys.path.insert(0, str(collections_path))
    from ansible_collections.apsaramq.cross_account.plugins.module_utils.reconcile import RECONCILERS  # pylint: disable=import-outside-toplevel

    return RECONCILERS


def verdicts(result):
    """{write action: [verdicts]} of the reconciliations a task recorded (debug_api_calls)."""
    found = {}
    for call in result.get("api_calls", []):
        if "reconciliation" in call:
            found.setdefault(call["action"], []).append(call["reconciliation"])
    return found


def test_every_write_action_of_the_table_has_a_step(reconcilers, tmp_path):
    targeted = [action for _name, _account, actions, _module, _options in steps(tmp_path) for action in actions]
    assert sorted(targeted) == sorted(action for table in reconcilers.values() for action in table), (
        "each write action of reconcile.RECONCILERS loses its answer in exactly one step of this test"
    )


# What reading back finds after the lost answer: the write was applied, except where the answer itself is the proof.
EXPECTED_VERDICT = {
    "CreateAccessKey": ["undone"],
    "UpdateLoginProfile": ["not_applied"],
    "CreateTopic": ["retried", "applied"],
    "DeleteTopic": ["retried", "applied"],
    "CreateConsumerGroup": ["retried", "applied"],
    "DeleteConsumerGroup": ["retried", "applied"],
}


@pytest.mark.emulator_only("fault injection (lost_answer) and the emulator state")
def test_each_write_action_survives_a_lost_answer_on_the_first_run(run_playbook, emu, tmp_path):
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    key_file = keys / f"{USER}.json"
    run = run_playbook(lost_answer_playbook(key_file), env=ADMIN_ENV)
    assert run.stats["failures"] == 0
    for name, _account, actions, module, _options in steps(key_file):
        result = run.result(name)
        assert not result.get("failed") and result["changed"] is (module != "rocketmq_access_check"), (
            name,
            result.get("msg"),
        )
        found = verdicts(result)
        assert {action: found.get(action) for action in actions} == {
            action: EXPECTED_VERDICT.get(action, ["applied"]) for action in actions
        }, f"{name}: every targeted action lost its answer once and was settled by reading back"
        reads = [call for call in result["api_calls"] if call.get("reconciles")]
        assert all(not call["write"] for call in reads), "reconciliation only reads"

    policy = ram(run, "policy description", A)["policies"][POLICY]
    assert [version["VersionId"] for version in policy["versions"]] == ["v1", "v2"], "no extra policy version"
    assert policy["Description"] == "two"
    role = ram(run, "role created", A)["roles"][ROLE]
    assert [(p["PolicyType"], p["PolicyName"]) for p in role["attachments"]] == [("Custom", POLICY)], "attached once"

    user = ram(run, "user updated", B)["users"][USER]
    recorded = run.result("key file")["ansible_facts"]["key_file_id"]
    assert [(key["AccessKeyId"], key["Status"]) for key in user["access_keys"]] == [(recorded, "Inactive")], (
        "one AccessKey, the one the key file holds (disabled by the second step)"
    )
    assert user["DisplayName"] == "Lost Answer" and user["login_profile"]["PasswordResetRequired"] is False
    assert run.result("user granted")["access_key"]["access_key_id"] == recorded

    grouped = ram(run, "group created", B)
    group = grouped["groups"][GROUP]
    assert [member["UserId"] for member in group["members"]] == [grouped["users"][USER]["UserId"]], "a member once"
    assert [p["PolicyName"] for p in group["attachments"]] == ["AliyunMQReadOnlyAccess"], "attached once"

    assert run.result("probes")["summary"]["allowed"] == 4 and not run.result("probes").get("leftovers")
    final = emu.admin("GET", "state")["accounts"]
    assert not ({ROLE} & set(final[A]["ram"]["roles"]) or {POLICY} & set(final[A]["ram"]["policies"]))
    assert USER not in final[B]["ram"]["users"] and GROUP not in final[B]["ram"]["groups"]
    assert GRANT_POLICY not in final[B]["ram"]["policies"]
    instance = final[A]["rocketmq"]["instances"][INSTANCE_5X]
    assert not [
        name for name in list(instance["topics"]) + list(instance["groups"]) if name.startswith("ansible-access-check-")
    ]


def ram(run, step, uid):
    return run.result(f"state after {step}")["json"]["accounts"][uid]["ram"]


SETUPS = 20
LOST_ANSWER_RATE = 0.1


def setup_plays(index, keys):
    """Set-up ``index``: the faults of its seed, then Account A's role, Account B's application user, its access."""
    role, app = f"lost-{index}", f"app-{index}"
    role_arn = f"acs:ram::{A}:role/{role}"
    seed = {"lost_answer_rate": LOST_ANSWER_RATE, "seed": index, "products": ["ram", "sts", "rocketmq"]}
    faults = {
        "name": f"faults {index}",
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [admin_task(f"lost answers before {index}", "faults"), faults_task(f"seed {index}", seed)],
    }
    owner = (
        "owner_setup",
        {
            "owner_setup_role_name": role,
            "owner_setup_trusted_accounts": [B],
            "owner_setup_grant": GRANT,
            "owner_setup_account_alias": "owner-a",
        },
    )
    operator = (
        "operator_setup",
        {
            "operator_setup_role_arns": [role_arn],
            "operator_setup_access_key_dir": str(keys),
            "operator_setup_users": [{"name": app, "kind": "application"}],
        },
    )
    access = (
        "operator_access",
        {
            "operator_access_role_arn": role_arn,
            "operator_access_access_key_file": str(keys / f"{app}.json"),
            "operator_access_instance_id": MQ.instance_id,
            "operator_access_expect_allowed": ALLOWED,
            "operator_access_expect_denied": DENIED,
            "operator_access_wait_for_role": 0,
        },
    )
    return [
        faults,
        play("account_a", owner, name=f"owner {index}"),
        play("account_b", operator, name=f"operator {index}"),
        play("account_b", access, name=f"access {index}"),
    ]


@pytest.mark.emulator_only("fault injection (lost_answer) and the emulator state")
def test_seeded_set_ups_with_lost_answers_succeed_on_the_first_run(run_playbook, emu, tmp_path):
    plays = [play_ for index in range(SETUPS) for play_ in setup_plays(index, tmp_path / f"keys-{index}")]
    plays.append(
        {
            "name": "the end",
            "hosts": "localhost",
            "gather_facts": False,
            "tasks": [admin_task(f"lost answers before {SETUPS}", "faults")],
        }
    )
    run = run_playbook(playbook(*plays), env=ADMIN_ENV)
    assert run.stats["failures"] == 0
    state = emu.admin("GET", "state")["accounts"]
    for index in range(SETUPS):
        role, policy, app = f"lost-{index}", f"lost-{index}-rocketmq", f"app-{index}"
        assert [(p["PolicyType"], p["PolicyName"]) for p in state[A]["ram"]["roles"][role]["attachments"]] == [
            ("Custom", policy)
        ]
        assert [version["VersionId"] for version in state[A]["ram"]["policies"][policy]["versions"]] == ["v1"]
        key_file = json.loads((tmp_path / f"keys-{index}" / f"{app}.json").read_text())
        assert [key["AccessKeyId"] for key in state[B]["ram"]["users"][app]["access_keys"]] == [
            key_file["AccessKeyId"]
        ], f"set-up {index}: the key file holds the only key"
    lost = [
        run.result(f"lost answers before {index}")["json"]["counts"]["lost_answer"] for index in range(1, SETUPS + 1)
    ]
    assert sum(lost) >= SETUPS // 2, f"the fault hit: {lost}"
