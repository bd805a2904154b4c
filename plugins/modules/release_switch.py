#!/usr/bin/python
"""Ansible module: switch a site to a release, restart it, check it answers from it."""

import os
import subprocess
import time
import urllib.error
import urllib.request

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
---
module: release_switch
short_description: Switch a site to a release, restart its app server, check it serves
description:
  - Points C(current) at C(releases/<release>) and, unless O(previous) is omitted,
    C(previous) at C(releases/<previous>), each by renaming a new link over the old one,
    so a reader sees the old or the new release, never none (the django_app role's
    layout). Marks the release's directory with the time it went live; cleanup keeps
    the releases that went live last.
  - With O(service), then restarts that systemd unit (C(systemctl restart)), after
    clearing its earlier failures (C(systemctl reset-failed)) so that systemd's start
    limit does not refuse the restart; and, with O(health_url), asks the site until it
    answers 200 with the O(health_header) naming the release, or the retries run out.
  - A site that does not serve the release is not a failure of the module. RV(healthy)
    says so and RV(health) says why, so that the caller can go back on every host of
    the play.
  - One round trip for what would be three tasks (switch, restart, health check), so
    the site waits on none of Ansible's own overhead between them.
options:
  site_dir:
    description: The site's directory.
    type: path
    required: true
  release:
    description: The commit of the release to serve; C(releases/<release>/REVISION) must exist.
    type: str
    required: true
  previous:
    description: The commit of the release to remember as the previous one; empty to remove
      the C(previous) link; omitted to leave it as it is.
    type: str
  service:
    description: The systemd unit to restart once C(current) points at the release.
    type: str
  health_url:
    description: What to ask once the service has restarted, on the server itself.
    type: str
  health_host:
    description: The C(Host) header of that request (the site's name).
    type: str
  health_header:
    description: The response header that names the release that answered.
    type: str
    default: X-App-Release
  health_retries:
    description: How many more times to ask, a second apart, each request waiting at most
      5 seconds.
    type: int
    default: 20
"""

EXAMPLES = r"""
- name: Switch to the new release, restart it and check it serves
  superlists_ops.django.release_switch:
    site_dir: /srv/sites/example.com
    release: 0123456789abcdef0123456789abcdef01234567
    previous: 89abcdef0123456789abcdef0123456789abcdef
    service: gunicorn-example.com
    health_url: http://127.0.0.1/
    health_host: example.com
  register: switch
"""

RETURN = r"""
healthy:
  description: Whether the service restarted and the site answered from the release
    (true when there was no O(service) to restart).
  type: bool
  returned: always
health:
  description: What the restart and the last request gave, for messages.
  type: str
  returned: always
"""

REQUEST_TIMEOUT = 5


def link_target(path):
    return os.readlink(path) if os.path.islink(path) else None


def point(link, target):
    """Make `link` point to `target` by an atomic rename; True if it changed."""
    if link_target(link) == target:
        return False
    staging = f"{link}.{os.getpid()}.new"
    os.symlink(target, staging)
    os.replace(staging, link)
    return True


def switch(site_dir, release, previous):
    def release_dir(commit):
        return os.path.join(site_dir, "releases", commit)

    changed = point(os.path.join(site_dir, "current"), release_dir(release))
    if changed:
        now = time.time()
        os.utime(release_dir(release), (now, now))
    previous_link = os.path.join(site_dir, "previous")
    if previous:
        changed |= point(previous_link, release_dir(previous))
    elif previous is not None and os.path.islink(previous_link):
        os.unlink(previous_link)
        changed = True
    return changed


def restart(service):
    """systemctl's complaint when the service did not restart, or ''."""
    # Failures before this restart (say, requests to a site with no release yet,
    # which systemd tried to start it for) must not get it refused by systemd's
    # start limit: they are forgotten first.
    subprocess.run(["systemctl", "reset-failed", service], capture_output=True, check=False)
    process = subprocess.run(
        ["systemctl", "restart", service], capture_output=True, text=True, check=False
    )
    if process.returncode == 0:
        return ""
    return process.stderr.strip() or f"systemctl restart exited with {process.returncode}"


def ask(url, host, header):
    """(HTTP status or None, the release header or why there was no answer)."""
    # Straight to the server itself: no proxy from the environment.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(
            urllib.request.Request(url, headers={"Host": host}), timeout=REQUEST_TIMEOUT
        ) as response:
            return response.status, response.headers.get(header, "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get(header, "")
    except OSError as error:  # refused, reset, timed out
        return None, str(getattr(error, "reason", error))


def wait_until_serving(url, host, header, release, retries):
    """Ask, then up to `retries` more times a second apart; (serves, what the last answer was)."""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(1)
        status, said = ask(url, host, header)
        if status == 200 and said == release:
            return True, f"HTTP 200 from release {release}"
    if status is None:
        return False, f"no answer ({said})"
    return False, f"HTTP {status} from release {said or '(none)'}"


def serve(service, health_url, health_host, health_header, health_retries, release):
    """Restart the service and check it serves `release`: (healthy, health)."""
    if not service:
        return True, "not restarted"
    problem = restart(service)
    if problem:
        return False, f"the app server did not start: {problem}"
    if not health_url:
        return True, "restarted"
    return wait_until_serving(health_url, health_host, health_header, release, health_retries)


def main():
    module = AnsibleModule(
        argument_spec={
            "site_dir": {"type": "path", "required": True},
            "release": {"type": "str", "required": True},
            "previous": {"type": "str"},
            "service": {"type": "str"},
            "health_url": {"type": "str"},
            "health_host": {"type": "str"},
            "health_header": {"type": "str", "default": "X-App-Release"},
            "health_retries": {"type": "int", "default": 20},
        },
        required_by={"health_url": ["service", "health_host"]},
        supports_check_mode=False,
    )
    params = module.params
    site_dir, release = params["site_dir"], params["release"]
    revision = os.path.join(site_dir, "releases", release, "REVISION")
    if not os.path.exists(revision):
        module.fail_json(msg=f"release {release} is not complete on this server (no {revision})")
    changed = switch(site_dir, release, params["previous"])
    healthy, health = serve(
        params["service"],
        params["health_url"],
        params["health_host"],
        params["health_header"],
        params["health_retries"],
        release,
    )
    module.exit_json(changed=changed or bool(params["service"]), healthy=healthy, health=health)


if __name__ == "__main__":
    main()
