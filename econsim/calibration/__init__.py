"""The five-step calibration: design → point values, exchange ratio, cost per user."""

from econsim.calibration.calibrate import Calibration, calibrate, predicted_issuance

__all__ = ["Calibration", "calibrate", "predicted_issuance"]
