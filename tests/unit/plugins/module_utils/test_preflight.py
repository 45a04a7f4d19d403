"""preflight: the later tasks' arguments checked as their modules check them, each problem named after the caller's
variable (index kept), the value shown for identifiers and never for secrets, every problem listed."""

import subprocess
import sys

import pytest

from ansible_collections.apsaramq.cross_account.plugins.module_utils.preflight import (
    HEADLINE,
    MODULE_CHOICES,
    Entry,
    check_tasks,
    failure_message,
)

B = "2000000000000002"
ROLE_ARN = "acs:ram::1000000000000001:role/partner-orders"


def problems(module, args, names=None, label=None, **options):
    return check_tasks([{"module": module, "args": args, "names": names or {}, "label": label}], **options)


# --- labels ----------------------------------------------------------------------------------------------------------


def test_a_problem_names_the_variable_shows_the_value_and_the_rule():
    assert problems("ram_role", {"name": "bad/name", "trusted_accounts": [B]}, {"name": "owner_setup_role_name"}) == [
        "owner_setup_role_name: 'bad/name' \u2014 may contain only letters, digits, '.' and '-'; found '/'"
    ]


def test_the_list_index_is_kept_and_mapped_to_the_variable():
    found = problems(
        "ram_role",
        {"name": "partner", "trusted_accounts": [B, "12345"]},
        {"trusted_accounts": "owner_setup_trusted_accounts"},
    )
    assert found == [
        "owner_setup_trusted_accounts[1]: must be an Alibaba Cloud account UID of exactly 16 digits, got '12345'"
    ]


def test_a_list_of_names_labels_each_element_of_a_list_option():
    names = {"policies": ["owner_setup_policy_name", "owner_setup_system_policies[0]"]}
    found = problems("ram_role", {"name": "partner", "policies": ["Custom:partner-rocketmq", "Aliyun/MQ"]}, names)
    assert found == [
        "owner_setup_system_policies[0]: 'Aliyun/MQ' \u2014 may contain only letters, digits and '-'; found '/'"
    ]


def test_a_sub_option_of_a_list_element_keeps_its_index_and_name():
    found = problems(
        "rocketmq_access_check",
        {
            "instance_id": "MQ_INST_x",
            "mq_http_endpoint": "http://mq",
            "expect_allowed": [
                {"operation": "publish", "topic": "orders"},
                {"operation": "fly"},
                {"operation": "consume", "topic": "orders"},
            ],
        },
        {"expect_allowed": "operator_access_expect_allowed"},
    )
    assert found[0].startswith(
        "operator_access_expect_allowed[1].operation: 'fly' \u2014 must be one of: publish, consume"
    )
    # Element 1 was set aside: element 2 is still called [2].
    assert found[1:] == ["operator_access_expect_allowed[2]: consume needs group"]


def test_an_option_without_a_name_is_shown_as_module_option_with_the_entry_label():
    found = problems(
        "ram_user_grant",
        {"user_name": "alice", "role_arns": [ROLE_ARN], "display_name": ""},
        label="operator_setup_users[0]",
    )
    assert found == ["ram_user_grant.display_name (operator_setup_users[0]): '' \u2014 must not be empty"]
    assert problems("ram_user_grant", {"user_name": "alice", "role_arns": [ROLE_ARN], "display_name": ""}) == [
        "ram_user_grant.display_name: '' \u2014 must not be empty"
    ]


def test_names_and_arguments_may_use_the_modules_aliases():
    found = problems(
        "apsaramq.cross_account.ram_role",
        {"role_name": "bad/name", "trusted_accounts": [B]},
        {"role_name": "revoke_role_name"},
    )
    assert found[0].startswith("revoke_role_name: 'bad/name'")
    assert Entry("ram_role", {}, {"role_name": "x"}).label("name") == "x"


def test_several_options_in_one_rule_are_named_together():
    found = problems(
        "sts_assume",
        {"role_arn": ROLE_ARN, "profile_file": "/tmp/config.json"},
        {"profile_file": "operator_access_profile_file", "profile_name": "operator_access_profile_name"},
    )
    assert found == ["operator_access_profile_file, operator_access_profile_name: must be given together"]


