"""The ownership convention (tags, expiry text) and the pure logic built on it: tag limits, tag changes, the expiry
condition in permission and trust policies (policy.with_expiry, the rocketmq_policy filter, ram_role's options)."""

from datetime import datetime, timedelta, timezone

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.apsaramq.cross_account.plugins.filter.rocketmq_policy import rocketmq_policy
from ansible_collections.apsaramq.cross_account.plugins.module_utils import ownership, ram_role_args
from ansible_collections.apsaramq.cross_account.plugins.module_utils.policy import (
    PolicyError,
    build_trust_document,
    documents_equal,
    expiry_of_document,
    validate_document,
    with_expiry,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_tags import tag_changes, tags_after
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import ValidationError

B, C = "2000000000000002", "3000000000000003"
EXPIRY = "2027-06-30T00:00:00Z"
UNTIL = {"DateLessThan": {"acs:CurrentTime": EXPIRY}}


# ------------------------------------------------------------------------------------------------------------ expiry text


@pytest.mark.parametrize(
    "given",
    [
        "2027-06-30T00:00:00Z",
        "2027-06-30 00:00:00Z",
        "2027-06-30T00:00:00+00:00",
        "2027-06-30T02:00:00+02:00",
        "2027-06-29T19:00:00-0500",
        " 2027-06-30T00:00:00.000Z ",
        datetime(2027, 6, 30, tzinfo=timezone.utc),
        datetime(2027, 6, 30, 8, tzinfo=timezone(timedelta(hours=8))),
    ],
    ids=["Z", "space", "+00:00", "+02:00", "-0500", "zero-fraction", "datetime", "datetime+8"],
)
def test_every_spelling_of_one_moment_becomes_the_same_utc_text(given):
    assert ownership.normalize_expiry(given, "expires_at") == EXPIRY


@pytest.mark.parametrize(
    "given, reason",
    [
        ("2027-06-30", "must be an ISO 8601 date-time"),
        ("2027-06-30T00:00:00", "must name its time zone"),
        (datetime(2027, 6, 30), "must name its time zone"),
        ("2027-06-30T00:00:00.5Z", "must be given to the second"),
        ("2027-02-30T00:00:00Z", "is not a valid date-time"),
        ("tomorrow", "must be an ISO 8601 date-time"),
        (20270630, "got int"),
    ],
)
def test_an_ambiguous_or_invalid_expiry_is_refused_naming_the_option(given, reason):
    with pytest.raises(ValidationError, match=reason) as caught:
        ownership.parse_expiry(given, "expires_at")
    assert caught.value.field == "expires_at"


def test_no_expiry_stays_none():
    assert ownership.normalize_expiry(None, "x") is None and ownership.normalize_expiry("", "x") is None


# --------------------------------------------------------------------------------------------------------------- tags


def test_collection_tags_name_the_partners_sorted_and_the_expiry():
    assert ownership.collection_tags([C, B, B], "2027-06-30T08:00:00+08:00") == {
        "managed-by": "apsaramq.cross_account",
        "partner": f"{B},{C}",
        "expires-at": EXPIRY,
    }
    assert ownership.collection_tags(int(B)) == {"managed-by": "apsaramq.cross_account", "partner": B}
    with pytest.raises(ValidationError, match="at most 15"):
        ownership.collection_tags([str(int(B) + index) for index in range(16)])
    with pytest.raises(ValidationError, match="16 digits"):
        ownership.collection_tags(["123"])


def test_reading_tags_back_in_every_shape_the_api_answers():
    listed = {
        "Tag": [
            {"TagKey": "managed-by", "TagValue": "apsaramq.cross_account"},
            {"TagKey": "expires-at", "TagValue": EXPIRY},
            {"TagKey": "partner", "TagValue": f"{B},{C}"},
        ]
    }
    assert ownership.is_managed(listed) and ownership.partners_of(listed) == [B, C]
    assert ownership.expiry_of([{"Key": "expires-at", "Value": EXPIRY}]) == datetime(2027, 6, 30, tzinfo=timezone.utc)
    assert not ownership.is_managed({"managed-by": "someone-else"}) and not ownership.is_managed(None)
    assert ownership.expiry_of({"expires-at": "next summer"}) is None, "an unreadable expiry is never guessed"


def test_expired_means_managed_with_an_expiry_at_or_before_now():
    expiry = datetime(2027, 6, 30, tzinfo=timezone.utc)
    ours = {"managed-by": "apsaramq.cross_account", "expires-at": EXPIRY}
    assert ownership.is_expired(ours, expiry), "DateLessThan: at the very second access has ended"
    assert not ownership.is_expired(ours, expiry - timedelta(seconds=1))
    assert not ownership.is_expired({"expires-at": EXPIRY}, expiry + timedelta(days=1)), (
        "untagged: never expired for the sweep"
    )
    assert not ownership.is_expired({"managed-by": "apsaramq.cross_account"}, expiry), "no expiry: never expires"


@pytest.mark.parametrize(
    "tags, field",
    [
        ({f"k{index}": "v" for index in range(21)}, "tags"),
        ({"k" * 129: "v"}, "tags key"),
        ({"": "v"}, "tags key"),
        ({"ACS:owner": "v"}, "tags key"),
        ({"aliyun-team": "v"}, "tags key"),
        ({"team": "v" * 257}, "tags['team']"),
        ({"team": "Aliyun"}, "tags['team']"),
        ({"link": "see http://x"}, "tags['link']"),
        (["team"], "tags"),
    ],
)
def test_tags_outside_the_ram_limits_are_refused(tags, field):
    with pytest.raises(ValidationError) as caught:
        ownership.validate_tags(tags, "tags")
    assert caught.value.field == field


def test_tags_within_the_limits_come_back_as_text():
    tags = {f"k{index}": index for index in range(18)}
    assert ownership.validate_tags({**tags, "k" * 128: "v" * 256, "empty": None}, "tags") == {
        **{key: str(value) for key, value in tags.items()},
        "k" * 128: "v" * 256,
        "empty": "",
    }


def test_tag_changes_purge_only_when_asked_and_leave_alone_without_tags():
    current = {"team": "mq", "env": "prod"}
    assert tag_changes(None, current, True) == ({}, [])
    assert tag_changes({"team": "mq", "owner": "ops"}, current, False) == ({"owner": "ops"}, [])
    assert tag_changes({"team": "sec"}, current, True) == ({"team": "sec"}, ["env"])
    assert tag_changes({}, current, True) == ({}, ["env", "team"])
    assert tag_changes(dict(current), current, True) == ({}, [])
    assert tags_after({"team": "sec"}, current, True) == {"team": "sec"}
    assert tags_after({"owner": "ops"}, current, False) == {**current, "owner": "ops"}


# ------------------------------------------------------------------------------------------------- the expiry condition


def test_with_expiry_conditions_every_allow_statement_and_no_deny():
    document = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "mq:PUB",
                "Resource": "acs:mq:*:*:i%orders",
                "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}},
            },
            {
                "Effect": "Allow",
                "Action": "mq:SUB",
                "Resource": "acs:mq:*:*:i%GID",
                "Condition": {"DateLessThan": {"acs:CurrentTime": "2020-01-01T00:00:00Z"}},
            },
            {"Effect": "Deny", "Action": "mq:*", "Resource": "acs:mq:*:*:i%payments"},
        ],
    }
    expiring = with_expiry(document, EXPIRY)
    first, second, deny = expiring["Statement"]
    assert first["Condition"] == {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}, **UNTIL}, (
        "ANDed with the other conditions"
    )
    assert second["Condition"] == UNTIL, "an earlier expiry is replaced, not doubled"
    assert "Condition" not in deny, "a deny that expired would widen access"
    assert (
        "Condition" not in document["Statement"][2]
        and document["Statement"][1]["Condition"]["DateLessThan"]["acs:CurrentTime"] != EXPIRY
    ), "the input is not mutated"
    assert expiry_of_document(expiring) == EXPIRY and expiry_of_document(document) is None
    assert documents_equal(with_expiry(expiring, EXPIRY), expiring), "applying the same expiry twice changes nothing"
    validate_document(expiring, kind="permission")


