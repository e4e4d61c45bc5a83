"""The requirement checker: prove or refute a scenario's requirements over its whole request space.

    from s3kms_lab.checker import check
    report = check("seed")
    report.holds                      # False: the post's policies do not meet its requirements
    report.requirement("R1").counterexamples[0].replay["cli"]

Requirements are data (``data/scenarios/<name>/requirements.json``, see :mod:`.requirements`), and so is
the threat model: ``trusted_administrators``; every other principal is checked. The universe
(:mod:`.universe`) is decided by the endpoint's own planner (through the one adapter :mod:`.planning`) over
an in-process moto state, so the checker and the lab can never disagree. Requirements that hold against
direct requests are then attacked through escalation paths (:mod:`.escalation`, :mod:`.moves`): sequences
of state-changing calls a non-administrator may make first; the shortest path found is the counterexample,
replayable step by step (:func:`.replay.replay_path`). :mod:`.candidate` runs the same check on a scenario
with a learner's candidate policies (the exercise checks). ``s3kms-lab check`` is the command-line form (:mod:`.cli`),
:mod:`.widget` the notebook form.
"""
from .check import check
from .replay import replay
from .report import Counterexample, Report, RequirementResult
from .requirements import FORMAT, PROPERTIES, Requirement, RequirementsError

__all__ = ["check", "replay", "Report", "RequirementResult", "Counterexample", "Requirement", "RequirementsError",
           "FORMAT", "PROPERTIES"]
