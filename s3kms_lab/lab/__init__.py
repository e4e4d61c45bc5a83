"""The lab layer: scenarios, provisioning, the running endpoint and its AWS config."""
from .errors import LabAlreadyRunning, LabError, LabHostError, LabPortInUse, UnsafeConfigDir
from .lab import Lab
from .scenario import Scenario, load_scenario

__all__ = ["Lab", "LabError", "LabAlreadyRunning", "LabHostError", "LabPortInUse", "UnsafeConfigDir", "Scenario",
           "load_scenario"]
