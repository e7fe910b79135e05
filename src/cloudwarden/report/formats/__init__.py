"""Builtin output formats: one module each, registered by ``@renderer``."""
