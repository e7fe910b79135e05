"""Attack simulator: realistic CloudTrail and VPC Flow Logs of incidents in the lab.

Six scenarios (a leaked key, a bucket made public, crypto mining on stolen instance
credentials, root usage, logging disabled, escalation through a policy version) play over
hours of ordinary background activity, naming the lab's real accounts, users and their
access keys, roles, buckets and instances, and are delivered into the lab's log buckets
exactly as CloudTrail and VPC Flow Logs deliver to S3. What an intruder creates and a
playbook must then find (the crypto miner's security group and instance) is created in the
lab first, by :func:`stage_attacks`, so that the records carry its real ids. Each scenario declares the built-in rules that must raise
an alert on it; the background must raise no high or critical alert.

    targets = stage_attacks(env)              # or example_targets() offline
    logs = simulate(targets, seed=7)
    files = log_files(logs, targets)
    write_to_s3(env, files)                   # or write_to_folder(path, files)
    run_detection(source_specs(files), rules, aws=...)
"""

from cloudwarden.lab.attacks.delivery import (
    LogFile,
    log_files,
    source_specs,
    write_to_folder,
    write_to_s3,
)
from cloudwarden.lab.attacks.enact import stage_attacks
from cloudwarden.lab.attacks.records import FlowRecord
from cloudwarden.lab.attacks.scenarios import SCENARIOS, Scenario
from cloudwarden.lab.attacks.simulate import DEFAULT_START, SimulatedLogs, simulate
from cloudwarden.lab.attacks.targets import LabTargets, Miner, example_targets, targets_from_lab

__all__ = [
    "DEFAULT_START",
    "SCENARIOS",
    "FlowRecord",
    "LabTargets",
    "LogFile",
    "Miner",
    "Scenario",
    "SimulatedLogs",
    "example_targets",
    "log_files",
    "simulate",
    "source_specs",
    "stage_attacks",
    "targets_from_lab",
    "write_to_folder",
    "write_to_s3",
]
