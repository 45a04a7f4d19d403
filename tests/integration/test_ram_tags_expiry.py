"""Tags on ram_role and ram_policy, and ram_role's expires_at and wait, in one ansible-playbook run: check mode and
diff, tags written by the create itself, idempotent (a converged task reads the tags, writes nothing), added without
purge, purged on request, the expiry moved by expires_at alone; bad tags and expiries refused before any API call.
Each task runs with debug_api_calls, so the calls of every case are counted inside the one run."""

import json

import pytest
from conftest import ACCOUNTS, MQ, admin_keys, localhost_play, resource_name

pytestmark = pytest.mark.emulator_only("reads the emulator's state to check what the modules report")

A, B = ACCOUNTS["account_a"]["uid"], ACCOUNTS["account_b"]["uid"]
ROLE, POLICY = resource_name("tagged-partner"), resource_name("tagged-partner-orders")
EXPIRY, LATER = "2027-06-30T00:00:00Z", "2028-01-01T00:00:00Z"
MANAGED = {"managed-by": "apsaramq.cross_account", "partner": B}
ROLE_OPTIONS = {
    "name": ROLE,
    "trusted_accounts": [B],
    "external_id": "contract-4711",
    "tags": {"team": "mq", "env": "prod"},
    "expires_at": "2027-06-30T02:00:00+02:00",
}  # the same moment as EXPIRY, written with an offset
GRANT = {"series": "4.x", "instance_id": MQ.instance_id, "publish_topics": [MQ.orders], "expires_at": EXPIRY}


def task(name, module, options, **extra):
    return {"name": name, f"apsaramq.cross_account.{module}": options, "register": name.replace(" ", "_"), **extra}


def failing(name, module, options):
    return task(name, module, options, ignore_errors=True)


PLAY = [
    localhost_play(
        "tags and expiry",
        defaults=admin_keys("account_a", debug_api_calls=True),
        tasks=[
            failing("reserved key", "ram_role", {**ROLE_OPTIONS, "tags": {"acs:owner": "x"}}),
            failing(
                "url value",
                "ram_policy",
                {
                    "name": POLICY,
                    "document": "{{ grant | apsaramq.cross_account.rocketmq_policy }}",
                    "tags": {"see": "https://x"},
                },
            ),
            failing("date only", "ram_role", {**ROLE_OPTIONS, "expires_at": "2027-06-30"}),
            failing("no offset", "ram_role", {**ROLE_OPTIONS, "expires_at": "2027-06-30T00:00:00"}),
            failing("contradicting tag", "ram_role", {**ROLE_OPTIONS, "tags": {"expires-at": LATER}}),
            task("predicted", "ram_role", ROLE_OPTIONS, check_mode=True, diff=True),
            task("created", "ram_role", {**ROLE_OPTIONS, "wait": True}),
            task("converged", "ram_role", {**ROLE_OPTIONS, "wait": True}),
            task("added", "ram_role", {"name": ROLE, "tags": {"owner": "ops"}, "purge_tags": False}, diff=True),
            task(
                "purge predicted",
                "ram_role",
                {"name": ROLE, "tags": {"team": "mq"}, "expires_at": EXPIRY},
                check_mode=True,
                diff=True,
            ),
            task("purged", "ram_role", {"name": ROLE, "tags": {"team": "mq"}, "expires_at": EXPIRY}),
            task("extended", "ram_role", {"name": ROLE, "expires_at": LATER}, diff=True),
            task(
                "policy created",
                "ram_policy",
                {
                    "name": POLICY,
                    "document": "{{ grant | apsaramq.cross_account.rocketmq_policy }}",
                    "tags": {**MANAGED, "expires-at": EXPIRY},
                },
            ),
            task(
                "policy converged",
                "ram_policy",
                {
                    "name": POLICY,
                    "document": "{{ grant | apsaramq.cross_account.rocketmq_policy }}",
                    "tags": {**MANAGED, "expires-at": EXPIRY},
                },
            ),
            task("policy untouched", "ram_policy", {"name": POLICY}),
            task("policy emptied", "ram_policy", {"name": POLICY, "tags": {}}, diff=True),
        ],
        vars={"grant": GRANT},
    )
]


