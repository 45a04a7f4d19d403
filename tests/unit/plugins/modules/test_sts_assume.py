# -*- coding: utf-8 -*-
# Copyright (c) 2026 apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""sts_assume: the AssumeRole request built from the options (refused, naming the field, before any call), when it
waits, how an answer is judged against ``expect``, and that no secret leaks: the caller's never, the issued ones only
in ``sts_creds`` of a success (which the action plugin hides), never in a failure."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.apsaramq.cross_account.plugins.module_utils.sts_assume_args import ARGUMENT_SPEC, RULES
from ansible_collections.apsaramq.cross_account.plugins.module_utils.sts_assume_args import (
    validated_request as sts_request,
)
from ansible_collections.apsaramq.cross_account.plugins.modules import sts_assume

from .utils import (
    CALLER_SECRET,
    CALLER_TOKEN,
    PARTNER_ACCOUNT_ID,
    api_error,
    make_module,
    module_args,
    secrets_in,
)

ROLE_ARN = f"acs:ram::{PARTNER_ACCOUNT_ID}:role/partner-reader"
ISSUED_KEY_ID = "STS.NUnitIssuedKey"
ISSUED_SECRET = "issued-secret-Hq2vX"
ISSUED_TOKEN = "issued-token-CAIS8fWm"
ALLOWED_BODY = {
    "RequestId": "req-unit",
    "Credentials": {
        "AccessKeyId": ISSUED_KEY_ID,
        "AccessKeySecret": ISSUED_SECRET,
        "SecurityToken": ISSUED_TOKEN,
        "Expiration": "2026-01-01T01:00:00Z",
    },
    "AssumedRoleUser": {"Arn": f"{ROLE_ARN}/ansible-apsaramq", "AssumedRoleId": "300000000000000001:ansible-apsaramq"},
}
ALL_SECRETS = (CALLER_SECRET, CALLER_TOKEN, ISSUED_SECRET, ISSUED_TOKEN)


def assume(fake_api, reply):
    fake_api.answer("AssumeRole", reply, product="sts")


def task(**options):
    """A task signed with a caller's STS token, so that both caller secrets could leak."""
    return module_args(security_token=CALLER_TOKEN, debug_api_calls=True, **options)


# --------------------------------------------------------------------------------------------------- the request


def test_the_request_names_the_role_by_arn_or_by_account_and_name(patch_ansible_module):
    by_name = make_module(
        patch_ansible_module, ARGUMENT_SPEC, rules=RULES, account_id=PARTNER_ACCOUNT_ID, role_name="partner-reader"
    )
    request, account, role = sts_request(by_name.params)

    assert request == {"RoleArn": ROLE_ARN, "RoleSessionName": "ansible-apsaramq", "DurationSeconds": 3600}
    assert (account, role) == (PARTNER_ACCOUNT_ID, "partner-reader")


def test_the_session_policy_is_sent_as_compact_json(patch_ansible_module):
    policy = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "mq:PUB", "Resource": "*"}]}
    module = make_module(
        patch_ansible_module, ARGUMENT_SPEC, rules=RULES, role_arn=ROLE_ARN, policy=policy, external_id="partner-ext"
    )

    request, _account, _role = sts_request(module.params)

    assert json.loads(request["Policy"]) == policy and " " not in request["Policy"]
    assert request["ExternalId"] == "partner-ext"


@pytest.mark.parametrize(
    "options, field",
    [
        ({"role_arn": "acs:ram::123:role/x"}, "role_arn"),
        ({"account_id": "12345", "role_name": "partner-reader"}, "account_id"),
        ({"role_arn": ROLE_ARN, "session_name": "a"}, "session_name"),
        ({"role_arn": ROLE_ARN, "duration_seconds": 600}, "duration_seconds"),
        ({"role_arn": ROLE_ARN, "wait_for_role": 601}, "wait_for_role"),
        (
            {"role_arn": ROLE_ARN, "policy": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "x"}]}},
            "policy",
        ),
        (
            {
                "role_arn": ROLE_ARN,
                "policy": {
                    "Version": "1",
                    "Statement": [{"Effect": "Allow", "Action": f"mq:Action{n}", "Resource": "*"} for n in range(60)],
                },
            },
            "policy",
        ),
    ],
)
def test_bad_options_fail_naming_the_field_before_any_api_call(fail_module, fake_api, options, field):
    result = fail_module(sts_assume.main, task(**options))

    assert result["msg"].startswith(field + ":"), result["msg"]
    assert fake_api.calls == []
    assert secrets_in(result, *ALL_SECRETS) == []


class RecordingClient:
    """Just what assume_role asks of a client: the keyword arguments of each call."""

    def __init__(self):
        self.kwargs = None
        self.last_call = {"attempts": 1, "waited": 0.0}

    def call(self, action, params, **kwargs):
        assert action == "AssumeRole"
        self.kwargs = kwargs
        return ALLOWED_BODY


@pytest.mark.parametrize(
    "expect, wait, retry_on, wait_seconds",
    [
        (["allowed"], 10, ("EntityNotExist.Role", "NoPermission"), 10),
        (["allowed", "denied"], 5, ("EntityNotExist.Role", "NoPermission"), 5),
        (["allowed"], 0, (), None),
        (["denied"], 10, (), None),  # a proof of refusal takes the first answer
        (["not_found"], 10, (), None),
    ],
)
def test_only_a_caller_that_wants_credentials_waits_for_the_role(expect, wait, retry_on, wait_seconds):
    client = RecordingClient()

    sts_assume.assume_role(client, {"RoleArn": ROLE_ARN}, expect, wait)

    assert client.kwargs == {"retry_on": retry_on, "wait_seconds": wait_seconds}


