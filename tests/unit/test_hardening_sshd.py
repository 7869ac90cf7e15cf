"""sshd settings in one validated write: what a run sets, and how it merges into a file's text."""

from __future__ import annotations

from tripod.hardening.sshd import merge, settings, visible

DEBIAN_SSHD_CONFIG = """Include /etc/ssh/sshd_config.d/*.conf

#PermitRootLogin prohibit-password
KbdInteractiveAuthentication no
UsePAM yes
X11Forwarding yes
PrintMotd no
AcceptEnv LANG LC_*
Subsystem	sftp	/usr/lib/openssh/sftp-server

Match User anoncvs
	X11Forwarding no
	PermitTTY no
"""


def test_settings_are_those_of_the_enforced_controls_then_the_sites():
    plan = {"enforce": ["TRP-SSH-001", "TRP-PERM-005", "TRP-SSH-002", "TRP-SSH-020"],
            "params": {"TRP-SSH-001": {"sshd": {"PermitRootLogin": "no"}},
                       "TRP-SSH-002": {"sshd": {"PasswordAuthentication": "no", "KbdInteractiveAuthentication": "no"}},
                       "TRP-SSH-003": {"sshd": {"PermitEmptyPasswords": "no"}},  # not enforced
                       "TRP-SSH-020": {"sshd_allow_groups": True, "groups": ["tripod", "ops"]},
                       "TRP-PERM-005": {"mode": "o-rwx"}}}
    assert settings(plan, {"DenyUsers": "mallory"}) == {
        "PermitRootLogin": "no", "PasswordAuthentication": "no", "KbdInteractiveAuthentication": "no",
        "AllowGroups": "tripod ops", "DenyUsers": "mallory"}
    assert settings({"enforce": [], "params": {}}) == {}


def test_merge_sets_each_keyword_once_before_the_match_block_and_keeps_everything_else():
    wanted = {"PermitRootLogin": "no", "X11Forwarding": "no", "ClientAliveInterval": "300"}
    merged = merge(DEBIAN_SSHD_CONFIG, wanted, before_match=True, header="# Tripod hardening")
    lines = merged.splitlines()
    assert lines[0] == "Include /etc/ssh/sshd_config.d/*.conf"
    assert "#PermitRootLogin prohibit-password" in lines  # comments stay
    assert lines.count("X11Forwarding no") == 1 and "X11Forwarding yes" not in lines
    match = lines.index("Match User anoncvs")
    assert lines.index("PermitRootLogin no") < match and lines.index("ClientAliveInterval 300") < match
    assert lines[match + 1:] == ["\tX11Forwarding no", "\tPermitTTY no"]  # the Match block is untouched
    assert "Subsystem\tsftp\t/usr/lib/openssh/sftp-server" in lines and "UsePAM yes" in lines
    assert merge(merged, wanted, before_match=True, header="# Tripod hardening") == merged  # idempotent


def test_merge_into_an_empty_drop_in_and_duplicates_go():
    assert merge("", {"MaxAuthTries": "4"}) == "MaxAuthTries 4\n"
    text = "maxauthtries 6\nMaxAuthTries 5\nLogLevel INFO\n"
    assert merge(text, {"MaxAuthTries": "4"}) == "MaxAuthTries 4\nLogLevel INFO\n"


def test_sshd_config_shows_the_effective_values_of_the_passing_controls_and_the_enforced_ones():
    plan = {"status": {"TRP-SSH-003": "pass", "TRP-SSH-008": "pass", "TRP-SSH-005": "pass", "TRP-SSH-001": "waived"},
            "params": {"TRP-SSH-003": {"sshd": {"PermitEmptyPasswords": "no"}},
                       "TRP-SSH-008": {"sshd": {"ClientAliveInterval": "300", "ClientAliveCountMax": "2"}},
                       "TRP-SSH-005": {"sshd": {"X11Forwarding": "no"}},
                       "TRP-SSH-001": {"sshd": {"PermitRootLogin": "no"}}}}
    # sshd -T: the drop-in (read first) already says X11Forwarding no; sshd_config still says yes
    effective = {"permitemptypasswords": "no", "clientaliveinterval": "300", "clientalivecountmax": "2",
                 "x11forwarding": "no", "permitrootlogin": "without-password"}
    shown = visible(plan, effective)
    assert shown == {"PermitEmptyPasswords": "no", "ClientAliveInterval": "300", "ClientAliveCountMax": "2",
                     "X11Forwarding": "no"}  # the waived control is written nowhere
    merged = merge(DEBIAN_SSHD_CONFIG, {**shown, "MaxAuthTries": "3"}, before_match=True)
    head = merged.splitlines()[:merged.splitlines().index("Match User anoncvs")]
    assert {"PermitEmptyPasswords no", "ClientAliveInterval 300", "X11Forwarding no", "MaxAuthTries 3"} <= set(head)
    assert "X11Forwarding yes" not in head and "#PermitRootLogin prohibit-password" in head
