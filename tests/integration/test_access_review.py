"""playbooks/review.yml on a seeded Account A: a role made by owner_setup, a hand-made one with a full-access system
policy, a managed one with a wildcard custom policy, an expired one and one trusting a cloud service. The report (JSON
and Markdown, 0644, no secret) lists exactly the roles outside principals can assume and exactly the expected
findings; --check writes nothing in the account; review_fail_on fails the run and still writes the report."""

import json
import stat

import pytest
from conftest import ACCOUNTS, MQ, admin_keys, localhost_play
from example_inventory import PLAYBOOKS, account_a_env, write_inventory

pytestmark = pytest.mark.emulator_only("a seeded account and the emulator's call counters")

A, B, C = (ACCOUNTS[f"account_{letter}"]["uid"] for letter in "abc")
EXTERNAL_ID = "contract-4711-secret"
MANAGED = {"managed-by": "apsaramq.cross_account", "partner": B}
WILDCARD = f"acs:mq:*:*:{MQ.instance_id[:-4]}*"  # every instance whose ID starts the same
GRANT = {
    "series": "4.x",
    "instance_id": MQ.instance_id,
    "publish_topics": [MQ.orders],
    "subscribe_topics": [MQ.orders],
    "subscribe_groups": [MQ.orders_group],
}


def task(module, **args):
    return {f"apsaramq.cross_account.{module}": args}


SEED = [
    localhost_play(
        "Seed Account A",
        defaults=admin_keys("account_a"),
        tasks=[
            {
                "ansible.builtin.include_role": {"name": "apsaramq.cross_account.owner_setup"},
                "vars": {
                    "owner_setup_partners": [{"uid": B, "alias": "partner-b"}],
                    "owner_setup_grant": GRANT,
                    "owner_setup_external_id": EXTERNAL_ID,
                },
            },
            task("ram_role", name="legacy-ops", trusted_accounts=[C], policies=["AliyunMQFullAccess"]),
            task(
                "ram_policy",
                name="wide-publish",
                document={
                    "Version": "1",
                    "Statement": [{"Effect": "Allow", "Action": ["mq:PUB"], "Resource": [WILDCARD]}],
                },
            ),
            task(
                "ram_role",
                name="partner-b-extra",
                trusted_accounts=[B],
                external_id=EXTERNAL_ID,
                policies=["wide-publish"],
                tags=MANAGED,
            ),
            task(
                "ram_role",
                name="partner-b-2020",
                trusted_accounts=[B],
                external_id=EXTERNAL_ID,
                expires_at="2020-06-30T00:00:00Z",
                policies=["AliyunMQSubOnlyAccess"],
                tags=MANAGED,
            ),
            task(
                "ram_role",
                name="ecs-worker",
                trusted_services=["ecs.aliyuncs.com"],
                policies=["AliyunMQReadOnlyAccess"],
            ),
        ],
    )
]
EXPECTED_FINDINGS = {
    ("legacy-ops", "wildcard_resource"),
    ("legacy-ops", "full_access_policy"),
    ("legacy-ops", "no_external_id"),
    ("legacy-ops", "unmanaged"),
    ("legacy-ops", "unknown_partner"),
    ("partner-b-extra", "wildcard_resource"),
    ("partner-b-2020", "wildcard_resource"),
    ("partner-b-2020", "expired"),  # AliyunMQSubOnlyAccess allows mq:SUB on *
}


def test_the_review_reports_exactly_the_outside_roles_and_findings_and_fails_on_request(run_playbook, emu, tmp_path):
    run_playbook(json.dumps(SEED, indent=1) + "\n")
    inventory = write_inventory(tmp_path, [{"host": "account_b", "uid": B, "alias": "partner-b"}])
    out = tmp_path / "reviews"
    review_vars = {"review_output_dir": str(out), "review_report_name": "seeded"}

    emu.reset_calls()
    run_playbook(PLAYBOOKS / "review.yml", inventory=inventory, env=account_a_env(), extra_vars=review_vars, check=True)
    assert emu.calls()["writes"] == 0
    report = json.loads((out / "seeded.json").read_text())
    markdown = (out / "seeded.md").read_text()
    for path in (out / "seeded.json", out / "seeded.md"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        assert (
            EXTERNAL_ID not in path.read_text()
            and ACCOUNTS["account_a"]["admin"]["access_key_secret"] not in path.read_text()
        )

    roles = {entry["role_name"]: entry for entry in report["roles"]}
    assert sorted(roles) == ["legacy-ops", "partner-b-2020", "partner-b-extra", "rocketmq-partner-partner-b"]
    assert {(finding["role_name"], finding["kind"]) for finding in report["findings"]} == EXPECTED_FINDINGS
    assert report["account_id"] == A and report["known_partners"] == [B] and report["roles_scanned"] == 5
    calls = report["api_call_count"]
    assert calls["total"] == sum(calls["by_action"].values()) == len(emu.calls(product="ram")["calls"])
    assert calls["by_action"]["GetRole"] == 5 and calls["by_action"]["ListPoliciesForRole"] == 4
    assert (
        calls["by_action"]["GetPolicy"] == 4
    )  # the custom policies and AliyunMQFullAccess, AliyunMQSubOnlyAccess; each once

    managed = roles["rocketmq-partner-partner-b"]
    assert managed["managed"] and managed["partners"] == [B] and managed["findings"] == []
    assert managed["trusted"] == [
        {
            "type": "account",
            "principal": f"acs:ram::{B}:root",
            "account_id": B,
            "known": True,
            "external_id": True,
            "source_ips": [],
            "mfa_required": False,
            "expires_at": None,
            "other_conditions": [],
        }
    ]
    assert managed["rights"] == [
        f"4.x {MQ.instance_id}: publish {MQ.orders}; subscribe {MQ.orders} with {MQ.orders_group}; no management"
    ]
    assert roles["legacy-ops"]["rights"] == [
        "4.x every instance: full management",
        "5.x every instance: full management",
    ]
    assert roles["partner-b-extra"]["policies"][0]["wildcard_resources"] == [WILDCARD]
    expired = roles["partner-b-2020"]
    assert (
        expired["expired"]
        and expired["expires_at"] == "2020-06-30T00:00:00Z"
        and expired["expiry_source"] == ["tag", "trust condition"]
    )
    assert (
        "| legacy-ops | acs:ram::3000000000000003:root (not a known partner): no ExternalId | 3600 s | never |"
        in markdown
    )
    assert "2020-06-30T00:00:00Z (tag and trust condition) EXPIRED" in markdown

    # For CI: the chosen findings fail the run, after the report is written.
    (out / "seeded.json").unlink()
    failed = run_playbook(
        PLAYBOOKS / "review.yml",
        inventory=inventory,
        env=account_a_env(),
        expect_rc=2,
        extra_vars={**review_vars, "review_fail_on": ["expired", "unknown_partner"]},
    )
    assert (
        "Access review: 1 expired, 1 unknown_partner" in failed.result("Fail on the findings of review_fail_on")["msg"]
    )
    assert json.loads((out / "seeded.json").read_text())["finding_counts"]["expired"] == 1
