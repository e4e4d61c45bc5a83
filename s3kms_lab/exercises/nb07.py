"""Old name of :mod:`s3kms_lab.exercises.best_practices` (the notebooks still import it; removed once they are converted)."""
from .best_practices import *  # noqa: F401,F403
from .best_practices import __all__  # noqa: F401
