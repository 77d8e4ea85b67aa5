"""Indicator weights and multi-criteria ranking: 层次分析法 (AHP), 熵权法 (entropy weights) and TOPSIS.

The methods an evaluation report uses to justify weights (experts' pairwise judgements, or the
dispersion of the data) and to rank units on several indicators. Each result names the convention it
used in ``notes``:

- AHP: weights are the principal eigenvector of the judgement matrix; several experts are combined
  cell by cell by the geometric mean (the only mean that keeps the matrix reciprocal, Aczél & Saaty
  1983); CR = CI / RI with the random index table named by ``ri_table`` (``RI_TABLES``);
- entropy weights: ``normalise="minmax"`` (the textbook 熵权法: 正向 (x − min)/(max − min), 反向
  (max − x)/(max − min)) or ``"raw"`` (shares of the raw data, Hwang & Yoon 1981; direction plays
  no part);
- TOPSIS: ``normalise="vector"`` (x / √Σx², Hwang & Yoon 1981) or ``"minmax"``; Euclidean distances.

Directions are ``"正向"`` (higher is better) or ``"反向"`` (lower is better); ``"+"``/``"-"``,
``"max"``/``"min"`` and ``"benefit"``/``"cost"`` are accepted too, as by every method
(``evalkit._checks.direction``).

Hostile input: numbers in tables and numeric arguments are read strictly, by the shared readers of
``evalkit._checks`` (``read_number``): anything but a plain number is refused with an InputError that
names the column and position (or the argument), never guessed; so is a figure that would overflow. The cells of an AHP
judgement matrix are fractions ("3", "1/3"), read exactly, in half- or full-width characters ("１／５").
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from . import _checks
from ._fmt import value
from ._result import Result
from .errors import InputError

CR_THRESHOLD = 0.10
RECIPROCAL_TOLERANCE = 0.05      # |a_ij · a_ji − 1| allowed, for judgements typed as 0.33 or 0.14
_SAATY = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
RI_TABLES: dict[str, tuple[str, tuple[float, ...]]] = {
    "cn": ("Saaty 的平均随机一致性指标表（国内教材最常用，1～10 阶）", _SAATY),
    "saaty": ("Saaty（1980；1990, EJOR 48:9–26）的平均随机一致性指标表（1～10 阶）", _SAATY),
    "cn-1000": ("国内教材和软件中另一张常用表：1～15 阶各 1000 个随机正互反矩阵的平均值（原始出处未核实）",
                (0.0, 0.0, 0.52, 0.89, 1.12, 1.26, 1.36, 1.41, 1.46, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59)),
    "alonso-lamata": ("Alonso 与 Lamata（2006）按 100,000 个随机矩阵计算的表（1～15 阶）",
                      (0.0, 0.0, 0.5245, 0.8815, 1.1086, 1.2479, 1.3417, 1.4056, 1.4499, 1.4854, 1.5141,
                       1.5365, 1.5551, 1.5713, 1.5838)),
}
ENTROPY_NORMALISE = {
    "minmax": "极差标准化：正向指标 (x − min)/(max − min)，反向指标 (max − x)/(max − min)",
    "raw": "按原始数据占比 p = x / Σx 计算（Hwang 与 Yoon 1981 的做法），指标方向不影响熵值",
}
TOPSIS_NORMALISE = {
    "vector": "向量归一化 r = x / √Σx²",
    "minmax": "极差标准化：正向指标 (x − min)/(max − min)，反向指标 (max − x)/(max − min)",
}


# ----------------------------------------------------------------------------------------------
# Shared pieces


def _direction_series(directions: Any, columns: list[str], name: str = "directions") -> pd.Series:
    """+1 / −1 per column from None (all 正向), a mapping column → direction, or a sequence."""
    if directions is None:
        raw = dict.fromkeys(columns, "正向")
    elif isinstance(directions, (Mapping, pd.Series)):
        raw = {str(k): v for k, v in directions.items()}
        stray = [k for k in raw if k not in columns]
        if stray:
            raise InputError(f"{name} 中的 {', '.join(stray)} 不是数据的列（现有列：{', '.join(columns)}）")
        raw = {c: raw.get(c, "正向") for c in columns}
    elif isinstance(directions, str) or not isinstance(directions, (Sequence, np.ndarray)):
        raise InputError(f"{name} 应为「列 → 正向/反向」的映射或按列排列的序列，实际为 {directions!r}")
    else:
        if len(directions) != len(columns):
            raise InputError(f"{name} 应有 {len(columns)} 个方向（每列一个），实际为 {len(directions)} 个")
        raw = dict(zip(columns, directions))
    out = {c: 1 if _checks.direction(v, f"{name} 中列 {c} 的方向") == "正向" else -1 for c, v in raw.items()}
    return pd.Series(out, dtype=int)


def _label(sign: int) -> str:
    return "正向" if sign > 0 else "反向"


def _matrix(data: Any, name: str) -> tuple[np.ndarray, list[str], list[str]]:
    _checks.frame(data, name)
    cols = [str(c) for c in data.columns]
    if len(set(cols)) != len(cols):
        raise InputError(f"{name} 的列名重复")
    x = _checks.numbers(data, name, data.columns)
    return x, cols, [str(i) for i in data.index]


def _scaled(x: np.ndarray) -> np.ndarray:
    """Each column divided by a power of two near its largest magnitude: exact, and no sum of the
    column or of its squares can overflow (the normalisations below do not depend on the scale)."""
    return x / np.array([_checks.scale_of(x[:, j]) for j in range(x.shape[1])])


def _minmax(x: np.ndarray, signs: np.ndarray, cols: list[str], name: str) -> np.ndarray:
    lo, hi = x.min(axis=0), x.max(axis=0)
    flat = np.flatnonzero(hi == lo)
    if len(flat):
        raise InputError(f"{name} 列 {cols[flat[0]]} 的值全部相同（{lo[flat[0]]:g}），极差为 0，无法做极差标准化")
    x = _scaled(x)
    lo, hi = x.min(axis=0), x.max(axis=0)
    return np.where(signs > 0, (x - lo) / (hi - lo), (hi - x) / (hi - lo))


# ----------------------------------------------------------------------------------------------
# AHP


def _cell(v: Any) -> float | None:
    """A judgement: a number, or a string such as ``"3"``, ``"1/3"`` or ``"１／５"`` (a fraction is exact,
    so full-width characters are read as their half-width forms); None for anything else."""
    if isinstance(v, str):
        try:
            f = float(Fraction(unicodedata.normalize("NFKC", v).strip()))
        except (ValueError, ZeroDivisionError, OverflowError):
            return None
        return f if math.isfinite(f) else None
    f, why = _checks.read_number(v)           # no booleans, ±inf or numbers beyond a float
    return None if why is not None else f


def _judgements(m: Any, who: str) -> tuple[list[str], np.ndarray, bool]:
    """(labels, exactly reciprocal matrix, whether the lower triangle was adjusted)."""
    if not isinstance(m, pd.DataFrame):
        raise InputError(f"{who}应为 pandas.DataFrame（行、列标签相同的判断矩阵），实际为 {type(m).__name__}")
    if m.empty:
        raise InputError(f"{who}为空表")
    if m.shape[0] != m.shape[1]:
        raise InputError(f"{who}应为方阵，实际为 {m.shape[0]} 行 {m.shape[1]} 列")
    rows, cols = [str(i) for i in m.index], [str(c) for c in m.columns]
    if len(set(rows)) != len(rows):
        raise InputError(f"{who}的行标签重复")
    if set(rows) != set(cols):
        raise InputError(f"{who}的行标签与列标签应相同：行为 {', '.join(rows)}，列为 {', '.join(cols)}")
    m = m.copy()
    m.index, m.columns = rows, cols
    m = m.loc[rows, rows]
    n = len(rows)
    a = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            v = _cell(m.iat[i, j])
            if v is None or not v > 0:
                shown = repr(m.iat[i, j])
                shown = shown if len(shown) <= 30 else shown[:27] + "…"
                raise InputError(f"{who}第 {i + 1} 行（{rows[i]}）第 {j + 1} 列（{rows[j]}）的值 {shown} "
                                 "应为正数（1～9 标度或其倒数，如 3、1/3）")
            a[i, j] = v
    for i in range(n):
        if abs(a[i, i] - 1) > 1e-9:
            raise InputError(f"{who}对角线第 {i + 1} 行（{rows[i]}）的值为 {m.iat[i, i]!r}，应为 1")
    adjusted = False
    for i in range(n):
        for j in range(i + 1, n):
            with np.errstate(over="ignore", under="ignore"):
                product = a[i, j] * a[j, i]          # inf when the two are wildly apart: not reciprocal
            if abs(product - 1) > RECIPROCAL_TOLERANCE:
                raise InputError(f"{who}第 {i + 1} 行（{rows[i]}）第 {j + 1} 列（{rows[j]}）的值 {m.iat[i, j]!r} 与"
                                 f"第 {j + 1} 行（{rows[j]}）第 {i + 1} 列（{rows[i]}）的值 {m.iat[j, i]!r} 不互为倒数"
                                 "（应满足 a_ji = 1/a_ij）")
            adjusted = adjusted or abs(product - 1) > 1e-12
            a[j, i] = 1 / a[i, j]
    return rows, a, adjusted


def _eigen(a: np.ndarray) -> tuple[np.ndarray, float, float | None]:
    """(weights, λmax, CI) by the principal eigenvector; CI None for n = 1, and λmax ≥ n always holds
    for a positive reciprocal matrix, so a CI below 0 is rounding and set to 0."""
    n = len(a)
    w, lam = np.full(n, np.nan), math.nan
    with np.errstate(all="ignore"):
        ok = np.isfinite(a).all()
        vals, vecs = np.linalg.eig(a) if ok else (np.full(n, np.nan), np.full((n, n), np.nan))
        if np.isfinite(vals).all() and np.isfinite(vecs).all():
            k = int(np.argmax(vals.real))
            w = vecs[:, k].real
            w = w / w.sum()
            lam = float(vals[k].real)
    if not (np.isfinite(vals).all() and np.isfinite(vecs).all() and np.isfinite(w).all() and math.isfinite(lam)):
        raise InputError("判断矩阵（matrix）的数值相差过大，无法计算特征向量：请检查是否误填了极大或极小的标度值")
    ci = max(0.0, (lam - n) / (n - 1)) if n > 1 else None
    return np.abs(w), lam, ci


def _ri(table: tuple[float, ...], name: str, n: int) -> float:
    if n > len(table):
        wider = [k for k, (_, t) in RI_TABLES.items() if len(t) >= n]
        raise InputError(f"RI 表 {name}（ri_table）只到 {len(table)} 阶，判断矩阵为 {n} 阶"
                         + (f"；可改用 ri_table={wider[0]!r}（到 {len(RI_TABLES[wider[0]][1])} 阶）" if wider else ""))
    return table[n - 1]


def _cr(ci: float | None, ri: float, n: int) -> float | None:
    return ci / ri if ci is not None and n > 2 and ri > 0 else None


@dataclass(frozen=True, eq=False, repr=False)
class AHPResult(Result):
    """AHP weights of the compared elements and the consistency check.

    ``weights``: label → weight (sum 1). ``matrix``: the judgement matrix analysed (for several
    experts their cell-by-cell geometric mean). ``expert_cr`` and ``expert_weights`` (experts ×
    labels): each expert's own CR and weights. ``cr`` and ``consistent`` are None for n ≤ 2, where
    every reciprocal matrix is consistent.
    """

    weights: pd.Series
    lambda_max: float
    ci: float | None
    cr: float | None
    ri: float
    ri_table: str
    consistent: bool | None
    verdict: str                      # 通过一致性检验 / 未通过一致性检验 / 无需检验
    n_experts: int
    expert_cr: tuple[float | None, ...]
    expert_weights: pd.DataFrame
    matrix: pd.DataFrame
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        """One row per element: ``item``, ``weight``, ``rank`` (1 = heaviest)."""
        out = self.weights.rename("weight").rename_axis("item").reset_index()
        out["rank"] = out["weight"].rank(ascending=False, method="min").astype(int)
        return out

    def plot(self) -> Any:
        from . import charts

        return charts.value_bars(list(self.weights.index), list(self.weights), title="层次分析法：权重", xlabel="权重")

    def _headline(self) -> dict[str, Any]:
        return {"items": len(self.weights), "n_experts": self.n_experts, "lambda_max": self.lambda_max, "cr": self.cr,
                "consistent": self.consistent}


def ahp(matrix: pd.DataFrame | Sequence[pd.DataFrame], *, ri_table: str = "cn") -> AHPResult:
    """层次分析法: weights from a pairwise comparison matrix, or several experts' matrices, with CR.

    Parameters
    ----------
    matrix
        A square judgement matrix with the same labels on the index and the columns: a_ij says how
        much more important row i is than column j on Saaty's 1–9 scale (a_ji = 1/a_ij, 1 on the
        diagonal). Cells may be numbers or strings such as ``"1/3"`` (a fraction in full-width
        characters, ``"１／５"``, is read exactly as its half-width form); booleans, ±inf, zero and
        negative values are refused. A list of such matrices (one per expert, same labels) is
        combined cell by cell by the geometric mean.
    ri_table
        The random index table: ``"cn"`` (default; Saaty's table, the one most Chinese textbooks
        print), ``"saaty"`` (the same), ``"cn-1000"`` or ``"alonso-lamata"``; see ``RI_TABLES``.

    Returns
    -------
    AHPResult

    Raises
    ------
    InputError
        If a matrix is not square, its labels differ between rows and columns or between experts,
        a cell is not a positive number, a diagonal cell is not 1, or a_ij · a_ji differs from 1 by
        more than 0.05 (the message names the row and the column); if ``ri_table`` is unknown or its table
        does not reach the matrix's order.

    Notes
    -----
    A w = λmax w, w the principal (Perron) eigenvector normalised to Σ w = 1 (numpy.linalg.eig, real
    part); CI = (λmax − n)/(n − 1); CR = CI / RI(n); consistent when CR < 0.10 (Saaty 1980, 1990).
    Experts: ā_ij = (Π_e a_ij^(e))^(1/m). Within the tolerance the lower triangle is taken as the
    reciprocal of the upper one.
    Checked against: the matrices of Saaty (1990, EJOR 48:9–26, Tables 2 and 3;
    tests/reference/weights_ahp_saaty1990.csv), the closed form λmax = 1 + k^(1/3) + k^(−1/3),
    k = a_12 a_23 / a_13 of a 3 × 3 matrix, and consistent matrices a_ij = w_i / w_j (hypothesis).

    Examples
    --------
    >>> labels = ["A", "B", "C"]
    >>> m = pd.DataFrame([[1, 7, "1/5"], ["1/7", 1, "1/8"], [5, 8, 1]], index=labels, columns=labels)
    >>> res = ahp(m)
    >>> [round(w, 3) for w in res.weights], round(res.lambda_max, 3), round(res.cr, 3), res.verdict
    ([0.233, 0.054, 0.712], 3.247, 0.213, '未通过一致性检验')
    """
    if isinstance(ri_table, str) and ri_table in RI_TABLES:
        table_text, table = RI_TABLES[ri_table]
    else:
        raise InputError(f"ri_table 应为 {' / '.join(RI_TABLES)} 之一，实际为 {ri_table!r}")
    if isinstance(matrix, pd.DataFrame):
        mats = [matrix]
    elif isinstance(matrix, (list, tuple)) and matrix and all(isinstance(m, pd.DataFrame) for m in matrix):
        mats = list(matrix)
    else:
        raise InputError("matrix 应为判断矩阵（行、列标签相同的 pandas.DataFrame）或多位专家判断矩阵（DataFrame）"
                         f"的列表，实际为 {type(matrix).__name__}")
    parsed = []
    for e, m in enumerate(mats, start=1):
        who = "matrix " if len(mats) == 1 else f"第 {e} 位专家的判断矩阵"
        parsed.append(_judgements(m, who))
    labels = parsed[0][0]
    for e, (lab, _, _) in enumerate(parsed[1:], start=2):
        if set(lab) != set(labels):
            raise InputError(f"第 {e} 位专家比较的对象（{', '.join(lab)}）与第 1 位专家（{', '.join(labels)}）不同")
    arrays = []
    for lab, a, _ in parsed:
        order = [lab.index(x) for x in labels]
        arrays.append(a[np.ix_(order, order)])
    n = len(labels)
    ri_value = _ri(table, ri_table, n)
    expert_cr, expert_w = [], []
    for a in arrays:
        w_e, _, ci_e = _eigen(a)
        expert_cr.append(_cr(ci_e, ri_value, n))
        expert_w.append(w_e)
    combined = np.exp(np.mean([np.log(a) for a in arrays], axis=0)) if len(arrays) > 1 else arrays[0]
    w, lam, ci = _eigen(combined)
    cr = _cr(ci, ri_value, n)
    consistent = None if cr is None else bool(cr < CR_THRESHOLD)
    verdict = "无需检验" if cr is None else ("通过一致性检验" if consistent else "未通过一致性检验")
    notes = [("层次分析法（特征向量法）：权重为判断矩阵最大特征值 λmax 对应的归一化特征向量；"
              "一致性指标 CI = (λmax − n)/(n − 1)，一致性比例 CR = CI/RI，CR < 0.10 为通过一致性检验。"),
             f"平均随机一致性指标 RI 取{table_text}，n = {n} 时 RI = {value(ri_value, 4)}。"]
    if cr is None:
        notes.append(f"判断矩阵只有 {n} 阶，任何互反矩阵都完全一致，无需一致性检验（CR 为空）。")
    else:
        notes.append(f"λmax = {value(lam, 4)}，CI = {value(ci, 4)}，CR = {value(cr, 4)}，{verdict}。")
    if len(arrays) > 1:
        notes.append(f"{len(arrays)} 位专家的判断矩阵按元素几何平均合并后计算（几何平均保持判断矩阵的互反性）。")
        bad = [str(e) for e, c in enumerate(expert_cr, start=1) if c is not None and c >= CR_THRESHOLD]
        if bad:
            notes.append(f"第 {'、'.join(bad)} 位专家的判断矩阵本身未通过一致性检验（CR ≥ 0.10），宜请其复核。")
    if any(adj for _, _, adj in parsed):
        notes.append("判断矩阵下三角与上三角的倒数略有出入（如 1/3 写作 0.33），计算时下三角按上三角的倒数取值。")
    return AHPResult(weights=pd.Series(w, index=labels, name="weight"), lambda_max=lam, ci=ci, cr=cr,
                     ri=float(ri_value), ri_table=ri_table, consistent=consistent, verdict=verdict,
                     n_experts=len(arrays), expert_cr=tuple(None if c is None else float(c) for c in expert_cr),
                     expert_weights=pd.DataFrame(expert_w, columns=labels,
                                                 index=pd.RangeIndex(1, len(arrays) + 1, name="expert")),
                     matrix=pd.DataFrame(combined, index=labels, columns=labels), notes=tuple(notes))


# ----------------------------------------------------------------------------------------------
# Entropy weights


@dataclass(frozen=True, eq=False, repr=False)
class EntropyResult(Result):
    """Entropy weights. ``weights``, ``entropy`` (e_j), ``diversity`` (d_j = 1 − e_j) and ``directions``
    (正向/反向) are Series by indicator; ``normalised`` is the standardised data x' and ``shares`` the
    p_ij, units × indicators."""

    weights: pd.Series
    entropy: pd.Series
    diversity: pd.Series
    directions: pd.Series
    normalised: pd.DataFrame
    shares: pd.DataFrame
    normalise: str
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        """One row per indicator: ``indicator``, ``direction``, ``entropy``, ``diversity``, ``weight``."""
        return pd.DataFrame({"indicator": self.weights.index, "direction": self.directions.to_numpy(),
                             "entropy": self.entropy.to_numpy(), "diversity": self.diversity.to_numpy(),
                             "weight": self.weights.to_numpy()})

    def plot(self) -> Any:
        from . import charts

        return charts.value_bars(list(self.weights.index), list(self.weights), title="熵权法：权重", xlabel="权重")

    def _headline(self) -> dict[str, Any]:
        w = self.weights
        return {"indicators": len(w), "heaviest": str(w.idxmax()) if len(w) else None,
                "weight": float(w.max()) if len(w) else None, "normalise": self.normalise}


def entropy_weights(data: pd.DataFrame, *, directions: Mapping[str, str] | Sequence[str] | None = None,
                    normalise: str = "minmax") -> EntropyResult:
    """熵权法: objective weights from how much each indicator varies across the evaluated units.

    Parameters
    ----------
    data
        One row per evaluated unit (at least 2), one numeric column per indicator.
    directions
        Indicator → ``"正向"`` (higher is better, the default) or ``"反向"``; or a sequence in column
        order.
    normalise
        ``"minmax"`` (default; 正向 (x − min)/(max − min), 反向 (max − x)/(max − min)) or ``"raw"``
        (shares of the raw data, which must be non-negative; the direction does not enter).

    Returns
    -------
    EntropyResult

    Raises
    ------
    InputError
        If a value is not a number, there are fewer than 2 units, a column is constant (minmax) or
        negative or all zero (raw), a direction or ``normalise`` is unknown, or every indicator has
        entropy 1.

    Notes
    -----
    p_ij = x'_ij / Σ_i x'_ij; e_j = −(1/ln m) Σ_i p_ij ln p_ij with 0 · ln 0 = 0; d_j = 1 − e_j;
    w_j = d_j / Σ_k d_k (Shannon entropy; Zeleny 1982; Hwang & Yoon 1981).
    Checked against: Xu (2004, EJOR 156:530) and Zavadskas & Podvezko (2016, IJITDM 15:267) as
    quoted in tests/reference/weights_entropy_published.csv ("raw"), and the min-max version worked
    independently in tests/test_weights.py.

    Examples
    --------
    >>> data = pd.DataFrame({"产出": [80.0, 95.0, 60.0, 75.0], "成本": [30.0, 42.0, 25.0, 28.0]},
    ...                     index=["甲", "乙", "丙", "丁"])
    >>> res = entropy_weights(data, directions={"成本": "反向"})
    >>> res.weights.round(4).to_dict()
    {'产出': 0.5414, '成本': 0.4586}
    """
    x, cols, units = _matrix(data, "data")
    m = len(units)
    if m < 2:
        raise InputError(f"data 至少需要 2 个评价对象（行），实际为 {m} 行")
    _checks.one_of(normalise, "normalise", ENTROPY_NORMALISE)
    signs = _direction_series(directions, cols)
    notes = [f"熵权法：{ENTROPY_NORMALISE[normalise]}；p_ij = x'_ij / Σ_i x'_ij，e_j = −Σ_i p_ij ln p_ij / ln m"
             f"（m = {m}，0·ln0 取 0），差异系数 d_j = 1 − e_j，权重 w_j = d_j / Σ d_j。"]
    if normalise == "minmax":
        xn = _minmax(x, signs.to_numpy(), cols, "data")
    else:
        neg = np.argwhere(x < 0)
        if len(neg):
            i, j = neg[0]
            raise InputError(f"data 列 {cols[j]} 第 {i + 1} 行（{units[i]}）为负数 {x[i, j]:g}："
                             "normalise='raw' 按原始数据占比计算，要求数据非负；请改用 normalise='minmax'")
        zero = np.flatnonzero(x.sum(axis=0) == 0)
        if len(zero):
            raise InputError(f"data 列 {cols[zero[0]]} 全部为 0，无法计算占比")
        xn = x
        if (signs < 0).any():
            notes.append(f"按原始数据占比计算时指标方向不影响熵值，反向指标（{'、'.join(signs.index[signs < 0])}）"
                         "与正向指标同样处理。")
    xs = _scaled(xn)
    p = xs / xs.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e = -plogp.sum(axis=0) / math.log(m)
    d = 1 - e
    if not d.sum() > 1e-15:
        raise InputError("所有指标的熵值均为 1（各评价对象在每个指标上的占比都相同），熵权法无法区分指标")
    w = d / d.sum()
    constant = [c for c, dj in zip(cols, d) if abs(dj) < 1e-12]
    if constant:
        notes.append(f"指标 {', '.join(constant)} 在各评价对象间几乎没有差异，熵权为 0。")
    return EntropyResult(weights=pd.Series(w, index=cols, name="weight"), entropy=pd.Series(e, index=cols, name="entropy"),
                         diversity=pd.Series(d, index=cols, name="diversity"),
                         directions=pd.Series([_label(s) for s in signs], index=cols, name="direction"),
                         normalised=pd.DataFrame(xn, index=data.index, columns=cols),
                         shares=pd.DataFrame(p, index=data.index, columns=cols), normalise=normalise,
                         notes=tuple(notes))


# ----------------------------------------------------------------------------------------------
# TOPSIS


@dataclass(frozen=True, eq=False, repr=False)
class TOPSISResult(Result):
    """TOPSIS ranking. ``ranking`` (also ``table()``): one row per unit in input order — ``unit``, ``d_plus`` (distance to the
    ideal), ``d_minus`` (to the anti-ideal), ``closeness`` C = D⁻/(D⁺ + D⁻) and ``rank`` (1 = best,
    ties share the lower rank). ``ideal`` and ``anti_ideal`` are by indicator on the weighted scale;
    ``normalised`` and ``weighted`` are the matrices r and v = w·r."""

    ranking: pd.DataFrame
    ideal: pd.Series
    anti_ideal: pd.Series
    weights: pd.Series
    directions: pd.Series
    normalised: pd.DataFrame
    weighted: pd.DataFrame
    normalise: str
    best: str
    notes: tuple[str, ...] = ()

    def table(self) -> pd.DataFrame:
        return self.ranking

    def plot(self) -> Any:
        t = self.ranking.sort_values(["rank", "unit"], kind="stable")
        from . import charts

        return charts.value_bars(list(t["unit"]), list(t["closeness"]), title="TOPSIS：相对贴近度", xlabel="相对贴近度")

    def _headline(self) -> dict[str, Any]:
        t = self.table()
        return {"units": len(t), "best": self.best, "closeness": float(t["closeness"].max())}


def _weight_vector(weights: Any, cols: list[str]) -> np.ndarray:
    if hasattr(weights, "weights") and isinstance(weights.weights, pd.Series):
        weights = weights.weights                       # an AHPResult or EntropyResult
    if isinstance(weights, (Mapping, pd.Series)):
        got = {str(k): v for k, v in weights.items()}
        missing = [c for c in cols if c not in got]
        extra = [k for k in got if k not in cols]
        if missing or extra:
            what = "；".join(([f"缺少 {', '.join(missing)}"] if missing else [])
                            + ([f"多出 {', '.join(extra)}"] if extra else []))
            raise InputError(f"weights 应为 data 每一列一个权重：{what}")
        vals = [got[c] for c in cols]
    elif isinstance(weights, (str, bytes)) or not isinstance(weights, (Sequence, np.ndarray)):
        raise InputError(f"weights 应为「列 → 权重」的映射或按列排列的序列，实际为 {type(weights).__name__}")
    else:
        if len(weights) != len(cols):
            raise InputError(f"weights 应有 {len(cols)} 个权重（每列一个），实际为 {len(weights)} 个")
        vals = list(weights)
    w = np.array([_checks.real(v, f"weights 中列 {c} 的权重") for c, v in zip(cols, vals)])
    neg = np.flatnonzero(w < 0)
    if len(neg):
        raise InputError(f"weights 中列 {cols[neg[0]]} 的权重为负数 {w[neg[0]]:g}")
    if not w.max(initial=0.0) > 0:
        raise InputError("weights 之和必须大于 0")
    return w


def topsis(data: pd.DataFrame, *, weights: Mapping[str, float] | Sequence[float] | Any,
           directions: Mapping[str, str] | Sequence[str] | None = None, normalise: str = "vector") -> TOPSISResult:
    """TOPSIS: rank units by their relative closeness to the ideal and anti-ideal solutions.

    Parameters
    ----------
    data
        One row per unit (the index names it), one numeric column per indicator.
    weights
        Indicator → weight, a sequence in column order, or an :class:`AHPResult` /
        :class:`EntropyResult`; scaled to sum to 1.
    directions
        Indicator → ``"正向"`` (default) or ``"反向"``; or a sequence in column order.
    normalise
        ``"vector"`` (default; r = x / √Σ x²) or ``"minmax"`` (正向 (x − min)/(max − min), 反向
        (max − x)/(max − min), after which every indicator is higher-is-better).

    Returns
    -------
    TOPSISResult

    Raises
    ------
    InputError
        If a value is not a number, there are fewer than 2 units, the weights do not match the
        columns or are negative, a column is all zero (vector) or constant (minmax), or a direction
        or ``normalise`` is unknown.

    Notes
    -----
    v_ij = w_j r_ij; ideal v⁺_j = max_i v_ij for 正向 and min_i v_ij for 反向, anti-ideal the reverse;
    D⁺_i = √Σ_j (v_ij − v⁺_j)², D⁻_i = √Σ_j (v_ij − v⁻_j)²; C_i = D⁻_i / (D⁺_i + D⁻_i)
    (Hwang & Yoon 1981, §2.3.4).
    Checked against: Hwang & Yoon's fighter-aircraft example (tests/reference/weights_topsis_hwang_yoon.csv)
    and an element-by-element computation in tests/test_weights.py.

    Examples
    --------
    >>> data = pd.DataFrame({"产出": [80.0, 95.0, 60.0], "成本": [30.0, 42.0, 25.0]}, index=["甲", "乙", "丙"])
    >>> res = topsis(data, weights={"产出": 0.6, "成本": 0.4}, directions={"成本": "反向"})
    >>> res.table().round(4)
      unit  d_plus  d_minus  closeness  rank
    0    甲  0.0740   0.1207     0.6200     1
    1    乙  0.1186   0.1522     0.5622     2
    2    丙  0.1522   0.1186     0.4378     3
    """
    x, cols, units = _matrix(data, "data")
    if len(units) < 2:
        raise InputError(f"data 至少需要 2 个评价对象（行），实际为 {len(units)} 行")
    _checks.one_of(normalise, "normalise", TOPSIS_NORMALISE)
    signs = _direction_series(directions, cols).to_numpy()
    w = _weight_vector(weights, cols)
    notes = []
    with np.errstate(over="ignore"):
        total = w.sum()
    if abs(total - 1) > 1e-9:
        notes.append(f"权重之和为 {value(total, 4)}，已按比例换算为合计 1。")
        w = w / _checks.scale_of(w)              # exact: the sum cannot overflow or lose tiny weights
        w = w / w.sum()
    if normalise == "vector":
        xs = _scaled(x)
        norm = np.sqrt((xs ** 2).sum(axis=0))
        zero = np.flatnonzero(norm == 0)
        if len(zero):
            raise InputError(f"data 列 {cols[zero[0]]} 全部为 0，无法做向量归一化")
        r = xs / norm
        benefit = signs > 0
    else:
        r = _minmax(x, signs, cols, "data")
        benefit = np.ones(len(cols), bool)
    v = r * w
    ideal = np.where(benefit, v.max(axis=0), v.min(axis=0))
    anti = np.where(benefit, v.min(axis=0), v.max(axis=0))
    d_plus = np.sqrt(((v - ideal) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - anti) ** 2).sum(axis=1))
    span = d_plus + d_minus
    closeness = np.divide(d_minus, span, out=np.full(len(units), np.nan), where=span > 0)
    table = pd.DataFrame({"unit": units, "d_plus": d_plus, "d_minus": d_minus, "closeness": closeness})
    rank = table["closeness"].rank(ascending=False, method="min")
    table["rank"] = rank.astype("Int64") if rank.isna().any() else rank.astype(int)
    if span.min() == 0:
        notes.append("有评价对象与正、负理想解的距离均为 0（各对象数据相同），相对贴近度为空。")
    directions_text = "、".join(f"{c}（{_label(s)}）" for c, s in zip(cols, signs))
    notes.insert(0, f"TOPSIS：{TOPSIS_NORMALISE[normalise]}，加权后按指标方向取正理想解和负理想解（{directions_text}），"
                    "以欧氏距离计算 D⁺、D⁻，相对贴近度 C = D⁻/(D⁺ + D⁻)，越大越好。")
    ties = table["rank"].duplicated(keep=False) & table["rank"].notna()
    if ties.any():
        notes.append(f"{'、'.join(table.loc[ties, 'unit'])} 的相对贴近度相同，名次并列。")
    best = str(table.sort_values(["rank"], kind="stable")["unit"].iloc[0])
    return TOPSISResult(ranking=table, ideal=pd.Series(ideal, index=cols, name="ideal"),
                        anti_ideal=pd.Series(anti, index=cols, name="anti_ideal"),
                        weights=pd.Series(w, index=cols, name="weight"),
                        directions=pd.Series([_label(s) for s in signs], index=cols, name="direction"),
                        normalised=pd.DataFrame(r, index=data.index, columns=cols),
                        weighted=pd.DataFrame(v, index=data.index, columns=cols), normalise=normalise,
                        best=best, notes=tuple(notes))


__all__ = ["AHPResult", "EntropyResult", "RI_TABLES", "TOPSISResult", "ahp", "entropy_weights", "topsis"]
