"""Who may see a petition, and who may see who brought it: one place for the page, the lists, the
documents and the API.

- The registering bureau (its clerks and head) and admins see every petition they hold.
- The unit it was transferred to sees it from the transfer on; the bodies asked to decide 复查 and
  复核 see it from the request on.
- 检举控告 (《信访工作条例》第二十条): the accused unit never sees the matter (it can never be
  transferred there, and it is no viewer here even if an admin set it as the handler by hand), and
  the petitioner's identity is shown only to the bureau, the discipline body and admins.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, false, or_, true

from store.petitions import Petition
from workflows.petition.types import MatterType
from workflows.types import Role

DESK_ROLES = (Role.PETITION_CLERK.value, Role.PETITION_HEAD.value)
# Roles that may be an officer of a handling unit, or of a body deciding 复查 / 复核.
UNIT_ROLES = (Role.DEPARTMENT.value, Role.STREET.value, Role.DISCIPLINE.value, Role.UNIT_HEAD.value)
ALL_ROLES = (*DESK_ROLES, *UNIT_ROLES, Role.REVIEWER.value, Role.ADMIN.value)
# The district-wide figures (counts and rates, no petitioner's data): the bureau, its overseers, admins.
FIGURES_ROLES = (*DESK_ROLES, Role.LEADER.value, Role.SUPERVISION.value, Role.ADMIN.value)


def may_see(p: Petition, role: str, org_id: str) -> bool:
    if p.matter_type == MatterType.ACCUSATION and p.accused_org_id and org_id == p.accused_org_id:
        return role == Role.ADMIN.value
    if role == Role.ADMIN.value:
        return True
    if role in DESK_ROLES:
        return org_id == p.bureau_org_id
    if role in UNIT_ROLES:
        return bool(p.handling_org_id) and org_id == p.handling_org_id
    if role == Role.REVIEWER.value:
        return org_id in {p.review_org_id, p.recheck_org_id} - {""}
    return False


def sees_identity(p: Petition, role: str, org_id: str) -> bool:
    """Whether this viewer sees the petitioner's name and contact (检举控告 keeps them confidential)."""
    if p.matter_type != MatterType.ACCUSATION:
        return may_see(p, role, org_id)
    return role in (*DESK_ROLES, Role.ADMIN.value, Role.DISCIPLINE.value) and may_see(p, role, org_id)


def visible(role: str, org_id: str) -> Any:
    """`may_see` as an SQL condition on `petitions`, for lists and counts."""
    col = Petition.__table__.c  # type: ignore[attr-defined]
    not_accused = or_(col.matter_type != MatterType.ACCUSATION.value, col.accused_org_id != org_id)
    if role == Role.ADMIN.value:
        return true()
    if role in DESK_ROLES:
        return and_(col.bureau_org_id == org_id, not_accused)
    if role in UNIT_ROLES:
        return and_(col.handling_org_id == org_id, not_accused)
    if role == Role.REVIEWER.value:
        return and_(or_(col.review_org_id == org_id, col.recheck_org_id == org_id), not_accused)
    return false()