def test_the_filter_puts_the_expiry_on_every_statement():
    grant = {
        "series": "4.x",
        "instance_id": "MQ_INST_1",
        "publish_topics": ["orders"],
        "subscribe_topics": ["orders"],
        "subscribe_groups": ["GID_orders"],
        "source_ips": ["10.0.0.0/8"],
        "expires_at": "2027-06-30T02:00:00+02:00",
    }
    statements = rocketmq_policy(grant)["Statement"]
    assert len(statements) == 3
    assert all(s["Condition"] == {"IpAddress": {"acs:SourceIp": ["10.0.0.0/8"]}, **UNTIL} for s in statements)
    without = rocketmq_policy({key: value for key, value in grant.items() if key != "expires_at"})
    assert all("DateLessThan" not in s["Condition"] for s in without["Statement"])
    five = rocketmq_policy(
        {
            "series": "5.x",
            "instance_id": "rmq-cn-1",
            "region": "cn-hangzhou",
            "owner_uid": "1000000000000001",
            "management": "read_only",
            "expires_at": datetime(2027, 6, 30, tzinfo=timezone.utc),
        }
    )
    assert all(s["Condition"] == UNTIL for s in five["Statement"])


def test_the_filter_names_a_bad_expiry():
    with pytest.raises(AnsibleFilterError, match=r"grant\.expires_at: must name its time zone"):
        rocketmq_policy(
            {
                "series": "4.x",
                "instance_id": "MQ_INST_1",
                "publish_topics": ["orders"],
                "expires_at": "2027-06-30T00:00:00",
            }
        )


