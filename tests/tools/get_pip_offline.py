"""Stand-in for the get-pip.py bootstrap script that ansible-test downloads from a host CI cannot reach.

ansible-test runs this file as ``__main__`` inside each fresh sanity virtual environment, with pip's install
arguments (``pip==X setuptools==Y ...``) in sys.argv. The standard library's ensurepip provides a pip, which then
installs exactly what was asked for from the package index.
"""

import subprocess
import sys

BOOTSTRAP_ONLY_FLAGS = ("--no-setuptools", "--no-wheel")


def main():
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
    wanted = [arg for arg in sys.argv[1:] if arg not in BOOTSTRAP_ONLY_FLAGS]
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", *wanted])


if __name__ == "__main__":
    main()
