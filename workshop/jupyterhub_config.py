# JupyterHub for a workshop on one machine (a large VM): `jupyterhub -f workshop/jupyterhub_config.py`.
# Reference: https://jupyterhub.readthedocs.io/en/stable/reference/config-reference.html
# Sizing: workshop/README.md "Capacity" (from the multi-learner test, `make test-workshop`).
import os
import sys

c = get_config()  # noqa: F821

# --- Who can log in -------------------------------------------------------------------------------------------
# "pam" (the default): learners are Unix accounts on this machine (create them with `adduser`), each learner's
#   server runs as that account, so one learner cannot read another's files.
# "shared-password": any name, one password for the room (WORKSHOP_PASSWORD, at least 8 characters); ONLY on a
#   private network for a short session. With WORKSHOP_SPAWNER=simple every server runs as the hub's own user.
# "dummy": any name, no password: tests only (the multi-learner test uses it, on loopback).
# For open sign-up use jupyterhub-nativeauthenticator or an OAuthenticator (GitHub, Google) instead.
c.JupyterHub.authenticator_class = os.environ.get("WORKSHOP_AUTHENTICATOR", "pam")
if c.JupyterHub.authenticator_class == "shared-password":
    c.SharedPasswordAuthenticator.user_password = os.environ["WORKSHOP_PASSWORD"]
c.Authenticator.admin_users = set(filter(None, os.environ.get("WORKSHOP_ADMINS", "").split(",")))
c.Authenticator.allow_all = os.environ.get("WORKSHOP_ALLOW_ALL", "1") == "1"

# --- Where learners' servers run ------------------------------------------------------------------------------
# "localprocess": one process tree per learner under the learner's Unix account (pam). "simple" for dummy logins.
# Memory: LocalProcessSpawner cannot enforce mem_limit (it only exports MEM_LIMIT for display); for an enforced
# per-learner limit install jupyterhub-systemdspawner and set WORKSHOP_SPAWNER=systemd (a cgroup per learner).
c.JupyterHub.spawner_class = os.environ.get("WORKSHOP_SPAWNER", "localprocess")
c.Spawner.mem_limit = os.environ.get("WORKSHOP_MEM_LIMIT", "640M")     # measured need: README "Capacity"
c.Spawner.mem_guarantee = os.environ.get("WORKSHOP_MEM_GUARANTEE", "320M")
c.Spawner.cpu_limit = float(os.environ.get("WORKSHOP_CPU_LIMIT", "1"))
c.Spawner.default_url = "/lab/tree/course/00_start_here.ipynb"  # workshop/start copies the course there
# Kernels talk over Unix sockets in each learner's runtime folder. With TCP, jupyter_client picks a kernel's five
# ports before the kernel binds them, and on one machine shared by many learners another learner's lab or client
# can take one in between: that kernel never answers (seen in `make test-workshop`: ZMQError "Address already in
# use"). jupyter_client's `transport` trait: https://jupyter-client.readthedocs.io/en/stable/api/jupyter_client.html
c.Spawner.args = ["--KernelManager.transport=ipc"]
c.Spawner.http_timeout = 120   # a loaded node starts a server in tens of seconds, not the default 30
c.Spawner.start_timeout = 300
c.JupyterHub.concurrent_spawn_limit = int(os.environ.get("WORKSHOP_SPAWN_LIMIT", "20"))

# --- Idle servers are stopped (jupyterhub-idle-culler as a hub-managed service) -------------------------------
# https://github.com/jupyterhub/jupyterhub-idle-culler#as-a-hub-managed-service
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                f"--timeout={os.environ.get('WORKSHOP_IDLE_TIMEOUT', '3600')}", "--cull-every=300"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
