"""Hardening controls of the security tooling (issue 16): fail2ban's SSH jail, process accounting, sysstat,
apt-listchanges and apt-show-versions; their checks on recorded facts, their parameters, and the probe's
reading of the files they write (as Debian 12 ships or Tripod writes them)."""

from __future__ import annotations

import copy
import json
import sys
from datetime import date
from pathlib import Path

from tripod.hardening import HostContext, assess, load_catalog, plan
from tripod.policy import tier_policy

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT / "collections") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "collections"))

from ansible_collections.tripod.maintenance.plugins.module_utils import tripod_hardening_probe as hp  # noqa: E402

FRESH = json.loads((REPO_ROOT / "tests" / "data" / "hardening" / "debian12-fleet-fresh.json").read_text())
CATALOG = load_catalog()
MANAGEMENT = {"connection": "ssh", "user": "tripod", "group": "tripod", "groups": ["tripod", "sudo"],
              "key_files": ["/home/tripod/.ssh/authorized_keys"], "server_port": "22", "source": "192.0.2.10"}

# Debian 12's jail.conf and defaults-debian.conf, shortened to the parts the probe reads.
JAIL_CONF = """[INCLUDES]
before = paths-debian.conf
[DEFAULT]
#ignoreip = 127.0.0.1/8 ::1
bantime  = 10m
findtime  = 10m
maxretry = 5
backend = auto
enabled = false
[sshd]
# To use more aggressive sshd modes set filter parameter "mode" in jail.local:
port    = ssh
logpath = %(sshd_log)s
backend = %(sshd_backend)s
"""
DEBIAN_DEFAULTS = "[sshd]\nenabled = true\n"
TRIPOD_JAIL = """# Managed by Tripod (tripod.maintenance.hardening, TRP-IDS-001); rewritten by each enforce.
[DEFAULT]
ignoreip = 127.0.0.1/8 ::1 192.0.2.10
banaction = nftables-multiport
[sshd]
enabled = true
backend = systemd
ignoreip = 127.0.0.1/8 ::1
  192.0.2.10
maxretry = 5
"""


def ctx(policy=None, **changes) -> HostContext:
    base = dict(host="web01", groups=("tier_srp_server",), level="server", mode="enforce",
                policy=policy or tier_policy("tier_srp_server"), management=MANAGEMENT, today=date(2026, 12, 4))
    base.update(changes)
    return HostContext(**base)


def host(*, container=True, net_admin=False, packages=(), units=None, config=None) -> dict:
    facts = copy.deepcopy(FRESH)
    facts["identity"].update(container=container, virtualization="podman" if container else "kvm")
    section = facts["hardening"]
    section["capabilities"]["net_admin"] = net_admin
    section["packages"]["installed"].update({name: "1.0" for name in packages})
    for unit, state in (units or {}).items():
        section["units"][unit] = {"found": True, "active": state == "active", "enabled": True,
                                  "unit_file_state": "enabled" if state != "disabled" else "disabled"}
    section["config"].update(config or {})
    return facts


def status(facts, control_id, **changes):
    result = assess(CATALOG, facts, ctx(**changes)).by_id()[control_id]
    return result.status, result.evidence


F2B_PACKAGES = ("fail2ban", "python3-systemd", "nftables")
JAIL_OK = {"fail2ban": {"sshd": {"enabled": "true", "backend": "systemd", "ignoreip": "127.0.0.1/8 ::1 192.0.2.0/24",
                                 "maxretry": "5", "bantime": "10m"}, "jail_local": "tripod"}}


def test_fail2ban_needs_cap_net_admin_in_a_container_because_its_bans_are_nftables_rules():
    assert status(host(), "TRP-IDS-001")[0] == "not_applicable"
    assert "CAP_NET_ADMIN" in status(host(), "TRP-IDS-001")[1]
    assert status(host(net_admin=True), "TRP-IDS-001") == ("fail", "not installed: fail2ban, python3-systemd")


def test_fail2ban_passes_when_the_sshd_jail_reads_the_journal_and_ignores_the_management_source():
    good = host(container=False, packages=F2B_PACKAGES, units={"fail2ban.service": "active"}, config=JAIL_OK)
    state, evidence = status(good, "TRP-IDS-001")
    assert state == "pass" and "management source 192.0.2.10 ignored" in evidence
    elsewhere = dict(MANAGEMENT, source="198.51.100.7")
    state, evidence = status(good, "TRP-IDS-001", management=elsewhere)
    assert state == "fail" and "the management source 198.51.100.7 is not in ignoreip" in evidence


