#!/usr/bin/python
# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Ansible module: switch a site to a release, restart it, check it answers from it."""

DOCUMENTATION = r"""
---
module: release_switch
version_added: 1.0.0
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
    description:
      - What to ask once the service has restarted, on the server itself (nginx on
        127.0.0.1). No proxy is used.
      - Over https, the TLS handshake names O(health_host) (SNI) and the certificate is
        verified, for that name, against the CAs the server trusts. A site whose
        certificate a browser would refuse does not pass.
    type: str
  health_host:
    description: The site's name, sent as the C(Host) header (and as SNI over https).
    type: str
  health_headers:
    description: More headers to send with each request, such as the C(X-Forwarded-Proto)
      a load balancer that terminates TLS sends.
    type: dict
    default: {}
  health_header:
    description: The response header that names the release that answered.
    type: str
    default: X-App-Release
  health_retries:
    description: How many more times to ask, a second apart, each request waiting at most
      5 seconds; not negative.
    type: int
    default: 20
  confirm_within:
    description:
      - Seconds within which the switch must be confirmed (release_finish with
        C(confirm)); otherwise the server goes back by itself to the release C(current)
        pointed to, with the settings and the C(previous) link it had, records it in the
        deploy log and releases the site's lock. A transient systemd timer does it, so
        that a control node that dies, or loses the server, leaves no unconfirmed release
        behind.
      - 0 for no such guard; it also voids a guard armed earlier by the same run (a
        switch back), named by O(lock_token), which the guard records. A guard armed by
        another run is not voided, and the module fails before anything changes (a restart
        while a switch waits for the server's revert, a run whose lock was taken over).
    type: int
    default: 0
  revert_plan:
    description: What the server's revert needs besides the links - C(lock) and C(token)
      (the lock to release), C(log) (the deploy log), C(record) (the fields of its line),
      C(settings_file) and C(settings_backup) (the settings to put back, if they changed).
    type: dict
    default: {}
extends_documentation_fragment:
  - superlists_ops.django.attributes.server_step
  - superlists_ops.django.attributes
  - superlists_ops.django.lock
seealso:
  - module: superlists_ops.django.release_prepare
    description: Makes the release complete before the switch.
  - module: superlists_ops.django.release_finish
    description: Confirms the switch (O(confirm_within)) and releases the lock.
  - module: superlists_ops.django.revert_guard
    description: Arms the same revert before a rollback changes the database.
author:
  - superlists-ops developers (!UNKNOWN)
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
  sample: true
health:
  description: What the restart and the last request gave, for messages.
  type: str
  returned: always
  sample: HTTP 200 from release 0123456789abcdef0123456789abcdef01234567
reverted_by_server:
  description: When a switch back finds that the server's own revert (its
    O(confirm_within) ran out) already put the release back and released the lock,
    what happened; the module then changes nothing and only checks the site.
  type: str
  returned: when the server reverted first
  sample: >-
    the server's own revert put release 0123456789ab back first
    (the switch was not confirmed within 300 s)
"""

import http.client
import os
import socket
import ssl
import subprocess
import time
import urllib.parse

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.superlists_ops.django.plugins.module_utils.deploy_lock import (
    LOCK_OPTIONS,
    LockLost,
    held,
)
from ansible_collections.superlists_ops.django.plugins.module_utils.switch_guard import (
    arm,
    disarm,
    reverted_for,
)

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


class SiteConnection(http.client.HTTPSConnection):
    """HTTPS to an address (say 127.0.0.1) for a site by its name: the handshake
    names the site and its certificate is verified for that name."""

    def __init__(self, address, port, site, timeout):
        super().__init__(address, port, timeout=timeout, context=ssl.create_default_context())
        self.site = site

    def connect(self):
        raw = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.site)


def connection(url, host):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        return SiteConnection(parts.hostname, parts.port or 443, host, REQUEST_TIMEOUT)
    return http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=REQUEST_TIMEOUT)


def ask(url, host, header, more_headers=None):
    """(HTTP status or None, the release header or why there was no answer)."""
    # Straight to the server itself, never through a proxy of the environment.
    site = connection(url, host)
    path = urllib.parse.urlsplit(url).path or "/"
    try:
        site.request("GET", path, headers={**(more_headers or {}), "Host": host})
        response = site.getresponse()
        return response.status, response.getheader(header, "")
    except ssl.SSLCertVerificationError as error:
        return None, f"its certificate failed verification for {host}: {error.verify_message}"
    except (OSError, http.client.HTTPException) as error:  # refused, reset, timed out
        return None, str(error)
    finally:
        site.close()


