"""The django_app role's modules import their shared code as Ansible would give it them."""

import importlib.util
import sys
from pathlib import Path

ROLE = Path(__file__).resolve().parents[2] / "roles" / "django_app"


def load_module_utils(name):
    qualified = f"ansible.module_utils.{name}"
    spec = importlib.util.spec_from_file_location(qualified, ROLE / "module_utils" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    spec.loader.exec_module(module)


load_module_utils("deploy_lock")
sys.path.insert(0, str(ROLE / "library"))
