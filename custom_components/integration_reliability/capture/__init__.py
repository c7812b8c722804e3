"""From Home Assistant's event bus to reliability records (SPEC.md §2), one concern a module.

`monitor` wires the event path; `attribution` says whose an entity is;
`outages` follows entity outages and blips; `spells` follows config entries
failing and being reloaded; `restore` reads back what was open before.
"""