def test_fail2ban_with_debians_default_backend_or_stopped_fails_with_the_reason():
    jail = copy.deepcopy(JAIL_OK)
    jail["fail2ban"]["sshd"]["backend"] = "%(sshd_backend)s"
    facts = host(container=False, packages=F2B_PACKAGES, units={"fail2ban.service": "failed"}, config=jail)
    state, evidence = status(facts, "TRP-IDS-001")
    assert state == "fail"
    assert "sshd jail backend %(sshd_backend)s" in evidence and "fail2ban.service not running" in evidence


def test_fail2ban_parameters_name_the_management_source_and_keep_a_clients_own_jail_local():
    facts = host(container=False)
    params = plan(assess(CATALOG, facts, ctx()), facts, ctx())["params"]["TRP-IDS-001"]
    assert params["ignoreip"] == ["127.0.0.1/8", "::1", "192.0.2.10"]
    assert params["path"] == "/etc/fail2ban/jail.local"
    assert set(params["packages"]) == set(F2B_PACKAGES)
    theirs = host(container=False, config={"fail2ban": {"sshd": {}, "jail_local": "other"}})
    params = plan(assess(CATALOG, theirs, ctx()), theirs, ctx())["params"]["TRP-IDS-001"]
    assert params["path"] == "/etc/fail2ban/jail.d/60-tripod.local"


def test_process_accounting_is_not_applicable_in_a_container_and_enforced_on_a_vm():
    state, evidence = status(host(), "TRP-LOG-003")
    assert state == "not_applicable" and "CAP_SYS_PACCT" in evidence
    assert status(host(container=False), "TRP-LOG-003") == ("fail", "not installed: acct")
    running = host(container=False, packages=["acct"], units={"acct.service": "active"})
    assert status(running, "TRP-LOG-003")[0] == "pass"
    plan_ = plan(assess(CATALOG, host(container=False), ctx()), host(container=False), ctx())
    assert "TRP-LOG-003" in plan_["enforce"] and "acct" in plan_["packages"]["other"]


def test_sysstat_installed_but_switched_off_fails():
    off = host(packages=["sysstat"], units={"sysstat.service": "active"}, config={"sysstat": {"ENABLED": "false"}})
    state, evidence = status(off, "TRP-LOG-004")
    assert state == "fail" and "ENABLED=false" in evidence
    on = host(packages=["sysstat"], units={"sysstat.service": "active"}, config={"sysstat": {"ENABLED": "true"}})
    assert status(on, "TRP-LOG-004")[0] == "pass"


def test_apt_listchanges_must_never_page_or_prompt():
    pager = host(packages=["apt-listchanges"], config={"listchanges": {"frontend": "pager", "confirm": "false"}})
    state, evidence = status(pager, "TRP-UPD-003")
    assert state == "fail" and "frontend=pager (interactive" in evidence
    prompting = host(packages=["apt-listchanges"], config={"listchanges": {"frontend": "text", "confirm": "true"}})
    assert "confirm=true" in status(prompting, "TRP-UPD-003")[1]
    text = host(packages=["apt-listchanges"], config={"listchanges": {"frontend": "text", "confirm": "false"}})
    assert status(text, "TRP-UPD-003") == ("pass", "frontend=text, confirm=false")


def test_the_low_disruption_baseline_of_srp_server_enforces_the_new_tooling_controls():
    facts = host(container=False, net_admin=True)
    enforced = set(plan(assess(CATALOG, facts, ctx()), facts, ctx())["enforce"])
    assert {"TRP-IDS-001", "TRP-LOG-003", "TRP-LOG-004", "TRP-UPD-003", "TRP-UPD-004"} <= enforced
    assert "apt-listbugs" not in json.dumps(plan(assess(CATALOG, facts, ctx()), facts, ctx()))


