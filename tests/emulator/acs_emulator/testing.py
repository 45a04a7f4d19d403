"""Test helper: run the emulator as a subprocess of its console command.

with running_emulator(seed="tests/emulator/seed-example.yml") as emu:
    client = Client(Config(..., endpoint=emu.endpoint, protocol="http"))
    assert emu.calls(product="ram")["writes"] == 0
"""

import contextlib
import json as jsonlib
import os
import queue
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from typing import Iterator, Optional, Sequence

LISTENING = "acs-emulator listening on "
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")
# urllib without proxies: the emulator is always local.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class EmulatorError(RuntimeError):
    """The emulator did not start or an admin call failed."""


def emulator_command() -> list:
    """The ``acs-emulator`` console command of this interpreter's environment (or the module as fallback)."""
    beside = os.path.join(os.path.dirname(sys.executable), "acs-emulator")
    found = beside if os.path.exists(beside) else shutil.which("acs-emulator")
    return (
        [found] if found else [sys.executable, "-c", "import sys; from acs_emulator.cli import main; sys.exit(main())"]
    )


def clean_environment() -> dict:
    return {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}


def _opener(ca_file: Optional[str]) -> urllib.request.OpenerDirector:
    """urllib without proxies; over HTTPS trusting ``ca_file`` (the CA of the emulator's --tls-cert)."""
    if ca_file is None:
        return _OPENER
    context = ssl.create_default_context(cafile=ca_file)
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context))


class RunningEmulator:
    """A started emulator: its URL and the admin interface (``ca_file``: the CA to trust when it serves HTTPS)."""

    def __init__(self, process: subprocess.Popen, url: str, ca_file: Optional[str] = None):
        self.process = process
        self.url = url
        self.endpoint = url.split("://", 1)[1]
        self.opener = _opener(ca_file)

    def admin(self, method: str, path: str, json: Optional[dict] = None) -> dict:
        """Call ``/_emulator/<path>`` ("calls", "/calls" or "/_emulator/calls") with an optional JSON body; the JSON
        answer (EmulatorError on 4xx/5xx)."""
        path = path.lstrip("/")
        path = path[len("_emulator/") :] if path.startswith("_emulator/") else path
        data = jsonlib.dumps(json).encode() if json is not None else (b"" if method.upper() == "POST" else None)
        request = urllib.request.Request(
            f"{self.url}/_emulator/{path}",
            data=data,
            method=method.upper(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with self.opener.open(request, timeout=10) as response:
                return jsonlib.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise EmulatorError(
                f"admin {method} {path} failed: {exc.code} {exc.read().decode(errors='replace')}"
            ) from exc

    def calls(self, **filters) -> dict:
        query = "&".join(f"{k}={v}" for k, v in filters.items() if v is not None)
        return self.admin("GET", "calls" + (f"?{query}" if query else ""))

    def reset_calls(self) -> dict:
        return self.admin("POST", "calls/reset")

    def decisions(self) -> list:
        return self.admin("GET", "decisions")["decisions"]

    def reset(self) -> dict:
        return self.admin("POST", "reset")

    def advance_clock(self, seconds: float) -> dict:
        return self.admin("POST", "clock", {"advance": seconds})

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _read_url(process: subprocess.Popen, errors, timeout: float) -> str:
    lines: "queue.Queue[str]" = queue.Queue()
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty as exc:
        raise EmulatorError(f"acs-emulator printed no URL within {timeout} s") from exc
    if not line.startswith(LISTENING):
        process.wait(timeout=timeout)
        errors.seek(0)
        reason = errors.read().decode(errors="replace").strip()[-2000:]
        raise EmulatorError(f"acs-emulator did not start (exit code {process.poll()}): {reason or line.strip()!r}")
    return line[len(LISTENING) :].strip()


def _wait_healthy(url: str, timeout: float, opener: urllib.request.OpenerDirector = _OPENER) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with opener.open(f"{url}/_emulator/health", timeout=2) as response:
                if jsonlib.loads(response.read()).get("ok"):
                    return
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise EmulatorError(f"{url}/_emulator/health did not answer within {timeout} s")
        time.sleep(0.05)


@contextlib.contextmanager
def running_emulator(
    seed: str, args: Sequence[str] = (), timeout: float = 20.0, ca_file: Optional[str] = None
) -> Iterator[RunningEmulator]:
    """Start ``acs-emulator --port 0 --seed SEED *args``, yield it once healthy, terminate it on exit.

    Its stderr goes to a temporary file (a pipe nobody reads could fill up); a failed start quotes it. Over HTTPS
    (``args`` with ``--tls-cert`` and ``--tls-key``) ``ca_file`` is the CA its admin calls trust.
    """
    command = emulator_command() + ["--port", "0", "--seed", str(seed), *args]
    errors = tempfile.TemporaryFile()  # pylint: disable=consider-using-with  # closed in the finally below
    # pylint: disable-next=consider-using-with  # the process outlives this statement by design
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True, env=clean_environment())
    emulator = None
    try:
        emulator = RunningEmulator(process, _read_url(process, errors, timeout), ca_file)
        _wait_healthy(emulator.url, timeout, emulator.opener)
        yield emulator
    finally:
        if emulator is not None:
            emulator.stop()
        elif process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
        errors.close()
