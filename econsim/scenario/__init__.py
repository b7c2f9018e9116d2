"""Scenario files: the schema, loading with located errors, overrides."""

from econsim.scenario.load import dump_scenario, load_scenario, loads_scenario
from econsim.scenario.schema import Design, Population, Scenario

__all__ = ["Design", "Population", "Scenario", "dump_scenario", "load_scenario", "loads_scenario"]
