"""What the simulated logs name: the lab's accounts, users, roles, buckets and instances.

Attack and background records use the identifiers of the seeded lab, so an alert points at
something a reader can find in the scan of the same lab (the user whose key leaked, the
instance whose credentials were stolen, the trail that was stopped). :func:`targets_from_lab`
reads them from a running lab; :func:`example_targets` gives a fixed set with the same names
for offline use, where no emulator is running.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudwarden.lab.org import LabEnv
from cloudwarden.lab.seed.identity import KEY_USERS

__all__ = ["Instance", "LabTargets", "Miner", "example_targets", "targets_from_lab"]

#: Seeded names the simulator relies on (see ``lab/seed/identity.py`` and ``network.py``).
DEV_USERS = (
    "cw-lab-admin-user",
    "cw-lab-console-mfa",
    "cw-lab-console-no-mfa",
    "cw-lab-direct-policy",
    "cw-lab-group-member",
)
ROLES = {  # role name -> account role
    "cw-lab-app-role": "prod",
    "cw-lab-incident-response": "prod",
    "cw-lab-security-responder": "management",
    "cw-lab-report-writer": "dev",
}
INSTANCES = (
    "cw-lab-imdsv1",
    "cw-lab-userdata-secret",
    "cw-lab-bastion-exposed",
    "cw-lab-bastion-hardened",
)
GROUPS = ("cw-lab-ssh-open", "cw-lab-ssh-internal")
SUBNETS = ("cw-lab-public-a", "cw-lab-private")
#: ``env.refs`` entries of what the crypto-mining scenario creates (see ``enact.py``)
MINER_GROUP_REF, MINER_INSTANCE_REF = "attack-sg-miner", "attack-instance-miner"


@dataclass(frozen=True, slots=True)
class Instance:
    name: str
    id: str
    private_ip: str
    eni: str
    public_ip: str = ""


@dataclass(frozen=True, slots=True)
class Miner:
    """What the crypto-mining scenario creates: a security group it opens to the world and
    the GPU instance it launches into it (whose interface then talks to the pool)."""

    group: str
    instance: Instance


@dataclass(frozen=True)
class LabTargets:
    """Identifiers of one lab build; every map is keyed by the seeded name.

    ``access_keys`` holds each user's long-term key (the one a leaked-key scenario signs
    with); ``miner`` what the crypto-mining scenario made in the lab before its logs were
    written, so that a playbook acting on its records finds them.
    """

    accounts: dict[str, str]
    user_ids: dict[str, str]
    role_ids: dict[str, str]
    instances: dict[str, Instance]
    security_groups: dict[str, str]
    subnets: dict[str, str]
    vpc: str
    access_keys: dict[str, str]
    miner: Miner
    regions: tuple[str, ...] = ("us-east-1", "eu-west-1")
    extra: dict[str, str] = field(default_factory=dict)

    def account(self, role: str) -> str:
        return self.accounts[role]

    def role_account(self, role_name: str) -> str:
        return self.accounts[ROLES[role_name]]

    def trail_bucket(self, role: str) -> str:
        """The log-archive bucket, in the management account, every trail delivers to.

        The seeded trail buckets deny requests that are not over TLS, as a trail bucket
        should, and the emulator's endpoint is plain HTTP on loopback: the simulated logs
        go to a central archive instead, laid out as each account's trail writes it.
        """
        del role
        return f"cw-lab-log-archive-{self.accounts['management']}"

    def trail_name(self, role: str) -> str:
        return {
            "management": "cw-lab-mgmt-trail",
            "prod": "cw-lab-main-trail",
            "dev": "cw-lab-dev-trail",
        }[role]

    def trail_regions(self, role: str) -> tuple[str, ...]:
        """dev's trail is single-region: it records nothing outside us-east-1."""
        return self.regions[:1] if role == "dev" else self.regions

    def flow_bucket(self) -> str:
        return f"cw-lab-network-logs-{self.accounts['prod']}"

    def data_bucket(self, stem: str) -> str:
        """A bucket of ``seed/data.py`` (all in dev)."""
        return f"cw-lab-{stem}-{self.accounts['dev']}"