# ---------------------------------------------------------------------------------------------------------- main()


def test_main_returns_the_issued_credentials_and_no_secret_of_the_caller(run_module, fake_api):
    assume(fake_api, ALLOWED_BODY)

    result = run_module(sts_assume.main, task(role_arn=ROLE_ARN, session_name="deploy-42", duration_seconds=900))

    assert result["changed"] is False
    assert result["outcome"] == "allowed"
    assert fake_api.params_of("AssumeRole") == [
        {"RoleArn": ROLE_ARN, "RoleSessionName": "deploy-42", "DurationSeconds": 900}
    ]
    assert result["sts_creds"] == {
        "access_key_id": ISSUED_KEY_ID,
        "access_key_secret": ISSUED_SECRET,
        "security_token": ISSUED_TOKEN,
        "expiration": "2026-01-01T01:00:00Z",
    }
    assert result["switch_role"] == {"account_id": PARTNER_ACCOUNT_ID, "role_name": "partner-reader"}
    assert result["api_calls"][0]["action"] == "AssumeRole"
    assert secrets_in(result, CALLER_SECRET, CALLER_TOKEN) == []
    # The issued secrets are in sts_creds and nowhere else.
    elsewhere = {key: value for key, value in result.items() if key != "sts_creds"}
    assert secrets_in(elsewhere, ISSUED_SECRET, ISSUED_TOKEN) == []


def test_main_in_check_mode_still_assumes_but_writes_no_profile(run_module, fake_api, tmp_path):
    assume(fake_api, ALLOWED_BODY)
    profile_file = tmp_path / "aliyun" / "config.json"

    result = run_module(
        sts_assume.main,
        task(role_arn=ROLE_ARN, profile_file=str(profile_file), profile_name="partner"),
        check_mode=True,
    )

    assert fake_api.actions() == ["AssumeRole"]
    assert result["outcome"] == "allowed" and "profile" not in result
    assert not profile_file.exists()


def test_main_writes_the_profile_file_private(run_module, fake_api, tmp_path):
    assume(fake_api, ALLOWED_BODY)
    profile_file = tmp_path / "aliyun" / "config.json"

    result = run_module(
        sts_assume.main, task(role_arn=ROLE_ARN, profile_file=str(profile_file), profile_name="partner")
    )

    assert result["profile"] == {"file": str(profile_file), "name": "partner"}
    assert stat.S_IMODE(os.stat(profile_file).st_mode) == 0o600
    [profile] = json.loads(profile_file.read_text())["profiles"]
    assert (profile["name"], profile["mode"], profile["sts_token"]) == ("partner", "StsToken", ISSUED_TOKEN)


def test_a_profile_that_cannot_be_written_fails_without_any_secret(fail_module, fake_api, tmp_path):
    assume(fake_api, ALLOWED_BODY)
    (tmp_path / "not-a-directory").write_text("")

    result = fail_module(
        sts_assume.main,
        task(role_arn=ROLE_ARN, profile_file=str(tmp_path / "not-a-directory" / "config.json"), profile_name="p"),
    )

    assert result["msg"].startswith("profile_file: cannot write")
    assert "sts_creds" not in result
    assert secrets_in(result, *ALL_SECRETS) == []


def test_a_refusal_is_the_answer_when_denied_is_expected(run_module, fake_api):
    assume(fake_api, api_error("NoPermission", "You are not authorized to do this action."))

    result = run_module(sts_assume.main, task(role_arn=ROLE_ARN, expect=["denied"]))

    assert (result["outcome"], result["code"], result["attempts"]) == ("denied", "NoPermission", 1)
    assert "sts_creds" not in result


def test_credentials_issued_when_a_refusal_was_expected_are_discarded(fail_module, fake_api):
    assume(fake_api, ALLOWED_BODY)

    result = fail_module(sts_assume.main, task(role_arn=ROLE_ARN, expect=["denied"]))

    assert result["msg"].startswith(f"AssumeRole of {ROLE_ARN} was allowed, expected denied")
    assert result["outcome"] == "allowed"
    assert "sts_creds" not in result
    assert secrets_in(result, *ALL_SECRETS) == []


def test_an_authentication_error_is_never_taken_for_a_refusal(fail_module, fake_api):
    assume(fake_api, api_error("SignatureDoesNotMatch", "The signature does not match.", status_code=400))

    result = fail_module(sts_assume.main, task(role_arn=ROLE_ARN, expect=["denied"]))

    assert result["outcome"] == "error"
    assert result["error"]["code"] == "SignatureDoesNotMatch"
    assert "expected denied" in result["msg"]


def test_a_refusal_after_no_wait_fails_a_caller_that_wanted_credentials(fail_module, fake_api):
    assume(fake_api, api_error("NoPermission", "You are not authorized to do this action."))

    result = fail_module(sts_assume.main, task(role_arn=ROLE_ARN, wait_for_role=0))

    assert result["msg"].startswith("AssumeRole failed: NoPermission:")
    assert "waited" not in result["msg"]
    assert (result["outcome"], result["code"]) == ("denied", "NoPermission")
    assert len(fake_api.calls) == 1
    assert secrets_in(result, *ALL_SECRETS) == []


def test_a_server_message_quoting_the_callers_secret_is_masked(fail_module, fake_api):
    assume(fake_api, api_error("SignatureDoesNotMatch", f"string to sign was signed with {CALLER_SECRET}"))

    result = fail_module(sts_assume.main, task(role_arn=ROLE_ARN, expect=["denied"]))

    # base.fail_from scrubs the result's extra keys too, not only msg: the collection's own promise, before
    # AnsibleModule's no_log masking.
    assert result["error"]["code"] == "SignatureDoesNotMatch"
    assert secrets_in(result, *ALL_SECRETS) == []
