"""Source distributions made by the tests, standing for PyPI's packages: one pure
Python, one with a C extension (which builds only for the Python that builds it)."""

import io
import tarfile

PYPROJECT = """
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"
"""
SETUP = """
from setuptools import Extension, setup
setup(name="{name}", version="1.0", {extension})
"""
C_MODULE = """#include <Python.h>
static struct PyModuleDef module = {{PyModuleDef_HEAD_INIT, "{name}"}};
PyMODINIT_FUNC PyInit_{name}(void) {{ return PyModule_Create(&module); }}
"""
# Names no one has on PyPI, where pip also looks.
PURE = "sops_test_pure"
COMPILED = "sops_test_cext"


def sdist(directory, name, c_extension):
    """Write `name`-1.0.tar.gz into `directory`; its path."""
    extension = f"ext_modules=[Extension('{name}', ['{name}.c'])]" if c_extension else ""
    files = {
        "pyproject.toml": PYPROJECT,
        "setup.py": SETUP.format(name=name, extension=extension),
        f"{name}.c": C_MODULE.format(name=name),
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
    }
    path = directory / f"{name}-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for member, content in files.items():
            data = content.encode()
            info = tarfile.TarInfo(f"{name}-1.0/{member}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def local_index(directory):
    """A directory holding both packages, for pip's --find-links."""
    directory.mkdir(parents=True, exist_ok=True)
    sdist(directory, PURE, c_extension=False)
    sdist(directory, COMPILED, c_extension=True)
    return directory
