"""The agent-based engine: members' state in arrays, compiled kernels for the day's work
over every member, a simpy calendar for the rest."""

from econsim.engine.guards import estimate_memory
from econsim.engine.run import simulate

__all__ = ["estimate_memory", "simulate"]
