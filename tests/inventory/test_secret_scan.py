"""What counts as a secret, what does not, and that nothing secret survives redaction."""

from __future__ import annotations

import pytest

from cloudwarden.inventory.secret_scan import classify, redact, scan_text

# AWS's documented example credentials: the right shape, valid nowhere.
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


@pytest.mark.parametrize(
    ("line", "pattern"),
    [
        (f"export AWS_ACCESS_KEY_ID={KEY_ID}", "aws-access-key-id"),
        ("aws_access_key_id = ASIAY34FZKBOKMUTVV7A", "aws-access-key-id"),
        (f"export AWS_SECRET_ACCESS_KEY={SECRET_KEY}", "aws-secret-access-key"),
        (f'"SecretAccessKey": "{SECRET_KEY}"', "aws-secret-access-key"),
        ("-----BEGIN RSA PRIVATE KEY-----", "private-key"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----", "private-key"),
        ("DB_PASSWORD=Sup3rS3cret!", "password"),
        ('{"dbPassword": "Sup3rS3cret!"}', "password"),
        ("password: hunter22", "password"),
        ("mysql --password=Sup3rS3cret", "password"),
        ("DATABASE_URL=postgres://app:Sup3rS3cret@db.internal:5432/app", "credentials-in-url"),
        (f"GITHUB_TOKEN={GITHUB}", "github-token"),
        ("SLACK=xoxb-123456789012-abcdefghijkl", "slack-token"),
        ("STRIPE=sk_live_4eC39HqLyjWDarjtT1zdp7dc", "stripe-live-key"),
        ("api_key = 9f8e7d6c5b4a39281706f5e4d3c2b1a0", "secret-assignment"),
    ],
)
def test_secret_lines_are_found(line: str, pattern: str) -> None:
    hits = scan_text(line)
    assert [h.pattern for h in hits] == [pattern]
    assert hits[0].line == 1


@pytest.mark.parametrize(
    "line",
    [
        "#!/bin/bash",
        "yum install -y httpd",
        'DB_PASSWORD="$(aws secretsmanager get-secret-value --secret-id prod/db)"',
        "DB_PASSWORD=${DB_PASSWORD}",
        "password: {{ vault_password }}",
        "PASSWORD_MIN_LENGTH=14",
        "SECRET_ARN=arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db",
        "TOKEN_TTL=3600",
        "password=",
        "api_key = short",
        "secret_name: prod/db/password",
        "-----BEGIN PUBLIC KEY-----",
        "see https://example.com/docs for setup",
        "AKIA in a sentence is not a key",
        "PASSENGER_COUNT=a1b2c3d4e5f6a7b8c9d0",  # words, not substrings, name a secret
        "tokenizer: bert-base-uncased-v2-2024",
        "secretArn: arn:aws:secretsmanager:us-east-1:123456789012:secret:x",
        # the IMDSv2 token dance that most user data scripts start with
        'TOKEN=$(curl -X PUT "http://169.254.169.254/latest/api/token" '
        '-H "X-aws-ec2-metadata-token-ttl-seconds: 21600")',
        'curl -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/',
        "aws ecr get-login-password | docker login --username AWS --password-stdin 1.dkr.ecr.aws",
        "mysql --password --user app",
        "ssh_authorized_keys: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG4rT3vTt99Ox5kndS4HmgTrKBT8SKzhK4rhGkEVGlCI",
    ],
)
def test_ordinary_configuration_is_not_reported(line: str) -> None:
    assert scan_text(line) == []


def test_excerpts_never_contain_the_secret() -> None:
    text = f"#!/bin/bash\nexport AWS_ACCESS_KEY_ID={KEY_ID} AWS_SECRET_ACCESS_KEY={SECRET_KEY}\n"
    hits = scan_text(text)
    assert {h.pattern for h in hits} == {"aws-access-key-id", "aws-secret-access-key"}
    for hit in hits:
        assert hit.line == 2
        assert KEY_ID not in hit.excerpt and SECRET_KEY not in hit.excerpt
        assert "AKIA********" in hit.excerpt


def test_key_material_after_a_pem_header_on_the_same_line_is_redacted() -> None:
    (hit,) = scan_text('KEY="-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"')
    assert "MIIEvQ" not in hit.excerpt
    assert hit.excerpt.startswith('KEY="-----BEGIN PRIVATE KEY-----')


def test_long_lines_are_truncated() -> None:
    (hit,) = scan_text(f"{'x' * 300} token={GITHUB}")
    assert len(hit.excerpt) <= 120


@pytest.mark.parametrize(
    ("value", "redacted"),
    [
        (KEY_ID, "AKIA********"),
        ("hunter22", "********"),  # short values show nothing, not even their length
        (SECRET_KEY, "wJal********"),
    ],
)
def test_redact(value: str, redacted: str) -> None:
    assert redact(value) == redacted


@pytest.mark.parametrize(
    ("name", "value", "pattern"),
    [
        ("AWS_ACCESS_KEY_ID", KEY_ID, "aws-access-key-id"),
        ("ANYTHING", GITHUB, "github-token"),  # format wins whatever the name
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY, "aws-secret-access-key"),
        ("DB_PASSWORD", "Sup3rS3cret!", "password"),
        ("CLIENT_SECRET", "9f8e7d6c5b4a39281706f5e4d3c2b1a0", "secret-assignment"),
        ("DB_PASSWORD_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:1:secret:x", None),
        ("DB_PASSWORD", "${ssm:/prod/db/password}", None),
        ("LOG_LEVEL", "debug", None),
        ("stripeApiKey", "9f8e7d6c5b4a39281706f5e4d3c2b1a0", "secret-assignment"),
        ("BYPASS_CACHE", "Sup3rS3cret!", None),
        ("TABLE_NAME", "orders", None),
        ("SESSION_TOKEN_TTL", "900", None),
    ],
)
def test_classify_name_value_pairs(name: str, value: str, pattern: str | None) -> None:
    assert classify(name, value) == pattern
