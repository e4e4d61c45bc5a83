"""The notebook widget's logic, without a browser."""
from __future__ import annotations

from s3kms_lab.checker.widget import checker_widget, report_html, run_check_html, scenario_names


def test_scenarios_with_requirements_are_offered():
    assert {"seed", "hardened"} <= set(scenario_names())


def test_report_html_is_a_table_with_status_and_counterexamples(seed_report):
    h = report_html(seed_report)
    assert "<table class='s3kms-check'>" in h
    # U1/U2 are broken by an escalation path since issue 12 (analyst disables the key first)
    assert h.count("VIOLATED") == 6 and h.count(">HOLDS<") == 0
    assert "escalation path:" in h and "kms:DisableKey" in h
    assert "$ aws --profile" in h and "<ol>" in h


def test_bad_scenario_is_shown_not_raised():
    assert "No scenario" in run_check_html("no-such-scenario")


def test_button_runs_the_check_and_fills_the_html(hardened_report):
    box = checker_widget("hardened", check=lambda name: hardened_report)
    box.run()
    html_widget = box.children[1]
    assert "all requirements hold" in html_widget.value
    assert box.children[0].children[0].value == "hardened"
