"""All-or-nothing roles: every input of owner_setup, operator_setup, operator_access and revoke (and of the playbooks
that run them) is checked before the first API call, derived values included, so that bad input changes nothing.

Each bad input below is run on its own (a role through a small play, or a playbook of playbooks/ with the example
inventory and -e): the run fails, the emulator saw no call of any kind (reads included, every product: its call log
and the count of requests it routed), and the failure names the role variable (for a derived value, also the variable
it comes from)."""

import json
import subprocess

import pytest
from conftest import ACCOUNTS, BIN, REPO, playbook_env
from test_roles import GRANT, INSTANCE, ROLE, ROLE_ARN, play, playbook, ram_state, role_task

pytestmark = pytest.mark.emulator_only(
    "the call log proves no API call; the example inventory names the emulator's accounts"
)

A, B = ACCOUNTS["account_a"]["uid"], ACCOUNTS["account_b"]["uid"]
INVENTORY = REPO / "playbooks" / "inventory"
EXTERNAL_ID_WITH_A_BAD_CHARACTER = "contract 4711!"

OWNER = {"owner_setup_role_name": ROLE, "owner_setup_trusted_accounts": [B], "owner_setup_grant": GRANT}
OPERATOR = {
    "operator_setup_role_arns": [ROLE_ARN],
    "operator_setup_users": [{"name": "alice"}, {"name": "orders-app", "kind": "application"}],
}
ACCESS = {
    "operator_access_role_arn": ROLE_ARN,
    "operator_access_instance_id": INSTANCE,
    "operator_access_wait_for_role": 0,
    "operator_access_expect_allowed": [{"operation": "publish", "topic": "orders"}],
}
REVOKE = {"revoke_role_name": ROLE}


def case(role, overrides, *named, base=None, tasks_from=None, id=None):  # pylint: disable=redefined-builtin
    """A bad input: the role, its variables (``base`` of the role updated with ``overrides``), what the failure names."""
    defaults = {"owner_setup": OWNER, "operator_setup": OPERATOR, "operator_access": ACCESS, "revoke": REVOKE}[role]
    role_vars = {**(defaults if base is None else base), **overrides}
    return pytest.param(role, role_vars, tasks_from, named, id=id)


