# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance facts' certificate probe: certificate files under the configured paths, read
with the module's own DER reader (openssl as a fallback). A mixin of the module's Collector."""

from __future__ import annotations

import os
import time

from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_host import ProbeError, iso_utc, which
from ansible_collections.tripod.maintenance.plugins.module_utils.tripod_x509 import (
    PEM_CERT,
    first_certificate_der,
    parse_der_certificate,
    parse_openssl_x509,
)


CERT_SUFFIXES = (".pem", ".crt", ".cer", ".cert", ".der")
CERT_MAX_FILES = 1000
CERT_MAX_BYTES = 1024 * 1024


def _small_pem(path):
    """True for a file of at most CERT_MAX_BYTES whose first 64 KiB hold a PEM certificate header."""
    try:
        if os.path.getsize(path) > CERT_MAX_BYTES:
            return False
        with open(path, "rb") as handle:
            return b"CERTIFICATE-----" in handle.read(65536)
    except OSError:
        return False


class CertificateProbes:
    """Probes of `compliance_facts.Collector` (self.cmd, self.error, self.facts, self.params)."""

    def probe_certificates(self):
        now = time.time()
        certificates = []
        for path, explicit in self.certificate_files():
            try:
                with open(path, "rb") as handle:
                    content = handle.read(CERT_MAX_BYTES)
            except OSError as exc:
                self.error("certificates", "%s: %s" % (path, exc.strerror or exc))
                continue
            der = first_certificate_der(content, path)
            if der is None:
                if explicit:
                    self.error("certificates", "%s: no certificate found" % path)
                continue
            try:
                cert = parse_der_certificate(der)
            except (ValueError, IndexError, UnicodeDecodeError) as exc:
                cert = self.openssl_certificate(path, exc)
                if cert is None:
                    continue
            certificates.append({
                "path": path,
                "subject": cert.get("subject"),
                "not_after": iso_utc(cert["not_after"]),
                "days_left": int((cert["not_after"] - now) // 86400),
            })
        return {"certificates": certificates}

    def openssl_certificate(self, path, parse_error):
        if not which("openssl"):
            self.error("certificates", "%s: cannot parse (%s) and openssl is not installed" % (path, parse_error))
            return None
        try:
            args = ["openssl", "x509", "-noout", "-enddate", "-subject", "-in", path]
            if not PEM_CERT.search(open(path, "rb").read(CERT_MAX_BYTES)):
                args += ["-inform", "DER"]
            _rc, out, _err = self.cmd(args)
            cert = parse_openssl_x509(out)
        except (ProbeError, OSError, ValueError) as exc:
            self.error("certificates", "%s: %s" % (path, exc))
            return None
        if cert.get("not_after") is None:
            self.error("certificates", "%s: openssl printed no notAfter" % path)
            return None
        return cert

    def certificate_files(self):
        """(path, explicit) for the configured files and the candidate files under directories."""
        found = []
        for base in self.params.get("certificate_paths") or []:
            if os.path.isdir(base):
                for root, dirs, names in os.walk(base):
                    dirs.sort()
                    for name in sorted(names):
                        path = os.path.join(root, name)
                        if len(found) >= CERT_MAX_FILES:
                            self.error("certificates", "more than %d files under the certificate paths; the rest were skipped"
                                       % CERT_MAX_FILES)
                            return found
                        if not os.path.isfile(path):
                            continue
                        if name.lower().endswith(CERT_SUFFIXES) or _small_pem(path):
                            found.append((path, False))
            elif os.path.exists(base):
                found.append((base, True))
            else:
                self.error("certificates", "%s: not found" % base)
        return found
