# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local files that hold secrets: AccessKey files (JSON or an INI credentials profile), Alibaba Cloud CLI profiles and
console password files. One writer makes them all: a file of mode 0600 from its first byte (an exclusive temporary
file beside the target, then an atomic rename), so a reader never sees a half-written or world-readable secret.

The directory is checked too. A password file must sit in a private directory (owned by the user running the module,
no access for group or others: 0700 or stricter), because its name alone tells a person's password is there; that is
checked before any API call and again right before the write. AccessKey files and CLI profiles keep their historic
rule (the directory must exist; a missing CLI configuration directory is created 0700), and ``directory_problem``
tells the caller when their directory lets others in, so it can warn.

Pure Python: errors are OSError or ValueError with the path in the message; callers add the option name.
"""

from __future__ import annotations

import configparser
import io
import json
import os
import secrets
import stat

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIRECTORY_MODE = 0o700


# --------------------------------------------------------------------------------------------------------- the writer


def directory_problem(path, private=True):
    """Why the directory of ``path`` is not fit for a secret, or None.

    ``private``: it must be owned by the current user and closed to group and others (0700). Otherwise only what lets
    another user replace the file counts: a directory that others may write to (without the sticky bit)."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        info = os.stat(directory)
    except FileNotFoundError:
        return f"the directory {directory} does not exist"
    if not stat.S_ISDIR(info.st_mode):
        return f"{directory} is not a directory"
    mode = stat.S_IMODE(info.st_mode)
    if private:
        if info.st_uid != os.getuid():
            return f"the directory {directory} belongs to another user (uid {info.st_uid}); a secret needs a directory of its own"
        if mode & 0o077:
            return f"the directory {directory} has mode {mode:04o}; a secret needs a private directory (0700)"
        return None
    if mode & 0o022 and not mode & stat.S_ISVTX:
        return f"the directory {directory} has mode {mode:04o}: other users may replace files in it"
    return None


def write_private_file(path, content, make_directory=False, private_directory=False):
    """Replace ``path`` atomically with ``content``, a file of mode 0600 from its first byte.

    ``make_directory`` creates a missing directory with mode 0700; ``private_directory`` refuses (ValueError) a
    directory that ``directory_problem`` finds not private, checked right before the write."""
    directory = os.path.dirname(os.path.abspath(path))
    if make_directory:
        os.makedirs(directory, mode=PRIVATE_DIRECTORY_MODE, exist_ok=True)
    if private_directory:
        problem = directory_problem(path, private=True)
        if problem:
            raise ValueError(problem)
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def make_private(path, check_mode):
    """Tighten an existing secret file to 0600. Returns whether its mode was (or, in check mode, would be) changed."""
    if stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0:
        return False
    if not check_mode:
        os.chmod(path, PRIVATE_FILE_MODE)
    return True


def read_text(path):
    """The file's text, or None when it does not exist (kept to put a file back as it was)."""
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def restore(path, previous):
    """Put ``path`` back as ``read_text`` found it: the old text, or no file."""
    if previous is None:
        if os.path.exists(path):
            os.unlink(path)
    else:
        write_private_file(path, previous)


# ------------------------------------------------------------------------------------------------------ AccessKey files


class KeyFile:
    """An AccessKey file: ``json`` ({"AccessKeyId", "AccessKeySecret"}) or a ``profile`` of an ``ini`` credentials file
    (``type = access_key``), whose other profiles are kept."""

    def __init__(self, path, key_format="json", profile="default"):
        self.path = path
        self.key_format = key_format
        self.profile = profile

    def read(self):
        """(AccessKeyId recorded in the file or None, parsed INI file or None); ValueError if the file is not ours."""
        text = read_text(self.path)
        if text is None:
            return None, None
        if self.key_format == "json":
            try:
                data = json.loads(text) if text.strip() else {}
            except ValueError:
                raise ValueError(
                    f"{self.path} exists and is not a JSON AccessKey file; refusing to overwrite it"
                ) from None
            return (data.get("AccessKeyId") if isinstance(data, dict) else None), None
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(text, source=self.path)
        except configparser.Error:
            raise ValueError(
                f"{self.path} exists and is not an INI credentials file; refusing to overwrite it"
            ) from None
        recorded = (
            parser.get(self.profile, "access_key_id", fallback=None) if parser.has_section(self.profile) else None
        )
        return recorded, parser

    def render(self, key, parser=None):
        """The file's new text holding ``key`` (an API AccessKey record with its secret)."""
        if self.key_format == "json":
            return (
                json.dumps({"AccessKeyId": key["AccessKeyId"], "AccessKeySecret": key["AccessKeySecret"]}, indent=2)
                + "\n"
            )
        parser = parser or configparser.ConfigParser(interpolation=None)
        parser[self.profile] = {
            "type": "access_key",
            "access_key_id": key["AccessKeyId"],
            "access_key_secret": key["AccessKeySecret"],
        }
        return ini_text(parser)

    def write(self, key, parser=None):
        write_private_file(self.path, self.render(key, parser))

    def forget(self, deleted_key_ids, check_mode):
        """Drop a deleted key: the whole JSON file, or only its profile of an INI file holding others.

        A file that does not hold one of ``deleted_key_ids`` is left alone. Returns whether anything (would have)
        changed; ValueError when the file is not an AccessKey file."""
        recorded, parser = self.read()
        if recorded is None or recorded not in deleted_key_ids:
            return False
        if not check_mode:
            if parser is not None and len(parser.sections()) > 1:
                parser.remove_section(self.profile)
                write_private_file(self.path, ini_text(parser))
            else:
                os.unlink(self.path)
        return True


def ini_text(parser):
    text = io.StringIO()
    parser.write(text)
    return text.getvalue()


# ------------------------------------------------------------------------------------------------------ CLI profiles


def cli_profile(name, credentials, region):
    """A ``StsToken`` profile of the Alibaba Cloud CLI configuration, which the CLI and alibabacloud-credentials read."""
    return {
        "name": name,
        "mode": "StsToken",
        "access_key_id": credentials["AccessKeyId"],
        "access_key_secret": credentials["AccessKeySecret"],
        "sts_token": credentials["SecurityToken"],
        "region_id": region,
        "output_format": "json",
        "language": "en",
    }


def read_cli_config(path):
    """The existing CLI configuration (a new one when the file does not exist); ValueError when it is not one."""
    text = read_text(path)
    if text is None:
        return {"current": "", "profiles": []}
    config = json.loads(text)
    if not isinstance(config, dict) or not isinstance(config.get("profiles", []), list):
        raise ValueError("not an Alibaba Cloud CLI configuration (expected an object with a 'profiles' list)")
    return config


def write_cli_profile(path, name, credentials, region):
    """Add or replace profile ``name`` in the CLI configuration at ``path``, keeping every other profile; a missing
    directory is created 0700 (as the CLI's own ~/.aliyun)."""
    config = read_cli_config(path)
    profiles = [profile for profile in config.get("profiles", []) if profile.get("name") != name]
    config["profiles"] = profiles + [cli_profile(name, credentials, region)]
    config["current"] = config.get("current") or name
    write_private_file(path, json.dumps(config, indent=2) + "\n", make_directory=True)


# ------------------------------------------------------------------------------------------------------ password files


def write_password_file(path, password):
    """The console password alone on one line, in a 0600 file of a private (0700) directory."""
    write_private_file(path, password + "\n", private_directory=True)
