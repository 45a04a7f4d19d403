"""The roles owner_setup, operator_setup, operator_access and revoke, run by ansible-playbook against the emulator:
argument specs, check mode, convergence, one partner revoked while the other keeps working, full revocation."""

import json
import stat

import pytest
from conftest import ACCOUNTS, MQ, resource_name

A, B, C = (ACCOUNTS[f"account_{letter}"]["uid"] for letter in "abc")
ROLE = resource_name("partner-orders")
ROLE_ARN = f"acs:ram::{A}:role/{ROLE}"
POLICY = f"{ROLE}-rocketmq"
APP = resource_name("orders-app")
INSTANCE = MQ.instance_id
GRANT = {
    "series": "4.x",
    "instance_id": INSTANCE,
    "publish_topics": [MQ.orders],
    "subscribe_topics": [MQ.orders],
    "subscribe_groups": [MQ.orders_group],
}
ALLOWED = [
    {"operation": "publish", "topic": MQ.orders},
    {"operation": "consume", "topic": MQ.orders, "group": MQ.orders_group},
]
DENIED = [
    {"operation": "publish", "topic": MQ.payments},
    {"operation": "consume", "topic": MQ.payments, "group": MQ.payments_group},
]


def play(account, *roles, tasks=(), name=None):
    """A play signed as ``account``'s administrator that applies ``roles`` (role name, vars[, tasks_from]) then ``tasks``."""
    credentials = {
        "access_key_id": "{{ %s.admin.access_key_id }}" % account,
        "access_key_secret": "{{ %s.admin.access_key_secret }}" % account,
    }
    included = [
        {
            "name": f"{role} {index}",
            "ansible.builtin.include_role": {"name": f"apsaramq.cross_account.{role}", **extra},
            "vars": role_vars,
        }
        for index, (role, role_vars, extra) in enumerate((r[0], r[1], r[2] if len(r) > 2 else {}) for r in roles)
    ]
    return {
        "name": name or account,
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": included + list(tasks),
        "module_defaults": {"group/apsaramq.cross_account.all": credentials},
    }


def playbook(*plays):
    return json.dumps(list(plays), indent=1) + "\n"


def owner(trusted=(B,), **extra):
    return (
        "owner_setup",
        {
            "owner_setup_role_name": ROLE,
            "owner_setup_trusted_accounts": list(trusted),
            "owner_setup_grant": GRANT,
            "owner_setup_account_alias": "owner-a",
            **extra,
        },
    )


def operator(keys, users):
    # Each user granted itself: the live clean-up (live_cloud.py) removes no RAM group. The group, operator_setup's
    # default, is tested in test_operator_people.py.
    return (
        "operator_setup",
        {
            "operator_setup_role_arns": [ROLE_ARN],
            "operator_setup_users": users,
            "operator_setup_access_key_dir": str(keys),
            "operator_setup_group": "",
        },
    )


def access(key_file, **extra):
    return (
        "operator_access",
        {
            "operator_access_role_arn": ROLE_ARN,
            "operator_access_access_key_file": str(key_file),
            "operator_access_instance_id": INSTANCE,
            "operator_access_expect_allowed": ALLOWED,
            "operator_access_expect_denied": DENIED,
            "operator_access_wait_for_role": 0,
            **extra,
        },
    )


def show(*names):
    return [{"name": f"show {name}", "ansible.builtin.debug": {"var": name}} for name in names]


def read_back():
    return [
        {"name": "role info", "apsaramq.cross_account.ram_role_info": {"name": ROLE}},
        {"name": "policy info", "apsaramq.cross_account.ram_policy_info": {"name": POLICY, "include_documents": True}},
    ]


def role_task(run, name):
    """The result of the last role task called ``name`` (callbacks prefix role tasks with the role's name)."""
    matching = [task for task in run.tasks if task["task"] == name or task["task"].endswith(f" : {name}")]
    assert matching, f"no task named {name!r} ran"
    return matching[-1]


def ram_state(emu, uid):
    return emu.admin("GET", "state")["accounts"][uid]["ram"]


