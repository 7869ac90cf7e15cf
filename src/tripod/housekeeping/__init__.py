"""Housekeeping on the controller: plan the steps from a host's survey and policy, then turn
what each step did into actions (kind `space_reclaimed`, with the bytes) for the evidence store.

The host-side parts are the modules `tripod.maintenance.housekeeping_facts` (measure) and
`tripod.maintenance.clean_files` (delete old files); kernel selection is in the collection's
`plugins/module_utils/tripod_kernels.py`, next to the version ordering it relies on.
"""
