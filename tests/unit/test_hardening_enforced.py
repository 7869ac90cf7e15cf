from tripod.hardening.enforced import enforced_items


def test_enforced_items_name_their_control_for_one_looped_task():
    plan = {"enforce": ["TRP-SYSCTL-013", "TRP-SSH-001"],
            "params": {"TRP-SYSCTL-013": {"sysctl": {"net.ipv4.conf.all.accept_redirects": 0,
                                                     "net.ipv4.conf.default.accept_redirects": 0}},
                       "TRP-SYSCTL-001": {"sysctl": {"kernel.randomize_va_space": 2}},  # not enforced
                       "TRP-SSH-001": {"sshd": {"PermitRootLogin": "no"}}}}
    assert enforced_items(plan, "sysctl") == [
        {"id": "TRP-SYSCTL-013", "key": "net.ipv4.conf.all.accept_redirects", "value": "0"},
        {"id": "TRP-SYSCTL-013", "key": "net.ipv4.conf.default.accept_redirects", "value": "0"}]
    plan = {"enforce": ["TRP-MOD-002", "TRP-MOD-004"],
            "params": {"TRP-MOD-002": {"modules": ["usb-storage"]}, "TRP-MOD-004": {"modules": ["firewire-core"]}}}
    assert enforced_items(plan, "modules") == [{"id": "TRP-MOD-002", "key": "usb-storage", "value": ""},
                                               {"id": "TRP-MOD-004", "key": "firewire-core", "value": ""}]
