"""module_utils/credential_files.py: the one 0600 atomic writer, its directory checks, AccessKey files and CLI profiles."""

import configparser
import json
import os
import stat

import pytest

from ansible_collections.apsaramq.cross_account.plugins.module_utils.credential_files import (
    KeyFile,
    directory_problem,
    make_private,
    read_text,
    restore,
    write_cli_profile,
    write_password_file,
    write_private_file,
)

KEY = {"AccessKeyId": "LTAI1", "AccessKeySecret": "s3cr3t"}


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_writer_makes_a_0600_file_atomically_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "secret.txt"
    target.write_text("old")
    target.chmod(0o644)
    write_private_file(str(target), "new")
    assert target.read_text() == "new" and mode(target) == 0o600 and os.listdir(tmp_path) == ["secret.txt"]


def test_the_writer_creates_a_missing_directory_0700_only_when_asked(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_private_file(str(tmp_path / "missing" / "f"), "x")
    write_private_file(str(tmp_path / "made" / "f"), "x", make_directory=True)
    assert mode(tmp_path / "made") == 0o700


def test_a_password_needs_a_private_directory(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    assert "has mode 0755; a secret needs a private directory (0700)" in directory_problem(str(shared / "p"))
    with pytest.raises(ValueError, match="0755"):
        write_password_file(str(shared / "p"), "pw")
    assert not (shared / "p").exists()
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    write_password_file(str(private / "p"), "pw")
    assert (private / "p").read_text() == "pw\n" and mode(private / "p") == 0o600
    assert "does not exist" in directory_problem(str(tmp_path / "nowhere" / "p"))


def test_a_key_directory_is_only_flagged_when_others_may_write_to_it(tmp_path):
    readable = tmp_path / "readable"
    readable.mkdir()
    readable.chmod(0o755)
    assert directory_problem(str(readable / "k.json"), private=False) is None
    readable.chmod(0o777)
    assert "other users may replace files in it" in directory_problem(str(readable / "k.json"), private=False)
    readable.chmod(0o1777)
    assert directory_problem(str(readable / "k.json"), private=False) is None, "the sticky bit stops replacements"


def test_make_private_tightens_only_outside_check_mode(tmp_path):
    target = tmp_path / "k"
    target.write_text("x")
    target.chmod(0o640)
    assert make_private(str(target), check_mode=True) and mode(target) == 0o640
    assert make_private(str(target), check_mode=False) and mode(target) == 0o600
    assert not make_private(str(target), check_mode=False)


def test_restore_puts_the_old_text_back_or_removes_a_new_file(tmp_path):
    target = tmp_path / "k"
    assert read_text(str(target)) is None
    target.write_text("new")
    restore(str(target), None)
    assert not target.exists()
    restore(str(target), "old")
    assert target.read_text() == "old" and mode(target) == 0o600


def test_a_json_key_file_is_written_read_and_forgotten(tmp_path):
    key_file = KeyFile(str(tmp_path / "k.json"))
    key_file.write(KEY)
    assert json.loads((tmp_path / "k.json").read_text()) == KEY and key_file.read() == ("LTAI1", None)
    assert not key_file.forget({"OTHER"}, check_mode=False) and key_file.read()[0] == "LTAI1"
    assert key_file.forget({"LTAI1"}, check_mode=True) and (tmp_path / "k.json").exists()
    assert key_file.forget({"LTAI1"}, check_mode=False) and not (tmp_path / "k.json").exists()


def test_an_ini_profile_keeps_the_other_profiles(tmp_path):
    path = tmp_path / "credentials.ini"
    path.write_text("[other]\ntype = access_key\naccess_key_id = KEEP\naccess_key_secret = keep\n")
    key_file = KeyFile(str(path), "ini", "app")
    recorded, parser = key_file.read()
    assert recorded is None
    key_file.write(KEY, parser)
    assert key_file.read()[0] == "LTAI1"
    key_file.forget({"LTAI1"}, check_mode=False)
    parser = configparser.ConfigParser()
    parser.read(path)
    assert parser.sections() == ["other"]


def test_a_file_that_is_not_a_key_file_is_refused(tmp_path):
    (tmp_path / "notes.json").write_text("not json")
    with pytest.raises(ValueError, match="is not a JSON AccessKey file"):
        KeyFile(str(tmp_path / "notes.json")).read()
    (tmp_path / "notes.ini").write_text("no section")
    with pytest.raises(ValueError, match="is not an INI credentials file"):
        KeyFile(str(tmp_path / "notes.ini"), "ini").read()


def test_a_cli_profile_is_added_beside_the_others(tmp_path):
    path = tmp_path / ".aliyun" / "config.json"
    write_cli_profile(
        str(path), "a", {"AccessKeyId": "STS.1", "AccessKeySecret": "s", "SecurityToken": "t"}, "cn-hangzhou"
    )
    write_cli_profile(
        str(path), "b", {"AccessKeyId": "STS.2", "AccessKeySecret": "s", "SecurityToken": "t"}, "cn-hangzhou"
    )
    config = json.loads(path.read_text())
    assert config["current"] == "a" and [p["name"] for p in config["profiles"]] == ["a", "b"]
    assert config["profiles"][1]["mode"] == "StsToken" and mode(path) == 0o600 and mode(path.parent) == 0o700
