"""`tripod run harden` over real SSH, as a new user would: what only real SSH, the CLI and the evidence store show.

One Debian 12 fleet container (systemd, sshd, the management user `tripod` with a key and sudo),
with CAP_NET_ADMIN and its own writable /proc/sys/net (hardening_fleet.py), shared by the tests
below, which run in order. The role's own converge, idempotence and the settings in effect (sshd -T,
sysctl, nftables, PAM, no failed unit and no compiler after enforce) are the molecule scenario's
(roles/hardening/molecule, Debian 12 and 13); they are not tested again here.

1. `--check --tags` lists the failing controls, records them, records as "would apply" only the
   controls its tags select, and changes nothing on the host;
2. with the host's policy saying `areas.hardening.mode: audit`, `tripod run harden` changes
   nothing; with `-e tripod_force_mode=enforce` it fixes them, prints the override and records it;
   the management user logs in over SSH with its key and uses sudo afterwards (root logins and
   passwords are now refused, and AllowGroups names the policy's group and keeps the management
   user's own), /etc/ssh/sshd_config shows the effective settings; the evidence
   holds the waived control as `waived` with its reference, the expired one as `fail` plus
   TRP-WAIVER-001;
3. fail2ban ignores the address the management connection really comes from: a failed SSH login
   from it is seen and ignored, and the key login still works;
4. a day of real life: the services of the timers hardening added are started (Debian's
   chkrootkit-daily too), no unit fails (`systemctl is-system-running` is `running`), and the
   next run, as the tier's policy says (enforce), changes nothing and records no override;
5. a change that locks the management user out (DenyUsers) is rolled back by the armed timer and
   the run fails loudly; SSH works afterwards;
6. a malformed waivers file stops the host before any change, naming the file and the entry.
"""

from __future__ import annotations

import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from tests.fleet import fleet as fleet_lib
from tests.fleet.harness import Fleet
from tests.integration.hardening_fleet import NETWORK_ADMIN_ARGS, open_network_sysctls
from tests.integration.helpers import tripod

pytestmark = pytest.mark.containers

HOST = "hardening-ssh12"
# What a run may change: configuration, packages, and the management user's home.
CHECKSUM = (
    "find /etc /usr /var/lib/dpkg /home -xdev -type f -printf '%p %m %U %G\\n' | sort > /tmp/.meta && "
    "find /etc /usr /var/lib/dpkg /home -xdev -type f ! -path '/home/tripod/.ansible/*' -print0 | sort -z "
    "| xargs -0 sha256sum | cat /tmp/.meta - | grep -v '/home/tripod/.ansible/' | sha256sum"
)


def waivers(today: date) -> dict:
    return {"waivers": [
        {"control": "TRP-SSH-006", "scope": {"host": HOST}, "owner": "ops@example.org", "ticket": "OPS-42",
         "justification": "This host is the client's SSH jump host.", "expires": (today + timedelta(days=90)).isoformat()},
        {"control": "TRP-SSH-022", "scope": {"group": "tier_srp_server"}, "owner": "ops@example.org", "ticket": "OPS-7",
         "justification": "Slow satellite link.", "expires": (today - timedelta(days=1)).isoformat()},
    ]}


