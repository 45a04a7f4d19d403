#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: preflight
short_description: Check the arguments of later tasks of this collection before any of them calls an API
version_added: 0.1.0
description:
  - Checks the arguments that later tasks will pass to modules of this collection exactly as those modules will
    check them, so that a play refuses bad input before its first API call instead of failing half-way with some
    resources already changed.
  - For each entry of O(tasks) it runs Ansible's argument validation with the module's argument spec (its options, the
    common options and the module's rules such as mutually exclusive options), the module's checks of the common
    options, then the module's own checks of identifiers, documents and values (the same code the module runs).
  - Every problem of every entry is reported at once, each naming the variable the value came from (O(tasks[].names)),
    the offending value and the rule. Values of secret options (marked C(no_log) by the module) and ExternalIds are
    never shown.
  - Makes no API call, builds no client and takes no credentials, so it is not part of the action group
    C(apsaramq.cross_account.all). It never changes anything.
  - Used as the first task of this collection's roles.
extends_documentation_fragment:
  - apsaramq.cross_account.attributes
  - apsaramq.cross_account.attributes.info_module
attributes:
  check_mode:
    details:
      - It makes no API call; the checks run the same way in check mode.
options:
  tasks:
    description: The later tasks to check, one entry per module call.
    type: list
    elements: dict
    required: true
    suboptions:
      module:
        description: The module the later task runs, by its short name or its fully qualified name.
        type: str
        required: true
        choices:
          - ram_role
          - ram_policy
          - ram_user_grant
          - ram_group
          - sts_assume
          - rocketmq_access_check
          - apsaramq.cross_account.ram_role
          - apsaramq.cross_account.ram_policy
          - apsaramq.cross_account.ram_user_grant
          - apsaramq.cross_account.ram_group
          - apsaramq.cross_account.sts_assume
          - apsaramq.cross_account.rocketmq_access_check
      args:
        description:
          - The module options as the later task will pass them. An option set to V(null) or to C(omit) is left out,
            as the module would not receive it.
          - Credentials are not needed; do not pass secrets here, they would show in verbose output.
        type: dict
        default: {}
      names:
        description:
          - "What to call each option in problems, usually the variable its value comes from, for example
            C({name: owner_setup_role_name})."
          - A list of names labels the elements of a list option one by one (for a list made of several variables).
          - An option without a name is shown as C(<module>.<option>), followed by O(tasks[].label) in parentheses.
          - List indexes and sub-options are kept, for example C(owner_setup_trusted_accounts[1]).
        type: dict
        default: {}
      label:
        description: What the entry stands for in problems that name no option, for example C(operator_setup_users[1]).
        type: str
  problems:
    description:
      - "Problems an earlier step already found, as C(<variable>: <reason>) (for example a filter that refused its input
        while a derived value was computed). They are reported first, together with the problems of O(tasks)."
    type: list
    elements: str
    default: []
notes:
  - The directory of an AccessKey file (C(access_key_file) of M(apsaramq.cross_account.ram_user_grant)) and of a password
    file (C(login_profile.password_file)) are not required to exist yet, since an earlier task may create them.
seealso:
  - module: apsaramq.cross_account.ram_role
  - module: apsaramq.cross_account.ram_policy
  - module: apsaramq.cross_account.ram_user_grant
  - module: apsaramq.cross_account.ram_group
  - module: apsaramq.cross_account.sts_assume
  - module: apsaramq.cross_account.rocketmq_access_check
"""

EXAMPLES = r"""
- name: Check every input before the first API call
  apsaramq.cross_account.preflight:
    tasks:
      - module: ram_role
        args:
          name: "{{ role_name }}"
          trusted_accounts: "{{ partner_uids }}"
          max_session_duration: "{{ max_session }}"
        names:
          name: role_name
          trusted_accounts: partner_uids
          max_session_duration: max_session
      - module: apsaramq.cross_account.ram_user_grant
        label: "users[0]"
        args:
          user_name: "{{ users[0] }}"
          role_arns: ["acs:ram::1000000000000001:role/{{ role_name }}"]
        names:
          user_name: "users[0]"
          role_arns: role_name

- name: The role the partners assume
  apsaramq.cross_account.ram_role:
    name: "{{ role_name }}"
    trusted_accounts: "{{ partner_uids }}"
    max_session_duration: "{{ max_session }}"
"""

RETURN = r"""
checked:
  description: The number of entries of O(tasks) that were checked.
  returned: always
  type: int
  sample: 2
problems:
  description: "Every problem found, as C(<name>: <value> — <rule>) (the value left out for secrets)."
  returned: always
  type: list
  elements: str
  sample: ["role_name: 'bad/name' — may contain only letters, digits, '.' and '-'; found '/'"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.apsaramq.cross_account.plugins.module_utils.preflight import (
    MODULE_CHOICES,
    check_tasks,
    failure_message,
)

ARGUMENT_SPEC = dict(
    tasks=dict(
        type="list",
        elements="dict",
        required=True,
        options=dict(
            module=dict(type="str", required=True, choices=MODULE_CHOICES),
            args=dict(type="dict", default={}),
            names=dict(type="dict", default={}),
            label=dict(type="str"),
        ),
    ),
    problems=dict(type="list", elements="str", default=[]),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    tasks = module.params["tasks"]
    problems = check_tasks(tasks, known=module.params["problems"], check_mode=module.check_mode)
    if problems:
        module.fail_json(msg=failure_message(problems), problems=problems, checked=len(tasks), changed=False)
    module.exit_json(changed=False, checked=len(tasks), problems=[])


if __name__ == "__main__":
    main()
