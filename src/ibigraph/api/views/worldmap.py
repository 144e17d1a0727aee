"""A world map drawn on the server as SVG from bundled country borders (world-atlas, Natural
Earth at 1:110m, copied from npm by web/copy.mjs): no tile server, no script, no request to
another host. Countries are projected with the Equal Earth projection (Šavrič, Patterson and
Jenny 2018, the formulas d3-geo's geoEqualEarth uses)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from typing import Any

__all__ = ["VIEW_BOX", "Country", "countries", "outline"]

_GEOMETRY = ("api", "static", "vendor", "world-atlas", "countries-110m.json")
WIDTH = 960.0
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2
_ANTARCTICA = "010"  # ISO 3166-1 numeric: left out, it holds no initiative and half the map


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 numeric, as world-atlas names them
    name: str
    path: str  # SVG path data in the map's coordinates


def _project(lon: float, lat: float) -> tuple[float, float]:
    theta = math.asin(_M * math.sin(math.radians(lat)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = (
        math.radians(lon)
        * math.cos(theta)
        / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    )
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, -y


# the projected extent of the whole sphere: x at the equator's ends, y at the poles
_X_MAX = _project(180, 0)[0]
_Y_MAX = -_project(0, 90)[1]
SCALE = WIDTH / (2 * _X_MAX)


def _y(lat: float) -> float:
    return (_project(0, lat)[1] + _Y_MAX) * SCALE


# the part of the map drawn: from the Arctic islands to Tierra del Fuego
VIEW_BOX = f"0 {_y(84):.0f} {WIDTH:.0f} {_y(-57) - _y(84):.0f}"


def _arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """The topology's arcs as lists of (longitude, latitude), undoing the delta encoding and
    the quantization."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    out = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        out.append(points)
    return out


def _path(points: list[tuple[float, float]]) -> str:
    xy = ((_project(lon, lat)) for lon, lat in points)
    text = " ".join(f"{(x + _X_MAX) * SCALE:.1f},{(y + _Y_MAX) * SCALE:.1f}" for x, y in xy)
    return f"M{text}Z"


def _ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> str:
    """A ring's path. One that crosses the antimeridian (Russia's and Fiji's) is made
    continuous in longitude and drawn twice, a turn apart; the sphere's outline clips both."""
    points: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]  # ~i: arc i walked backwards
        points.extend(arc[1:] if points else arc)  # arcs share their end points
    if all(abs(b[0] - a[0]) <= 180 for a, b in pairwise(points)):
        return _path(points)
    unwrapped = [points[0]]
    for lon, lat in points[1:]:
        previous = unwrapped[-1][0]
        lon += 360 * round((previous - lon) / 360)
        unwrapped.append((lon, lat))
    turn = 360 if sum(p[0] for p in unwrapped) < 0 else -360
    return _path(unwrapped) + _path([(lon + turn, lat) for lon, lat in unwrapped])


@lru_cache(maxsize=1)
def outline() -> str:
    """The sphere's outline: the antimeridian on both sides."""
    east = [(180.0, lat / 2) for lat in range(-180, 181)]
    return _path(east + [(-180.0, lat) for _, lat in reversed(east)])


@lru_cache(maxsize=1)
def countries() -> tuple[Country, ...]:
    """Every country of the bundled geometry (empty if the front-end assets were not built)."""
    try:
        text = resources.files("ibigraph").joinpath(*_GEOMETRY).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return ()
    topology = json.loads(text)
    arcs = _arcs(topology)
    out = []
    for g in topology["objects"]["countries"]["geometries"]:
        if g.get("id") == _ANTARCTICA or g["type"] not in ("Polygon", "MultiPolygon"):
            continue
        polygons = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        path = "".join(_ring(ring, arcs) for polygon in polygons for ring in polygon)
        out.append(Country(g.get("id", ""), g["properties"]["name"], path))
    return tuple(out)
