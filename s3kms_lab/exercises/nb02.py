"""Old name of :mod:`s3kms_lab.exercises.bucket_policy` (the notebooks still import it; removed once they are converted)."""
from .bucket_policy import *  # noqa: F401,F403
from .bucket_policy import __all__  # noqa: F401
