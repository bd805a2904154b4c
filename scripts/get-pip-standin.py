"""What ansible-test's pip bootstrap (pypa's get-pip.py, which it downloads from
ci-files.testing.ansible.com, unreachable here) does, from the pip wheel Python ships
with (ensurepip): installs the pip it is asked for, from PyPI, into the empty virtual
environment ansible-test made. `make sanity` puts it where ansible-test looks for its
cached copy."""

import ensurepip
import glob
import os
import runpy
import sys

# get-pip.py's own options, which pip does not know: setuptools and wheel are
# installed only when asked for, and ansible-test never asks.
OWN_OPTIONS = {"--no-setuptools", "--no-wheel"}

bundled = glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled", "pip-*.whl"))
sys.path.insert(0, bundled[0])
sys.argv[1:] = [
    "install",
    "--upgrade",
    "--force-reinstall",
    *(argument for argument in sys.argv[1:] if argument not in OWN_OPTIONS),
]
runpy.run_module("pip", run_name="__main__", alter_sys=True)
