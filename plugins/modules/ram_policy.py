#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ram_policy
short_description: Manage a custom RAM policy, its versions and its description
version_added: 0.1.0
description:
  - Creates, updates or deletes a custom RAM (Resource Access Management) permission policy of an Alibaba Cloud account.
  - A changed O(document) becomes a new default policy version. Documents are compared semantically (key order,
    a string versus a one-item list, the order of statements and of list items do not count as changes).
  - RAM keeps at most five versions of a policy. At the limit the oldest non-default version is removed
    (O(version_limit_action=rotate)) or the task fails before writing anything (O(version_limit_action=fail)).
  - With O(state=absent) and O(force=true) the policy is first detached from every role, user and group, its
    non-default versions are deleted, then the policy itself.
  - Supports check mode (no write call, the result predicts the outcome) and diff mode (document and description).
extends_documentation_fragment:
  - apsaramq.cross_account.common
  - apsaramq.cross_account.attributes
attributes:
  check_mode:
    details: Makes only read calls and returns the predicted policy.
  diff_mode:
    support: full
    details: Shows the policy document (as a parsed mapping), the description, the tags when managed and, on deletion, the
      attachments.
options:
  name:
    description:
      - Name of the custom policy. Letters, digits and hyphens, at most 128 characters.
    type: str
    required: true
    aliases: [policy_name]
  document:
    description:
      - The permission policy document, as a mapping, a JSON string or a YAML string.
      - Required to create the policy. When omitted on an existing policy, the document is left as it is.
    type: raw
    aliases: [policy_document]
  description:
    description:
      - Description of the policy, at most 1024 characters. Updated in place with C(UpdatePolicyDescription).
      - When omitted, the description is left as it is.
    type: str
  state:
    description:
      - V(present) creates or updates the policy, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - With O(state=absent), detach the policy from every role, user and group before deleting it.
      - Without it, deleting an attached policy fails, naming the attachments, and nothing is changed.
    type: bool
    default: false
  version_limit_action:
    description:
      - What to do when a new version is needed and the policy already has five versions.
      - V(rotate) lets RAM delete the oldest non-default version (C(RotateStrategy=DeleteOldestNonDefaultVersionWhenLimitExceeded)).
      - V(fail) fails before any write, so the versions can be reviewed first.
    type: str
    choices: [rotate, fail]
    default: rotate
  include_versions:
    description:
      - Also return every version of the policy with its document (one more read).
    type: bool
    default: false
  tags:
    description:
      - Tags of the policy, as a mapping of keys to values. A new policy is created with them (one CreatePolicy call); on
        an existing policy they are read (ListTagResources) and written only when they differ (UntagResources,
        TagResources).
      - At most 20 tags; keys of 1 to 128 characters, values of at most 256; neither may start with C(acs:) or
        C(aliyun) nor contain C(http://) or C(https://). Bad tags fail the task before any API call.
      - When omitted, the tags are left as they are and not read.
    type: dict
  purge_tags:
    description:
      - With O(tags), remove the tags whose keys O(tags) does not name (as amazon.aws does).
    type: bool
    default: true
notes:
  - Only custom policies can be managed; system policies belong to Alibaba Cloud. Use M(apsaramq.cross_account.ram_policy_info) to read them.
seealso:
  - module: apsaramq.cross_account.ram_policy_info
  - module: apsaramq.cross_account.ram_role
"""

EXAMPLES = r"""
- name: A least-privilege policy to publish and subscribe to one topic of one instance
  apsaramq.cross_account.ram_policy:
    name: orders-pubsub
    description: Publish and subscribe to the orders topic
    document:
      Version: "1"
      Statement:
        - Effect: Allow
          Action: mq:QueryInstanceBaseInfo
          Resource: acs:mq:*:*:MQ_INST_1000000000000001_orders
        - Effect: Allow
          Action: [mq:PUB, mq:SUB]
          Resource:
            - acs:mq:*:*:MQ_INST_1000000000000001_orders%orders
            - acs:mq:*:*:MQ_INST_1000000000000001_orders%GID_orders

- name: The same from a JSON file; fail rather than rotate out an old version
  apsaramq.cross_account.ram_policy:
    name: orders-pubsub
    document: "{{ lookup('ansible.builtin.file', 'policies/orders-pubsub.json') }}"
    version_limit_action: fail

- name: A partner's policy that grants nothing after the contract ends, tagged as the collection's
  apsaramq.cross_account.ram_policy:
    name: partner-b-orders
    document: "{{ grant | apsaramq.cross_account.rocketmq_policy }}"
    tags:
      managed-by: apsaramq.cross_account
      partner: "2000000000000002"
      expires-at: "2027-06-30T00:00:00Z"
  vars:
    grant: {series: 4.x, instance_id: MQ_INST_1000000000000001_orders, publish_topics: [orders], expires_at: "2027-06-30T00:00:00Z"}

- name: Delete it even though roles still use it
  apsaramq.cross_account.ram_policy:
    name: orders-pubsub
    state: absent
    force: true
"""

RETURN = r"""
policy:
  description: The policy after the task (predicted in check mode), with its default document; empty after a deletion.
  returned: always
  type: dict
  contains:
    policy_name:
      description: Name of the policy.
      type: str
      sample: orders-pubsub
    policy_type:
      description: Always C(Custom).
      type: str
      sample: Custom
    description:
      description: Description of the policy.
      type: str
      sample: Publish and subscribe to the orders topic
    default_version:
      description: Id of the default version.
      type: str
      sample: v2
    create_date:
      description: When the policy was created (null when predicted in check mode).
      type: str
      sample: "2026-01-01T00:00:00Z"
    update_date:
      description: When the policy was last changed (null when predicted in check mode).
      type: str
      sample: "2026-01-02T00:00:00Z"
    attachment_count:
      description: Number of roles, users and groups the policy is attached to.
      type: int
      sample: 1
    document:
      description: The default version's document, parsed, with its keys as stored.
      type: dict
      sample: {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "mq:PUB", "Resource": "acs:mq:*:*:MQ_INST_x%orders"}]}
    tags:
      description: The tags of the policy after the task.
      returned: when O(tags) is given
      type: dict
      sample: {"managed-by": "apsaramq.cross_account", "partner": "2000000000000002"}
    versions:
      description: Every version, oldest first.
      returned: when O(include_versions=true)
      type: list
      elements: dict
      contains:
        version_id:
          description: Id of the version.
          type: str
        is_default_version:
          description: Whether this is the default version.
          type: bool
        create_date:
          description: When the version was created.
          type: str
        document:
          description: The version's document, parsed.
          type: dict
