"""What the crypto-mining scenario's logs record the intruder creating, made real in the lab.

The scenario's records name a security group the intruder creates and opens to the world,
and the GPU instance launched into it whose interface then talks to a mining pool. A
playbook acting on those records (revoke the world-open rules, isolate the instance) needs
them to exist, and EC2's ids are random: so they are created through the emulator before
the logs are written, exactly as the records say (same group name, rules, image, type,
subnet and instance profile), and the records then carry their real ids. The other
scenarios need nothing created first: the keys they sign with are seeded
(``seed/identity.py``), and the demo makes the public-bucket and logging changes real
afterwards (``lab/incidents.py``).
"""

from __future__ import annotations

from typing import Any

from cloudwarden.lab.attacks.targets import (
    MINER_GROUP_REF,
    MINER_INSTANCE_REF,
    LabTargets,
    targets_from_lab,
)
from cloudwarden.lab.org import LabEnv

__all__ = [
    "GPU_TYPE",
    "MINER_GROUP",
    "MINER_IMAGE",
    "MINER_PROFILE",
    "WORLD_OPEN",
    "stage_attacks",
]

GPU_TYPE = "p3.16xlarge"
MINER_GROUP = ("default-2", "default")  # name, description: made to look like AWS's own
MINER_IMAGE = "ami-04681a1dbd79675a5"
MINER_PROFILE = "cw-lab-app-profile"  # the stolen role's profile, passed on to the miner
MINER_SUBNET = "net-subnet-public-a"
#: the rules the intruder adds: SSH, then every TCP port, from anywhere
WORLD_OPEN = ((22, 22), (0, 65535))
_HOME = "us-east-1"


def _arn(env: LabEnv, resource: str) -> str:
    return f"arn:aws:ec2:{_HOME}:{env.accounts['prod']}:{resource}"


def _id(env: LabEnv, ref: str) -> str:
    return env.refs[ref].rsplit("/", 1)[-1]


def stage_attacks(env: LabEnv) -> LabTargets:
    """Create what the crypto-mining scenario's records show the intruder creating (once per
    lab: a second call finds it in ``env.refs``), then read the lab's targets."""
    if MINER_INSTANCE_REF not in env.refs:
        ec2: Any = env.client("prod", "ec2", _HOME)
        name, description = MINER_GROUP
        vpc = _id(env, "net-vpc-app")
        group = ec2.create_security_group(GroupName=name, Description=description, VpcId=vpc)
        gid = str(group["GroupId"])
        world = [{"CidrIp": "0.0.0.0/0"}]
        rules = [
            {"IpProtocol": "tcp", "FromPort": lo, "ToPort": hi, "IpRanges": world}
            for lo, hi in WORLD_OPEN
        ]
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=rules)
        env.refs[MINER_GROUP_REF] = _arn(env, f"security-group/{gid}")
        # the subnet and group given as the primary interface's, which AWS treats as the
        # records' --subnet-id/--security-group-ids; moto would otherwise keep the group
        # on the instance and show it on the interface even after a quarantine moves it
        interface = {"DeviceIndex": 0, "SubnetId": _id(env, MINER_SUBNET), "Groups": [gid]}
        launched = ec2.run_instances(
            ImageId=MINER_IMAGE, MinCount=1, MaxCount=1, InstanceType=GPU_TYPE,
            NetworkInterfaces=[interface], IamInstanceProfile={"Name": MINER_PROFILE},
        )  # fmt: skip
        iid = str(launched["Instances"][0]["InstanceId"])
        env.refs[MINER_INSTANCE_REF] = _arn(env, f"instance/{iid}")
    return targets_from_lab(env)
