"""A stand-in for pip's get-pip.py, for `ansible-test sanity` on machines that reach only the
package index (ansible-test downloads get-pip.py from its own file server to bootstrap pip in
the virtual environments it creates; that download fails here).

ansible-test runs it as `python get_pip.py [pip options] pip==VERSION ...` inside a new virtual
environment without pip. This script puts the pip bundled with Python in (ensurepip, offline),
then lets that pip install what ansible-test asked for, with this machine's pip settings (its
config files and PIP_* environment, which ansible-test passes on). `scripts/sanity.sh` copies it
to ~/.ansible/test/cache/get_pip_<version>.py, where ansible-test looks first.
"""

from __future__ import annotations

import subprocess
import sys

# Options of get-pip.py that pip install does not know.
GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}


def main() -> int:
    subprocess.run([sys.executable, "-m", "ensurepip", "--default-pip"], check=True,
                   stdout=subprocess.DEVNULL)
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    return subprocess.run([sys.executable, "-m", "pip", "install", *args], check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
