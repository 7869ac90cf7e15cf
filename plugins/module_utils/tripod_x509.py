# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""X.509 certificates without the cryptography package: a small DER reader for the fields
Tripod reports (subject, issuer, validity), and openssl's text output as a fallback."""

from __future__ import annotations

import base64
import binascii
import calendar
import datetime
import re


_OID_NAMES = {
    "2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU",
    "2.5.4.5": "serialNumber", "2.5.4.9": "street", "2.5.4.17": "postalCode", "2.5.4.4": "SN",
    "2.5.4.42": "GN", "2.5.4.12": "title", "1.2.840.113549.1.9.1": "emailAddress",
    "0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID",
}


PEM_CERT = re.compile(
    rb"-----BEGIN (?:TRUSTED |X509 )?CERTIFICATE-----\s*(.+?)\s*-----END (?:TRUSTED |X509 )?CERTIFICATE-----", re.S
)


def _der_element(data, pos):
    """-> (tag, content_start, content_end)."""
    if pos + 2 > len(data):
        raise ValueError("truncated DER")
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise ValueError("bad DER length")
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    end = pos + length
    if end > len(data):
        raise ValueError("truncated DER")
    return tag, pos, end


def _der_children(data, start, end):
    children = []
    pos = start
    while pos < end:
        tag, cstart, cend = _der_element(data, pos)
        children.append((tag, cstart, cend))
        pos = cend
    return children


def _der_oid(raw):
    if not raw:
        raise ValueError("empty OID")
    first = raw[0]
    parts = [str(min(first // 40, 2)), str(first - 40 * min(first // 40, 2))]
    value = 0
    for byte in raw[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(str(value))
            value = 0
    return ".".join(parts)


def _der_string(tag, raw):
    if tag == 0x1E:
        return raw.decode("utf-16-be", "replace")
    if tag == 0x1C:
        return raw.decode("utf-32-be", "replace")
    if tag == 0x14:
        return raw.decode("latin-1")
    return raw.decode("utf-8", "replace")


def _der_time(tag, raw):
    text = raw.decode("ascii")
    if not text.endswith("Z"):
        raise ValueError("time is not UTC: %s" % text)
    text = text[:-1]
    if tag == 0x17:  # UTCTime YYMMDDHHMM[SS]
        year = int(text[:2])
        text = ("19" if year >= 50 else "20") + text
    elif tag != 0x18:
        raise ValueError("not a time")
    fmt = "%Y%m%d%H%M%S" if len(text) >= 14 else "%Y%m%d%H%M"
    stamp = datetime.datetime.strptime(text[:14] if len(text) >= 14 else text, fmt)
    return calendar.timegm(stamp.timetuple())


def _der_name(data, start, end):
    parts = []
    for set_tag, sstart, send in _der_children(data, start, end):
        if set_tag != 0x31:
            continue
        for seq_tag, qstart, qend in _der_children(data, sstart, send):
            if seq_tag != 0x30:
                continue
            items = _der_children(data, qstart, qend)
            if len(items) != 2 or items[0][0] != 0x06:
                continue
            oid = _der_oid(data[items[0][1]:items[0][2]])
            value = _der_string(items[1][0], data[items[1][1]:items[1][2]])
            parts.append("%s=%s" % (_OID_NAMES.get(oid, oid), value))
    return ", ".join(parts)


def parse_der_certificate(der):
    """DER X.509 -> {'subject': 'C=.., O=.., CN=..', 'not_before': epoch, 'not_after': epoch}."""
    tag, start, end = _der_element(der, 0)
    if tag != 0x30:
        raise ValueError("not a certificate")
    tbs_tag, tstart, tend = _der_children(der, start, end)[0]
    if tbs_tag != 0x30:
        raise ValueError("not a certificate")
    fields = _der_children(der, tstart, tend)
    if fields and fields[0][0] == 0xA0:  # [0] EXPLICIT version
        fields = fields[1:]
    # serialNumber, signature, issuer, validity, subject
    if len(fields) < 5 or fields[3][0] != 0x30:
        raise ValueError("unexpected TBSCertificate layout")
    validity = _der_children(der, fields[3][1], fields[3][2])
    if len(validity) != 2:
        raise ValueError("bad validity")
    not_before = _der_time(validity[0][0], der[validity[0][1]:validity[0][2]])
    not_after = _der_time(validity[1][0], der[validity[1][1]:validity[1][2]])
    subject = _der_name(der, fields[4][1], fields[4][2])
    return {"subject": subject, "not_before": not_before, "not_after": not_after}


def first_certificate_der(content, path=""):
    """Bytes of a file -> DER of its first certificate, or None when it holds none."""
    match = PEM_CERT.search(content)
    if match:
        try:
            return base64.b64decode(b"".join(match.group(1).split()), validate=False)
        except (binascii.Error, ValueError):
            return None
    if content[:1] == b"\x30" and path.lower().endswith((".der", ".cer", ".crt")):
        return content
    return None


def parse_openssl_x509(text):
    """`openssl x509 -noout -enddate -subject` -> {'subject', 'not_after'} (epoch)."""
    result = {"subject": None, "not_after": None}
    for line in text.splitlines():
        if line.startswith("notAfter="):
            value = line.split("=", 1)[1].strip()
            stamp = datetime.datetime.strptime(value.replace(" GMT", ""), "%b %d %H:%M:%S %Y")
            result["not_after"] = calendar.timegm(stamp.timetuple())
        elif line.startswith("subject="):
            value = line.split("=", 1)[1].strip()
            # OpenSSL 3 prints "C = US, O = X"; 1.1 prints "/C=US/O=X"
            if value.startswith("/"):
                value = ", ".join(p for p in value.split("/") if p)
            result["subject"] = re.sub(r"\s*=\s*", "=", value)
    return result
