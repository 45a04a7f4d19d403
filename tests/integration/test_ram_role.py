"""ram_role against the emulator: lifecycle with check mode and diff, trust edits, role name case, deletion, bad input.

Most runs use playbooks/ram_role_partners.yml (account A's admin, one ram_role task whose options are extra vars,
and an optional ram_role_info read-back when ``read_back`` names a role).
"""

import json

import pytest
import yaml
from conftest import ACCOUNTS, document_of_length, resource_name

PLAYBOOK = "ram_role_partners.yml"
A, B, C = (ACCOUNTS[key]["uid"] for key in ("account_a", "account_b", "account_c"))
ROLE = resource_name("partner-operator")  # the playbook's default role name
ROLE_ARN = f"acs:ram::{A}:role/{ROLE}"
CONDITION = {"StringEquals": {"sts:ExternalId": "contract-4711"}}
PARTNERS = {"partners": [B, C], "external_id": "contract-4711", "policies": ["AliyunMQReadOnlyAccess"]}
READ_ONLY = [{"policy_name": "AliyunMQReadOnlyAccess", "policy_type": "System"}]


def ram_calls(emu):
    """(reads, writes, [actions in order]) of the RAM API since the last reset."""
    calls = emu.calls(product="ram")
    return calls["reads"], calls["writes"], [call["action"] for call in calls["calls"]]


def ram_writes(emu):
    return [call["action"] for call in emu.calls(product="ram")["calls"] if call["write"]]


def roles_in_state(emu):
    return emu.admin("GET", "/state")["accounts"][A]["ram"]["roles"]


def apply_run(run_playbook, emu, extra_vars, **options):
    """Run the role playbook after clearing the call counters."""
    emu.reset_calls()
    return run_playbook(PLAYBOOK, extra_vars, **options)


def apply(run_playbook, emu, extra_vars, **options):
    """The ram_role result of ``apply_run``."""
    return apply_run(run_playbook, emu, extra_vars, **options).result("Role")


@pytest.mark.emulator_only("call counters and emulator state")
def test_lifecycle_check_apply_converge(emu, run_playbook):
    predicted = apply(run_playbook, emu, PARTNERS, check=True, diff=True)
    assert predicted["changed"] is True
    assert ram_calls(emu)[1] == 0 and roles_in_state(emu) == {}, "check mode must not write"
    assert predicted["role"]["arn"] == ROLE_ARN, "a predicted create names the ARN it will have"
    assert predicted["role"]["trusted_principals"]["accounts"] == [B, C]
    assert predicted["role"]["policies"] == READ_ONLY
    assert predicted["diff"] == {
        "before": {},
        "after": {
            "role_name": "partner-operator",
            "description": "",
            "max_session_duration": 3600,
            "policies": ["System:AliyunMQReadOnlyAccess"],
            "assume_role_policy_document": predicted["role"]["assume_role_policy_document"],
        },
    }

    created = apply(run_playbook, emu, PARTNERS)
    assert created["changed"] is True
    assert [action for action in ram_calls(emu)[2] if action in ("CreateRole", "AttachPolicyToRole")] == [
        "CreateRole",
        "AttachPolicyToRole",
    ]
    role = created["role"]
    assert role["arn"] == ROLE_ARN and role["role_id"] and role["create_date"]
    assert role["max_session_duration"] == 3600
    assert role["switch_role"] == {"account_id": A, "role_name": "partner-operator"}
    assert role["assume_role_policy_document"]["Statement"][0]["Condition"] == CONDITION
    assert [p["principal"] for p in role["principals"] if p["cross_account"]] == [B, C]
    assert predicted["role"]["assume_role_policy_document"] == role["assume_role_policy_document"], (
        "check mode predicted the create"
    )

    again = apply(run_playbook, emu, PARTNERS)
    assert again["changed"] is False
    assert ram_calls(emu) == (2, 0, ["GetRole", "ListPoliciesForRole"]), (
        "a converged run reads the role and its attachments only"
    )

    checked = apply(run_playbook, emu, PARTNERS, check=True)
    assert checked["changed"] is False and ram_calls(emu)[1] == 0


