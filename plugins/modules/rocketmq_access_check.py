#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: rocketmq_access_check
short_description: Prove what given credentials may and may not do on ApsaraMQ for RocketMQ
version_added: 0.1.0
description:
  - Tries each operation of O(expect_allowed) and O(expect_denied) with the module's credentials (typically the
    temporary credentials of an assumed cross-account role) and returns the outcome of each as a matrix.
  - Fails when reality differs from the expectation, so a play can assert a grant (and, after a revocation, its absence).
  - "Each operation ends with one outcome: V(allowed) (the service answered), V(denied) (the service's documented
    authorization refusal, see below), V(not_found) (the instance, topic or group named does not exist),
    V(error) (anything else) or V(skipped) (check mode). An entry passes only when its outcome is the expected one:
    V(not_found) and V(error) fail both O(expect_allowed) and O(expect_denied), because they prove nothing about the
    right asked (a misspelled name never passes). The failure message says, per failed entry, what was tried, the
    outcome and its code, and why it does not prove the expectation."
  - "Only these codes are V(denied), each from where it is documented or answered: on the 4.x HTTP data plane
    C(AccessDenied) (HTTP 403, the mq-http-sdk error codes: RAM refused C(mq:QueryInstanceBaseInfo), C(mq:PUB) or
    C(mq:SUB), or the instance belongs to another account) and C(NoPermission) (403, RAM's refusal of a session whose
    role was deleted); on the 5.x management API C(NoPermission) (403, RAM's refusal with C(accessDeniedDetail)) and
    C(Forbidden.RAM) (403, the OpenAPI gateway's older spelling of RAM's refusal). A refusal code that arrives with
    another HTTP status is not taken for a refusal."
  - "V(not_found): C(InstanceNotExist), C(TopicNotExist), C(GroupNotExist) on the 4.x data plane; C(Instance.NotFound),
    C(Topic.NotFound), C(ConsumerGroup.NotFound) on the 5.x management API."
  - "V(error), which never passes: authentication errors (C(InvalidAccessKeyId*), C(SignatureDoesNotMatch),
    C(InvalidSecurityToken.*), even when answered with HTTP 403: the credentials were not accepted, so RAM never
    decided), throttling still answered after O(retry_max_attempts) attempts, 5xx answers, timeouts and connection
    errors (no answer), and any code not listed above."
  - "4.x messaging over HTTP (mq-http-sdk, at O(mq_http_endpoint)): V(publish) sends one probe message tagged with a
    tag unique to the run; V(consume) receives with the consumer group and acknowledges only this run's probe messages
    (an empty topic, C(MessageNotExist), is V(allowed): it is answered after RAM allowed the receive).
    A probe published to a topic that no V(consume) entry reads back is drained with the O(expect_allowed[].group) of
    its V(publish) entry; what cannot be drained is returned in RV(stray_messages) with a warning."
  - "5.x management API: V(list_instances), V(get_instance), V(list_topics), V(get_topic), V(list_groups),
    V(get_group) read; V(create_topic) and V(create_group) create a probe resource with a unique name and delete it
    right away; V(delete_topic) and V(delete_group) try to delete a fresh probe name that does not exist, so an
    allowed delete never removes anything."
  - "The delete rule: RAM authorizes a call before the service looks its names up (the service finds the instance,
    then the topic or group). So C(Topic.NotFound) for V(delete_topic), or C(ConsumerGroup.NotFound) for
    V(delete_group), naming the run's own fresh probe name, is only answered after RAM allowed the delete on an
    instance that exists, and counts as V(allowed). C(Instance.NotFound) stays V(not_found)."
  - Receiving takes messages of other publishers too; they are not acknowledged and the group receives them again
    after the topic's invisibility time. Use a consumer group dedicated to checks where that delay matters.
  - Never changes anything it did not create, so it always reports RV(ignore:changed=false).
extends_documentation_fragment:
  - apsaramq.cross_account.common
  - apsaramq.cross_account.attributes
attributes:
  check_mode:
    details:
      - Only the operations that read are tried. V(publish), V(consume) (receiving moves the group's offset and hides
        messages for their invisibility time), V(create_topic), V(create_group), V(delete_topic) and V(delete_group)
        are reported as V(skipped) with the reason (a probe that writes is still a write).
  diff_mode:
    support: none
    details: Nothing is changed, so there is nothing to show.
