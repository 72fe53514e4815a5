"""Lambda's size limits for zip packages (FIDELITY 6.1), in bytes."""

UNZIPPED_LIMIT = 262_144_000
"""A function's unzipped code including its layers: 250 MB."""
ZIPPED_DIRECT_LIMIT = 52_428_800
"""A zip uploaded directly: 50 MB (larger ones go through S3, which deploy always uses)."""
CODE_ALLOWANCE = 5 * 1024 * 1024
"""Room kept for a function's own code when deciding how much bytecode dependencies can take."""
