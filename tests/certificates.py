"""Test certificates with exact validity dates, made with openssl (unit and integration tests)."""

from __future__ import annotations

import subprocess
from pathlib import Path

CA_CONF = """[ ca ]
default_ca = CA_default
[ CA_default ]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = policy_any
unique_subject = no
[ policy_any ]
countryName = optional
organizationName = optional
commonName = supplied
"""


def make_certificate(directory: Path, subject: str, start: str, end: str, name: str = "cert.pem") -> Path:
    """A self-signed certificate with exact validity dates (openssl ca -startdate/-enddate).

    `openssl req -x509 -days` cannot make an expired certificate (it refuses days <= 0);
    `openssl ca -selfsign` takes any start and end date.
    """
    (directory / "ca.cnf").write_text(CA_CONF)
    (directory / "index.txt").write_text("")
    (directory / "serial").write_text("01\n")
    run = dict(cwd=directory, check=True, capture_output=True)
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", "key.pem", "-out", "req.csr", "-subj", subject], **run)
    subprocess.run(["openssl", "ca", "-batch", "-config", "ca.cnf", "-selfsign", "-keyfile", "key.pem", "-in", "req.csr",
                    "-out", name, "-startdate", start, "-enddate", end, "-notext", "-preserveDN"], **run)
    return directory / name