def test_a_type_error_of_ansible_validation_is_named_and_shown():
    found = problems(
        "ram_role",
        {"name": "partner", "trusted_accounts": [B], "max_session_duration": "abc"},
        {"max_session_duration": "owner_setup_max_session_duration"},
    )
    assert found == ["owner_setup_max_session_duration: 'abc' \u2014 must be of type int, got str"]


def test_an_unknown_module_option_and_a_missing_required_one():
    found = problems("ram_policy", {"nmae": "x"})
    assert "ram_policy.nmae: 'x' \u2014 is not an option of ram_policy" in found
    assert "ram_policy.name: is required" in found


# --- every problem, and no invented ones ----------------------------------------------------------------------------


def test_every_problem_of_an_entry_is_listed_in_the_order_of_the_options():
    names = {
        "name": "role",
        "max_session_duration": "duration",
        "trusted_accounts": "uids",
        "external_id": "external_id_var",
    }
    found = problems(
        "ram_role",
        {"name": "bad/name", "max_session_duration": 100, "trusted_accounts": ["1", B, "2"], "external_id": "x"},
        names,
    )
    assert [problem.split(":")[0] for problem in found] == ["role", "duration", "uids[0]", "uids[2]", "external_id_var"]


def test_setting_a_refused_value_aside_invents_no_further_problem():
    # The only role ARN is refused: the module would not also get to "at least one role ARN is required".
    found = problems(
        "ram_user_grant",
        {"user_name": "alice", "role_arns": ["arn:bad"], "display_name": "d" * 129},
        {"role_arns": "operator_setup_role_arns", "display_name": "operator_setup_users[0].display_name"},
    )
    assert [problem.split(":")[0] for problem in found] == [
        "operator_setup_users[0].display_name",
        "operator_setup_role_arns[0]",
    ]
    # The only trusted account is refused: no "needs at least one trusted account".
    assert len(problems("ram_role", {"name": "partner", "trusted_accounts": ["1"]})) == 1


def test_a_real_missing_value_is_still_reported():
    assert problems(
        "ram_user_grant", {"user_name": "alice", "role_arns": []}, {"role_arns": "operator_setup_role_arns"}
    ) == ["operator_setup_role_arns: at least one role ARN is required with grant_mode=least_privilege"]


def test_problems_of_several_entries_and_known_problems_are_listed_once_each():
    tasks = [
        {"module": "ram_role", "args": {"name": "bad/name", "trusted_accounts": [B]}, "names": {"name": "role_var"}},
        {
            "module": "sts_assume",
            "args": {"account_id": "1000000000000001", "role_name": "bad/name"},
            "names": {"role_name": "role_var"},
        },
    ]
    found = check_tasks(tasks, known=["owner_setup_grant.instance_id: is not a valid instance id: 'x y'"])
    assert found == [
        "owner_setup_grant.instance_id: is not a valid instance id: 'x y'",
        "role_var: 'bad/name' \u2014 may contain only letters, digits, '.' and '-'; found '/'",
    ]
    assert failure_message(found).startswith(HEADLINE + "owner_setup_grant.instance_id")


def test_valid_arguments_have_no_problem_and_null_or_omitted_options_are_left_out():
    assert (
        problems(
            "ram_role",
            {
                "name": "partner",
                "trusted_accounts": [B],
                "external_id": None,
                "description": "__omit_place_holder__1a2b",
                "policies": ["AliyunMQSubOnlyAccess"],
                "purge_policies": True,
            },
        )
        == []
    )
    assert (
        problems(
            "ram_user_grant",
            {
                "user_name": "orders-app",
                "role_arns": [ROLE_ARN],
                "access_key_action": "create",
                "access_key_file": "/nonexistent/dir/orders-app.json",
            },
        )
        == []
    )


def test_a_messaging_probe_needs_an_endpoint_except_in_check_mode(monkeypatch):
    monkeypatch.delenv("ALIBABA_CLOUD_ENDPOINT_URL", raising=False)
    args = {"instance_id": "MQ_INST_x", "expect_allowed": [{"operation": "publish", "topic": "orders"}]}
    names = {"mq_http_endpoint": "operator_access_mq_http_endpoint"}
    assert problems("rocketmq_access_check", args, names)[0].startswith(
        "operator_access_mq_http_endpoint: is required: the instance's endpoint"
    )
    assert problems("rocketmq_access_check", args, names, check_mode=True) == []
    assert problems("rocketmq_access_check", {**args, "mq_http_endpoint": "ftp://mq"}, names) == [
        "operator_access_mq_http_endpoint: unsupported scheme 'ftp' in 'ftp://mq' (use http or https)"
    ]


