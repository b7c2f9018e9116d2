"""The agent-based engine: numpy population state driven by a simpy calendar."""

from econsim.engine.guards import estimate_memory
from econsim.engine.run import simulate

__all__ = ["estimate_memory", "simulate"]