@pytest.fixture(scope="module")
def hardened_host(fleet_images, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("hardening-fleet")
    fleet = Fleet(workdir)
    try:
        fleet.up(HOST, release="12", podman_args=NETWORK_ADMIN_ARGS)
        open_network_sysctls(HOST)
        inventory_dir = workdir / "client"
        inventory_dir.mkdir()
        # AIDE's first configuration build takes minutes on a busy machine; the Lynis benchmark covers it.
        # The client opts in to the medium-disruption controls (the tier enforces the low ones only) and
        # to an SSH allow list that does not name the management user's group (Tripod keeps it).
        policy = {"hardening": {"max_disruption": "medium", "ssh_allow_groups": ["acme-admins"]}}
        inventory = fleet.inventory(groups={HOST: ["tier_srp_server"]},
                                    group_vars={"all": {"tripod_client": "hardening-test", "tripod_client_policy": policy,
                                                        "hardening_disabled_controls": ["TRP-FIM-001", "TRP-FIM-002",
                                                                                        "TRP-FIM-004"]}},
                                    path=inventory_dir / "hosts.yml")
        (inventory_dir / "waivers.yml").write_text(yaml.safe_dump(waivers(date.today())), encoding="utf-8")
        yield fleet, inventory, workdir / "data"
    finally:
        fleet.down()


def checksum() -> str:
    return fleet_lib.podman("exec", HOST, "sh", "-c", CHECKSUM).stdout.strip()


def ssh(*command: str) -> subprocess.CompletedProcess[str]:
    node = fleet_lib.node(HOST)
    return subprocess.run(node.ssh_command(fleet_lib.ssh_key(), *command), capture_output=True, text=True,
                          timeout=60, env=fleet_lib.podman_env(), check=False)


def run_actions(data_dir: Path, run_id: str) -> list:
    from tripod.store import EvidenceStore

    with EvidenceStore(data_dir / "evidence.sqlite") as store:
        return [a for a in store.run_actions(run_id) if a.area == "hardening" and a.host == HOST]


def findings(data_dir: Path, run_id: str | None = None) -> dict[str, dict]:
    from tripod.store import EvidenceStore

    with EvidenceStore(data_dir / "evidence.sqlite") as store:
        rows = [f for f in store.findings("hardening-test", date.today().strftime("%Y-%m"))
                if f.area == "hardening" and f.host == HOST]
    latest = run_id or max(rows, key=lambda f: f.time or "").run_id
    return {f.check_id: f for f in rows if f.run_id == latest}


def waiver_ref(finding) -> str:
    """The waiver's reference: structured waivers carry it as `id`, older findings as the string."""
    return str(getattr(finding.waiver, "id", finding.waiver) or "")


def changed_count(stdout: str) -> int:
    for line in stdout.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if cells and cells[0] == HOST:
            return int(cells[3])
    raise AssertionError(f"no summary row for {HOST}:\n{stdout[-3000:]}")


def test_check_mode_lists_the_failing_controls_and_changes_nothing(hardened_host):
    _, inventory, data_dir = hardened_host
    before = checksum()
    result = tripod("run", "harden", "-i", str(inventory), "--check", "--tags", "TRP-SSH-001,TRP-SSH-004",
                    data_dir=data_dir)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr
    assert checksum() == before, "a dry run changed files on the host"
    dry = findings(data_dir)
    assert dry["TRP-SSH-001"].status == "fail" and "permitrootlogin without-password" in dry["TRP-SSH-001"].evidence
    assert dry["TRP-FW-001"].status == "fail" and "not selected by this run's --tags" in dry["TRP-FW-001"].evidence
    planned = sorted(a.detail.split()[0] for a in run_actions(data_dir, dry["TRP-SSH-001"].run_id))
    assert planned == ["TRP-SSH-001", "TRP-SSH-004"], planned


AUDIT_POLICY = '{"tripod_host_policy": {"areas": {"hardening": {"mode": "audit"}}}}'


def test_enforce_fixes_them_and_the_management_user_still_logs_in(hardened_host):
    _, inventory, data_dir = hardened_host
    before = checksum()
    obeyed = tripod("run", "harden", "-i", str(inventory), "-e", AUDIT_POLICY, data_dir=data_dir)
    assert obeyed.returncode == 0, obeyed.stdout[-4000:] + obeyed.stderr
    assert checksum() == before, "tripod run harden changed a host whose policy says audit"
    assert "not enforced: audit mode" in findings(data_dir)["TRP-SSH-001"].evidence
    result = tripod("run", "harden", "-i", str(inventory), "-e", AUDIT_POLICY, "-e", "tripod_force_mode=enforce",
                    data_dir=data_dir)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr
    assert f"Hardening: OVERRIDE on {HOST}: mode enforce forced by tripod_force_mode=enforce" in result.stdout
    overrides = [a for a in run_actions(data_dir, findings(data_dir)["TRP-SSH-001"].run_id) if a.kind == "mode_override"]
    assert len(overrides) == 1 and "areas.hardening.mode: audit" in overrides[0].detail
    login = ssh("sudo", "-n", "/usr/sbin/sshd", "-T")
    assert login.returncode == 0, login.stderr
    assert "permitrootlogin no" in login.stdout and "passwordauthentication no" in login.stdout
    allowed = [line.split()[1] for line in login.stdout.splitlines() if line.startswith("allowgroups ")]
    # sshd adds up AllowGroups from the drop-in and its mirror in sshd_config: the same list twice
    assert list(dict.fromkeys(allowed)) == ["acme-admins", "tripod"], f"the management group must be kept: {allowed}"
    # A scanner that reads only sshd_config sees the effective settings too (the drop-in decides)
    shown = in_host("grep -E '^(PermitRootLogin|PermitEmptyPasswords|ClientAliveInterval) ' /etc/ssh/sshd_config")
    assert sorted(shown.stdout.splitlines()) == ["ClientAliveInterval 300", "PermitEmptyPasswords no",
                                                 "PermitRootLogin no"], shown.stdout
    limits = ssh("grep '^Max core file size' /proc/self/limits").stdout.split()  # one remote shell command
    assert limits[4:6] == ["0", "0"], f"pam_limits applies to SSH sessions: {limits}"
    after = findings(data_dir)
    assert after["TRP-SSH-001"].status == "pass" and after["TRP-SYSCTL-013"].status == "pass"
    assert after["TRP-SSH-020"].status == "pass"
    assert after["TRP-SSH-006"].status == "waived" and waiver_ref(after["TRP-SSH-006"]).startswith("OPS-42")
    assert after["TRP-SSH-022"].status == "fail" and waiver_ref(after["TRP-SSH-022"]).startswith("OPS-7")
    assert after["TRP-WAIVER-001"].status == "fail" and "TRP-SSH-022 (OPS-7" in after["TRP-WAIVER-001"].evidence
    # Which controls still fail after enforce is the molecule scenario's verify; here, their evidence
    assert "remediation is manual" in after["TRP-UPD-002"].evidence
    assert "not enforced: disruption high" in after["TRP-SYSCTL-010"].evidence
    assert "allowtcpforwarding yes" in login.stdout, "the waived control was not enforced"


# The services of the timers hardening added, as a day of real life would start them.
TIMER_SERVICES = ("tripod-rootkit-scan.service", "chkrootkit.service", "dailyaidecheck.service",
                  "sysstat-collect.service", "sysstat-summary.service", "apt-show-versions.service",
                  "logrotate.service")


def in_host(command: str) -> subprocess.CompletedProcess[str]:
    return fleet_lib.podman("exec", HOST, "sh", "-c", command, check=False)


def test_fail2ban_sees_a_failed_login_from_the_management_source_and_never_bans_it(hardened_host):
    source = ssh("echo $SSH_CONNECTION").stdout.split()[0]
    assert source in in_host("fail2ban-client get sshd ignoreip").stdout
    node = fleet_lib.node(HOST)
    stranger = node.ssh_command(fleet_lib.ssh_key(), "true")
    stranger[stranger.index(f"{fleet_lib.USER}@127.0.0.1")] = "nosuchuser@127.0.0.1"
    for _ in range(6):  # more than the jail's maxretry
        subprocess.run(stranger, capture_output=True, timeout=60, env=fleet_lib.podman_env(), check=False)
    seen = ""
    for _ in range(20):
        seen = in_host(f"grep -F '[sshd] Ignore {source} by ip' /var/log/fail2ban.log").stdout
        if seen:
            break
        time.sleep(1)
    assert seen, in_host("tail -20 /var/log/fail2ban.log").stdout
    assert "Currently banned:\t0" in in_host("fail2ban-client status sshd").stdout
    assert ssh("sudo", "-n", "true").returncode == 0


def test_no_failed_unit_and_the_next_run_changes_nothing_after_the_timers_ran(hardened_host):
    _, inventory, data_dir = hardened_host
    for service in TIMER_SERVICES:
        timer = service.replace(".service", ".timer")
        # the enabled timers' services, and Debian's chkrootkit-daily by hand (its timer is off)
        if in_host(f"systemctl is-enabled --quiet {timer}").returncode == 0 or service == "chkrootkit.service":
            started = in_host(f"systemctl start {service}")
            assert started.returncode == 0, f"{service}: {started.stderr}"
    state = in_host("systemctl is-system-running; systemctl --failed --no-legend --plain")
    assert state.stdout.split()[:1] == ["running"], state.stdout
    result = tripod("run", "harden", "-i", str(inventory), data_dir=data_dir)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr
    assert changed_count(result.stdout) == 0, result.stdout[-4000:]
    assert "OVERRIDE" not in result.stdout


def test_a_change_that_locks_the_management_user_out_is_rolled_back(hardened_host):
    _, inventory, data_dir = hardened_host
    result = tripod("run", "harden", "-i", str(inventory), "-e",
                    '{"hardening_sshd_extra_settings": {"DenyUsers": "tripod"}, "hardening_rollback_seconds": 20}',
                    data_dir=data_dir)
    assert result.returncode == 1, result.stdout[-4000:]
    assert "The armed rollback restored the previous" in result.stdout + result.stderr
    login = ssh("true")
    assert login.returncode == 0, f"locked out after the rollback: {login.stderr}"
    dropin = ssh("sudo", "-n", "cat", "/etc/ssh/sshd_config.d/00-tripod-hardening.conf").stdout
    assert "DenyUsers" not in dropin and "PermitRootLogin no" in dropin


def test_a_malformed_waivers_file_stops_the_host_before_any_change(hardened_host):
    _, inventory, data_dir = hardened_host
    path = inventory.parent / "waivers.yml"
    broken = waivers(date.today())
    broken["waivers"][1]["expires"] = "next spring"
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    try:
        validate = tripod("validate", "-i", str(inventory), data_dir=data_dir)
        assert validate.returncode == 2
        assert f"{path}: waivers[1].expires: 'next spring' is not a date (YYYY-MM-DD)" in validate.stdout
        before = checksum()
        result = tripod("run", "harden", "-i", str(inventory), data_dir=data_dir)
        assert result.returncode == 1
        assert "invalid hardening input, nothing was changed" in result.stdout + result.stderr
        assert checksum() == before
    finally:
        path.write_text(yaml.safe_dump(waivers(date.today())), encoding="utf-8")