@pytest.mark.emulator_only("call counters")
def test_update_reports_diff_of_every_attribute(emu, run_playbook):
    run_playbook(PLAYBOOK, PARTNERS)
    wanted = {
        **PARTNERS,
        "partners": [B],
        "description": "Partner B operates our queues",
        "max_session_duration": 7200,
        "policies": ["System:AliyunMQPubOnlyAccess"],
        "purge_policies": True,
    }
    run = apply_run(run_playbook, emu, {**wanted, "read_back": "partner-operator"}, diff=True)
    updated = run.result("Role")
    assert updated["changed"] is True
    before, after = updated["diff"]["before"], updated["diff"]["after"]
    assert before["assume_role_policy_document"]["Statement"][0]["Principal"]["RAM"] == [
        f"acs:ram::{B}:root",
        f"acs:ram::{C}:root",
    ]
    assert after["assume_role_policy_document"]["Statement"][0]["Principal"]["RAM"] == [f"acs:ram::{B}:root"]
    assert (before["description"], after["description"]) == ("", "Partner B operates our queues")
    assert (before["max_session_duration"], after["max_session_duration"]) == (3600, 7200)
    assert (before["policies"], after["policies"]) == (
        ["System:AliyunMQReadOnlyAccess"],
        ["System:AliyunMQPubOnlyAccess"],
    )
    assert sorted(ram_writes(emu)) == ["AttachPolicyToRole", "DetachPolicyFromRole", "UpdateRole"], (
        "one UpdateRole for all attributes"
    )

    stored = run.result("Read back")["roles"][0]
    assert stored["trusted_principals"]["accounts"] == [B]
    assert stored["description"] == "Partner B operates our queues" and stored["max_session_duration"] == 7200
    assert stored["policies"] == [{"policy_name": "AliyunMQPubOnlyAccess", "policy_type": "System"}]
    assert updated["role"] == {**stored, "update_date": updated["role"]["update_date"]}, (
        "the module returns what RAM stored"
    )
    assert apply(run_playbook, emu, wanted)["changed"] is False


@pytest.mark.emulator_only("call counters")
def test_semantically_equal_trust_document_is_no_change(emu, run_playbook):
    document = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"RAM": [f"acs:ram::{B}:root", f"acs:ram::{C}:root"]},
            }
        ],
    }
    created = apply(run_playbook, emu, {"trust_document": document})
    assert created["role"]["assume_role_policy_document"] == document, "the trust is returned with its keys untouched"
    # The same grant: keys reordered, the action as a list, principals reordered and spelled as bare UIDs, as JSON text.
    rewritten = json.dumps(
        {
            "Statement": [{"Principal": {"RAM": [C, B]}, "Action": ["sts:AssumeRole"], "Effect": "Allow"}],
            "Version": "1",
        },
        indent=4,
    )
    again = apply(run_playbook, emu, {"trust_document": rewritten})
    assert again["changed"] is False and ram_calls(emu)[1] == 0


@pytest.mark.emulator_only("call counters")
def test_revoking_one_partner_keeps_the_other_and_the_conditions(emu, run_playbook):
    created = run_playbook(PLAYBOOK, {**PARTNERS, "trust_mode": "add"}).result("Role")
    assert created["changed"] is True, "add mode creates a missing role with the given principals and conditions"
    assert created["role"]["assume_role_policy_document"]["Statement"][0]["Condition"] == CONDITION
    revoked = apply(run_playbook, emu, {"partners": [C], "trust_mode": "remove"}, diff=True)
    assert revoked["changed"] is True
    assert revoked["role"]["trusted_principals"]["accounts"] == [B]
    assert revoked["role"]["assume_role_policy_document"]["Statement"][0]["Condition"] == CONDITION
    assert revoked["role"]["policies"] == READ_ONLY, "attachments are left alone when policies is not given"
    assert revoked["diff"]["after"]["assume_role_policy_document"]["Statement"][0]["Principal"]["RAM"] == [
        f"acs:ram::{B}:root"
    ]
    assert ram_writes(emu) == ["UpdateRole"]

    repeated = apply(run_playbook, emu, {"partners": [C], "trust_mode": "remove"})
    assert repeated["changed"] is False and ram_calls(emu)[1] == 0

    readded = apply(run_playbook, emu, {"partners": [C], "trust_mode": "add"})
    assert readded["changed"] is True
    assert readded["role"]["trusted_principals"]["accounts"] == [B, C]
    assert len(readded["role"]["assume_role_policy_document"]["Statement"]) == 1, (
        "C joins the statement bound by the ExternalId"
    )

    last = apply(run_playbook, emu, {"partners": [B, C], "trust_mode": "remove"}, expect_rc=2)
    assert last["msg"].startswith("trust_mode") and "trusting nobody" in last["msg"]
    assert ram_calls(emu)[1] == 0


@pytest.mark.emulator_only("call counters and emulator state")
def test_role_name_is_case_insensitive(emu, run_playbook):
    run_playbook(PLAYBOOK, {"role_name": "myrole", "partners": [B]})
    run = apply_run(run_playbook, emu, {"role_name": "MyRole", "partners": [B], "read_back": "MYROLE"})
    same = run.result("Role")
    assert same["changed"] is False
    assert same["role"]["role_name"] == "myrole", "an existing role keeps its spelling (no rename, no second role)"
    assert ram_calls(emu)[1] == 0
    assert [role["role_name"] for role in run.result("Read back")["roles"]] == ["myrole"]
    assert list(roles_in_state(emu)) == ["myrole"]


