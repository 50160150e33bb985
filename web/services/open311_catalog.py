"""The district's Open311 services (GeoReport v2 "service types") and their definitions.

Each service is declared once here: its code, the words a client shows, and the category (诉求类别)
the case is filed under until the community triages it (报单 decides the category for good; "其他"
leaves it to the community from the start). Every service has one attribute, `community`: the
village or community (村/社区) the problem is in, a required single-value list of the district's
communities, because a case must name the community whose inbox it goes to and the district
cannot tell that from a point or an address.
"""

from __future__ import annotations

from dataclasses import dataclass

from web.i18n import label
from web.i18n.open311_text import OPEN311_TEXT
from web.services.open311_format import Row
from web.services.registration import StreetCommunities
from workflows.types import Category

COMMUNITY = "community"  # the attribute every service asks for: attribute[community]=<org id>


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    description: str
    keywords: str
    category: Category | None  # None: the community decides at triage

    @property
    def group(self) -> str:
        return label("category", self.category) if self.category else OPEN311_TEXT["group_other"]


SERVICES = (
    Service(
        "streetlight", "路灯不亮", "路灯损坏、不亮或白天常亮。", "路灯,照明,灯不亮", Category.INFRASTRUCTURE
    ),
    Service(
        "road",
        "道路、井盖损坏",
        "路面坑洼、井盖缺失或松动、人行道与护栏损坏。",
        "道路,坑洼,井盖,人行道,护栏",
        Category.INFRASTRUCTURE,
    ),
    Service(
        "water",
        "供水排水",
        "停水、水管漏水、下水道堵塞、路面积水。",
        "停水,漏水,下水道,积水,排水",
        Category.INFRASTRUCTURE,
    ),
    Service(
        "garbage",
        "垃圾清运",
        "垃圾桶满溢、垃圾未及时清运、建筑垃圾乱堆乱放。",
        "垃圾,清运,环卫,乱堆",
        Category.ENVIRONMENT,
    ),
    Service(
        "pollution",
        "噪声与污染",
        "施工或夜间噪声、餐饮油烟、污水直排、露天焚烧。",
        "噪声,噪音,油烟,污水,焚烧,污染",
        Category.ENVIRONMENT,
    ),
    Service(
        "livelihood",
        "民生保障",
        "低保救助、养老、医疗、就业、入学等民生诉求。",
        "低保,养老,医疗,就业,入学,救助",
        Category.LIVELIHOOD,
    ),
    Service(
        "dispute",
        "矛盾纠纷",
        "邻里、物业、租赁、劳资等矛盾纠纷，需要调解。",
        "邻里,物业,租赁,欠薪,调解,纠纷",
        Category.DISPUTE,
    ),
    Service("other", "其他诉求", "不属于以上类型的诉求，由社区研判分类。", "其他", None),
)
BY_CODE = {s.code: s for s in SERVICES}


def service_list() -> list[Row]:
    """GET Service List: every service; `metadata` true, since each asks for its community."""
    return [
        {
            "service_code": s.code,
            "service_name": s.name,
            "description": s.description,
            "metadata": True,
            "type": "realtime",  # the case code is the service_request_id, returned at once
            "keywords": s.keywords,
            "group": s.group,
        }
        for s in SERVICES
    ]


def definition(service: Service, groups: list[StreetCommunities]) -> Row:
    """GET Service Definition: the `community` attribute with the communities residents may choose."""
    values: list[Row] = [
        {"key": community_id, "name": f"{g.street_name} {name}"}
        for g in groups
        for community_id, name in g.communities
    ]
    attribute: Row = {
        "variable": True,
        "code": COMMUNITY,
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": OPEN311_TEXT["community_datatype"],
        "order": 1,
        "description": OPEN311_TEXT["community_description"],
        "values": values,
    }
    return {"service_code": service.code, "attributes": [attribute]}
