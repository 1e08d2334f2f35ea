"""The order lifecycle: tracking, placement, cancellation, reconciliation and lost-order verdicts."""