ROLE_CASES = [
    # owner_setup: the role, its trust, its policy
    case(
        "owner_setup",
        {"owner_setup_trusted_accounts": ["12345"]},
        "owner_setup_trusted_accounts[0]",
        "'12345'",
        id="owner-uid-5-digits",
    ),
    case(
        "owner_setup",
        {"owner_setup_role_name": "bad/name"},
        "owner_setup_role_name",
        "'bad/name'",
        "owner_setup_policy_name (derived from owner_setup_role_name)",
        "'bad/name-rocketmq'",
        id="owner-role-name-slash",
    ),
    case(
        "owner_setup",
        {"owner_setup_role_name": "r" * 65},
        "owner_setup_role_name",
        "must be 1 to 64 characters long",
        id="owner-role-name-65",
    ),
    case(
        "owner_setup",
        {"owner_setup_max_session_duration": 100},
        "owner_setup_max_session_duration",
        "from 3600 to 43200",
        id="owner-duration-100",
    ),
    case(
        "owner_setup",
        {"owner_setup_max_session_duration": "abc"},
        "owner_setup_max_session_duration",
        id="owner-duration-abc",
    ),
    case(
        "owner_setup",
        {"owner_setup_external_id": EXTERNAL_ID_WITH_A_BAD_CHARACTER},
        "owner_setup_external_id",
        "may contain only",
        id="owner-external-id-bad-character",
    ),
    case(
        "owner_setup",
        {"owner_setup_external_id": "x"},
        "owner_setup_external_id",
        "must be 2 to 1224 characters long",
        id="owner-external-id-1-char",
    ),
    case(
        "owner_setup",
        {"owner_setup_trusted_ram_arns": [f"acs:ram::{B}:usr/alice"]},
        "owner_setup_trusted_ram_arns[0]",
        id="owner-ram-arn",
    ),
    case(
        "owner_setup",
        {"owner_setup_grant": {**GRANT, "instance_id": "MQ_INST bad"}},
        "owner_setup_grant.instance_id",
        id="owner-grant-instance",
    ),
    case(
        "owner_setup",
        {"owner_setup_grant": {**GRANT, "publish_topics": ["orders*"]}},
        "owner_setup_grant.publish_topics[0]",
        id="owner-grant-topic",
    ),
    case(
        "owner_setup",
        {"owner_setup_system_policies": ["AliyunMQ/SubOnly"]},
        "owner_setup_system_policies[0]",
        "'AliyunMQ/SubOnly'",
        id="owner-system-policy",
    ),
    case(
        "owner_setup",
        {"owner_setup_policy_name": "p" * 129},
        "owner_setup_policy_name",
        "must be 1 to 128 characters long",
        id="owner-policy-name-129",
    ),
    case(
        "owner_setup",
        {
            "owner_setup_role_name": "bad/name",
            "owner_setup_trusted_accounts": [B, "12345"],
            "owner_setup_max_session_duration": 100,
        },
        "owner_setup_role_name",
        "owner_setup_trusted_accounts[1]",
        "owner_setup_max_session_duration",
        id="owner-every-problem-listed",
    ),
    # operator_setup: every user, before the first is created
    case(
        "operator_setup",
        {"operator_setup_users": [{"name": "alice"}, {"name": "bad name"}]},
        "operator_setup_users[1].name",
        "'bad name'",
        id="operator-second-user-name",
    ),
    case(
        "operator_setup",
        {
            "operator_setup_grant_mode": "system",
            "operator_setup_role_arns": [],
            "operator_setup_users": [{"name": "alice"}, {"name": "bob", "role_arns": [ROLE_ARN]}],
        },
        "operator_setup_users[0].role_arns: user alice has no role ARN to assume",
        id="operator-system-mode-user-without-role",
    ),
    case(
        "operator_setup",
        {"operator_setup_role_arns": ["acs:ram::1000:role/partner"]},
        "operator_setup_role_arns[0]",
        id="operator-role-arn",
    ),
    case(
        "operator_setup",
        {"operator_setup_users": [{"name": "alice"}, {"name": "bob", "role_arns": [f"acs:ram::{A}:role/bad/role"]}]},
        "operator_setup_users[1].role_arns[0]",
        id="operator-user-role-arn",
    ),
    case(
        "operator_setup",
        {"operator_setup_users": [{"name": "alice", "display_name": "A" * 129}]},
        "operator_setup_users[0].display_name",
        "at most 128 characters",
        id="operator-display-name-129",
    ),
    case(
        "operator_setup",
        {"operator_setup_users": [{"name": "alice", "comments": "c" * 129}, {"name": "u" * 65}]},
        "operator_setup_users[0].comments",
        "operator_setup_users[1].name",
        id="operator-every-user-listed",
    ),
    # operator_access: the AssumeRole and the expected matrix
    case(
        "operator_access",
        {"operator_access_role_arn": "acs:ram::123:role/partner-orders"},
        "operator_access_role_arn",
        id="access-role-arn",
    ),
    case(
        "operator_access",
        {"operator_access_session_name": "x"},
        "operator_access_session_name",
        "'x'",
        id="access-session-name-1-char",
    ),
    case(
        "operator_access",
        {"operator_access_duration_seconds": 100},
        "operator_access_duration_seconds",
        "from 900 to 43200",
        id="access-duration-100",
    ),
    case(
        "operator_access", {"operator_access_external_id": "!"}, "operator_access_external_id", id="access-external-id"
    ),
    case(
        "operator_access",
        {"operator_access_expect_allowed": [{"operation": "fly", "topic": "orders"}]},
        "operator_access_expect_allowed",
        id="access-unknown-operation",
    ),
    case(
        "operator_access",
        {"operator_access_expect_allowed": [{"operation": "publish"}], "operator_access_instance_id": INSTANCE},
        "operator_access_expect_allowed[0]",
        "needs topic",
        id="access-publish-without-topic",
    ),
    case(
        "operator_access",
        {"operator_access_profile_file": "/tmp/never-written/config.json"},
        "operator_access_profile_name",
        id="access-profile-without-name",
    ),
    case(
        "operator_access", {"operator_access_wait_for_role": 601}, "operator_access_wait_for_role", id="access-wait-601"
    ),
    # revoke: the revocation and its proofs; Account B's clean-up
    case("revoke", {"revoke_role_name": "bad/name"}, "revoke_role_name", "'bad/name'", id="revoke-role-name"),
    case(
        "revoke", {"revoke_mode": "trust", "revoke_accounts": ["12345"]}, "revoke_accounts[0]", id="revoke-account-uid"
    ),
    case(
        "revoke",
        {"revoke_mode": "trust", "revoke_ram_arns": [f"acs:ram::{B}:usr/alice"]},
        "revoke_ram_arns[0]",
        id="revoke-ram-arn",
    ),
    case(
        "revoke",
        {"revoke_custom_policies": ["partner_orders.rocketmq"]},
        "revoke_custom_policies[0]",
        id="revoke-custom-policy",
    ),
    case(
        "revoke",
        {
            "revoke_verify_credentials": {"access_key_id": "EMUAKBADMIN000000002", "access_key_secret": "secret-value"},
            "revoke_verify_external_id": "x",
        },
        "revoke_verify_external_id",
        id="revoke-verify-external-id",
    ),
    case(
        "revoke",
        {
            "revoke_verify_expect_denied": [{"operation": "consume", "topic": "orders"}],
            "revoke_verify_instance_id": INSTANCE,
        },
        "revoke_verify_expect_denied[0]",
        "needs group",
        id="revoke-verify-consume-without-group",
    ),
    case(
        "revoke",
        {"revoke_operator_users": ["alice", "bad name"]},
        "revoke_operator_users[1]",
        "'bad name'",
        base={},
        tasks_from="operator_cleanup",
        id="revoke-operator-user",
    ),
]