def wait_until_serving(url, host, header, release, retries, more_headers=None):
    """Ask, then up to `retries` more times a second apart; (serves, what the last answer was)."""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(1)
        status, said = ask(url, host, header, more_headers)
        if status == 200 and said == release:
            return True, f"HTTP 200 from release {release}"
    if status is None:
        return False, f"no answer ({said})"
    return False, f"HTTP {status} from release {said or '(none)'}"


def serve(service, health_url, health_host, health_header, health_retries, release, more_headers):
    """Restart the service and check it serves `release`: (healthy, health)."""
    if not service:
        return True, "not restarted"
    problem = restart(service)
    if problem:
        return False, f"the app server did not start: {problem}"
    if not health_url:
        return True, "restarted"
    return wait_until_serving(
        health_url, health_host, health_header, release, health_retries, more_headers
    )


def checked(params):
    """The numbers, before anything changes: refused with their names."""
    for name in ("health_retries", "confirm_within"):
        if params[name] < 0:
            raise ValueError(f"{name} is {params[name]}: it cannot be negative")
    revision = os.path.join(params["site_dir"], "releases", params["release"], "REVISION")
    if not os.path.exists(revision):
        raise ValueError(
            f"release {params['release']} is not complete on this server (no {revision})"
        )


def guard(params):
    """Arm the server's own revert (when the switch is to be confirmed), or void an
    earlier one (a switch back, a restart: the control node is acting)."""
    site_dir, service = params["site_dir"], params["service"]
    if not params["confirm_within"]:
        disarm(site_dir, service, params["lock_token"])
        return
    plan = {"token": params["lock_token"], **(params["revert_plan"] or {})}
    plan["back_to"] = os.path.basename(link_target(os.path.join(site_dir, "current")) or "")
    plan["back_previous"] = os.path.basename(link_target(os.path.join(site_dir, "previous")) or "")
    plan["record"] = {
        **plan.get("record", {}),
        "commit": params["release"],
        "previous": plan["back_to"],
    }
    arm(site_dir, service, params["confirm_within"], plan)


def switch_and_serve(params):
    """(changed, healthy, health). Once `current` has moved, every error is an
    unhealthy answer, for the caller to go back; an armed revert covers the rest."""
    changed = switch(params["site_dir"], params["release"], params["previous"])
    try:
        healthy, health = serve(
            params["service"],
            params["health_url"],
            params["health_host"],
            params["health_header"],
            params["health_retries"],
            params["release"],
            params["health_headers"],
        )
    except Exception as error:  # noqa: BLE001 - whatever it is, the site goes back
        healthy, health = False, f"the check itself failed: {error!r}"
    return changed, healthy, health


def after_the_servers_revert(params):
    """A switch back that lost its lock to the server's own revert, which already put
    this release back (its timer ran out while the run checked the new one): the
    module's answer, with the site checked, nothing changed; {} for any other loss."""
    reverted = reverted_for(params["site_dir"], params["lock_token"])
    if not reverted or reverted["back_to"] != params["release"]:
        return {}
    healthy, health = True, "not checked"
    if params.get("health_url"):
        healthy, health = wait_until_serving(
            params["health_url"],
            params["health_host"],
            params["health_header"],
            params["release"],
            params["health_retries"],
            params["health_headers"],
        )
    return {
        "changed": False,
        "healthy": healthy,
        "health": health,
        "reverted_by_server": (
            f"the server's own revert put release {params['release'][:12]} back first"
            f" (the switch was not confirmed within {reverted['within']} s)"
        ),
    }


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
            "health_headers": {"type": "dict", "default": {}},
            "health_retries": {"type": "int", "default": 20},
            "confirm_within": {"type": "int", "default": 0},
            "revert_plan": {"type": "dict", "default": {}},
            **LOCK_OPTIONS,
        },
        required_by={"health_url": ["service", "health_host"], "confirm_within": ["service"]},
        supports_check_mode=False,
    )
    params = module.params
    switched = False
    try:
        with held(params["lock"], params["lock_token"]):
            try:
                checked(params)
                if params["service"]:
                    guard(params)
            except (ValueError, OSError) as error:
                module.fail_json(msg=f"nothing was switched: {error}")
            switched = True
            changed, healthy, health = switch_and_serve(params)
    except LockLost as error:
        answer = {} if switched else after_the_servers_revert(params)
        if answer:
            module.exit_json(**answer)
        module.fail_json(msg=f"{error}{'' if switched else '; nothing was switched'}")
    module.exit_json(changed=changed or bool(params["service"]), healthy=healthy, health=health)


if __name__ == "__main__":
    main()