# --- secrets -------------------------------------------------------------------------------------------------------


def test_an_external_id_is_never_shown():
    external_id = "contract 4711 secret"
    found = problems(
        "ram_role",
        {"name": "partner", "trusted_accounts": [B], "external_id": external_id},
        {"external_id": "owner_setup_external_id"},
    )
    assert found == ["owner_setup_external_id: may contain only letters, digits and '=,.@:/_-'; found ' '"]
    assert external_id not in " ".join(found)
    assert problems("sts_assume", {"role_arn": ROLE_ARN, "external_id": "x"}) == [
        "sts_assume.external_id: must be 2 to 1224 characters long, got 1"
    ]


def test_no_log_options_are_never_shown_and_their_values_are_scrubbed():
    secret = "a-very-secret-access-key-secret"
    found = problems(
        "sts_assume",
        {"role_arn": ROLE_ARN, "access_key_secret": secret, "session_name": secret + "!"},
        {"session_name": "session_var"},
    )
    text = " ".join(found)
    assert secret not in text
    assert "session_var: '********!' \u2014 may contain only letters, digits, '.', '@', '_' and '-'; found '!'" in found
    assert "sts_assume.access_key_id, sts_assume.access_key_secret: must be given together" in found
    entry = Entry("rocketmq_access_check", {"security_token": "token-value-123"})
    assert (
        entry.is_secret("security_token")
        and entry.is_secret("external_id")
        and entry.is_secret("assume_role.external_id")
    )
    assert not entry.is_secret("instance_id")


def test_a_secret_given_in_a_list_of_dicts_is_scrubbed_too():
    entry = Entry(
        "ram_role", {"name": "partner", "assume_role": {"role_arn": ROLE_ARN, "external_id": "nested-secret-id"}}
    )
    assert "nested-secret-id" in entry.secret_values
    assert entry.scrub("got nested-secret-id here") == "got ******** here"


def test_a_group_task_is_checked_as_ram_group_checks_it():
    found = problems(
        "ram_group",
        {
            "group_name": "ops team",
            "members": ["alice", "bob/x", "carol"],
            "policies": [{"name": "x", "type": "Managed"}, "AliyunMQReadOnlyAccess"],
        },
        {"group_name": "operator_setup_group", "members": "operator_setup_group_members"},
    )
    assert found == [
        "operator_setup_group: 'ops team' \u2014 may contain only letters, digits, '.', '_' and '-'; found ' '",
        "operator_setup_group_members[1]: 'bob/x' \u2014 may contain only letters, digits, '.', '_' and '-'; found '/'",
        "ram_group.policies[0].type: must be one of: System, Custom, got 'Managed'",
    ]


# --- the module list, and no SDK --------------------------------------------------------------------------------------


def test_the_modules_preflight_can_check():
    assert set(MODULE_CHOICES) == {
        f"{prefix}{name}"
        for prefix in ("", "apsaramq.cross_account.")
        for name in ("ram_role", "ram_policy", "ram_user_grant", "ram_group", "sts_assume", "rocketmq_access_check")
    }
    with pytest.raises(ValueError, match="cannot check the module 'ram_role_info'"):
        Entry("ram_role_info")


def test_preflight_imports_no_sdk():
    code = (
        "import sys; import ansible_collections.apsaramq.cross_account.plugins.module_utils.preflight as p; "
        "p.check_tasks([{'module': 'ram_role', 'args': {'name': 'x', 'trusted_accounts': ['2000000000000002']}}]); "
        "print(sorted(m for m in sys.modules if m.startswith(('alibabacloud', 'Tea', 'darabonba', 'mq_http_sdk', 'aiohttp', 'requests'))))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"PYTHONPATH": ":".join(sys.path)}
    )
    assert output.stdout.strip() == "[]"
