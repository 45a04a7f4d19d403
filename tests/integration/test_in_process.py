"""In-process execution (plugins/plugin_utils/in_process.py): the same tasks, run in Ansible's worker and shipped.

The integration suite runs every module in-process (ansible_python_interpreter is the controller's own Python);
APSARAMQ_IN_PROCESS=false ships them as before. Here, side by side and from the same state:
- every module gives the same results, changed, diff, warnings, failures and API calls (normal and check mode, loops
  whose items share one worker), and no secret shows at -vvvv;
- the fallback is taken, and works, for become, async, a non-local connection and another interpreter; the free
  strategy and --forks 2 with both accounts in one play run in-process;
- a controller that cannot import the SDK ships the module; an exception inside a module is a failed task.
Which way a task went is read from the -vvv line the action plugin prints (``run in-process`` / ``shipped``).
"""

import json
import re

import pytest
import yaml
from conftest import ACCOUNTS, needs_in_process_core, resource_name

pytestmark = needs_in_process_core
A, B = ACCOUNTS["account_a"], ACCOUNTS["account_b"]
SHIP = {"APSARAMQ_IN_PROCESS": "false"}
IN_PROCESS = "run in-process in the worker"
SHIPPED = "shipped as a module process"
COLLECTION = "apsaramq.cross_account"
INSTANCE_5X = "rmq-cn-emu5x0001"
POLICY, ROLE, USER = resource_name("inproc-read"), resource_name("inproc-partner"), resource_name("inproc-operator")
ROLE_ARN = f"acs:ram::{A['uid']}:role/{ROLE}"
WRONG_SECRET = "inproc-wrong-secret-0000000000000001"
ALIAS_WARNING = "Both option region and its alias alicloud_region are set."
READ_5X = {
    "Version": "1",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["rocketmq:Get*", "rocketmq:List*"],
            "Resource": [f"acs:rocketmq:*:*:instance/{INSTANCE_5X}", f"acs:rocketmq:*:*:instance/{INSTANCE_5X}/*"],
        }
    ],
}
# Values that differ between two runs whatever runs them: the emulator's clock and the ids it makes up, the access
# check's random probe tag, the timing; in texts, request ids and the signed string a signature error quotes.
VOLATILE_KEYS = re.compile(r"(date|role_id|user_id|request_id|probe_tag|_timing)$")
VOLATILE_TEXT = re.compile(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}|string to sign is:[\s\S]*?(?= \(request id|$)")


def jinja(expression):
    return "{{ " + expression + " }}"


def task(name, module, args, **keywords):
    return {"name": name, f"{COLLECTION}.{module}": args, **keywords}


def admin_play(name, account, tasks, **keywords):
    keys = {option: jinja(f"{account}.admin.{option}") for option in ("access_key_id", "access_key_secret")}
    return {
        "name": name,
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": tasks,
        "module_defaults": {f"group/{COLLECTION}.all": keys},
        **keywords,
    }


def policy_task(name, **keywords):
    # Item 1 sets an option and its alias: AnsibleModule warns; item 2, in the same worker, must not inherit it.
    args = {
        "name": f"{POLICY}-{jinja('item')}",
        "document": READ_5X,
        "region": "cn-hangzhou",
        "alicloud_region": jinja("'cn-hangzhou' if item == 1 else omit"),
    }
    return task(name, "ram_policy", args, loop=[1, 2], **keywords)


ROLE_ARGS = {"name": ROLE, "trusted_accounts": [B["uid"]], "policies": [f"Custom:{POLICY}-1"]}
GRANT_ARGS = {"user_name": USER, "role_arns": [ROLE_ARN]}
EQUIVALENCE = yaml.safe_dump(
    [
        admin_play(
            "Account A",
            "account_a",
            [
                policy_task("check policies", check_mode=True),
                task("check role", "ram_role", ROLE_ARGS, check_mode=True),
                task(
                    "preflight",
                    "preflight",
                    {"tasks": [{"module": "ram_role", "args": dict(ROLE_ARGS, name="bad name!")}]},
                    ignore_errors=True,
                ),
                policy_task("policies"),
                task("role", "ram_role", ROLE_ARGS),
                task("role info", "ram_role_info", {"name": ROLE, "include_policy_documents": True}),
                task("policy info", "ram_policy_info", {"name": f"{POLICY}-1"}),
                task(
                    "refused before any call", "ram_role", dict(ROLE_ARGS, max_session_duration=60), ignore_errors=True
                ),
                task(
                    "wrong secret",
                    "ram_role_info",
                    {"name": ROLE, "access_key_secret": WRONG_SECRET},
                    ignore_errors=True,
                ),
            ],
        ),
        admin_play(
            "Account B",
            "account_b",
            [
                task("check grant", "ram_user_grant", GRANT_ARGS, check_mode=True),
                task("grant", "ram_user_grant", GRANT_ARGS),
                task(
                    "assume",
                    "sts_assume",
                    {
                        "role_arn": ROLE_ARN,
                        "session_name": "inproc",
                        "profile_file": jinja("profile_file"),
                        "profile_name": "inproc",
                    },
                ),
                task(
                    "access check",
                    "rocketmq_access_check",
                    {
                        "assume_role": {"role_arn": ROLE_ARN, "session_name": "inproc-check"},
                        "instance_id": INSTANCE_5X,
                        "expect_allowed": [{"operation": "get_topic", "topic": "orders-v5"}],
                        "expect_denied": [{"operation": "list_instances"}],
                    },
                ),
            ],
        ),
    ],
    sort_keys=False,
)
MODULE_TASKS = 15  # module task runs of EQUIVALENCE, loop items counted


def normalized(value):
    """``value`` with what differs between any two runs blanked out, to compare the rest exactly."""
    if isinstance(value, dict):
        return {key: "<volatile>" if VOLATILE_KEYS.search(key) else normalized(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalized(item) for item in value]
    return VOLATILE_TEXT.sub("<volatile>", value) if isinstance(value, str) else value


def task_results(run):
    return [
        [result["task"], normalized({key: value for key, value in result.items() if key != "task"})]
        for result in run.tasks
    ]


def differences(left, right, path="$"):
    """The paths where two JSON-like values differ (for a readable assertion message)."""
    if isinstance(left, dict) and isinstance(right, dict):
        return [
            found
            for key in sorted(set(left) | set(right), key=str)
            for found in differences(left.get(key, "<absent>"), right.get(key, "<absent>"), f"{path}.{key}")
        ]
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        return [
            found for index, pair in enumerate(zip(left, right)) for found in differences(*pair, f"{path}[{index}]")
        ]
    return [] if left == right else [f"{path}: {left!r} != {right!r}"[:300]]


def task_sections(output):
    """{task name: its -vvv output} (one host per play, so each section is one task's)."""
    parts = re.split(r"^TASK \[(.+?)\] \**$", output, flags=re.MULTILINE)
    sections = {}
    for name, text in zip(parts[1::2], parts[2::2]):
        sections[name] = sections.get(name, "") + text
    return sections


@pytest.mark.emulator_only("compares the emulator's call logs of the two runs")
def test_in_process_and_shipped_runs_are_the_same(emu, run_playbook, tmp_path):
    runs, calls, secrets = {}, {}, {A["admin"]["access_key_secret"], B["admin"]["access_key_secret"], WRONG_SECRET}
    for way, env in (("in-process", {}), ("shipped", SHIP)):
        emu.reset()
        profile_file = tmp_path / way / "config.json"
        runs[way] = run_playbook(EQUIVALENCE, {"profile_file": str(profile_file)}, diff=True, verbosity=4, env=env)
        calls[way] = [
            (call["product"], call["action"], call["write"], call["identity"]) for call in emu.calls()["calls"]
        ]
        profile = json.loads(profile_file.read_text())["profiles"][0]
        secrets |= {profile["access_key_secret"], profile["sts_token"]}

    inside, shipped = runs["in-process"], runs["shipped"]
    mismatches = differences(task_results(inside), task_results(shipped))
    assert not mismatches, mismatches
    assert calls["in-process"] == calls["shipped"]
    assert inside.stats == shipped.stats
    assert inside.output.count(IN_PROCESS) == MODULE_TASKS and SHIPPED not in inside.output
    assert (
        shipped.output.count(f"{SHIPPED}: APSARAMQ_IN_PROCESS is false") == MODULE_TASKS
        and IN_PROCESS not in shipped.output
    )
    for way, run in runs.items():
        leaked = [secret for secret in secrets if secret in run.output]
        assert not leaked, f"{way}: {len(leaked)} secret(s) shown at -vvvv"

    # What the comparison covers is really there: check mode, diffs, a warning, failures, writes.
    policies = inside.result("check policies")["results"]
    assert [item["changed"] for item in policies] == [True, True] and all(item["diff"] for item in policies)
    assert all(ALIAS_WARNING in run.output for run in runs.values()), "AnsibleModule's warning reaches the display"
    assert inside.result("preflight")["failed"] and inside.result("refused before any call")["failed"]
    assert (
        inside.result("wrong secret")["failed"]
        and inside.result("wrong secret")["error"]["code"] == "SignatureDoesNotMatch"
    )
    assert [row["operation"] for row in inside.result("access check")["matrix"]] == ["get_topic", "list_instances"]
    assert [call for call in calls["in-process"] if call[2]], "the run made writes"


def fallback_playbook():
    sibling_python = jinja("ansible_playbook_python | dirname") + "/python3"  # the venv's Python by another path
    read = {"name": "nothing-by-this-name"}
    accounts = {
        "hosts": "account_a,account_b",
        "gather_facts": False,
        "vars": {
            "account": jinja("account_a if inventory_hostname == 'account_a' else account_b"),
            "partner": jinja("account_b if inventory_hostname == 'account_a' else account_a"),
        },
        "module_defaults": {
            f"group/{COLLECTION}.all": {
                "access_key_id": jinja("account.admin.access_key_id"),
                "access_key_secret": jinja("account.admin.access_key_secret"),
            }
        },
    }
    return yaml.safe_dump(
        [
            admin_play(
                "fallbacks",
                "account_a",
                [
                    task("in-process", "ram_role_info", read),
                    task("become", "ram_role_info", read, become=True, become_method="su"),
                    task("async", "ram_role_info", read, **{"async": 60, "poll": 1}),
                    task(
                        "other interpreter", "ram_role_info", read, vars={"ansible_python_interpreter": sibling_python}
                    ),
                    task(
                        "ssh",
                        "ram_role_info",
                        read,
                        ignore_unreachable=True,
                        vars={"ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": 9},
                    ),
                    {
                        "name": "the accounts as hosts",
                        "ansible.builtin.add_host": {
                            "name": jinja("item"),
                            "ansible_connection": "local",
                            "ansible_python_interpreter": jinja("ansible_playbook_python"),
                        },
                        "loop": ["account_a", "account_b"],
                    },
                ],
            ),
            admin_play("free strategy", "account_a", [task("free", "ram_role_info", read)], strategy="free"),
            dict(
                accounts,
                name="both accounts in one play, two forks",
                tasks=[
                    task("both accounts", "ram_role", {"name": BOTH_ROLE, "trusted_accounts": [jinja("partner.uid")]})
                ],
            ),
        ],
        sort_keys=False,
    )


BOTH_ROLE = resource_name("inproc-both")


@pytest.mark.emulator_only("creates a role in Account B, which B's least-privilege live key may not do")
def test_fallbacks_ship_and_work_and_the_strategies_run_in_process(run_playbook):
    run = run_playbook(fallback_playbook(), verbosity=3, env={"ANSIBLE_FORKS": "2"})
    sections = task_sections(run.output)
    assert IN_PROCESS in sections["in-process"] and run.result("in-process")["roles"] == []
    # The free strategy may print a task's banner after its worker started: look at the whole play.
    assert (
        IN_PROCESS in run.output.split("PLAY [free strategy]")[1].split("PLAY [")[0]
        and run.result("free")["roles"] == []
    )
    for name, reason in (
        ("become", "the task uses become"),
        ("async", "the task is async"),
        ("other interpreter", "/python3, not the controller's"),
    ):
        assert f"{SHIPPED}: " in sections[name] and reason in sections[name], sections[name]
        assert run.result(name)["roles"] == [] and not run.result(name).get("failed"), "the shipped module works"
    assert f"{SHIPPED}: the connection is ssh, not local" in sections["ssh"] and run.result("ssh")["unreachable"]
    # Two workers at once, each with its own account's keys: each made the role in its own account.
    assert sections["both accounts"].count(IN_PROCESS) == 2
    made = run.report["plays"][2]["tasks"][0]["hosts"]
    assert {host: result["role"]["arn"] for host, result in made.items()} == {
        "account_a": f"acs:ram::{A['uid']}:role/{BOTH_ROLE}",
        "account_b": f"acs:ram::{B['uid']}:role/{BOTH_ROLE}",
    }


TEST_COLLECTION = {
    "plugins/modules/boom.py": '''#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule


def main():
    AnsibleModule(argument_spec=dict(secret=dict(type="str", no_log=True)), supports_check_mode=True)
    raise RuntimeError("the module broke after reading its arguments")


if __name__ == "__main__":
    main()
''',
    "plugins/action/boom.py": '''from ansible_collections.apsaramq.cross_account.plugins.plugin_utils.in_process import module_action
ActionModule = module_action(__name__)
''',
}
CRASH_SECRET = "inproc-crash-secret-000000000001"


def test_an_exception_in_a_module_fails_its_task_and_a_controller_without_the_sdk_ships(
    run_playbook, collections_path, tmp_path
):
    extra = tmp_path / "collections"
    for path, text in TEST_COLLECTION.items():
        target = extra / "ansible_collections" / "inprocess_test" / "crash" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    # The controller (and so the module process too: same Python) cannot import the RAM SDK.
    shadow = tmp_path / "shadow" / "alibabacloud_ram20150501"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text('raise ImportError("hidden by the test")\n')
    # The secret comes from the environment: an error shows the task's source lines, which must not hold it.
    boom = {
        "name": "crash",
        "inprocess_test.crash.boom": {"secret": jinja("lookup('ansible.builtin.env', 'CRASH_SECRET')")},
        "ignore_errors": True,
    }
    playbook = yaml.safe_dump(
        [
            admin_play(
                "crash and no SDK",
                "account_a",
                [
                    boom,
                    dict(
                        boom,
                        name="crash shipped",
                        vars={"ansible_python_interpreter": jinja("ansible_playbook_python | dirname") + "/python3"},
                    ),
                    task("no SDK", "ram_role_info", {"name": "nothing-by-this-name"}, ignore_errors=True),
                    {"name": "still running", "ansible.builtin.debug": {"msg": "the worker survived"}},
                ],
            )
        ],
        sort_keys=False,
    )
    run = run_playbook(
        playbook,
        verbosity=3,
        env={
            "ANSIBLE_COLLECTIONS_PATH": f"{collections_path}:{extra}",
            "ANSIBLE_DISPLAY_TRACEBACK": "error",
            "PYTHONPATH": str(shadow.parent),
            "CRASH_SECRET": CRASH_SECRET,
        },
    )
    sections = task_sections(run.output)
    crash, shipped = run.result("crash"), run.result("crash shipped")
    assert IN_PROCESS in sections["crash"] and SHIPPED in sections["crash shipped"]
    assert (
        crash["failed"]
        and crash["msg"] == shipped["msg"]
        and "the module broke after reading its arguments" in crash["msg"]
    )
    assert re.search(r"Traceback.*\n.*run_main\n.*\n.*boom.py\", line \d+, in main", sections["crash"]), (
        "the traceback shows"
    )
    assert run.result("still running")["msg"] == "the worker survived"
    assert CRASH_SECRET not in run.output

    assert "cannot import alibabacloud_ram20150501.client" in sections["no SDK"] and SHIPPED in sections["no SDK"]
    assert "Failed to import the required Python library (alibabacloud-ram20150501)" in run.result("no SDK")["msg"]
