"""Custom search attributes every case upserts, so admins can filter cases in the Temporal UI.

No personal data ever goes into a search attribute: they are indexed and shown to every admin.
The dev runner, `deploy/register-search-attributes.sh`, the worker's start-up check and the test
servers all read this one list; each attribute's type is its key's.
"""

from __future__ import annotations

from temporalio.common import SearchAttributeIndexedValueType, SearchAttributeKey

CASE_STAGE = SearchAttributeKey.for_keyword("CaseStage")
CASE_CATEGORY = SearchAttributeKey.for_keyword("CaseCategory")
CASE_ORG = SearchAttributeKey.for_keyword("CaseOrg")  # the (first) org that holds the case now
# Every org that holds it now: the lead unit and each co-department still working on it, so
# `CaseOrgs = 'dp-zhujian'` finds a case its lead unit shares. A new attribute rather than CaseOrg
# retyped: a registered attribute's type cannot change on SQL visibility, and saved CaseOrg filters
# keep working.
CASE_ORGS = SearchAttributeKey.for_keyword_list("CaseOrgs")
CASE_DUE_AT = SearchAttributeKey.for_datetime("CaseDueAt")
CASE_OVERDUE = SearchAttributeKey.for_bool("CaseOverdue")

ALL = (CASE_STAGE, CASE_CATEGORY, CASE_ORG, CASE_ORGS, CASE_DUE_AT, CASE_OVERDUE)

# As the operator service registers and lists them.
INDEXED_TYPES: dict[str, SearchAttributeIndexedValueType] = {key.name: key.indexed_value_type for key in ALL}


def _cli_type_name(kind: SearchAttributeIndexedValueType) -> str:
    """KEYWORD_LIST → KeywordList."""
    return "".join(word.title() for word in kind.name.split("_"))


# The names `temporal operator search-attribute create --type` and `start-dev --search-attribute` take.
CLI_TYPE_NAMES: dict[str, str] = {name: _cli_type_name(kind) for name, kind in INDEXED_TYPES.items()}
