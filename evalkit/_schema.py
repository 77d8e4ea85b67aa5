"""The case contract as data: metadata fields, tables, columns and their Chinese names.

One place describes the format; the loader, the validator, the Excel skeleton and
``docs/case-format.md`` all follow it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1

#: metadata fields: dotted key → Chinese label (the 基本信息 sheet accepts either)
META_LABELS: dict[str, str] = {
    "schema": "格式版本",
    "id": "案例编号",
    "title": "报告标题",
    "scheme": "评分方案",
    "project.name": "项目名称",
    "project.department": "主管部门",
    "project.implementer": "实施单位",
    "project.commissioner": "委托单位",
    "project.region": "项目地区",
    "project.year": "项目年度",
    "project.category": "项目类别",
    "project.period": "实施期间",
    "funding.planned": "预算数（元）",
    "funding.allocated": "到位数（元）",
    "funding.spent": "执行数（元）",
    "evaluation.kind": "评价类型",
    "evaluation.evaluator": "评价机构",
    "evaluation.team": "评价组成员",
    "evaluation.date": "报告日期",
    "evaluation.standards": "评价标准",
    "evaluation.methods": "评价方法",
    "evaluation.number": "报告文号",
    "evaluation.status": "报告状态",
    "evaluation.template": "报告样式",
    "evaluation.basis": "评价依据",
}
META_LABELS.update({
    "evaluation.parameters.social_discount_rate": "社会折现率",
    "evaluation.parameters.benchmark_rate": "行业基准收益率",
    "evaluation.parameters.long_lived": "长效公益项目",
    "evaluation.parameters.convention": "折现惯例",
    "evaluation.parameters.payback_benchmark": "基准投资回收期（年）",
    "evaluation.parameters.risk_draws": "模拟次数",
    "evaluation.parameters.seed": "随机数种子",
    "evaluation.parameters.policy_year": "政策实施年份",
    "evaluation.parameters.weighting": "权重来源",
    "evaluation.parameters.survey_population": "调查总体数量",
    "evaluation.parameters.survey_approached": "发放问卷数量",
    "evaluation.parameters.survey_valid": "有效问卷数量",
})


@dataclass(frozen=True)
class Parameter:
    zh: str
    kind: str                          # rate | bool | convention | years | count | seed
    default: Any = None


#: method parameters a case may set under ``evaluation.parameters``
PARAMETERS: dict[str, Parameter] = {
    "social_discount_rate": Parameter("社会折现率", "rate", 0.08),
    "benchmark_rate": Parameter("行业基准收益率", "rate"),
    "long_lived": Parameter("长效公益项目", "bool", False),
    "convention": Parameter("折现惯例", "convention", "end-of-year"),
    "payback_benchmark": Parameter("基准投资回收期", "years"),
    "risk_draws": Parameter("模拟次数", "count", 10_000),
    "seed": Parameter("随机数种子", "seed"),
    "policy_year": Parameter("政策实施年份", "seed"),
    "weighting": Parameter("权重来源", "weighting", "table"),
    "survey_population": Parameter("调查总体数量", "count", None),
    "survey_approached": Parameter("发放问卷数量", "count", None),
    "survey_valid": Parameter("有效问卷数量", "count", None),
}
CONVENTION_NAMES = {"end-of-year": "end-of-year", "年末": "end-of-year", "year-0": "year-0", "首年不折现": "year-0"}


NUMERIC_PARAMETERS = ("rate", "years", "count", "seed")


def parse_parameter(key: str, value: Any, shown: Any = None) -> Any:
    """A parameter value as typed; raises ValueError with the Chinese reason.

    ``shown`` is the value as the user wrote it, for the message, when ``value`` was already read
    (the case reader reads numbers written as text first, noting full-width digits and the like).
    """
    kind = PARAMETERS[key].kind
    said = _said(value if shown is None else shown)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().casefold()
        if text in ("是", "true", "yes", "1", "1.0"):
            return True
        if text in ("否", "false", "no", "0", "0.0"):
            return False
        raise ValueError(f"应为 是/否，实际为 {said}")
    if kind == "weighting":
        names = {"table": "table", "指标表": "table", "ahp": "ahp", "层次分析法": "ahp", "AHP": "ahp"}
        if not isinstance(value, str) or value not in names:
            raise ValueError(f"应为 table（指标表）或 ahp（层次分析法），实际为 {said}")
        return names[value]
    if kind == "convention":
        if not isinstance(value, str) or value not in CONVENTION_NAMES:
            raise ValueError(f"应为 end-of-year（年末）或 year-0（首年不折现），实际为 {said}")
        return CONVENTION_NAMES[value]
    if isinstance(value, bool):
        raise ValueError(f"应为数字，实际为 {said}")
    text = str(value).strip()
    pct = text.endswith("%")
    try:
        number = float(text.rstrip("%")) / (100 if pct else 1)
    except (ValueError, OverflowError):
        raise ValueError(f"应为数字，实际为 {said}") from None
    if not math.isfinite(number):
        raise ValueError(f"应为有限的数字，实际为 {said}")
    if kind == "rate":
        if not 0 <= number < 1:
            raise ValueError(f"应为 0 到 1 之间的小数（如 0.08）或百分数（如 8%），实际为 {said}")
        return number
    if kind == "years":
        if number <= 0:
            raise ValueError(f"应为正数（年），实际为 {said}")
        return number
    if number != int(number) or number < (100 if kind == "count" else 0):
        raise ValueError(f"应为{'不小于 100 的' if kind == 'count' else '非负'}整数，实际为 {said}")
    return int(number)


def _said(value: Any, limit: int = 40) -> str:
    try:
        text = repr(value)
    except ValueError:                                     # an integer too long to print
        text = "一个位数过多的整数"
    return text if len(text) <= limit else text[: limit - 1] + "…"


REQUIRED_META = (
    "schema", "id", "title", "project.name", "project.department", "project.implementer",
    "funding.planned", "funding.allocated", "funding.spent", "evaluation.evaluator",
)
MONEY_META = ("funding.planned", "funding.allocated", "funding.spent")
#: metadata fields that hold one piece of text
TEXT_META = ("id", "title", "scheme", "project.name", "project.department", "project.implementer",
             "project.commissioner", "project.region", "project.category", "project.period", "evaluation.kind",
             "evaluation.evaluator", "evaluation.number", "evaluation.status", "evaluation.template")
LIST_META = ("evaluation.team", "evaluation.standards", "evaluation.methods", "evaluation.basis")
#: evaluation.status: accepted spelling → canonical; a 征求意见稿 marks every page of the report
STATUSES = {"征求意见稿": "征求意见稿", "草稿": "征求意见稿", "draft": "征求意见稿",
            "正式稿": "正式稿", "终稿": "正式稿", "报告": "正式稿", "final": "正式稿"}

#: narrative parts: key → Chinese label (the 报告文字 sheet accepts either)
NARRATIVE_LABELS: dict[str, str] = {
    "overview": "项目概况",
    "goals": "绩效目标",
    "process": "评价工作过程",
    "experience": "主要经验及做法",
    "problems": "存在的问题",
    "causes": "原因分析",
    "suggestions": "有关建议",
    "other": "其他需要说明的问题",
    "limitations": "评价的局限性",
    "statement": "声明",
}
#: narrative parts the report writes itself when the case leaves them out (a new case does not list them)
OPTIONAL_NARRATIVE = ("limitations", "statement")

EVALUATION_KINDS = ("重点评价", "部门评价", "自评")
STANDARDS = ("计划标准", "行业标准", "历史标准", "其他标准")


@dataclass(frozen=True)
class Column:
    name: str                 # canonical English name
    zh: str                   # the Chinese header of the Excel skeleton
    kind: str = "text"        # text | number | integer
    required: bool = False    # the column must exist
    aliases: tuple[str, ...] = ()
    nonempty: bool = False    # every row must fill the cell
    vocab: dict[str, str] | None = field(default=None, compare=False, hash=False)   # accepted → canonical
    default: str = ""         # the value of an empty cell of a vocabulary column
    bounds: tuple[float, float] | None = None   # the lowest and highest value a number may take
    money: bool = False       # an amount in 元; a header or unit row may state 万元 (read ×10,000, noted)
    summed: bool = False      # a 合计 row's cell is checked against the sum of the column


@dataclass(frozen=True)
class Table:
    name: str
    sheet: str
    columns: tuple[Column, ...]
    required: bool = False
    open: bool = False          # other columns are kept (as text, under their own header)

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    def header_map(self) -> dict[str, str]:
        """Every accepted header (case-folded) → canonical name."""
        out = _HEADER_MAPS.get(self)
        if out is None:
            out = {}
            for col in self.columns:
                for alias in (col.name, col.zh, *col.aliases):
                    out[_fold(alias)] = col.name
            _HEADER_MAPS[self] = out
        return dict(out)


_HEADER_MAPS: dict[Table, dict[str, str]] = {}      # a Table is frozen and hashable: built once each


#: money units a header (``金额（万元）``), a unit row (``单位：万元``) or a cell (``120万元``) may state
MONEY_UNITS = {"元": 1, "千元": 1_000, "万元": 10_000, "百万元": 1_000_000, "亿元": 100_000_000}


def _fold(header: str) -> str:
    return "".join(str(header).split()).casefold().replace("(", "（").replace(")", "）")


#: controlled vocabularies: accepted spelling (case-folded) → canonical value
TYPES = {
    "定量": "定量", "quantitative": "定量", "定量指标": "定量",
    "定性": "定性", "qualitative": "定性", "定性指标": "定性",
    "扣分": "扣分", "扣分制": "扣分", "deduction": "扣分",
    "满意度": "满意度", "survey": "满意度", "满意度调查": "满意度",
}
DIRECTIONS = {
    "正向": "正向", "≥": "正向", ">=": "正向", "positive": "正向",
    "反向": "反向", "≤": "反向", "<=": "反向", "negative": "反向", "reverse": "反向",
    "等于": "等于", "=": "等于", "equal": "等于",
}
GRADES = {
    "达成": "达成", "达成年度指标": "达成",
    "部分达成": "部分达成", "部分达成年度指标并具有一定效果": "部分达成",
    "未达成": "未达成", "未达成年度指标且效果较差": "未达成",
}
KINDS = {
    "成本": "成本", "费用": "成本", "cost": "成本", "运营成本": "成本",
    "投资": "投资", "建设投资": "投资", "investment": "投资",
    "效益": "效益", "收益": "效益", "benefit": "效益",
}
ANALYSES = {"全部": "全部", "both": "全部", "财务": "财务", "financial": "财务", "经济": "经济", "economic": "经济"}
DISTRIBUTIONS = {
    "三角分布": "triangular", "triangular": "triangular", "正态分布": "normal", "normal": "normal",
    "均匀分布": "uniform", "uniform": "uniform", "pert": "pert", "PERT": "pert", "PERT分布": "pert",
}
YES_NO = {"是": "是", "否": "否", "yes": "是", "no": "否", "y": "是", "n": "否", "1": "是", "0": "否"}


ROLES = {"投入": "投入", "input": "投入", "产出": "产出", "output": "产出", "其他": "其他", "other": "其他"}
GROUPS = {"处理组": "处理组", "treated": "处理组", "对照组": "对照组", "control": "对照组"}
SIDES = {"内部": "内部", "内部因素": "内部", "internal": "内部", "外部": "外部", "外部因素": "外部", "external": "外部"}
EFFECTS = {"促进": "促进", "有利": "促进", "helped": "促进", "制约": "制约", "不利": "制约", "hindered": "制约"}
QUESTION_KINDS = {"量表": "scale", "scale": "scale", "分组": "group", "group": "group", "其他": "other", "other": "other"}
FORMS = {"乘积": "product", "product": "product", "比值": "ratio", "ratio": "ratio"}

#: the years a case's tables may hold (cash flows, history, peers)
YEARS = (1900.0, 2200.0)

TABLES: dict[str, Table] = {
    "indicators": Table("indicators", "指标体系", required=True, columns=(
        Column("code", "指标编码", aliases=("编码", "指标代码", "编号")),
        Column("level1", "一级指标", required=True, nonempty=True),
        Column("level2", "二级指标", required=True, nonempty=True),
        Column("name", "三级指标", required=True, nonempty=True, aliases=("指标名称",)),
        Column("description", "指标解释", aliases=("指标说明", "评价要点")),
        Column("weight", "分值", "number", required=True, aliases=("权重", "指标分值"), summed=True),
        Column("type", "指标类型", required=True, nonempty=True, vocab=TYPES, aliases=("类型", "指标性质")),
        Column("direction", "指标方向", vocab=DIRECTIONS, aliases=("方向", "计算符号")),
        Column("target", "指标值", "number", aliases=("目标值", "年度指标值")),
        Column("actual", "实际完成值", "number", aliases=("实际值", "完成值")),
        Column("unit", "计量单位", aliases=("单位",)),
        Column("grade", "定性等级", vocab=GRADES, aliases=("等级", "评价等级")),
        Column("score", "评分", "number", aliases=("定性得分", "评定分数")),
        Column("basis", "评分依据", aliases=("评分说明",)),
        Column("criterion", "评分标准", aliases=("评分细则", "评分方法")),
        Column("standard", "评价标准", aliases=("标准类型",)),
        Column("deviation", "偏差原因", aliases=("偏差原因分析", "偏差原因分析及改进措施")),
        Column("level1_weight", "一级指标分值", "number"),
        Column("level2_weight", "二级指标分值", "number"),
    )),
    "deductions": Table("deductions", "扣分明细", columns=(
        Column("code", "指标编码", required=True, aliases=("编码",)),
        Column("points", "扣分", "number", required=True, aliases=("扣分值",)),
        Column("reason", "扣分原因", required=True, aliases=("原因",)),
        Column("evidence", "底稿编号", aliases=("证据", "依据")),
    )),
    "budget": Table("budget", "预算执行", columns=(
        Column("item", "资金来源", required=True, aliases=("项目", "资金项目")),
        Column("planned", "预算数（元）", "number", required=True, aliases=("预算数",), money=True, summed=True),
        Column("allocated", "到位数（元）", "number", required=True, aliases=("到位数",), money=True, summed=True),
        Column("spent", "执行数（元）", "number", required=True, aliases=("执行数",), money=True, summed=True),
    )),
    "cashflows": Table("cashflows", "成本效益", columns=(
        Column("year", "年份", "integer", required=True, nonempty=True, aliases=("年度",), bounds=YEARS),
        Column("item", "项目", required=True, nonempty=True, aliases=("费用效益项目", "科目")),
        Column("kind", "类别", required=True, nonempty=True, vocab=KINDS, aliases=("类型",)),
        Column("amount", "金额（元）", "number", required=True, nonempty=True, aliases=("金额",), money=True),
        Column("analysis", "分析类型", vocab=ANALYSES, default="全部", aliases=("适用分析",)),
    )),
    "distributions": Table("distributions", "风险分布", columns=(
        Column("item", "项目", required=True, nonempty=True),
        Column("distribution", "分布", required=True, nonempty=True, vocab=DISTRIBUTIONS, aliases=("分布类型",)),
        Column("low", "下限", "number"),
        Column("mode", "最可能值", "number", aliases=("众数",)),
        Column("high", "上限", "number"),
        Column("mean", "均值", "number"),
        Column("sd", "标准差", "number"),
    )),
    "history": Table("history", "历史数据", columns=(
        Column("period", "年度", "integer", required=True, nonempty=True, aliases=("期间", "年份"), bounds=YEARS),
        Column("measure", "指标", required=True, nonempty=True, aliases=("指标名称",)),
        Column("value", "数值", "number", required=True, nonempty=True, aliases=("值",)),
        Column("unit", "计量单位", aliases=("单位",)),
        Column("direction", "指标方向", vocab={**DIRECTIONS, "中性": "中性", "neutral": "中性"}, default="正向",
               aliases=("方向",)),
    )),
    "peers": Table("peers", "标杆对比", columns=(
        Column("unit", "单位", required=True, nonempty=True, aliases=("地区", "单位名称", "项目")),
        Column("measure", "指标", required=True, nonempty=True, aliases=("指标名称",)),
        Column("value", "数值", "number", required=True, nonempty=True, aliases=("值",)),
        Column("period", "期间", "integer", aliases=("年度", "年份"), bounds=YEARS),
        Column("measure_unit", "计量单位", aliases=("单位名",)),
        Column("role", "类别", vocab=ROLES, default="其他", aliases=("投入产出",)),
        Column("direction", "指标方向", vocab=DIRECTIONS, default="正向", aliases=("方向",)),
        Column("self", "本项目", vocab=YES_NO, default="否", aliases=("是否本项目",)),
        Column("group", "分组", vocab=GROUPS, aliases=("组别",)),
    )),
    "drivers": Table("drivers", "因素分析", columns=(
        Column("factor", "因素", required=True, nonempty=True, aliases=("因素名称",)),
        Column("subject", "分析对象", aliases=("指标", "对象")),
        Column("base", "基期值", "number", aliases=("计划值", "基期")),
        Column("current", "报告期值", "number", aliases=("实际值", "报告期")),
        Column("form", "关系", vocab=FORMS, default="product", aliases=("计算关系",)),
        Column("side", "内外部", vocab=SIDES, aliases=("因素类型",)),
        Column("effect", "影响", vocab=EFFECTS, aliases=("影响方向",)),
        Column("evidence", "依据", aliases=("证据", "说明")),
        Column("indicators", "影响指标", aliases=("相关指标",)),
    )),
    "survey": Table("survey", "满意度调查", open=True, columns=(
        Column("respondent", "编号", aliases=("问卷编号", "受访者编号", "序号")),
    )),
    "questions": Table("questions", "问卷题目", columns=(
        Column("column", "列名", required=True, nonempty=True, aliases=("题号", "字段")),
        Column("text", "题目", aliases=("题目内容", "问题")),
        Column("kind", "类型", vocab=QUESTION_KINDS, default="scale", aliases=("题型",)),
        Column("scale", "级数", "integer", aliases=("量表级数",)),
        Column("satisfied", "满意档", aliases=("满意选项",)),
        Column("indicator", "对应指标", aliases=("指标编码",)),
    )),
    "judgements": Table("judgements", "专家判断", columns=(
        Column("expert", "专家", required=True, nonempty=True, aliases=("专家编号",)),
        Column("parent", "比较对象", required=True, nonempty=True, aliases=("上级指标", "层级")),
        Column("a", "指标A", required=True, nonempty=True, aliases=("指标甲",)),
        Column("b", "指标B", required=True, nonempty=True, aliases=("指标乙",)),
        Column("value", "标度", required=True, nonempty=True, aliases=("重要性标度", "判断值")),
    )),
    "alternatives": Table("alternatives", "备选方案", columns=(
        Column("name", "方案", required=True, nonempty=True, aliases=("方案名称",)),
        Column("cost", "成本（元）", "number", required=True, nonempty=True, aliases=("成本", "总成本"), money=True),
        Column("effect", "效果", "number", required=True, nonempty=True, aliases=("效果量",)),
        Column("unit", "效果单位", aliases=("单位",)),
        Column("chosen", "是否采用", vocab=YES_NO, default="否", aliases=("采用",)),
        Column("note", "说明", aliases=("备注",)),
    )),
}

META_SHEET = "基本信息"
NARRATIVE_SHEET = "报告文字"