options:
  expect_allowed:
    description: Operations the credentials must be allowed to do.
    type: list
    elements: dict
    default: []
    suboptions: &probe_options
      operation:
        description: The operation to try.
        type: str
        required: true
        choices: [publish, consume, list_instances, get_instance, list_topics, get_topic, create_topic, delete_topic,
                  list_groups, get_group, create_group, delete_group]
      instance_id:
        description: The instance; defaults to O(instance_id).
        type: str
      topic:
        description: The topic (required by V(publish), V(consume) and V(get_topic)).
        type: str
      group:
        description:
          - The consumer group (required by V(consume) and V(get_group)).
          - On a V(publish) entry, the group used to take the probe message back when no V(consume) entry reads the topic.
        type: str
  expect_denied:
    description: Operations the credentials must be refused.
    type: list
    elements: dict
    default: []
    suboptions: *probe_options
  instance_id:
    description: The instance of the entries that do not name one.
    type: str
  wait_seconds:
    description: How long one receive waits for messages (long polling), 0 to 30 seconds.
    type: int
    default: 1
notes:
  - At least one operation must be listed in O(expect_allowed) or O(expect_denied).
  - "RAM decides before the service looks a name up, so an entry of O(expect_denied) on a misspelled topic or group
    that the credentials may not use is still V(denied): that is true (the credentials may not use that name), but it
    does not show that the name exists. Prove the names with O(expect_allowed) entries (V(get_topic), V(publish), ...)
    of credentials that may use them."
  - Credentials that cannot be obtained (for example a refused O(assume_role)) fail the task before any probe, with
    the API error.
  - "RAM decides 4.x messaging rights per request: C(mq:QueryInstanceBaseInfo) on the instance, C(mq:PUB) on the
    topic, C(mq:SUB) on the topic and on the group. On 5.x, RAM governs the management API only."
seealso:
  - module: apsaramq.cross_account.sts_assume
  - plugin: apsaramq.cross_account.rocketmq_policy
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Assume the partner role of account A
  apsaramq.cross_account.sts_assume:
    role_arn: acs:ram::1000000000000001:role/rocketmq-partner
    session_name: access-check
  register: assumed

- name: The partner publishes and consumes orders, and nothing else
  apsaramq.cross_account.rocketmq_access_check:
    access_key_id: "{{ assumed.sts_creds.access_key_id }}"
    access_key_secret: "{{ assumed.sts_creds.access_key_secret }}"
    security_token: "{{ assumed.sts_creds.security_token }}"
    mq_http_endpoint: http://1000000000000001.mqrest.cn-hangzhou.aliyuncs.com
    instance_id: MQ_INST_1000000000000001_orders
    expect_allowed:
      - {operation: publish, topic: orders}
      - {operation: consume, topic: orders, group: GID_orders}
    expect_denied:
      - {operation: publish, topic: payments}
      - {operation: consume, topic: payments, group: GID_payments}
  register: access

- name: Read-only rights on a 5.x instance
  apsaramq.cross_account.rocketmq_access_check:
    assume_role:
      role_arn: acs:ram::1000000000000001:role/rocketmq-auditor
    instance_id: rmq-cn-abc123
    expect_allowed:
      - operation: list_topics
      - {operation: get_topic, topic: orders}
    expect_denied:
      - operation: create_topic
      - operation: delete_topic
