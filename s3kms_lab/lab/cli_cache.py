"""An AWS CLI (v1) plugin that keeps a lab's assumed-role credentials in the lab's own folder.

Why: the CLI caches the credentials of a role profile in ``~/.aws/cli/cache``, keyed by a hash of the
AssumeRole arguments (role ARN and session name). Two labs on one machine have the same role ARN and
session name (``DataUploaderRole`` / ``uploader``), so one lab's CLI call would reuse credentials that
another lab issued, and the endpoint refuses them as ``InvalidAccessKeyId``. Changing the session name
per lab would change the assumed-role ARN learners see, so the cache *folder* is made per lab instead.

How: every lab writes ``[plugins] s3kms_lab_cli_cache = s3kms_lab.lab.cli_cache`` into its AWS config
file. AWS CLI v1 imports each module named in the config file's ``[plugins]`` section and calls its
``awscli_initialize(event_hooks)`` (https://github.com/aws/aws-cli/blob/develop/awscli/plugin.py, and
``plugins`` in https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html). The handler
below runs after the CLI's own ``session-initialized`` handler (``awscli/customizations/assumerole.py``)
and replaces its cache with one in ``<folder of the config file>/cli-cache``. boto3 ignores the section.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["PLUGIN_NAME", "PLUGIN_MODULE", "CACHE_FOLDER", "cache_dir_for", "awscli_initialize"]

PLUGIN_NAME = "s3kms_lab_cli_cache"
PLUGIN_MODULE = __name__
CACHE_FOLDER = "cli-cache"

# The CLI's own credential providers that cache assumed-role credentials (botocore provider names).
_CACHING_PROVIDERS = ("assume-role", "assume-role-with-web-identity")


def cache_dir_for(config_file: str | Path) -> Path:
    """The lab's CLI cache folder for a lab config file path (``<its folder>/cli-cache``)."""
    return Path(config_file).expanduser().resolve().parent / CACHE_FOLDER


def awscli_initialize(event_hooks: Any) -> None:
    """AWS CLI plugin entry point: register the cache handler to run after the CLI's built-in one."""
    event_hooks.register_last("session-initialized", use_lab_cache)


def use_lab_cache(session: Any, **kwargs: Any) -> None:
    """Point the CLI's assume-role providers at the lab's cache folder (next to the config file in use)."""
    from botocore.exceptions import ProfileNotFound
    from botocore.utils import JSONFileCache

    config_file = session.get_config_variable("config_file")
    if not config_file:
        return
    try:
        chain = session.get_component("credential_provider")
    except ProfileNotFound:  # e.g. `aws configure set ... --profile new`: the CLI reports it, not us
        return
    cache = JSONFileCache(str(cache_dir_for(config_file)))
    for name in _CACHING_PROVIDERS:
        provider = chain.get_provider(name)
        if provider is not None:
            provider.cache = cache
