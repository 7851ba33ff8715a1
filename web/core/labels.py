"""The words a page shows for the system's values: a case's status in plain words, channels,
categories, outcomes, measures, the events of a case's timeline."""

from web.core.i18n import N_, Language

LABELS: dict[str, dict[str, str]] = {
    "status": {
        "received": N_("Received"),
        "forwarded": N_("Waiting for the enterprise's answer"),
        "responded": N_("The enterprise has answered"),
        "proposed": N_("A resolution is proposed: your answer is awaited"),
        "investigating": N_("Under investigation by the regulator"),
        "rectifying": N_("The enterprise is rectifying"),
        "verifying": N_("The rectification is being verified"),
        "evaluating": N_("Your satisfaction is being surveyed"),
        "closed": N_("Closed"),
    },
    "channel": {
        "web": N_("Web"),
        "phone": N_("Phone hotline"),
        "store": N_("In a store"),
        "platform": N_("E-commerce platform"),
    },
    "category": {
        "product_quality": N_("Product quality"),
        "safety_hazard": N_("Safety hazard"),
        "repair_service": N_("Repair service"),
        "return_refund": N_("Return or refund"),
        "service_attitude": N_("Service attitude"),
        "false_advertising": N_("False advertising"),
        "pricing": N_("Pricing"),
        "delivery_installation": N_("Delivery or installation"),
        "other": N_("Other"),
    },
    "desired_outcome": {
        "repair": N_("Repair"),
        "replace": N_("Replacement"),
        "refund": N_("Refund"),
        "compensation": N_("Compensation"),
        "apology": N_("Apology"),
        "other": N_("Other"),
    },
    "measure": {
        "repair": N_("Repair"),
        "replace": N_("Replacement"),
        "refund": N_("Refund"),
        "compensation": N_("Compensation"),
        "recall": N_("Recall"),
        "apology": N_("Apology"),
    },
    "outcome": {
        "resolved": N_("Resolved: you accepted the resolution"),
        "resolved_by_default": N_("Resolved: the proposal stood, unanswered"),
        "resolved_after_rectification": N_("Resolved after the enterprise's rectification"),
        "not_substantiated": N_("The investigation did not substantiate the complaint"),
        "withdrawn": N_("Withdrawn"),
        "rejected_duplicate": N_("Rejected as a duplicate"),
        "rejected_out_of_scope": N_("Rejected: outside the regulator's scope"),
    },
    "deadline": {
        "response": N_("The enterprise's response"),
        "resolution": N_("Resolution"),
        "consumer_decision": N_("Your answer to the proposal"),
        "investigation": N_("The investigation's findings"),
        "evidence": N_("Evidence from the enterprise"),
        "rectification": N_("The enterprise's rectification report"),
        "verification_check": N_("Follow-up verification opens"),
        "verification": N_("Follow-up verification"),
        "evaluation": N_("Satisfaction survey"),
    },
    # A case's events, as its consumer follows them; the others are for staff.
    "event": {
        "received": N_("Your complaint was received"),
        "triaged": N_("It was classified and given its priority"),
        "forwarded": N_("It was passed to the enterprise"),
        "enterprise_revoked": N_(
            "The enterprise's business licence is revoked: the regulator handles the case for you"
        ),
        "responded": N_("The enterprise answered"),
        "proposed": N_("The enterprise proposed a resolution"),
        "accepted": N_("You accepted the resolution"),
        "deemed_accepted": N_("The proposal stood: you did not answer in time"),
        "disputed": N_("You disputed the proposal"),
        "escalated": N_("The regulator escalated the case"),
        "investigation_opened": N_("The regulator opened an investigation"),
        "findings": N_("The investigation reached its findings"),
        "rectification_ordered": N_("The enterprise was ordered to rectify"),
        "rectification_submitted": N_("The enterprise reported its rectification"),
        "verified": N_("The rectification was verified"),
        "evaluated": N_("The satisfaction survey was answered"),
        "withdrawn": N_("You withdrew the complaint"),
        "closed": N_("The case was closed"),
    },
}


def label(lang: Language, kind: str, value: object) -> str:
    """The page's word for `value`; the value itself if it has none."""
    key = getattr(value, "value", value)
    message = LABELS.get(kind, {}).get(str(key))
    return lang.gettext(message) if message else str(key)
