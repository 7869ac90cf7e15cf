"""Network devices (Incident Support Tier 3): running-config backup, drift, configuration checks
and firmware support status, for every platform in `platforms.PLATFORMS` (docs/network.md).

Everything here is controller-side and pure: the network role fetches the device's outputs over
ansible.netcommon.network_cli, and `assess.assess()` turns them into findings and actions.
"""
