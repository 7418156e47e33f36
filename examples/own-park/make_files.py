"""Write the raw files a park committee holds, as its systems write them (demo data, not surveyed).

    python examples/own-park/make_files.py [FOLDER]      # default: this script's folder

Writes, for the 示例经济开发区（演示） near Hefei:

- 园区边界.shp      park boundary, CGCS2000 GK CM 117E (EPSG:4548), GBK attributes, no .cpg
- 环境管控单元.shp  三线一单 control units, GK zone 39 with the zone number (EPSG:4527), GBK, no .cpg,
                    field names cut to 10 bytes by dBase (管控单元编码 -> 管控单元编, 空间布局约束 -> 空间布局约)
- 总量控制指标.xlsx the park's basic facts (first sheet) and its caps (second sheet, under a title row)
- 环境准入清单.xlsx the access list (禁止类 / 限制类 / 鼓励类, GB/T 4754 codes written 3360, C17, C39)
- 入园项目清单.xlsx 20 projects with Chinese headers: a 填表说明 sheet first, a title row, a units row,
                    some coordinates copied from Amap (GCJ-02) or Baidu, a thousands separator, full-width digits
- 入园项目清单.csv  the same projects as a GBK CSV (as Excel's "CSV" saves it on a Chinese Windows)

Everything is built here in code, so the files can be rebuilt and the tests build the same ones.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import geopandas as gpd
import openpyxl
from shapely.geometry import box

from zones.crs import gcj02_to_bd09, wgs84_to_gcj02

HERE = Path(__file__).resolve().parent

PARK_DEG = box(117.28, 31.78, 117.34, 31.83)
UNITS_DEG = [  # code, name, class, geometry, the four requirement texts
    ("ZH34010410001", "示例河生态绿廊优先保护单元（演示）", "优先保护单元", box(117.26, 31.76, 117.29, 31.85),
     "禁止新建、扩建工业项目；现有工业企业逐步退出。", "不得新设排污口。", "", ""),
    ("ZH34010420001", "示例经开区重点管控单元（演示）", "重点管控单元", box(117.29, 31.76, 117.36, 31.85),
     "禁止新建化工、电镀等重污染项目（园区规划的集中区除外）。", "新建项目主要水污染物实行倍量削减替代。",
     "涉危险化学品企业须编制突发环境事件应急预案。", "单位工业增加值新鲜水耗不高于8立方米/万元。"),
    ("ZH34010430001", "示例县一般管控单元（演示）", "一般管控单元", box(117.36, 31.76, 117.42, 31.85),
     "", "", "", ""),
]
UNIT_FIELDS = ("管控单元编码", "管控单元名称", "管控类别", "空间布局约束", "污染物排放管控", "环境风险防控", "资源开发效率要求")

PARK_FACTS = [
    ("园区名称", "示例经济开发区（演示）"), ("园区编码", "SL-ED"), ("园区级别", "省级"),
    ("污水处理厂", "示例经开区污水处理厂（演示）"), ("设计规模", 30000), ("出水执行标准", "GB 18918-2002 一级A"),
    ("建成时间", "2016-06-30"), ("受纳水体", "示例河（演示）"), ("水质目标", "III类"), ("是否达标", "否"),
    ("未达标起始年份", 2019), ("大气环境质量", "达标"), ("倍量削减替代", 2),
    ("规划环评", "示例经开区总体规划环境影响报告书（演示）及审查意见"), ("区域评估批复日期", "2023-05-10"), ("有效期", 5),
]
CAPS_HEADER = ("序号", "指标", "总量上限", "已批复", "在审", "单位", "口径", "依据")
CAPS = [
    (1, "废水", 20000, 15000, 1000, "t/d", "最终排放", "规划环评审查意见（演示）"),
    (2, "化学需氧量", 365, 250, 20, "t/a", "最终排放", "规划环评审查意见（演示）"),
    (3, "氨氮", 36.5, 25, 2, "t/a", "最终排放", "规划环评审查意见（演示）"),
    (4, "总磷", 3.65, 2.5, 0.2, "t/a", "最终排放", "规划环评审查意见（演示）"),
    (5, "二氧化硫", 200, 120, 10, "t/a", None, "规划环评审查意见（演示）"),
    (6, "氮氧化物", 300, 150, 20, "t/a", None, "规划环评审查意见（演示）"),
    (7, "挥发性有机物", 150, 80, 10, "t/a", None, "规划环评审查意见（演示）"),
    (8, "颗粒物", 100, 50, 5, "t/a", None, "规划环评审查意见（演示）"),
]
ACCESS_HEADER = ("类别", "行业名称", "行业代码", "工艺", "要求", "依据")
ACCESS = [
    ("禁止类", "金属表面处理（电镀）", "3360", "电镀", None, "园区未规划电镀集中区（演示）"),
    ("禁止类", "炼油、炼焦", "C2511、C2521", None, None, "规划环评审查意见（演示）"),
    ("限制类", "纺织印染", "C17", None, "水重复利用率不低于40%，废水预处理达接管标准", "规划环评审查意见（演示）"),
    ("鼓励类", "电子信息、装备制造", "C39, C34", None, None, "园区主导产业（演示）"),
]

PROJECT_HEADER = ("项目编号", "项目名称", "行业代码", "工艺", "经度", "纬度", "坐标系", "排放去向", "废水量",
                  "年运行天数", "COD", "氨氮", "总磷", "二氧化硫", "氮氧化物", "VOCs", "备注")
PROJECT_UNITS = ("", "", "", "", "°", "°", "", "", "m3/d", "d", "mg/L", "mg/L", "mg/L", "t/a", "t/a", "t/a", "")
# id, name, industry, processes, WGS84 lon, lat, crs label, route, flow, days, COD, NH3-N, TP, SO2, NOx, VOCs, note
PROJECTS = [
    ("SL-01", "电子元件项目", "3982", "", 117.310, 31.800, "2000国家大地坐标系", "接管园区污水处理厂", "800", "300",
     "300", "25", "4", "", "", "", ""),
    ("SL-02", "纺织印染二期", "C1713", "前处理；染色", 117.320, 31.810, "2000国家大地坐标系", "纳管", "4,500", "300",
     "180", "8", "1", "", "", "", "千分位"),
    ("SL-03", "五金电镀项目", "C3360", "电镀", 117.300, 31.795, "WGS84", "间接排放", "150", "300", "80", "8", "1",
     "", "", "", ""),
    ("SL-04", "装备制造涂装线", "C3484", "", 117.330, 31.820, "GPS", "", "", "", "", "", "", "80", "20", "12", ""),
    ("SL-05", "精密机械加工", "C3484", "", 117.325, 31.790, "高德", "间接排放", "200", "250", "200", "20", "2",
     "", "", "", "高德坐标"),
    ("SL-06", "绿廊内电子组装项目", "C3990", "", 117.2850, 31.805, "2000国家大地坐标系", "间接排放", "100", "300",
     "200", "20", "2", "", "", "", "优先保护单元内"),
    ("SL-07", "印染项目（未填排水）", "C1713", "染色", 117.315, 31.815, "CGCS2000", "", "", "", "", "", "", "",
     "", "", ""),
    ("SL-08", "园区外机械项目", "C3484", "", 117.380, 31.800, "CGCS2000", "间接排放", "50", "300", "200", "20",
     "2", "", "", "", "园区外"),
    ("SL-09", "新能源电池组装", "C3849", "", 117.305, 31.825, "高德地图", "间接排放", "１２０", "300", "250",
     "25", "3", "", "", "", "全角数字"),
    ("SL-10", "汽车零部件", "C3670", "", 117.335, 31.785, "百度", "间接排放", "300", "300", "250", "25", "3",
     "5", "8", "6", "百度坐标"),
    ("SL-11", "电子材料", "C3985", "", 117.312, 31.812, "CGCS2000", "间接排放", "400", "330", "300", "30", "3",
     "", "", "", ""),
    ("SL-12", "食品加工", "C1392", "", 117.318, 31.796, "CGCS2000", "间接排放", "600", "300", "400", "35", "4",
     "", "", "", ""),
    ("SL-13", "仓储物流", "G5960", "", 117.322, 31.804, "CGCS2000", "", "", "", "", "", "", "", "", "", "无生产废水"),
    ("SL-14", "塑料制品", "C2929", "", 117.328, 31.808, "腾讯 (GCJ-02)", "间接排放", "80", "300", "200", "20",
     "2", "", "", "8", ""),
    ("SL-15", "家具制造", "C2110", "", 117.332, 31.814, "CGCS2000", "间接排放", "60", "300", "200", "20", "2",
     "", "", "10", ""),
    ("SL-16", "通用设备", "C3411", "", 117.308, 31.818, "CGCS2000", "间接排放", "90", "300", "200", "20", "2",
     "1", "2", "1", ""),
    ("SL-17", "医疗器械", "C3581", "", 117.303, 31.788, "CGCS2000", "间接排放", "150", "300", "250", "25", "3",
     "", "", "", ""),
    ("SL-18", "光学元件", "C3976", "", 117.337, 31.826, "CGCS2000", "间接排放", "250", "300", "250", "25", "3",
     "", "", "", ""),
    ("SL-19", "锅炉改造", "D4430", "", 117.316, 31.822, "CGCS2000", "", "", "", "", "", "", "30", "40", "", ""),
    ("SL-20", "工业机器人", "C3491", "", 117.329, 31.799, "CGCS2000", "间接排放", "70", "300", "200", "20", "2",
     "", "", "", ""),
]


def site_as_typed(lon: float, lat: float, label: str) -> tuple[float, float]:
    """The WGS84 site as the company copied it: from Amap/Tencent in GCJ-02, from Baidu in BD-09."""
    if label in ("高德", "高德地图", "腾讯 (GCJ-02)"):
        glon, glat = wgs84_to_gcj02(lon, lat)
        return round(float(glon), 6), round(float(glat), 6)
    if label == "百度":
        blon, blat = gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))
        return round(float(blon), 6), round(float(blat), 6)
    return lon, lat


def project_rows() -> list[list[str]]:
    rows = []
    for p in PROJECTS:
        lon, lat = site_as_typed(p[4], p[5], p[6])
        rows.append([p[0], p[1], p[2], p[3], f"{lon:.6f}", f"{lat:.6f}", *p[6:]])
    return rows


def write_shapefile(frame: gpd.GeoDataFrame, path: Path, *, encoding: str = "GBK", cpg: bool = False,
                    ldid: int = 0x00) -> Path:
    """A Shapefile as ArcGIS on a Chinese Windows writes it: GBK, no .cpg, the LDID byte as given."""
    frame.to_file(path, driver="ESRI Shapefile", encoding=encoding, engine="pyogrio")
    if not cpg:
        path.with_suffix(".cpg").unlink(missing_ok=True)
    with path.with_suffix(".dbf").open("r+b") as f:
        f.seek(29)
        f.write(bytes([ldid]))
    return path


def truncated(name: str, encoding: str = "gbk", width: int = 10) -> str:
    """A field name as dBase stores it: cut to ``width`` bytes in the file's encoding."""
    return name.encode(encoding)[:width].decode(encoding, errors="ignore")


