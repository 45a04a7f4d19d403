"""``acs-emulator``: run the local cloud until SIGTERM/SIGINT."""

import argparse
import logging
import signal
import sys
from typing import List, Optional

from .errors import FaultSettingsError, SeedError
from .faults import add_cli_arguments, injector_from_args
from .routing import load_services
from .seed import build_accounts, load_seed
from .server import build_server
from .state import DEFAULT_TIMESTAMP_WINDOW, Settings, State


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="acs-emulator", description="Local emulator of Alibaba Cloud RAM, STS and ApsaraMQ for RocketMQ."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default 0)")
    parser.add_argument(
        "--seed", required=True, help="seed YAML: the accounts at start and after POST /_emulator/reset"
    )
    parser.add_argument(
        "--state", help="SQLite state file: loaded instead of the seed when it exists, written after every change"
    )
    parser.add_argument(
        "--timestamp-window",
        type=int,
        default=DEFAULT_TIMESTAMP_WINDOW,
        help="seconds a signed request's timestamp may differ from the host clock (default 900)",
    )
    parser.add_argument(
        "--token-ttl-cap",
        type=int,
        default=None,
        help="cap, in seconds, on the lifetime of issued STS tokens (tests of expiry); default no cap",
    )
    parser.add_argument(
        "--log-level", default="WARNING", help="logging level of the request log on stderr (default WARNING)"
    )
    parser.add_argument("--tls-cert", help="PEM certificate (chain) file: serve HTTPS instead of HTTP (with --tls-key)")
    parser.add_argument("--tls-key", help="PEM private key file of --tls-cert")
    add_cli_arguments(parser)
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    return args


def _stop(signum, _frame):
    raise SystemExit(128 + signum)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("werkzeug").setLevel(args.log_level.upper())
    load_services()
    try:
        seed = load_seed(args.seed)
        injector = injector_from_args(args)
    except (OSError, SeedError, FaultSettingsError) as exc:
        sys.stderr.write(f"acs-emulator: {exc}\n")
        return 2
    settings = Settings(timestamp_window=args.timestamp_window, token_ttl_cap=args.token_ttl_cap)
    state = State.start(lambda: build_accounts(seed), settings, args.state)
    tls = (args.tls_cert, args.tls_key) if args.tls_cert else None
    try:
        server = build_server(state, args.host, args.port, injector, ssl_context=tls)
    except OSError as exc:  # ssl.SSLError included: a certificate or key that cannot be loaded
        sys.stderr.write(f"acs-emulator: {exc}\n")
        return 2
    signal.signal(signal.SIGTERM, _stop)
    scheme = "https" if tls else "http"
    sys.stdout.write(f"acs-emulator listening on {scheme}://{args.host}:{server.server_port}\n")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
