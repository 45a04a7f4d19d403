"""The partner_roles filter: the owner_setup role's plan of one role and one policy per partner - names, what a
partner inherits, the collection's tags, and every problem collected (never raised) for the preflight module."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.apsaramq.cross_account.plugins.filter.partner_roles import FilterModule, partner_roles

B, C = "2000000000000002", "3000000000000003"
GRANT = {"series": "4.x", "instance_id": "MQ_INST_1", "publish_topics": ["orders"]}
DEFAULTS = {
    "grant": GRANT,
    "external_id": "",
    "source_ips": [],
    "mfa_required": False,
    "max_session_duration": 3600,
    "expires_at": "",
    "system_policies": [],
    "description": "Shared",
    "purge_policies": True,
    "tags": {"cost-center": "mq"},
}


def plan(partners, **defaults):
    return partner_roles(partners, "rmq-", {**DEFAULTS, **defaults})


def test_the_filter_is_registered():
    assert FilterModule().filters()["partner_roles"] is partner_roles


def test_each_partner_gets_its_own_role_policy_and_tags_and_inherits_what_it_leaves_out():
    result = plan(
        [
            {"uid": B, "alias": "partner-b", "external_id": "x-1"},
            {"uid": int(C), "grant": {**GRANT, "publish_topics": ["audit"]}, "expires_at": "2027-06-30T00:00:00+00:00"},
        ]
    )
    assert result["problems"] == []
    b, c = result["partners"]
    assert (b["role_name"], b["policy_name"], b["alias"], b["expires_at"]) == (
        "rmq-partner-b",
        "rmq-partner-b-rocketmq",
        "partner-b",
        None,
    )
    assert (c["role_name"], c["role_key"], c["uid"], c["expires_at"]) == (
        f"rmq-{C}",
        f"rmq-{C}",
        C,
        "2027-06-30T00:00:00Z",
    )
    assert b["role_check"]["args"] == {
        "name": "rmq-partner-b",
        "description": f"Shared - partner {B}",
        "trusted_accounts": [B],
        "policies": ["Custom:rmq-partner-b-rocketmq"],
        "purge_policies": True,
        "expires_at": None,
        "max_session_duration": 3600,
        "external_id": "x-1",
        "tags": {"cost-center": "mq", "managed-by": "apsaramq.cross_account", "partner": B},
    }
    assert "external_id" not in c["role_check"]["args"]
    assert c["policy_check"]["args"]["tags"] == {
        "cost-center": "mq",
        "managed-by": "apsaramq.cross_account",
        "partner": C,
        "expires-at": "2027-06-30T00:00:00Z",
    }
    statements = c["document"]["Statement"]
    assert statements[1]["Resource"] == ["acs:mq:*:*:MQ_INST_1%audit"]
    assert all(
        statement["Condition"] == {"DateLessThan": {"acs:CurrentTime": "2027-06-30T00:00:00Z"}}
        for statement in statements
    )
    assert c["line"] == f"{C}: role rmq-{C}, policy rmq-{C}-rocketmq, access ends 2027-06-30T00:00:00Z"
    assert b["role_check"]["names"]["trusted_accounts"] == ["owner_setup_partners[0].uid"]


def test_the_end_date_comes_from_the_partner_then_its_grant_then_the_default():
    result = plan(
        [{"uid": B, "grant": {**GRANT, "expires_at": "2027-01-01T00:00:00Z"}}, {"uid": C, "alias": "c"}],
        expires_at="2028-01-01T00:00:00Z",
    )
    assert [partner["expires_at"] for partner in result["partners"]] == ["2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"]


def test_a_partner_with_only_system_policies_gets_no_custom_policy():
    [partner] = plan([{"uid": B, "system_policies": ["AliyunMQSubOnlyAccess"]}], grant=None)["partners"]
    assert (partner["policy_name"], partner["policy_check"], partner["document"]) == (None, None, None)
    assert partner["role_check"]["args"]["policies"] == ["AliyunMQSubOnlyAccess"]
    assert partner["role_check"]["names"]["policies"] == [
        "owner_setup_partners[0].system_policies[0] (or owner_setup_system_policies)"
    ]


def test_every_problem_is_collected_and_names_the_partner():
    result = plan(
        [
            {"uid": B, "alias": "b"},
            {"uid": B, "alias": "B"},
            {"uid": C, "alias": "c", "grant": {"series": "4.x", "instance_id": "MQ_INST_1", "subscribe_topics": ["t"]}},
            {"uid": "4000000000000004", "alias": "d", "expires_at": "tomorrow"},
            {"uid": "5000000000000005", "alias": "e"},
        ],
        grant=None,
    )
    assert result["problems"] == [
        "owner_setup_partners[0], owner_setup_partners[1]: name the same partner UID",
        "owner_setup_partners[0], owner_setup_partners[1]: derive the same role name; give them distinct aliases",
        "owner_setup_partners[0]: grants nothing; set its grant (or owner_setup_grant) or system_policies",
        "owner_setup_partners[1]: grants nothing; set its grant (or owner_setup_grant) or system_policies",
        "owner_setup_partners[2].grant.subscribe_groups: consuming needs both subscribe_topics and subscribe_groups",
        "owner_setup_partners[3].expires_at: must be an ISO 8601 date-time in UTC such as 2027-06-30T00:00:00Z, got 'tomorrow'",
        "owner_setup_partners[3]: grants nothing; set its grant (or owner_setup_grant) or system_policies",
        "owner_setup_partners[4]: grants nothing; set its grant (or owner_setup_grant) or system_policies",
    ]
    assert (
        result["partners"][2]["document"] is None and result["partners"][2]["policy_check"]["args"]["document"] is None
    )


@pytest.mark.parametrize("partners", [None, {"uid": B}, [B]])
def test_anything_but_a_list_of_partners_is_refused(partners):
    with pytest.raises(AnsibleFilterError, match="owner_setup_partners must be a list of dicts"):
        partner_roles(partners, "rmq-")
