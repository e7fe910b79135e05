"""Engines that run the rule IR over events: streaming (Python closures) and batch (SQL)."""
