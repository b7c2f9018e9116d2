"""Monitoring a live programme: its log read against the design, the same verdicts as a run,
the plan's band and a re-forecast (docs/monitoring.md)."""
