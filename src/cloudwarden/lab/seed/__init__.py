"""Seeders of the lab organisation: one module per service family, each with ``seed(env)``.

Every planted weakness is listed in ``lab/manifest/*.yaml`` with the check that
must catch it and a compliant twin that must not be flagged.
"""
