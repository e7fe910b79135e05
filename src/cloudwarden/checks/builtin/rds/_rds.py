"""What the RDS checks share."""

from __future__ import annotations

INSTANCE = "AWS::RDS::DBInstance"
SNAPSHOT = "AWS::RDS::DBSnapshot"
INSTANCE_PERMISSIONS = ("rds:DescribeDBInstances",)
