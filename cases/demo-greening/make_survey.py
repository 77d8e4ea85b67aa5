"""Write survey.csv: the 市民满意度 questionnaire of the demo-greening case (illustrative data).

300 valid questionnaires (of 320 handed out) from residents living near the maintained green spaces
of 临江市's central districts. Every answer is on a 5-level scale (1 很不满意 … 5 很满意); a blank cell
is a question left unanswered. The data are simulated, deterministically (fixed seed), with numpy only:

- each respondent has a general attitude (normal, sd 0.55) shifted by street, age group and years of
  residence: 56岁以上 residents and 城南街道 (where the road-tree and pest complaints concentrated) are
  noticeably less satisfied, newcomers a little more;
- each item has its own level: 养护作业扰民 (noise, spraying and blocked pavements) is the weakest,
  投诉处理 next, 绿地整洁、植物长势 and 设施完好 the strongest;
- answer = round(item level + attitude + noise), clipped to 1 … 5; a few answers are left blank
  (most often 投诉处理, which residents who never complained skip).

Run from anywhere:  python cases/demo-greening/make_survey.py
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

SEED = 20240612
N = 300
HERE = Path(__file__).resolve().parent

STREETS = {          # street: (share of respondents, attitude shift)
    "滨江街道": (0.22, 0.10),
    "望江街道": (0.20, 0.05),
    "东湖街道": (0.20, 0.15),
    "城南街道": (0.18, -0.55),
    "新华街道": (0.20, 0.00),
}
AGES = {"18—35岁": (0.32, 0.15), "36—55岁": (0.40, 0.05), "56岁以上": (0.28, -0.45)}
YEARS = {"5年以下": (0.22, 0.15), "5—10年": (0.30, 0.00), "10年以上": (0.48, -0.10)}
ITEMS = {            # column: (item level, share left blank)
    "Q1": (4.55, 0.000),   # 绿地整洁
    "Q2": (4.45, 0.003),   # 植物长势
    "Q3": (4.50, 0.003),   # 设施完好
    "Q4": (4.35, 0.010),   # 病虫害处置
    "Q5": (4.00, 0.003),   # 养护作业扰民
    "Q6": (4.30, 0.030),   # 投诉处理
}


def draw(rng: np.random.Generator, groups: dict[str, tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    names = list(groups)
    p = np.array([groups[k][0] for k in names])
    idx = rng.choice(len(names), size=N, p=p / p.sum())
    return np.array(names)[idx], np.array([groups[k][1] for k in names])[idx]


def main() -> Path:
    rng = np.random.default_rng(SEED)
    street, s_shift = draw(rng, STREETS)
    age, a_shift = draw(rng, AGES)
    years, y_shift = draw(rng, YEARS)
    attitude = rng.normal(0.0, 0.55, N) + s_shift + a_shift + y_shift
    answers = {}
    for col, (level, blank) in ITEMS.items():
        x = np.clip(np.rint(level + attitude + rng.normal(0.0, 0.65, N)), 1, 5).astype(int)
        cells = x.astype(str).astype(object)
        cells[rng.random(N) < blank] = ""
        answers[col] = cells
    out = HERE / "survey.csv"
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["respondent", "街道", "年龄段", "居住年限", *ITEMS])
        for i in range(N):
            w.writerow([f"Q{i + 1:03d}", street[i], age[i], years[i], *(answers[c][i] for c in ITEMS)])
    return out


if __name__ == "__main__":
    print(main())
