"""`tripod report --send` against a real SMTP server on loopback (aiosmtpd, STARTTLS required, login):
the client's report reaches report.recipients with the PDF attached, through the email sink's settings."""

from __future__ import annotations

import importlib.util
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import report_fixture as fx
from tests.integration.helpers import need
from tests.integration.servicedesk import MailServer
from tripod.cli import main

RECIPIENTS = ["it-director@acme.example", "cfo@acme.example"]


@pytest.fixture
def mail_lib() -> None:
    need(importlib.util.find_spec("aiosmtpd") is not None, "aiosmtpd (the `test` extra, for the SMTP server)")


def inventory(directory: Path, mail: MailServer) -> Path:
    email: dict[str, Any] = {"to": ["desk@msp.example"], "sender": "reports@msp.example", "smtp_host": "localhost",
                             "smtp_port": mail.port, "ca_file": str(mail.ca_file) if mail.ca_file else ""}
    (directory / "group_vars").mkdir(parents=True)
    (directory / "hosts.yml").write_text(yaml.safe_dump(
        {"all": {"children": {"tier_srp_server": {"hosts": {"web01": None, "db01": None}}}}}))
    (directory / "group_vars" / "all.yml").write_text(yaml.safe_dump({"tripod_client": "ACME Ltd", "tripod_client_policy": {
        "report": {"client_name": "ACME Limited", "recipients": RECIPIENTS, "formats": ["pdf", "json"]},
        "alerts": {"email": email}}}))
    return directory


def test_send_mails_the_report_with_the_pdf_after_starttls(tmp_path, mail_lib, monkeypatch, capsys):
    need(importlib.util.find_spec("weasyprint") is not None, "WeasyPrint (pip install weasyprint)")
    store = fx.build_store(tmp_path / "evidence.sqlite")
    out = tmp_path / "reports"
    with MailServer(tmp_path) as mail:
        monkeypatch.setenv("TRIPOD_SMTP_USER", mail.user)
        monkeypatch.setenv("TRIPOD_SMTP_PASSWORD", mail.password)
        code = main(["report", "--store", str(store), "--client", "ACME Ltd", "--month", fx.MONTH, "--out", str(out),
                     "-i", str(inventory(tmp_path / "inv", mail)), "--send"])
        printed = capsys.readouterr()
        assert code == 0, printed.err
        (sent,) = mail.mails
    assert sent.tls and sent.login == "tripod" and sorted(sent.recipients) == sorted(RECIPIENTS)
    message = message_from_bytes(sent.data, policy=policy.default)
    assert message["Subject"] == "ACME Limited: IT maintenance report November 2026"
    assert message["From"] == "reports@msp.example"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Overall score:" in body and "Needs your attention:" in body and "old01" in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"acme-ltd-{fx.MONTH}.pdf"
    assert attachment.get_content() == (out / f"acme-ltd-{fx.MONTH}.pdf").read_bytes()
    assert "sent to it-director@acme.example, cfo@acme.example" in printed.out
    assert mail.password not in printed.out + printed.err


def test_a_server_without_starttls_gets_nothing_and_the_command_says_so(tmp_path, mail_lib, monkeypatch, capsys):
    store = fx.build_store(tmp_path / "evidence.sqlite")
    with MailServer(tmp_path, tls=False) as mail:
        monkeypatch.setenv("TRIPOD_SMTP_USER", mail.user)
        monkeypatch.setenv("TRIPOD_SMTP_PASSWORD", mail.password)
        code = main(["report", "--store", str(store), "--client", "ACME Ltd", "--month", fx.MONTH, "--format", "json",
                     "--out", str(tmp_path / "reports"), "-i", str(inventory(tmp_path / "inv", mail)), "--send"])
        assert mail.mails == [] and mail.logins == []
    assert code == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "ACME Ltd: not sent:" in err and "does not offer STARTTLS" in err
    assert (tmp_path / "reports" / f"acme-ltd-{fx.MONTH}.json").is_file()  # the report itself was written
