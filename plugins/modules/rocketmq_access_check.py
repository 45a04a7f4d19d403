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
  - "4.x messaging over HTTP (mq-http-sdk, at O(mq_http_endpoint)): V(publish) sends one probe message tagged with a
    tag unique to the run; V(consume) receives with the consumer group and acknowledges only this run's probe messages.
    A probe published to a topic that no V(consume) entry reads back is drained with the O(expect_allowed[].group) of
    its V(publish) entry; what cannot be drained is returned in RV(stray_messages) with a warning."
  - "5.x management API: V(list_instances), V(get_instance), V(list_topics), V(get_topic), V(list_groups),
    V(get_group) read; V(create_topic) and V(create_group) create a probe resource with a unique name and delete it
    right away; V(delete_topic) and V(delete_group) try to delete a name that does not exist, so an allowed delete
    never removes anything (RAM decides before the service looks the name up)."
  - Receiving takes messages of other publishers too; they are not acknowledged and the group receives them again
    after the topic's invisibility time. Use a consumer group dedicated to checks where that delay matters.
  - Never changes anything it did not create, so it always reports RV(ignore:changed=false).
author:
  - apsaramq.cross_account maintainers (@apsaramq)
extends_documentation_fragment:
  - apsaramq.cross_account.common
attributes:
  check_mode:
    support: full
    description:
      - Only the operations that read are tried. V(publish), V(consume) (receiving moves the group's offset and hides
        messages for their invisibility time), V(create_topic), V(create_group), V(delete_topic) and V(delete_group)
        are reported as V(skipped) with the reason (a probe that writes is still a write).
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to show.
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
      description: V(allowed), V(denied), V(skipped) (check mode) or V(error) (neither; the code tells why).
      type: str
      sample: allowed
    ok:
      description: Whether the outcome matches the expectation (a skipped probe counts as matching).
      type: bool
      sample: true
    code:
      description: The error code of a refusal or an error.
      type: str
      sample: AccessDenied
    detail:
      description: What happened, in words.
      type: str
      sample: published probe message 7F0000011F4C0C2C4AE5
summary:
  description: Counts of the outcomes.
  returned: always
  type: dict
  sample: {"allowed": 2, "denied": 2, "skipped": 0, "error": 0, "mismatched": 0}
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
  description: Probe resources created by V(create_topic) or V(create_group) that could not be deleted again.
  returned: always
  type: list
  elements: dict
  sample: []
"""

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.apsaramq.cross_account.plugins.module_utils.base import AlibabaCloudModule
from ansible_collections.apsaramq.cross_account.plugins.module_utils.rocketmq_access import (
    ALLOWED,
    DENIED,
    ERROR,
    HAS_MQ_HTTP_SDK,
    MESSAGING_OPERATIONS,
    OPERATIONS,
    SKIPPED,
    parse_probes,
    run_probes,
)

MAX_WAIT_SECONDS = 30
PROBE_OPTIONS = dict(
    operation=dict(type="str", required=True, choices=list(OPERATIONS)),
    instance_id=dict(type="str"),
    topic=dict(type="str"),
    group=dict(type="str"),
)
ARGUMENT_SPEC = dict(
    expect_allowed=dict(type="list", elements="dict", default=[], options=PROBE_OPTIONS),
    expect_denied=dict(type="list", elements="dict", default=[], options=PROBE_OPTIONS),
    instance_id=dict(type="str"),
    wait_seconds=dict(type="int", default=1),
)


def summarize(probes):
    counts = {outcome: sum(probe.actual == outcome for probe in probes) for outcome in (ALLOWED, DENIED, SKIPPED, ERROR)}
    counts["mismatched"] = sum(not probe.matches for probe in probes)
    return counts


def mismatch_message(probes):
    lines = [f"{probe.operation} on {probe.target}: expected {probe.expected}, was {probe.actual}" + (f" ({probe.code})" if probe.code else "")
             for probe in probes if not probe.matches]
    return f"Access differs from the expectation in {len(lines)} case(s): " + "; ".join(lines)


def warnings_for(module, probes, messaging, management):
    if module.check_mode and any(probe.actual == SKIPPED for probe in probes):
        module.warn("check mode: probes that write (publish, consume, create, delete) were skipped; run without --check to try them")
    if messaging is not None and messaging.unacknowledged:
        module.warn(f"{len(messaging.unacknowledged)} probe message(s) could not be taken back; see stray_messages")
    if management.leftovers:
        module.warn(f"{len(management.leftovers)} probe resource(s) could not be deleted; see leftovers")


def main():
    module = AlibabaCloudModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    try:
        probes = parse_probes(params["expect_allowed"], params["expect_denied"], params["instance_id"])
    except ValueError as error:
        module.fail_json(msg=str(error))
    if not 0 <= params["wait_seconds"] <= MAX_WAIT_SECONDS:
        module.fail_json(msg=f"wait_seconds: must be from 0 to {MAX_WAIT_SECONDS}, got {params['wait_seconds']}")
    if not HAS_MQ_HTTP_SDK and any(probe.operation in MESSAGING_OPERATIONS for probe in probes):
        module.fail_json(msg=missing_required_lib("mq-http-sdk"))

    messaging, management = run_probes(module, probes, params["wait_seconds"])
    warnings_for(module, probes, messaging, management)
    result = dict(
        changed=False,
        matrix=[probe.as_row() for probe in probes],
        summary=summarize(probes),
        probe_tag=management.tag,
        stray_messages=messaging.stray_messages() if messaging else [],
        leftovers=management.leftovers,
    )
    if result["summary"]["mismatched"]:
        module.fail_json(msg=mismatch_message(probes), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
