"""The case state machine: one Temporal workflow per case, its payload types, roles, stages and policies."""
