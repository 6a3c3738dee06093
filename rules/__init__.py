"""The rule catalogue: one file per rule, named after its code (b001_backup_dump_not_restored.py).

Files starting with `_` hold shared helpers and knowledge tables, not rules.
"""
