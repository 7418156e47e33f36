"""Selection and EIA-category reasons as values: a code, typed values, and one zh and one en template.

Every reason the selection rules (:mod:`standards.select`) and the EIA classifier
(:mod:`standards.eia_category`) give is a :class:`Reason`. It *is* its English sentence (a ``str``), so
code that prints or searches reasons keeps working, and it carries ``code`` and ``values`` so that a
report can render it in Chinese (``reason.zh``) or a JSON consumer can read it without parsing text.
The templates below are the only place a reason is worded; a reason code not in :data:`TEMPLATES` is
refused on construction.

Values are language-free: ids, numbers, dates, standard numbers, clause numbers, lists of these, and
printed text (the standards' own Chinese). Where a value has an English and a Chinese form (a printed
condition and its translation) it is a :class:`Bilingual`. Some values are words of a small
vocabulary (a route, a WWTP kind): templates render them through :data:`TERMS` with ``{name:term}``.

Examples
--------
>>> r = Reason("GB8978_GRADE_3", clause="4.1.3")
>>> str(r)
'GB 8978-1996 4.1.3: discharge into a sewer ending in a secondary WWTP takes grade 3'
>>> r.zh
'GB 8978-1996 4.1.3：排入设置二级污水处理厂的城镇排水系统的污水，执行三级标准'
>>> r.code, dict(r.values)
('GB8978_GRADE_3', {'clause': '4.1.3'})
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Bilingual", "Reason", "TEMPLATES", "TERMS", "render", "reason_json"]

Lang = Literal["en", "zh"]


@dataclass(frozen=True)
class Bilingual:
    """A value printed in Chinese with its English reading (a printed condition, a clause text)."""

    zh: str
    en: str

    def __str__(self) -> str:
        return self.en


TERMS: dict[str, tuple[str, str]] = {
    # (en, zh)
    "direct": ("direct", "直接排放"),
    "indirect": ("indirect", "间接排放"),
    "park": ("park", "园区"),
    "town": ("town", "城镇"),
    "river": ("river", "河流"),
    "lake": ("lake", "湖泊"),
    "reservoir": ("reservoir", "水库"),
    "sea": ("sea", "海域"),
    "new": ("new", "新建"),
    "existing": ("existing", "现有"),
    "production": ("production (生产)", "生产"),
    "use": ("use (使用)", "使用"),
    "coal": ("coal", "燃煤"),
    "oil": ("oil", "燃油"),
    "gas": ("gas", "燃气"),
}


# code: (en, zh). Placeholders name values; ``:term`` looks a value up in TERMS, ``:list`` joins a list,
# ``:g`` formats a number compactly.
TEMPLATES: dict[str, tuple[str, str]] = {
    # --- route and the receiving WWTP -------------------------------------------------------------
    "ROUTE_DIRECT": ("route direct: discharge to surface water",
                     "直接排放：排入地表水体"),
    "ROUTE_INDIRECT_PARK_WWTP": ("route indirect: discharge to the park's centralised WWTP ({wwtp})",
                                 "间接排放：排入园区集中污水处理厂（{wwtp}）"),
    "ROUTE_INDIRECT_TOWN_WWTP": (
        "route indirect: discharge to a town WWTP ({wwtp}), not a park WWTP; where a standard holds discharge into a "
        "town WWTP or town sewer to its direct limits, the reason below names the note",
        "间接排放：排入城镇污水处理厂（{wwtp}），非园区污水处理厂；标准规定进入城镇污水处理厂或经由城镇污水管线排放"
        "应达到直接排放限值的，下文注明所依据的表注"),
    "ROUTE_INDIRECT_NO_WWTP": (
        "route indirect, but {park} has no WWTP in the catalogue: the sewer ends in no treatment plant, so the "
        "discharge is held to the limits for the water the sewer drains to ({receiving})",
        "间接排放，但目录中{park}没有污水处理厂：排水系统未设污水处理厂，按排水系统出水受纳水域（{receiving}）执行"),
    "ROUTE_INDIRECT_BELOW_SECONDARY": (
        "route indirect: {wwtp} is held to GB 18918-2002 class {effluent_class}, the class of enhanced primary "
        "treatment (4.1.2.4), not a secondary WWTP",
        "间接排放：{wwtp}执行GB 18918-2002 {effluent_class}级标准，即一级强化处理（4.1.2.4），不是二级污水处理厂"),
    "ROUTE_INDIRECT_UNKNOWN_WWTP": (
        "route indirect: the site is in no park of the catalogue, so where the sewer ends is not known; taken as a "
        "secondary WWTP: check",
        "间接排放：项目不在目录的任何园区内，排水系统的去向不明；按设置二级污水处理厂考虑，请核实"),
    "NOT_PUBLIC_SYSTEM": (
        "{standard} {clause}: a 公共污水处理系统 (public treatment system) must treat to secondary level or "
        "better; {why}, so the discharge is not 间接排放 under it and its direct limits apply",
        "{standard} {clause}：公共污水处理系统的废水处理程度应达到二级或二级以上；{why_zh}，不属于其间接排放，执行直接排放限值"),
    # --- enterprise: new or existing ---------------------------------------------------------------
    "ENTERPRISE_PROPOSED": (
        "no EIA approval date given: a proposed project, held to the limits for new enterprises ({standard}, "
        "in force from {effective})",
        "未给出环评批复日期：拟建项目，执行新建企业限值（{standard}，{effective}起实施）"),
    "ENTERPRISE_NEW": (
        "EIA approved {approved}, on or after {effective}: a new enterprise under {standard} ({clause})",
        "环评于{approved}批复，在{effective}或之后：{standard}所称新建企业（{clause}）"),
    "ENTERPRISE_EXISTING": (
        "EIA approved {approved}, before {effective}: an existing enterprise under {standard} ({clause})",
        "环评于{approved}批复，早于{effective}：{standard}所称现有企业（{clause}）"),
    # --- which standard ---------------------------------------------------------------------------
    "INDUSTRY_STANDARD_APPLIES": (
        "{standard} covers {industry} ({codes:list}) and lists {pollutant}: it applies in place of {integrated}",
        "{standard}适用于{industry}（{codes:list}）并规定了{pollutant}：执行该行业标准，不执行{integrated}"),
    "INDUSTRY_STANDARD_BY_PROCESS": (
        "{standard} applies by activity ({clause}): the project declares {processes:list}, although its code "
        "{industry} is not one the standard is mapped to",
        "{standard}按生产活动适用（{clause}）：项目申报了{processes:list}工序，尽管其行业代码{industry}不在该标准对应的行业代码内"),
    "INDUSTRY_CODE_WITHOUT_PROCESS": (
        "{industry} is in the sector of {standard} but not one of the classes it covers by code, and none of "
        "{processes:list} is declared: {standard} does not apply ({clause})",
        "{industry}属于{standard}所在行业，但不在其按代码适用的行业小类内，且未申报{processes:list}中的任何工序："
        "不执行{standard}（{clause}）"),
    "INDUSTRY_LISTS_NO_FIGURE": (
        "{standards:list} lists {pollutant} but gives no figure for this route and date",
        "{standards:list}规定了{pollutant}，但对该排放方式和日期无限值"),
    "NOT_CROSS_APPLIED": (
        "{standards:list} does not list {pollutant}; by GB 8978-1996 1.2-1.3 the integrated standard is not "
        "cross-applied to an industry with a standard of its own: not covered (policy integrated_for_unlisted: off)",
        "{standards:list}未规定{pollutant}；按GB 8978-1996 1.2～1.3综合排放标准与行业排放标准不交叉执行：不予覆盖"
        "（政策integrated_for_unlisted：关）"),
    "INTEGRATED_SUPPLEMENTARY": (
        "{standards:list} does not list {pollutant}; GB 8978-1996 applied to it as a SUPPLEMENTARY figure by the "
        "catalogue's policy (integrated_for_unlisted), not by the text (GB 8978-1996 1.2-1.3: not cross-applied)",
        "{standards:list}未规定{pollutant}；按目录政策（integrated_for_unlisted）补充执行GB 8978-1996，"
        "系补充限值，非标准原文规定（GB 8978-1996 1.2～1.3：不交叉执行）"),
    "NO_INDUSTRY_STANDARD": (
        "no industry standard covers {industry}: the integrated {integrated} governs",
        "无行业排放标准适用于{industry}：执行综合排放标准{integrated}"),
    # --- GB 8978 grade ------------------------------------------------------------------------------
    "GB8978_GRADE_1": ("GB 8978-1996 {clause}: discharge into {water} takes grade 1",
                       "GB 8978-1996 {clause}：排入{water_zh}的污水，执行一级标准"),
    "GB8978_GRADE_2": ("GB 8978-1996 {clause}: discharge into {water} takes grade 2",
                       "GB 8978-1996 {clause}：排入{water_zh}的污水，执行二级标准"),
    "GB8978_GRADE_3": ("GB 8978-1996 4.1.3: discharge into a sewer ending in a secondary WWTP takes grade 3",
                       "GB 8978-1996 4.1.3：排入设置二级污水处理厂的城镇排水系统的污水，执行三级标准"),
    "GB8978_GRADE_BY_SEWER_OUTLET": (
        "GB 8978-1996 4.1.4: a sewer without a secondary WWTP takes the grade of the water it drains to",
        "GB 8978-1996 4.1.4：排入未设置二级污水处理厂的城镇排水系统的污水，根据排水系统出水受纳水域的功能要求执行"),
    "GB8978_EXISTING_OUTFALL": (
        "GB 8978-1996 4.1.5: an existing outfall into {water} is held to total-load control; grade 1 taken",
        "GB 8978-1996 4.1.5：排入{water_zh}的现有排污口实行污染物总量控制；按一级标准考虑"),
    # --- limit sets, local and intake standards ----------------------------------------------------
    "SPECIAL_LIMITS_APPLY": ("{standard}: special emission limits (特别排放限值): the zone is flagged for them",
                             "{standard}：执行特别排放限值（该区域已标明执行）"),
    "SPECIAL_LIMITS_NOT_FLAGGED": ("{standard}: special limits exist but the zone is not flagged for them",
                                   "{standard}：有特别排放限值，但该区域未标明执行"),
    "LOCAL_STRICTER": ("local standard {standard} ({area}) covers the zone and is stricter",
                       "地方标准{standard}（{area}）适用于该区域且更严"),
    "LOCAL_FILLS_GAP": ("local standard {standard} ({area}) covers the zone and gives a figure where the national "
                        "standards give none",
                        "地方标准{standard}（{area}）适用于该区域，国家标准未规定限值的，执行地方标准"),
    "LOCAL_NOT_STRICTER": ("local standard {standard} covers the zone but is not stricter for {pollutant}",
                           "地方标准{standard}适用于该区域，但{pollutant}限值不严于国家标准"),
    "INTAKE_STRICTER": ("the park WWTP's intake standard {standard} (纳管标准) is stricter for {pollutant}",
                        "园区污水处理厂接管标准{standard}对{pollutant}更严"),
    "INTAKE_FILLS_GAP": ("the park WWTP's intake standard {standard} (纳管标准) gives the figure the national "
                         "standards leave to the WWTP for {pollutant}",
                         "国家标准将{pollutant}限值交由污水处理厂商定，执行园区污水处理厂接管标准{standard}"),
    "INTAKE_NOT_STRICTER": ("the park WWTP's intake standard {standard} is not stricter for {pollutant}",
                            "园区污水处理厂接管标准{standard}对{pollutant}不更严"),
    "INTAKE_NOT_IN_CATALOGUE": ("the park's intake standard {standard} is not in the catalogue",
                                "目录中没有园区接管标准{standard}"),
    # --- rows and figures -------------------------------------------------------------------------
    "ROW_NEEDS_WWTP_KIND": ("row for {kind:term} WWTPs set aside: the catalogue does not say the WWTP's kind",
                            "{kind:term}污水处理厂适用的行未采用：目录未说明污水处理厂类型"),
    "ROW_UNDECIDED": ("{source} has a row for '{what}' that the tool cannot decide: not applied; check it",
                      "{source}中有适用于“{what_zh}”的行，本工具无法判断：未采用，请核实"),
    "TOWN_WWTP_DIRECT_FIGURE": (
        "{source}: {condition}; the receiving WWTP is a town WWTP, so the direct figure applies",
        "{source}：{condition_zh}；受纳污水处理厂为城镇污水处理厂，执行直接排放限值"),
    "PRINTED_NO_FIGURE": ("{source} prints {text!r}: no figure", "{source}印为“{text}”：无限值"),
    "ALT_APPLIES": ("alternative figure {alt:g} applies: {when}", "采用另一限值{alt:g}：{when}"),
    "ALT_NOT_THE_CASE": ("{alt:g} instead when {when}; not the case here", "{when}时为{alt:g}；本项目不属此情形"),
    "BINDING": ("binding: {source}, item {item}", "执行：{source}，序号{item}"),
    "NO_FIGURE": ("no applicable standard gives a figure", "无适用标准给出限值"),
    # --- air ------------------------------------------------------------------------------------------
    "BOILER_GB13271": (
        "a boiler: GB 13271-2014 governs boilers (GB 16297-1996 1.2.1) and lists {pollutant} for {fuel:term}-fired "
        "boilers",
        "锅炉：锅炉执行GB 13271-2014（GB 16297-1996 1.2.1），该标准规定了{fuel:term}锅炉的{pollutant}"),
    "BOILER_NO_FUEL": (
        "a boiler: GB 13271-2014 governs boilers (GB 16297-1996 1.2.1) by fuel (表1-表3 columns coal, oil, gas); "
        "the stack gives no fuel: supply it (GB 16297-1996 does not apply to boilers)",
        "锅炉：锅炉执行GB 13271-2014（GB 16297-1996 1.2.1），其限值按燃料（燃煤、燃油、燃气）分列；"
        "排气筒未给出燃料：请补充（锅炉不执行GB 16297-1996）"),
    "BOILER_NOT_LISTED": ("a boiler: GB 13271-2014 governs boilers and sets no figure for {pollutant}",
                          "锅炉：锅炉执行GB 13271-2014，该标准未规定{pollutant}"),
    "INDUSTRY_AIR_APPLIES": (
        "{standard} covers {industry} and lists {pollutant} for this source: it applies in place of GB 16297-1996",
        "{standard}适用于{industry}并规定了该排放源的{pollutant}：执行该行业标准，不执行GB 16297-1996"),
    "GB16297_GOVERNS": ("no industry air standard lists it for this source: GB 16297-1996 {table} governs",
                        "无行业大气标准规定该排放源的该污染物：执行GB 16297-1996 {table}"),
    "GB16297_EXISTING_SOURCE": (
        "GB 16297-1996 6.1/6.3: EIA approved {approved}, before 1997-01-01: an existing source, held to 表1",
        "GB 16297-1996 6.1/6.3：环评于{approved}批复，早于1997-01-01：现有污染源，执行表1"),
    "GB16297_NEW_SOURCE": (
        "GB 16297-1996 6.2/6.3: {why}: a new source, held to 表2",
        "GB 16297-1996 6.2/6.3：{why_zh}：新污染源，执行表2"),
    "SO2_SUBROW": (
        "GB 16297-1996 {table} item 1 prints two SO2 concentrations; the stack is an SO2 {so2_source:term} source",
        "GB 16297-1996 {table} 序号1二氧化硫分列两个浓度；该排气筒为含硫化合物{so2_source:term}源"),
    "SO2_SUBROW_NEEDED": (
        "GB 16297-1996 {table} item 1 prints two SO2 concentrations: for the production of sulphur, SO2, sulphuric "
        "acid and other sulphur compounds, and for their use; the stack does not say which (so2_source: production "
        "or use)",
        "GB 16297-1996 {table} 序号1二氧化硫分列“硫、二氧化硫、硫酸和其它含硫化合物生产”与“使用”两个浓度；"
        "排气筒未说明属于哪一种（so2_source：production 或 use）"),
    "RATE_AT_HEIGHT": ("GB 16297-1996 {table} grade {grade} rate at {height:g} m: {how}",
                       "GB 16297-1996 {table} {grade}级 排气筒高度{height:g} m的排放速率：{how_zh}"),
    "RATE_HALVED_200M": ("the stack is not 5 m above buildings within 200 m: held to 50% (clause 7.1)",
                         "排气筒未高出周围200 m半径范围的建筑5 m以上：按表列排放速率严格50%执行（7.1）"),
    "RATE_PROHIBITED": ("GB 16297-1996 {table} grade {grade} prints 禁排: the pollutant may not be emitted (0 kg/h)",
                        "GB 16297-1996 {table} {grade}级印为“禁排”：不得排放该污染物"),
    "RATE_NONE": ("no emission-rate limit: the applicable standard sets none",
                  "无排放速率限值：适用标准未规定"),
    "AIR_GRADE_OF_ZONE": (
        "GB 16297-1996 5: the source lies in an ambient-air class-{zone} area, so it takes the grade-{grade} rates",
        "GB 16297-1996 第5章：污染源位于环境空气{zone}类区，执行{grade}级排放速率标准"),
    "BASELINE_VOLUME_CONVERTED": (
        "{standard} 4.2.6 and formula (1): {volume:g} m3 of exhaust per working day against the baseline "
        "{baseline:g} m3 (表6 x plated area) gives Q/ΣY·Q_base = {ratio:.3g}; the measured {measured:g} mg/m3 counts as "
        "{converted:g} mg/m3",
        "{standard} 4.2.6 及式(1)：每个工作日排气量{volume:g} m3，基准排气量{baseline:g} m3（表6×镀件镀层面积），比值{ratio:.3g}；"
        "实测{measured:g} mg/m3 按基准气量排放浓度{converted:g} mg/m3 判定"),
    "BASELINE_VOLUME_NOT_EXCEEDED": (
        "{standard} 4.2.6 and formula (1): Q/ΣY·Q_base = {ratio:.3g} is below 1, so the measured concentration decides",
        "{standard} 4.2.6 及式(1)：比值{ratio:.3g}小于1，以实测浓度判定"),
    "BASELINE_VOLUME_NOT_GIVEN": (
        "{standard} 4.2.6: the limit holds while the exhaust per m2 plated does not exceed 表6; the stack gives no "
        "exhaust_per_working_day and plated_area_per_working_day, so the measured figure is compared as it is",
        "{standard} 4.2.6：排放限值适用于单位产品实际排气量不高于表6基准排气量的情况；排气筒未给出每个工作日排气量和镀件镀层面积，"
        "按实测浓度比较"),
    # --- EIA classification list (分类管理名录 2021) ---------------------------------------------------
    "EIA_FLAG_BY_CODE": ("Flag {flag} is set by the industry code ({source}).",
                         "标志{flag}由行业代码确定（{source}）。"),
    "EIA_FLAG_IMPLIED": ("Flag {flag} is set because {by} implies it{note}.",
                         "因{by}而设定标志{flag}{note_zh}。"),
    "EIA_ITEM_MATCHES_CODE": (
        "Item {item} ({industries_zh}; printed page {page}, PDF page {pdf_page}) matches industry code {code} by its "
        "printed code {printed}.",
        "第{item}项（{industries_zh}；印刷页码{page}，PDF第{pdf_page}页）按所印代码{printed}匹配行业代码{code}。"),
    "EIA_ITEM_MATCHES_MAPPED": (
        "Item {item} ({industries_zh}; printed page {page}, PDF page {pdf_page}) matches industry code {code} through "
        "GB/T 4754-2017 class {printed}: the list prints this item without a code, and the class of identical name is "
        "this table's mapping, not the list's.",
        "第{item}项（{industries_zh}；印刷页码{page}，PDF第{pdf_page}页）经GB/T 4754-2017小类{printed}匹配行业代码{code}："
        "名录该项未印代码，同名小类为本表的对应关系，非名录原文。"),
    "EIA_STARRED_EXCLUDED": (
        "Code {printed}* of item {item} covers only projects produced in an industrial building (说明4: "
        "名录中所标“*”号，指在工业建筑中生产的建设项目); not_in_industrial_building is given, so item {item} does not apply.",
        "第{item}项代码{printed}*仅指在工业建筑中生产的建设项目（说明4）；已给出not_in_industrial_building，第{item}项不适用。"),
    "EIA_STARRED_ASSUMED": (
        "Code {printed}* is starred (说明4): item {item} is applied on the assumption that the project is produced in "
        "an industrial building (not_in_industrial_building not given).",
        "代码{printed}*带“*”（说明4）：按在工业建筑中生产考虑，适用第{item}项（未给出not_in_industrial_building）。"),
    "EIA_INDUSTRY_EXCLUDED": (
        "Item {item} prints {printed_zh} and {flag} is given, so item {item} does not apply{refer}.",
        "第{item}项印有{printed_zh}，已给出{flag}，第{item}项不适用{refer_zh}。"),
    "EIA_ITEM_TRIGGERED": (
        "Item {item} ({industries_zh}; printed page {page}) also applies, whatever the industry: the project has "
        "{flags:list}.",
        "第{item}项（{industries_zh}；印刷页码{page}）亦适用，与行业无关：项目有{flags:list}。"),
    "EIA_CELL_EXCLUDED": (
        "Item {item} {category_zh} ({printed_zh}) does not apply: excluded by {flags:list}.",
        "第{item}项{category_zh}（{printed_zh}）不适用：因{flags:list}而除外。"),
    "EIA_CELL_MET": (
        "Item {item} {category_zh}: the list prints {printed_zh}, {why}{tail}.",
        "第{item}项{category_zh}：名录印为{printed_zh}，{why_zh}{tail_zh}。"),
    "EIA_SENSITIVE_AREA_MEANS": (
        "For item {item}, 环境敏感区 means (本栏目环境敏感区含义): {printed_zh}.",
        "第{item}项所称环境敏感区（本栏目环境敏感区含义）：{printed_zh}。"),
    "EIA_NO_CATEGORY_IN_ITEM": (
        "Item {item}: no category applies with the given flags ({printed_zh}) and the item prints no 其他 that "
        "would apply: the list does not name the project under this item.",
        "第{item}项：按所给标志无类别适用（{printed_zh}），且该项无适用的“其他”：名录该项未对本项目作规定。"),
    "EIA_ITEM_NEEDS_FACT": (
        "Item {item} grades every project it names by {fact}; none of {flags:list} is given: supply it.",
        "第{item}项按{fact_zh}确定类别；未给出{flags:list}中任何一项：请补充。"),
    "EIA_REFERRAL": (
        "No held item prints code {code}; item(s) {items:list} of the list (not held here; printed page {page}) may "
        "name it: {printed_zh}. The category is therefore not determined here.",
        "本表所持各项均未印代码{code}；名录第{items:list}项（本表未收录；印刷页码{page}）可能涉及：{printed_zh}。"
        "因此此处不确定类别。"),
    "EIA_OUTSIDE_COVERAGE": (
        "This table holds only part of the list; this table covers only: {coverage:list}. Code {code} is outside "
        "it, so its own item (if any) is unknown and the category is undetermined.",
        "本表仅收录名录的一部分：{coverage:list}。代码{code}不在其内，其所属项目（如有）未知，类别待定。"),
    "EIA_AT_LEAST": ("The items that did apply give at least {category_zh} (Article 4).",
                     "已适用的项目至少为{category_zh}（第四条）。"),
    "EIA_CODE_NAMED_BY_NO_ITEM": (
        "No item of the list names code {code}: division {division} {division_zh} is held completely here (item(s) "
        "{items:list}) and no item printed without a code is known to name it.",
        "名录无项目涉及代码{code}：本表完整收录了{division} {division_zh}（第{items:list}项），且无未印代码的项目涉及它。"),
    "EIA_NOT_DETERMINED": ("The category is therefore not determined here.", "因此此处不确定类别。"),
    "EIA_ARTICLE_4": (
        "Article 4 (建设内容涉及本名录中两个及以上项目类别的建设项目，其环境影响评价类别按照其中单项等级最高的确定): the project "
        "falls under items {items:list}; the highest single category, {category_zh} (item {item}), applies.",
        "第四条（建设内容涉及本名录中两个及以上项目类别的建设项目，其环境影响评价类别按照其中单项等级最高的确定）："
        "项目涉及第{items:list}项；取单项最高类别{category_zh}（第{item}项）。"),
    "EIA_ARTICLE_5": (
        "Article 5 (本名录未作规定的建设项目，不纳入建设项目环境影响评价管理): the project is not under EIA management, "
        "unless the provincial authority proposes and the ministry confirms otherwise.",
        "第五条（本名录未作规定的建设项目，不纳入建设项目环境影响评价管理）：除省级生态环境主管部门提出建议并经生态环境部认定外，"
        "本项目不纳入环评管理。"),
    "EIA_UNUSED_FLAGS": ("Flags given but not used by the matching items: {flags:list}.",
                         "已给出但所匹配项目未使用的标志：{flags:list}。"),
    "EIA_MISSING_FLAGS": ("flags not given that could raise it: {flags:list}",
                          "未给出、可能提高类别的标志：{flags:list}"),
}


class _Formatter(string.Formatter):
    def __init__(self, lang: Lang):
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == "term":
            en, zh = TERMS.get(str(value), (str(value), str(value)))
            return zh if self.lang == "zh" else en
        if format_spec == "list":
            items = [self._plain(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
            return ("、" if self.lang == "zh" else ", ").join(items)
        if format_spec == "g":
            return format(float(value), "g")
        return super().format_field(self._plain(value) if not format_spec else value, format_spec)

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        return super().convert_field(self._plain(value) if conversion else value, conversion)

    def _plain(self, value: Any) -> str:
        if isinstance(value, dict) and set(value) == {"zh", "en"}:  # a Bilingual read back from JSON
            value = Bilingual(value["zh"], value["en"])
        if isinstance(value, Bilingual):
            return value.zh if self.lang == "zh" else value.en
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, float):
            return format(value, "g")
        return str(value)


class _Values(dict):
    """The values a template reads; ``name_zh`` falls back to ``name`` (a Bilingual renders per language)."""

    def __init__(self, values: Mapping[str, Any], lang: Lang):
        super().__init__(values)
        self.lang = lang

    def __missing__(self, key: str) -> Any:
        if key.endswith("_zh") and key[:-3] in self:
            value = self[key[:-3]]
            if isinstance(value, dict) and set(value) == {"zh", "en"}:
                return value["zh"]
            return value.zh if isinstance(value, Bilingual) else value
        raise KeyError(key)


def render(code: str, values: Mapping[str, Any], lang: Lang = "en") -> str:
    """The reason ``code`` with ``values``, in ``lang`` (``en`` or ``zh``)."""
    en, zh = TEMPLATES[code]
    template = zh if lang == "zh" else en
    return _Formatter(lang).vformat(template, (), _Values(values, lang))


class Reason(str):
    """One reason: its English sentence (the ``str`` itself) with ``code``, ``values`` and ``zh``.

    Frozen: neither the text nor the values change after construction.
    """

    code: str
    values: Mapping[str, Any]

    def __new__(cls, reason_code: str, /, **values: Any) -> Reason:
        if reason_code not in TEMPLATES:
            raise ValueError(f"unknown reason code {reason_code!r}; known: {', '.join(sorted(TEMPLATES))}")
        frozen = dict(values)
        text = render(reason_code, frozen, "en")
        self = super().__new__(cls, text)
        object.__setattr__(self, "code", reason_code)
        object.__setattr__(self, "values", _FrozenMapping(frozen))
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Reason is frozen")

    def __reduce__(self):  # pickling (Dask ships selections to workers): rebuild from code and values
        return (_rebuild, (self.code, dict(self.values)))

    @property
    def en(self) -> str:
        return str.__str__(self)

    @property
    def zh(self) -> str:
        return render(self.code, self.values, "zh")

    def text(self, lang: Lang = "en") -> str:
        """The sentence in ``lang``."""
        return self.zh if lang == "zh" else self.en

    def as_json(self) -> dict[str, Any]:
        """``{"code": ..., "values": {...}}`` with JSON-safe values (dates as ISO text, bilingual as both)."""
        return {"code": self.code, "values": {k: _json_value(v) for k, v in self.values.items()}}


def _rebuild(code: str, values: dict[str, Any]) -> Reason:
    return Reason(code, **values)


class _FrozenMapping(Mapping):
    def __init__(self, data: dict[str, Any]):
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return repr(self._data)


def _json_value(value: Any) -> Any:
    if isinstance(value, Bilingual):
        return {"zh": value.zh, "en": value.en}
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


def reason_json(reasons: Iterable[str]) -> list[dict[str, Any]]:
    """The structured form of ``reasons`` (plain strings, from an older caller, become ``{"text": ...}``)."""
    return [r.as_json() if isinstance(r, Reason) else {"code": None, "values": {}, "text": str(r)} for r in reasons]
