"""Old name of :mod:`s3kms_lab.exercises.key_policy` (the notebooks still import it; removed once they are converted)."""
from .key_policy import *  # noqa: F401,F403
from .key_policy import __all__  # noqa: F401
