# -*- coding: utf-8 -*-
# Copyright (c) 2026 apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS options without a network: ca_bundle checks, the settings each SDK client gets (Tea RuntimeOptions, the
mq-http-sdk connection), and certificate failures read as final errors naming the options that fix them."""

from __future__ import annotations

import importlib.util
import os
import ssl
from pathlib import Path

import pytest

from ansible_collections.apsaramq.cross_account.plugins.module_utils.base import common_option_problems
from ansible_collections.apsaramq.cross_account.plugins.module_utils.client import (
    Endpoint,
    TlsSettings,
    build_api_client,
    ca_bundle_problem,
    tls_problems,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.credentials import Credentials
from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import (
    CERTIFICATE_ERROR_CODE,
    api_error_from_exception,
    certificate_error,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.retries import (
    RetryPolicy,
    answer_may_be_lost,
    is_retryable,
)

TLS_CERTS = Path(__file__).resolve().parents[3] / "integration" / "tls_certs.py"
DARABONBA_REFUSAL = (
    "HTTPSConnectionPool(host='127.0.0.1', port=8443): Max retries exceeded with url: /?Signature=abc%3D "
    "(Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
    "unable to get local issuer certificate (_ssl.c:1006)')))"
)


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("tls_certs", TLS_CERTS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_tls_files(tmp_path_factory.mktemp("tls"))


def test_settings_default_to_verifying_with_the_default_cas():
    tls = TlsSettings.from_options({})
    assert (tls.validate_certs, tls.ca_bundle) == (True, None)
    tls = TlsSettings.from_options({"validate_certs": False, "ca_bundle": "/etc/ca.pem"})
    assert (tls.validate_certs, tls.ca_bundle) == (False, "/etc/ca.pem")


def test_a_usable_ca_bundle_has_no_problem(tls_files):
    assert ca_bundle_problem(str(tls_files.ca)) is None
    assert tls_problems({"ca_bundle": str(tls_files.ca)}) == []
    assert tls_problems({"ca_bundle": None}) == []


def test_an_unusable_ca_bundle_is_refused_naming_the_option(tmp_path):
    not_pem = tmp_path / "notes.txt"
    not_pem.write_text("hello\n")
    assert tls_problems({"ca_bundle": str(tmp_path / "gone.pem")}) == [
        ("ca_bundle", f"no such file: {tmp_path / 'gone.pem'}")
    ]
    assert tls_problems({"ca_bundle": str(tmp_path)}) == [
        ("ca_bundle", f"{tmp_path} is a directory: give a file of PEM certificates")
    ]
    assert tls_problems({"ca_bundle": str(not_pem)}) == [
        ("ca_bundle", f"no PEM certificate could be loaded from {not_pem}")
    ]
    assert tls_problems({"ca_bundle": " "}) == [("ca_bundle", "must not be empty")]
    # The modules and preflight refuse it with the other common options.
    assert ("ca_bundle", f"no such file: {tmp_path / 'gone.pem'}") in common_option_problems(
        {"ca_bundle": str(tmp_path / "gone.pem"), "retry_max_attempts": 0}
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_ca_bundle_is_refused(tls_files, tmp_path):
    locked = tmp_path / "locked.pem"
    locked.write_bytes(tls_files.ca.read_bytes())
    locked.chmod(0)
    assert tls_problems({"ca_bundle": str(locked)}) == [("ca_bundle", f"cannot read {locked}: Permission denied")]


def test_the_ssl_context_trusts_the_bundle_or_verifies_nothing(tls_files):
    default = TlsSettings().ssl_context()
    trusting = TlsSettings(ca_bundle=str(tls_files.ca)).ssl_context()
    assert trusting.verify_mode == ssl.CERT_REQUIRED and trusting.check_hostname
    subjects = [dict(item[0] for item in cert["subject"]).get("commonName") for cert in trusting.get_ca_certs()]
    assert "apsaramq test CA" in subjects
    assert "apsaramq test CA" not in [
        dict(item[0] for item in cert["subject"]).get("commonName") for cert in default.get_ca_certs()
    ]
    insecure = TlsSettings(validate_certs=False).ssl_context()
    assert insecure.verify_mode == ssl.CERT_NONE and not insecure.check_hostname


def _client(**options):
    pytest.importorskip("alibabacloud_sts20150401")
    return build_api_client(
        "sts",
        Credentials("AKID", "SECRET"),
        Endpoint("127.0.0.1:8443"),
        RetryPolicy(),
        dict(region="cn-hangzhou", connect_timeout=5, read_timeout=10, **options),
        False,
        lambda *args, **kwargs: None,
    )


def test_every_tea_client_gets_the_settings_in_its_runtime_options(tls_files):
    runtime = _client(ca_bundle=str(tls_files.ca))._runtime_options  # pylint: disable=protected-access
    assert (runtime.ignore_ssl, runtime.ca) == (False, str(tls_files.ca))
    runtime = _client(validate_certs=False, ca_bundle=str(tls_files.ca))._runtime_options  # pylint: disable=protected-access
    assert (runtime.ignore_ssl, runtime.ca) == (True, None)
    runtime = _client()._runtime_options  # pylint: disable=protected-access
    assert (runtime.ignore_ssl, runtime.ca) == (False, None)


def test_darabonba_sessions_made_with_other_tls_settings_are_dropped(tls_files):
    core = pytest.importorskip("darabonba.core").DaraCore
    _client()
    core._sessions["sentinel"] = object()  # pylint: disable=protected-access
    _client()
    assert "sentinel" in core._sessions  # pylint: disable=protected-access  # same settings: kept
    _client(ca_bundle=str(tls_files.ca))
    assert "sentinel" not in core._sessions  # pylint: disable=protected-access


def test_a_certificate_failure_is_final_and_names_the_options():
    error = certificate_error(DARABONBA_REFUSAL)
    assert error.code == CERTIFICATE_ERROR_CODE
    assert error.message.startswith(
        "the TLS certificate of 127.0.0.1:8443 could not be verified (unable to get local issuer certificate)."
    )
    assert "ca_bundle" in error.message and "ALIBABA_CLOUD_CA_BUNDLE" in error.message
    assert "validate_certs=false" in error.message and "Signature" not in error.message
    assert not is_retryable(error) and not answer_may_be_lost(error)
    assert certificate_error("[Errno 111] Connection refused") is None


def test_the_sdk_exception_of_a_refused_certificate_becomes_that_error():
    darabonba = pytest.importorskip("darabonba.exceptions")
    policy = pytest.importorskip("darabonba.policy.retry")
    refused = darabonba.RetryError(DARABONBA_REFUSAL)
    exc = darabonba.UnretryableException(policy.RetryPolicyContext(retries_attempted=1, exception=refused))
    error = api_error_from_exception(exc)
    assert (error.code, error.transport) == (CERTIFICATE_ERROR_CODE, False)


def test_the_mq_http_plane_refusal_names_the_endpoint():
    exceptions = pytest.importorskip("mq_http_sdk.mq_exception")
    rocketmq_access = pytest.importorskip(
        "ansible_collections.apsaramq.cross_account.plugins.module_utils.rocketmq_access"
    )
    exc = exceptions.MQClientNetworkException(
        "NetWorkException",
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain "
        "(_ssl.c:1006)",
    )
    error = rocketmq_access._api_error(exc, "PublishMessage", "https://mq.example:443")  # pylint: disable=protected-access
    assert (error.code, error.transport, error.operation) == (CERTIFICATE_ERROR_CODE, False, "mq:PublishMessage")
    assert (
        "https://mq.example:443 could not be verified (self-signed certificate in certificate chain)" in error.message
    )
    network = rocketmq_access._api_error(  # pylint: disable=protected-access
        exceptions.MQClientNetworkException("NetWorkException", "[Errno 111] Connection refused"), "PublishMessage"
    )
    assert (network.code, network.transport) == ("NetworkError", True)


def test_the_mq_client_connects_over_https_with_the_settings(tls_files):
    pytest.importorskip("mq_http_sdk")
    from ansible_collections.apsaramq.cross_account.plugins.module_utils.rocketmq_access import mq_client

    keys = Credentials("AKID", "SECRET", "TOKEN")
    secure = mq_client("https://mq.example:8443", keys, 7, TlsSettings(ca_bundle=str(tls_files.ca)))
    connection = secure.http.conn
    assert (connection.host, connection.port, connection.timeout) == ("mq.example", 8443, 7)
    assert connection._context.verify_mode == ssl.CERT_REQUIRED  # pylint: disable=protected-access
    assert secure.is_https and secure.http.is_https and secure.security_token == "TOKEN"
    insecure = mq_client("https://mq.example", keys, 7, TlsSettings(validate_certs=False))
    assert insecure.http.conn._context.verify_mode == ssl.CERT_NONE  # pylint: disable=protected-access
    plain = mq_client("http://mq.example:8080", keys, 7, TlsSettings())
    assert not plain.is_https and plain.http.conn.connection_timeout == 7