def _calls_seen(emu):
    """Every API call the emulator logged (any product, reads included) and every request it routed, authenticated or not."""
    return emu.calls()["calls"], emu.admin("GET", "faults")["counts"]["matched"]


def _failure(run):
    """The message of the task that stopped the run (its last failed task)."""
    failed = [task for task in run.tasks if task.get("failed")]
    assert failed, f"no task failed; tasks: {[task['task'] for task in run.tasks]}"
    return failed[-1].get("msg", "")


def _case_block(index, case_param):
    """One bad input as a block: the role included with its variables; the rescue records the message that stopped it.

    The preflight fails before any task that sets a fact, so the cases of one play do not leak into each other."""
    role, role_vars, tasks_from, _named = case_param.values
    include = {"name": f"apsaramq.cross_account.{role}", **({"tasks_from": tasks_from} if tasks_from else {})}
    record = "{{ role_input_failures | default({}) | combine({'%s': %s}) }}"
    return {
        "name": f"case {case_param.id}",
        "block": [
            {"ansible.builtin.include_role": include, "vars": role_vars},
            {"ansible.builtin.set_fact": {"role_input_failures": record % (index, "'NOT REFUSED'")}},
        ],
        "rescue": [
            {"ansible.builtin.set_fact": {"role_input_failures": record % (index, "ansible_failed_result.msg")}}
        ],
    }


