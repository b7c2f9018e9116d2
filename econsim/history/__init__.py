"""Learn a population from history: read an event log, fit it, segment its users."""