"""

RETURN = r"""
matrix:
  description: One row per operation, in the order given (expect_allowed first).
  returned: always
  type: list
  elements: dict
  contains:
    operation:
      description: The operation tried.
      type: str
      sample: publish
    instance_id:
      description: The instance.
      type: str
      sample: MQ_INST_1000000000000001_orders
    topic:
      description: The topic, when the operation names one.
      type: str
      sample: orders
    group:
      description: The consumer group, when the operation names one.
      type: str
      sample: GID_orders
    expected:
      description: V(allowed) or V(denied).
      type: str
      sample: allowed
    actual:
      description:
        - The outcome, V(allowed), V(denied), V(not_found), V(error) or V(skipped) (check mode).
        - Only the documented authorization refusals are V(denied) (see the description); V(not_found) and V(error)
          never match an expectation.
      type: str
      sample: allowed
    ok:
      description: Whether the outcome is the expected one (a V(skipped) entry matches only in check mode).
      type: bool
      sample: true
    code:
      description: The error code answered (a refusal, a missing target, an error), or none when the call succeeded.
      type: str
      sample: AccessDenied
    reason:
      description: What the outcome proves, or why it proves nothing.
      type: str
      sample: "an authentication error: the credentials were not accepted, so RAM never decided"
    detail:
      description: What happened, in words (the server's message for a failed call).
      type: str
      sample: published probe message 7F0000011F4C0C2C4AE5
summary:
  description: Counts of the outcomes.
  returned: always
  type: dict
  sample: {"allowed": 2, "denied": 2, "not_found": 0, "skipped": 0, "error": 0, "mismatched": 0}
probe_tag:
  description: The message tag (and name prefix of created probe resources) of this run.
  returned: always
  type: str
  sample: ansible-access-check-3f2a9c1b7d4e
stray_messages:
  description: Probe messages that were published but could not be taken back (no group to consume them with, or refused).
  returned: always
  type: list
  elements: dict
  sample: [{"message_id": "7F0000011F4C0C2C4AE5", "instance_id": "MQ_INST_1000000000000001_orders", "topic": "orders"}]
leftovers:
  description:
    - Probe resources created by V(create_topic) or V(create_group) that could not be deleted again, with the
      C(code) the delete answered.
  returned: always
  type: list
  elements: dict
  sample: [{"operation": "DeleteTopic", "code": "NoPermission", "instanceId": "rmq-cn-abc123", "topicName": "ansible-access-check-3f2a9c1b7d4e"}]
"""

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.apsaramq.cross_account.plugins.module_utils.base import AlibabaCloudModule
from ansible_collections.apsaramq.cross_account.plugins.module_utils.client import TlsSettings
from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import CollectionError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.retries import RetryPolicy
from ansible_collections.apsaramq.cross_account.plugins.module_utils.rocketmq_access import (
    ARGUMENT_SPEC,
    HAS_MQ_HTTP_SDK,
    MESSAGING_OPERATIONS,
    RULES,
    SKIPPED,
    ManagementProbes,
    MessagingProbes,
    mismatch_message,
    new_probe_tag,
    run_probes,
    summarize,
    validated_request,
    writes,
)


def messaging_factory(module, tag, wait_seconds):
    """Builds the 4.x messaging prober from the module's credentials, endpoint, retry options and call log."""

    def record(action, write, attempt, status):
        module.record_api_call("mq", action, write, attempt=attempt, status=status)

    def build():
        params = module.params
        endpoint = module.endpoint("mq")
        retry = RetryPolicy(max_attempts=params["retry_max_attempts"], max_seconds=params["retry_max_seconds"])
        timeout = params["connect_timeout"] + params["read_timeout"] + wait_seconds
        tls = TlsSettings.from_options(params)
        return MessagingProbes(module.credentials(), endpoint.url, retry, record, timeout, tag, wait_seconds, tls)

    return build


def warnings_for(module, probes, messaging, management):
    if module.check_mode and any(probe.actual == SKIPPED for probe in probes):
        module.warn(
            "check mode: probes that write (publish, consume, create, delete) were skipped; run without --check to try them"
        )
    if messaging is not None and messaging.unacknowledged:
        module.warn(f"{len(messaging.unacknowledged)} probe message(s) could not be taken back; see stray_messages")
    if management.leftovers:
        module.warn(f"{len(management.leftovers)} probe resource(s) could not be deleted; see leftovers")


def run(module):
    """Try the probes; a mismatch with the expectation raises CollectionError carrying the whole result."""
    params = module.params
    probes = validated_request(params)
    if not HAS_MQ_HTTP_SDK and any(probe.operation in MESSAGING_OPERATIONS for probe in probes):
        raise CollectionError(missing_required_lib("mq-http-sdk"))
    tried_messaging = any(
        probe.operation in MESSAGING_OPERATIONS and not (module.check_mode and writes(probe.operation))
        for probe in probes
    )
    if tried_messaging:
        module.endpoint("mq")  # a missing mq_http_endpoint fails before any call
    tag = new_probe_tag()
    management = ManagementProbes(lambda: module.client("rocketmq"), tag)
    messaging = run_probes(
        probes, module.check_mode, management, messaging_factory(module, tag, params["wait_seconds"])
    )
    warnings_for(module, probes, messaging, management)
    secrets = module.no_log_values
    result = dict(
        changed=False,
        matrix=[probe.as_row(secrets) for probe in probes],
        summary=summarize(probes),
        probe_tag=tag,
        stray_messages=messaging.stray_messages() if messaging else [],
        leftovers=management.leftovers,
    )
    if result["summary"]["mismatched"]:
        raise CollectionError(mismatch_message(probes, secrets), **result)
    return result


def main():
    AlibabaCloudModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **RULES).execute(run)


if __name__ == "__main__":
    main()
