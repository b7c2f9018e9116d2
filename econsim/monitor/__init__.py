"""Monitoring a live programme: its log read against the design, the same verdicts as a run,
the plan's band and a re-forecast (docs/monitoring.md).

``econsim.monitor.monitor(log, design)`` is the call ``econsim monitor`` makes; the room and
its call share the name, as ``econsim.report`` and ``econsim.report.write`` do.
"""

from econsim.monitor.log import LiveLog, read_live_log
from econsim.monitor.monitor import Monitoring, monitor
from econsim.monitor.record import record

__all__ = ["LiveLog", "Monitoring", "monitor", "read_live_log", "record"]