@pytest.mark.emulator_only("call counters")
def test_absent_detaches_every_policy_then_deletes(emu, run_playbook):
    run_playbook(PLAYBOOK, {**PARTNERS, "policies": ["AliyunMQReadOnlyAccess", "AliyunRAMReadOnlyAccess"]})
    predicted = apply(run_playbook, emu, {"role_state": "absent"}, check=True, diff=True)
    assert predicted["changed"] is True and ram_calls(emu)[1] == 0
    assert predicted["diff"]["before"]["policies"] == [
        "System:AliyunMQReadOnlyAccess",
        "System:AliyunRAMReadOnlyAccess",
    ]
    assert predicted["diff"]["after"] == {}

    run = apply_run(run_playbook, emu, {"role_state": "absent", "read_back": "partner-operator"})
    deleted = run.result("Role")
    assert deleted["changed"] is True and deleted["role"] == {}
    assert ram_writes(emu) == ["DetachPolicyFromRole", "DetachPolicyFromRole", "DeleteRole"]
    assert run.result("Read back")["roles"] == []
    assert apply(run_playbook, emu, {"role_state": "absent"})["changed"] is False


@pytest.mark.emulator_only("the decision log; the emulator's client address")
def test_source_ips_and_mfa_conditions_and_keeping_other_attachments(emu, run_playbook):
    """The trust admits B only from the office network, later only with MFA too; a second policy joins the first."""
    office = ["198.51.100.7", "192.0.2.0/24"]
    admin_a = {key: ACCOUNTS["account_a"]["admin"][key] for key in ("access_key_id", "access_key_secret")}
    role = {"name": "office-operator", "trusted_accounts": [B], "source_ips": office, **admin_a}
    tasks = [
        {"name": "office only", "apsaramq.cross_account.ram_role": {**role, "policies": ["AliyunMQReadOnlyAccess"]}},
        {
            "name": "from outside",
            "ignore_errors": True,
            "apsaramq.cross_account.sts_assume": {
                "role_arn": f"acs:ram::{A}:role/office-operator",
                "wait_for_role": 0,
                **ACCOUNTS["account_b"]["admin"],
            },
        },
        {
            "name": "with mfa",
            "apsaramq.cross_account.ram_role": {**role, "mfa_required": True, "policies": ["AliyunRAMReadOnlyAccess"]},
        },
    ]
    run = run_playbook(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))
    ip_condition = {"IpAddress": {"acs:SourceIp": sorted(office)}}
    assert run.result("office only")["role"]["assume_role_policy_document"]["Statement"][0]["Condition"] == ip_condition

    # The emulator calls from 127.0.0.1, outside the range: B's administrator, trusted otherwise, is refused.
    assert run.result("from outside")["msg"].startswith("AssumeRole failed: NoPermission")
    refusal = [d for d in emu.decisions() if d["action"].lower() == "sts:assumerole"][-1]
    assert not refusal["allowed"] and "conditions" in refusal["reason"]

    updated = run.result("with mfa")
    assert updated["changed"] is True
    assert updated["role"]["assume_role_policy_document"]["Statement"][0]["Condition"] == {
        **ip_condition,
        "Bool": {"acs:MFAPresent": "true"},
    }
    assert updated["role"]["policies"] == READ_ONLY + [
        {"policy_name": "AliyunRAMReadOnlyAccess", "policy_type": "System"}
    ], "without purge_policies the attachment outside the list stays"
    assert "DetachPolicyFromRole" not in ram_writes(emu)


# (case, ram_role options, the option the error message must start with)
BAD_INPUT = [
    (
        "malformed JSON",
        {"assume_role_policy_document": '{"Version": "1", "Statement": [}'},
        "assume_role_policy_document",
    ),
    ("wrong UID", {"trusted_accounts": ["20000000000002"]}, "trusted_accounts[0]"),
    ("bad ARN", {"trusted_ram_arns": [f"acs:ram::{B}:group/ops"]}, "trusted_ram_arns[0]"),
    ("name too long", {"name": "r" * 65, "trusted_accounts": [B]}, "name"),
    ("duration out of range", {"trusted_accounts": [B], "max_session_duration": 100}, "max_session_duration"),
    ("unknown policy", {"trusted_accounts": [B], "policies": ["NoSuchPolicy"]}, "policies"),
    ("bad policy name", {"trusted_accounts": [B], "policies": ["no spaces allowed"]}, "policies[0]"),
    ("no trust for a new role", {"description": "a role nobody may assume"}, "assume_role_policy_document"),
    (
        "conditions in remove mode",
        {"trusted_accounts": [B], "trust_mode": "remove", "external_id": "x-1"},
        "external_id",
    ),
    ("remove from a missing role", {"trusted_accounts": [B], "trust_mode": "remove"}, "trust_mode"),
]


