"""The project a company proposes, as pydantic models (``regional-eia schema project`` exports them)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from standards.industry import INDUSTRY_CODE, normalise_industry
from standards.numbers import FiniteFloat, excerpt, finite_number
from standards.safeload import PROJECT_MAX_BYTES, DataFileError, read_data_file
from standards.suggest import did_you_mean
from standards.units import parse_quantity, parse_unit

from .errors import ProjectError

__all__ = [
    "Quantity",
    "PHRange",
    "Location",
    "Wastewater",
    "Stack",
    "Air",
    "Project",
    "load_project",
    "project_from_data",
    "check_processes",
]


class Quantity(BaseModel):
    """A number with an explicit unit. Written as ``"200 mg/L"`` or ``{value: 200, unit: mg/L}``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: FiniteFloat = Field(ge=0)
    unit: str

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            value, unit = parse_quantity(data)
            return {"value": value, "unit": unit}
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            raise ValueError(f"{data} has no unit; write it as e.g. '{data} mg/L'")
        return data

    @field_validator("unit")
    @classmethod
    def _known(cls, unit: str) -> str:
        return parse_unit(unit).symbol

    def to(self, unit: str) -> float:
        from standards.units import convert

        return convert(self.value, self.unit, unit)

    def __str__(self) -> str:
        return f"{self.value:g} {self.unit}"


def pollutant_keys(values: Any) -> Any:
    """Pollutant names as committees write them (CODcr, CODCr, 化学需氧量, 氨氮) -> the registry's ids.

    A name the alias table does not know is refused, with the ids it most resembles: an unknown key
    would otherwise be screened as a pollutant no standard lists, and the real one as not declared.
    """
    if not isinstance(values, dict):
        return values
    from zones.aliases import closest, pollutant_aliases, pollutant_id

    out: dict[str, Any] = {}
    for key, value in values.items():
        pid = pollutant_id(str(key))
        if pid is None:
            near = closest(str(key), sorted(set(pollutant_aliases().values()) - {"wastewater"}))
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise ValueError(f"unknown pollutant {key!r}{hint} (ids of standards/data/pollutants/, or their "
                             "Chinese names)")
        if pid in out:
            raise ValueError(f"pollutant {pid} is given twice (as {key!r} and another name)")
        out[pid] = value
    return out


PollutantKeys = BeforeValidator(pollutant_keys)


def _dimension(expected: str, example: str):
    def check(q: Quantity) -> Quantity:
        if parse_unit(q.unit).dimension != expected:
            raise ValueError(f"{q} is not a {expected.replace('_', ' ')} (e.g. {example})")
        return q

    return check


Flow = Annotated[Quantity, Field(description="wastewater flow, e.g. '1200 m3/d'")]
Concentration = Annotated[Quantity, Field(description="e.g. '200 mg/L'")]


