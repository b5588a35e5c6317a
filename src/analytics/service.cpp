// The summary use cases (include/huoju/analytics/service.hpp): authorization, validation with
// messages naming the parameter, and the JSON of docs/api.md "Summaries".
#include "huoju/analytics/service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "huoju/analytics/summary.hpp"
#include "huoju/core/clock.hpp"
#include "huoju/filing/workflow.hpp"

namespace huoju::analytics {
namespace {

using identity::Action;
using identity::Principal;
using nlohmann::json;

constexpr size_t kMaxBy = 2;
constexpr size_t kMaxIndicators = 200;
constexpr uint32_t kNeverId = std::numeric_limits<uint32_t>::max();

std::string DimensionList() {
  std::string out;
  for (size_t i = 0; i < kDimensionCount; ++i) {
    out += (i == 0 ? "" : "、");
    out += DimensionCode(static_cast<Dimension>(i));
  }
  return out;
}

json Number(double v) {
  return std::isfinite(v) ? json(v) : json();
}

bool CodeLess(const std::string& a, const std::string& b) {
  if (a == b) {
    return false;
  }
  if (a == kNoValue || b == kNoValue) {  // 未分类 last
    return b == kNoValue;
  }
  auto digits = [](const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (digits(a) && digits(b) && a.size() != b.size()) {
    return a.size() < b.size();
  }
  return a < b;
}

}  // namespace

std::string PreviousYearPeriod(const std::string& period) {
  int year = 0;
  if (period.size() < 4 ||
      std::from_chars(period.data(), period.data() + 4, year).ec != std::errc() || year < 1001) {
    return {};
  }
  return std::to_string(year - 1) + period.substr(4);
}

struct Summaries::Plan {
  org::OrgNode node;
  std::vector<Dimension> by;
  std::string state;
  std::vector<std::string> indicators;  ///< the query's, else the layout's (empty: all)
  json layout;                          ///< {id, title} of the summary layout, or null
};

const catalog::SummaryLayout* Summaries::FindLayout(const std::string& form,
                                                    const std::string& period,
                                                    const std::string& id) const {
  int year = 0;
  if (period.size() < 4 ||
      std::from_chars(period.data(), period.data() + 4, year).ec != std::errc()) {
    return nullptr;
  }
  auto in = [&](int y) -> const catalog::SummaryLayout* {
    const catalog::Catalog* cat = catalogs_(y);
    const catalog::Form* f = cat == nullptr ? nullptr : cat->FindForm(form);
    return f == nullptr ? nullptr : f->FindSummaryLayout(id);
  };
  // The catalog that serves the period (the latest up to its year) first; a catalog year
  // without the layout borrows a later year's (layouts are added over the years; an indicator
  // the period lacks is then named).
  for (int y = year; y > year - 10; --y) {
    if (catalogs_(y) != nullptr) {
      if (const auto* l = in(y)) {
        return l;
      }
      break;
    }
  }
  for (int y = year + 1; y < year + 10; ++y) {
    if (const auto* l = in(y)) {
      return l;
    }
  }
  return nullptr;
}

Summaries::Summaries(store::Database& db, const org::Directory& directory,
                     Snapshots::CatalogLookup catalogs, Snapshots::Options options)
    : catalogs_(catalogs), snapshots_(db, directory, std::move(catalogs), options) {}

Result<Summaries::Plan> Summaries::Prepare(const Principal& who, const SummaryQuery& q) const {
  HUOJU_RETURN_IF_ERROR(identity::Authorize(who, Action::kViewProgress, nullptr));
  Plan plan;
  auto node = snapshots_.directory().Get(q.node > 0 ? q.node : who.scope.id);
  if (!node) {
    return Status::NotFound("机构不存在或不在您的管辖范围内");
  }
  HUOJU_RETURN_IF_ERROR(identity::Authorize(who, Action::kViewProgress, &*node));
  plan.node = *node;
  if (q.form.empty() || q.form.size() > 32) {
    return Status::InvalidField("form", "请选择报表（表号，如 GQ-002）");
  }
  if (q.period.empty() || q.period.size() > 16) {
    return Status::InvalidField("period", "请选择报告期（如 2024）");
  }
  std::vector<std::string> by_codes = q.by;
  plan.indicators = q.indicators;
  if (!q.layout.empty()) {
    const catalog::SummaryLayout* layout = FindLayout(q.form, q.period, q.layout);
    if (layout == nullptr) {
      return Status::InvalidField(
          "layout", fmt::format("报表 {} 没有编号为“{}”的汇总表式", q.form, q.layout));
    }
    if (by_codes.empty()) {
      by_codes = layout->by;
    }
    if (plan.indicators.empty()) {
      plan.indicators = layout->indicators;
    }
    if (q.by.empty() || q.indicators.empty()) {  // named only when it shapes the table
      plan.layout = {{"id", layout->id}, {"title", layout->title}};
    }
  }
  if (by_codes.size() > kMaxBy) {
    return Status::InvalidField("by", fmt::format("汇总维度最多 {} 个", kMaxBy));
  }
  for (const auto& b : by_codes) {
    auto d = ParseDimension(b);
    if (!d) {
      return Status::InvalidField("by",
                                  fmt::format("汇总维度“{}”不存在，可选：{}", b, DimensionList()));
    }
    if (std::find(plan.by.begin(), plan.by.end(), *d) != plan.by.end()) {
      return Status::InvalidField("by", fmt::format("汇总维度“{}”重复", b));
    }
    plan.by.push_back(*d);
  }
  for (const auto& [k, v] : q.keys) {
    if (!ParseDimension(k)) {
      return Status::InvalidField(k, fmt::format("维度“{}”不存在，可选：{}", k, DimensionList()));
    }
    if (v.empty() || v.size() > 64) {
      return Status::InvalidField(k, fmt::format("维度“{}”的取值应为 1 到 64 个字符", k));
    }
  }
  if (q.indicators.size() > kMaxIndicators) {
    return Status::InvalidField("indicators", fmt::format("指标最多 {} 个", kMaxIndicators));
  }
  const std::string& st = q.state.empty() ? std::string("submitted") : q.state;
  if (st != "submitted" && st != "approved" && st != "final" && st != "all") {
    size_t start = 0;
    while (start <= st.size()) {
      const size_t end = std::min(st.find(',', start), st.size());
      if (!filing::ParseState(st.substr(start, end - start))) {
        return Status::InvalidField(
            "state",
            "状态应为 submitted、approved、final、all 或以逗号分隔的报表状态代码"
            "（not_started、draft、submitted、returned、final）");
      }
      start = end + 1;
    }
  }
  plan.state = st;
  return plan;
}

namespace {

// The row filter of a plan on one snapshot (state, review level, scope).
RowFilter FilterFor(const Principal& who, const std::string& state, const org::OrgNode& node,
                    const catalog::Form* form) {
  using filing::FilingState;
  RowFilter f;
  f.scope_path = node.path;
  auto bit = [](FilingState s) { return 1U << static_cast<uint32_t>(s); };
  if (state == "submitted") {
    f.state_mask = bit(FilingState::kSubmitted) | bit(FilingState::kFinal);
  } else if (state == "final") {
    f.state_mask = bit(FilingState::kFinal);
  } else if (state == "approved") {
    auto level = form == nullptr ? std::nullopt : filing::ReviewerLevel(who, form->review_chain);
    f.approved_above_level = level ? static_cast<int>(*level) : std::numeric_limits<int>::max();
  } else if (state != "all") {
    size_t start = 0;
    while (start <= state.size()) {
      const size_t end = std::min(state.find(',', start), state.size());
      if (auto s = filing::ParseState(state.substr(start, end - start))) {
        f.state_mask |= bit(*s);
      }
      start = end + 1;
    }
  }
  return f;
}

Result<std::vector<size_t>> Columns(const Snapshot& s, const std::vector<std::string>& codes) {
  std::vector<size_t> cols;
  if (codes.empty()) {
    for (size_t i = 0; i < s.indicators.size(); ++i) {
      cols.push_back(i);
    }
    return cols;
  }
  for (const auto& code : codes) {
    auto it = s.indicator_index.find(code);
    if (it == s.indicator_index.end()) {
      return Status::InvalidField("indicators",
                                  fmt::format("指标“{}”不是报表 {} 的数值指标", code, s.form_code));
    }
    cols.push_back(it->second);
  }
  return cols;
}

// Dictionary ids ordered by their codes: the order rows are listed in.
KeyLess ByCode(const Snapshots& snaps) {
  return [&snaps](Dimension d, uint32_t a, uint32_t b) {
    return CodeLess(snaps.dictionary(d).Code(a), snaps.dictionary(d).Code(b));
  };
}

// The answer's `indicators`: code, name and unit of each column shown.
json IndicatorList(const Snapshot& s, const catalog::Form* form, const std::vector<size_t>& cols) {
  json indicators = json::array();
  for (size_t c : cols) {
    const catalog::Indicator* ind =
        form == nullptr ? nullptr : form->FindIndicator(s.indicators[c]);
    indicators.push_back({{"code", s.indicators[c]},
                          {"name", ind ? ind->name : s.indicators[c]},
                          {"unit", ind ? ind->unit : ""}});
  }
  return indicators;
}

// A row's `keys` ({dimension: {code, name}}) and `label` (合计, a value, or 其中：a value).
std::pair<json, std::string> RowKeys(const Snapshots& snaps, const std::vector<Dimension>& by,
                                     const SummaryRow& r, int catalog_year) {
  json keys = json::object();
  std::string label = "合计";
  for (size_t k = 0; k < r.keys.size(); ++k) {
    const std::string code = snaps.dictionary(by[k]).Code(r.keys[k]);
    const std::string name = snaps.ValueName(by[k], code, catalog_year);
    keys[DimensionCode(by[k])] = {{"code", code}, {"name", name}};
    label = r.level >= 2 ? "其中：" + name : name;
  }
  return {std::move(keys), std::move(label)};
}

}  // namespace

Result<json> Summaries::Summary(const Principal& who, const SummaryQuery& q) {
  HUOJU_ASSIGN_OR_RETURN(Plan plan, Prepare(who, q));
  json out;
  HUOJU_RETURN_IF_ERROR(snapshots_.Read(
      {{q.form, q.period}}, [&](const std::vector<const Snapshot*>& snaps) -> Status {
        const Snapshot& s = *snaps[0];
        const catalog::Catalog* cat = catalogs_(s.catalog_year);
        const catalog::Form* form = cat == nullptr ? nullptr : cat->FindForm(s.form_code);
        HUOJU_ASSIGN_OR_RETURN(auto cols, Columns(s, plan.indicators));
        SummarySpec spec;
        spec.by = plan.by;
        spec.columns = cols;
        spec.filter = FilterFor(who, plan.state, plan.node, form);
        const auto rows = Summarize(s, spec, ByCode(snapshots_));
        json indicators = IndicatorList(s, form, cols);
        json jrows = json::array();
        const SummaryRow* total = rows.empty() ? nullptr : &rows[0];
        for (const auto& r : rows) {
          auto [keys, label] = RowKeys(snapshots_, plan.by, r, s.catalog_year);
          json cells = json::array();
          const Series& sr = r.series[0];
          for (size_t c = 0; c < sr.cells.size(); ++c) {
            const Cell& cell = sr.cells[c];
            const double all = total->series[0].cells[c].sum;
            cells.push_back(
                {{"sum", Number(cell.sum)},
                 {"count", cell.count},
                 {"mean",
                  cell.count > 0 ? Number(cell.sum / static_cast<double>(cell.count)) : json()},
                 {"share", all != 0 ? Number(cell.sum / all) : json()}});
          }
          jrows.push_back({{"level", r.level},
                           {"keys", std::move(keys)},
                           {"label", label},
                           {"units", sr.units},
                           {"cells", std::move(cells)}});
        }
        json by = json::array();
        for (Dimension d : plan.by) {
          by.push_back(DimensionCode(d));
        }
        out = {{"form", s.form_code},
               {"period", s.period_key},
               {"state", plan.state},
               {"node", {{"id", plan.node.id}, {"name", plan.node.name}}},
               {"by", std::move(by)},
               {"layout", plan.layout},
               {"indicators", std::move(indicators)},
               {"rows", std::move(jrows)},
               {"snapshot", {{"rows", s.rows()}, {"refreshed_at", FormatIsoUtc(s.refreshed_at)}}}};
        return Status::Ok();
      }));
  return out;
}

Status Summaries::Validate(const Principal& who, const SummaryQuery& q) const {
  return Prepare(who, q).status();
}

struct Summaries::UnitSelection {
  const Snapshot* snapshot = nullptr;
  const catalog::Form* form = nullptr;
  std::vector<size_t> columns;  ///< snapshot columns of the requested indicators
  std::vector<uint32_t> rows;   ///< matching snapshot rows in list order
};

Status Summaries::SelectUnits(const Principal& who, const SummaryQuery& q,
                              const std::function<Status(const UnitSelection&)>& fn) {
  HUOJU_ASSIGN_OR_RETURN(Plan plan, Prepare(who, q));
  return snapshots_.Read(
      {{q.form, q.period}}, [&](const std::vector<const Snapshot*>& snaps) -> Status {
        const Snapshot& s = *snaps[0];
        UnitSelection sel;
        sel.snapshot = &s;
        const catalog::Catalog* cat = catalogs_(s.catalog_year);
        sel.form = cat == nullptr ? nullptr : cat->FindForm(s.form_code);
        HUOJU_ASSIGN_OR_RETURN(sel.columns, Columns(s, q.indicators));
        std::optional<size_t> sort;
        if (!q.sort.empty()) {
          auto it = s.indicator_index.find(q.sort);
          if (it == s.indicator_index.end()) {
            return Status::InvalidField(
                "sort", fmt::format("排序指标“{}”不是报表 {} 的数值指标", q.sort, s.form_code));
          }
          sort = it->second;
        }
        RowFilter filter = FilterFor(who, plan.state, plan.node, sel.form);
        for (const auto& [k, v] : q.keys) {
          const Dimension d = *ParseDimension(k);
          filter.equal.emplace_back(d, snapshots_.dictionary(d).Find(v).value_or(kNeverId));
        }
        sel.rows = MatchingRows(s, filter, sort);
        return fn(sel);
      });
}

Result<json> Summaries::Units(const Principal& who, const SummaryQuery& q) {
  if (q.offset < 0 || q.limit < 1 || q.limit > kMaxListRows) {
    return Status::InvalidField("limit", "每页条数超出范围");
  }
  json out;
  HUOJU_RETURN_IF_ERROR(SelectUnits(who, q, [&](const UnitSelection& sel) -> Status {
    const Snapshot& s = *sel.snapshot;
    json items = json::array();
    const auto end = std::min<size_t>(sel.rows.size(), static_cast<size_t>(q.offset + q.limit));
    for (size_t i = static_cast<size_t>(q.offset); i < end; ++i) {
      const uint32_t r = sel.rows[i];
      auto unit = snapshots_.directory().Get(s.unit_id[r]);
      json keys = json::object();
      for (size_t d = 0; d < kDimensionCount; ++d) {
        const auto dim = static_cast<Dimension>(d);
        const std::string code = snapshots_.dictionary(dim).Code(s.dims[d][r]);
        keys[DimensionCode(dim)] = {{"code", code},
                                    {"name", snapshots_.ValueName(dim, code, s.catalog_year)}};
      }
      json values = json::array();
      for (size_t c : sel.columns) {
        values.push_back(s.Missing(c, r) ? json() : Number(s.columns[c].values[r]));
      }
      items.push_back({{"filing_id", s.filing_id[r]},
                       {"unit_id", s.unit_id[r]},
                       {"name", unit ? unit->name : ""},
                       {"uscc", unit ? unit->uscc : ""},
                       {"state", filing::StateCode(static_cast<filing::FilingState>(s.state[r]))},
                       {"keys", std::move(keys)},
                       {"values", std::move(values)}});
    }
    out = {{"items", std::move(items)},
           {"total", sel.rows.size()},
           {"offset", q.offset},
           {"limit", q.limit},
           {"indicators", IndicatorList(s, sel.form, sel.columns)}};
    return Status::Ok();
  }));
  return out;
}

Status Summaries::ForEachUnit(const Principal& who, const SummaryQuery& q,
                              const std::function<Status(const nlohmann::json&, size_t)>& begin,
                              const std::function<Status(const UnitListRow&)>& row) {
  return SelectUnits(who, q, [&](const UnitSelection& sel) -> Status {
    const Snapshot& s = *sel.snapshot;
    HUOJU_RETURN_IF_ERROR(begin(IndicatorList(s, sel.form, sel.columns), sel.rows.size()));
    UnitListRow out;
    out.values.resize(sel.columns.size());
    for (const uint32_t r : sel.rows) {
      out.filing_id = s.filing_id[r];
      out.unit_id = s.unit_id[r];
      auto unit = snapshots_.directory().Get(s.unit_id[r]);
      out.name = unit ? std::move(unit->name) : std::string();
      out.uscc = unit ? std::move(unit->uscc) : std::string();
      out.state = filing::StateCode(static_cast<filing::FilingState>(s.state[r]));
      for (size_t d = 0; d < kDimensionCount; ++d) {
        out.codes[d] = snapshots_.dictionary(static_cast<Dimension>(d)).Code(s.dims[d][r]);
      }
      for (size_t i = 0; i < sel.columns.size(); ++i) {
        const size_t c = sel.columns[i];
        out.values[i] =
            s.Missing(c, r) ? std::numeric_limits<double>::quiet_NaN() : s.columns[c].values[r];
      }
      HUOJU_RETURN_IF_ERROR(row(out));
    }
    return Status::Ok();
  });
}

Result<json> Summaries::YearOnYear(const Principal& who, const SummaryQuery& q) {
  HUOJU_ASSIGN_OR_RETURN(Plan plan, Prepare(who, q));
  const std::string base = q.base_period.empty() ? PreviousYearPeriod(q.period) : q.base_period;
  if (base.empty() || base.size() > 16 || base == q.period) {
    return Status::InvalidField("base_period", "对比报告期应为与本期不同的报告期（如 2023）");
  }
  if (q.basis != "comparable" && q.basis != "all") {
    return Status::InvalidField("basis",
                                "对比口径应为 comparable（两年都有的单位）或 all（全部单位）");
  }
  json out;
  HUOJU_RETURN_IF_ERROR(snapshots_.Read(
      {{q.form, q.period}, {q.form, base}},
      [&](const std::vector<const Snapshot*>& snaps) -> Status {
        const Snapshot& cur = *snaps[0];
        const Snapshot& prev = *snaps[1];
        const catalog::Catalog* cat = catalogs_(cur.catalog_year);
        const catalog::Form* form = cat == nullptr ? nullptr : cat->FindForm(cur.form_code);
        const catalog::Catalog* pcat = catalogs_(prev.catalog_year);
        const catalog::Form* pform = pcat == nullptr ? nullptr : pcat->FindForm(prev.form_code);
        HUOJU_ASSIGN_OR_RETURN(auto cols, Columns(cur, plan.indicators));
        YoySpec spec;
        spec.by = plan.by;
        spec.current_columns = cols;
        for (size_t c : cols) {
          auto it = prev.indicator_index.find(cur.indicators[c]);
          spec.previous_columns.push_back(
              it == prev.indicator_index.end() ? std::numeric_limits<size_t>::max() : it->second);
        }
        spec.current_filter = FilterFor(who, plan.state, plan.node, form);
        spec.previous_filter = FilterFor(who, plan.state, plan.node, pform);
        spec.comparable = q.basis == "comparable";
        const auto rows = analytics::YearOnYear(cur, prev, spec, ByCode(snapshots_));
        json indicators = IndicatorList(cur, form, cols);
        json jrows = json::array();
        for (const auto& r : rows) {
          auto [keys, label] = RowKeys(snapshots_, plan.by, r, cur.catalog_year);
          json cells = json::array();
          for (size_t c = 0; c < cols.size(); ++c) {
            const Cell& a = r.series[0].cells[c];
            const Cell& b = r.series[1].cells[c];
            const double change = a.sum - b.sum;
            cells.push_back(
                {{"current", Number(a.sum)},
                 {"previous", Number(b.sum)},
                 {"change", Number(change)},
                 {"change_pct", b.sum != 0 ? Number(change / std::fabs(b.sum) * 100) : json()}});
          }
          jrows.push_back({{"level", r.level},
                           {"keys", std::move(keys)},
                           {"label", label},
                           {"units_current", r.series[0].units},
                           {"units_previous", r.series[1].units},
                           {"cells", std::move(cells)}});
        }
        json by = json::array();
        for (Dimension d : plan.by) {
          by.push_back(DimensionCode(d));
        }
        out = {{"form", cur.form_code},
               {"period", cur.period_key},
               {"base_period", prev.period_key},
               {"basis", q.basis},
               {"state", plan.state},
               {"node", {{"id", plan.node.id}, {"name", plan.node.name}}},
               {"by", std::move(by)},
               {"layout", plan.layout},
               {"indicators", std::move(indicators)},
               {"rows", std::move(jrows)}};
        return Status::Ok();
      }));
  return out;
}

Result<json> Summaries::LargeChanges(const Principal& who, const SummaryQuery& q) {
  HUOJU_ASSIGN_OR_RETURN(Plan plan, Prepare(who, q));
  const std::string base = q.base_period.empty() ? PreviousYearPeriod(q.period) : q.base_period;
  if (base.empty() || base.size() > 16 || base == q.period) {
    return Status::InvalidField("base_period", "对比报告期应为与本期不同的报告期（如 2023）");
  }
  if (!std::isfinite(q.threshold) || q.threshold < 0) {
    return Status::InvalidField("threshold", "变动幅度应为不小于 0 的百分数");
  }
  if (!std::isfinite(q.min_value) || q.min_value < 0) {
    return Status::InvalidField("min_value", "最小值应为不小于 0 的数");
  }
  if (q.offset < 0 || q.limit < 1 || q.limit > kMaxListRows) {
    return Status::InvalidField("limit", "每页条数超出范围");
  }
  json out;
  HUOJU_RETURN_IF_ERROR(snapshots_.Read(
      {{q.form, q.period}, {q.form, base}},
      [&](const std::vector<const Snapshot*>& snaps) -> Status {
        const Snapshot& cur = *snaps[0];
        const Snapshot& prev = *snaps[1];
        // Default: the form's first numeric indicator that holds values this period.
        std::string code = q.indicator;
        for (size_t c = 0; code.empty() && c < cur.indicators.size(); ++c) {
          for (size_t r = 0; r < cur.rows(); ++r) {
            if (!cur.Missing(c, r)) {
              code = cur.indicators[c];
              break;
            }
          }
        }
        if (code.empty() && !cur.indicators.empty()) {
          code = cur.indicators[0];
        }
        auto ci = cur.indicator_index.find(code);
        if (ci == cur.indicator_index.end()) {
          return Status::InvalidField(
              "indicator", fmt::format("指标“{}”不是报表 {} 的数值指标", code, cur.form_code));
        }
        auto pi = prev.indicator_index.find(code);
        json items = json::array();
        size_t total = 0;
        if (pi != prev.indicator_index.end()) {
          const catalog::Catalog* cat = catalogs_(cur.catalog_year);
          const catalog::Form* form = cat == nullptr ? nullptr : cat->FindForm(cur.form_code);
          const catalog::Catalog* pcat = catalogs_(prev.catalog_year);
          const catalog::Form* pform = pcat == nullptr ? nullptr : pcat->FindForm(prev.form_code);
          const auto changes = analytics::LargeChanges(
              cur, prev, ci->second, pi->second, FilterFor(who, plan.state, plan.node, form),
              FilterFor(who, plan.state, plan.node, pform), q.threshold, q.min_value);
          total = changes.size();
          const auto end = std::min<size_t>(total, static_cast<size_t>(q.offset + q.limit));
          for (size_t i = static_cast<size_t>(q.offset); i < end; ++i) {
            const Change& c = changes[i];
            auto unit = snapshots_.directory().Get(cur.unit_id[c.current_row]);
            items.push_back({{"filing_id", cur.filing_id[c.current_row]},
                             {"unit_id", cur.unit_id[c.current_row]},
                             {"name", unit ? unit->name : ""},
                             {"uscc", unit ? unit->uscc : ""},
                             {"current", Number(c.current)},
                             {"previous", Number(c.previous)},
                             {"change", Number(c.change)},
                             {"change_pct", c.change_pct ? Number(*c.change_pct) : json()}});
          }
        }
        out = {{"items", std::move(items)}, {"total", total},    {"offset", q.offset},
               {"limit", q.limit},          {"indicator", code}, {"base_period", prev.period_key}};
        return Status::Ok();
      }));
  return out;
}

}  // namespace huoju::analytics
