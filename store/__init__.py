"""The SQL read model: directory (orgs, users), case projections, inbox items, calendar overrides."""