class PHRange(BaseModel):
    """pH is unitless and often given as a range: ``"6-9"``, ``[6, 9]`` or ``7.5``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min: FiniteFloat = Field(ge=0, le=14)
    max: FiniteFloat = Field(ge=0, le=14)

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, data: Any) -> Any:
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return {"min": data, "max": data}
        if isinstance(data, (list, tuple)) and len(data) == 2:
            return {"min": data[0], "max": data[1]}
        if isinstance(data, str):
            parts = data.replace("~", "-").replace("–", "-").split("-")
            try:
                numbers = [float(p) for p in parts if p.strip()]
            except ValueError as exc:
                raise ValueError(f"pH {data!r}: expected a number or a range like '6-9'") from exc
            if len(numbers) in (1, 2):
                return {"min": numbers[0], "max": numbers[-1]}
            raise ValueError(f"pH {data!r}: expected a number or a range like '6-9'")
        return data

    @model_validator(mode="after")
    def _ordered(self) -> PHRange:
        if self.min > self.max:
            raise ValueError(f"pH range {self.min}-{self.max} is reversed")
        return self


class Location(BaseModel):
    """Where the project is: a point (lon/lat or x/y) or a site polygon (WKT or GeoJSON), with its CRS."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    crs: str | int = Field(description="EPSG code or WKT, or gcj02 (Amap/Tencent) / bd09 (Baidu)")
    lon: FiniteFloat | None = None
    lat: FiniteFloat | None = None
    x: FiniteFloat | None = None
    y: FiniteFloat | None = None
    wkt: str | None = None
    geojson: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Location:
        forms = {
            "lon/lat": self.lon is not None or self.lat is not None,
            "x/y": self.x is not None or self.y is not None,
            "wkt": self.wkt is not None,
            "geojson": self.geojson is not None,
        }
        given = [k for k, v in forms.items() if v]
        if len(given) != 1:
            raise ValueError(f"give exactly one of lon/lat, x/y, wkt or geojson (got {given or 'none'})")
        if given[0] == "lon/lat" and (self.lon is None or self.lat is None):
            raise ValueError("a point needs both lon and lat")
        if given[0] == "x/y" and (self.x is None or self.y is None):
            raise ValueError("a point needs both x and y")
        if self.geojson is not None:
            from zones.geojson import geojson_problem

            problem = geojson_problem(self.geojson)
            if problem:
                raise ValueError(f"geojson: {problem}")
        return self


