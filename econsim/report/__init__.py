"""Tables, charts, HTML report and exports built from results and metrics."""