def test_the_probe_reads_the_effective_sshd_jail_and_who_owns_jail_local(tmp_path):
    files = {
        "etc/fail2ban/jail.conf": JAIL_CONF,
        "etc/fail2ban/jail.d/defaults-debian.conf": DEBIAN_DEFAULTS,
        "etc/fail2ban/jail.local": TRIPOD_JAIL,
        "etc/default/sysstat": '# comment\nENABLED="true"\n',
        "etc/apt/listchanges.conf": "[apt]\nfrontend=text\nconfirm=false\n",
        "etc/rsyslog.d/60-remote.conf": "*.* @@logs.example.org:6514\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    config = hp.HardeningProbe(root=str(tmp_path), systemd=False).config()
    assert config["fail2ban"] == {
        "sshd": {"bantime": "10m", "findtime": "10m", "maxretry": "5", "backend": "systemd", "enabled": "true",
                 "ignoreip": "127.0.0.1/8 ::1 192.0.2.10"},
        "jail_local": "tripod",
    }
    assert config["sysstat"] == {"ENABLED": "true"}
    assert config["listchanges"] == {"frontend": "text", "confirm": "false"}
    assert config["rsyslog_forward"] == [{"host": "logs.example.org", "port": "6514", "protocol": "tcp"}]
    (tmp_path / "etc/fail2ban/jail.local").write_text("[sshd]\nenabled = false\n")
    config = hp.HardeningProbe(root=str(tmp_path), systemd=False).config()
    assert config["fail2ban"]["jail_local"] == "other" and config["fail2ban"]["sshd"]["enabled"] == "false"


def test_remote_logging_applies_only_where_the_policy_names_a_log_host():
    assert status(host(), "TRP-LOG-005") == ("not_applicable", "the policy names no log host (hardening.log_host)")
    policy = copy.deepcopy(tier_policy("tier_srp_server"))
    policy["hardening"]["log_host"] = "logs.example.org:6514"
    assert status(host(), "TRP-LOG-005", policy=policy) == ("fail", "not installed: rsyslog")
    elsewhere = host(packages=["rsyslog"], units={"rsyslog.service": "active"},
                     config={"rsyslog_forward": [{"host": "logs.example.org", "port": "514", "protocol": "tcp"}]})
    state, evidence = status(elsewhere, "TRP-LOG-005", policy=policy)
    assert state == "fail" and "no rule forwards to logs.example.org:6514" in evidence
    good = host(packages=["rsyslog"], units={"rsyslog.service": "active"},
                config={"rsyslog_forward": [{"host": "logs.example.org", "port": "6514", "protocol": "tcp"}]})
    assert status(good, "TRP-LOG-005", policy=policy) == ("pass", "rsyslog forwards to logs.example.org:6514")
    params = plan(assess(CATALOG, host(), ctx(policy=policy)), host(), ctx(policy=policy))["params"]["TRP-LOG-005"]
    assert (params["host"], params["port"], params["packages"]) == ("logs.example.org", "6514", ["rsyslog", "logrotate"])


def test_a_log_host_that_is_not_a_host_is_refused_by_the_policy_schema():
    from tripod.policy.schema import SCHEMA

    field = SCHEMA["hardening"]["log_host"]
    assert field.extra("logs.example.org:514") is None and field.extra("[2001:db8::1]:514") is None
    assert "is not a host name" in field.extra("tcp://logs.example.org")


# Debian 12's aide.conf, shortened to the lines that define and use the checksum group.
AIDE_CONF = """# AIDE conf
@@x_include_setenv UPAC_settingsd /etc/aide/aide.settings.d
# explicitly here. H specifies that all checksums compiled in are used.
Checksums = H
database_attrs = Checksums
@@x_include /etc/aide/aide.conf.d ^[a-zA-Z0-9_-]+$
"""


def test_aide_checksums_must_be_named_where_aide_is_installed(tmp_path):
    assert status(host(), "TRP-FIM-004") == ("fail", "AIDE is not installed (TRP-FIM-001)")
    debian = host(packages=["aide"], config={"aide": {"checksums": "H"}})
    assert status(debian, "TRP-FIM-004") == ("fail", "Checksums = H does not name sha256, sha512")
    named = host(packages=["aide"], config={"aide": {"checksums": "sha256+sha512"}})
    assert status(named, "TRP-FIM-004") == ("pass", "Checksums = sha256+sha512")
    (tmp_path / "etc/aide/aide.conf.d").mkdir(parents=True)
    (tmp_path / "etc/aide/aide.conf").write_text(AIDE_CONF)
    (tmp_path / "etc/aide/aide.conf.d/31_aide_libvirt").write_text("@@if not defined X\n@@endif\n")
    assert hp.HardeningProbe(root=str(tmp_path), systemd=False).config()["aide"] == {"checksums": "H"}
    (tmp_path / "etc/aide/aide.conf.d/99_local").write_text("Checksums = sha512  # later files win\n")
    assert hp.HardeningProbe(root=str(tmp_path), systemd=False).config()["aide"] == {"checksums": "sha512"}
    facts = host(container=False, net_admin=True)
    enforced = plan(assess(CATALOG, facts, ctx()), facts, ctx())
    assert "TRP-FIM-004" in enforced["enforce"] and enforced["params"]["TRP-FIM-004"]["checksums"] == "sha256+sha512"
