"""Old name of :mod:`s3kms_lab.exercises.role_policy` (the notebooks still import it; removed once they are converted)."""
from .role_policy import *  # noqa: F401,F403
from .role_policy import __all__  # noqa: F401
