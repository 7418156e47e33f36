"""The one alias table: the names committees' files use for each field, metric, class and pollutant.

Field names are matched after normalisation (:func:`field_key`: NFKC, spaces and punctuation removed,
ASCII case folded). Every Chinese alias also matches its 10-byte dBase truncations, cut by bytes in GBK
and in UTF-8 the way ArcGIS and GDAL write them (管控单元编码 is 12 bytes in GBK and arrives as 管控单元编),
so the truncations are derived here, never typed. The pinyin codes are those of deployed provincial
三线一单 platforms (HJZHGKDYBM = 环境综合管控单元编码, ...).

``regional-eia catalog import`` reads layers, caps sheets and access sheets through this table; batch
input and project files read pollutant names through :func:`pollutant_id`.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping

__all__ = [
    "FIELD_ALIASES",
    "CAPS_HEADERS",
    "ACCESS_HEADERS",
    "PARK_INFO_KEYS",
    "METRIC_ALIASES",
    "UNIT_CLASSES",
    "ACCESS_PARTS",
    "EFFLUENT_CLASSES",
    "field_key",
    "dbase_truncations",
    "match_fields",
    "unit_class",
    "effluent_class",
    "metric_id",
    "pollutant_id",
    "pollutant_aliases",
    "closest",
]

# role -> aliases, per kind of layer. The first alias is the name import writes in messages.
FIELD_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "control_unit": {
        "code": ("管控单元编码", "环境管控单元编码", "单元编码", "管控单元代码", "单元代码", "编码",
                 "HJZHGKDYBM", "ZHGKDYBM", "GKDYBM", "HJGKDYBM", "DYBM", "UNIT_CODE", "CODE"),
        "name": ("管控单元名称", "环境管控单元名称", "单元名称", "名称", "HJZHGKDYMC", "ZHGKDYMC", "GKDYMC",
                 "HJGKDYMC", "DYMC", "UNIT_NAME", "NAME"),
        "class": ("管控单元分类", "管控单元类别", "环境管控单元分类", "单元分类", "单元类别", "管控类别", "管控分类",
                  "类别", "分类", "ZHGKDYFL", "HJZHGKDYFL", "GKDYFL", "DYFL", "GKLB", "CLASS"),
        "spatial_layout": ("空间布局约束", "区域布局管控", "空间布局管控", "空间布局", "KJBJYS", "QYBJGK"),
        "emission_control": ("污染物排放管控", "污染物排放", "PWWPFGK", "WRWPFGK"),
        "risk_prevention": ("环境风险防控", "风险防控", "HJFXFK"),
        "resource_efficiency": ("资源开发效率要求", "资源利用效率要求", "资源开发利用效率", "资源开发效率", "资源利用效率",
                                "ZYKFXLYQ", "ZYLYXLYQ"),
        "province": ("省", "省份", "省级", "PROV", "PROVINCE"),
        "city": ("市", "地市", "城市", "CITY"),
        "county": ("县", "区县", "县区", "AREA", "COUNTY"),
    },
    "park": {
        "id": ("园区编码", "园区代码", "开发区编码", "开发区代码", "园区编号", "编码", "代码", "YQBM", "PARK_CODE",
               "PARK_ID", "CODE", "ID"),
        "name": ("园区名称", "开发区名称", "园区", "名称", "YQMC", "PARK_NAME", "NAME"),
        "level": ("园区级别", "开发区级别", "级别", "LEVEL"),
    },
    "red_line": {
        "id": ("红线编码", "生态保护红线编码", "编码", "标识码", "BSM", "HXBM", "CODE", "ID"),
        "name": ("红线名称", "生态保护红线名称", "名称", "HXMC", "NAME"),
    },
    "water_source": {
        "id": ("保护区编码", "水源地编码", "编码", "CODE", "ID"),
        "name": ("保护区名称", "水源地名称", "水源保护区名称", "名称", "NAME"),
        "grade": ("保护区级别", "保护级别", "级别", "GRADE"),
    },
    "receptor": {
        "id": ("敏感点编码", "编码", "CODE", "ID"),
        "name": ("敏感点名称", "敏感目标名称", "名称", "NAME"),
        "type": ("敏感点类型", "敏感目标类型", "类型", "TYPE"),
    },
}

CAPS_HEADERS: dict[str, tuple[str, ...]] = {
    "park": ("园区", "园区名称", "园区编码", "开发区", "PARK"),
    "metric": ("指标", "污染物", "指标名称", "污染物名称", "控制因子", "因子", "项目", "METRIC", "POLLUTANT"),
    "value": ("总量上限", "总量控制指标", "总量控制目标", "控制指标", "上限", "允许排放总量", "总量", "限值", "核定总量",
              "CAP", "VALUE"),
    "committed": ("已批复", "已占用", "已批复量", "已使用", "已核定", "已批", "COMMITTED"),
    "reserved": ("在审", "预留", "在审项目", "预留量", "在审预留", "RESERVED"),
    "unit": ("单位", "计量单位", "UNIT"),
    "basis": ("口径", "核算口径", "核算基准", "BASIS"),
    "source": ("依据", "来源", "依据来源", "数据来源", "出处", "SOURCE"),
}

ACCESS_HEADERS: dict[str, tuple[str, ...]] = {
    "park": ("园区", "园区名称", "园区编码", "PARK"),
    "unit": ("管控单元编码", "单元编码", "管控单元", "UNIT"),
    "part": ("类别", "准入类别", "管控类别", "清单类别", "类型", "PART"),
    "industry_name": ("行业名称", "行业", "产业", "INDUSTRY_NAME"),
    "codes": ("行业代码", "国民经济行业代码", "行业分类代码", "GB/T4754", "GBT4754", "代码", "CODE", "CODES"),
    "processes": ("工艺", "工艺特征", "生产工艺", "PROCESSES"),
    "conditions": ("要求", "准入要求", "管控要求", "条件", "准入条件", "CONDITIONS"),
    "reason": ("依据", "理由", "原因", "说明", "REASON"),
}

# 园区基本情况: key (first column) -> role
PARK_INFO_KEYS: dict[str, tuple[str, ...]] = {
    "park": ("园区名称", "园区", "开发区名称"),
    "park_code": ("园区编码", "园区代码"),
    "level": ("园区级别", "级别"),
    "wwtp_name": ("污水处理厂", "污水处理厂名称", "集中污水处理厂"),
    "wwtp_capacity": ("污水处理厂规模", "设计规模", "处理规模", "设计处理能力"),
    "wwtp_class": ("出水执行标准", "出水标准", "排放标准", "执行标准", "出水水质标准"),
    "wwtp_built": ("建成时间", "投运时间", "建成投运时间"),
    "wwtp_kind": ("污水处理厂类型",),
    "receiving_water": ("受纳水体", "纳污水体"),
    "target_class": ("水质目标", "水环境功能区类别", "目标水质", "水质类别目标"),
    "water_attained": ("是否达标", "水质是否达标", "水环境质量达标", "受纳水体是否达标"),
    "not_attained_since": ("未达标起始年份", "超标年份"),
    "air_attained": ("大气环境质量", "大气是否达标", "环境空气质量是否达标", "空气质量达标"),
    "offset_ratio": ("倍量削减替代", "倍量替代比例", "削减替代比例"),
    "planning_eia": ("规划环评", "规划环评批复", "审查意见"),
    "assessment_approved": ("区域评估批复日期", "区域评估批复时间", "区域评估"),
    "assessment_years": ("有效期", "区域评估有效期", "有效期年"),
}
UNIT_CLASSES = {
    "优先保护": "priority", "优先保护单元": "priority", "优先保护类": "priority", "优先": "priority", "1": "priority",
    "重点管控": "key", "重点管控单元": "key", "重点管控类": "key", "重点": "key", "2": "key",
    "一般管控": "general", "一般管控单元": "general", "一般管控类": "general", "一般": "general", "3": "general",
    "priority": "priority", "key": "key", "general": "general",
}
CLASS_DIGIT = {"priority": "1", "key": "2", "general": "3"}
CLASS_ZH = {"priority": "优先保护", "key": "重点管控", "general": "一般管控"}

ACCESS_PARTS = {
    "禁止": "prohibited", "禁止类": "prohibited", "禁止准入": "prohibited", "禁止进入": "prohibited",
    "限制": "restricted", "限制类": "restricted", "限制准入": "restricted", "有条件准入": "restricted",
    "鼓励": "encouraged", "鼓励类": "encouraged", "允许": "encouraged", "允许类": "encouraged", "优先引入": "encouraged",
    "prohibited": "prohibited", "restricted": "restricted", "encouraged": "encouraged",
}

# GB 18918-2002 classes as committees write them
EFFLUENT_CLASSES = {
    "1a": "1A", "一级a": "1A", "一级a标准": "1A", "一级a类": "1A", "ia": "1A",
    "1b": "1B", "一级b": "1B", "一级b标准": "1B", "ib": "1B",
    "2": "2", "二级": "2", "二级标准": "2", "ii": "2",
    "3": "3", "三级": "3", "三级标准": "3", "iii": "3",
}

# cap metrics beyond the pollutant registry's own ids, names and abbreviations
METRIC_ALIASES = {
    "wastewater": ("废水", "废水量", "废水排放量", "污水", "污水量", "污水排放量", "排水量", "wastewater"),
    "COD": ("CODcr", "COD_Cr", "化学需氧量", "COD"),
    "NH3-N": ("氨氮", "NH3N", "NH3-N", "NH4-N", "氨氮(NH3-N)"),
    "TP": ("总磷", "TP"),
    "TN": ("总氮", "TN"),
    "SO2": ("二氧化硫", "SO2"),
    "NOx": ("氮氧化物", "NOX", "NOx"),
    "VOCs": ("挥发性有机物", "VOCs", "VOC", "非甲烷总烃类VOCs"),
    "PM": ("颗粒物", "烟粉尘", "烟尘", "粉尘", "PM", "烟（粉）尘"),
}

_PUNCTUATION = re.compile(r"[\s_\-—/\\()（）\[\]【】·.,，、:：]+")


def field_key(name: object) -> str:
    """A field or header name as compared: NFKC, no spaces or punctuation, ASCII upper-cased.

    >>> field_key(" 管控单元 编码（ZH）") == field_key("管控单元编码zh")
    True
    """
    text = unicodedata.normalize("NFKC", str(name)).strip()
    return _PUNCTUATION.sub("", text).upper()


def dbase_truncations(name: str, width: int = 10) -> set[str]:
    """What dBase makes of a field name: cut to ``width`` bytes in GBK and in UTF-8, a cut character dropped.

    >>> sorted(dbase_truncations("管控单元编码"))
    ['管控单', '管控单元编', '管控单元编码']
    """
    out = {name}
    for encoding in ("gbk", "utf-8"):
        try:
            raw = name.encode(encoding)
        except UnicodeEncodeError:
            continue
        if len(raw) > width:
            out.add(raw[:width].decode(encoding, errors="ignore"))
    return out


def _alias_keys(aliases: Iterable[str]) -> dict[str, str]:
    """normalised key -> the alias it came from, truncations included."""
    keys: dict[str, str] = {}
    for alias in aliases:
        for variant in dbase_truncations(alias):
            keys.setdefault(field_key(variant), alias)
    return keys


def match_fields(fields: Iterable[str], roles: Mapping[str, tuple[str, ...]]) -> tuple[dict[str, str], list[str]]:
    """Map a file's field names to roles through ``roles`` (e.g. ``FIELD_ALIASES["control_unit"]``).

    Returns ``({role: field}, unmatched fields)``. A field matches the role of its most specific alias
    (an exact alias before a truncation; among roles, the one listed first); when two fields give one
    role, the one matching an earlier alias wins and the other is left unmatched.

    >>> match_fields(["管控单元编", "HJZHGKDYMC", "ZHGKDYFL", "SHAPE_AREA"], FIELD_ALIASES["control_unit"])
    ({'code': '管控单元编', 'name': 'HJZHGKDYMC', 'class': 'ZHGKDYFL'}, ['SHAPE_AREA'])
    """
    fields = list(fields)
    best: dict[str, tuple[int, str]] = {}
    unmatched = []
    for field in fields:
        key = field_key(field)
        hit = None
        cut_roles = set()
        for role, aliases in roles.items():
            for rank, alias in enumerate(aliases):
                if key in {field_key(v) for v in dbase_truncations(alias)}:
                    exact = key == field_key(alias)
                    if not exact:
                        cut_roles.add(role)
                    score = rank * 2 + (0 if exact else 1)
                    if hit is None or score < hit[1] or (exact and hit[1] % 2):
                        hit = (role, score)
                    break
        if hit is not None and hit[1] % 2 and len(cut_roles) > 1:
            hit = None  # a cut name two roles share (管控单 from 管控单元编码 and 管控单元名称): never guess
        if hit is None:
            unmatched.append(field)
            continue
        role, score = hit
        if role not in best or score < best[role][0]:
            if role in best:
                unmatched.append(best[role][1])
            best[role] = (score, field)
        else:
            unmatched.append(field)
    mapping = {role: field for role, (_, field) in sorted(best.items(), key=lambda kv: fields.index(kv[1][1]))}
    return mapping, [f for f in fields if f in unmatched]


def unit_class(value: object) -> str | None:
    """A control unit's class as read (优先保护, 优先保护单元, 1, 重点管控 ...) -> priority / key / general.

    >>> unit_class("优先保护单元"), unit_class(2), unit_class("一般管控"), unit_class("其他")
    ('priority', 'key', 'general', None)
    """
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text.endswith(".0"):
        text = text[:-2]
    return UNIT_CLASSES.get(text) or UNIT_CLASSES.get(text.lower()) or UNIT_CLASSES.get(_PUNCTUATION.sub("", text))


def effluent_class(value: object) -> str | None:
    """A WWTP's GB 18918-2002 class as committees write it (一级A, 一级A标准, 1A, IA) -> 1A / 1B / 2 / 3.

    >>> effluent_class("一级A"), effluent_class("一级 B 标准"), effluent_class("1a")
    ('1A', '1B', '1A')
    """
    key = _PUNCTUATION.sub("", unicodedata.normalize("NFKC", str(value)).strip().lower())
    return EFFLUENT_CLASSES.get(key)


def pollutant_aliases(pollutants: Mapping[str, object] | None = None) -> dict[str, str]:
    """normalised name -> pollutant id, from the registry's ids, Chinese names and abbreviations, plus
    :data:`METRIC_ALIASES`. ``pollutants`` defaults to the built-in standards' registry."""
    if pollutants is None:
        return _builtin_aliases()
    return _aliases_of(pollutants)


