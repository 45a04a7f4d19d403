#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: sts_assume
short_description: Assume a RAM role with STS and hand its temporary credentials to later tasks, never to the screen
version_added: 0.1.0
description:
  - Calls STS AssumeRole for a role, typically a role of another account that trusts this one, and returns the temporary
    credentials for later tasks (pass them as O(access_key_id), O(access_key_secret) and O(security_token) of any module
    of this collection).
  - The result of this task is never displayed, at any verbosity and by any callback, even without C(no_log), because
    the module's action plugin marks it as hidden. The registered variable still holds everything. Do not print the
    variable yourself (for example with M(ansible.builtin.debug)) unless that task has C(no_log) too.
  - Assuming a role changes nothing, so the module runs in check mode as well and always reports RV(ignore:changed=false).
  - Right after a role was created, or the caller was granted C(sts:AssumeRole), STS may still answer
    C(EntityNotExist.Role) or C(NoPermission) for a while; O(wait_for_role) waits that out (10 seconds by default).
  - Optionally writes the credentials as a named C(StsToken) profile of the Alibaba Cloud CLI configuration
    (C(~/.aliyun/config.json) format, mode 0600), which the C(aliyun) CLI and the SDKs' default credentials chain read.
extends_documentation_fragment:
  - apsaramq.cross_account.common
  - apsaramq.cross_account.attributes
attributes:
  check_mode:
    details: AssumeRole changes nothing, so it is called in check mode too; only O(profile_file) is not written.
  diff_mode:
    support: none
    details: Nothing is changed, so there is nothing to show.
options:
  role_arn:
    description:
      - ARN of the role to assume, C(acs:ram::<account uid>:role/<role name>).
      - Either this or O(account_id) with O(role_name).
    type: str
  account_id:
    description:
      - UID (16 digits) of the account that owns the role; used with O(role_name) instead of O(role_arn).
    type: str
  role_name:
    description:
      - Name of the role; used with O(account_id) instead of O(role_arn).
    type: str
  session_name:
    description:
      - Name of the role session, shown in the assumed identity's ARN and in the owner's audit logs.
      - 2 to 64 letters, digits and C(.@_-).
    type: str
    default: ansible-apsaramq
    aliases: [role_session_name]
  duration_seconds:
    description:
      - How long the credentials stay valid, 900 to 43200 seconds, and at most the role's maximum session duration.
    type: int
    default: 3600
  external_id:
    description:
      - The C(sts:ExternalId) the role's trust policy requires, if any.
    type: str
  policy:
    description:
      - A session policy (mapping, JSON or YAML string) that narrows what the credentials may do below the role's own
        permissions.
      - At most 2,048 characters as compact JSON (the AssumeRole limit); a longer one fails before any API call.
    type: raw
  wait_for_role:
    description:
      - Seconds (0 to 600) to keep retrying while STS answers C(EntityNotExist.Role) or C(NoPermission), as it does for
        a while after the role was created or the caller was granted C(sts:AssumeRole) (eventual consistency).
      - The wait is the collection's one retry policy (jittered backoff) with this time budget; the result, or the
        error, reports RV(attempts) and RV(waited_seconds), and an error says that it waited.
      - The last answer is reported if the role cannot be assumed in that time, so a caller that is really refused
        fails only after this wait. Set V(0) to fail at the first refusal.
      - Not used when O(expect) does not contain V(allowed), since a refusal is then the answer, not something to wait out.
    type: int
    default: 10
  expect:
    description:
      - The outcomes of AssumeRole that this task accepts. The default, V(allowed), is the normal use (get credentials).
      - V(denied) turns the task into a proof of a refusal, for example after a revocation. Only STS's documented
        authorization refusal C(NoPermission) counts as V(denied).
      - V(not_found) accepts C(EntityNotExist.Role), the answer for a role that no longer exists (after a deletion).
      - Any other answer is an V(error) and fails the task, whatever O(expect) says. An authentication error
        (C(InvalidAccessKeyId.NotFound), C(SignatureDoesNotMatch), C(InvalidSecurityToken.*)), throttling after the
        retries, a 5xx, a timeout or a connection error proves nothing about the role, so it is never taken for a
        refusal.
      - When AssumeRole succeeds but V(allowed) is not expected, the credentials are discarded (never returned) and
        the task fails.
    type: list
    elements: str
    choices: [allowed, denied, not_found]
    default: [allowed]
    version_added: 0.1.0
  profile_file:
    description:
      - Also write the credentials as profile O(profile_name) with C(mode=StsToken) into this Alibaba Cloud CLI
        configuration file (JSON, such as C(~/.aliyun/config.json)). Other profiles in the file are kept; the file is
        replaced atomically with mode 0600. A new file gets O(profile_name) as its current profile.
      - Not written in check mode.
    type: path
  profile_name:
    description:
      - Name of the profile written to O(profile_file). Required with O(profile_file).
    type: str
