"""The access review's judgement of one role (pure: no API): who outside may assume it and under which conditions,
when the access ends, each finding, and the Markdown table."""

import json
from datetime import datetime, timezone

from ansible_collections.apsaramq.cross_account.plugins.module_utils.access_review import (
    FINDING_KINDS,
    assess_role,
    count_calls,
    outside_principals,
    render_markdown,
    summarize,
)

A, B, C = "1000000000000001", "2000000000000002", "3000000000000003"
NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
MANAGED = {"managed-by": "apsaramq.cross_account", "partner": B}
ORDERS = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": ["mq:PUB"], "Resource": ["acs:mq:*:*:MQ_INST_1%orders"]}],
}


def trust(*statements):
    return {"Version": "1", "Statement": list(statements)}


def assume(principal, condition=None):
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal}
    return {**statement, "Condition": condition} if condition else statement


def role(document, name="partner-b"):
    return {
        "RoleName": name,
        "Arn": f"acs:ram::{A}:role/{name}",
        "AssumeRolePolicyDocument": json.dumps(document),
        "MaxSessionDuration": 3600,
        "Description": "",
        "CreateDate": "2026-01-01T00:00:00Z",
    }


def kinds(entry):
    return sorted(finding["kind"] for finding in entry["findings"])


def test_only_principals_outside_the_account_count_with_the_conditions_of_their_statement():
    document = trust(
        assume(
            {"RAM": [f"acs:ram::{B}:root", f"acs:ram::{A}:root", f"acs:ram::{A}:user/ops"]},
            {
                "StringEquals": {"sts:ExternalId": "secret-value"},
                "IpAddress": {"acs:SourceIp": ["192.0.2.0/24"]},
                "Bool": {"acs:MFAPresent": "true"},
                "StringLike": {"sts:RoleSessionName": "b-*"},
            },
        ),
        assume({"RAM": [f"acs:ram::{C}:user/carol"]}, {"DateLessThan": {"acs:CurrentTime": "2027-06-30T00:00:00Z"}}),
        assume({"Service": ["ecs.aliyuncs.com"]}),
        assume({"Federated": [f"acs:ram::{A}:saml-provider/corp"]}),
        {"Effect": "Deny", "Action": "sts:AssumeRole", "Principal": {"RAM": [f"acs:ram::{B}:user/mallory"]}},
    )
    found = outside_principals(document, A, known_partners={B})
    assert [(entry["type"], entry["principal"], entry["known"]) for entry in found] == [
        ("account", f"acs:ram::{B}:root", True),
        ("ram_arn", f"acs:ram::{C}:user/carol", False),
        ("federated", f"acs:ram::{A}:saml-provider/corp", None),
    ]
    assert found[0] | {"type": None} == {
        "type": None,
        "principal": f"acs:ram::{B}:root",
        "account_id": B,
        "known": True,
        "external_id": True,
        "source_ips": ["192.0.2.0/24"],
        "mfa_required": True,
        "expires_at": None,
        "other_conditions": ["sts:rolesessionname"],
    }
    assert found[1]["expires_at"] == "2027-06-30T00:00:00Z" and not found[1]["external_id"]
    assert "secret-value" not in repr(found)


def test_a_role_only_the_account_itself_or_a_service_may_assume_has_no_outside_access():
    entry = assess_role(role(trust(assume({"RAM": [A]}), assume({"Service": "ecs.aliyuncs.com"}))), MANAGED, [], NOW)
    assert entry["outside_access"] is False and entry["trusted"] == []


def test_a_well_kept_partner_role_has_no_finding():
    document = trust(assume({"RAM": [f"acs:ram::{B}:root"]}, {"StringEquals": {"sts:ExternalId": "x1"}}))
    entry = assess_role(
        role(document), MANAGED, [({"PolicyName": "p", "PolicyType": "Custom"}, ORDERS)], NOW, known_partners={B}
    )
    assert entry["findings"] == [] and entry["rights"] == ["4.x MQ_INST_1: publish orders; no management"]
    assert (entry["managed"], entry["partners"], entry["expires_at"], entry["expired"]) == (True, [B], None, False)


