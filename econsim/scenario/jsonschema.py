"""The JSON Schema of the scenario format, for editors with a YAML language server."""

from __future__ import annotations

from typing import Any

from econsim.scenario.schema import Scenario

SCHEMA_ID = "https://econsim.dev/schema/scenario.json"


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a scenario file."""
    schema = Scenario.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    return schema
