"""Consent verification and explainable generation decisions: pure logic over typed inputs.

No HTTP, no database, no models, nothing else of talkgate's: the gateway measures media and
gathers records, and this package judges them against versioned rules::

    from policy import decide, load_rules

    decision = decide(facts, load_rules())   # Decision(outcome, reasons, scores, version)
"""

from policy.capture import (
    CaptureEvidence,
    CaptureJudgement,
    CaptureMode,
    CaptureRequest,
    CodeState,
    judge_capture,
)
from policy.decision import ConsentFacts, Decision, GenerationFacts, decide
from policy.reasons import Code, Outcome, Reason
from policy.rules import PolicyError, Rules, load_rules
from policy.statement import statement_for

__all__ = [
    "CaptureEvidence",
    "CaptureJudgement",
    "CaptureMode",
    "CaptureRequest",
    "Code",
    "CodeState",
    "ConsentFacts",
    "Decision",
    "GenerationFacts",
    "Outcome",
    "PolicyError",
    "Reason",
    "Rules",
    "decide",
    "judge_capture",
    "load_rules",
    "statement_for",
]