@functools.lru_cache(maxsize=1)
def _builtin_aliases() -> dict[str, str]:
    from standards import builtin_standards

    return _aliases_of(builtin_standards().pollutants)


def _aliases_of(pollutants: Mapping[str, object]) -> dict[str, str]:
    table: dict[str, str] = {}
    for pid, pol in pollutants.items():
        for name in (pid, getattr(pol, "zh", None), getattr(pol, "abbreviation", None)):
            if name:
                table.setdefault(field_key(name), pid)
    for pid, names in METRIC_ALIASES.items():
        if pid == "wastewater" or pid in pollutants:
            for name in names:
                table[field_key(name)] = pid
    return table


def pollutant_id(name: str, pollutants: Mapping[str, object] | None = None) -> str | None:
    """The registry id a committee's pollutant name stands for (CODcr, CODCr, 化学需氧量 -> COD), or None.

    >>> pollutant_id("CODcr"), pollutant_id("氨氮"), pollutant_id("烟粉尘"), pollutant_id("xyz")
    ('COD', 'NH3-N', 'PM', None)
    """
    if pollutants is not None and name in pollutants:
        return name
    found = pollutant_aliases(pollutants).get(field_key(name))
    return None if found == "wastewater" else found


def metric_id(name: str, pollutants: Mapping[str, object] | None = None) -> str | None:
    """A cap's metric: ``wastewater`` (废水, 污水量 ...) or a pollutant id.

    >>> metric_id("废水"), metric_id("化学需氧量"), metric_id("VOCs")
    ('wastewater', 'COD', 'VOCs')
    """
    return pollutant_aliases(pollutants).get(field_key(name))


