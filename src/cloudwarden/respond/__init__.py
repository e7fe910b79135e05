"""Incident response: event patterns, playbooks, actions, runner and journal."""
