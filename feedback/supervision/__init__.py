"""Supervision (监督): the timeliness of the bodies a body supervises, per notice and role."""
