"""Identifier validators: each accepts the documented forms and rejects the rest, naming the option."""

import pytest

from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import (
    ValidationError,
    validate_account_uid,
    validate_description,
    validate_duration,
    validate_external_id,
    validate_policy_name,
    validate_role_arn,
    validate_role_name,
    validate_session_name,
    validate_user_name,
)

GOOD = [
    (validate_account_uid, "2000000000000002"),
    (validate_role_name, "RocketMQ-Operators.prod"),
    (validate_role_name, "r"),
    (validate_role_name, "r" * 64),
    (validate_policy_name, "MQ-Publish-orders"),
    (validate_policy_name, "p" * 128),
    (validate_user_name, "alice.ops_team-1"),
    (validate_user_name, "u" * 64),
    (validate_session_name, "partner-b.alice@ci_7"),
    (validate_session_name, "ab"),
    (validate_external_id, "partner=b,ref:2026/07@x.y-z_1"),
]


@pytest.mark.parametrize("validator, value", GOOD, ids=[f"{v.__name__}:{value[:20]}" for v, value in GOOD])
def test_documented_forms_are_accepted_unchanged(validator, value):
    assert validator(value, "some_option") == value


BAD = [
    (validate_account_uid, "200000000000002", "must be an Alibaba Cloud account UID of exactly 16 digits"),
    (validate_account_uid, "20000000000000021", "exactly 16 digits"),
    (validate_account_uid, "2000-0000-0000-02", "exactly 16 digits"),
    (validate_account_uid, True, "exactly 16 digits"),
    (validate_account_uid, None, "exactly 16 digits"),
    (validate_role_name, "", "must be 1 to 64 characters long, got 0"),
    (validate_role_name, "r" * 65, "must be 1 to 64 characters long, got 65"),
    (validate_role_name, "mq operators_1", "may contain only letters, digits, '.' and '-'; found ' _'"),
    (validate_role_name, 5, "must be a string, got int"),
    (validate_policy_name, "p" * 129, "must be 1 to 128 characters long"),
    (validate_policy_name, "MQ.Publish", "may contain only letters, digits and '-'; found '.'"),
    (validate_user_name, "u" * 65, "must be 1 to 64 characters long"),
    (validate_user_name, "alice@example.com", "may contain only letters, digits, '.', '_' and '-'; found '@'"),
    (validate_session_name, "a", "must be 2 to 64 characters long, got 1"),
    (validate_session_name, "s" * 65, "must be 2 to 64 characters long"),
    (validate_session_name, "alice/ci", "found '/'"),
    (validate_external_id, "x", "must be 2 to 1224 characters long"),
    (validate_external_id, "e" * 1225, "must be 2 to 1224 characters long"),
    (validate_external_id, "two words", "found ' '"),
]


@pytest.mark.parametrize(
    "validator, value, fragment", BAD, ids=[f"{case[0].__name__}:{str(case[1])[:20]}" for case in BAD]
)
def test_bad_values_are_rejected_naming_the_option(validator, value, fragment):
    with pytest.raises(ValidationError) as error:
        validator(value, "some_option")
    assert str(error.value).startswith("some_option: ")
    assert error.value.field == "some_option"
    assert fragment in error.value.reason


def test_an_unquoted_yaml_uid_is_accepted_as_text():
    assert validate_account_uid(2000000000000002, "trusted_accounts") == "2000000000000002"


def test_messages_show_the_offending_characters_not_the_value():
    with pytest.raises(ValidationError) as error:
        validate_external_id("s3cr3t shared value", "external_id")
    assert "s3cr3t" not in str(error.value)


def test_role_arn_yields_account_and_role_name():
    assert validate_role_arn("acs:ram::1000000000000001:role/MQ-Operators", "role_arn") == (
        "1000000000000001",
        "MQ-Operators",
    )


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("acs:ram::1000000000000001:user/alice", "must look like acs:ram::<16-digit account UID>:role/<role name>"),
        ("acs:ram::100000000000001:role/ops", "must look like"),
        ("MQ-Operators", "must look like"),
        ("acs:ram::1000000000000001:role/ops team", "role name may contain only letters, digits, '.' and '-'"),
        ("acs:ram::1000000000000001:role/" + "r" * 65, "role name must be 1 to 64 characters long"),
    ],
)
def test_bad_role_arns_are_rejected(value, fragment):
    with pytest.raises(ValidationError) as error:
        validate_role_arn(value, "role_arn")
    assert str(error.value).startswith("role_arn: ")
    assert fragment in error.value.reason


@pytest.mark.parametrize("value, expected", [(900, 900), (3600, 3600), ("1800", 1800), (1200.0, 1200)])
def test_durations_in_range_become_integers(value, expected):
    assert validate_duration(value, "duration_seconds", 900, 3600) == expected


@pytest.mark.parametrize("value", [899, 3601, -1, "15m", "", 1200.5, True, None, [900]])
def test_durations_out_of_range_or_not_whole_seconds_are_rejected(value):
    with pytest.raises(ValidationError) as error:
        validate_duration(value, "duration_seconds", 900, 3600)
    assert str(error.value) == f"duration_seconds: must be a whole number of seconds from 900 to 3600, got {value!r}"


def test_description_limit():
    assert validate_description("d" * 1024, "description") == "d" * 1024
    assert validate_description("", "description") == ""
    with pytest.raises(ValidationError, match=r"^description: must be at most 1024 characters long, got 1025$"):
        validate_description("d" * 1025, "description")
    with pytest.raises(ValidationError, match=r"^comments: must be at most 128 characters long"):
        validate_description("d" * 129, "comments", max_len=128)
