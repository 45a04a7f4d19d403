"""The ``lost_answer`` fault seen through the official SDKs: the write runs and is committed, the answer never comes.

What a reset connection or a proxy timeout does after the cloud applied a write (issue 15); the client cannot tell it
from a drop, which is the point: the collection must find out by reading.
"""

import pathlib

import pytest
from alibabacloud_ram20150501 import models as ram_models
from darabonba.exceptions import UnretryableException

from acs_emulator.testing import EmulatorError, running_emulator

SEED = pathlib.Path(__file__).resolve().parents[1] / "seed-example.yml"


@pytest.fixture
def faults(emu):
    def configure(**settings) -> dict:
        return emu.admin("POST", "faults", settings)

    return configure


def create_user(ram, name):
    return ram.create_user(ram_models.CreateUserRequest(user_name=name, comments="lost answer"))


def user_names(cloud):
    return set(cloud.emu.admin("GET", "state")["accounts"][cloud.A_UID]["ram"]["users"])


def test_a_lost_answer_leaves_the_write_committed_and_logged(cloud, faults):
    faults(lost_answer_rate=1.0, actions=["CreateUser"])
    ram = cloud.ram(cloud.A_ADMIN)
    with pytest.raises(UnretryableException, match="Remote end closed connection without response"):
        create_user(ram, "lost-1")
    assert ram.get_user(ram_models.GetUserRequest(user_name="lost-1")).body.user.comments == "lost answer"
    assert "lost-1" in user_names(cloud)
    logged = cloud.emu.calls(action="CreateUser")["calls"]
    assert [(call["write"], call["status"]) for call in logged] == [(True, 200)], "the call ran: it is a call"
    assert cloud.emu.admin("GET", "faults")["counts"]["lost_answer"] == 1


def test_reads_and_other_actions_are_answered(cloud, faults):
    faults(lost_answer_rate=1.0, actions=["CreateUser", "GetUser", "ListUsers"])
    ram = cloud.ram(cloud.A_ADMIN)
    assert ram.list_users(ram_models.ListUsersRequest()).body.users.user, "a read is never hit"
    ram.create_role(
        ram_models.CreateRoleRequest(
            role_name="answered", assume_role_policy_document=cloud.trust(f"acs:ram::{cloud.B_UID}:root")
        )
    )
    counts = cloud.emu.admin("GET", "faults")["counts"]
    assert counts["lost_answer"] == 0 and counts["matched"] == 1


def test_the_limit_loses_only_the_first_answers_of_each_action(cloud, faults):
    faults(lost_answer_rate=1.0, lost_answer_limit=1, actions=["CreateUser", "CreateGroup"])
    ram = cloud.ram(cloud.A_ADMIN)
    with pytest.raises(UnretryableException):
        create_user(ram, "lost-2")
    assert create_user(ram, "answered-2").body.user.user_name == "answered-2"
    refused = cloud.error(lambda: create_user(ram, "lost-2"))
    assert refused.code == "EntityAlreadyExists.User", (
        "a blind retry of a lost create fails: what the client layer must avoid"
    )
    with pytest.raises(UnretryableException):
        ram.create_group(ram_models.CreateGroupRequest(group_name="lost-group"))
    assert (
        ram.create_group(ram_models.CreateGroupRequest(group_name="answered-group")).body.group.group_name
        == "answered-group"
    )
    assert cloud.emu.admin("GET", "faults")["counts"]["lost_answer"] == 2


def test_a_lost_refusal_is_lost_too(cloud, faults):
    faults(lost_answer_rate=1.0, actions=["CreateUser"])
    with pytest.raises(UnretryableException):
        create_user(cloud.ram(cloud.A_ADMIN), "admin")  # exists in the seed: refused, and the refusal never arrives
    assert [call["status"] for call in cloud.emu.calls(action="CreateUser")["calls"]] == [409]


def test_a_seed_repeats_the_lost_answers_and_keeps_the_other_kinds_in_place(cloud, faults):
    def outcomes(**settings):
        faults(seed=21, **settings)
        ram, seen = cloud.ram(cloud.A_ADMIN), []
        for number in range(30):
            try:
                ram.update_user(ram_models.UpdateUserRequest(user_name="admin", new_comments=f"n{number}"))
                seen.append("ok")
            except UnretryableException:
                seen.append("lost or dropped")
            except Exception as error:  # pylint: disable=broad-exception-caught  # throttled
                seen.append(getattr(error, "code", "other"))
        return seen

    with_lost = outcomes(throttle_rate=0.2, lost_answer_rate=0.3)
    assert with_lost == outcomes(throttle_rate=0.2, lost_answer_rate=0.3)
    without = outcomes(throttle_rate=0.2)
    assert [kind for kind in with_lost if kind == "Throttling.User"] == [
        kind for kind in without if kind == "Throttling.User"
    ]
    assert [index for index, kind in enumerate(with_lost) if kind == "Throttling.User"] == [
        index for index, kind in enumerate(without) if kind == "Throttling.User"
    ], "lost_answer is drawn last"
    assert 3 <= with_lost.count("lost or dropped") <= 15


def test_bad_settings_are_refused(emu):
    for settings in ({"lost_answer_rate": 1.5}, {"lost_answer_rate": 0.6, "drop_rate": 0.5}, {"lost_answer_limit": 0}):
        with pytest.raises(EmulatorError, match="400"):
            emu.admin("POST", "faults", settings)


def test_start_up_flags():
    with running_emulator(seed=str(SEED), args=["--lost-answer-rate", "0.5", "--lost-answer-limit", "3"]) as emulator:
        settings = emulator.admin("GET", "faults")["settings"]
        assert (settings["lost_answer_rate"], settings["lost_answer_limit"]) == (0.5, 3)
        assert emulator.admin("GET", "faults")["counts"]["lost_answer"] == 0