removed_version:
  description: Id of the non-default version removed to stay within the five-version limit (predicted in check mode).
  returned: when a version was rotated out
  type: str
  sample: v1
detached_from:
  description: Names of the roles, users and groups the policy was detached from before its deletion.
  returned: when O(state=absent) and the policy existed
  type: dict
  sample: {"roles": ["partner-b-operator"], "users": [], "groups": []}
"""

from ansible_collections.apsaramq.cross_account.plugins.module_utils.base import AlibabaCloudModule
from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import CollectionError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.policy import documents_equal
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_policies import (
    VersionLimitError,
    create_default_version,
    create_policy,
    default_document,
    delete_policy,
    describe_policy,
    get_policy,
    has_entities,
    list_entities,
    list_versions,
    plan_new_version,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_policy_args import (
    ARGUMENT_SPEC,
    validated_request,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_tags import POLICY, read_tags, update_tags


def snapshot(policy, document, attached_to=None, tags=None):
    """What --diff shows of a policy (its tags only when the task manages them)."""
    if policy is None:
        return {}
    shown = {
        "policy_name": policy.get("PolicyName"),
        "description": policy.get("Description") or "",
        "document": document,
    }
    if attached_to is not None:
        shown["attached_to"] = attached_to
    if tags is not None:
        shown["tags"] = dict(tags)
    return shown


def with_tags(facts, tags):
    """The module's ``policy`` value with its tags when they were managed."""
    return facts if tags is None else {**facts, "tags": dict(tags)}


def predicted_policy(name, description, version_id):
    """The Policy record a create will produce, for check mode."""
    return {
        "PolicyName": name,
        "PolicyType": "Custom",
        "Description": description or "",
        "DefaultVersion": version_id,
        "AttachmentCount": 0,
    }


