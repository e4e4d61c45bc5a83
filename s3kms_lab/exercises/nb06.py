"""Old name of :mod:`s3kms_lab.exercises.failure_cases` (the notebooks still import it; removed once they are converted)."""
from .failure_cases import *  # noqa: F401,F403
from .failure_cases import __all__  # noqa: F401
