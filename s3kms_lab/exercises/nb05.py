"""Old name of :mod:`s3kms_lab.exercises.uploading` (the notebooks still import it; removed once they are converted)."""
from .uploading import *  # noqa: F401,F403
from .uploading import __all__  # noqa: F401