def closest(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The known names nearest to ``name`` (for "did you mean" in messages)."""
    known = list(dict.fromkeys(known))
    by_key = {field_key(k): k for k in known}
    near = difflib.get_close_matches(field_key(name), list(by_key), n=n, cutoff=0.4)
    return [by_key[k] for k in near]


def process_flag(text: str, flags: Mapping[str, object]) -> tuple[str | None, list[str]]:
    """A process as typed (a flag id, or its Chinese name: 电镀, 电镀工艺, 染色) -> (flag id, candidates).

    Returns ``(flag, [])`` when exactly one flag fits, else ``(None, the flags it could mean)``.

    >>> from standards.eia_category import load_classification
    >>> process_flag("电镀", load_classification().flags)[0], process_flag("染色", load_classification().flags)[0]
    ('electroplating', 'dyeing')
    """
    text = unicodedata.normalize("NFKC", text).strip()
    if text in flags:
        return text, []
    zh = {fid: unicodedata.normalize("NFKC", getattr(flag, "zh", "") or "") for fid, flag in flags.items()}
    exact = [fid for fid, name in zh.items() if name == text or name.removesuffix("工艺") == text]
    found = exact or [fid for fid, name in zh.items() if text and text in name]
    if len(found) == 1:
        return found[0], []
    return None, found


def aliases_markdown() -> str:
    """What ``catalog import`` recognises, as the tables of docs/catalogue.md (a test keeps them equal).

    10-byte dBase truncations of the Chinese names are matched too and are not listed.
    """
    lines = []
    titles = {"control_unit": "Control units (环境管控单元)", "park": "Parks (园区边界)", "red_line": "Red lines (生态保护红线)",
              "water_source": "Water-source protection zones (饮用水水源保护区)", "receptor": "Sensitive receptors"}
    for kind, roles in FIELD_ALIASES.items():
        lines += [f"**{titles[kind]}**", "", "| role | field names read |", "| --- | --- |"]
        lines += [f"| `{role}` | {', '.join(names)} |" for role, names in roles.items()]
        lines.append("")
    for title, table in (("Park facts sheet (园区基本情况: first column the item, second its value)", PARK_INFO_KEYS),
                         ("Caps sheet (总量控制指标) headers", CAPS_HEADERS),
                         ("Access-list sheet (环境准入清单) headers", ACCESS_HEADERS)):
        lines += [f"**{title}**", "", "| role | headers read |", "| --- | --- |"]
        lines += [f"| `{role}` | {', '.join(names)} |" for role, names in table.items()]
        lines.append("")
    lines += ["**Cap metrics** (besides the pollutant registry's ids, Chinese names and abbreviations)", "",
              "| metric | names read |", "| --- | --- |"]
    lines += [f"| `{metric}` | {', '.join(names)} |" for metric, names in METRIC_ALIASES.items()]
    lines += ["", "**Values**", "",
              "| what | read as |", "| --- | --- |",
              "| unit class | " + ", ".join(f"{k} → {v}" for k, v in UNIT_CLASSES.items()) + " |",
              "| access part | " + ", ".join(f"{k} → {v}" for k, v in ACCESS_PARTS.items()) + " |",
              "| WWTP class (GB 18918-2002) | " + ", ".join(f"{k} → {v}" for k, v in EFFLUENT_CLASSES.items()) + " |"]
    return "\n".join(lines)