def role_request(**given):
    params = {name: option.get("default") for name, option in ram_role_args.ARGUMENT_SPEC.items()}
    return ram_role_args.validated_request({**params, "name": "partner-b", **given})


def test_ram_role_puts_the_expiry_into_the_trust_it_builds_and_into_its_tags():
    request = role_request(trusted_accounts=[B], external_id="contract-4711", expires_at="2027-06-30T00:00:00+00:00")
    statement = request["friendly_trust"]["Statement"][0]
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": "contract-4711"}, **UNTIL}
    assert (
        request["expires_at"] == EXPIRY and request["tags"] == {"expires-at": EXPIRY} and request["purge_tags"] is False
    )
    raw = role_request(
        assume_role_policy_document=build_trust_document(services=["ecs.aliyuncs.com"]), expires_at=EXPIRY
    )
    assert raw["raw_trust"]["Statement"][0]["Condition"] == UNTIL
    tagged = role_request(trusted_accounts=[B], tags={"team": "mq"}, expires_at=EXPIRY)
    assert tagged["tags"] == {"team": "mq", "expires-at": EXPIRY} and tagged["purge_tags"] is True
    assert role_request(trusted_accounts=[B])["tags"] is None, "no tags and no expiry: the tags are left alone"


def test_ram_role_refuses_a_contradicting_tag_an_oversized_trust_and_a_bad_wait():
    with pytest.raises(ValidationError, match="contradicts expires_at") as caught:
        role_request(trusted_accounts=[B], tags={"expires-at": "2030-01-01T00:00:00Z"}, expires_at=EXPIRY)
    assert caught.value.field == "tags"
    with pytest.raises(PolicyError, match="2048"):  # the condition adds length: checked again with it
        role_request(trusted_accounts=[str(int(B) + index) for index in range(58)], expires_at=EXPIRY)
    role_request(trusted_accounts=[str(int(B) + index) for index in range(58)])
    with pytest.raises(ValidationError) as caught:
        role_request(trusted_accounts=[B], wait=True, wait_timeout=0)
    assert caught.value.field == "wait_timeout"