@pytest.mark.emulator_only("call counters")
def test_bad_input_fails_naming_the_option_without_writes(emu, run_playbook):
    """Every case in one playbook run (each task may fail); none may reach a RAM write."""
    credentials = {key: ACCOUNTS["account_a"]["admin"][key] for key in ("access_key_id", "access_key_secret")}
    tasks = [
        {
            "name": case,
            "ignore_errors": True,
            "apsaramq.cross_account.ram_role": {"name": "partner-operator", **options, **credentials},
        }
        for case, options, _option in BAD_INPUT
    ]
    run = run_playbook(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))
    for case, _options, option in BAD_INPUT:
        message = run.result(case).get("msg", "")
        assert message.startswith(option), f"{case}: {message}"
    assert ram_calls(emu)[1] == 0


def trust_of_length(length):
    """A valid trust policy (B's root and one user of B) whose compact JSON, as the module sends it, is ``length`` long."""
    return document_of_length(
        lambda pad: {
            "Version": "1",
            "Statement": [
                {
                    "Action": "sts:AssumeRole",
                    "Effect": "Allow",
                    "Principal": {"RAM": [f"acs:ram::{B}:root", f"acs:ram::{B}:user/u" + "x" * pad]},
                }
            ],
        },
        length,
    )


@pytest.mark.emulator_only("call counters and emulator state")
def test_a_trust_document_at_the_shared_limit_is_created(emu, run_playbook):
    """2,048 characters: the limit the module and the emulator share (issue 10: the module allowed 4,096)."""
    created = apply(run_playbook, emu, {"trust_document": trust_of_length(2048)})
    assert created["changed"] is True and ram_calls(emu)[2].count("CreateRole") == 1
    stored = roles_in_state(emu)["partner-operator"]["AssumeRolePolicyDocument"]
    assert len(stored) == 2048 and json.loads(stored) == trust_of_length(2048)


# (case, ram_role options, the option the error message must start with): refused before any API call at all
REFUSED_BEFORE_ANY_CALL = [
    (
        "trust one character over the limit",
        {"assume_role_policy_document": trust_of_length(2049)},
        "assume_role_policy_document: is 2049 characters as compact JSON; RAM allows at most 2048",
    ),
    (
        "80 partners",
        {"trusted_accounts": [f"{2000000000000000 + index:016d}" for index in range(80)]},
        "trusted_accounts, trusted_ram_arns, trusted_services: is ",
    ),
    (
        "wildcard RAM principal",
        {
            "assume_role_policy_document": {
                "Version": "1",
                "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"RAM": "*"}}],
            }
        },
        "assume_role_policy_document: Statement[0].Principal.RAM must name one principal; wildcards",
    ),
    (
        "every user of an account",
        {
            "assume_role_policy_document": {
                "Version": "1",
                "Statement": [
                    {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"RAM": ["acs:ram::*:user/*"]}}
                ],
            }
        },
        "assume_role_policy_document: Statement[0].Principal.RAM[0] must name one principal; wildcards",
    ),
    (
        "wildcard user ARN",
        {"trusted_ram_arns": [f"acs:ram::{B}:user/*"]},
        "trusted_ram_arns[0]: must name one principal; wildcards",
    ),
]


@pytest.mark.emulator_only("the call log proves no API call")
def test_trust_over_the_limit_or_with_a_wildcard_is_refused_before_any_call(emu, run_playbook):
    credentials = {key: ACCOUNTS["account_a"]["admin"][key] for key in ("access_key_id", "access_key_secret")}
    tasks = [
        {
            "name": case,
            "ignore_errors": True,
            "apsaramq.cross_account.ram_role": {"name": "partner-operator", **options, **credentials},
        }
        for case, options, _message in REFUSED_BEFORE_ANY_CALL
    ]
    run = run_playbook(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))
    for case, _options, message in REFUSED_BEFORE_ANY_CALL:
        assert run.result(case).get("msg", "").startswith(message), f"{case}: {run.result(case).get('msg')}"
    assert emu.calls()["calls"] == [], "no API call at all, not even a read"


@pytest.mark.needs_account_c
def test_no_secret_at_verbosity_4(run_playbook):
    run = run_playbook(PLAYBOOK, {**PARTNERS, "read_back": ROLE}, verbosity=4, callback="default", diff=True)
    # ansible-playbook echoes its own command line at -vvvv, and the harness passes the accounts file as -e JSON:
    # that line is the harness's, not the module's.
    output = run.output
    assert f'"access_key_id": "{ACCOUNTS["account_a"]["admin"]["access_key_id"]}"' in output, (
        "the module's invocation is shown, with the key it signed with"
    )
    assert '"assume_role_policy_document"' in output
    assert ACCOUNTS["account_a"]["admin"]["access_key_secret"] not in output
