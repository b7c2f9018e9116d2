"""The agent-based engine: numpy population state driven by a simpy calendar."""

from econsim.engine.run import estimate_memory, simulate

__all__ = ["estimate_memory", "simulate"]