def test_every_bad_role_input_fails_before_any_api_call(run_playbook, emu):
    """All the role cases in one run (one ansible-playbook start instead of one per case): the emulator must have seen
    no call at all, so none of them made one, and each message names its variables."""
    cases = list(ROLE_CASES)
    tasks = [_case_block(index, case_param) for index, case_param in enumerate(cases)]
    tasks.append({"name": "show role_input_failures", "ansible.builtin.debug": {"var": "role_input_failures"}})
    run = run_playbook(playbook(play("account_a", tasks=tasks)))

    assert _calls_seen(emu) == ([], 0), "an API call was made before an input was refused"
    failures = run.result("show role_input_failures")["role_input_failures"]
    wrong = []
    for index, case_param in enumerate(cases):
        message = failures[str(index)]
        missing = [text for text in case_param.values[3] if text not in message]
        if message == "NOT REFUSED" or missing:
            wrong.append(f"{case_param.id}: {missing or 'not refused'} in {message!r}")
    assert not wrong, "\n".join(wrong)
    assert len(cases) >= 25
    assert EXTERNAL_ID_WITH_A_BAD_CHARACTER not in run.output, "an ExternalId was echoed"
    assert "secret-value" not in run.output


def test_bad_input_in_check_mode_fails_the_same_way(run_playbook, emu):
    run = run_playbook(
        playbook(play("account_a", ("owner_setup", {**OWNER, "owner_setup_trusted_accounts": ["12345"]}))),
        check=True,
        expect_rc=None,
    )
    assert run.rc != 0 and _calls_seen(emu) == ([], 0)
    assert "owner_setup_trusted_accounts[0]" in _failure(run)


def test_the_first_user_is_not_created_when_the_second_is_invalid(run_playbook, emu, tmp_path):
    users = [{"name": "alice-new", "kind": "application"}, {"name": "bad/name"}]
    keys = tmp_path / "keys"
    role_vars = {**OPERATOR, "operator_setup_users": users, "operator_setup_access_key_dir": str(keys)}
    run = run_playbook(playbook(play("account_b", ("operator_setup", role_vars))), expect_rc=None)
    assert run.rc != 0 and _calls_seen(emu) == ([], 0)
    assert "alice-new" not in ram_state(emu, B)["users"]
    assert not keys.exists(), "the first user's AccessKey directory was made"
    assert "operator_setup_users[1].name: 'bad/name'" in _failure(run)


def test_a_grant_the_filter_refuses_is_reported_with_the_other_problems(run_playbook, emu):
    bad = {
        **OWNER,
        "owner_setup_grant": {**GRANT, "instance_id": "MQ_INST bad"},
        "owner_setup_trusted_accounts": ["12345"],
    }
    run = run_playbook(playbook(play("account_a", ("owner_setup", bad))), expect_rc=None)
    assert run.rc != 0 and _calls_seen(emu) == ([], 0)
    message = _failure(run)
    assert message.startswith("Invalid input, nothing was changed: ")
    assert "owner_setup_grant.instance_id: is not a valid instance id: 'MQ_INST bad'" in message
    assert "owner_setup_trusted_accounts[0]" in message


# --- the playbooks with the example inventory ---------------------------------------------------------------------

PLAYBOOK_CASES = [
    pytest.param(
        "owner.yml", {"owner_setup_trusted_accounts": ["12345"]}, ["owner_setup_trusted_accounts[0]"], id="owner.yml"
    ),
    pytest.param(
        "owner.yml",
        {"cross_account_role_name": "bad/name"},
        ["owner_setup_role_name", "owner_setup_policy_name (derived from owner_setup_role_name)"],
        id="owner.yml-shared-role-name",
    ),
    pytest.param(
        "operator.yml",
        {"operator_setup_users": [{"name": "alice"}, {"name": "orders app"}]},
        ["operator_setup_users[1].name"],
        id="operator.yml",
    ),
    pytest.param(
        "access.yml", {"operator_access_session_name": "x"}, ["operator_access_session_name"], id="access.yml"
    ),
    pytest.param("revoke.yml", {"revoke_role_name": "bad/name"}, ["revoke_role_name"], id="revoke.yml"),
]


