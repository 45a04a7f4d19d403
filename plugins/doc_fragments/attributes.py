# -*- coding: utf-8 -*-
# Copyright (c) 2026 apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The documentation every module of this collection shares: its authors and its attributes.

    Modelled on community.general's ``attributes`` fragment. A module lists ``apsaramq.cross_account.attributes``
    (and ``apsaramq.cross_account.attributes.info_module`` when it only reads) in ``extends_documentation_fragment``
    and sets, under its own ``attributes``, only what differs: ``support`` and ``details``. Ansible merges the
    module's keys over the fragment's.
    """

    # Every module: the authors, and what check mode and diff mode mean. Each module of this collection supports
    # check mode fully; diff mode support is set per module (or by INFO_MODULE).
    DOCUMENTATION = r"""
options: {}
author:
  - apsaramq.cross_account maintainers (@apsaramq)
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
"""

    # Modules that only read (or, like preflight, make no call at all): nothing changes, so diff mode has nothing
    # to show. Use together with DOCUMENTATION.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - The module only reads; it runs the same in check mode.
  diff_mode:
    support: N/A
    details:
      - Nothing is changed, so there is nothing to show.
"""