def write_sheet(book: openpyxl.Workbook, title: str, header, rows, *, title_row: str | None = None,
                units=None) -> None:
    sheet = book.create_sheet(title)
    if title_row:
        sheet.append([title_row])
    sheet.append(list(header))
    if units:
        sheet.append(list(units))
    for row in rows:
        sheet.append(list(row))


def make_files(folder: Path = HERE) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    park = gpd.GeoDataFrame({"园区名称": ["示例经济开发区（演示）"], "园区编码": ["SL-ED"], "级别": ["省级"]},
                            geometry=gpd.GeoSeries([PARK_DEG], crs=4490).to_crs(4548))
    units = gpd.GeoDataFrame(
        {truncated(f): [u[i] if i < 3 else u[i + 1] for u in UNITS_DEG] for i, f in enumerate(UNIT_FIELDS)},
        geometry=gpd.GeoSeries([u[3] for u in UNITS_DEG], crs=4490).to_crs(4527),
    )
    paths = {
        "parks": write_shapefile(park, folder / "园区边界.shp"),
        "units": write_shapefile(units, folder / "环境管控单元.shp"),
    }

    caps = openpyxl.Workbook()
    caps.remove(caps.active)
    write_sheet(caps, "园区基本情况", ("项目", "内容"), PARK_FACTS)
    write_sheet(caps, "总量控制指标", CAPS_HEADER, CAPS, title_row="示例经济开发区规划环评总量控制指标（演示）")
    paths["caps"] = folder / "总量控制指标.xlsx"
    caps.save(paths["caps"])

    access = openpyxl.Workbook()
    access.remove(access.active)
    write_sheet(access, "环境准入清单", ACCESS_HEADER, ACCESS)
    paths["access"] = folder / "环境准入清单.xlsx"
    access.save(paths["access"])

    projects = openpyxl.Workbook()
    notes = projects.active
    notes.title = "填表说明"
    notes.append(["请在“项目清单”工作表填写，坐标请注明坐标系（高德、百度、2000国家大地坐标系等）。"])
    write_sheet(projects, "项目清单", PROJECT_HEADER, project_rows(), title_row="2026年拟入园项目清单（演示）",
                units=PROJECT_UNITS)
    paths["projects_xlsx"] = folder / "入园项目清单.xlsx"
    projects.save(paths["projects_xlsx"])

    paths["projects_csv"] = folder / "入园项目清单.csv"
    with paths["projects_csv"].open("w", encoding="gbk", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(PROJECT_HEADER)
        writer.writerow(PROJECT_UNITS)
        writer.writerows(project_rows())
    return paths


if __name__ == "__main__":
    for kind, path in make_files(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE).items():
        print(f"{kind}: {path}")
