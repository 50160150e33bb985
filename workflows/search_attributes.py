"""Custom search attributes every case upserts, so admins can filter cases in the Temporal UI.

No personal data ever goes into a search attribute: they are indexed and shown to every admin.
The dev runner, `deploy/register-search-attributes.sh` and the worker's start-up check all read
this one list.
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

CASE_STAGE = SearchAttributeKey.for_keyword("CaseStage")
CASE_CATEGORY = SearchAttributeKey.for_keyword("CaseCategory")
CASE_ORG = SearchAttributeKey.for_keyword("CaseOrg")  # the org that holds the case now
CASE_DUE_AT = SearchAttributeKey.for_datetime("CaseDueAt")
CASE_OVERDUE = SearchAttributeKey.for_bool("CaseOverdue")

ALL = (CASE_STAGE, CASE_CATEGORY, CASE_ORG, CASE_DUE_AT, CASE_OVERDUE)

# The names `temporal operator search-attribute create --type` and `start-dev --search-attribute` take.
CLI_TYPE_NAMES: dict[str, str] = {
    "CaseStage": "Keyword",
    "CaseCategory": "Keyword",
    "CaseOrg": "Keyword",
    "CaseDueAt": "Datetime",
    "CaseOverdue": "Bool",
}
