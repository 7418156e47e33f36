"""Write examples/demo-batch.csv (schema column names) and examples/demo-batch.xlsx (Chinese headers, a
title row and a units row, as a committee types it) for the demo catalogue: the README's examples, flattened.

    python tools/build_demo_batch.py
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

COLUMNS = ("id", "name", "industry", "processes", "lon", "lat", "crs", "route", "flow_m3d", "operating_days",
           "pH", "COD_mg_L", "NH3-N_mg_L", "SO2_t_a", "NOx_t_a", "VOCs_t_a")
HEADERS_ZH = ("项目编号", "项目名称", "行业代码", "工艺", "经度", "纬度", "坐标系", "排放去向", "废水量", "年运行天数",
              "pH值", "COD", "氨氮", "二氧化硫", "氮氧化物", "VOCs")
UNITS_ZH = ("", "", "", "", "°", "°", "", "", "m3/d", "d", "", "mg/L", "mg/L", "t/a", "t/a", "t/a")
ROWS = [
    ("XC-2027-014", "宣城某纺织印染二、三期项目（演示）", "C1713", "pretreatment;dyeing;printing_conventional", "118.822",
     "30.990", "4490", "indirect", "3000", "300", "6-9", "180", "8", "", "", ""),
    ("XC-2027-015", "宣城某电子元件项目（演示）", "C3982", "", "118.8574754", "30.9776673", "gcj02", "indirect", "300", "300",
     "6-9", "200", "20", "", "", ""),
    ("FY-2027-003", "阜阳某精细化工中间体项目（演示）", "C2614", "organic_synthesis_reaction", "115.975", "32.935",
     "4490", "indirect", "600", "330", "6-9", "300", "25", "12.5", "20", "18.2"),
    ("FY-2027-004", "阜阳某电镀项目（演示）", "C3360", "electroplating", "115.975", "32.935", "4490", "indirect", "200",
     "300", "6-9", "80", "8", "", "", ""),
    ("LX-2027-007", "郎溪某装备制造项目（演示）", "C3484", "", "119.172", "31.118", "4490", "indirect", "150", "300",
     "6-9", "250", "20", "", "", "2.5"),
    ("GD-2027-001", "广德某项目（水源保护区内，演示）", "C3484", "", "119.30", "30.85", "4490", "direct", "100", "300",
     "6-9", "60", "8", "", "", ""),
]
ROUTES_ZH = {"indirect": "间接排放", "direct": "直接排放"}
CRS_ZH = {"4490": "2000国家大地坐标系", "gcj02": "高德"}


def main() -> None:
    with (EXAMPLES / "demo-batch.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        writer.writerows(ROWS)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "项目清单"
    sheet.append(["演示目录入园项目清单"])
    sheet.append(list(HEADERS_ZH))
    sheet.append(list(UNITS_ZH))
    for row in ROWS:
        row = list(row)
        row[7] = ROUTES_ZH[row[7]]
        row[6] = CRS_ZH[row[6]]
        sheet.append(row)
    book.save(EXAMPLES / "demo-batch.xlsx")


if __name__ == "__main__":
    main()