@pytest.mark.emulator_only("the call log proves no API call")
def test_argument_specs_refuse_bad_input_before_any_api_call(run_playbook, emu):
    cases = [
        ("owner_setup", {"owner_setup_grant": {"series": "6.x", "instance_id": INSTANCE}}, "owner_setup_grant"),
        ("owner_setup", {"owner_setup_grant": {**GRANT, "publish_topic": ["x"]}}, "publish_topic"),
        ("owner_setup", {"owner_setup_trust_mode": "remove"}, "owner_setup_trust_mode"),
        ("operator_setup", {}, "operator_setup_users"),
        ("operator_setup", {"operator_setup_users": [{"name": "bot", "kind": "robot"}]}, "kind"),
        ("operator_access", {}, "operator_access_role_arn"),
        ("revoke", {"revoke_mode": "everything"}, "revoke_mode"),
        ("revoke", {"revoke_verify_session": {"access_key_id": "STS.x"}}, "revoke_verify_session"),
    ]
    # A refused role stops at its validation task; the rescue lets the play go on to the next case.
    tasks = [
        {
            "name": f"case {index}",
            "block": [{"ansible.builtin.include_role": {"name": f"apsaramq.cross_account.{role}"}, "vars": role_vars}],
            "rescue": [{"ansible.builtin.meta": "noop"}],
        }
        for index, (role, role_vars, _option) in enumerate(cases)
    ]
    run = run_playbook(playbook(play("account_a", tasks=tasks)))
    refusals = [task for task in run.tasks if "Validating arguments against arg spec" in task["task"]]
    assert len(refusals) == len(cases)
    for refusal, (role, _vars, option) in zip(refusals, cases):
        assert refusal.get("failed"), (role, option, refusal)
        assert "Validation of arguments failed" in refusal["msg"] and option in refusal["msg"], refusal["msg"]
    assert emu.calls()["calls"] == []


@pytest.mark.emulator_only("call counters and emulator state")
def test_owner_setup_predicts_in_check_mode_then_applies_and_converges(run_playbook, emu):
    setup = playbook(play("account_a", owner(), tasks=show("owner_setup_role_arn", "owner_setup_switch_role")))
    predicted = run_playbook(setup, check=True, diff=True)
    assert predicted.stats["changed"] >= 2 and emu.calls()["writes"] == 0
    assert ROLE not in ram_state(emu, A)["roles"]
    # The dry run predicts the attachment of the custom policy that its own earlier task would create.
    predicted_role = role_task(predicted, f"RAM role trusted by the partners: {ROLE}")
    assert predicted_role["role"]["policies"] == [{"policy_name": POLICY, "policy_type": "Custom"}]
    assert any(POLICY in warning for warning in predicted_role.get("warnings", []))

    applied = run_playbook(setup)
    assert applied.stats["changed"] >= 2
    assert applied.result("show owner_setup_role_arn")["owner_setup_role_arn"] == ROLE_ARN
    assert applied.result("show owner_setup_switch_role")["owner_setup_switch_role"]["account"] == "owner-a"
    read = run_playbook(playbook(play("account_a", tasks=read_back())))
    role = read.result("role info")["roles"][0]
    assert role["trusted_principals"]["accounts"] == [B]
    assert role["policies"] == [{"policy_name": POLICY, "policy_type": "Custom"}]
    assert read.result("policy info")["policies"][0]["document"]["Statement"][1]["Resource"] == [
        f"acs:mq:*:*:{INSTANCE}%orders"
    ]

    emu.reset_calls()
    again = run_playbook(setup)
    assert again.stats["changed"] == 0 and emu.calls()["writes"] == 0
    assert run_playbook(setup, check=True).stats["changed"] == 0


@pytest.mark.emulator_only("call counters")
def test_owner_setup_shows_a_changed_grant_in_check_mode_without_writing(run_playbook, emu):
    run_playbook(playbook(play("account_a", owner())))
    emu.reset_calls()
    wider = playbook(play("account_a", owner(owner_setup_grant={**GRANT, "publish_topics": ["orders", "audit"]})))
    predicted = run_playbook(wider, check=True, diff=True, callback="default")
    assert f"+                    \"acs:mq:*:*:{INSTANCE}%audit\"" in predicted.stdout
    assert "changed=1" in predicted.stdout and emu.calls()["writes"] == 0


@pytest.mark.emulator_only("call counters and emulator state")
def test_operator_setup_grants_users_writes_a_private_key_once_and_converges(run_playbook, emu, tmp_path):
    keys = tmp_path / "keys"
    setup = playbook(
        play(
            "account_b",
            operator(keys, [{"name": "alice", "create_user": False}, {"name": "orders-app", "kind": "application"}]),
        )
    )
    predicted = run_playbook(setup, check=True)
    assert predicted.stats["changed"] >= 1 and emu.calls()["writes"] == 0 and not (keys / "orders-app.json").exists()

    run_playbook(setup)
    key_file = keys / "orders-app.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and stat.S_IMODE(keys.stat().st_mode) == 0o700
    key = json.loads(key_file.read_text())
    users = ram_state(emu, B)["users"]
    assert key["AccessKeyId"] in json.dumps(users["orders-app"])
    assert {p["PolicyName"] for p in ram_state(emu, B)["policies"].values()} == {
        "AssumeRole-alice",
        "AssumeRole-orders-app",
    }

    emu.reset_calls()
    assert run_playbook(setup).stats["changed"] == 0 and emu.calls()["writes"] == 0
    assert json.loads(key_file.read_text()) == key