def test_each_finding_of_a_careless_role():
    document = trust(assume({"RAM": [C]}))
    policies = [
        (
            {"PolicyName": "AliyunMQFullAccess", "PolicyType": "System"},
            {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "mq:*", "Resource": "*"}]},
        )
    ]
    entry = assess_role(
        role(document, "legacy"), {"expires-at": "2026-11-30T23:59:59Z"}, policies, NOW, known_partners={B}
    )
    assert kinds(entry) == sorted(FINDING_KINDS)
    assert [finding["kind"] for finding in entry["findings"]] == list(FINDING_KINDS)  # in the report's order
    details = {finding["kind"]: finding["detail"] for finding in entry["findings"]}
    assert details["unknown_partner"] == f"account {C} is not a known partner"
    assert details["expired"] == "access ended at 2026-11-30T23:59:59Z (tag) but the role is still there"


def test_the_expiry_is_the_earliest_of_the_tag_the_trust_and_the_policies_when_they_bind_everything():
    condition = {"DateLessThan": {"acs:CurrentTime": "2027-01-01T00:00:00Z"}}
    expiring = {
        "Version": "1",
        "Statement": [
            {**ORDERS["Statement"][0], "Condition": {"DateLessThan": {"acs:CurrentTime": "2026-12-01T00:00:00Z"}}}
        ],
    }
    entry = assess_role(
        role(trust(assume({"RAM": [B]}, condition))),
        {**MANAGED, "expires-at": "2027-01-01T00:00:00Z"},
        [({"PolicyName": "p", "PolicyType": "Custom"}, expiring)],
        NOW,
    )
    assert (entry["expires_at"], entry["expiry_source"], entry["expired"]) == (
        "2026-12-01T00:00:00Z",
        ["policy condition"],
        True,
    )
    # A statement without the condition keeps the trust open: no trust expiry; an unreadable tag is not guessed at.
    open_trust = trust(assume({"RAM": [B]}, condition), assume({"RAM": [C]}))
    entry = assess_role(role(open_trust), {"expires-at": "soon"}, None, NOW)
    assert (entry["expires_at"], entry["expired"]) == (None, False) and "policies" not in entry


def test_summary_counts_every_kind_and_calls_are_counted_per_action():
    entries = [assess_role(role(trust(assume({"RAM": [C]})), "x"), {}, None, NOW)]
    findings, counts = summarize(entries)
    assert [finding["role_name"] for finding in findings] == ["x", "x"]
    assert counts == {
        "wildcard_resource": 0,
        "full_access_policy": 0,
        "no_external_id": 1,
        "expired": 0,
        "unmanaged": 1,
        "unknown_partner": 0,
    }
    calls = [{"action": "ListRoles"}, {"action": "GetRole"}, {"action": "GetRole"}]
    assert count_calls(calls) == {"total": 3, "by_action": {"GetRole": 2, "ListRoles": 1}}


def test_the_markdown_table_has_one_row_per_role_and_escapes_cells():
    document = trust(assume({"RAM": [f"acs:ram::{B}:user/a|b"]}))
    entry = assess_role(role(document, "r|1"), MANAGED, [({"PolicyName": "p", "PolicyType": "Custom"}, ORDERS)], NOW)
    findings, counts = summarize([entry])
    report = {
        "account_id": A,
        "as_of": "2026-12-01T00:00:00Z",
        "roles": [entry],
        "roles_scanned": 3,
        "findings": findings,
        "finding_counts": counts,
        "api_call_count": {"total": 9, "by_action": {}},
    }
    lines = render_markdown(report).splitlines()
    assert (
        lines[2]
        == "As of 2026-12-01T00:00:00Z: 1 of 3 roles can be assumed from outside the account; 1 findings; 9 API calls."
    )
    rows = [line for line in lines if line.startswith("| r")]
    assert rows == [
        f"| r\\|1 | acs:ram::{B}:user/a\\|b: no ExternalId | 3600 s | never | 4.x MQ_INST_1: publish orders; no management "
        "| Custom:p | yes | no_external_id |"
    ]
    assert f"- **no_external_id** r|1: acs:ram::{B}:user/a|b may assume without an ExternalId" in lines