def example_targets() -> LabTargets:
    """A fixed lab, for offline use: the seeded names with made-up but well-formed ids."""
    instances = {
        name: Instance(
            name,
            f"i-0{n}a1b2c3d4e5f6a7b",
            f"10.20.{1 if 'bastion' in name else 3}.{4 + n}",
            f"eni-0{n}f1e2d3c4b5a6978",
            f"54.214.72.{80 + n}" if "bastion" in name else "",
        )
        for n, name in enumerate(INSTANCES)
    }
    return LabTargets(
        accounts={"management": "123456789012", "prod": "210987654321", "dev": "345678901234"},
        user_ids={u: f"AIDA{n}EXAMPLEUSER{n:04d}" for n, u in enumerate(DEV_USERS)},
        role_ids={r: f"AROA{n}EXAMPLEROLE{n:04d}" for n, r in enumerate(ROLES)},
        instances=instances,
        security_groups={g: f"sg-0{n}9e8d7c6b5a4f3e2" for n, g in enumerate(GROUPS)},
        subnets={s: f"subnet-0{n}1a2b3c4d5e6f7a8" for n, s in enumerate(SUBNETS)},
        vpc="vpc-0a1b2c3d4e5f6a7b8",
        access_keys={u: f"AKIA{n}EXAMPLEKEY{n:05d}" for n, u in enumerate(KEY_USERS)},
        miner=Miner(
            "sg-0f9e8d7c6b5a4f3e2",
            Instance("miner", "i-0f1e2d3c4b5a69788", "10.20.1.134", "eni-0a9b8c7d6e5f4a3b2"),
        ),
    )


def _ref_id(env: LabEnv, ref: str) -> str:
    return env.refs[ref].rsplit("/", 1)[-1]


def _instance(env: LabEnv, name: str, iid: str) -> Instance:
    found: dict[str, Any] = env.client("prod", "ec2").describe_instances(InstanceIds=[iid])
    inst = found["Reservations"][0]["Instances"][0]
    return Instance(
        name,
        iid,
        str(inst["PrivateIpAddress"]),
        str(inst["NetworkInterfaces"][0]["NetworkInterfaceId"]),
        str(inst.get("PublicIpAddress") or ""),
    )


def _access_keys(env: LabEnv) -> dict[str, str]:
    """Each key user's active long-term key (the oldest, if it has two)."""
    dev_iam = env.client("dev", "iam")
    keys: dict[str, str] = {}
    for user in KEY_USERS:
        listed = dev_iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
        active = sorted(
            (k for k in listed if k["Status"] == "Active"), key=lambda k: k["CreateDate"]
        )
        if not active:
            raise LookupError(f"the lab's {user} has no active access key to leak")
        keys[user] = str(active[0]["AccessKeyId"])
    return keys


def _miner(env: LabEnv) -> Miner:
    if MINER_INSTANCE_REF not in env.refs:
        raise LookupError(
            "the crypto-mining scenario's group and instance are not in the lab: "
            "stage the attacks first (lab.attacks.stage_attacks)"
        )
    iid = _ref_id(env, MINER_INSTANCE_REF)
    return Miner(_ref_id(env, MINER_GROUP_REF), _instance(env, "miner", iid))


def targets_from_lab(env: LabEnv) -> LabTargets:
    """The identifiers of a running, seeded lab (IAM and EC2 are asked; ARNs come from refs)
    whose attacks are staged (:func:`~cloudwarden.lab.attacks.enact.stage_attacks`)."""
    dev_iam = env.client("dev", "iam")
    user_ids = {u["UserName"]: u["UserId"] for u in dev_iam.list_users()["Users"]}
    role_ids = {
        name: str(env.client(role, "iam").get_role(RoleName=name)["Role"]["RoleId"])
        for name, role in ROLES.items()
    }
    instances = {
        name: _instance(env, name, _ref_id(env, f"net-instance-{name.removeprefix('cw-lab-')}"))
        for name in INSTANCES
    }
    return LabTargets(
        accounts=dict(env.accounts),
        user_ids={u: user_ids[u] for u in DEV_USERS},
        role_ids=role_ids,
        instances=instances,
        security_groups={g: _ref_id(env, f"net-sg-{g.removeprefix('cw-lab-')}") for g in GROUPS},
        subnets={s: _ref_id(env, f"net-subnet-{s.removeprefix('cw-lab-')}") for s in SUBNETS},
        vpc=_ref_id(env, "net-vpc-app"),
        access_keys=_access_keys(env),
        miner=_miner(env),
        regions=tuple(env.regions),
    )
