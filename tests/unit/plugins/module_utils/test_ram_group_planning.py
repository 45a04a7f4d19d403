"""ram_group's pure logic: the checks of its options before any API call, and the membership and comments plans."""

import pytest

from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_group_args import (
    policy_reference,
    validated_request,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_groups import (
    comment_changes,
    diff_view,
    group_facts,
    missing_users_error,
    plan_members,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import ValidationError

CUSTOM = {"PolicyName": "AssumeRole-operators", "PolicyType": "Custom"}
SYSTEM = {"PolicyName": "AliyunMQReadOnlyAccess", "PolicyType": "System"}


def params(**options):
    base = {
        "group_name": "mq-operators",
        "state": "present",
        "comments": None,
        "members": None,
        "purge_members": False,
        "policies": None,
        "purge_policies": False,
    }
    return {**base, **options}


# --- membership plan -------------------------------------------------------------------------------------------------


def test_without_purge_only_missing_members_are_added():
    assert plan_members(["bob", "alice"], ["alice", "carol"], purge=False) == (["bob"], [], ["alice", "bob", "carol"])


def test_purge_removes_the_members_not_listed():
    assert plan_members(["bob"], ["alice", "bob", "carol"], purge=True) == ([], ["alice", "carol"], ["bob"])


def test_purge_with_no_member_wanted_empties_the_group():
    assert plan_members([], ["alice", "bob"], purge=True) == ([], ["alice", "bob"], [])


def test_names_compare_case_insensitively_and_keep_rams_spelling():
    to_add, to_remove, after = plan_members(["ALICE", "Bob", "bob"], ["alice"], purge=True)
    assert (to_add, to_remove) == (["Bob"], []), "ALICE is alice; bob is added once"
    assert after == ["alice", "Bob"]


def test_a_converged_membership_plans_nothing():
    assert plan_members(["bob", "alice"], ["alice", "bob"], purge=True) == ([], [], ["alice", "bob"])


def test_a_missing_user_is_named_by_its_index_in_members():
    error = missing_users_error([(1, "ghost"), (3, "phantom")])
    assert error.field == "members[1], members[3]"
    assert str(error).startswith("members[1], members[3]: no RAM user of this name in the account: ghost, phantom")


# --- comments ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "wanted, current, changes",
    [
        (None, {"Comments": "old"}, {}),
        ("old", {"Comments": "old"}, {}),
        ("", {}, {}),
        ("new", {"Comments": "old"}, {"NewComments": "new"}),
        ("", {"Comments": "old"}, {"NewComments": ""}),
    ],
)
def test_comments_change_only_when_given_and_different(wanted, current, changes):
    assert comment_changes(wanted, current) == changes


# --- options ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entry, reference",
    [
        ("AliyunMQReadOnlyAccess", "AliyunMQReadOnlyAccess"),
        ("system:AliyunMQReadOnlyAccess", "System:AliyunMQReadOnlyAccess"),
        ({"name": "AssumeRole-operators", "type": "Custom"}, "Custom:AssumeRole-operators"),
        ({"name": "AliyunMQReadOnlyAccess", "type": "system"}, "System:AliyunMQReadOnlyAccess"),
        ({"name": "AssumeRole-operators"}, "AssumeRole-operators"),
    ],
)
def test_a_policy_is_a_name_or_a_mapping_of_name_and_type(entry, reference):
    assert policy_reference(entry, "policies[0]") == reference


@pytest.mark.parametrize(
    "options, field, reason",
    [
        ({"group_name": "g" * 65}, "group_name", "must be 1 to 64 characters long, got 65"),
        ({"group_name": "ops team"}, "group_name", "may contain only letters, digits, '.', '_' and '-'; found ' '"),
        ({"comments": "c" * 129}, "comments", "must be at most 128 characters long, got 129"),
        (
            {"members": ["alice", "bob/x"]},
            "members[1]",
            "may contain only letters, digits, '.', '_' and '-'; found '/'",
        ),
        ({"members": ["alice", ""]}, "members[1]", "must be 1 to 64 characters long, got 0"),
        (
            {"policies": ["ok-policy", "no spaces"]},
            "policies[1]",
            "may contain only letters, digits and '-'; found ' '",
        ),
        (
            {"policies": [{"name": "x", "type": "Managed"}]},
            "policies[0].type",
            "must be one of: System, Custom, got 'Managed'",
        ),
        (
            {"policies": [{"name": "x", "kind": "Custom"}]},
            "policies[0].kind",
            "is not a key of a policy; use name and type",
        ),
        ({"policies": [{"type": "Custom"}]}, "policies[0].name", "must be a string, got NoneType"),
        ({"policies": [["x"]]}, "policies[0]", "must be a policy name or a mapping of name and type, got list"),
    ],
)
def test_bad_input_is_refused_naming_the_option(options, field, reason):
    with pytest.raises(ValidationError) as raised:
        validated_request(params(**options))
    assert (raised.value.field, raised.value.reason) == (field, reason)


def test_a_valid_request_keeps_the_members_and_normalises_the_policies():
    policies = ["System:AliyunMQReadOnlyAccess", {"name": "AssumeRole-operators", "type": "Custom"}]
    request = validated_request(params(members=["alice", "Bob"], comments="", policies=policies))
    assert request["members"] == ["alice", "Bob"] and request["comments"] == ""
    assert request["policies"] == ["System:AliyunMQReadOnlyAccess", "Custom:AssumeRole-operators"]
    assert validated_request(params())["members"] is None, "members not given: membership left alone"


# --- what the module shows -------------------------------------------------------------------------------------------


def test_facts_and_diff_of_a_group():
    group = {"GroupName": "mq-operators", "GroupId": "g-1", "Comments": "ops", "CreateDate": "2026-01-01T00:00:00Z"}
    facts = group_facts(group, ["alice", "bob"], [CUSTOM, SYSTEM])
    assert facts == {
        "group_name": "mq-operators",
        "group_id": "g-1",
        "comments": "ops",
        "create_date": "2026-01-01T00:00:00Z",
        "update_date": None,
        "members": ["alice", "bob"],
        "policies": [
            {"policy_name": "AssumeRole-operators", "policy_type": "Custom"},
            {"policy_name": "AliyunMQReadOnlyAccess", "policy_type": "System"},
        ],
    }
    assert diff_view(group, ["alice"], [SYSTEM, CUSTOM]) == {
        "group_name": "mq-operators",
        "comments": "ops",
        "members": ["alice"],
        "policies": ["Custom:AssumeRole-operators", "System:AliyunMQReadOnlyAccess"],
    }
    assert diff_view(None, [], []) == {}
