"""Lockout safeguards: conditions under which a control must not be enforced on this host.

Each guard looks at the management connection (who Tripod logs in as, and how) and returns
the reason to hold the control back, or None. A held control stays `fail` with the reason in
its evidence; nothing is changed for it. The role adds run-time safeguards on top (sshd -t,
visudo -c, an armed automatic rollback, reconnecting after the change).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

Guard = Callable[[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]], "str | None"]
GUARDS: dict[str, Guard] = {}
SSH_CONNECTIONS = ("ssh", "paramiko", "paramiko_ssh", "ansible.builtin.ssh", "ansible.legacy.ssh",
                   "ansible.netcommon.libssh")
WINRM_CONNECTIONS = ("winrm", "psrp", "ansible.builtin.winrm", "ansible.builtin.psrp")


def guard(name: str) -> Callable[[Guard], Guard]:
    def register(func: Guard) -> Guard:
        GUARDS[name] = func
        return func
    return register


def over_ssh(management: Mapping[str, Any]) -> bool:
    return str(management.get("connection") or "") in SSH_CONNECTIONS


def allowed_ssh_groups(policy: Mapping[str, Any], management: Mapping[str, Any]) -> list[str]:
    """AllowGroups for TRP-SSH-020: the policy's hardening.ssh_allow_groups and, over SSH, the management
    user's primary group, always kept so that the allow list can never lock Tripod out; [] without a list."""
    groups = [str(g) for g in (policy.get("hardening") or {}).get("ssh_allow_groups") or []]
    own = str(management.get("group") or "")
    if groups and own and over_ssh(management) and own not in groups:
        groups.append(own)
    return groups


def over_winrm(management: Mapping[str, Any]) -> bool:
    return str(management.get("connection") or "") in WINRM_CONNECTIONS


def check_guards(names: tuple[str, ...], management: Mapping[str, Any], facts: Mapping[str, Any],
                 policy: Mapping[str, Any]) -> str | None:
    """The first guard's reason to hold the control, or None when every guard allows it."""
    for name in names:
        func = GUARDS.get(name)
        if func is None:
            return f"unknown safeguard {name!r}: not enforced"
        reason = func(management, facts, policy)
        if reason:
            return reason
    return None


@guard("management_user_not_root")
def _not_root(management, facts, policy):
    if over_ssh(management) and management.get("user") == "root":
        return "the management connection logs in as root; disabling root logins would lock Tripod out"
    return None


@guard("management_uses_key")
def _uses_key(management, facts, policy):
    if not over_ssh(management):
        return None
    if management.get("uses_password"):
        return "the management connection authenticates with a password; it must use a key first"
    if not management.get("key_files"):
        return (f"no authorized key found for the management user {management.get('user') or '?'}; "
                "disabling passwords could lock Tripod out")
    return None


@guard("management_in_allowed_groups")
def _in_allowed_groups(management, facts, policy):
    allowed = set((policy.get("hardening") or {}).get("ssh_allow_groups") or [])
    if not allowed or not over_ssh(management) or management.get("group"):
        return None  # no list, not over SSH, or the management user's primary group is kept in it
    groups = set(management.get("groups") or [])
    if not groups:
        return "the management user's groups are unknown; AllowGroups could lock Tripod out"
    if not groups & allowed:
        return (f"the management user {management.get('user')}'s primary group is unknown and it is in none "
                f"of the allowed groups ({', '.join(sorted(allowed))}); add it to one first")
    return None


@guard("management_group_known")
def _group_known(management, facts, policy):
    if not management.get("group"):
        return "the management user's primary group is unknown; faillock could not exempt it"
    return None


@guard("firewall_management_port")
def _management_port(management, facts, policy):
    installed = ((facts.get("hardening") or {}).get("packages") or {}).get("installed") or {}
    other = [tool for tool in ("ufw", "firewalld") if tool in installed]
    if other:
        return f"{other[0]} is installed but inactive: enable it instead (Tripod writes nftables rules only)"
    if over_ssh(management) and not management.get("server_port"):
        return "the management SSH port on the host is unknown; a firewall could close it"
    return None


@guard("management_path_rules")
def _path_rules(management, facts, policy):
    if over_winrm(management) and not management.get("port"):
        return "the WinRM port is unknown; the firewall could close the management path"
    return None


@guard("management_not_builtin_administrator")
def _not_builtin_admin(management, facts, policy):
    user = str(management.get("user") or "").lower().rsplit("\\", maxsplit=1)[-1]
    if over_winrm(management) and user == "administrator":
        return "the management connection uses the built-in Administrator, which would lose remote admin rights"
    return None


@guard("management_winrm_not_basic")
def _winrm_not_basic(management, facts, policy):
    if over_winrm(management) and str(management.get("winrm_transport") or "").lower() == "basic":
        return "the management connection uses WinRM Basic authentication; switch it to NTLM, Kerberos or certificates first"
    return None


@guard("management_winrm_encrypted")
def _winrm_encrypted(management, facts, policy):
    if not over_winrm(management):
        return None
    scheme = str(management.get("winrm_scheme") or "https").lower()
    transport = str(management.get("winrm_transport") or "").lower()
    if scheme == "http" and transport not in ("ntlm", "kerberos", "credssp"):
        return "the management connection is unencrypted WinRM over HTTP; move it to HTTPS first"
    return None
