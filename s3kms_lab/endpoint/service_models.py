"""One copy of botocore's service data for the whole process.

botocore keeps the JSON it loads (service models, endpoint rules) in a per-session loader, and
``botocore.session.get_session()`` makes a new session on every call: each cached operation shape then held
its own copy of the S3 model (several MB each), and each profile's boto3 session loaded the models again.
Every reader in the lab goes through the one loader and the one ``ServiceModel`` per service here
(measured by ``benchmarks/bench_memory.py``: the learner's kernel after notebook 02).
botocore's loader: https://botocore.amazonaws.com/v1/documentation/api/latest/reference/loaders.html
"""
from __future__ import annotations

from functools import lru_cache

import botocore.loaders
import botocore.session
from botocore.model import ServiceModel

__all__ = ["shared_loader", "service_model", "share_loader"]


@lru_cache(maxsize=1)
def shared_loader() -> botocore.loaders.Loader:
    """The process's botocore data loader (its cache holds each JSON file once)."""
    return botocore.loaders.create_loader()


@lru_cache(maxsize=None)
def service_model(service: str) -> ServiceModel:
    """botocore's model of ``service`` ("s3", "kms", "iam", "sts"), built once from the shared loader.
    Raises botocore's ``UnknownServiceError`` for a service botocore does not know."""
    session = botocore.session.get_session()
    share_loader(session)
    return session.get_service_model(service)


def share_loader(session: botocore.session.Session) -> botocore.session.Session:
    """Make ``session`` (a botocore session, e.g. ``boto3.Session()._session``) load through the shared
    loader; returns the session. Search paths boto3 adds are kept once."""
    loader = shared_loader()
    own = session.get_component("data_loader")
    if own is not loader:
        for path in own.search_paths:
            if path not in loader.search_paths:
                loader.search_paths.append(path)
        session.register_component("data_loader", loader)
    return session