@pytest.mark.shares_mq_topics
def test_operator_access_proves_the_matrix_writes_a_profile_and_prints_the_console_details(run_playbook, tmp_path):
    keys, profile = tmp_path / "keys", tmp_path / "aliyun" / "config.json"
    run = run_playbook(
        playbook(
            play("account_a", owner()),
            play("account_b", operator(keys, [{"name": APP, "kind": "application"}])),
            play(
                "account_b",
                access(
                    keys / f"{APP}.json",
                    operator_access_profile_file=str(profile),
                    operator_access_profile_name="owner-a",
                    operator_access_user_name="orders-app",
                    operator_access_account_alias="partner-b",
                    operator_access_owner_alias="owner-a",
                ),
                tasks=show("operator_access_matrix"),
                name="B's application",
            ),
        )
    )
    matrix = run.result("show operator_access_matrix")["operator_access_matrix"]
    assert [(row["operation"], row["topic"], row["actual"]) for row in matrix] == [
        ("publish", MQ.orders, "allowed"),
        ("consume", MQ.orders, "allowed"),
        ("publish", MQ.payments, "denied"),
        ("consume", MQ.payments, "denied"),
    ]
    console = " ".join(role_task(run, "Show the console switch-role details")["msg"])
    assert "orders-app@partner-b.onaliyun.com" in console and f"account owner-a and role {ROLE}" in console
    assert stat.S_IMODE(profile.stat().st_mode) == 0o600
    assert [p["name"] for p in json.loads(profile.read_text())["profiles"]] == ["owner-a"]


@pytest.mark.emulator_only("call counters")
def test_operator_access_in_check_mode_assumes_the_role_but_writes_nothing(run_playbook, emu, tmp_path):
    keys, profile = tmp_path / "keys", tmp_path / "aliyun" / "config.json"
    run_playbook(
        playbook(
            play("account_a", owner()),
            play("account_b", operator(keys, [{"name": "orders-app", "kind": "application"}])),
        )
    )
    emu.reset_calls()
    with_profile = access(
        keys / "orders-app.json", operator_access_profile_file=str(profile), operator_access_profile_name="owner-a"
    )
    run = run_playbook(playbook(play("account_b", with_profile, tasks=show("operator_access_matrix"))), check=True)
    assert [row["actual"] for row in run.result("show operator_access_matrix")["operator_access_matrix"]] == [
        "skipped"
    ] * 4
    assert emu.calls()["writes"] == 0 and [c["action"] for c in emu.calls(product="sts")["calls"]] == ["AssumeRole"]
    assert not profile.exists() and run.stats["changed"] == 0


@pytest.mark.emulator_only("emulator state")
def test_owner_setup_with_system_policies_only_attaches_them_and_makes_no_custom_policy(run_playbook, emu):
    system_only = (
        "owner_setup",
        {
            "owner_setup_role_name": ROLE,
            "owner_setup_trusted_accounts": [B],
            "owner_setup_system_policies": ["AliyunMQSubOnlyAccess"],
        },
    )
    run = run_playbook(playbook(play("account_a", system_only, tasks=read_back())))
    assert run.result("role info")["roles"][0]["policies"] == [
        {"policy_name": "AliyunMQSubOnlyAccess", "policy_type": "System"}
    ]
    assert ram_state(emu, A)["policies"] == {}


@pytest.mark.emulator_only("call counters")
def test_operator_setup_diff_shows_the_new_user_and_its_exact_grant_then_nothing_on_a_second_run(
    run_playbook, emu, tmp_path
):
    keys = tmp_path / "keys"
    setup = playbook(play("account_b", operator(keys, [{"name": "orders-app", "kind": "application"}])))
    first = run_playbook(setup, diff=True)
    [granted] = role_task(first, "Users of Account B allowed to assume the role")["results"]
    assert granted["diff"] == {
        "before": {},
        "after": {
            "user": {"user_name": "orders-app", "display_name": "orders-app", "comments": ""},
            "grant_policies": ["Custom:AssumeRole-orders-app"],
            "grant_document": {
                "Version": "1",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": [ROLE_ARN]}],
            },
        },
    }
    assert any(line.startswith("+") and f'"{ROLE_ARN}"' in line for line in first.stdout.splitlines())
    # The AccessKey made in the same task stays out of the diff and the output.
    assert json.loads((keys / "orders-app.json").read_text())["AccessKeySecret"] not in first.output

    emu.reset_calls()
    second = run_playbook(setup, diff=True)
    [kept] = role_task(second, "Users of Account B allowed to assume the role")["results"]
    assert kept["diff"]["before"] == kept["diff"]["after"] == granted["diff"]["after"]
    assert second.stats["changed"] == 0 and emu.calls()["writes"] == 0 and "--- before" not in second.stdout