def run_example_playbook(emu, collections_path, tmp_path, name, extra_vars):
    """``ansible-playbook -i playbooks/inventory playbooks/<name> -e ...`` as a user runs it, the keys in the environment."""
    report = tmp_path / "report.json"
    env = playbook_env(emu.url, collections_path, tmp_path, report)
    for letter in "ab":
        admin = ACCOUNTS[f"account_{letter}"]["admin"]
        env[f"ACCOUNT_{letter.upper()}_ACCESS_KEY_ID"] = admin["access_key_id"]
        env[f"ACCOUNT_{letter.upper()}_ACCESS_KEY_SECRET"] = admin["access_key_secret"]
    variables = {"operator_setup_access_key_dir": str(tmp_path / "keys"), **extra_vars}
    command = [
        str(BIN / "ansible-playbook"),
        "-i",
        str(INVENTORY),
        str(REPO / "playbooks" / name),
        "-e",
        json.dumps(variables),
    ]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=str(REPO), timeout=600, check=False)
    tasks = (
        [
            dict(task=task["task"]["name"], **result)
            for play_report in json.loads(report.read_text())["plays"]
            for task in play_report["tasks"]
            for result in task["hosts"].values()
        ]
        if report.exists()
        else []
    )
    return proc, tasks


@pytest.mark.parametrize("name, extra_vars, named", PLAYBOOK_CASES)
def test_a_bad_input_of_a_playbook_fails_before_any_api_call(emu, collections_path, tmp_path, name, extra_vars, named):
    proc, tasks = run_example_playbook(emu, collections_path, tmp_path, name, extra_vars)
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert _calls_seen(emu) == ([], 0), proc.stdout[-6000:]
    failed = [task for task in tasks if task.get("failed")]
    assert failed, proc.stdout[-3000:]
    for text in named:
        assert text in failed[-1]["msg"], failed[-1]["msg"]


# --- valid input: the preflight passes and makes no call of its own --------------------------------------------------


def test_valid_input_passes_the_preflight_without_an_api_call_of_its_own(run_playbook, emu):
    accounted = play("account_a", ("owner_setup", OWNER))
    accounted["module_defaults"]["group/apsaramq.cross_account.all"]["debug_api_calls"] = True
    run = run_playbook(playbook(accounted))

    preflight = role_task(run, "Check every input before the first API call")
    assert not preflight.get("failed") and preflight["checked"] == 2 and preflight["changed"] is False
    assert "api_calls" not in preflight
    # Every call the emulator logged is one a later task accounted for: none is the preflight's.
    accounted_calls = [call for task in run.tasks for call in task.get("api_calls", [])]
    logged = emu.calls()["calls"]
    assert len(logged) == len(accounted_calls) > 0
    assert (logged[0]["product"], logged[0]["action"]) == (accounted_calls[0]["product"], accounted_calls[0]["action"])
    first_caller = next(task for task in run.tasks if task.get("api_calls"))
    assert first_caller["task"].endswith(f"Custom policy {ROLE}-rocketmq")


def test_the_preflight_runs_in_check_mode_and_changes_nothing(run_playbook, emu):
    run = run_playbook(playbook(play("account_a", ("owner_setup", OWNER))), check=True)
    preflight = role_task(run, "Check every input before the first API call")
    assert preflight["checked"] == 2 and preflight["changed"] is False
    assert emu.calls()["writes"] == 0


def test_the_role_inputs_of_the_example_inventory_pass(emu, collections_path, tmp_path):
    """The example inventory's own values pass owner.yml's preflight, and the play goes on to set up Account A."""
    proc, tasks = run_example_playbook(emu, collections_path, tmp_path, "owner.yml", {})
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert [
        task.get("checked") for task in tasks if task["task"].endswith("Check every input before the first API call")
    ] == [2]


def test_secrets_and_external_ids_are_never_echoed(run_playbook, emu):
    secret = "do-not-show-this-secret"
    bad = {**ACCESS, "operator_access_external_id": "ext id " + secret, "operator_access_session_name": "x"}
    run = run_playbook(playbook(play("account_b", ("operator_access", bad))), expect_rc=None, verbosity=0)
    assert run.rc != 0 and _calls_seen(emu) == ([], 0)
    message = _failure(run)
    assert "operator_access_external_id: may contain only" in message and "operator_access_session_name: 'x'" in message
    assert secret not in message
