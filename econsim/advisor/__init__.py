"""The design advisor: find a design that passes (optimize) and the knobs that matter
(sensitivity). Optuna and SALib load inside the calls, so importing this stays fast."""
