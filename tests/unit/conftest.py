"""Make ``ansible_collections.apsaramq.cross_account`` importable from this checkout, as Ansible would see it.

Outside an ``ansible_collections/<namespace>/<name>`` tree (a plain clone), a symlink to the checkout is kept under
.build/unit-collections, so edits are live without staging.
"""

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _collections_root():
    if REPO.parents[1].name == "ansible_collections":
        return REPO.parents[2]
    root = REPO / ".build" / "unit-collections"
    link = root / "ansible_collections" / "apsaramq" / "cross_account"
    if not (link.is_symlink() and link.resolve() == REPO):
        link.parent.mkdir(parents=True, exist_ok=True)
        staging = link.with_name(f".cross_account.{os.getpid()}")
        staging.symlink_to(REPO, target_is_directory=True)
        os.replace(staging, link)  # atomic, so parallel xdist workers never see a half-made link
    return root


sys.path.insert(0, str(_collections_root()))
