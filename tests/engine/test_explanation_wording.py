"""Every explanation names the policy that decided, in words a learner reads (issue 17).

Over every decision of every engine case file: no summary or trace says "the key policy / trust policy"
or "the resource-based policy" without naming which one, and none starts with a decision enum value
(``IMPLICITDENY:``, ``explicitDeny``...). When a resource-based policy was consulted, sentences about it
carry its name. Rule sentences follow https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
"""
from __future__ import annotations

import re

import pytest

from engine_cases import all_case_files, build, load_file
from s3kms_lab.engine import authorize

GENERIC = re.compile(r"key policy / trust policy|the (key|trust|bucket|resource-based|resource) policy "
                     r"(does|do|allows|delegates|grants|to allow)", re.I)
ENUM = re.compile(r"IMPLICITDENY|EXPLICITDENY|implicitDeny|explicitDeny|^ALLOWED:", re.M)


def _decisions():
    out = []
    for name in all_case_files():
        data = load_file(name)
        for case in data["cases"]:
            if case.get("mode", "authorize") != "authorize":
                continue
            out.append(pytest.param(case, data.get("fragments", {}), id=f"{name}:{case['id']}"))
    return out


@pytest.mark.parametrize("case, fragments", _decisions())
def test_explanation_names_the_policy_and_has_no_enum_prefix(case, fragments):
    d = authorize(*build(case, fragments))
    summary, text = d.summary(), d.explain().text()
    for words in (summary, text.splitlines()[0]):
        assert not GENERIC.search(words), f"generic policy wording: {words!r}"
        assert not ENUM.search(words), f"decision enum value shown to learners: {words!r}"
    resource = d.policies.resource
    if resource is not None and d.rule in ("no-resource-allow", "resource-allow", "resource-allow-role",
                                           "identity-allow-delegated", "cross-account-allow",
                                           "cross-account-no-resource-allow"):
        assert resource.name in summary, f"{d.rule}: the summary does not name {resource.name!r}: {summary!r}"