notes:
  - The credentials in C(~/.alibabacloud/credentials.ini) cannot hold an STS token (alibabacloud-credentials reads no
    such profile type), which is why O(profile_file) uses the CLI configuration format.
  - A task that uses the credentials should set C(no_log) only if it prints them; the options O(access_key_secret) and
    O(security_token) of this collection's modules are hidden already.
seealso:
  - module: apsaramq.cross_account.ram_role
  - module: apsaramq.cross_account.ram_user_grant
  - module: apsaramq.cross_account.rocketmq_access_check
"""

EXAMPLES = r"""
- name: Alice (account B) assumes the operator role of account A
  apsaramq.cross_account.sts_assume:
    access_key_id: "{{ alice_access_key_id }}"
    access_key_secret: "{{ alice_access_key_secret }}"
    role_arn: acs:ram::1000000000000001:role/mq-partner-operator
    session_name: alice-orders-maintenance
    external_id: partner-contract-4711
    duration_seconds: 900
    wait_for_role: 60
  register: assumed

- name: Act in account A with the temporary credentials
  apsaramq.cross_account.ram_role_info:
    access_key_id: "{{ assumed.sts_creds.access_key_id }}"
    access_key_secret: "{{ assumed.sts_creds.access_key_secret }}"
    security_token: "{{ assumed.sts_creds.security_token }}"
    name: mq-partner-operator

- name: Only publish to one topic during this session, and leave a CLI profile for a script
  apsaramq.cross_account.sts_assume:
    account_id: "1000000000000001"
    role_name: mq-partner-operator
    session_name: orders-publisher
    policy:
      Version: "1"
      Statement:
        - Effect: Allow
          Action: [mq:PUB]
          Resource: ["acs:mq:*:*:MQ_INST_1000000000000001_orders%orders"]
    profile_file: ~/.aliyun/config.json
    profile_name: owner-a-orders

- name: Prove that the partner can no longer start a session (after a revocation)
  apsaramq.cross_account.sts_assume:
    access_key_id: "{{ partner_access_key_id }}"
    access_key_secret: "{{ partner_access_key_secret }}"
    role_arn: acs:ram::1000000000000001:role/mq-partner-operator
    expect: denied
  register: refused
  # The revocation needs a moment to reach STS: try again while the session is still allowed, never on an error.
  until: refused.outcome != 'allowed'
  retries: 10
  delay: 3
"""

RETURN = r"""
outcome:
  description:
    - How AssumeRole ended, V(allowed), V(denied), V(not_found) or V(error) (see O(expect)).
  returned: always
  type: str
  sample: allowed
code:
  description: The error code STS answered with.
  returned: when the outcome is not V(allowed)
  type: str
  sample: NoPermission
reason:
  description: What the outcome proves, or why it proves nothing.
  returned: when the outcome is not V(allowed)
  type: str
  sample: "NoPermission: STS refused the caller (authorization): the role does not trust it or its RAM policy lacks sts:AssumeRole"
attempts:
  description: AssumeRole calls made, retries included.
  returned: always
  type: int
  sample: 1
waited_seconds:
  description: Seconds slept between the attempts (O(wait_for_role) and the retries on throttling).
  returned: always
  type: float
  sample: 0.0
sts_creds:
  description:
    - The temporary credentials. Hidden from every output; available to later tasks through the registered variable.
  returned: when the outcome is V(allowed) and V(allowed) is expected
  type: dict
  contains:
    access_key_id:
      description: Temporary AccessKey ID (starts with C(STS.)).
      type: str
      sample: STS.NUjdRYd8gKz8xS2LrRjU4sVpA
    access_key_secret:
      description: Temporary AccessKey secret.
      type: str
      sample: "********"
    security_token:
      description: The STS security token to send with the key.
      type: str
      sample: "********"
    expiration:
      description: When the credentials expire, UTC.
      type: str
      sample: "2026-01-01T01:00:00Z"
assumed_role_user:
  description: The identity the credentials act as.
  returned: when RV(sts_creds) is returned
  type: dict
  contains:
    arn:
      description: ARN of the role session, C(acs:ram::<uid>:role/<role>/<session>).
      type: str
      sample: acs:ram::1000000000000001:role/mq-partner-operator/alice-orders-maintenance
    assumed_role_id:
      description: Id of the role session, C(<role id>:<session>).
      type: str
      sample: "300000000000000001:alice-orders-maintenance"
role_arn:
  description: ARN of the role.
  returned: always
  type: str
  sample: acs:ram::1000000000000001:role/mq-partner-operator
switch_role:
  description: What the console's Switch Role page asks for, to do the same by hand.
  returned: always
  type: dict
  contains:
    account_id:
      description: UID of the account that owns the role.
      type: str
      sample: "1000000000000001"
    role_name:
      description: Name of the role.
      type: str
      sample: mq-partner-operator