def calls(result, write):
    return [call["action"] for call in result["api_calls"] if call["write"] is write and "reconciliation" not in call]


def tags_in_state(emu, kind, name):
    return emu.admin("GET", "state")["accounts"][A]["ram"][kind][name]["tags"]


def test_tags_and_expiry_of_roles_and_policies(run_playbook, emu):
    run = run_playbook(json.dumps(PLAY) + "\n")
    result = run.result

    for name, field in (
        ("reserved key", "tags key"),
        ("url value", "tags['see']"),
        ("date only", "expires_at"),
        ("no offset", "expires_at"),
        ("contradicting tag", "tags"),
    ):
        assert result(name)["failed"] and result(name)["msg"].startswith(field + ":"), (name, result(name)["msg"])
        assert result(name)["api_calls"] == [], f"{name}: refused before any API call"

    expected_tags = {"team": "mq", "env": "prod", "expires-at": EXPIRY}
    predicted = result("predicted")
    assert predicted["changed"] and calls(predicted, True) == []
    assert predicted["role"]["tags"] == expected_tags and predicted["role"]["expires_at"] == EXPIRY
    assert predicted["diff"]["after"]["tags"] == expected_tags
    statement = predicted["role"]["assume_role_policy_document"]["Statement"][0]
    assert statement["Condition"] == {
        "StringEquals": {"sts:ExternalId": "contract-4711"},
        "DateLessThan": {"acs:CurrentTime": EXPIRY},
    }

    created = result("created")
    assert calls(created, True) == ["CreateRole"], "the tags travel with CreateRole: the role is never untagged"
    assert created["role"]["assume_role_policy_document"] == predicted["role"]["assume_role_policy_document"]
    assert created["wait"]["attempts"] >= 1 and "GetRole" in calls(created, False)

    converged = result("converged")
    assert not converged["changed"] and calls(converged, True) == [] and "wait" not in converged
    assert calls(converged, False) == ["GetRole", "ListPoliciesForRole", "ListTagResources"]

    added = result("added")
    assert calls(added, True) == ["TagResources"] and added["role"]["tags"] == {**expected_tags, "owner": "ops"}
    assert (added["diff"]["before"]["tags"], added["diff"]["after"]["tags"]) == (
        expected_tags,
        {**expected_tags, "owner": "ops"},
    )

    assert calls(result("purge predicted"), True) == [] and result("purge predicted")["role"]["tags"] == {
        "team": "mq",
        "expires-at": EXPIRY,
    }
    purged = result("purged")
    assert calls(purged, True) == ["UntagResources"], (
        "only the tags not named go; trust and expiry tag stay as they are"
    )
    assert purged["role"]["tags"] == {"team": "mq", "expires-at": EXPIRY}

    extended = result("extended")
    assert calls(extended, True) == ["UpdateRole", "TagResources"]
    assert extended["role"]["expires_at"] == LATER and extended["role"]["tags"] == {"team": "mq", "expires-at": LATER}
    trust_after = extended["diff"]["after"]["assume_role_policy_document"]["Statement"][0]["Condition"]
    assert trust_after == {
        "StringEquals": {"sts:ExternalId": "contract-4711"},
        "DateLessThan": {"acs:CurrentTime": LATER},
    }
    assert tags_in_state(emu, "roles", ROLE) == {"team": "mq", "expires-at": LATER}

    policy = result("policy created")
    assert calls(policy, True) == ["CreatePolicy"] and policy["policy"]["tags"] == {**MANAGED, "expires-at": EXPIRY}
    assert all(
        s["Condition"] == {"DateLessThan": {"acs:CurrentTime": EXPIRY}}
        for s in policy["policy"]["document"]["Statement"]
    )
    assert not result("policy converged")["changed"] and calls(result("policy converged"), True) == []
    untouched = result("policy untouched")
    assert "ListTagResources" not in calls(untouched, False) and "tags" not in untouched["policy"], (
        "tags not given: not read"
    )
    emptied = result("policy emptied")
    assert calls(emptied, True) == ["UntagResources"] and emptied["policy"]["tags"] == {}
    assert emptied["diff"]["before"]["tags"] == {**MANAGED, "expires-at": EXPIRY}
    assert tags_in_state(emu, "policies", POLICY) == {}
