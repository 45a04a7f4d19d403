"""Pure logic of module_utils/ram_users.py: the marker, passwords against the account's policy, AccessKey age,
rotation leftovers and the AccessKey plan (the keys and the clock come in as values)."""

import string
from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import CollectionError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_users import (
    MARKER,
    OWN_COMMENTS_LIMIT,
    PASSWORD_MAX_LENGTH,
    USER_COMMENTS_LIMIT,
    generate_password,
    is_marked,
    key_age_days,
    keys_over_age,
    own_comments,
    password_problems,
    plan_access_keys,
    plan_login_profile,
    sign_in,
    stored_comments,
)

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
STRICT = {
    "MinimumPasswordLength": 32,
    "RequireLowercaseCharacters": True,
    "RequireUppercaseCharacters": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
}


def key(key_id, status="Active", days_old=0.0):
    return {
        "AccessKeyId": key_id,
        "Status": status,
        "CreateDate": (NOW - timedelta(days=days_old)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


# ---- the marker -----------------------------------------------------------------------------------------------------


def test_the_marker_round_trips_and_fits_rams_comment_limit():
    assert (
        stored_comments(None, marked=True) == MARKER
        and stored_comments("ops team", marked=True) == f"{MARKER} ops team"
    )
    assert own_comments(f"{MARKER} ops team") == "ops team" and own_comments(MARKER) == ""
    assert (
        is_marked({"Comments": f"{MARKER} ops team"})
        and not is_marked({"Comments": "made by hand"})
        and not is_marked(None)
    )
    assert stored_comments("made by hand", marked=False) == "made by hand", "an unmarked user never gets the marker"
    assert len(stored_comments("c" * OWN_COMMENTS_LIMIT, marked=True)) == USER_COMMENTS_LIMIT


# ---- passwords ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "policy",
    [
        {},
        {"MinimumPasswordLength": 8},
        STRICT,
        dict(STRICT, MinimumPasswordLength=12, RequireSymbols=False),
    ],
)
def test_generated_passwords_satisfy_the_policy_and_never_hold_the_user_name(policy):
    for _attempt in range(50):
        password = generate_password(policy, "bob")
        assert password_problems(password, policy) == []
        assert max(24, policy.get("MinimumPasswordLength", 0)) <= len(password) <= PASSWORD_MAX_LENGTH
        assert {*string.ascii_lowercase} & {*password} and {*string.ascii_uppercase} & {*password}
        assert {*string.digits} & {*password} and {*string.punctuation} & {*password}
        assert "bob" not in password.lower()


def test_a_generated_password_containing_the_user_name_is_drawn_again():
    draws = iter("Ab1!bob" + "x" * 17 + "Ab1!" + "y" * 20)
    password = generate_password({}, "bob", choice=lambda _alphabet: next(draws), shuffle=lambda chars: None)
    assert password == "Ab1!" + "y" * 20


def test_password_problems_name_each_rule_and_never_quote_the_password():
    assert password_problems("Sh0rt!", {"MinimumPasswordLength": 8}) == [
        "must be 8 to 32 characters long (MinimumPasswordLength), got 6"
    ]
    assert password_problems("x" * 33, {}) == ["must be 8 to 32 characters long (MinimumPasswordLength), got 33"]
    problems = password_problems("alllowercase", STRICT)
    assert "must contain an uppercase letter (RequireUppercaseCharacters)" in problems
    assert "must contain a digit (RequireNumbers)" in problems and "must contain a symbol (RequireSymbols)" in problems
    assert password_problems("with space 1A!", {}) == ["may contain only ASCII letters, digits and symbols, no spaces"]
    assert not any("alllowercase" in problem for problem in problems)


def test_an_existing_login_profile_is_kept_unless_a_reset_is_asked():
    present = {"state": "present", "password_reset": False}
    assert plan_login_profile(present, None) == "create"
    assert plan_login_profile(present, {"UserName": "bob"}) == "keep"
    assert plan_login_profile(dict(present, password_reset=True), {"UserName": "bob"}) == "reset"
    assert plan_login_profile({"state": "absent", "password_reset": False}, {"UserName": "bob"}) == "delete"
    assert plan_login_profile({"state": "absent", "password_reset": False}, None) == "keep"


def test_the_sign_in_name_uses_the_alias_else_the_account_uid():
    assert sign_in("bob", "partner-b", None)["login_name"] == "bob@partner-b.onaliyun.com"
    assert sign_in("bob", "", "2000000000000002") == {
        "login_name": "bob@2000000000000002.onaliyun.com",
        "signin_url": "https://signin.aliyun.com/login.htm",
    }


# ---- AccessKey age and plans ------------------------------------------------------------------------------------------


def test_key_age_counts_days_and_only_active_keys_can_be_over_age():
    assert key_age_days(key("K", days_old=2.5), NOW) == pytest.approx(2.5)
    assert key_age_days({"AccessKeyId": "K", "CreateDate": "yesterday"}, NOW) is None
    keys = [
        key("OLD", days_old=91),
        key("NEW", days_old=3),
        key("OFF", "Inactive", days_old=200),
        key("EDGE", days_old=90),
    ]
    assert keys_over_age(keys, 90, NOW) == [{"access_key_id": "OLD", "age_days": 91.0}]


def plan(action, keys, recorded="NEW", **options):
    return plan_access_keys(action, keys, recorded, NOW, "app", **options)


def test_create_keeps_the_recorded_key_and_creates_one_when_the_file_has_none():
    assert plan("create", [key("NEW")])["step"] == "keep"
    assert plan("create", [key("OTHER")])["step"] == "create", "a file holding a key the user does not have"
    disabled = plan("create", [key("NEW", "Inactive")])
    assert disabled["step"] == "keep" and "disabled" in disabled["warning"]


def test_a_rotation_leftover_is_deleted_once_the_grace_period_has_passed():
    keys = [key("OLD", "Inactive", days_old=3), key("NEW", days_old=2)]
    assert plan("create", keys, grace_hours=0)["delete"] == ["OLD"]
    kept = plan("create", keys, grace_hours=72)
    assert kept["delete"] == []
    assert kept["pending"] == [
        {"access_key_id": "OLD", "delete_after": "2026-06-02T12:00:00Z", "reason": "access_key_grace_period"}
    ]
    assert plan("create", keys, grace_hours=48)["delete"] == ["OLD"], "the grace period ends exactly now"
    unmarked = plan("create", keys, may_delete=False)
    assert unmarked["delete"] == [] and "not created by this collection" in unmarked["pending"][0]["reason"]


def test_a_key_disabled_by_hand_is_never_taken_for_a_leftover():
    newer_inactive = [key("NEW", days_old=2), key("LATER", "Inactive", days_old=1)]
    assert plan("create", newer_inactive)["delete"] == []
    both_off = [key("OLD", "Inactive", days_old=3), key("NEW", "Inactive", days_old=2)]
    assert plan("create", both_off)["delete"] == []
    assert plan("disable", [key("OLD", "Inactive", days_old=3), key("NEW", days_old=2)])["delete"] == [], (
        "only create/rotate clean up"
    )


def test_rotation_never_needs_a_third_key():
    assert plan("rotate", [key("NEW")])["step"] == "rotate"
    assert plan("rotate", [key("OLD", "Inactive", days_old=3), key("NEW", days_old=2)])["delete"] == ["OLD"]
    with pytest.raises(
        CollectionError, match=r"^access_key_action: .* 2 AccessKeys.*kept disabled until 2026-06-02T12:00:00Z"
    ):
        plan("rotate", [key("OLD", "Inactive", days_old=3), key("NEW", days_old=2)], grace_hours=72)
    with pytest.raises(CollectionError, match=r"delete one it no longer uses"):
        plan("create", [key("A"), key("B")], recorded=None)


def test_max_age_rotates_or_reports_the_recorded_key():
    old = [key("NEW", days_old=100)]
    rotated = plan("create", old, max_age_days=90)
    assert rotated["step"] == "rotate" and rotated["reason"] == "older than access_key_max_age_days=90"
    reported = plan("create", old, max_age_days=90, age_action="report")
    assert reported["step"] == "keep" and reported["aged"] == [{"access_key_id": "NEW", "age_days": 100.0}]
    assert plan("create", [key("NEW", days_old=10)], max_age_days=90)["step"] == "keep"
    assert plan("none", old, recorded=None, max_age_days=90, age_action="report")["aged"][0]["access_key_id"] == "NEW"


def test_disable_and_enable_need_the_files_key_and_change_only_its_status():
    assert plan("disable", [key("NEW")])["status"] == "Inactive"
    assert plan("disable", [key("NEW", "Inactive")])["step"] == "keep"
    assert plan("enable", [key("NEW", "Inactive")])["status"] == "Active"
    with pytest.raises(CollectionError, match=r"^access_key_file: it holds no AccessKey of the RAM user app"):
        plan("disable", [key("OTHER")])


def test_generated_passwords_differ():
    assert len({generate_password({}, "u") for _draw in range(20)}) == 20