profile:
  description: Where the credentials were written.
  returned: when O(profile_file) is set and not in check mode
  type: dict
  contains:
    file:
      description: Path of the CLI configuration file.
      type: str
      sample: /home/alice/.aliyun/config.json
    name:
      description: Name of the profile.
      type: str
      sample: owner-a-orders
"""

from ansible_collections.apsaramq.cross_account.plugins.module_utils.base import AlibabaCloudModule
from ansible_collections.apsaramq.cross_account.plugins.module_utils.credential_files import write_cli_profile
from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import (
    ApiError,
    CollectionError,
    failure_result,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.outcomes import ALLOWED, classify
from ansible_collections.apsaramq.cross_account.plugins.module_utils.sts_assume_args import (
    ARGUMENT_SPEC,
    RULES,
    validated_request,
)

# STS answers these for a while after the role was created or the caller was granted sts:AssumeRole.
NOT_YET_ASSUMABLE = ("EntityNotExist.Role", "NoPermission")


def assume_role(client, request, expect, wait_seconds):
    """(AssumeRole body or None, the ApiError or None, attempts, seconds waited).

    Only a caller that wants credentials waits out a role that is not assumable yet, through the client's retry
    policy; a proof of refusal takes the first real answer (throttling and transport errors are still retried)."""
    waiting = ALLOWED in expect and wait_seconds > 0
    try:
        body = client.call(
            "AssumeRole",
            request,
            retry_on=NOT_YET_ASSUMABLE if waiting else (),
            wait_seconds=wait_seconds if waiting else None,
        )
        error = None
    except ApiError as failure:
        body, error = None, failure
    return body, error, client.last_call.get("attempts", 1), round(client.last_call.get("waited", 0.0), 3)


def credentials_result(body, params):
    """The success result's credentials part (hidden by the action plugin); writes the CLI profile when asked."""
    issued, user = body.get("Credentials") or {}, body.get("AssumedRoleUser") or {}
    result = {
        "sts_creds": {
            "access_key_id": issued.get("AccessKeyId"),
            "access_key_secret": issued.get("AccessKeySecret"),
            "security_token": issued.get("SecurityToken"),
            "expiration": issued.get("Expiration"),
        },
        "assumed_role_user": {"arn": user.get("Arn"), "assumed_role_id": user.get("AssumedRoleId")},
    }
    return result, issued


def unexpected_outcome(outcome, expect, role_arn, error, waited_for):
    """CollectionError for an outcome the task did not accept: what was tried, what came back, why it proves nothing."""
    tried = f"AssumeRole of {role_arn}"
    expected = " or ".join(expect)
    if error is None:
        return CollectionError(
            f"{tried} was allowed, expected {expected}: the caller can still start a session of this role "
            "(the credentials were discarded)",
            outcome=outcome.kind,
        )
    failure = failure_result(error)
    message = f"{failure['msg']}; outcome {outcome.kind} ({outcome.reason}), expected {expected}"
    if waited_for:
        message += f" (waited up to {waited_for} s for the role to become assumable: wait_for_role)"
    return CollectionError(
        message, outcome=outcome.kind, code=outcome.code, reason=outcome.reason, error=failure["error"]
    )


def run(module):
    params = module.params
    request, account, role_name = validated_request(params)
    expect = params["expect"]
    body, error, attempts, waited = assume_role(module.client("sts"), request, expect, params["wait_for_role"])
    outcome = classify(error, "sts")
    result = {
        "changed": False,
        "outcome": outcome.kind,
        "attempts": attempts,
        "waited_seconds": waited,
        "role_arn": request["RoleArn"],
        "switch_role": {"account_id": account, "role_name": role_name},
    }
    if outcome.kind not in expect:
        waited_for = params["wait_for_role"] if ALLOWED in expect and params["wait_for_role"] else 0
        raise unexpected_outcome(outcome, expect, request["RoleArn"], error, waited_for).with_details(**result)
    if error is not None:
        return dict(result, code=outcome.code, reason=outcome.reason)
    creds, issued = credentials_result(body, params)
    result.update(creds)
    if params["profile_file"] and not module.check_mode:
        try:
            write_cli_profile(params["profile_file"], params["profile_name"], issued, params["region"])
        except (OSError, ValueError) as failure:
            # A failed task is displayed: mask the new secrets in it. (A successful result must not be masked, or the
            # registered variable would hold "********"; the action plugin hides that result instead.)
            module.no_log_values.update(
                value for value in (issued.get("AccessKeySecret"), issued.get("SecurityToken")) if value
            )
            raise CollectionError(f"profile_file: cannot write {params['profile_file']}: {failure}") from None
        result["profile"] = {"file": params["profile_file"], "name": params["profile_name"]}
    return result


def main():
    AlibabaCloudModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **RULES).execute(run)


if __name__ == "__main__":
    main()