def create(module, client, name, document, description, tags):
    if document is None:
        raise CollectionError(f"document: required to create the policy {name}, which does not exist")
    if module.check_mode:
        policy = predicted_policy(name, description, "v1")
    else:
        policy = create_policy(client, name, document, description, tags)
    return {
        "changed": True,
        "policy": with_tags(describe_policy(policy, document), tags),
        "diff": {"before": {}, "after": snapshot(policy, document, tags=tags)},
    }


def update_document(module, client, name, wanted, current):
    """A new default version when the document differs: returns (new version id, removed version id or None), or None."""
    if wanted is None or documents_equal(wanted, current):
        return None
    rotate = module.params["version_limit_action"] == "rotate"
    try:
        plan = plan_new_version(list_versions(client, name), rotate)
    except VersionLimitError as error:
        raise CollectionError(
            f"document: {name}: {error}; version_limit_action=fail, so no version was created. "
            "Delete a non-default version or use version_limit_action=rotate."
        ) from None
    if not module.check_mode:
        create_default_version(client, name, wanted, rotate)
    return plan


def update_description(module, client, name, wanted, current):
    if wanted is None or wanted == (current or ""):
        return False
    if not module.check_mode:
        client.call("UpdatePolicyDescription", {"PolicyName": name, "NewDescription": wanted})
    return True


def predicted_update(policy, live_document, document, description, version_plan):
    """The policy record and document check mode reports after the planned changes."""
    after_policy = dict(policy)
    if description is not None:
        after_policy["Description"] = description
    if version_plan:
        after_policy["DefaultVersion"] = version_plan[0]
        return after_policy, document
    return after_policy, live_document


def update(module, client, name, document, description, tags, current):
    policy, live_document = current["Policy"], default_document(current)
    version_plan = update_document(module, client, name, document, live_document)
    changed = update_description(module, client, name, description, policy.get("Description")) or bool(version_plan)
    if changed and not module.check_mode:
        after_body = get_policy(client, name)
        after_policy, after_document = after_body["Policy"], default_document(after_body)
    else:
        after_policy, after_document = predicted_update(policy, live_document, document, description, version_plan)
    tags_before = tags_after = None
    if tags is not None:
        tags_before = read_tags(client, POLICY, name)
        tags_changed, tags_after = update_tags(
            client, module.check_mode, POLICY, name, tags, tags_before, module.params["purge_tags"]
        )
        changed |= tags_changed
    result = {
        "changed": changed,
        "policy": with_tags(describe_policy(after_policy, after_document), tags_after),
        "diff": {
            "before": snapshot(policy, live_document, tags=tags_before),
            "after": snapshot(after_policy, after_document, tags=tags_after),
        },
    }
    if version_plan and version_plan[1]:
        result["removed_version"] = version_plan[1]
    return result


def delete(module, client, name, current):
    attached_to = list_entities(client, name)
    if has_entities(attached_to) and not module.params["force"]:
        raise CollectionError(
            f"name: the policy {name} is attached to {describe_attachments(attached_to)}; "
            "nothing was changed. Detach it first or set force=true.",
            attached_to=attached_to,
        )
    if not module.check_mode:
        delete_policy(client, name, attached_to)
    before = snapshot(current["Policy"], default_document(current), attached_to)
    return {"changed": True, "policy": {}, "detached_from": attached_to, "diff": {"before": before, "after": {}}}


def describe_attachments(attached_to):
    return "; ".join(f"{kind} {', '.join(names)}" for kind, names in attached_to.items() if names)


def run(module):
    name, document, description, tags = validated_request(module.params)
    client = module.client("ram")
    current = get_policy(client, name)
    if module.params["state"] == "absent":
        result = delete(module, client, name, current) if current else {"changed": False, "policy": {}}
    elif current is None:
        result = create(module, client, name, document, description, tags)
    else:
        result = update(module, client, name, document, description, tags, current)
    if module.params["include_versions"] and result["policy"] and not (module.check_mode and current is None):
        result["policy"]["versions"] = describe_policy({}, versions=list_versions(client, name))["versions"]
    return result


def main():
    AlibabaCloudModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True).execute(run)


if __name__ == "__main__":
    main()
