"""Ready configurations for S3 clients that do not read the AWS CLI's files the way boto3 does.

``rclone_config`` writes an rclone remote for the lab: the S3 backend with ``provider = Other`` (an S3
endpoint that is not AWS's own), ``env_auth = true`` (credentials from the AWS environment and shared files,
so ``AWS_PROFILE`` picks the lab profile) and ``no_check_bucket = true`` (rclone otherwise tries to create the
bucket before writing, a call the uploader may not make). Option names: https://rclone.org/s3/.
"""
from __future__ import annotations

__all__ = ["parse_exports", "rclone_config"]


def parse_exports(text: str) -> dict[str, str]:
    """``export NAME=value`` lines (as ``s3kms-lab env`` prints them) as a dict; other lines are ignored."""
    out = {}
    for line in text.splitlines():
        if line.startswith("export ") and "=" in line:
            name, value = line[len("export "):].split("=", 1)
            out[name.strip()] = value.strip()
    return out


def rclone_config(env: dict[str, str], remote: str = "lab") -> str:
    """An rclone.conf section named ``remote`` for the lab whose environment is ``env`` (AWS_ENDPOINT_URL,
    AWS_DEFAULT_REGION, AWS_CONFIG_FILE...). Raises KeyError when AWS_ENDPOINT_URL is missing."""
    return "\n".join([
        f"# rclone remote for the s3kms-lab at {env['AWS_ENDPOINT_URL']}. Save it as rclone.conf and run rclone with",
        "# the lab's environment and a profile, e.g.:",
        '#   eval "$(s3kms-lab env --config-dir DIR)"; export AWS_PROFILE=uploader',
        f"#   rclone --config rclone.conf copyto data.csv {remote}:my-secure-bucket/data.csv --no-check-dest \\",
        "#     --s3-server-side-encryption aws:kms --s3-sse-kms-key-id <the key ARN>",
        "# (rclone reads AWS_CONFIG_FILE, so a role profile assumes its role through the lab.)",
        f"[{remote}]",
        "type = s3",
        "provider = Other",
        "env_auth = true",
        f"endpoint = {env['AWS_ENDPOINT_URL']}",
        f"region = {env.get('AWS_DEFAULT_REGION', '')}",
        "no_check_bucket = true",
        # no x-amz-acl header: rclone sends "private" by default, and an ACL header needs s3:PutObjectAcl
        # (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html) and is refused while the bucket
        # has ACLs disabled; "an empty string ... no X-Amz-Acl: header is added" (https://rclone.org/s3/#s3-acl)
        "acl = ",
        "",
    ])
