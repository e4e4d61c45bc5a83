"""The lab layer: scenarios, provisioning, the running endpoint and its AWS config."""
from .lab import Lab, LabAlreadyRunning
from .scenario import Scenario, load_scenario

__all__ = ["Lab", "LabAlreadyRunning", "Scenario", "load_scenario"]
