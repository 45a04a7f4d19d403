"""Access that ends by itself: two partner roles of Account A, each with its own policy made by the rocketmq_policy
filter, one expiring ten minutes after the emulator's "now", the other in a month. Partner B takes a session on each and
publishes; then the emulator's clock moves 15 minutes on (the playbook asks its admin interface), nothing else runs, and
the expired role refuses both a new AssumeRole (its trust's DateLessThan acs:CurrentTime) and the old session's publish
(its policy's), while the other role keeps allowing both. All in one ansible-playbook run."""

import datetime
import json

import pytest
from conftest import ACCOUNTS, MQ, resource_name

pytestmark = [pytest.mark.emulator_only("moves the emulator's clock"), pytest.mark.shares_mq_topics]

A, B = ACCOUNTS["account_a"]["uid"], ACCOUNTS["account_b"]["uid"]
PUBLISH = [{"operation": "publish", "topic": MQ.orders}]
ADVANCE = 900  # past the near expiry (600 s), well within the sessions' 3600 s


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def partner_tasks(label, expires_at, outcome_after):
    """Account A's policy and role for ``label``; B's session on it and a publish with that session; after the clock
    moved, a new AssumeRole that must end in ``outcome_after`` (the task fails otherwise) and the old session's publish."""
    role, policy = resource_name(f"expiring-{label}"), resource_name(f"expiring-{label}-orders")
    grant = {"series": "4.x", "instance_id": MQ.instance_id, "publish_topics": [MQ.orders], "expires_at": expires_at}
    arn = f"acs:ram::{A}:role/{role}"
    return (
        [
            {
                "name": f"{label} policy",
                "apsaramq.cross_account.ram_policy": {
                    **owner(),
                    "name": policy,
                    "document": "{{ %s | apsaramq.cross_account.rocketmq_policy }}" % json.dumps(grant),
                },
            },
            {
                "name": f"{label} role",
                "apsaramq.cross_account.ram_role": {
                    **owner(),
                    "name": role,
                    "trusted_accounts": [B],
                    "expires_at": expires_at,
                    "policies": [policy],
                    "wait": True,
                },
            },
        ],
        [
            {
                "name": f"{label} session",
                "apsaramq.cross_account.sts_assume": {**partner(), "role_arn": arn, "session_name": "orders"},
                "register": f"{label}_session",
            },
            {
                "name": f"{label} publishes",
                "apsaramq.cross_account.rocketmq_access_check": {
                    **session(label),
                    "instance_id": MQ.instance_id,
                    "expect_allowed": PUBLISH,
                    **MQ.module_options,
                },
            },
        ],
        [
            {
                "name": f"{label} new session after",
                "apsaramq.cross_account.sts_assume": {
                    **partner(),
                    "role_arn": arn,
                    "session_name": "orders-again",
                    "expect": [outcome_after],
                },
            },
            {
                "name": f"{label} old session publishes after",
                "apsaramq.cross_account.rocketmq_access_check": {
                    **session(label),
                    "instance_id": MQ.instance_id,
                    "expect_allowed": PUBLISH,
                    **MQ.module_options,
                },
                "ignore_errors": True,
            },
        ],
    )


def owner():
    return {
        "access_key_id": "{{ account_a.admin.access_key_id }}",
        "access_key_secret": "{{ account_a.admin.access_key_secret }}",
    }


def partner():
    return {
        "access_key_id": "{{ account_b.admin.access_key_id }}",
        "access_key_secret": "{{ account_b.admin.access_key_secret }}",
    }


def session(label):
    return {
        key: "{{ %s_session.sts_creds.%s }}" % (label, key)
        for key in ("access_key_id", "access_key_secret", "security_token")
    }


def test_an_expiry_in_the_past_of_the_cloud_clock_denies_new_and_old_sessions(run_playbook, emu):
    now = datetime.datetime.strptime(emu.admin("GET", "clock")["now"], "%Y-%m-%dT%H:%M:%SZ")
    near_setup, near_before, near_after = partner_tasks("near", iso(now + datetime.timedelta(seconds=600)), "denied")
    far_setup, far_before, far_after = partner_tasks("far", iso(now + datetime.timedelta(days=30)), "allowed")
    advance = {
        "name": "the cloud's clock moves on",
        "ansible.builtin.uri": {
            "url": "{{ emulator_url }}/_emulator/clock",
            "method": "POST",
            "body_format": "json",
            "body": {"advance": ADVANCE},
        },
    }
    play = [
        {
            "name": "expiry",
            "hosts": "localhost",
            "gather_facts": False,
            "tasks": near_setup + far_setup + near_before + far_before + [advance] + near_after + far_after,
        }
    ]
    run = run_playbook(json.dumps(play) + "\n")

    for label in ("near", "far"):
        assert run.result(f"{label} publishes")["summary"]["allowed"] == 1, "before the expiry both partners publish"
    assert run.result("near new session after")["outcome"] == "denied", "the trust's condition refuses a new session"
    assert not run.result("far new session after").get("failed"), (
        "a new session of the unexpired role is allowed (expect: allowed)"
    )
    near_old = run.result("near old session publishes after")
    assert near_old["failed"] and near_old["matrix"][0]["actual"] == "denied", (
        "the policy's condition refuses the old session"
    )
    far_old = run.result("far old session publishes after")
    assert not far_old.get("failed") and far_old["summary"]["allowed"] == 1
    near_role = f"acs:ram::{A}:role/{resource_name('expiring-near')}"
    refused = [
        d
        for d in emu.decisions()
        if d["action"] == "sts:AssumeRole" and d["resource"] == near_role and not d["allowed"]
    ]
    assert len(refused) == 1 and "trust" in refused[0]["reason"], (
        "the one refusal of AssumeRole is the trust's, after the clock moved"
    )
