"""The message catalogue of reports: every word a report prints, in Chinese (the default) and English.

Keys are dotted names; values are ``str.format`` templates over named fields. ``zh`` and ``en`` hold
the same keys (a test checks it), and every finding code of :data:`regional_eia.result.FINDING_CODES`
has a ``code.*`` title in both. Code and field identifiers (``CAPACITY_EXCEEDED``,
``wastewater.operating_days``) and citations (standard numbers, catalogue fields) are never translated.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import numpy as np

__all__ = ["Lang", "LANGS", "MESSAGES", "Messages", "finding_message", "change_line", "num", "pct", "pick_language",
           "pollutant", "point", "field_path", "value_text", "category_name", "code_title", "simplification_reason",
           "default_lang"]

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

_ZH: dict[str, str] = {
    # --- titles and headings
    "title.project": "建设项目入园环境准入预审报告",
    "title.batch": "批量入园预审汇总",
    "section.summary": "预审结论",
    "section.findings": "各项发现及依据",
    "section.map": "选址位置图",
    "section.interactive": "交互地图（离线，无底图）",
    "section.capacity": "园区资源环境承载力（总量控制）",
    "section.limits": "执行标准限值与拟排放值",
    "section.offsets": "倍量削减替代",
    "section.category": "环评类别与区域评估简化",
    "section.to_change": "需要改变的事项",
    "section.intake": "纳管负荷（按自身出水浓度计）",
    "section.method": "说明",
    "section.batch_verdicts": "按结论统计",
    "section.batch_codes": "按发现代码统计",
    "section.batch_map": "项目分布图",
    "section.batch_parks": "批次后各园区承载力利用率",
    "section.batch_failing": "未通过项目及主要原因",
    "section.batch_projects": "全部项目",
    # --- header labels
    "label.project": "项目",
    "label.industry": "行业代码",
    "label.park": "所在园区",
    "label.no_park": "不在目录内任何园区",
    "label.control_units": "环境管控单元",
    "label.coordinates": "坐标（WGS84 经纬度）",
    "label.input_crs": "原始坐标系",
    "label.converted": "坐标转换",
    "label.catalogue": "园区目录",
    "label.screened_on": "预审日期",
    "label.verdict": "结论",
    "label.generated": "生成工具",
    "label.source": "依据",
    "label.none": "无",
    "label.counts": "发现项数量",
    "label.batch_input": "批量结果文件",
    "label.projects": "项目数",
    # --- verdicts and severities
    "verdict.pass": "通过",
    "verdict.conditional": "有条件通过",
    "verdict.fail": "不通过",
    "verdict.incomplete": "资料不全，无法判定",
    "verdict.error": "输入有误，未能预审",
    "verdict_explain.pass": "未发现否决项，也无须附加条件。",
    "verdict_explain.conditional": "项目可以入园，但须落实下列条件（限制类准入条件、倍量削减替代等）。",
    "verdict_explain.fail": "按现方案项目不能入园：至少有一项否决项，见各项发现及“需要改变的事项”。",
    "verdict_explain.incomplete": "申报资料不全，无法判定：请补充下列资料后重新预审。",
    "severity.fail": "否决",
    "severity.incomplete": "资料不全",
    "severity.conditional": "附条件",
    "severity.warning": "预警",
    "severity.info": "信息",
    # --- finding-code titles
    "code.OUTSIDE_PARK": "选址不在园区内",
    "code.PARTLY_OUTSIDE_PARK": "用地跨越园区边界",
    "code.RED_LINE_OVERLAP": "占用生态保护红线",
    "code.RED_LINE_PROXIMITY": "临近生态保护红线",
    "code.WATER_SOURCE_OVERLAP": "占用饮用水水源保护区",
    "code.WATER_SOURCE_PROXIMITY": "临近饮用水水源保护区",
    "code.RECEPTOR_SETBACK": "敏感目标位于防护距离内",
    "code.ACCESS_PROHIBITED": "准入清单禁止类",
    "code.ACCESS_RESTRICTED": "准入清单限制类",
    "code.ACCESS_ENCOURAGED": "准入清单鼓励类",
    "code.CAPACITY_EXCEEDED": "超出剩余承载力",
    "code.CAPACITY_HIGH_UTILISATION": "承载力利用率超预警线",
    "code.OFFSET_REQUIRED": "须倍量削减替代",
    "code.STANDARD_EXCEEDED": "超过执行标准限值",
    "code.STANDARD_NOT_COVERED": "无适用标准限值",
    "code.POLLUTANT_NOT_DECLARED": "标准所列污染物未申报",
    "code.WORKSHOP_OUTLET_REQUIRED": "第一类污染物须在车间排放口监控",
    "code.OUTFALL_FORBIDDEN": "不得新设排污口",
    "code.DATA_MISSING": "资料缺失",
    "code.EIA_CATEGORY": "环评类别",
    "code.INDUSTRY_PROCESS_MISMATCH": "行业代码与工艺指向不同标准",
    "code.WWTP_CLASS_BELOW_REQUIRED": "园区污水厂执行标准宽于受纳水体要求",
    "code.STACK_BELOW_MINIMUM_HEIGHT": "排气筒低于 15 米",
    "code.NEW_SOURCE_FORBIDDEN": "一类区禁止新建污染源",
    "code.NOT_CROSS_APPLIED": "行业标准未列该项（不交叉执行）",
    "code.UNIT_REQUIREMENT": "管控单元准入要求须人工核实",
    "code.NO_CONTROL_UNIT": "选址不在任何环境管控单元内（数据缺口）",
    "code.DISCHARGE_NOT_GIVEN": "排污行业未申报废水及废气",
    "code.EFFLUENT_NOT_GIVEN": "排放废水但未申报任何出水浓度",
    # --- finding sentences: one template per code (and its variants), over the code's typed values
    "finding.OUTSIDE_PARK": "项目选址不在目录内任何园区：园区预审和区域评估简化均不适用，项目须单独开展完整环评{nearest}",
    "finding.OUTSIDE_PARK.nearest": "（最近的园区为{park}，相距 {distance} 米）",
    "finding.PARTLY_OUTSIDE_PARK": "项目用地跨越{park}边界，园区内仅 {overlap} 平方米；用地须全部位于园区内",
    "finding.RED_LINE_OVERLAP": "项目用地与生态保护红线“{zone}”{grade}重叠，任何工业项目均不得占用",
    "finding.RED_LINE_PROXIMITY": "项目距生态保护红线“{zone}”{grade} {distance} 米，在目录标注的 {buffer} 米关注范围内",
    "finding.WATER_SOURCE_OVERLAP": "项目用地与饮用水水源保护区“{zone}”{grade}重叠，任何工业项目均不得进入",
    "finding.WATER_SOURCE_PROXIMITY": "项目距饮用水水源保护区“{zone}”{grade} {distance} 米，在目录标注的 {buffer} 米关注范围内",
    "finding.RECEPTOR_SETBACK": "敏感目标“{receptor}”（{receptor_type}）距项目 {distance} 米，位于{industries}的 {setback} 米防护距离内",
    "finding.ACCESS_PROHIBITED": "{industry}{processes}属于{list}的禁止类：{reason}",
    "finding.ACCESS_RESTRICTED": "{industry}{processes}属于{list}的限制类：{reason}{conditions}",
    "finding.ACCESS_ENCOURAGED": "{industry}{processes}属于{list}的鼓励类：{reason}",
    "finding.CAPACITY_EXCEEDED": "本项目需求 {demand} {unit}，超出{park}{metric}总量上限（{cap} {unit}，{basis}）的剩余量 {remaining} {unit}（已批 {committed}、在审预留 {reserved}）；须减少 {reduce_by} {unit}{reuse}",
    "finding.CAPACITY_EXCEEDED.reuse": "（废水量至多 {max_flow} m3/d，即回用 {reuse_rate} 的废水）",
    "finding.CAPACITY_HIGH_UTILISATION": "本项目实施后{park}{metric}总量上限（{cap} {unit}，{basis}）的利用率将达 {after}，超过 {threshold} 的预警线",
    "finding.OFFSET_REQUIRED": "{pollutant}：新增量 {increment} t/a 须按 {ratio}:1 倍量削减替代，即在区域内另行削减 {required} t/a（{reason}）",
    "finding.STANDARD_EXCEEDED": "{pollutant}（{point}）拟排放 {proposed}，超过执行限值 {limit}（{source}）",
    "finding.STANDARD_NOT_COVERED": "{pollutant}（{point}）：适用标准均未给出限值，本次未作核对（园区如有地方标准或纳管标准，请补入目录）",
    "finding.POLLUTANT_NOT_DECLARED": "{standards}还规定了{pollutants}的限值，项目未申报：请确认不含这些污染物（或不属于其工艺特征污染物），或补充申报",
    "finding.WORKSHOP_OUTLET_REQUIRED": "{pollutant}属第一类污染物，须在车间或车间处理设施排放口达标（{source}）：请申报 wastewater.workshop_effluent.{pollutant_id}，不能以总排放口浓度代替",
    "finding.OUTFALL_FORBIDDEN": "受纳水体为 GB 3838 {receiving_class} 类水域{protection}，按 GB 8978-1996 第 4.1.5 条不得新设排污口：应改为排入园区污水处理厂",
    "finding.OUTFALL_FORBIDDEN.protection": "中的保护区",
    "finding.UNIT_REQUIREMENT": "选址位于环境管控单元 {code}（{zone}，{unit_class}），其准入要求为：{texts}。上述文字要求无法自动判定，须由审核人员逐条确认项目符合",
    "finding.UNIT_REQUIREMENT.part": "{part}：{text}",
    "finding.UNIT_REQUIREMENT.none": "目录未收录该单元的准入要求文字；优先保护单元原则上不得开展工业开发",
    "finding.NO_CONTROL_UNIT": "选址不在目录内任何环境管控单元中；“三线一单”管控单元覆盖全部国土，说明目录数据存在缺口，须补齐该单元后再作判定",
    "finding.DISCHARGE_NOT_GIVEN": "行业 {industry} 属排污行业（{why}），但项目未申报废水和废气排放量：请补充；确无排放的，请申报废水量 0 及排放去向，或废气排放量 0 t/a",
    "finding.DISCHARGE_NOT_GIVEN.standards": "行业排放标准 {standards} 适用于该行业",
    "finding.EFFLUENT_NOT_GIVEN": "项目排放废水 {flow} m3/d（{route}），但未申报任何排放口的污染物浓度：无法对照排放标准，也无法计算排放量；请补充总排口（及车间排口）各污染物浓度（mg/L）",
    "finding.DISCHARGE_NOT_GIVEN.category": "《建设项目环境影响评价分类管理名录（2021年版）》要求编制{category}",
    "finding.EIA_CATEGORY": "环评类别：{category}{rows}；{regional}",
    "finding.EIA_CATEGORY.rows": "（分类管理名录第 {rows} 项）",
    "finding.EIA_CATEGORY.regional": "适用园区区域评估简化后为{regional}",
    "finding.EIA_CATEGORY.no_regional": "不适用区域评估简化：{why}",
    "finding.EIA_CATEGORY.no_downgrade": "园区区域评估适用，但不降低环评类别",
    "finding.DATA_MISSING.capacity": "无法计算本项目对{park}{metric}总量上限（{basis}）的需求：请补充{missing}",
    "finding.DATA_MISSING.offset": "无法计算{pollutant}新增量以确定倍量削减：请补充{missing}",
    "finding.DATA_MISSING.unit": "{pollutant}：拟排放值 {proposed} 无法与{source}的限值（单位 {limit_unit}）比较：请按该单位申报",
    "finding.DATA_MISSING.not_detectable": "{pollutant}按{source}要求不得检出，项目申报值为 {proposed}：请以标准方法检出限确认，未检出时填 0",
    "finding.DATA_MISSING.selection": "直接排放须给出受纳水体的 GB 3838 水质类别才能确定 GB 8978 的执行级别：请补充{missing}",
    "finding.DATA_MISSING.generic": "判定所需资料缺失：请补充{missing}",
    "finding.fallback": "{title}：{message}",
    "finding.INDUSTRY_PROCESS_MISMATCH": "行业代码 {industry} 与申报工艺（{processes}）指向的排放标准不一致（{standard}，按{by}适用）：请核对行业代码或工艺",
    "finding.INDUSTRY_PROCESS_MISMATCH.code": "行业代码",
    "finding.INDUSTRY_PROCESS_MISMATCH.process": "生产活动",
    "finding.WWTP_CLASS_BELOW_REQUIRED": "{wwtp}执行 GB 18918-2002 {effluent_class} 标准，宽于其受纳水体{water}所要求的 {required_class} 标准（{source}）；污水厂出水负荷仍按目录所列 {effluent_class} 标准计{amendment}",
    "finding.WWTP_CLASS_BELOW_REQUIRED.amendment": "；据称 GB 18918-2002 的 2006 年修改单要求重点流域和封闭水体执行一级 A 标准，但未读到其原文：如适用，请在目录 receiving_water.wwtp_class_required 中注明",
    "finding.STACK_BELOW_MINIMUM_HEIGHT": "排气筒 {stack} 高 {height} 米：GB 16297-1996 第 7.4 条规定新污染源排气筒一般不应低于 15 米；确需低于的，其排放速率（{pollutants}）按外推值的 50% 执行（已计入），排气筒高度须经审批部门认可",
    "finding.NEW_SOURCE_FORBIDDEN": "GB 16297-1996 第 5 条：一类区（环境空气质量功能区）禁止新、扩建污染源，排气筒 {stack} 所在区域为 {grade} 类区",
    "finding.NOT_CROSS_APPLIED": "{pollutant}（{point}）：{standards}未规定该项，且不交叉执行 GB 8978-1996（第 1.2–1.3 条），本次未作核对（目录的 standards_policy.integrated_for_unlisted 可将 GB 8978-1996 作为补充限值执行）",
    "finding.NOT_CROSS_APPLIED.scope": "无组织排放 VOCs：{standards}已对本行业作出规定，{scope}不适用（其第 1 章），请按该标准的无组织排放规定核对",
    "finding.STANDARD_EXCEEDED.supplementary": "（补充限值：按目录政策执行，非标准原文要求）",
    "finding.OUTFALL_FORBIDDEN.sea": "受纳水体为 GB 3097 {receiving_class} 类海域，按 GB 8978-1996 第 4.1.5 条不得新设排污口：应改为排入园区污水处理厂",
    "finding.DATA_MISSING.stack": "{pollutant}（排气筒 {stack}）：选择限值须先给出{missing}",
    "finding.DATA_MISSING.fugitive": "项目申报了无组织 VOCs 排放源：GB 37822-2019 附录A规定厂区内 NMHC 限值（{source}）：请补充{missing}",
    "finding.DATA_MISSING.authority": "GB 8978-1996 第 4.1 条未给出排入{water}的执行级别：须由审批部门确定执行限值",
    "part.more": "等 {n} 项",
    "part.grade": "（{grade}）",
    "part.processes": "（工艺：{processes}）",
    "part.conditions": "；准入条件：{conditions}",
    "part.industries": "{codes}类行业",
    "part.any_industry": "任何行业",
    "list.park": "园区“{park}”准入清单",
    "list.unit": "管控单元 {code}（{unit_class}）准入清单",
    "list.sep": "、",
    "list.reasons": "；",
    "part.spatial_layout": "空间布局约束",
    "part.emission_control": "污染物排放管控",
    "part.risk_prevention": "环境风险防控",
    "part.resource_efficiency": "资源开发效率要求",
    "converted.offset": "{crs} 坐标按 {upper} 公开算法换算为 WGS84（反算精度 1e-10 度）",
    "converted.pyproj": "{crs} 坐标经 pyproj 换算为 WGS84",
    # --- why the regional simplification does or does not apply
    "simplification.no_park": "项目不在园区内",
    "simplification.no_assessment": "{park}在目录中没有区域评估",
    "simplification.expired": "{approved} 批准的区域评估已于 {expires} 到期",
    "simplification.freeze": "园区正处于区域限批期间",
    "simplification.excluded": "本省将{prefix}类行业排除在简化之外",
    "simplification.water": "受纳水体{water}未达到 {target} 类目标",
    "simplification.air": "区域环境空气质量未达标",
    "simplification.failing": "本次预审结论为不通过",
    "simplification.ok": "区域评估 {approved} 批准，有效期至 {expires}；条件均满足",
    "simplification.no_downgrade": "园区区域评估不降低环评类别（regional_assessment.category_downgrade: false）",
    # --- vocabularies
    "metric.wastewater": "废水量",
    "basis.final_discharge": "按污水厂最终排放计",
    "basis.sewer_intake": "按纳管量计",
    "basis.emission": "按大气排放计",
    "receptor.residential": "居民区",
    "receptor.school": "学校",
    "receptor.hospital": "医院",
    "receptor.other": "其他敏感目标",
    "unit_class.priority": "优先保护单元",
    "unit_class.key": "重点管控单元",
    "unit_class.general": "一般管控单元",
    "point.total_outlet": "总排放口",
    "point.workshop_outlet": "车间或车间处理设施排放口",
    "point.stack_concentration": "排气筒 {stack} 浓度",
    "point.stack_rate": "排气筒 {stack} 速率",
    "process.dyeing": "染色",
    "process.pretreatment": "前处理",
    "process.printing_conventional": "印花",
    "process.electroplating": "电镀",
    "field.wastewater.operating_days": "年运行天数",
    "field.wastewater.flow": "废水量",
    "field.wastewater.effluent": "出水{pollutant}浓度",
    "field.wastewater.workshop_effluent": "车间排放口{pollutant}浓度",
    "field.air.emissions": "{pollutant}年排放量",
    "field.with_path": "{label}（{path}）",
    "yes": "是",
    "no": "否",
    "unknown": "待定",
    "fits.True": "满足",
    "fits.False": "超出",
    "fits.None": "无法计算",
    "complies.True": "达标",
    "complies.False": "超标",
    "complies.None": "无限值",
    # --- tables
    "col.severity": "性质",
    "col.code": "代码",
    "col.finding": "内容",
    "col.source": "依据（标准、目录字段、台账）",
    "col.metric": "指标",
    "col.basis": "口径",
    "col.cap": "总量上限",
    "col.committed": "已批",
    "col.reserved": "在审预留",
    "col.remaining": "剩余",
    "col.demand": "本项目",
    "col.remaining_after": "项目后剩余",
    "col.utilisation_before": "现状利用率",
    "col.utilisation_after": "项目后利用率",
    "col.fits": "是否满足",
    "col.how": "计算过程",
    "col.position_source": "已批/预留数据来源",
    "col.pollutant": "污染物",
    "col.point": "监控位置",
    "col.proposed": "拟排放值",
    "col.limit": "执行限值",
    "col.unit": "单位",
    "col.complies": "是否达标",
    "col.reasons": "适用理由",
    "col.increment": "新增量 t/a",
    "col.ratio": "削减比例",
    "col.required": "须削减量 t/a",
    "col.reason": "原因",
    "col.verdict": "结论",
    "col.concentration": "出水浓度 mg/L",
    "col.intake_load": "纳管负荷 t/a",
    "col.count": "数量",
    "col.share": "占比",
    "col.title": "含义",
    "col.project_id": "项目编号",
    "col.project_name": "项目名称",
    "col.park": "园区",
    "col.main_reason": "主要原因",
    "col.codes": "发现代码",
    "col.lon": "经度",
    "col.lat": "纬度",
    "col.admitted": "可入园项目数",
    "col.admitted_demand": "可入园项目需求",
    "col.after": "批次后合计",
    "col.batch_utilisation_after": "批次后利用率",
    "col.batch_remaining_after": "批次后剩余",
    "col.over": "是否超限",
    # --- category section
    "category.label": "环评类别（《建设项目环境影响评价分类管理名录（2021年版）》）",
    "category.regional": "适用区域评估简化后",
    "category.items": "分类依据：名录第 {rows} 项",
    "category.qualifies": "是否适用区域评估简化",
    "category.undetermined": "环评类别待定：本次预审未给出类别（分类名录中无对应条目或类别判定未运行），须由环评单位确认。",
    "category.park_grants": "园区区域评估给予的简化措施",
    "category.park_grants_source": "目录字段 park {park_id} regional_assessment.simplifications（批准于 {approved}，有效期 {years} 年）",
    "category.no_simplifications": "项目不在园区内或园区未开展区域评估，不适用简化措施。",
    "category.freeze": "注意：园区正处于区域限批期间。",
    # --- to change
    "change.capacity": "{metric}：需求须减少 {reduce_by} {unit}，方能纳入剩余容量{reuse}",
    "change.capacity.reuse": "（废水量不超过 {max_flow} m3/d，即回用率 {reuse_rate}）",
    "change.site": "选址",
    "change.industry": "行业或工艺",
    "change.route": "排放去向",
    "change.treatment": "治理措施",
    "change.supply": "补充资料",
    "route.direct": "直接排放",
    "route.indirect": "间接排放",
    "change.offset": "倍量削减",
    "change.condition": "准入条件",
    "change.review": "管控单元要求",
    "change.item": "【{kind}】{text}",
    "change.none": "无须改变。",
    # --- what-if
    "whatif.changes": "假设分析：满足各项总量的最小调整",
    "whatif.parks": "假设分析：可按现方案接纳本项目的园区",
    "whatif.flow_to_fit": "废水量不超过 {flow} m3/d（即回用 {reuse} 的废水）时可满足",
    "whatif.here": "所在园区",
    "whatif.col.metric": "总量指标",
    "whatif.col.demand": "需求",
    "whatif.col.remaining": "剩余",
    "whatif.col.cut": "须减少",
    "whatif.col.max_flow": "废水量上限",
    "whatif.col.reuse": "回用率",
    "whatif.col.rank": "序号",
    "whatif.col.park": "园区",
    "whatif.col.takes": "可接纳",
    "whatif.col.verdict": "结论",
    "whatif.col.tightest": "项目后最紧的总量",
    "whatif.col.why_not": "原因",
    "whatif.note": "各园区按园区层面的发现判定（准入清单、总量、倍量削减、标准）；取决于具体选址的发现（防护距离、关注范围、边界）不计",
    "whatif.note_missing": "部分需求无法计算（见预审结果中的资料缺失项）",
    # --- notes
    "note.no_limits": "本次预审未给出执行标准限值（项目未申报排放浓度，或标准核对尚未运行）。",
    "note.no_capacity": "项目不在园区内，不核算园区总量。",
    "note.no_offsets": "无须倍量削减替代。",
    "note.no_findings": "无发现项。",
    "note.disclaimer": "本报告是项目入园前的环境准入预审结果，不代替环境影响评价文件及其审批。",
    "note.catalogue": "园区边界、管控单元、保护区和承载力数据取自目录“{catalog}”。",
    "note.map_crs": "位置图按 {crs} 绘制，距离与面积以米计。",
    "note.batch_after": "“批次后”假定本批所有“通过”和“有条件通过”的项目均获批准；每个项目是相对同一现状单独预审的，几个各自满足的项目合计仍可能超限。",
    "note.batch_no_demand": "输入为 CSV，不含各项目需求量：此处只列现状利用率。需要批次后利用率时，请使用 JSON lines 输入（screen --format json 的结果）。",
    "note.fallback": "（原文）",
    # --- map and charts
    "map.title": "{project} 选址位置图",
    "map.park": "园区边界",
    "map.control_unit": "环境管控单元",
    "map.red_line": "生态保护红线",
    "map.water_source": "饮用水水源保护区",
    "map.receptor": "敏感目标",
    "map.setback": "防护距离",
    "map.buffer": "目录标注的关注范围",
    "map.setback_violated": "防护距离（敏感目标在内）",
    "map.site": "项目选址",
    "map.north": "北",
    "map.crs": "坐标系：{crs}",
    "map.batch_title": "批量预审项目分布（按结论着色）",
    "chart.committed": "已批",
    "chart.reserved": "在审预留",
    "chart.project": "本项目",
    "chart.over": "超出上限部分",
    "chart.remaining": "项目后剩余",
    "chart.cap": "上限 {cap} {unit}",
    "chart.title": "{metric}（{unit}，{basis}）  利用率 {before} → {after}",
    "chart.demand_unknown": "本项目需求无法计算（资料缺失）",
    "chart.batch_title": "各园区总量利用率：现状与批次后",
    "chart.before": "现状",
    "chart.after": "批次后",
}

_EN: dict[str, str] = {
    "title.project": "Park entry screening report",
    "title.batch": "Batch screening summary",
    "section.summary": "Verdict",
    "section.findings": "Findings and their sources",
    "section.map": "Site map",
    "section.interactive": "Interactive map (offline, no base map)",
    "section.capacity": "Park carrying capacity (total-load caps)",
    "section.limits": "Binding limits and proposed values",
    "section.offsets": "Offsets required (倍量削减替代)",
    "section.category": "EIA category and the regional simplification",
    "section.to_change": "What would have to change",
    "section.intake": "Load at the sewer intake (own effluent concentration)",
    "section.method": "Notes",
    "section.batch_verdicts": "Projects by verdict",
    "section.batch_codes": "Projects by finding code",
    "section.batch_map": "Sites by verdict",
    "section.batch_parks": "Park utilisation after the batch",
    "section.batch_failing": "Failing projects and their main reason",
    "section.batch_projects": "All projects",
    "label.project": "Project",
    "label.industry": "Industry code",
    "label.park": "Park",
    "label.no_park": "in no park of the catalogue",
    "label.control_units": "Control units",
    "label.coordinates": "Coordinates (WGS84 lon/lat)",
    "label.input_crs": "Input CRS",
    "label.converted": "Conversion",
    "label.catalogue": "Catalogue",
    "label.screened_on": "Screened on",
    "label.verdict": "Verdict",
    "label.generated": "Generated by",
    "label.source": "Source",
    "label.none": "none",
    "label.counts": "Findings",
    "label.batch_input": "Batch results",
    "label.projects": "Projects",
    "verdict.pass": "pass",
    "verdict.conditional": "conditional",
    "verdict.fail": "fail",
    "verdict.incomplete": "incomplete",
    "verdict.error": "error (not screened)",
    "verdict_explain.pass": "No failing finding and no condition.",
    "verdict_explain.conditional": "The project may enter the park on the conditions below (access-list conditions, offsets).",
    "verdict_explain.fail": "As proposed, the project cannot enter the park: at least one finding fails it; see the findings and what would have to change.",
    "verdict_explain.incomplete": "The form lacks information needed to decide: supply what is listed below and screen again.",
    "severity.fail": "fail",
    "severity.incomplete": "incomplete",
    "severity.conditional": "conditional",
    "severity.warning": "warning",
    "severity.info": "info",
    "code.OUTSIDE_PARK": "site outside every park",
    "code.PARTLY_OUTSIDE_PARK": "site crosses a park boundary",
    "code.RED_LINE_OVERLAP": "site overlaps an ecological red line",
    "code.RED_LINE_PROXIMITY": "site near an ecological red line",
    "code.WATER_SOURCE_OVERLAP": "site overlaps a drinking-water source zone",
    "code.WATER_SOURCE_PROXIMITY": "site near a drinking-water source zone",
    "code.RECEPTOR_SETBACK": "sensitive receptor inside the setback",
    "code.ACCESS_PROHIBITED": "prohibited by an access list",
    "code.ACCESS_RESTRICTED": "restricted by an access list",
    "code.ACCESS_ENCOURAGED": "encouraged by an access list",
    "code.CAPACITY_EXCEEDED": "exceeds the remaining capacity",
    "code.CAPACITY_HIGH_UTILISATION": "cap utilisation above the warning threshold",
    "code.OFFSET_REQUIRED": "offset required",
    "code.STANDARD_EXCEEDED": "exceeds a binding limit",
    "code.STANDARD_NOT_COVERED": "no applicable limit",
    "code.POLLUTANT_NOT_DECLARED": "pollutant of the standard not declared",
    "code.WORKSHOP_OUTLET_REQUIRED": "first-class pollutant at the workshop outlet",
    "code.OUTFALL_FORBIDDEN": "new outfall not allowed",
    "code.DATA_MISSING": "information missing",
    "code.EIA_CATEGORY": "EIA category",
    "code.INDUSTRY_PROCESS_MISMATCH": "industry code and processes disagree",
    "code.WWTP_CLASS_BELOW_REQUIRED": "park WWTP laxer than its water requires",
    "code.STACK_BELOW_MINIMUM_HEIGHT": "stack below 15 m",
    "code.NEW_SOURCE_FORBIDDEN": "no new source in a class-1 air area",
    "code.NOT_CROSS_APPLIED": "not listed by the industry standard (not cross-applied)",
    "code.UNIT_REQUIREMENT": "control-unit requirement to confirm",
    "code.NO_CONTROL_UNIT": "site in no control unit (data gap)",
    "code.DISCHARGE_NOT_GIVEN": "discharging industry without wastewater or air figures",
    "code.EFFLUENT_NOT_GIVEN": "wastewater without any concentration",
    "finding.UNIT_REQUIREMENT": "the site lies in control unit {code} ({zone}, {unit_class}), which requires: {texts}. These texts are not checked automatically: a reviewer must confirm the project meets each of them",
    "finding.UNIT_REQUIREMENT.part": "{part}: {text}",
    "finding.UNIT_REQUIREMENT.none": "the catalogue holds no requirement text for this unit; priority-protection units generally exclude industrial development",
    "finding.NO_CONTROL_UNIT": "the site lies in no control unit of the catalogue; 三线一单 units cover all land, so the catalogue has a gap here: add the unit before deciding",
    "finding.DISCHARGE_NOT_GIVEN": "industry {industry} discharges ({why}), but the project gives neither wastewater nor air emissions: supply them, or state none (wastewater flow 0 with its route, or emissions of 0 t/a)",
    "finding.DISCHARGE_NOT_GIVEN.standards": "industry standard {standards} covers it",
    "finding.EFFLUENT_NOT_GIVEN": "the project discharges {flow} m3/d of wastewater ({route}) but gives no pollutant concentration at any outlet: no standard can be compared and no load computed; supply the concentrations (mg/L) at the total outlet (and the workshop outlets)",
    "finding.DISCHARGE_NOT_GIVEN.category": "the 2021 EIA classification list asks a {category} of it",
    "finding.OUTSIDE_PARK": "the site lies in no park of the catalogue: park screening and the regional simplification do not apply; the project needs a full EIA of its own{nearest}",
    "finding.OUTSIDE_PARK.nearest": " (nearest park: {park}, {distance} m away)",
    "finding.PARTLY_OUTSIDE_PARK": "the site crosses the boundary of {park}: only {overlap} m2 of it lies inside; the whole site must be in the park",
    "finding.RED_LINE_OVERLAP": "the site overlaps the ecological red line (生态保护红线) {zone}{grade}: no industrial project may",
    "finding.RED_LINE_PROXIMITY": "the site is {distance} m from the ecological red line (生态保护红线) {zone}{grade}, within the {buffer} m the catalogue flags",
    "finding.WATER_SOURCE_OVERLAP": "the site overlaps the drinking-water source protection zone (饮用水水源保护区) {zone}{grade}: no industrial project may",
    "finding.WATER_SOURCE_PROXIMITY": "the site is {distance} m from the drinking-water source protection zone (饮用水水源保护区) {zone}{grade}, within the {buffer} m the catalogue flags",
    "finding.RECEPTOR_SETBACK": "{receptor} ({receptor_type}) is {distance} m from the site, inside the {setback} m setback for {industries}",
    "finding.ACCESS_PROHIBITED": "{industry}{processes} is prohibited by the {list}: {reason}",
    "finding.ACCESS_RESTRICTED": "{industry}{processes} is restricted by the {list}: {reason}{conditions}",
    "finding.ACCESS_ENCOURAGED": "{industry}{processes} is encouraged by the {list}: {reason}",
    "finding.CAPACITY_EXCEEDED": "demand {demand} {unit} exceeds the {remaining} {unit} left of the {metric} cap of {park} ({cap} {unit}, {basis}; {committed} committed, {reserved} reserved); reduce by {reduce_by} {unit}{reuse}",
    "finding.CAPACITY_EXCEEDED.reuse": " (flow at most {max_flow} m3/d, i.e. reuse {reuse_rate} of the wastewater)",
    "finding.CAPACITY_HIGH_UTILISATION": "the {metric} cap of {park} ({cap} {unit}, {basis}) would be {after} used after this project (warning threshold {threshold})",
    "finding.OFFSET_REQUIRED": "{pollutant}: the increment of {increment} t/a must be offset {ratio}:1, i.e. {required} t/a cut elsewhere ({reason})",
    "finding.STANDARD_EXCEEDED": "{pollutant} at {point}: proposed {proposed} exceeds the binding limit {limit} ({source})",
    "finding.STANDARD_NOT_COVERED": "{pollutant} at {point}: no applicable standard gives a figure; it is not checked (add a local or intake standard to the catalogue if the park sets one)",
    "finding.POLLUTANT_NOT_DECLARED": "{standards} also limits {pollutants}: the project declares no figure for them; confirm they are absent (or not characteristic of its processes) or supply them",
    "finding.WORKSHOP_OUTLET_REQUIRED": "{pollutant} is a first-class pollutant limited at the workshop outlet ({source}); supply wastewater.workshop_effluent.{pollutant_id}, not the total-outlet figure",
    "finding.OUTFALL_FORBIDDEN": "the receiving water is GB 3838 class {receiving_class}{protection}: GB 8978-1996 4.1.5 forbids a new outfall there; discharge to the park WWTP instead",
    "finding.OUTFALL_FORBIDDEN.protection": " in a designated protection zone",
    "finding.EIA_CATEGORY": "EIA category {category}{rows}; {regional}",
    "finding.EIA_CATEGORY.rows": " (list item {rows})",
    "finding.EIA_CATEGORY.regional": "with the park's regional assessment: {regional}",
    "finding.EIA_CATEGORY.no_regional": "no regional simplification: {why}",
    "finding.EIA_CATEGORY.no_downgrade": "the park's regional assessment applies but does not lower the category",
    "finding.DATA_MISSING.capacity": "cannot compute the demand on the {metric} cap of {park} ({basis}): supply {missing}",
    "finding.DATA_MISSING.offset": "cannot compute the {pollutant} increment to offset: supply {missing}",
    "finding.DATA_MISSING.unit": "{pollutant}: proposed {proposed} cannot be compared with {source} in {limit_unit}; give it in that unit",
    "finding.DATA_MISSING.not_detectable": "{pollutant} must be not detectable ({source}); the project gives {proposed}: confirm with the standard method's detection limit, or give 0 when not detected",
    "finding.DATA_MISSING.selection": "a direct discharger needs its receiving water's GB 3838 class to fix the GB 8978 grade: supply {missing}",
    "finding.DATA_MISSING.generic": "information needed to decide is missing: supply {missing}",
    "finding.fallback": "{title}: {message}",
    "finding.INDUSTRY_PROCESS_MISMATCH": "{industry} and the processes declared ({processes}) point to different standards ({standard}, applied by {by}): check the industry code or the processes",
    "finding.INDUSTRY_PROCESS_MISMATCH.code": "code",
    "finding.INDUSTRY_PROCESS_MISMATCH.process": "activity",
    "finding.WWTP_CLASS_BELOW_REQUIRED": "{wwtp} is held to GB 18918-2002 class {effluent_class}, laxer than the class {required_class} its receiving water {water} requires ({source}); loads at the WWTP's outlet are counted at its catalogue class {effluent_class}{amendment}",
    "finding.WWTP_CLASS_BELOW_REQUIRED.amendment": "; the 2006 amendment of GB 18918-2002 is reported to require class 1A in key basins and enclosed waters, but its text was not read: state it as receiving_water.wwtp_class_required if it applies",
    "finding.STACK_BELOW_MINIMUM_HEIGHT": "stack {stack} is {height} m: GB 16297-1996 7.4 says a new source's stack should not be lower than 15 m; where it must be, its rate ({pollutants}) is held to half the extrapolated figure (applied above); the height needs the reviewing authority's acceptance",
    "finding.NEW_SOURCE_FORBIDDEN": "GB 16297-1996 5: no new or expanded air pollution source may be built in an ambient-air class-1 area (一类区禁止新、扩建污染源); stack {stack} is in a class-{grade} area",
    "finding.NOT_CROSS_APPLIED": "{pollutant} at {point}: {standards} does not list it, and GB 8978-1996 is not cross-applied (GB 8978-1996 1.2-1.3); it is not checked (the catalogue's standards_policy.integrated_for_unlisted applies GB 8978-1996 as a supplementary figure)",
    "finding.NOT_CROSS_APPLIED.scope": "fugitive VOCs: {standards} regulates them for this industry, so {scope} does not apply (its 第1章); check the fugitive provisions of that standard",
    "finding.STANDARD_EXCEEDED.supplementary": " (a SUPPLEMENTARY figure, applied by the catalogue's policy)",
    "finding.OUTFALL_FORBIDDEN.sea": "the receiving water is GB 3097 class {receiving_class} sea: GB 8978-1996 4.1.5 forbids a new outfall there; discharge to the park WWTP instead",
    "finding.DATA_MISSING.stack": "{pollutant} at {stack}: the limit cannot be chosen without {missing}",
    "finding.DATA_MISSING.fugitive": "fugitive VOC sources are declared: GB 37822-2019 附录A limits the in-plant NMHC ({source}); supply {missing}",
    "finding.DATA_MISSING.authority": "GB 8978-1996 4.1 gives no grade for discharge into {water}: the reviewing authority must state the limits",
    "part.more": " and {n} more",
    "part.grade": " ({grade})",
    "part.processes": " with process {processes}",
    "part.conditions": "; condition: {conditions}",
    "part.industries": "industries {codes}",
    "part.any_industry": "any industry",
    "list.park": "access list of the park {park}",
    "list.unit": "access list of control unit {code} ({unit_class})",
    "list.sep": ", ",
    "list.reasons": "; ",
    "part.spatial_layout": "spatial layout (空间布局约束)",
    "part.emission_control": "emission control (污染物排放管控)",
    "part.risk_prevention": "risk prevention (环境风险防控)",
    "part.resource_efficiency": "resource efficiency (资源开发效率要求)",
    "converted.offset": "{crs} to WGS84 by the published {upper} algorithm (inverse solved to 1e-10 deg)",
    "converted.pyproj": "{crs} to WGS84 by pyproj",
    "simplification.no_park": "the site is in no park",
    "simplification.no_assessment": "{park} has no regional assessment in the catalogue",
    "simplification.expired": "the regional assessment approved {approved} expired on {expires}",
    "simplification.freeze": "a regional approval freeze (区域限批) is in force",
    "simplification.excluded": "the province excludes {prefix} industries from the simplification",
    "simplification.water": "the receiving water {water} does not meet its class {target} target",
    "simplification.air": "the air quality of the area does not meet its target",
    "simplification.failing": "the screening finds the project failing",
    "simplification.ok": "regional assessment approved {approved}, valid until {expires}; conditions met",
    "simplification.no_downgrade": "the park's regional assessment does not lower the category (regional_assessment.category_downgrade: false)",
    "metric.wastewater": "wastewater",
    "basis.final_discharge": "final discharge from the WWTP",
    "basis.sewer_intake": "sewer intake",
    "basis.emission": "air emission",
    "receptor.residential": "residential area",
    "receptor.school": "school",
    "receptor.hospital": "hospital",
    "receptor.other": "sensitive receptor",
    "unit_class.priority": "priority protection",
    "unit_class.key": "key control",
    "unit_class.general": "general control",
    "point.total_outlet": "total outlet",
    "point.workshop_outlet": "workshop outlet",
    "point.stack_concentration": "stack {stack} concentration",
    "point.stack_rate": "stack {stack} rate",
    "process.dyeing": "dyeing",
    "process.pretreatment": "pre-treatment",
    "process.printing_conventional": "printing",
    "process.electroplating": "electroplating",
    "field.wastewater.operating_days": "operating days per year",
    "field.wastewater.flow": "wastewater flow",
    "field.wastewater.effluent": "effluent {pollutant} concentration",
    "field.wastewater.workshop_effluent": "workshop-outlet {pollutant} concentration",
    "field.air.emissions": "annual {pollutant} emission",
    "field.with_path": "{label} ({path})",
    "yes": "yes",
    "no": "no",
    "unknown": "undetermined",
    "fits.True": "fits",
    "fits.False": "exceeds",
    "fits.None": "cannot compute",
    "complies.True": "complies",
    "complies.False": "exceeds",
    "complies.None": "no limit",
    "col.severity": "Severity",
    "col.code": "Code",
    "col.finding": "Finding",
    "col.source": "Source (standard, catalogue field, ledger)",
    "col.metric": "Metric",
    "col.basis": "Basis",
    "col.cap": "Cap",
    "col.committed": "Committed",
    "col.reserved": "Reserved",
    "col.remaining": "Remaining",
    "col.demand": "This project",
    "col.remaining_after": "Left after",
    "col.utilisation_before": "Used before",
    "col.utilisation_after": "Used after",
    "col.fits": "Fits",
    "col.how": "How computed",
    "col.position_source": "Committed/reserved from",
    "col.pollutant": "Pollutant",
    "col.point": "Point",
    "col.proposed": "Proposed",
    "col.limit": "Binding limit",
    "col.unit": "Unit",
    "col.complies": "Complies",
    "col.reasons": "Why this limit",
    "col.increment": "Increment t/a",
    "col.ratio": "Ratio",
    "col.required": "Offset t/a",
    "col.reason": "Reason",
    "col.verdict": "Verdict",
    "col.concentration": "Effluent mg/L",
    "col.intake_load": "Intake load t/a",
    "col.count": "Count",
    "col.share": "Share",
    "col.title": "Meaning",
    "col.project_id": "Project id",
    "col.project_name": "Project name",
    "col.park": "Park",
    "col.main_reason": "Main reason",
    "col.codes": "Finding codes",
    "col.lon": "Lon",
    "col.lat": "Lat",
    "col.admitted": "Admissible projects",
    "col.admitted_demand": "Their demand",
    "col.after": "Total after",
    "col.batch_utilisation_after": "Used after the batch",
    "col.batch_remaining_after": "Left after the batch",
    "col.over": "Over cap",
    "category.label": "EIA category (Classified Management Catalogue of EIA for Construction Projects, 2021)",
    "category.regional": "With the regional simplification",
    "category.items": "list item {rows}",
    "category.qualifies": "Regional simplification applies",
    "category.undetermined": "EIA category undetermined: the screening gave no category (no row in the catalogue, or the category check did not run); the EIA consultancy must confirm it.",
    "category.park_grants": "Simplifications the park's regional assessment grants",
    "category.park_grants_source": "catalogue park {park_id} regional_assessment.simplifications (approved {approved}, valid {years} years)",
    "category.no_simplifications": "The site is in no park, or the park has no regional assessment: no simplification applies.",
    "category.freeze": "Note: a regional approval freeze (区域限批) is in force in the park.",
    "change.capacity": "{metric}: cut demand by {reduce_by} {unit} to fit what is left{reuse}",
    "change.capacity.reuse": " (wastewater at most {max_flow} m3/d, a reuse rate of {reuse_rate})",
    "change.site": "site",
    "change.industry": "industry or process",
    "change.route": "discharge route",
    "change.treatment": "treatment",
    "change.supply": "supply",
    "route.direct": "direct discharge",
    "route.indirect": "indirect discharge",
    "change.offset": "offset",
    "change.condition": "condition",
    "change.review": "control-unit requirement",
    "change.item": "{kind}: {text}",
    "change.none": "Nothing has to change.",
    "whatif.changes": "What-if: the smallest change that fits",
    "whatif.parks": "What-if: parks that could take the project as proposed",
    "whatif.flow_to_fit": "fits when wastewater is at most {flow} m3/d, i.e. reusing {reuse} of it",
    "whatif.here": "here",
    "whatif.col.metric": "cap",
    "whatif.col.demand": "demand",
    "whatif.col.remaining": "left",
    "whatif.col.cut": "cut",
    "whatif.col.max_flow": "flow at most",
    "whatif.col.reuse": "reuse",
    "whatif.col.rank": "#",
    "whatif.col.park": "park",
    "whatif.col.takes": "takes",
    "whatif.col.verdict": "verdict",
    "whatif.col.tightest": "tightest cap after",
    "whatif.col.why_not": "why not",
    "whatif.note": "parks are judged on park-level findings (access lists, capacity, offsets, standards); findings that depend on the exact site (setbacks, buffers, boundaries) are set aside",
    "whatif.note_missing": "some demands could not be computed (see the screening's DATA_MISSING findings)",
    "note.no_limits": "The screening gives no binding limits (the project states no concentrations, or the standards check did not run).",
    "note.no_capacity": "The site is in no park: no park cap applies.",
    "note.no_offsets": "No offset is required.",
    "note.no_findings": "No findings.",
    "note.disclaimer": "This screening precedes an EIA; it replaces neither the EIA document nor its approval.",
    "note.catalogue": "Park boundaries, control units, protected zones and capacity figures come from the catalogue \u201c{catalog}\u201d.",
    "note.map_crs": "The site map is drawn in {crs}; distances and areas in metres.",
    "note.batch_after": "\u201cAfter the batch\u201d assumes every project of the batch that passed or passed on conditions is approved. Each project was screened alone against the same position, so projects that fit one by one may together exceed a cap.",
    "note.batch_no_demand": "The input is CSV and holds no demands: only the utilisation before the batch is shown. For utilisation after the batch use JSON-lines input (screen --format json results).",
    "note.fallback": "(as screened)",
    "map.title": "{project}: site map",
    "map.park": "park boundary",
    "map.control_unit": "control unit",
    "map.red_line": "ecological red line",
    "map.water_source": "water-source protection zone",
    "map.receptor": "sensitive receptor",
    "map.setback": "setback distance",
    "map.buffer": "buffer the catalogue flags",
    "map.setback_violated": "setback distance (receptor inside)",
    "map.site": "project site",
    "map.north": "N",
    "map.crs": "CRS: {crs}",
    "map.batch_title": "Screened sites by verdict",
    "chart.committed": "committed",
    "chart.reserved": "reserved",
    "chart.project": "this project",
    "chart.over": "over the cap",
    "chart.remaining": "left after",
    "chart.cap": "cap {cap} {unit}",
    "chart.title": "{metric} ({unit}, {basis})  used {before} → {after}",
    "chart.demand_unknown": "this project's demand cannot be computed (information missing)",
    "chart.batch_title": "Cap utilisation by park: before and after the batch",
    "chart.before": "before",
    "chart.after": "after the batch",
}

MESSAGES: dict[Lang, dict[str, str]] = {"zh": _ZH, "en": _EN}


class Messages:
    """The catalogue in one language: ``msg("verdict.fail")``, ``msg("chart.cap", cap="1", unit="t/a")``.

    Examples
    --------
    >>> Messages("zh")("verdict.conditional")
    '有条件通过'
    >>> Messages("en")("chart.cap", cap="20,000", unit="m3/d")
    'cap 20,000 m3/d'
    """

    def __init__(self, lang: Lang):
        if lang not in MESSAGES:
            raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
        self.lang: Lang = lang
        self._table: Mapping[str, str] = MESSAGES[lang]

    def __call__(self, key: str, /, **fields: object) -> str:
        template = self._table[key]
        return template.format(**fields) if fields else template

    def get(self, key: str, default: str, /, **fields: object) -> str:
        """The message, or ``default`` when the catalogue has no such key (open vocabularies)."""
        return self(key, **fields) if key in self._table else default

    def __contains__(self, key: str) -> bool:
        return key in self._table


# --- figures and names, worded once ----------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def pick_language(text: str | None, lang: Lang) -> str:
    """One side of a catalogue text written ``中文 / English``; any other text unchanged.

    Examples
    --------
    >>> pick_language("南漪湖未达标 / Nanyi Lake not attained", "en")
    'Nanyi Lake not attained'
    >>> pick_language("南漪湖未达标 / Nanyi Lake not attained", "zh")
    '南漪湖未达标'
    >>> pick_language("郎川河 Langchuan River", "en"), pick_language("郎川河 Langchuan River", "zh")
    ('郎川河 Langchuan River', '郎川河')
    """
    if not text:
        return ""
    parts = text.split(" / ")
    if len(parts) == 2 and has_cjk(parts[0]) and not has_cjk(parts[1]):
        return parts[0].strip() if lang == "zh" else parts[1].strip()
    if lang == "zh":  # "南漪湖 Nanyi Lake": the Chinese name, without its English gloss
        head, _, tail = text.partition(" ")
        if tail and has_cjk(head) and not has_cjk(tail) and tail[:1].isascii() and tail[:1].isalpha():
            return head
    return text


def num(value: float | None, digits: int = 4) -> str:
    """A figure for people: thousands separators, never scientific notation, '—' for None.

    Below 1,000, ``digits`` significant digits; from 1,000 up, the whole number and the decimals that
    six significant digits leave. Figures arrive already rounded where results are built
    (:func:`regional_eia.findings.tidy`); this only chooses how many of their digits to print.

    Examples
    --------
    >>> num(16000), num(1200.5), num(97.3333), num(0.0000123), num(-8.9e-16), num(None)
    ('16,000', '1,200.5', '97.33', '0.0000123', '-0.00000000000000089', '—')
    """
    if value is None:
        return "—"
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 1000:
        decimals = max(0, 6 - len(str(int(abs(value)))))
        text = f"{value:,.{decimals}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    if value == 0:
        return "0"
    return np.format_float_positional(value, precision=digits, unique=False, fractional=False, trim="-")


def pct(value: float | None, decimals: int = 1) -> str:
    """A share as a percentage: ``0.973`` → ``97.3%``; '—' for None."""
    return "—" if value is None else f"{value:.{decimals}%}"


def name(values: Mapping[str, Any], key: str, lang: Lang) -> str:
    """A catalogue name from finding values: ``<key>_en`` in English when given, else the side of a
    bilingual ``中文 / English`` name in the language."""
    if lang == "en" and values.get(f"{key}_en"):
        return str(values[f"{key}_en"])
    return pick_language(values.get(key), lang)


@functools.lru_cache(maxsize=1)
def _pollutant_names() -> dict[str, str]:
    from standards import builtin_standards

    return {pid: p.zh for pid, p in builtin_standards().pollutants.items()}


def pollutant(pollutant_id: str, lang: Lang) -> str:
    """A pollutant or metric in words: the id in English, ``COD（化学需氧量）`` in Chinese."""
    table = MESSAGES[lang]
    if pollutant_id == "wastewater":
        return table["metric.wastewater"]
    zh = _pollutant_names().get(pollutant_id)
    if zh is None or lang == "en":
        return pollutant_id
    if "_" in pollutant_id or len(pollutant_id) > 8:  # a spelled-out id: the Chinese name says it all
        return zh
    return f"{pollutant_id}（{zh}）"


def point(point_id: str, lang: Lang) -> str:
    """A monitoring point: ``total_outlet``, ``workshop_outlet`` or ``<stack> concentration|rate``."""
    table = MESSAGES[lang]
    stack, _, what = point_id.rpartition(" ")
    if stack and what in ("concentration", "rate"):
        return table[f"point.stack_{what}"].format(stack=stack)
    return table.get(f"point.{point_id}", point_id)


def field_path(path: str, lang: Lang) -> str:
    """A project-form field in words, with its path so the company can find it."""
    if lang == "en":
        return path
    table = MESSAGES[lang]
    head, _, pollutant_id = path.rpartition(".")
    if f"field.{path}" in table:
        label = table[f"field.{path}"]
    elif f"field.{head}" in table:
        label = table[f"field.{head}"].format(pollutant=pollutant_id)
    else:
        return path
    return table["field.with_path"].format(label=label, path=path)


def value_text(value: Any) -> str:
    """A limit or proposed value: a pH range as ``6-9``, a number with :func:`num`."""
    if value is None:
        return "—"
    if isinstance(value, (list, tuple)):
        return "-".join(num(v) for v in value)
    return num(value)


# --- findings and changes, rendered from their typed values -----------------------------------------


def _t(lang: Lang, key: str, **fields: object) -> str:
    template = MESSAGES[lang][key]
    return template.format(**fields) if fields else template


def _join(lang: Lang, items: Iterable[str]) -> str:
    return MESSAGES[lang]["list.sep"].join(items)


def _processes(lang: Lang, processes: Iterable[str]) -> str:
    return _join(lang, (MESSAGES[lang].get(f"process.{p}", p) for p in processes))


def _cap_fields(v: Mapping[str, Any], lang: Lang) -> dict[str, str]:
    return {"park": name(v, "park_name", lang), "metric": pollutant(v["metric"], lang),
            "basis": MESSAGES[lang].get(f"basis.{v['basis']}", v["basis"]), "unit": v["unit"],
            "cap": num(v.get("cap")), "committed": num(v.get("committed")), "reserved": num(v.get("reserved")),
            "remaining": num(v.get("remaining")), "demand": num(v.get("demand"))}


def _reuse(v: Mapping[str, Any], lang: Lang, key: str) -> str:
    if v.get("reuse_rate_to_fit") is None:
        return ""
    return _t(lang, key, max_flow=num(v["max_flow_m3d"]), reuse_rate=pct(v["reuse_rate_to_fit"]))


def simplification_reason(reason: Mapping[str, Any], lang: Lang) -> str:
    """One reason for (or against) the regional simplification, from its typed form."""
    fields = {k: (pick_language(str(x), lang) if isinstance(x, str) else x) for k, x in reason.items() if k != "why"}
    if reason["why"] == "no_assessment":
        fields["park"] = name(reason, "park", lang)
        fields.pop("park_en", None)
    return _t(lang, f"simplification.{reason['why']}", **fields)


def _fields(code: str, v: Mapping[str, Any], lang: Lang) -> tuple[str, dict[str, object]]:
    """The template key of a finding and its fields, worded in ``lang``."""
    t = MESSAGES[lang]
    if code == "OUTSIDE_PARK":
        nearest = ""
        if v.get("nearest_park"):
            nearest = _t(lang, "finding.OUTSIDE_PARK.nearest", park=name(v, "nearest_park_name", lang),
                         distance=num(v["distance_m"]))
        return "finding.OUTSIDE_PARK", {"nearest": nearest}
    if code == "PARTLY_OUTSIDE_PARK":
        return "finding.PARTLY_OUTSIDE_PARK", {"park": name(v, "park_name", lang), "overlap": num(v["overlap_m2"])}
    if code in ("RED_LINE_OVERLAP", "WATER_SOURCE_OVERLAP", "RED_LINE_PROXIMITY", "WATER_SOURCE_PROXIMITY"):
        fields: dict[str, object] = {"zone": pick_language(v["zone_name"], lang),
                                     "grade": _t(lang, "part.grade", grade=v["grade"]) if v.get("grade") else ""}
        if "PROXIMITY" in code:
            fields.update(distance=num(v["distance_m"]), buffer=num(v["buffer_m"]))
        return f"finding.{code}", fields
    if code == "RECEPTOR_SETBACK":
        codes = v.get("setback_industries") or []
        return "finding.RECEPTOR_SETBACK", {
            "receptor": pick_language(v["receptor_name"], lang),
            "receptor_type": t.get(f"receptor.{v['receptor_type']}", v["receptor_type"]),
            "distance": num(v["distance_m"]), "setback": num(v["setback_m"]),
            "industries": _t(lang, "part.industries", codes=_join(lang, codes)) if codes
            else _t(lang, "part.any_industry")}
    if code in ("ACCESS_PROHIBITED", "ACCESS_RESTRICTED", "ACCESS_ENCOURAGED"):
        if v["list_kind"] == "park":
            where = _t(lang, "list.park", park=name(v, "list_name", lang))
        else:
            where = _t(lang, "list.unit", code=v["unit_code"],
                       unit_class=t.get(f"unit_class.{v['unit_class']}", v["unit_class"]))
        common = v.get("common_processes") or []
        conditions = v.get("conditions")
        return f"finding.{code}", {
            "industry": v["industry"], "list": where, "reason": pick_language(v["reason"], lang),
            "processes": _t(lang, "part.processes", processes=_processes(lang, common)) if common else "",
            "conditions": _t(lang, "part.conditions", conditions=pick_language(conditions, lang)) if conditions else ""}
    if code == "CAPACITY_EXCEEDED":
        return "finding.CAPACITY_EXCEEDED", {**_cap_fields(v, lang), "reduce_by": num(v["reduce_by"]),
                                             "reuse": _reuse(v, lang, "finding.CAPACITY_EXCEEDED.reuse")}
    if code == "CAPACITY_HIGH_UTILISATION":
        return "finding.CAPACITY_HIGH_UTILISATION", {**_cap_fields(v, lang), "after": pct(v["utilisation_after"]),
                                                     "threshold": pct(v["threshold"], 0)}
    if code == "OFFSET_REQUIRED":
        return "finding.OFFSET_REQUIRED", {
            "pollutant": pollutant(v["pollutant"], lang), "increment": num(v["increment_t_a"]),
            "ratio": num(v["ratio"]), "required": num(v["required_t_a"]), "reason": pick_language(v["reason"], lang)}
    if code == "STANDARD_EXCEEDED":
        unit = f" {v['unit']}" if v.get("unit") else ""
        return "finding.STANDARD_EXCEEDED", {
            "pollutant": pollutant(v["pollutant"], lang), "point": point(v["point"], lang),
            "proposed": value_text(v["proposed"]) + unit, "limit": value_text(v["limit"]) + unit,
            "source": v["source"] + (_t(lang, "finding.STANDARD_EXCEEDED.supplementary") if v.get("supplementary")
                                     else "")}
    if code == "NOT_CROSS_APPLIED":
        standards = _join(lang, v.get("not_covered_by") or [])
        if v.get("scope"):
            return "finding.NOT_CROSS_APPLIED.scope", {"standards": standards, "scope": v["scope"]}
        return "finding.NOT_CROSS_APPLIED", {"pollutant": pollutant(v["pollutant"], lang),
                                             "point": point(v["point"], lang), "standards": standards}
    if code == "INDUSTRY_PROCESS_MISMATCH":
        return "finding.INDUSTRY_PROCESS_MISMATCH", {
            "industry": v["industry"], "processes": _processes(lang, v.get("processes") or []),
            "standard": v["standard"], "by": t.get(f"finding.INDUSTRY_PROCESS_MISMATCH.{v['applied_by']}",
                                                   v["applied_by"])}
    if code == "WWTP_CLASS_BELOW_REQUIRED":
        return "finding.WWTP_CLASS_BELOW_REQUIRED", {
            "wwtp": pick_language(v["wwtp"], lang), "effluent_class": v["effluent_class"],
            "required_class": v["required_class"], "water": pick_language(v["receiving_water"], lang),
            "source": v["source"],
            "amendment": _t(lang, "finding.WWTP_CLASS_BELOW_REQUIRED.amendment") if v.get("amendment_not_read") else ""}
    if code == "STACK_BELOW_MINIMUM_HEIGHT":
        return "finding.STACK_BELOW_MINIMUM_HEIGHT", {"stack": v["stack"], "height": num(v["height_m"]),
                                                      "pollutants": _join(lang, v["pollutants"])}
    if code == "NEW_SOURCE_FORBIDDEN":
        return "finding.NEW_SOURCE_FORBIDDEN", {"stack": v["stack"], "grade": v["air_grade"]}
    if code == "STANDARD_NOT_COVERED":
        return "finding.STANDARD_NOT_COVERED", {"pollutant": pollutant(v["pollutant"], lang),
                                                "point": point(v["point"], lang)}
    if code == "POLLUTANT_NOT_DECLARED":
        names = [pollutant(p, lang) for p in v["pollutants"]]
        shown = _join(lang, names[:12]) + (_t(lang, "part.more", n=len(names) - 12) if len(names) > 12 else "")
        return "finding.POLLUTANT_NOT_DECLARED", {"standards": _join(lang, v["standards"]), "pollutants": shown}
    if code == "WORKSHOP_OUTLET_REQUIRED":
        return "finding.WORKSHOP_OUTLET_REQUIRED", {"pollutant": pollutant(v["pollutant"], lang),
                                                    "pollutant_id": v["pollutant"], "source": v["source"]}
    if code == "OUTFALL_FORBIDDEN" and v.get("receiving_kind") == "sea":
        return "finding.OUTFALL_FORBIDDEN.sea", {"receiving_class": v.get("receiving_class") or "—"}
    if code == "OUTFALL_FORBIDDEN":
        return "finding.OUTFALL_FORBIDDEN", {
            "receiving_class": v.get("receiving_class") or "—",
            "protection": _t(lang, "finding.OUTFALL_FORBIDDEN.protection") if v.get("protection_zone") else ""}
    if code == "EIA_CATEGORY":
        rows = v.get("rows") or []
        if v.get("regional_category"):
            regional = _t(lang, "finding.EIA_CATEGORY.regional",
                          regional=category_name(v["regional_category"], v.get("regional_category_zh"), lang))
        elif v.get("qualifies"):
            regional = _t(lang, "finding.EIA_CATEGORY.no_downgrade")
        else:
            why = t["list.reasons"].join(simplification_reason(r, lang) for r in v.get("simplification") or [])
            regional = _t(lang, "finding.EIA_CATEGORY.no_regional", why=why or "—")
        return "finding.EIA_CATEGORY", {
            "category": category_name(v["category"], v.get("category_zh"), lang),
            "rows": _t(lang, "finding.EIA_CATEGORY.rows", rows=_join(lang, map(str, rows))) if rows else "",
            "regional": regional}
    if code == "UNIT_REQUIREMENT":
        parts = [_t(lang, "finding.UNIT_REQUIREMENT.part", part=t[f"part.{key}"], text=" / ".join(v[key]))
                 for key in ("spatial_layout", "emission_control", "risk_prevention", "resource_efficiency")
                 if v.get(key)]
        return "finding.UNIT_REQUIREMENT", {
            "code": v["unit_code"], "zone": pick_language(v.get("unit_name") or "", lang),
            "unit_class": t.get(f"unit_class.{v['unit_class']}", v["unit_class"]),
            "texts": t["list.reasons"].join(parts) if parts else _t(lang, "finding.UNIT_REQUIREMENT.none")}
    if code == "NO_CONTROL_UNIT":
        return "finding.NO_CONTROL_UNIT", {}
    if code == "DISCHARGE_NOT_GIVEN":
        if v.get("standards"):
            why = _t(lang, "finding.DISCHARGE_NOT_GIVEN.standards", standards=_join(lang, v["standards"]))
        else:
            why = _t(lang, "finding.DISCHARGE_NOT_GIVEN.category",
                     category=category_name(v["category"], v.get("category_zh"), lang))
        return "finding.DISCHARGE_NOT_GIVEN", {"industry": v["industry"], "why": why}
    if code == "EFFLUENT_NOT_GIVEN":
        return "finding.EFFLUENT_NOT_GIVEN", {"flow": num(v["flow_m3d"]), "route": t.get(f"route.{v['route']}", v["route"])}
    if code == "DATA_MISSING":
        missing = _join(lang, (field_path(m, lang) for m in v.get("missing") or []))
        about = v["about"]
        if about == "capacity":
            return "finding.DATA_MISSING.capacity", {
                "park": name(v, "park_name", lang), "metric": pollutant(v["metric"], lang),
                "basis": t.get(f"basis.{v['basis']}", v["basis"]), "missing": missing}
        if about == "offset":
            return "finding.DATA_MISSING.offset", {"pollutant": pollutant(v["pollutant"], lang), "missing": missing}
        if about in ("unit", "not_detectable"):
            return f"finding.DATA_MISSING.{about}", {
                "pollutant": pollutant(v["pollutant"], lang), "proposed": v.get("proposed") or "—",
                "source": v.get("source") or "—", "limit_unit": v.get("limit_unit") or "—"}
        if about == "selection" and missing:
            return "finding.DATA_MISSING.selection", {"missing": missing}
        if about == "selection":
            kind = "GB 3097 {c} 类海域" if v.get("receiving_kind") == "sea" else "GB 3838 {c} 类水域"
            if lang == "en":
                kind = "GB 3097 class {c} sea" if v.get("receiving_kind") == "sea" else "GB 3838 class {c} water"
            return "finding.DATA_MISSING.authority", {"water": kind.format(c=v.get("receiving_class") or "—")}
        if about == "stack":
            return "finding.DATA_MISSING.stack", {"pollutant": pollutant(v["pollutant"], lang), "stack": v["stack"],
                                                  "missing": missing}
        if about == "fugitive":
            return "finding.DATA_MISSING.fugitive", {"source": v.get("source") or "—", "missing": missing}
        return "finding.DATA_MISSING.generic", {"missing": missing or (v.get("detail") or "—")}
    raise KeyError(f"no template for finding code {code}")


def finding_message(code: str, values: Mapping[str, Any], lang: Lang = "en") -> str:
    """The sentence of a finding in ``lang``, from its code's typed values alone.

    Examples
    --------
    >>> v = {"pollutant": "COD", "increment_t_a": 45.0, "ratio": 2.0, "required_t_a": 90.0,
    ...      "reason": "南漪湖未达标 / Nanyi Lake not attained", "how": ""}
    >>> finding_message("OFFSET_REQUIRED", v, "en")
    'COD: the increment of 45 t/a must be offset 2:1, i.e. 90 t/a cut elsewhere (Nanyi Lake not attained)'
    >>> finding_message("OFFSET_REQUIRED", v, "zh")
    'COD（化学需氧量）：新增量 45 t/a 须按 2:1 倍量削减替代，即在区域内另行削减 90 t/a（南漪湖未达标）'
    """
    key, fields = _fields(code, values, lang)
    return _t(lang, key, **fields)


def change_line(code: str, change: str | None, values: Mapping[str, Any], lang: Lang = "en") -> str | None:
    """The "what would have to change" line a finding asks for (``change`` is its registry kind), or None."""
    if change is None:
        return None
    if change == "capacity":
        return _t(lang, "change.capacity", metric=pollutant(values["metric"], lang), reduce_by=num(values["reduce_by"]),
                  unit=values["unit"], reuse=_reuse(values, lang, "change.capacity.reuse"))
    if change == "condition":
        if not values.get("conditions"):
            return None
        text = pick_language(values["conditions"], lang)
    else:
        text = finding_message(code, values, lang)
    kind = "route" if code == "OUTFALL_FORBIDDEN" else change
    return _t(lang, "change.item", kind=MESSAGES[lang][f"change.{kind}"], text=text)


def category_name(category_id: str, category_zh: str | None, lang: Lang) -> str:
    """``报告书`` in Chinese; ``报告书 (report_book)`` in English, the id being the list's."""
    if lang == "zh":
        return category_zh or category_id
    return f"{category_zh} ({category_id})" if category_zh else category_id


def code_title(code: str, lang: Lang) -> str:
    return MESSAGES[lang].get(f"code.{code}", code)


def default_lang(environ: Mapping[str, str] | None = None) -> Lang:
    """``zh`` when the user's locale is Chinese, else ``en`` (what ``--lang`` defaults to).

    ``REGIONAL_EIA_LANG`` (``zh`` or ``en``) decides when set; else the first of ``LANGUAGE``, ``LC_ALL``,
    ``LC_MESSAGES``, ``LANG`` that is set, as gettext reads them.

    Examples
    --------
    >>> default_lang({"LANG": "zh_CN.UTF-8"}), default_lang({"LC_ALL": "C.UTF-8", "LANG": "zh_CN"}), default_lang({})
    ('zh', 'en', 'en')
    """
    import os

    environ = os.environ if environ is None else environ
    if environ.get("REGIONAL_EIA_LANG") in LANGS:  # the user's standing choice, over the locale
        return environ["REGIONAL_EIA_LANG"]
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable)
        if value:
            return "zh" if value.split(":")[0].lower().startswith("zh") else "en"
    return "en"