class Wastewater(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    route: Literal["direct", "indirect"] = Field(
        description="direct: to surface water; indirect: to the park's centralised WWTP"
    )
    flow: Flow
    operating_days: FiniteFloat | None = Field(None, gt=0, le=366, description="d/a; needed for loads in t/a")
    hours_per_day: FiniteFloat | None = Field(
        None, gt=0, le=24, description="h/d the plant discharges; needed to read a flow given in m3/h"
    )
    effluent: Annotated[dict[str, Concentration], PollutantKeys] = Field(
        default_factory=dict, description="total-outlet concentrations by pollutant id (or its Chinese name)"
    )
    workshop_effluent: Annotated[dict[str, Concentration], PollutantKeys] = Field(
        default_factory=dict,
        description="workshop-outlet concentrations of first-class pollutants (第一类污染物)",
    )
    pH: PHRange | None = None
    receiving_water_class: Literal["I", "II", "III", "IV", "V"] | None = Field(
        None, description="direct dischargers outside a park's receiving water: its GB 3838 class (GB 3097 for a sea)"
    )
    receiving_water_kind: Literal["river", "lake", "reservoir", "sea"] | None = Field(
        None, description="with receiving_water_class: sea takes GB 3097-1997 classes I-IV (GB 8978-1996 4.1)"
    )
    new_outfall: bool = Field(True, description="a direct discharger opens a new outfall")
    product_output: Quantity | None = Field(None, description="product per year, for per-product limits")

    @model_validator(mode="before")
    @classmethod
    def _hourly_flow(cls, data: Any) -> Any:
        """A flow in m3/h is converted to m3/d with ``hours_per_day``; without it, say what is needed."""
        if not isinstance(data, dict) or "flow" not in data:
            return data
        try:
            flow = Quantity.model_validate(data["flow"])
        except ValidationError:
            return data  # the field's own validation says why
        if parse_unit(flow.unit).dimension != "flow_hourly":
            return data
        hours = data.get("hours_per_day")
        if hours is None:
            raise ValueError(
                f"flow {flow} is an hourly flow; give hours_per_day (the hours a day the plant discharges, "
                "e.g. 24 round the clock, or annual hours / operating days) to convert it, or the flow in m3/d"
            )
        try:
            hours = finite_number(hours, "hours_per_day")
        except ValueError:
            return data  # hours_per_day's own validation says why
        if not 0 < hours <= 24:
            raise ValueError(f"hours_per_day: {hours:g} is not between 0 and 24")
        return {**data, "flow": Quantity(value=flow.value * hours, unit="m3/d")}

    @field_validator("flow")
    @classmethod
    def _flow(cls, q: Quantity) -> Quantity:
        return _dimension("flow", "'1200 m3/d'")(q)

    @field_validator("effluent", "workshop_effluent")
    @classmethod
    def _concentrations(cls, values: dict[str, Quantity]) -> dict[str, Quantity]:
        for key, q in values.items():
            if key == "pH":
                raise ValueError("give pH as wastewater.pH (a number or range), not as a concentration")
            dim = parse_unit(q.unit).dimension
            if dim not in ("water_concentration", "dilution_factor", "count_per_volume", "radioactivity"):
                raise ValueError(f"{key}: {q} is not a concentration (e.g. '50 mg/L')")
        return values


class Stack(BaseModel):
    """A point source (排气筒): its height and what leaves it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    height_m: FiniteFloat = Field(gt=0)
    concentrations: Annotated[dict[str, Quantity], PollutantKeys] = Field(default_factory=dict, description="mg/m3")
    rates: Annotated[dict[str, Quantity], PollutantKeys] = Field(default_factory=dict, description="kg/h")
    source_type: str | None = Field(None, description="e.g. boiler, process heater")
    fuel: Literal["coal", "oil", "gas"] | None = None
    taller_than_buildings_within_200m_by_5m: bool = True
    exhaust_per_working_day: Quantity | None = Field(
        None, description="m3 of exhaust gas in one working day (GB 21900-2008 4.2.6: with plated_area_per_working_day)")
    plated_area_per_working_day: dict[Literal["zinc", "chromium", "other", "anodizing", "bluing"], float] = Field(
        default_factory=dict, description="m2 plated in one working day by plating type (GB 21900-2008 表6 rows)")
    so2_source: Literal["production", "use"] | None = Field(
        None, description="GB 16297-1996 item 1 SO2 rows: production or use of sulphur, SO2, sulphuric acid and other "
        "sulphur compounds (硫、二氧化硫、硫酸和其它含硫化合物生产 / 使用)")

    @field_validator("concentrations")
    @classmethod
    def _conc(cls, values: dict[str, Quantity]) -> dict[str, Quantity]:
        for key, q in values.items():
            if parse_unit(q.unit).dimension not in ("gas_concentration", "ringelmann", "gas_toxic_equivalent"):
                raise ValueError(f"{key}: {q} is not a gas concentration (e.g. '30 mg/m3')")
        return values

    @field_validator("rates")
    @classmethod
    def _rates(cls, values: dict[str, Quantity]) -> dict[str, Quantity]:
        for key, q in values.items():
            _dimension("rate", "'1.2 kg/h'")(q)
        return values


class FugitiveVOCs(BaseModel):
    """Fugitive VOC sources (VOCs 无组织排放) and the NMHC expected inside the plant, outside the buildings
    (厂区内, GB 37822-2019 附录A): the 1 h mean and the highest single reading."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sources: tuple[str, ...] = Field(min_length=1, description="e.g. storage tanks, loading, open wastewater tanks")
    nmhc_1h_mean: Quantity | None = Field(None, description="mg/m3, 1 h mean at the in-plant monitoring point")
    nmhc_single: Quantity | None = Field(None, description="mg/m3, any single reading there")

    @field_validator("nmhc_1h_mean", "nmhc_single")
    @classmethod
    def _gas(cls, q: Quantity | None) -> Quantity | None:
        return None if q is None else _dimension("gas_concentration", "'8 mg/m3'")(q)


class Air(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    emissions: Annotated[dict[str, Quantity], PollutantKeys] = Field(
        default_factory=dict, description="annual emissions, t/a, by pollutant id (or its Chinese name)")
    stacks: tuple[Stack, ...] = ()
    fugitive_vocs: FugitiveVOCs | None = None

    @field_validator("emissions")
    @classmethod
    def _loads(cls, values: dict[str, Quantity]) -> dict[str, Quantity]:
        for key, q in values.items():
            _dimension("load", "'12 t/a'")(q)
        return values




class Project(BaseModel):
    """A proposed project, as the company or its consultancy describes it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=200, description="the project's id (at most 200 characters)")
    name: str
    industry: Annotated[str, BeforeValidator(normalise_industry), Field(pattern=INDUSTRY_CODE.pattern)] = Field(
        description="GB/T 4754-2017 industry code (4 digits, e.g. C1713)"
    )
    processes: tuple[str, ...] = Field((), description="process flags (e.g. dyeing, electroplating)")
    location: Location
    construction_start: dt.date | None = Field(None, description="planned; new-enterprise limits apply")
    eia_approved: dt.date | None = Field(
        None, description="approval date of the project's EIA report or form; the standards date new and existing "
        "enterprises by it (GB 8978-1996 4.2.2.3, GB 16297-1996 6.3, GB 4287-2012 3.3/3.4). None: a proposed project")
    wastewater: Wastewater | None = None
    air: Air | None = None
    description: str | None = None

    @field_validator("industry")
    @classmethod
    def _known_industry(cls, code: str) -> str:
        from standards.industry_codes import is_class, nearest

        if not is_class(code):
            close = nearest(code)
            hint = f"; nearest: {', '.join(close)}" if close else ""
            raise ValueError(f"{code} is not a class of GB/T 4754-2017 (standards/data/industry/){hint}")
        return code

    @field_validator("processes")
    @classmethod
    def _known_processes(cls, processes: tuple[str, ...]) -> tuple[str, ...]:
        check_processes(processes)
        return processes


def check_processes(processes: Sequence[str]) -> None:
    """Refuse a process flag that the EIA list does not define, suggesting the near ones.

    Access lists and the EIA category both read these flags, so a typo would silently match nothing.
    """
    from standards.eia_category import load_classification

    flags = load_classification().flags
    for flag in processes:
        if flag not in flags:
            close = did_you_mean(flag, flags)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ValueError(f"unknown process flag {flag!r}{hint} (the flags of the EIA list: "
                             "standards/data/eia_category/classification-2021.yaml, 'flags:')")


def project_from_data(data: Any, source: str = "<project>") -> Project:
    """Validate parsed YAML/JSON as a :class:`Project`; errors name the source and the field."""
    if not isinstance(data, dict):
        raise ProjectError(source, None, "expected a mapping with id:, name:, industry:, location:")
    try:
        return Project.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(err) for err in exc.errors()[:5]]
        if len(problems) == 1:
            raise ProjectError(source, problems[0][0], problems[0][1]) from exc
        more = f" (and {exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
        raise ProjectError(source, None, "; ".join(f"{f}: {m}" if f else m for f, m in problems) + more) from exc


def _problem(err: dict) -> tuple[str | None, str]:
    """(field, message) of one pydantic error, with the refused value echoed when the message lacks it."""
    field = ".".join(str(p) for p in err["loc"]) or None
    message = err["msg"].removeprefix("Value error, ")
    value = err.get("input")
    if isinstance(value, (str, int, float)) and not isinstance(value, bool) and err.get("type") != "missing":
        shown = excerpt(value) if isinstance(value, str) else str(value)
        if shown not in message and str(value)[:200] not in message:
            message += f" (got {shown})"
    return field, message


def load_project(path: str | Path) -> Project:
    """Read a project file (YAML or JSON); its site is placed now, so that an error names the file.

    Examples
    --------
    >>> p = load_project("examples/xuancheng-dyeing-phase2-3.yaml")
    >>> p.industry
    'C1713'
    """
    path = Path(path)
    try:
        data = read_data_file(path, max_bytes=PROJECT_MAX_BYTES)
    except DataFileError as exc:
        raise ProjectError(path, None, exc.detail) from exc
    project = project_from_data(data, str(path))
    from .locate import locate  # locate reads Location from this module

    locate(project.location, str(path))  # swapped lon/lat, a point outside China: refused naming the file
    return project
