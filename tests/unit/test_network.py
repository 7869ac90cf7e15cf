"""Network devices: parsers on recorded outputs of every platform, secret masking, backups with
history and drift, the golden baseline, the firmware table and the checks as findings."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import yaml

from tripod.models import Finding
from tripod.network.assess import assess
from tripod.network.backup import MASK, normalize, store_backup
from tripod.network.checks import config_findings, firmware_finding
from tripod.network.parsers import PARSERS, DeviceVersion, parse_version
from tripod.network.platforms import PLATFORMS, platform_of
from tripod.policy.resolve import tier_policy

SAMPLES = Path(__file__).parent / "network_samples"
REPO = Path(__file__).resolve().parents[2]


def sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


# What each recorded configuration holds, read off the sample files by hand.
EXPECTED = {
    "ios": dict(ntp_servers=["10.20.0.1", "10.20.0.3"], syslog_hosts=["10.20.0.50"], aaa=False,
                plaintext_management=["telnet", "http"], snmp_communities=["public", "S3cr3tRW"],
                password_encryption=False, banner=False, unused_interfaces=["GigabitEthernet0/2"]),
    "eos": dict(ntp_servers=["10.20.0.1"], syslog_hosts=["10.20.0.50"], aaa=True, plaintext_management=[],
                snmp_communities=["n0tPubl1c"], password_encryption=True, banner=True,
                unused_interfaces=["Ethernet2"]),
    "junos": dict(ntp_servers=["10.20.0.1"], syslog_hosts=["10.20.0.50"], aaa=True, plaintext_management=["telnet"],
                  snmp_communities=["public"], password_encryption=True, banner=True, unused_interfaces=None),
    "vyos": dict(ntp_servers=["10.20.0.1"], syslog_hosts=[], aaa=False, plaintext_management=[],
                 snmp_communities=["vy0sRO"], password_encryption=False, banner=True, unused_interfaces=["eth1"]),
    "fortios": dict(ntp_servers=["10.20.0.1"], syslog_hosts=["10.20.0.50"], aaa=True,
                    plaintext_management=["telnet", "http"], snmp_communities=["private"], password_encryption=True,
                    banner=True, unused_interfaces=None),
    "routeros": dict(ntp_servers=["10.20.0.1", "10.20.0.3"], syslog_hosts=["10.20.0.50"], aaa=False,
                     plaintext_management=["http"], snmp_communities=["public"], password_encryption=True,
                     banner=False, unused_interfaces=None),
    "frr": dict(ntp_servers=None, syslog_hosts=["the host's syslog (log syslog)"], aaa=None, plaintext_management=[],
                snmp_communities=None, password_encryption=True, banner=None, unused_interfaces=None),
}
VERSIONS = {
    "ios": DeviceVersion("15.2(7)E4", "WS-C2960X-48FPD-L"), "eos": DeviceVersion("4.28.3M", "DCS-7050SX3-48YC8"),
    "junos": DeviceVersion("21.4R3-S5.4", "srx345"), "vyos": DeviceVersion("1.3.8", "VMware Virtual Platform"),
    "fortios": DeviceVersion("7.2.5", "FortiGate-60F"), "routeros": DeviceVersion("7.12.1", "CCR2004-1G-12S+2XS"),
    "frr": DeviceVersion("8.4.4", None),
}
# Secrets in the samples: none may survive in a backup.
SECRETS = ["$1$mERr$hx5rVt7rPNoS4wqbXKX7m0", "$1$abcd$Yw9GZkq0d1o3f2Wq6Hnq01", "0822455D0A16", "S3cr3tRW", "070C285F4D06", "$6$Jk1oR3iM$Zx",
           "$6$kZ1q$K4nh0Vqz", "$6$Xy$p9Q", "$9$abc", "Backup2026", "$6$QxPS.uk6mfo", "SH2Zb8tZxQ8PnTCYtFzAAAAAAAA=",
           "kq0Mf1hT0vWQ==", "NotReallyInExport", "BgpS3cret", "n0tPubl1c", "vy0sRO"]


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_parser_reads_the_recorded_configuration(platform):
    config = PARSERS[platform](sample(f"{platform}_running.txt"))
    for key, value in EXPECTED[platform].items():
        assert getattr(config, key) == value, key
    for key, value in EXPECTED[platform].items():
        assert (value is None) == (key in config.not_exposed), f"{key}: a field not exposed says why"
    assert parse_version(platform, sample(f"{platform}_version.txt")) == VERSIONS[platform]


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_backups_mask_every_secret_and_keep_the_rest(platform):
    text = sample(f"{platform}_running.txt")
    masked = normalize(text)
    leaked = [secret for secret in SECRETS if secret in masked]
    assert leaked == []
    hidden = [secret for secret in SECRETS if secret in text]
    assert hidden and masked.count(MASK) >= len(hidden)
    assert not any(line.startswith(("Building configuration", "! Last configuration change", "#config-version",
                                    "# 2026-11-03")) for line in masked.splitlines())
    # Every other line is kept as it was (SNMP communities are masked too, even a default one).
    kept = [line for line in text.splitlines() if line.strip() and not any(s in line for s in SECRETS)
            and "community" not in line
            and not line.startswith(("Building", "Current configuration", "! Last", "! Command", "#config-version",
                                          "# 2026"))]
    assert [line for line in kept if line.rstrip() not in masked.splitlines()] == []


def test_checks_of_a_cisco_switch_are_findings_of_the_one_result_model():
    config = PARSERS["ios"](sample("ios_running.txt"))
    findings = config_findings(config, list(tier_policy("tier_network")["network"]["checks"]))
    statuses = {f["check_id"]: f["status"] for f in findings}
    assert statuses == {"TRP-NET-010": "pass", "TRP-NET-011": "pass", "TRP-NET-012": "fail", "TRP-NET-013": "fail",
                        "TRP-NET-014": "fail", "TRP-NET-015": "fail", "TRP-NET-016": "fail", "TRP-NET-017": "fail"}
    for finding in findings:
        Finding.from_dict(finding)
    snmp = next(f for f in findings if f["check_id"] == "TRP-NET-014")
    assert "public" in snmp["evidence"] and "S3cr3tRW" not in snmp["evidence"]
    assert config_findings(config, ["banner"])[0]["check_id"] == "TRP-NET-016"


def test_firmware_against_the_end_of_support_table():
    fortigate = DeviceVersion("7.2.5", "FortiGate-60F")
    assert firmware_finding("fortios", fortigate, date(2026, 12, 4), 180)["status"] == "pass"
    warning = firmware_finding("fortios", fortigate, date(2027, 6, 1), 180)
    assert (warning["status"], warning["severity"]) == ("fail", "medium") and "2027-09-30" in warning["evidence"]
    expired = firmware_finding("fortios", fortigate, date(2027, 10, 1), 180)
    assert (expired["status"], expired["severity"]) == ("fail", "high")
    assert firmware_finding("fortios", DeviceVersion("5.6.14"), date(2026, 12, 4), 180)["status"] == "not_assessed"
    assert firmware_finding("ios", DeviceVersion(None), date(2026, 12, 4), 180)["status"] == "not_assessed"
    # The longest matching release wins: IOS 15.2 is not IOS 15.0.
    assert "2026-10-31" in firmware_finding("ios", VERSIONS["ios"], date(2026, 1, 1), 0)["evidence"]


def test_backup_history_drift_and_retention(tmp_path):
    running = sample("ios_running.txt")
    t = [datetime(2026, 12, day, 2, 0, tzinfo=timezone.utc) for day in (1, 2, 3, 4, 5)]
    first = store_backup(tmp_path, "acme", "sw1", running, t[0], retention=2)
    assert first.written and first.previous is None
    # Only the volatile header changed: same configuration, no new file.
    same = store_backup(tmp_path, "acme", "sw1", running.replace("09:12:44", "10:00:00"), t[1], retention=2)
    assert not same.written and same.path == first.path
    changed = store_backup(tmp_path, "acme", "sw1", running.replace("ntp server 10.20.0.3\n", "ntp server 10.20.0.9\n"),
                           t[2], retention=2)
    assert changed.written and changed.added == ["ntp server 10.20.0.9"] and changed.removed == ["ntp server 10.20.0.3"]
    third = store_backup(tmp_path, "acme", "sw1", running + "banner motd ^Authorised^\n", t[3], retention=2)
    assert third.pruned == [first.path] and not first.path.exists()
    assert sorted(p.name for p in (tmp_path / "network" / "acme" / "sw1").iterdir()) == [
        "20261203T020000Z.cfg", "20261204T020000Z.cfg"]
    # Another client's device of the same name has its own history.
    other = store_backup(tmp_path, "globex", "sw1", running, t[4], retention=2)
    assert other.previous is None and other.path.parent == tmp_path / "network" / "globex" / "sw1"
    with pytest.raises(ValueError):
        store_backup(tmp_path, "../acme", "sw1", running, t[4], retention=2)


def test_assess_drift_and_golden_baseline(tmp_path):
    policy = dict(tier_policy("tier_network")["network"], golden_snippets=["ntp server 10.20.0.1", "service password-encryption"])
    run = dict(host="sw1", client="acme", network_os="cisco.ios.ios", version=sample("ios_version.txt"),
               policy=policy, base=tmp_path)
    first = assess(running=sample("ios_running.txt"), now=datetime(2026, 12, 1, tzinfo=timezone.utc), **run)
    by_id = {f["check_id"]: f for f in first["findings"]}
    assert by_id["TRP-NET-001"]["status"] == "pass" and first["backup"]["sha256"] in by_id["TRP-NET-001"]["evidence"]
    assert by_id["TRP-NET-002"]["status"] == "not_assessed"
    assert by_id["TRP-NET-003"]["status"] == "fail" and by_id["TRP-NET-003"]["evidence"] == "missing: service password-encryption"
    assert first["actions"][0]["kind"] == "config_backup" and first["actions"][0]["changed"] is True
    second = assess(running=sample("ios_running.txt") + "service password-encryption\n",
                    now=datetime(2026, 12, 2, tzinfo=timezone.utc), **run)
    by_id = {f["check_id"]: f for f in second["findings"]}
    assert by_id["TRP-NET-002"]["status"] == "fail" and "service password-encryption" in by_id["TRP-NET-002"]["evidence"]
    assert by_id["TRP-NET-003"]["status"] == "pass"
    with pytest.raises(ValueError, match="not a platform"):
        assess(running="x", now=datetime(2026, 12, 2, tzinfo=timezone.utc), **dict(run, network_os="acme.os.os"))


def test_the_role_reads_each_platform_with_the_commands_tripod_knows():
    commands = yaml.safe_load((REPO / "roles/network/vars/main.yml").read_text())["network_platform_commands"]
    assert commands == {name: {"config": p.config_command, "version": p.version_command} for name, p in PLATFORMS.items()}
    assert platform_of("cisco.ios.ios") is PLATFORMS["ios"] and platform_of("tripod.maintenance.frr") is PLATFORMS["frr"]


@pytest.mark.parametrize("broken", ["Warning: connecting to staticd...failed!\nfrr version", "frr-version"])
def test_an_incomplete_frr_configuration_is_never_a_backup(tmp_path, broken):
    policy = tier_policy("tier_network")["network"]
    running = sample("frr_running.txt").replace("frr version", broken)
    result = assess(host="rr1", client="acme", network_os="tripod.maintenance.frr", running=running, version="",
                    policy=policy, base=tmp_path, now=datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert result["backup"] is None and not (tmp_path / "network").exists()
    assert [f["status"] for f in result["findings"] if f["check_id"] == "TRP-NET-001"] == ["error"]
    assert {f["status"] for f in result["findings"] if f["check_id"] != "TRP-NET-001"} == {"not_assessed"}


def test_report_rows_say_stale_and_failed_backups():
    from tripod.network.report import device_rows, render_csv

    def finding(host, check_id, status, time="2026-12-01T00:00:00Z", evidence="e"):
        return Finding.from_dict({"area": "health", "check_id": check_id, "title": "t", "severity": "high",
                                  "status": status, "evidence": evidence, "host": host, "time": time})

    now = datetime(2026, 12, 3, tzinfo=timezone.utc)  # 48 h after the backups
    rows = device_rows([finding("sw1", "TRP-NET-001", "pass"), finding("sw2", "TRP-NET-001", "pass"),
                        finding("sw3", "TRP-NET-001", "error"), finding("sw3", "TRP-NET-015", "fail"),
                        finding("sw1", "TRP-SSH-001", "fail")], now, {"sw1": 26, "sw2": 96})
    states = {row.host: (row.backup_state, row.backup_age_hours) for row in rows}
    assert states == {"sw1": ("stale", 48.0), "sw2": ("current", 48.0), "sw3": ("error", None)}
    assert [f["check_id"] for f in rows[2].failing] == ["TRP-NET-001", "TRP-NET-015"]
    assert rows[0].failing == [], "only network checks"
    assert render_csv(rows).splitlines()[3] == "sw3,error,,,not assessed,not assessed,TRP-NET-001 TRP-NET-015"


def test_check_mode_compares_but_writes_nothing(tmp_path):
    policy = tier_policy("tier_network")["network"]
    run = dict(host="sw1", client="acme", network_os="cisco.ios.ios", version="", policy=policy, base=tmp_path)
    dry = assess(running=sample("ios_running.txt"), now=datetime(2026, 12, 1, tzinfo=timezone.utc), check_mode=True,
                 **run)
    assert not (tmp_path / "network").exists()
    assert dry["backup"]["changes"] and not dry["backup"]["written"] and dry["actions"][0]["changed"] is False
    assert [f["status"] for f in dry["findings"] if f["check_id"] == "TRP-NET-001"] == ["not_assessed"]
    assess(running=sample("ios_running.txt"), now=datetime(2026, 12, 1, tzinfo=timezone.utc), **run)
    same = assess(running=sample("ios_running.txt"), now=datetime(2026, 12, 2, tzinfo=timezone.utc), check_mode=True,
                  **run)
    assert not same["backup"]["changes"] and len(list((tmp_path / "network" / "acme" / "sw1").iterdir())) == 1
    assert [f["status"] for f in same["findings"] if f["check_id"] in ("TRP-NET-001", "TRP-NET-002")] == ["pass", "pass"]


@pytest.mark.parametrize("today", [date(2026, 12, 4), date(2027, 6, 1), date(2027, 10, 1)])
def test_the_firmware_evidence_reads_back(today):
    finding = firmware_finding("fortios", DeviceVersion("7.2.5", "FortiGate-60F"), today, 180)
    from tripod.network.checks import firmware_of

    assert firmware_of(finding["evidence"]) == {"platform": "fortios", "version": "7.2.5", "model": "FortiGate-60F",
                                                "end": "2027-09-30"}
    assert firmware_of(firmware_finding("frr", DeviceVersion("8.4.4"), today, 0)["evidence"])["model"] is None
    assert firmware_of("frr 9.9: release not in the end-of-support table") is None
