"""Background jobs (issue 15): long work an officer starts from a page and watches there, each one
workflow: a ledger import (`ledger_import`) and a rebuild of the read model (`rebuild`)."""
