"""Document limits and wildcard principals as sts_assume and ram_role check them before any API call (issue 10).

The limits are counted on the compact JSON the modules send: a session Policy at most 2,048 characters (AssumeRole
reference), a trust policy at most 2,048 (the limit the collection and the emulator assume: the RAM reference gives
none), and no wildcard in a trust principal. The emulator answers the same way (tests/emulator/tests/test_document_limits.py).
"""

import pytest

from ansible_collections.apsaramq.cross_account.plugins.module_utils import ram_role_args, sts_assume_args
from ansible_collections.apsaramq.cross_account.plugins.module_utils.policy import PolicyError, render_document
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import ValidationError

A, B = "1000000000000001", "2000000000000002"
ROLE_ARN = f"acs:ram::{A}:role/partner-operator"


def params_of(spec, **given):
    """Module parameters as AnsibleModule hands them over: every option, defaults filled in."""
    return {**{name: option.get("default") for name, option in spec.items()}, **given}


def session_policy(length):
    """A valid session policy whose compact JSON is exactly ``length`` characters."""

    def padded(pad):
        return {
            "Version": "1",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["ram:Get*", "ram:List*"],
                    "Resource": ["*", f"acs:ram:*:{A}:role/" + "r" * pad],
                }
            ],
        }

    return padded(length - len(render_document(padded(0))))


def trust_policy(length):
    """A valid trust policy (B's root and one user of B) whose compact JSON is exactly ``length`` characters."""

    def padded(pad):
        return {
            "Version": "1",
            "Statement": [
                {
                    "Action": "sts:AssumeRole",
                    "Effect": "Allow",
                    "Principal": {"RAM": [f"acs:ram::{B}:root", f"acs:ram::{B}:user/u" + "x" * pad]},
                }
            ],
        }

    return padded(length - len(render_document(padded(0))))


def assume(**given):
    return sts_assume_args.validated_request(params_of(sts_assume_args.ARGUMENT_SPEC, role_arn=ROLE_ARN, **given))


def role(**given):
    return ram_role_args.validated_request(params_of(ram_role_args.ARGUMENT_SPEC, name="partner-operator", **given))


def test_a_session_policy_of_2048_characters_is_sent_as_given():
    document = session_policy(2048)
    request, _account, _name = assume(policy=document)
    assert len(request["Policy"]) == 2048 and request["Policy"] == render_document(document)


def test_a_session_policy_of_2049_characters_is_refused_naming_policy():
    with pytest.raises(PolicyError) as error:
        assume(policy=session_policy(2049))
    assert (
        str(error.value) == "policy: is 2049 characters as compact JSON; STS allows at most 2048 for a session policy"
    )


def test_a_session_policy_under_the_permission_limit_but_over_2048_is_refused():
    """The bug of issue 10: a 2,049..6,144-character session policy passed (the permission-policy limit) and STS refused it."""
    with pytest.raises(PolicyError, match="^policy: is 5000 characters"):
        assume(policy=session_policy(5000))


def test_a_trust_policy_of_2048_characters_is_accepted():
    request = role(assume_role_policy_document=trust_policy(2048))
    assert len(render_document(request["raw_trust"])) == 2048 and request["friendly_trust"] is None


def test_a_trust_policy_of_2049_characters_is_refused_naming_the_option():
    with pytest.raises(PolicyError) as error:
        role(assume_role_policy_document=trust_policy(2049))
    assert str(error.value) == (
        "assume_role_policy_document: is 2049 characters as compact JSON; RAM allows at most 2048 for a trust policy"
    )


def test_a_friendly_trust_over_the_limit_is_refused_naming_the_principal_options():
    """80 partners: the module used to accept them (4,096) and CreateRole refused them (2,048)."""
    partners = [f"{2000000000000000 + index:016d}" for index in range(80)]
    with pytest.raises(PolicyError) as error:
        role(trusted_accounts=partners)
    assert str(error.value).startswith("trusted_accounts, trusted_ram_arns, trusted_services: is ")
    assert "RAM allows at most 2048 for a trust policy" in str(error.value)


@pytest.mark.parametrize("principal", ["*", "acs:ram::*:user/*", f"acs:ram::{B}:user/*", f"acs:ram::{B}:role/ops?"])
def test_a_wildcard_principal_in_a_raw_trust_is_refused_naming_the_option(principal):
    document = {
        "Version": "1",
        "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"RAM": [principal]}}],
    }
    with pytest.raises(PolicyError) as error:
        role(assume_role_policy_document=document)
    assert str(error.value).startswith(
        "assume_role_policy_document: Statement[0].Principal.RAM[0] must name one principal; "
        "wildcards (* and ?) are not accepted"
    )


@pytest.mark.parametrize("arn", ["*", f"acs:ram::{B}:user/*"])
def test_a_wildcard_in_trusted_ram_arns_is_refused_naming_the_item(arn):
    with pytest.raises(ValidationError) as error:
        role(trusted_ram_arns=[f"acs:ram::{B}:user/alice", arn])
    assert str(error.value).startswith("trusted_ram_arns[1]")
    assert "wildcards (* and ?) are not accepted" in str(error.value)
