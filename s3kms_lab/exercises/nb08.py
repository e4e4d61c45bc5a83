"""Old name of :mod:`s3kms_lab.exercises.hardened_design` (the notebooks still import it; removed once they are converted)."""
from .hardened_design import *  # noqa: F401,F403
from .hardened_design import __all__  # noqa: F401
