// The survey workflow (include/huoju/app/filings.hpp). Reads and the audit run in a read
// transaction; the write transaction re-checks the version it started from, so a concurrent
// change is refused, never overwritten, and the writer is held only for the writes.
#include "huoju/app/filings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "huoju/core/hash.hpp"
#include "huoju/core/log.hpp"
#include "huoju/core/utf8.hpp"
#include "huoju/filing/diff.hpp"
#include "huoju/filing/workflow.hpp"
#include "huoju/io/print.hpp"
#include "huoju/io/scan.hpp"

namespace huoju::app {

using filing::FilingState;
using identity::Action;
using identity::Authorize;
using identity::Principal;
using identity::RequestOrigin;
using nlohmann::json;

namespace {

constexpr size_t kMaxScanBytes = 10 * 1024 * 1024;
constexpr size_t kMaxReasonChars = 500;
constexpr size_t kMaxExplanationChars = 500;
constexpr size_t kMaxPins = 100;
constexpr size_t kMaxBatch = 500;

bool IsBlankText(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

Status CheckText(const std::string& field, const std::string& label, const std::string& text,
                 size_t max_chars, bool required) {
  if (required && IsBlankText(text)) {
    return Status::InvalidField(field, label + "不能为空");
  }
  // Text arrives through the JSON parser, which rejects invalid UTF-8; count it as too long
  // if it ever is not, rather than guess its length.
  if (Utf8Length(text).value_or(max_chars + 1) > max_chars) {
    return Status::InvalidField(field, fmt::format("{}不能超过 {} 个字符", label, max_chars));
  }
  return Status::Ok();
}

std::string DateText(int days) {
  return rules::FormatDate(days);
}

const Status& FilingNotFound() {
  static const Status kStatus = Status::NotFound("报表不存在或不在您的管辖范围内");
  return kStatus;
}

std::optional<double> OptionalDouble(const store::Rows& r, size_t row, size_t col) {
  if (r.IsNull(row, col)) {
    return std::nullopt;
  }
  return r.Double(row, col);
}

store::Value NullableDouble(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) {
    return nullptr;
  }
  return *v;
}

json ParseStored(const std::string& text, json fallback) {
  auto v = json::parse(text, nullptr, false);
  return v.is_discarded() ? std::move(fallback) : v;
}

struct PeriodRow {
  int64_t id = 0;
  std::string form_code;
  std::string period_key;
  int catalog_year = 0;
  int64_t catalog_version_id = 0;
  int opens_on = 0;
  int due_on = 0;
  int review_due_on = 0;
  int64_t expected = 0;
  int64_t opened_at = 0;
};

constexpr const char* kPeriodColumns =
    "id, form_code, period_key, catalog_year, catalog_version_id, opens_on, due_on, "
    "review_due_on, expected, opened_at";

PeriodRow ReadPeriod(const store::Rows& r, size_t i) {
  PeriodRow p;
  p.id = r.Int(i, 0);
  p.form_code = r.Text(i, 1);
  p.period_key = r.Text(i, 2);
  p.catalog_year = static_cast<int>(r.Int(i, 3));
  p.catalog_version_id = r.Int(i, 4);
  p.opens_on = static_cast<int>(r.Int(i, 5));
  p.due_on = static_cast<int>(r.Int(i, 6));
  p.review_due_on = static_cast<int>(r.Int(i, 7));
  p.expected = r.Int(i, 8);
  p.opened_at = r.Int(i, 9);
  return p;
}

struct FilingRow {
  int64_t id = 0;
  int64_t period_id = 0;
  std::string form_code;
  std::string period_key;
  int64_t unit_id = 0;
  std::string unit_path;
  FilingState state = FilingState::kNotStarted;
  size_t review_level = 0;
  bool reviewed_since_submit = false;
  int64_t version = 0;
  std::string data_hash;
  json values;
  json failures;
  json explanations;
  json decisions;
  json last_return;
  int64_t error_count = 0;
  int64_t warning_count = 0;
  std::optional<double> size_value;
  std::optional<double> previous_size_value;
  double risk = 0;
  int64_t submitted_version = 0;
  int64_t returned_version = 0;
  std::optional<int64_t> submitted_at;
  bool late = false;
  std::optional<int64_t> final_at;
  int64_t scan_version = 0;
  int64_t updated_at = 0;
};

constexpr const char* kFilingColumns =
    "id, period_id, form_code, period_key, unit_id, unit_path, state, review_level, "
    "reviewed_since_submit, version, data_hash, values_json, failures_json, explanations_json, "
    "decisions_json, return_json, error_count, warning_count, size_value, previous_size_value, "
    "risk, submitted_version, returned_version, submitted_at, late, final_at, scan_version, "
    "updated_at";

FilingRow ReadFiling(const store::Rows& r, size_t i) {
  FilingRow f;
  f.id = r.Int(i, 0);
  f.period_id = r.Int(i, 1);
  f.form_code = r.Text(i, 2);
  f.period_key = r.Text(i, 3);
  f.unit_id = r.Int(i, 4);
  f.unit_path = r.Text(i, 5);
  f.state = filing::ParseState(r.Text(i, 6)).value_or(FilingState::kNotStarted);
  f.review_level = static_cast<size_t>(r.Int(i, 7));
  f.reviewed_since_submit = r.Int(i, 8) != 0;
  f.version = r.Int(i, 9);
  f.data_hash = r.Text(i, 10);
  f.values = ParseStored(r.Text(i, 11), json::object());
  f.failures = ParseStored(r.Text(i, 12), json::array());
  f.explanations = ParseStored(r.Text(i, 13), json::object());
  f.decisions = ParseStored(r.Text(i, 14), json::object());
  f.last_return = ParseStored(r.Text(i, 15), nullptr);
  f.error_count = r.Int(i, 16);
  f.warning_count = r.Int(i, 17);
  f.size_value = OptionalDouble(r, i, 18);
  f.previous_size_value = OptionalDouble(r, i, 19);
  f.risk = r.Double(i, 20);
  f.submitted_version = r.Int(i, 21);
  f.returned_version = r.Int(i, 22);
  if (!r.IsNull(i, 23)) {
    f.submitted_at = r.Int(i, 23);
  }
  f.late = r.Int(i, 24) != 0;
  if (!r.IsNull(i, 25)) {
    f.final_at = r.Int(i, 25);
  }
  f.scan_version = r.Int(i, 26);
  f.updated_at = r.Int(i, 27);
  return f;
}

Result<FilingRow> LoadFiling(store::Session& s, int64_t id) {
  HUOJU_ASSIGN_OR_RETURN(
      auto rows, s.Query(fmt::format("SELECT {} FROM filing WHERE id = ?", kFilingColumns), {id}));
  if (rows.empty()) {
    return FilingNotFound();
  }
  return ReadFiling(rows, 0);
}

Result<PeriodRow> LoadPeriod(store::Session& s, int64_t id) {
  HUOJU_ASSIGN_OR_RETURN(
      auto rows,
      s.Query(fmt::format("SELECT {} FROM survey_period WHERE id = ?", kPeriodColumns), {id}));
  if (rows.empty()) {
    return Status::NotFound("报告期不存在");
  }
  return ReadPeriod(rows, 0);
}

// An opened period with the catalog form that audits it (form null when that catalog year is
// not loaded).
struct PeriodForm {
  PeriodRow period;
  const CatalogYear* catalog = nullptr;
  const catalog::Form* form = nullptr;
};

Result<PeriodForm> FindPeriodForm(store::Session& s, const CatalogRegistry& catalogs,
                                  const std::string& form_code, const std::string& period) {
  HUOJU_ASSIGN_OR_RETURN(auto rows, s.Query(fmt::format("SELECT {} FROM survey_period WHERE "
                                                        "form_code = ? AND period_key = ?",
                                                        kPeriodColumns),
                                            {form_code, period}));
  if (rows.empty()) {
    return Status::NotFound(fmt::format("报告期 {} {} 未开启", form_code, period));
  }
  PeriodForm pf;
  pf.period = ReadPeriod(rows, 0);
  pf.catalog = catalogs.Year(pf.period.catalog_year);
  pf.form = pf.catalog == nullptr ? nullptr : pf.catalog->catalog().FindForm(form_code);
  return pf;
}

// Path range of a subtree: every path with the prefix `path` ("/1/5/") lies in
// [path, path with its final '/' raised to '0').
std::pair<std::string, std::string> SubtreeRange(const std::string& path) {
  std::string upper = path;
  if (!upper.empty()) {
    upper.back() = static_cast<char>(upper.back() + 1);
  }
  return {path, upper};
}

std::string ShortHash(const std::string& hash) {
  return hash.substr(0, 12);
}

json FailuresToJson(const std::vector<rules::Failure>& failures) {
  json out = json::array();
  for (const auto& f : failures) {
    out.push_back({{"rule_id", f.rule_id},
                   {"severity", f.severity == catalog::Severity::kError ? "error" : "warning"},
                   {"message", f.message},
                   {"cells", f.cells}});
  }
  return out;
}

// Adds warning rule `id` to `out` unless `explanations` holds a written explanation of it.
void AddIfUnexplained(const std::string& id, const json& explanations, std::set<std::string>* out) {
  auto it = explanations.find(id);
  if (it == explanations.end() || !it->is_string() ||
      IsBlankText(it->get_ref<const std::string&>())) {
    out->insert(id);
  }
}

// Warning rules of `failures` (as stored) without a written explanation, in id order.
std::vector<std::string> UnexplainedWarnings(const json& failures, const json& explanations) {
  std::set<std::string> out;
  for (const auto& f : failures) {
    if (f.value("severity", "") == "warning") {
      AddIfUnexplained(f.value("rule_id", ""), explanations, &out);
    }
  }
  return {out.begin(), out.end()};
}

// The same for failures straight from the rule engine.
std::vector<std::string> UnexplainedWarnings(const std::vector<rules::Failure>& failures,
                                             const json& explanations) {
  std::set<std::string> out;
  for (const auto& f : failures) {
    if (f.severity == catalog::Severity::kWarning) {
      AddIfUnexplained(f.rule_id, explanations, &out);
    }
  }
  return {out.begin(), out.end()};
}

// The indicator that measures a unit's size for the risk order: the first required number.
const catalog::Indicator* SizeIndicator(const catalog::Form& form) {
  for (const auto& ind : form.indicators) {
    if (ind.required && ind.type.IsNumber() && ind.type.kind != catalog::ValueType::kYear) {
      return &ind;
    }
  }
  return nullptr;
}

std::optional<double> NumberOf(const json& values, const std::string& code) {
  if (!values.is_object()) {
    return std::nullopt;
  }
  auto it = values.find(code);
  return it == values.end() ? std::nullopt : filing::AsNumber(*it);
}

// A cell named by a return pin must exist on the form: "code" or "table[row].col" or
// "table[row]".
bool IsCellOf(const catalog::Form& form, const std::string& cell) {
  if (form.FindIndicator(cell) != nullptr) {
    return true;
  }
  const size_t open = cell.find('[');
  const size_t close = cell.find(']');
  if (open == std::string::npos || close == std::string::npos || close < open + 2) {
    return false;
  }
  const auto* table = form.FindRowTable(cell.substr(0, open));
  if (table == nullptr) {
    return false;
  }
  const std::string row = cell.substr(open + 1, close - open - 1);
  if (row.find_first_not_of("0123456789") != std::string::npos || row.size() > 6) {
    return false;
  }
  if (close + 1 == cell.size()) {
    return true;
  }
  return cell[close + 1] == '.' && table->FindColumn(cell.substr(close + 2)) != nullptr;
}

store::AuditEntry FilingAudit(const Principal& who, const RequestOrigin& origin,
                              const std::string& action, int64_t filing_id, int64_t unit_id,
                              json detail) {
  store::AuditEntry e;
  e.actor_account_id = who.account_id;
  e.action = action;
  e.object_type = "filing";
  e.object_id = std::to_string(filing_id);
  e.org_node_id = unit_id;
  e.client_address = origin.client_address;
  e.request_id = origin.request_id;
  e.detail = std::move(detail);
  return e;
}

}  // namespace

// Everything a use case needs to know about one filing, loaded in one read.
struct Filings::Impl {
  struct Loaded {
    FilingRow f;
    PeriodRow p;
    const CatalogYear* catalog = nullptr;
    const catalog::Form* form = nullptr;
    filing::PeriodKey key;
    org::OrgNode unit;
    int due_on = 0;         ///< after extensions
    int review_due_on = 0;  ///< after extensions
  };

  // A period row with its deadline extensions, as Resolve needs them.
  struct PeriodDeadlines {
    PeriodRow p;
    std::vector<std::tuple<std::string, int, int>> extensions;  ///< org_path, due, review due
  };

  static Result<PeriodDeadlines> ReadPeriodDeadlines(store::Session& s, int64_t period_id) {
    PeriodDeadlines pd;
    HUOJU_ASSIGN_OR_RETURN(pd.p, LoadPeriod(s, period_id));
    HUOJU_ASSIGN_OR_RETURN(auto ext,
                           s.Query("SELECT org_path, due_on, review_due_on FROM deadline_extension "
                                   "WHERE period_id = ?",
                                   {period_id}));
    for (size_t i = 0; i < ext.size(); ++i) {
      pd.extensions.emplace_back(ext.Text(i, 0), static_cast<int>(ext.Int(i, 1)),
                                 static_cast<int>(ext.Int(i, 2)));
    }
    return pd;
  }

  // Inside a write: takes the filing's row lock before anything of it is read, so what the
  // write decides on cannot change before it commits (PostgreSQL runs writes concurrently;
  // SQLite's single writer needs no lock). A missing row is left to the read that follows.
  static Status LockFiling(store::Session& s, int64_t filing_id) {
    return s.LockRow("filing", filing_id);
  }

  static Result<Loaded> Load(Filings& self, store::Session& s, const Principal& who,
                             int64_t filing_id, Action action) {
    HUOJU_ASSIGN_OR_RETURN(FilingRow f, LoadFiling(s, filing_id));
    return Resolve(self, s, who, std::move(f), action, nullptr);
  }

  // Load for a filing row already read. `periods`, when given, caches each period and its
  // extensions across calls (a list of one unit's tasks reads each period once).
  static Result<Loaded> Resolve(Filings& self, store::Session& s, const Principal& who, FilingRow f,
                                Action action, std::map<int64_t, PeriodDeadlines>* periods) {
    Loaded l;
    l.f = std::move(f);
    auto unit = self.directory_.Get(l.f.unit_id);
    if (!unit) {
      return FilingNotFound();
    }
    l.unit = std::move(*unit);
    Status st = Authorize(who, action, &l.unit);
    if (st.code() == ErrorCode::kNotFound) {
      return FilingNotFound();
    }
    HUOJU_RETURN_IF_ERROR(st);
    std::map<int64_t, PeriodDeadlines> one;
    std::map<int64_t, PeriodDeadlines>& cache = periods != nullptr ? *periods : one;
    auto it = cache.find(l.f.period_id);
    if (it == cache.end()) {
      HUOJU_ASSIGN_OR_RETURN(auto pd, ReadPeriodDeadlines(s, l.f.period_id));
      it = cache.emplace(l.f.period_id, std::move(pd)).first;
    }
    const PeriodDeadlines& pd = it->second;
    l.p = pd.p;
    l.catalog = self.catalogs_.Year(l.p.catalog_year);
    l.form = l.catalog == nullptr ? nullptr : l.catalog->catalog().FindForm(l.f.form_code);
    if (l.form == nullptr) {
      return Status::Unavailable(
          fmt::format("{}年度报表目录未加载，无法处理报表 {}", l.p.catalog_year, l.f.form_code));
    }
    HUOJU_ASSIGN_OR_RETURN(l.key, filing::PeriodKey::Parse(l.f.period_key, *l.form));
    l.due_on = l.p.due_on;
    l.review_due_on = l.p.review_due_on;
    for (const auto& [path, due, review_due] : pd.extensions) {
      if (l.unit.path.rfind(path, 0) == 0) {
        l.due_on = std::max(l.due_on, due);
        l.review_due_on = std::max(l.review_due_on, review_due);
      }
    }
    return l;
  }

  // The review level the caller acts at on this filing, after the workflow allowed the act.
  static Result<size_t> ActingLevel(const Loaded& l, const Principal& who, int today, bool reopen) {
    const auto& chain = l.form->review_chain;
    auto level = filing::ReviewerLevel(who, chain);
    if (!level) {
      return Status::Forbidden("您不在该报表的审核流程中");
    }
    const auto st = StatusOf(l, today);
    HUOJU_RETURN_IF_ERROR(reopen ? filing::CanReopen(st, *level, chain.size())
                                 : filing::CanReview(st, *level, chain.size()));
    return *level;
  }

  static filing::FilingStatus StatusOf(const Loaded& l, int today) {
    filing::FilingStatus st;
    st.state = l.f.state;
    st.review_level = l.f.review_level;
    st.reviewed_at_level0 = l.f.reviewed_since_submit;
    st.period_started = today >= l.p.opens_on;
    st.filling_open = today <= l.due_on;
    st.review_open = today <= l.review_due_on;
    return st;
  }

  // The unit's filings of one period key as audit input; `skip_form` is left out.
  static Result<rules::UnitPeriodData> UnitData(store::Session& s,
                                                const rules::CompiledCatalog& compiled,
                                                int64_t unit_id, const std::string& period_key,
                                                const std::string& skip_form) {
    rules::UnitPeriodData data(compiled);
    HUOJU_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT form_code, values_json FROM filing WHERE "
                                              "unit_id = ? AND period_key = ? AND version > 0",
                                              {unit_id, period_key}));
    for (size_t i = 0; i < rows.size(); ++i) {
      const std::string form = rows.Text(i, 0);
      if (form == skip_form || compiled.FormIndex(form) < 0) {
        continue;
      }
      // Stored values were valid when saved; a value a newer catalog no longer accepts just
      // stays blank for cross-form rules.
      (void)data.SetFormText(form, rows.Text(i, 1));
    }
    return data;
  }

  struct AuditOutcome {
    json failures = json::array();
    int64_t errors = 0;
    int64_t warnings = 0;
    std::optional<double> size;
    std::optional<double> previous_size;
    double risk = 0;
  };

  // Validates `values` against the form and runs every rule with the unit's other forms of
  // the period and last year's filings.
  static Result<AuditOutcome> Audit(const Filings& self, store::Session& s, const Loaded& l,
                                    const json& values) {
    const auto& compiled = *l.catalog->compiled;
    HUOJU_ASSIGN_OR_RETURN(auto current,
                           UnitData(s, compiled, l.f.unit_id, l.f.period_key, l.f.form_code));
    HUOJU_RETURN_IF_ERROR(current.SetForm(l.f.form_code, values));
    const filing::PeriodKey prev_key = l.key.PreviousYear();
    // Last year's data is laid out by last year's catalog when the server has it (the
    // registry compiled this year against it); else by this year's layout.
    const CatalogYear* prev_catalog = l.catalog->catalog().previous_year == prev_key.year
                                          ? self.catalogs_.Year(prev_key.year)
                                          : nullptr;
    const rules::CompiledCatalog& prev_compiled =
        prev_catalog != nullptr ? *prev_catalog->compiled : compiled;
    HUOJU_ASSIGN_OR_RETURN(auto previous,
                           UnitData(s, prev_compiled, l.f.unit_id, prev_key.ToString(), ""));
    std::vector<rules::Failure> failures;
    compiled.Evaluate(compiled.FormIndex(l.f.form_code), current, &previous, l.key.Info(),
                      &failures);
    AuditOutcome out;
    out.failures = FailuresToJson(failures);
    for (const auto& f : failures) {
      (f.severity == catalog::Severity::kError ? out.errors : out.warnings) += 1;
    }
    if (const auto* size = SizeIndicator(*l.form)) {
      out.size = NumberOf(values, size->code);
      HUOJU_ASSIGN_OR_RETURN(
          auto prev_rows,
          s.Query("SELECT values_json FROM filing WHERE unit_id = ? AND form_code = ? AND "
                  "period_key = ? AND version > 0",
                  {l.f.unit_id, l.f.form_code, prev_key.ToString()}));
      if (!prev_rows.empty()) {
        out.previous_size = NumberOf(ParseStored(prev_rows.Text(0, 0), json::object()), size->code);
      }
    }
    out.risk = filing::RiskScore(out.size.value_or(0), out.previous_size.value_or(NAN),
                                 static_cast<int>(out.warnings), static_cast<int>(out.errors));
    return out;
  }

  // Re-reads the filing inside the write transaction and checks nothing moved under us.
  struct Head {
    int64_t version = 0;
    FilingState state = FilingState::kNotStarted;
    size_t review_level = 0;
  };

  // Re-reads the filing's version and state inside the write transaction and checks nothing
  // moved under us. Only three columns: on SQLite this runs on the single writer thread. On
  // PostgreSQL the row is locked first (writes run concurrently there), so a concurrent
  // writer of the same filing waits for our commit and then sees our version.
  static Result<Head> Recheck(store::Session& s, const FilingRow& seen, int64_t expected_version) {
    HUOJU_ASSIGN_OR_RETURN(
        auto rows,
        s.Query(s.backend() == store::Backend::kPostgres
                    ? "SELECT version, state, review_level FROM filing WHERE id = ? FOR UPDATE"
                    : "SELECT version, state, review_level FROM filing WHERE id = ?",
                {seen.id}));
    if (rows.empty()) {
      return FilingNotFound();
    }
    Head now{rows.Int(0, 0), filing::ParseState(rows.Text(0, 1)).value_or(FilingState::kNotStarted),
             static_cast<size_t>(rows.Int(0, 2))};
    if (now.version != expected_version) {
      return Status(ErrorCode::kConflict,
                    fmt::format("报表已被他人修改（当前为第 {} 版，您打开的是第 {} 版），"
                                "您的修改未保存。请刷新后在最新版本上修改",
                                now.version, expected_version),
                    json{{"current_version", now.version}});
    }
    if (now.state != seen.state || now.review_level != seen.review_level) {
      return Status(ErrorCode::kConflict, "报表状态已被他人改变，请刷新后重试",
                    json{{"state", filing::StateCode(now.state)}});
    }
    return now;
  }

  static json Deadlines(const Loaded& l, int today) {
    return {{"opens_on", DateText(l.p.opens_on)},
            {"due_on", DateText(l.due_on)},
            {"review_due_on", DateText(l.review_due_on)},
            {"catalog_due_on", DateText(l.p.due_on)},
            {"extended", l.due_on != l.p.due_on || l.review_due_on != l.p.review_due_on},
            {"days_left", l.due_on - today},
            {"filling_open", today >= l.p.opens_on && today <= l.due_on},
            {"review_open", today <= l.review_due_on}};
  }

  static json Chain(const catalog::Form& form) {
    json chain = json::array();
    for (const auto& level : form.review_chain) {
      chain.push_back({{"level", level}, {"name", filing::LevelName(level)}});
    }
    return chain;
  }

  static std::string HolderName(const FilingRow& f, const catalog::Form& form) {
    if (f.state == FilingState::kSubmitted && f.review_level < form.review_chain.size()) {
      return std::string(filing::LevelName(form.review_chain[f.review_level])) + "审核中";
    }
    return filing::StateName(f.state);
  }

  // The catalog's signed_scan / signed_scan_when, evaluated on the filing's current values.
  static bool ScanRequired(const Loaded& l) {
    const auto& compiled = *l.catalog->compiled;
    rules::UnitPeriodData data(compiled);
    if (!data.SetForm(l.f.form_code, l.f.values).ok()) {
      return l.form->signed_scan != "none";
    }
    return compiled.SignedScanRequired(compiled.FormIndex(l.f.form_code), data, nullptr,
                                       l.key.Info());
  }

  static json Summary(const FilingRow& f, const catalog::Form& form, const org::OrgNode& unit) {
    json j = {{"id", f.id},
              {"form_code", f.form_code},
              {"form_title", form.title},
              {"period", f.period_key},
              {"unit", {{"id", unit.id}, {"name", unit.name}, {"uscc", unit.uscc}}},
              {"state", filing::StateCode(f.state)},
              {"state_name", HolderName(f, form)},
              {"review_level", f.review_level},
              {"version", f.version},
              {"error_count", f.error_count},
              {"warning_count", f.warning_count},
              {"late", f.late},
              {"resubmitted", f.returned_version > 0},
              {"risk", std::round(f.risk * 100) / 100},
              {"updated_at", FormatIsoUtc(f.updated_at)}};
    j["size"] = f.size_value ? json(*f.size_value) : json();
    j["previous_size"] = f.previous_size_value ? json(*f.previous_size_value) : json();
    if (f.size_value && f.previous_size_value && *f.previous_size_value != 0) {
      j["change_pct"] =
          std::round((*f.size_value / *f.previous_size_value - 1) * 1000) / 10;  // one decimal
    } else {
      j["change_pct"] = nullptr;
    }
    j["submitted_at"] = f.submitted_at ? json(FormatIsoUtc(*f.submitted_at)) : json();
    return j;
  }
};

Filings::Filings(store::Database& db, const org::Directory& directory,
                 const CatalogRegistry& catalogs, const Clock& clock)
    : db_(db), directory_(directory), catalogs_(catalogs), clock_(clock) {}

std::string Filings::ScanCode(int64_t filing_id, int64_t version, const std::string& hash) {
  return fmt::format("HUOJU:F{}:V{}:{}", filing_id, version, ShortHash(hash));
}

// ---------------------------------------------------------------- periods and deadlines

namespace {

// Which org nodes file a form (the catalog's `filers`): units by their type, zones,
// registration bodies. Opening a period (SQL over the tree) and a node created while periods
// are open (one node) both ask this, so they cannot disagree.
class Filers {
 public:
  explicit Filers(const catalog::Form& form) {
    for (const auto& f : form.filers) {
      if (f == "zone") {
        zones_ = true;
      } else if (f == "registry") {
        registries_ = true;
      } else {
        unit_types_.push_back(f);
      }
    }
  }

  bool Match(const org::OrgNode& node) const {
    switch (node.kind) {
      case org::NodeKind::kUnit:
        return std::find(unit_types_.begin(), unit_types_.end(), node.unit_type) !=
               unit_types_.end();
      case org::NodeKind::kZone:
        return zones_;
      case org::NodeKind::kRegistry:
        return registries_;
      default:
        return false;
    }
  }

  /// The same test over org_node columns (kind, unit_type), in parentheses; its values are
  /// appended to `params`.
  std::string SqlCondition(store::Params& params) const {
    std::vector<std::string> terms;
    if (!unit_types_.empty()) {
      std::string in;
      for (const auto& t : unit_types_) {
        in += in.empty() ? "?" : ", ?";
        params.emplace_back(t);
      }
      terms.push_back("(kind = 'unit' AND unit_type IN (" + in + "))");
    }
    if (zones_) {
      terms.emplace_back("kind = 'zone'");
    }
    if (registries_) {
      terms.emplace_back("kind = 'registry'");
    }
    if (terms.empty()) {
      terms.emplace_back("1 = 0");
    }
    std::string sql = "(";
    for (size_t i = 0; i < terms.size(); ++i) {
      sql += (i ? " OR " : "") + terms[i];
    }
    return sql + ")";
  }

 private:
  std::vector<std::string> unit_types_;
  bool zones_ = false;
  bool registries_ = false;
};

}  // namespace

Result<json> Filings::OpenPeriod(const Principal& who, const OpenPeriodRequest& req,
                                 const RequestOrigin& origin) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kManagePeriods, nullptr));
  if (req.period.size() < 4 ||
      req.period.substr(0, 4).find_first_not_of("0123456789") != std::string::npos) {
    return Status::InvalidField("period", "报告期无效，应如 2024、2024M03");
  }
  const int year = std::atoi(req.period.substr(0, 4).c_str());
  const CatalogYear* cy = catalogs_.ForPeriodYear(year);
  const catalog::Form* form = cy == nullptr ? nullptr : cy->catalog().FindForm(req.form_code);
  if (form == nullptr) {
    return Status::InvalidField(
        "form_code", fmt::format("报表目录中没有表号“{}”（{}年度）", req.form_code, year));
  }
  HUOJU_ASSIGN_OR_RETURN(auto key, filing::PeriodKey::Parse(req.period, *form));
  filing::Deadlines d = filing::CatalogDeadlines(form->calendar, key);
  d.opens_on = req.opens_on.value_or(d.opens_on);
  d.due_on = req.due_on.value_or(d.due_on);
  d.review_due_on = req.review_due_on.value_or(d.review_due_on);
  if (d.due_on < d.opens_on) {
    return Status::InvalidField("due_on", "填报截止日期不能早于开始日期");
  }
  if (d.review_due_on < d.due_on) {
    return Status::InvalidField("review_due_on", "审核截止日期不能早于填报截止日期");
  }
  const int64_t now = clock_.NowMillis();
  int64_t period_id = 0;
  int64_t expected = 0;
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    // The tasks are made from the tree as it is: a unit created or moved meanwhile is either
    // in it or waits, and then finds this period (AddTasksForNewNode, the move's re-pathing).
    HUOJU_RETURN_IF_ERROR(s.Lock(store::Session::WriteLock::kOrgTree));
    HUOJU_ASSIGN_OR_RETURN(auto exists,
                           s.Query("SELECT id FROM survey_period WHERE form_code = ? AND "
                                   "period_key = ?",
                                   {form->code, key.ToString()}));
    if (!exists.empty()) {
      return Status::Conflict(
          fmt::format("{} {} 报告期已开启，不能重复开启", form->code, key.Label()));
    }
    HUOJU_ASSIGN_OR_RETURN(
        auto inserted,
        s.Query("INSERT INTO survey_period (form_code, period_key, catalog_year, "
                "catalog_version_id, opens_on, due_on, review_due_on, opened_by, opened_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                {form->code, key.ToString(), static_cast<int64_t>(cy->year), cy->version_id,
                 static_cast<int64_t>(d.opens_on), static_cast<int64_t>(d.due_on),
                 static_cast<int64_t>(d.review_due_on), who.account_id, now}));
    period_id = inserted.Int(0, 0);
    store::Params p = {period_id, form->code, key.ToString(), now};
    const std::string sql =
        "INSERT INTO filing (period_id, form_code, period_key, unit_id, unit_path, state, "
        "updated_at) SELECT ?, ?, ?, id, path, 'not_started', ? FROM org_node WHERE "
        "status = 'active' AND " +
        Filers(*form).SqlCondition(p);
    HUOJU_ASSIGN_OR_RETURN(expected, s.Execute(sql, p));
    HUOJU_RETURN_IF_ERROR(
        s.Execute("UPDATE survey_period SET expected = ? WHERE id = ?", {expected, period_id})
            .status());
    store::AuditEntry e;
    e.actor_account_id = who.account_id;
    e.action = "period.open";
    e.object_type = "survey_period";
    e.object_id = std::to_string(period_id);
    e.org_node_id = who.scope.id;
    e.client_address = origin.client_address;
    e.request_id = origin.request_id;
    e.detail = {{"form_code", form->code},
                {"period", key.ToString()},
                {"due_on", DateText(d.due_on)},
                {"tasks", expected}};
    return s.AppendAudit(e, now);
  }));
  // Thousands of new tasks at once: let the planner know before the first queue query.
  HUOJU_RETURN_IF_ERROR(db_.RefreshStatistics());
  return json{{"id", period_id},
              {"form_code", form->code},
              {"period", key.ToString()},
              {"period_label", key.Label()},
              {"opens_on", DateText(d.opens_on)},
              {"due_on", DateText(d.due_on)},
              {"review_due_on", DateText(d.review_due_on)},
              {"tasks", expected}};
}

Result<int64_t> Filings::AddTasksForNewNode(store::Session& s, const org::OrgNode& node) {
  const int64_t now = clock_.NowMillis();
  const int today = filing::BeijingDay(now);
  HUOJU_ASSIGN_OR_RETURN(
      auto periods,
      s.Query(fmt::format("SELECT {} FROM survey_period WHERE due_on >= ?", kPeriodColumns),
              {static_cast<int64_t>(today)}));
  int64_t created = 0;
  for (size_t i = 0; i < periods.size(); ++i) {
    const PeriodRow p = ReadPeriod(periods, i);
    const CatalogYear* cy = catalogs_.Year(p.catalog_year);
    const catalog::Form* form = cy == nullptr ? nullptr : cy->catalog().FindForm(p.form_code);
    if (form == nullptr) {
      continue;
    }
    if (!Filers(*form).Match(node)) {
      continue;
    }
    HUOJU_RETURN_IF_ERROR(
        s.Execute("INSERT INTO filing (period_id, form_code, period_key, unit_id, unit_path, "
                  "state, updated_at) VALUES (?, ?, ?, ?, ?, 'not_started', ?)",
                  {p.id, p.form_code, p.period_key, node.id, node.path, now})
            .status());
    HUOJU_RETURN_IF_ERROR(
        s.Execute("UPDATE survey_period SET expected = expected + 1 WHERE id = ?", {p.id})
            .status());
    ++created;
  }
  return created;
}

Result<json> Filings::ListPeriods(const Principal& who) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kViewOrg, nullptr));
  json items = json::array();
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(
        auto rows, s.Query(fmt::format("SELECT {} FROM survey_period ORDER BY period_key DESC, "
                                       "form_code",
                                       kPeriodColumns)));
    for (size_t i = 0; i < rows.size(); ++i) {
      PeriodRow p = ReadPeriod(rows, i);
      const CatalogYear* cy = catalogs_.Year(p.catalog_year);
      const catalog::Form* form = cy == nullptr ? nullptr : cy->catalog().FindForm(p.form_code);
      std::string label = p.period_key;
      if (form != nullptr) {
        if (auto k = filing::PeriodKey::Parse(p.period_key, *form); k.ok()) {
          label = k->Label();
        }
      }
      items.push_back({{"id", p.id},
                       {"form_code", p.form_code},
                       {"form_title", form == nullptr ? "" : form->title},
                       {"period", p.period_key},
                       {"period_label", label},
                       {"catalog_year", p.catalog_year},
                       {"opens_on", DateText(p.opens_on)},
                       {"due_on", DateText(p.due_on)},
                       {"review_due_on", DateText(p.review_due_on)},
                       {"expected", p.expected},
                       {"review_chain", form == nullptr ? json::array() : Impl::Chain(*form)}});
    }
    return Status::Ok();
  }));
  return json{{"items", std::move(items)}};
}

Result<json> Filings::ExtendDeadline(const Principal& who, const ExtensionRequest& req,
                                     const RequestOrigin& origin) {
  auto node = directory_.Get(req.org_node_id);
  if (!node) {
    return Status::InvalidField("org_node_id", "机构不存在");
  }
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kManagePeriods, &*node));
  HUOJU_RETURN_IF_ERROR(CheckText("reason", "延期原因", req.reason, kMaxReasonChars, true));
  if (!req.due_on && !req.review_due_on) {
    return Status::InvalidField("due_on", "请填写新的填报截止日期或审核截止日期");
  }
  json out;
  const int64_t now = clock_.NowMillis();
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    // The node's path as it is now (a move re-paths extensions under the same lock), and still
    // in the caller's scope.
    HUOJU_RETURN_IF_ERROR(s.Lock(store::Session::WriteLock::kOrgTree));
    auto current = org::OrgRepository::Get(s, req.org_node_id);
    if (!current.ok()) {
      return Status::InvalidField("org_node_id", "机构不存在");
    }
    HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kManagePeriods, &*current));
    node = *current;
    HUOJU_ASSIGN_OR_RETURN(auto p, LoadPeriod(s, req.period_id));
    const int due = req.due_on.value_or(p.due_on);
    const int review = req.review_due_on.value_or(std::max(p.review_due_on, due));
    if (due < p.due_on || review < p.review_due_on) {
      return Status::InvalidField(req.due_on && due < p.due_on ? "due_on" : "review_due_on",
                                  "延期后的日期不能早于原截止日期");
    }
    if (review < due) {
      return Status::InvalidField("review_due_on", "审核截止日期不能早于填报截止日期");
    }
    HUOJU_ASSIGN_OR_RETURN(
        auto rows,
        s.Query("INSERT INTO deadline_extension (period_id, org_node_id, org_path, due_on, "
                "review_due_on, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "RETURNING id",
                {p.id, node->id, node->path, static_cast<int64_t>(due),
                 static_cast<int64_t>(review), req.reason, who.account_id, now}));
    out = {{"id", rows.Int(0, 0)},
           {"period_id", p.id},
           {"org_node", {{"id", node->id}, {"name", node->name}}},
           {"due_on", DateText(due)},
           {"review_due_on", DateText(review)},
           {"reason", req.reason}};
    store::AuditEntry e;
    e.actor_account_id = who.account_id;
    e.action = "period.extend";
    e.object_type = "survey_period";
    e.object_id = std::to_string(p.id);
    e.org_node_id = node->id;
    e.client_address = origin.client_address;
    e.request_id = origin.request_id;
    e.detail = out;
    return s.AppendAudit(e, now);
  }));
  return out;
}

// ---------------------------------------------------------------- the unit

Result<json> Filings::MyTasks(const Principal& who) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kFillFiling, &who.scope));
  json items = json::array();
  const int today = filing::BeijingDay(clock_.NowMillis());
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(auto rows,
                           s.Query(fmt::format("SELECT {} FROM filing WHERE unit_id = ? ORDER BY "
                                               "period_key DESC, form_code",
                                               kFilingColumns),
                                   {who.scope.id}));
    std::map<int64_t, Impl::PeriodDeadlines> periods;
    for (size_t i = 0; i < rows.size(); ++i) {
      HUOJU_ASSIGN_OR_RETURN(
          auto l, Impl::Resolve(*this, s, who, ReadFiling(rows, i), Action::kFillFiling, &periods));
      json j = Impl::Summary(l.f, *l.form, l.unit);
      j["period_label"] = l.key.Label();
      j["deadlines"] = Impl::Deadlines(l, today);
      j["overdue"] = (l.f.state == FilingState::kNotStarted || l.f.state == FilingState::kDraft ||
                      l.f.state == FilingState::kReturned) &&
                     today > l.due_on;
      j["return"] = l.f.last_return;
      items.push_back(std::move(j));
    }
    return Status::Ok();
  }));
  return json{{"items", std::move(items)}};
}

namespace {

json TypeJson(const catalog::IndicatorType& t) {
  static constexpr const char* kKinds[] = {"int",  "decimal", "percent", "year",       "text",
                                           "date", "bool",    "code",    "multi_code", "file"};
  json j = {{"kind", kKinds[static_cast<int>(t.kind)]}};
  if (t.kind == catalog::ValueType::kDecimal || t.kind == catalog::ValueType::kPercent) {
    j["scale"] = t.scale;
  }
  if (t.max_chars > 0) {
    j["max_chars"] = t.max_chars;
  }
  if (!t.code_list.empty()) {
    j["code_list"] = t.code_list;
  }
  if (t.max_selected > 0) {
    j["max_selected"] = t.max_selected;
  }
  return j;
}

}  // namespace

Result<json> Filings::FormDefinition(const Principal& who, int year, const std::string& form_code) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kViewFiling, nullptr));
  const CatalogYear* cy = catalogs_.Year(year);
  const catalog::Form* form = cy == nullptr ? nullptr : cy->catalog().FindForm(form_code);
  if (form == nullptr) {
    return Status::NotFound(fmt::format("{}年度报表目录中没有表号“{}”", year, form_code));
  }
  json sections = json::array();
  for (const auto& sec : form->sections) {
    json inds = json::array();
    for (const auto& code : sec.indicators) {
      const auto* ind = form->FindIndicator(code);
      if (ind == nullptr) {
        continue;
      }
      json j = {{"code", ind->code},           {"name", ind->name},     {"unit", ind->unit},
                {"type", TypeJson(ind->type)}, {"parent", ind->parent}, {"required", ind->required},
                {"formula", ind->formula}};
      if (ind->min) {
        j["min"] = *ind->min;
      }
      if (ind->max) {
        j["max"] = *ind->max;
      }
      j["negative_allowed"] = ind->negative_allowed;
      inds.push_back(std::move(j));
    }
    sections.push_back({{"title", sec.title}, {"indicators", std::move(inds)}});
  }
  json tables = json::array();
  for (const auto& t : form->row_tables) {
    json cols = json::array();
    for (const auto& c : t.columns) {
      cols.push_back({{"code", c.code},
                      {"name", c.name},
                      {"unit", c.unit},
                      {"type", TypeJson(c.type)},
                      {"required", c.required}});
    }
    tables.push_back({{"code", t.code},
                      {"title", t.title},
                      {"min_rows", t.min_rows},
                      {"max_rows", t.max_rows},
                      {"columns", std::move(cols)}});
  }
  json prefill = json::array();
  for (const auto& p : form->prefill) {
    prefill.push_back({{"indicator", p.indicator}, {"from", p.from}});
  }
  json layouts = json::array();
  for (const auto& l : form->summary_layouts) {
    layouts.push_back(
        {{"id", l.id}, {"title", l.title}, {"by", l.by}, {"indicators", l.indicators}});
  }
  return json{{"code", form->code},
              {"year", year},
              {"title", form->title},
              {"category", form->category},
              {"provisional", form->provisional},
              {"signed_scan", form->signed_scan},
              {"signed_scan_when", form->signed_scan_when},
              {"review_chain", Impl::Chain(*form)},
              {"sections", std::move(sections)},
              {"row_tables", std::move(tables)},
              {"prefill", std::move(prefill)},
              {"summary_layouts", std::move(layouts)}};
}

Result<json> Filings::CodeListEntries(const Principal& who, int year, const std::string& list_id,
                                      const std::string& parent, const std::string& query) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kViewOrg, nullptr));
  const CatalogYear* cy = catalogs_.Year(year);
  const CodeList* list = cy == nullptr ? nullptr : cy->catalog().FindCodeList(list_id);
  if (list == nullptr) {
    return Status::NotFound(fmt::format("代码表“{}”不存在", list_id));
  }
  json items = json::array();
  constexpr size_t kMaxItems = 200;
  auto add = [&](const Code& e) {
    items.push_back({{"code", e.code},
                     {"name", e.name},
                     {"level", e.level},
                     {"parent", e.parent},
                     {"has_children", !list->Children(e.code).empty()}});
  };
  if (!query.empty()) {
    for (const auto& e : list->all()) {
      if (items.size() >= kMaxItems) {
        break;
      }
      if (e.code.rfind(query, 0) == 0 || e.name.find(query) != std::string::npos) {
        add(e);
      }
    }
  } else {
    for (const Code* e : list->Children(parent)) {
      if (items.size() >= kMaxItems) {
        break;
      }
      add(*e);
    }
  }
  return json{{"id", list_id}, {"items", std::move(items)}};
}

Result<json> Filings::Get(const Principal& who, int64_t filing_id) {
  json out;
  const int today = filing::BeijingDay(clock_.NowMillis());
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(auto l, Impl::Load(*this, s, who, filing_id, Action::kViewFiling));
    out = Impl::Summary(l.f, *l.form, l.unit);
    out["period_label"] = l.key.Label();
    out["catalog_year"] = l.p.catalog_year;
    out["review_chain"] = Impl::Chain(*l.form);
    out["deadlines"] = Impl::Deadlines(l, today);
    out["values"] = l.f.values;
    out["data_hash"] = ShortHash(l.f.data_hash);
    out["failures"] = l.f.failures;
    out["explanations"] = l.f.explanations;
    out["decisions"] = l.f.decisions;
    out["unexplained"] = UnexplainedWarnings(l.f.failures, l.f.explanations);
    out["return"] = l.f.last_return;
    out["returned_version"] = l.f.returned_version;
    out["scan"] = {{"required", Impl::ScanRequired(l)},
                   {"condition", l.form->signed_scan_when},
                   {"version", l.f.scan_version},
                   {"matches_current", l.f.scan_version > 0 && l.f.scan_version == l.f.version}};
    // What the caller may do now (the server checks again on every action).
    const auto st = Impl::StatusOf(l, today);
    const bool filler = who.role == identity::Role::kFiller;
    auto level = filing::ReviewerLevel(who, l.form->review_chain);
    const size_t chain = l.form->review_chain.size();
    out["can"] = {
        {"edit", filler && filing::CanEdit(st).ok()},
        {"submit", filler && filing::CanSubmit(st).ok()},
        {"withdraw", filler && filing::CanWithdraw(st).ok()},
        {"review", level && filing::CanReview(st, *level, chain).ok()},
        {"reopen", level && filing::CanReopen(st, *level, chain).ok()},
        {"print", l.f.version > 0},
        {"upload_scan", filler && l.f.version > 0},
    };
    out["my_level"] = level ? json(*level) : json();
    if (l.f.returned_version > 0 && l.f.returned_version < l.f.version) {
      HUOJU_ASSIGN_OR_RETURN(auto before,
                             s.Query("SELECT values_json FROM filing_version WHERE filing_id = ? "
                                     "AND version = ?",
                                     {l.f.id, l.f.returned_version}));
      if (!before.empty()) {
        out["changes_since_return"] = filing::ChangesToJson(filing::DiffValues(
            *l.form, ParseStored(before.Text(0, 0), json::object()), l.f.values));
      }
    }
    // Last year's values of the same form, for prefill and for the reviewer's comparison.
    HUOJU_ASSIGN_OR_RETURN(auto prev,
                           s.Query("SELECT values_json FROM filing WHERE unit_id = ? AND "
                                   "form_code = ? AND period_key = ? AND version > 0",
                                   {l.f.unit_id, l.f.form_code, l.key.PreviousYear().ToString()}));
    out["previous_values"] = prev.empty() ? json() : ParseStored(prev.Text(0, 0), json::object());
    out["unit_facts"] = {{"name", l.unit.name},
                         {"uscc", l.unit.uscc},
                         {"region_code", l.unit.region_code},
                         {"industry_code", l.unit.industry_code}};
    return Status::Ok();
  }));
  return out;
}

Result<json> Filings::Save(const Principal& who, int64_t filing_id, const SaveRequest& req,
                           const RequestOrigin& origin) {
  if (!req.values.is_object()) {
    return Status::InvalidField("values", "报表数据应为对象");
  }
  if (!req.explanations.is_object()) {
    return Status::InvalidField("explanations", "审核说明应为对象（规则编号 → 说明）");
  }
  for (const auto& [rule, text] : req.explanations.items()) {
    if (!text.is_string()) {
      return Status::InvalidField("explanations." + rule, "审核说明应为文字");
    }
    HUOJU_RETURN_IF_ERROR(CheckText("explanations." + rule, "审核说明",
                                    text.get_ref<const std::string&>(), kMaxExplanationChars,
                                    false));
  }
  const int64_t now = clock_.NowMillis();
  const int today = filing::BeijingDay(now);
  Impl::Loaded l;
  Impl::AuditOutcome audit;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(l, Impl::Load(*this, s, who, filing_id, Action::kFillFiling));
    HUOJU_RETURN_IF_ERROR(filing::CanEdit(Impl::StatusOf(l, today)));
    HUOJU_ASSIGN_OR_RETURN(audit, Impl::Audit(*this, s, l, req.values));
    return Status::Ok();
  }));
  // Explanations are kept only for rules that still warn: a fixed cell needs none.
  json explanations = json::object();
  for (const auto& f : audit.failures) {
    const std::string id = f["rule_id"];
    if (f["severity"] == "warning" && req.explanations.contains(id)) {
      explanations[id] = req.explanations[id];
    }
  }
  const std::string values_text = req.values.dump();
  const std::string explanations_text = explanations.dump();
  const std::string hash = Blake2bHex(values_text + "\n" + explanations_text);
  const bool unchanged = hash == l.f.data_hash && req.expected_version == l.f.version;
  int64_t version = l.f.version;
  FilingState state = l.f.state;
  if (!unchanged) {
    HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
      HUOJU_ASSIGN_OR_RETURN(auto now_row, Impl::Recheck(s, l.f, req.expected_version));
      version = now_row.version + 1;
      state = now_row.state == FilingState::kNotStarted ? FilingState::kDraft : now_row.state;
      const std::string failures_text = audit.failures.dump();
      HUOJU_RETURN_IF_ERROR(
          s.Execute("INSERT INTO filing_version (filing_id, version, values_json, data_hash, "
                    "explanations_json, failures_json, created_by, created_at) VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, ?)",
                    {filing_id, version, values_text, hash, explanations_text, failures_text,
                     who.account_id, now})
              .status());
      HUOJU_RETURN_IF_ERROR(
          s.Execute("UPDATE filing SET version = ?, state = ?, data_hash = ?, values_json = ?, "
                    "failures_json = ?, explanations_json = ?, error_count = ?, "
                    "warning_count = ?, size_value = ?, previous_size_value = ?, risk = ?, "
                    "updated_at = ? WHERE id = ?",
                    {version, filing::StateCode(state), hash, values_text, failures_text,
                     explanations_text, audit.errors, audit.warnings, NullableDouble(audit.size),
                     NullableDouble(audit.previous_size), audit.risk, now, filing_id})
              .status());
      return s.AppendAudit(
          FilingAudit(
              who, origin, "filing.save", filing_id, l.f.unit_id,
              {{"version", version}, {"errors", audit.errors}, {"warnings", audit.warnings}}),
          now);
    }));
  }
  return json{{"id", filing_id},
              {"version", version},
              {"saved", !unchanged},
              {"state", filing::StateCode(state)},
              {"data_hash", ShortHash(unchanged ? l.f.data_hash : hash)},
              {"failures", audit.failures},
              {"explanations", explanations},
              {"unexplained", UnexplainedWarnings(audit.failures, explanations)},
              {"error_count", audit.errors},
              {"warning_count", audit.warnings}};
}

Result<json> Filings::Submit(const Principal& who, int64_t filing_id, int64_t expected_version,
                             const RequestOrigin& origin) {
  const int64_t now = clock_.NowMillis();
  const int today = filing::BeijingDay(now);
  bool late = false;
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    HUOJU_RETURN_IF_ERROR(Impl::LockFiling(s, filing_id));
    HUOJU_ASSIGN_OR_RETURN(auto l, Impl::Load(*this, s, who, filing_id, Action::kFillFiling));
    HUOJU_RETURN_IF_ERROR(filing::CanSubmit(Impl::StatusOf(l, today)));
    HUOJU_RETURN_IF_ERROR(Impl::Recheck(s, l.f, expected_version).status());
    if (l.f.error_count > 0) {
      json errors = json::array();
      for (const auto& f : l.f.failures) {
        if (f["severity"] == "error") {
          errors.push_back(f);
        }
      }
      return Status(ErrorCode::kValidationFailed,
                    fmt::format("报表有 {} 处错误未修改，不能上报", l.f.error_count),
                    json{{"failures", std::move(errors)}});
    }
    auto unexplained = UnexplainedWarnings(l.f.failures, l.f.explanations);
    if (!unexplained.empty()) {
      return Status(ErrorCode::kValidationFailed,
                    fmt::format("有 {} 条核实性审核提示尚未填写说明，不能上报", unexplained.size()),
                    json{{"unexplained", unexplained}});
    }
    late = today > l.p.due_on;
    HUOJU_RETURN_IF_ERROR(
        s.Execute("UPDATE filing SET state = 'submitted', review_level = 0, "
                  "reviewed_since_submit = 0, submitted_version = version, submitted_at = ?, "
                  "late = ?, decisions_json = '{}', updated_at = ? WHERE id = ?",
                  {now, static_cast<int64_t>(late ? 1 : 0), now, filing_id})
            .status());
    return s.AppendAudit(FilingAudit(who, origin, "filing.submit", filing_id, l.f.unit_id,
                                     {{"version", l.f.version},
                                      {"from", filing::StateCode(l.f.state)},
                                      {"late", late},
                                      {"resubmission", l.f.returned_version > 0}}),
                         now);
  }));
  return Get(who, filing_id);
}

Result<json> Filings::Withdraw(const Principal& who, int64_t filing_id, const std::string& reason,
                               const RequestOrigin& origin) {
  HUOJU_RETURN_IF_ERROR(CheckText("reason", "撤回原因", reason, kMaxReasonChars, false));
  const int64_t now = clock_.NowMillis();
  const int today = filing::BeijingDay(now);
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    HUOJU_RETURN_IF_ERROR(Impl::LockFiling(s, filing_id));
    HUOJU_ASSIGN_OR_RETURN(auto l, Impl::Load(*this, s, who, filing_id, Action::kFillFiling));
    HUOJU_RETURN_IF_ERROR(filing::CanWithdraw(Impl::StatusOf(l, today)));
    const FilingState back =
        l.f.returned_version > 0 ? FilingState::kReturned : FilingState::kDraft;
    HUOJU_RETURN_IF_ERROR(s.Execute("UPDATE filing SET state = ?, updated_at = ? WHERE id = ?",
                                    {filing::StateCode(back), now, filing_id})
                              .status());
    return s.AppendAudit(FilingAudit(who, origin, "filing.withdraw", filing_id, l.f.unit_id,
                                     {{"version", l.f.version}, {"reason", reason}}),
                         now);
  }));
  return Get(who, filing_id);
}

// ---------------------------------------------------------------- bulk import

json StoredNumber(double d) {
  if (std::fabs(d) < 9e15 && d == std::floor(d)) {
    return static_cast<int64_t>(d);
  }
  return d;
}

json ImportRow::AllValues() const {
  if (numbers.empty()) {
    return values;
  }
  json all = values.is_object() ? values : json::object();
  for (const auto& [indicator, value] : numbers) {
    all[indicator->code] = StoredNumber(value);
  }
  return all;
}

std::optional<double> ImportRow::Number(const std::string& code) const {
  for (auto it = numbers.rbegin(); it != numbers.rend(); ++it) {  // the last wins, as in AllValues
    if (it->first->code == code) {
      return it->second;
    }
  }
  return NumberOf(values, code);
}

namespace {

// A row that passed the check, ready to write.
struct ImportAccepted {
  int64_t filing_id;
  int64_t unit_id;
  int64_t version;
  FilingState from;
  std::string values;
  std::string failures;
  std::string explanations;
  std::string hash;
  int64_t errors;
  int64_t warnings;
  std::optional<double> size;
  std::optional<double> previous_size;
  double risk;
};

struct ImportRejection {
  size_t row;
  std::string uscc, message;
  /// The audit's failures when they caused it; JSON only if the answer lists this rejection.
  std::optional<std::vector<rules::Failure>> failures;
};

// What the check of one block of rows found: the rows to write (a dry run only counts them)
// and the rows refused, in row order.
struct CheckedRows {
  Status status;
  size_t accepted_count = 0;
  std::vector<ImportAccepted> accepted;
  std::vector<ImportRejection> rejections;
};

// What checking the rows of one bulk import needs, prepared once: the period, its form and
// compiled catalogs (this year's and last year's), the caller. Check() only reads it, so blocks
// of rows may be checked on several threads at once.
class ImportPlan {
 public:
  static Result<std::unique_ptr<ImportPlan>> Make(store::Database& db,
                                                  const org::Directory& directory,
                                                  const CatalogRegistry& catalogs,
                                                  const Principal& who,
                                                  const ImportOptions& options) {
    auto plan = std::unique_ptr<ImportPlan>(new ImportPlan(db, directory, who, options));
    HUOJU_RETURN_IF_ERROR(db.Read([&](store::Session& s) -> Status {
      HUOJU_ASSIGN_OR_RETURN(auto p, s.Query(fmt::format("SELECT {} FROM survey_period WHERE "
                                                         "form_code = ? AND period_key = ?",
                                                         kPeriodColumns),
                                             {options.form_code, options.period}));
      if (p.empty()) {
        return Status::InvalidField(
            "period", fmt::format("报告期 {} {} 未开启", options.form_code, options.period));
      }
      plan->period_ = ReadPeriod(p, 0);
      return Status::Ok();
    }));
    const CatalogYear* cy = catalogs.Year(plan->period_.catalog_year);
    plan->form_ = cy == nullptr ? nullptr : cy->catalog().FindForm(options.form_code);
    if (plan->form_ == nullptr) {
      return Status::Unavailable("报表目录未加载");
    }
    HUOJU_ASSIGN_OR_RETURN(plan->key_,
                           filing::PeriodKey::Parse(plan->period_.period_key, *plan->form_));
    plan->prev_key_ = plan->key_.PreviousYear().ToString();
    HUOJU_RETURN_IF_ERROR(db.RefreshStatistics());
    plan->compiled_ = cy->compiled;
    const CatalogYear* prev_cy = cy->catalog().previous_year == plan->key_.year - 1
                                     ? catalogs.Year(plan->key_.year - 1)
                                     : nullptr;
    plan->prev_compiled_ = prev_cy != nullptr ? prev_cy->compiled : cy->compiled;
    plan->form_index_ = plan->compiled_->FormIndex(plan->form_->code);
    plan->size_ind_ = SizeIndicator(*plan->form_);
    plan->forms_read_ = plan->compiled_->FormsReadBy(plan->form_index_);
    if (plan->size_ind_ != nullptr) {
      plan->forms_read_.previous.insert(plan->form_->code);  // last year's size, for the risk
    }
    return plan;
  }

  const PeriodRow& period() const { return period_; }

  // Checks rows[0 .. count - 1], rows first_row … of the import (rejections carry those
  // numbers): audits each with the unit's other forms of this period and last, and, unless a
  // dry run, prepares what to write.
  void Check(const ImportRow* rows, size_t first_row, size_t count, CheckedRows* out) const {
    const size_t start = first_row;
    const size_t end = first_row + count;
    auto row_at = [&](size_t i) -> const ImportRow& { return rows[i - start]; };
    const Principal& who = who_;
    const ImportOptions& options = options_;
    const PeriodRow& period = period_;
    const catalog::Form* form = form_;
    const filing::PeriodKey& key = key_;
    const std::string& prev_key = prev_key_;
    const rules::CompiledCatalog& compiled = *compiled_;
    const rules::CompiledCatalog& prev_compiled = *prev_compiled_;
    const int form_index = form_index_;
    const catalog::Indicator* size_ind = size_ind_;
    auto reject = [out](size_t row, const std::string& uscc, const std::string& message,
                        std::optional<std::vector<rules::Failure>> failures = std::nullopt) {
      out->rejections.push_back({row, uscc, message, std::move(failures)});
    };
    std::vector<ImportAccepted>& accepted = out->accepted;
    out->status = db_.Read([&](store::Session& s) -> Status {
      // The chunk's units from the in-memory directory (by USCC), then every filing of those
      // units this period (the task among them) and last.
      // Units outside the caller's scope are treated as unknown.
      std::vector<std::optional<int64_t>> unit_of_row(end - start);
      std::unordered_set<int64_t> chunk_units;
      std::string units_in;
      store::Params unit_ids;
      for (size_t i = start; i < end; ++i) {
        auto& unit = unit_of_row[i - start];
        unit = directory_.IdByUscc(row_at(i).uscc, who.scope);
        if (unit && chunk_units.insert(*unit).second) {
          units_in += units_in.empty() ? "?" : ", ?";
          unit_ids.emplace_back(*unit);
        }
      }
      struct Task {
        int64_t id, version;
        FilingState state;
      };
      std::unordered_map<int64_t, Task> task_of_unit;
      std::unordered_map<int64_t, std::vector<std::pair<std::string, std::string>>> current_forms;
      std::unordered_map<int64_t, std::vector<std::pair<std::string, std::string>>> previous_forms;
      // One query per period: with "period_key IN (?, ?)" SQLite's planner picked the index
      // on (period_key, updated_at) and walked the whole period for every chunk (10× slower).
      // Rows and values are read only where the audit uses them: the task, and filled forms
      // that the form's rules read (not the task's own values: the import replaces them).
      for (const std::string* period_key :
           std::array<const std::string*, 2>{&period.period_key, &prev_key}) {
        if (units_in.empty()) {
          break;
        }
        const bool this_period = period_key == &period.period_key;
        const std::set<std::string>& codes =
            this_period ? forms_read_.current : forms_read_.previous;
        if (codes.empty()) {
          continue;
        }
        // In the order of the placeholders: form, codes, period, units, form.
        store::Params params;
        if (this_period) {
          params.emplace_back(form->code);
        }
        std::string codes_in;
        for (const std::string& code : codes) {
          codes_in += codes_in.empty() ? "?" : ", ?";
          params.emplace_back(code);
        }
        params.emplace_back(*period_key);
        params.insert(params.end(), unit_ids.begin(), unit_ids.end());
        if (this_period) {
          params.emplace_back(form->code);
        }
        HUOJU_ASSIGN_OR_RETURN(
            auto data,
            s.Query(fmt::format("SELECT unit_id, form_code, CASE WHEN version > 0{} THEN "
                                "values_json END, id, state, version FROM filing WHERE "
                                "form_code IN ({}) AND period_key = ? AND unit_id IN ({}) AND "
                                "({}version > 0)",
                                this_period ? " AND form_code <> ?" : "", codes_in, units_in,
                                this_period ? "form_code = ? OR " : ""),
                    params));
        auto& target = this_period ? current_forms : previous_forms;
        for (size_t i = 0; i < data.size(); ++i) {
          const int64_t unit_id = data.Int(i, 0);
          std::string code = data.Text(i, 1);
          if (this_period && code == form->code) {
            task_of_unit[unit_id] = {
                data.Int(i, 3), data.Int(i, 5),
                filing::ParseState(data.Text(i, 4)).value_or(FilingState::kNotStarted)};
          } else if (!data.IsNull(i, 2)) {
            target[unit_id].emplace_back(std::move(code), data.Text(i, 2));
          }
        }
      }
      rules::UnitPeriodData current(compiled);
      rules::UnitPeriodData previous(prev_compiled);
      std::vector<rules::Failure> failures;
      // A row's `numbers` go straight into the form's number slots (as SetForm would put
      // them from JSON); the slot of each indicator is looked up once per chunk.
      std::unordered_map<const catalog::Indicator*, int> number_slot;  // -1: not a number slot
      // Rows of one workbook list their numbers in the same column order: the slots of the
      // row before, by position, spare most lookups.
      std::vector<std::pair<const catalog::Indicator*, int>> slots_by_position;
      auto slot_of = [&](const catalog::Indicator* indicator) {
        auto [slot_it, added] = number_slot.try_emplace(indicator, -1);
        if (added) {
          // Only a number indicator of this very catalog goes straight into its slot
          // (bool and date slots hold numbers too, but need SetForm's checks).
          const auto [kind, slot] = compiled.Slot(form_index, indicator->code);
          const bool same = form->FindIndicator(indicator->code) == indicator;
          slot_it->second = kind == 0 && same && indicator->type.IsNumber() ? slot : -1;
        }
        return slot_it->second;
      };
      auto set_numbers = [&](const ImportRow& row) -> Status {
        rules::UnitPeriodData::Form* f = nullptr;
        if (slots_by_position.size() < row.numbers.size()) {
          slots_by_position.resize(row.numbers.size(), {nullptr, -1});
        }
        for (size_t k = 0; k < row.numbers.size(); ++k) {
          const auto& [indicator, value] = row.numbers[k];
          auto& cached = slots_by_position[k];
          if (cached.first != indicator) {
            cached = {indicator, slot_of(indicator)};
          }
          if (cached.second < 0) {  // another catalog's indicator: the general way
            HUOJU_RETURN_IF_ERROR(
                current.SetForm(form->code, json{{indicator->code, StoredNumber(value)}}));
            continue;
          }
          f = f != nullptr ? f : &current.form(form_index);
          // + 0.0: -0 reads as 0, as it does after a round trip through the saved JSON.
          f->numbers[static_cast<size_t>(cached.second)] = std::isfinite(value) ? value + 0.0 : NAN;
        }
        return Status::Ok();
      };
      for (size_t i = start; i < end; ++i) {
        const ImportRow& row = row_at(i);
        const std::optional<int64_t>& unit = unit_of_row[i - start];
        auto it = unit ? task_of_unit.find(*unit) : task_of_unit.end();
        if (it == task_of_unit.end()) {
          reject(i, row.uscc, "没有该统一社会信用代码的填报任务，或不在您的管辖范围内");
          continue;
        }
        const Task& task = it->second;
        const int64_t unit_id = *unit;
        if (task.state == FilingState::kSubmitted || task.state == FilingState::kFinal) {
          reject(i, row.uscc, "报表已上报或已终审，导入不能覆盖");
          continue;
        }
        if (!row.values.is_object() || !row.explanations.is_object()) {
          reject(i, row.uscc, "报表数据和审核说明应为对象");
          continue;
        }
        current.Clear();
        previous.Clear();
        for (const auto& [code, text] : current_forms[unit_id]) {
          if (code != form->code && compiled.FormIndex(code) >= 0) {
            (void)current.SetFormText(code, text);
          }
        }
        for (const auto& [code, text] : previous_forms[unit_id]) {
          if (prev_compiled.FormIndex(code) >= 0) {
            (void)previous.SetFormText(code, text);
          }
        }
        if (Status st = current.SetForm(form->code, row.values); !st.ok()) {
          reject(i, row.uscc, st.message());
          continue;
        }
        if (Status st = set_numbers(row); !st.ok()) {
          reject(i, row.uscc, st.message());
          continue;
        }
        failures.clear();
        compiled.Evaluate(form_index, current, &previous, key.Info(), &failures);
        // JSON of the failures only where it is kept: in a listed rejection, or written with the
        // filing.
        int64_t errors = 0;
        for (const auto& f : failures) {
          errors += f.severity == catalog::Severity::kError ? 1 : 0;
        }
        if (errors > 0) {
          std::string message = fmt::format("有 {} 处错误，如：{}", errors, failures[0].message);
          reject(i, row.uscc, message, std::move(failures));
          failures = {};
          continue;
        }
        json explanations = json::object();
        for (const auto& f : failures) {
          auto it = row.explanations.find(f.rule_id);
          if (it != row.explanations.end() && it->is_string()) {
            explanations[f.rule_id] = *it;
          }
        }
        auto unexplained = UnexplainedWarnings(failures, explanations);
        if (options.submit && !unexplained.empty()) {
          reject(i, row.uscc, fmt::format("核实性审核提示 {} 未填写说明", unexplained.front()),
                 std::move(failures));
          failures = {};
          continue;
        }
        ++out->accepted_count;
        if (options.dry_run) {
          continue;  // nothing is written: the values need no serializing
        }
        ImportAccepted a;
        a.filing_id = task.id;
        a.unit_id = unit_id;
        a.version = task.version + 1;
        a.from = task.state;
        a.values = row.AllValues().dump();
        a.explanations = explanations.dump();
        a.failures = FailuresToJson(failures).dump();
        a.hash = Blake2bHex(a.values + "\n" + a.explanations);
        a.errors = 0;
        a.warnings = static_cast<int64_t>(failures.size());
        if (size_ind != nullptr) {
          a.size = row.Number(size_ind->code);
          for (const auto& [code, text] : previous_forms[unit_id]) {
            if (code == form->code) {
              a.previous_size = NumberOf(ParseStored(text, json::object()), size_ind->code);
            }
          }
        }
        a.risk = filing::RiskScore(a.size.value_or(0), a.previous_size.value_or(NAN),
                                   static_cast<int>(a.warnings), 0);
        accepted.push_back(std::move(a));
      }
      return Status::Ok();
    });
  }

 private:
  ImportPlan(store::Database& db, const org::Directory& directory, const Principal& who,
             const ImportOptions& options)
      : db_(db), directory_(directory), who_(who), options_(options) {}

  store::Database& db_;
  const org::Directory& directory_;
  Principal who_;
  ImportOptions options_;
  PeriodRow period_;
  const catalog::Form* form_ = nullptr;
  filing::PeriodKey key_;
  std::string prev_key_;
  std::shared_ptr<const rules::CompiledCatalog> compiled_, prev_compiled_;
  int form_index_ = -1;
  const catalog::Indicator* size_ind_ = nullptr;
  rules::CompiledCatalog::FormsRead forms_read_;  ///< which filings of a unit the audit reads
};

// An import's answer, built from its checked blocks in row order.
class ImportTally {
 public:
  void Add(CheckedRows& checked) {
    for (ImportRejection& r : checked.rejections) {
      ++rejected_;
      rejected_rows_.push_back(r.row + 1);
      if (rejections_.size() < kMaxRejections) {
        rejections_.push_back({{"row", r.row + 1}, {"uscc", r.uscc}, {"message", r.message}});
        if (r.failures) {
          rejections_.back()["failures"] = FailuresToJson(*r.failures);
        }
      }
    }
  }
  json Answer(size_t rows, bool dry_run, int64_t saved, int64_t submitted) {
    return json{{"rows", rows},
                {"dry_run", dry_run},
                {"saved", saved},
                {"submitted", submitted},
                {"rejected", rejected_},
                {"rejections", std::move(rejections_)},
                {"rejected_rows", std::move(rejected_rows_)}};
  }

 private:
  static constexpr size_t kMaxRejections = 1000;
  int64_t rejected_ = 0;
  json rejections_ = json::array();
  json rejected_rows_ = json::array();  // every one, also beyond the detailed list
};

}  // namespace

struct ImportDryRun::Impl {
  std::unique_ptr<ImportPlan> plan;
  std::mutex mu;
  std::map<size_t, std::pair<size_t, CheckedRows>> checked;  // first row → (rows, what was found)
};

ImportDryRun::ImportDryRun(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ImportDryRun::~ImportDryRun() = default;

Status ImportDryRun::Check(size_t first_row, const std::vector<ImportRow>& rows) {
  CheckedRows out;
  impl_->plan->Check(rows.data(), first_row, rows.size(), &out);
  Status status = out.status;
  std::lock_guard lock(impl_->mu);
  impl_->checked[first_row] = {rows.size(), std::move(out)};
  return status;
}

Result<json> ImportDryRun::Finish() {
  std::lock_guard lock(impl_->mu);
  ImportTally tally;
  size_t rows = 0;
  int64_t would_save = 0;
  for (auto& [first_row, block] : impl_->checked) {
    auto& [count, checked] = block;
    if (first_row != rows) {
      return Status::Internal(fmt::format("导入检查缺少第 {} 行起的数据", rows + 1));
    }
    HUOJU_RETURN_IF_ERROR(checked.status);
    tally.Add(checked);
    rows += count;
    would_save += static_cast<int64_t>(checked.accepted_count);
  }
  return tally.Answer(rows, true, would_save, 0);
}

Result<std::unique_ptr<ImportDryRun>> Filings::StartDryRun(const Principal& who,
                                                           const ImportOptions& options) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kReviewFiling, nullptr));
  auto impl = std::make_unique<ImportDryRun::Impl>();
  ImportOptions dry = options;
  dry.dry_run = true;
  HUOJU_ASSIGN_OR_RETURN(impl->plan, ImportPlan::Make(db_, directory_, catalogs_, who, dry));
  return std::make_unique<ImportDryRun>(std::move(impl));
}

Result<json> Filings::Import(const Principal& who, const ImportOptions& options,
                             const std::vector<ImportRow>& rows, const RequestOrigin& origin) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kReviewFiling, nullptr));
  const int64_t now = clock_.NowMillis();
  HUOJU_ASSIGN_OR_RETURN(auto plan, ImportPlan::Make(db_, directory_, catalogs_, who, options));
  const PeriodRow& period = plan->period();
  auto check_chunk = [&](size_t start, size_t end, CheckedRows* out) {
    plan->Check(rows.data() + start, start, end - start, out);
  };
  int64_t saved = 0;
  int64_t submitted = 0;
  ImportTally tally;
  constexpr size_t kChunk = kImportBlockRows;
  const size_t chunks = (rows.size() + kChunk - 1) / kChunk;
  if (options.dry_run) {
    // Nothing is written, so the chunks are checked on two threads (reads run in parallel)
    // and merged in row order.
    std::vector<CheckedRows> checked(chunks);
    const size_t stride = chunks > 1 && std::thread::hardware_concurrency() > 1 ? 2 : 1;
    auto work = [&](size_t first) {
      for (size_t c = first; c < chunks; c += stride) {
        check_chunk(c * kChunk, std::min(rows.size(), (c + 1) * kChunk), &checked[c]);
      }
    };
    std::optional<std::thread> second;
    if (stride == 2) {
      second.emplace(work, 1);
    }
    work(0);
    if (second) {
      second->join();
    }
    for (CheckedRows& c : checked) {
      HUOJU_RETURN_IF_ERROR(c.status);
      tally.Add(c);
      saved += static_cast<int64_t>(c.accepted_count);
    }
  }
  for (size_t chunk = 0; chunk < chunks && !options.dry_run; ++chunk) {
    CheckedRows checked;
    check_chunk(chunk * kChunk, std::min(rows.size(), (chunk + 1) * kChunk), &checked);
    HUOJU_RETURN_IF_ERROR(checked.status);
    tally.Add(checked);
    const std::vector<ImportAccepted>& accepted = checked.accepted;
    if (accepted.empty()) {
      continue;
    }
    const bool late = filing::BeijingDay(now) > period.due_on;
    HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
      for (const ImportAccepted& a : accepted) {
        HUOJU_RETURN_IF_ERROR(
            s.Execute("INSERT INTO filing_version (filing_id, version, values_json, data_hash, "
                      "explanations_json, failures_json, created_by, created_at) VALUES "
                      "(?, ?, ?, ?, ?, ?, ?, ?)",
                      {a.filing_id, a.version, a.values, a.hash, a.explanations, a.failures,
                       who.account_id, now})
                .status());
        const char* state = options.submit                     ? "submitted"
                            : a.from == FilingState::kReturned ? "returned"
                                                               : "draft";
        // The row must still be the version and in the state read above: a submit, approval
        // or return since then leaves the version as it was but changes the state.
        HUOJU_ASSIGN_OR_RETURN(
            int64_t changed,
            s.Execute("UPDATE filing SET version = ?, state = ?, data_hash = ?, values_json = ?, "
                      "failures_json = ?, explanations_json = ?, error_count = 0, "
                      "warning_count = ?, size_value = ?, previous_size_value = ?, risk = ?, "
                      "review_level = 0, reviewed_since_submit = 0, submitted_version = ?, "
                      "submitted_at = ?, late = ?, updated_at = ? WHERE id = ? AND version = ? "
                      "AND state = ?",
                      {a.version, state, a.hash, a.values, a.failures, a.explanations, a.warnings,
                       NullableDouble(a.size), NullableDouble(a.previous_size), a.risk,
                       options.submit ? a.version : int64_t{0},
                       options.submit ? store::Value(now) : store::Value(nullptr),
                       static_cast<int64_t>(options.submit && late ? 1 : 0), now, a.filing_id,
                       a.version - 1, std::string(filing::StateCode(a.from))}));
        if (changed != 1) {
          return Status::Conflict("导入期间有报表被他人修改，本批未写入，请重新导入");
        }
        HUOJU_RETURN_IF_ERROR(s.AppendAudit(
            FilingAudit(who, origin, options.submit ? "filing.import_submit" : "filing.import",
                        a.filing_id, a.unit_id, {{"version", a.version}, {"warnings", a.warnings}}),
            now));
      }
      return Status::Ok();
    }));
    saved += static_cast<int64_t>(accepted.size());
    submitted += options.submit ? static_cast<int64_t>(accepted.size()) : 0;
  }
  if (!options.dry_run && options.refresh_after && saved >= kRefreshAfterImportedRows) {
    // Planner statistics and PostgreSQL's visibility map, so that review queues read indexes
    // only (167 -> 49 ms for a province of 40,000 after a national import). The import itself
    // is done and kept either way.
    if (Status st = db_.RefreshAfterBulkWrite("filing"); !st.ok()) {
      LogEvent(LogLevel::kWarn, "filing.import_refresh_failed", {{"error", st.ToString()}});
    }
  }
  return tally.Answer(rows.size(), options.dry_run, saved, submitted);
}

// ---------------------------------------------------------------- review

Result<json> Filings::Queue(const Principal& who, const QueueQuery& q) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kReviewFiling, nullptr));
  if (q.form_code.empty()) {
    return Status::InvalidField("form", "请选择报表");
  }
  if (q.limit < 1 || q.limit > 500 || q.offset < 0) {
    return Status::InvalidField("limit", "每页条数应为 1 到 500");
  }
  json items = json::array();
  int64_t total = 0;
  std::optional<size_t> level;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    // The caller's level comes from the form's review chain of the period's catalog year.
    HUOJU_ASSIGN_OR_RETURN(
        auto periods,
        s.Query(
            fmt::format("SELECT {} FROM survey_period WHERE form_code = ?{} ORDER BY "
                        "period_key DESC",
                        kPeriodColumns, q.period.empty() ? "" : " AND period_key = ?"),
            q.period.empty() ? store::Params{q.form_code} : store::Params{q.form_code, q.period}));
    if (periods.empty()) {
      return Status::Ok();
    }
    const PeriodRow p = ReadPeriod(periods, 0);
    const CatalogYear* cy = catalogs_.Year(p.catalog_year);
    const catalog::Form* form = cy == nullptr ? nullptr : cy->catalog().FindForm(q.form_code);
    if (form == nullptr) {
      return Status::Ok();
    }
    level = filing::ReviewerLevel(who, form->review_chain);
    const auto [lo, hi] = SubtreeRange(who.scope.path);
    std::string where = "form_code = ? AND period_key = ? AND unit_path >= ? AND unit_path < ?";
    store::Params params = {q.form_code, p.period_key, lo, hi};
    if (q.state == "waiting") {
      if (!level) {
        return Status::Ok();
      }
      where += " AND state = 'submitted' AND review_level = ?";
      params.emplace_back(static_cast<int64_t>(*level));
    } else if (q.state != "all") {
      if (!filing::ParseState(q.state)) {
        return Status::InvalidField("state", "状态应为 waiting、all 或报表状态代码");
      }
      where += " AND state = ?";
      params.emplace_back(q.state);
    }
    std::vector<int64_t> unit_filter;
    if (!q.unit_query.empty()) {
      auto found = directory_.Search(who.scope, q.unit_query, org::NodeKind::kUnit, {0, 500});
      if (found.items.empty()) {
        return Status::Ok();
      }
      std::string in;
      for (const auto& n : found.items) {
        in += in.empty() ? "?" : ", ?";
        params.emplace_back(n.id);
      }
      where += " AND unit_id IN (" + in + ")";
    }
    HUOJU_ASSIGN_OR_RETURN(auto count,
                           s.Query("SELECT COUNT(*) FROM filing WHERE " + where, params));
    total = count.Int(0, 0);
    store::Params page = params;
    page.emplace_back(q.limit);
    page.emplace_back(q.offset);
    HUOJU_ASSIGN_OR_RETURN(auto rows,
                           // The page's ids first (narrow rows to sort), then only those in full.
                           s.Query(fmt::format("SELECT {} FROM filing WHERE id IN (SELECT id FROM "
                                               "filing WHERE {} ORDER BY risk DESC, id LIMIT ? "
                                               "OFFSET ?) ORDER BY risk DESC, id",
                                               kFilingColumns, where),
                                   page));
    for (size_t i = 0; i < rows.size(); ++i) {
      FilingRow f = ReadFiling(rows, i);
      auto unit = directory_.Get(f.unit_id);
      if (!unit) {
        continue;
      }
      json j = Impl::Summary(f, *form, *unit);
      j["unexplained_count"] = UnexplainedWarnings(f.failures, f.explanations).size();
      j["explained"] = f.explanations.size();
      items.push_back(std::move(j));
    }
    return Status::Ok();
  }));
  return json{{"items", std::move(items)},
              {"total", total},
              {"offset", q.offset},
              {"limit", q.limit},
              {"my_level", level ? json(*level) : json()}};
}

Result<json> Filings::Approve(const Principal& who, int64_t filing_id, int64_t expected_version,
                              const std::string& comment, const RequestOrigin& origin) {
  HUOJU_RETURN_IF_ERROR(CheckText("comment", "审核意见", comment, kMaxReasonChars, false));
  const int64_t now = clock_.NowMillis();
  const int today = filing::BeijingDay(now);
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    HUOJU_RETURN_IF_ERROR(Impl::LockFiling(s, filing_id));
    HUOJU_ASSIGN_OR_RETURN(auto l, Impl::Load(*this, s, who, filing_id, Action::kReviewFiling));
    const auto& chain = l.form->review_chain;
    HUOJU_ASSIGN_OR_RETURN(const size_t level, Impl::ActingLevel(l, who, today, false));
    HUOJU_RETURN_IF_ERROR(Impl::Recheck(s, l.f, expected_version).status());
    const bool last = level + 1 == chain.size();
    if (last) {
      HUOJU_RETURN_IF_ERROR(
          s.Execute("UPDATE filing SET state = 'final', reviewed_since_submit = 1, final_at = ?, "
                    "updated_at = ? WHERE id = ?",
                    {now, now, filing_id})
              .status());
    } else {
      HUOJU_RETURN_IF_ERROR(
          s.Execute("UPDATE filing SET review_level = ?, reviewed_since_submit = 1, "
                    "updated_at = ? WHERE id = ?",
                    {static_cast<int64_t>(level + 1), now, filing_id})
              .status());
    }
    return s.AppendAudit(FilingAudit(who, origin, "filing.approve", filing_id, l.f.unit_id,
                                     {{"version", l.f.version},
                                      {"level", chain[level]},
                                      {"level_name", filing::LevelName(chain[level])},
                                      {"final", last},
                                      {"comment", comment}}),
                         now);
  }));
  return Get(who, filing_id);
}

Result<json> Filings::ApproveMany(const Principal& who, const std::vector<int64_t>& ids,
                                  const std::vector<int64_t>& versions,
                                  const RequestOrigin& origin) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kReviewFiling, nullptr));
  if (ids.empty() || ids.size() > kMaxBatch) {
    return Status::InvalidField("ids", fmt::format("请选择 1 到 {} 份报表", kMaxBatch));
  }
  if (!versions.empty() && versions.size() != ids.size()) {
    return Status::InvalidField("versions", "数据版本应与报表编号一一对应");
  }
  json results = json::array();
  int64_t approved = 0;
  for (size_t k = 0; k < ids.size(); ++k) {
    const int64_t id = ids[k];
    // Each approval checks its own filing, at the version the reviewer saw (else the current).
    int64_t version = versions.empty() ? 0 : versions[k];
    Status st = Status::Ok();
    if (versions.empty()) {
      st = db_.Read([&](store::Session& s) -> Status {
        HUOJU_ASSIGN_OR_RETURN(auto f, LoadFiling(s, id));
        version = f.version;
        return Status::Ok();
      });
    }
    Result<json> r = st.ok() ? Approve(who, id, version, "", origin) : Result<json>(st);
    if (r.ok()) {
      ++approved;
      results.push_back({{"id", id}, {"ok", true}, {"state", (*r)["state"]}});
    } else {
      results.push_back({{"id", id}, {"ok", false}, {"message", r.status().message()}});
    }
  }
  return json{{"approved", approved},
              {"failed", static_cast<int64_t>(ids.size()) - approved},
              {"results", std::move(results)}};
}

Result<json> Filings::Return(const Principal& who, int64_t filing_id, int64_t expected_version,
                             const std::string& reason, const std::vector<ReturnPin>& pins,
                             const RequestOrigin& origin) {
  HUOJU_RETURN_IF_ERROR(CheckText("reason", "退回原因", reason, kMaxReasonChars, true));
  if (pins.size() > kMaxPins) {
    return Status::InvalidField("pins", fmt::format("标注的单元格不能超过 {} 个", kMaxPins));
  }
  const int64_t now = clock_.NowMillis();
  const int today = filing::BeijingDay(now);
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    HUOJU_RETURN_IF_ERROR(Impl::LockFiling(s, filing_id));
    HUOJU_ASSIGN_OR_RETURN(auto l, Impl::Load(*this, s, who, filing_id, Action::kReviewFiling));
    const auto& chain = l.form->review_chain;
    HUOJU_ASSIGN_OR_RETURN(const size_t level, Impl::ActingLevel(l, who, today, false));
    HUOJU_RETURN_IF_ERROR(Impl::Recheck(s, l.f, expected_version).status());
    json pin_json = json::array();
    for (size_t i = 0; i < pins.size(); ++i) {
      const auto& p = pins[i];
      const std::string field = fmt::format("pins[{}]", i);
      if (!IsCellOf(*l.form, p.cell)) {
        return Status::InvalidField(field + ".cell",
                                    fmt::format("表{}中没有单元格“{}”", l.form->code, p.cell));
      }
      HUOJU_RETURN_IF_ERROR(
          CheckText(field + ".message", "单元格意见", p.message, kMaxReasonChars, true));
      const auto* ind = l.form->FindIndicator(p.cell);
      pin_json.push_back(
          {{"cell", p.cell}, {"name", ind ? ind->name : p.cell}, {"message", p.message}});
    }
    json ret = {{"reason", reason},
                {"pins", pin_json},
                {"version", l.f.version},
                {"level", chain[level]},
                {"level_name", filing::LevelName(chain[level])},
                {"by", who.display_name},
                {"at", FormatIsoUtc(now)}};
    HUOJU_RETURN_IF_ERROR(
        s.Execute("UPDATE filing SET state = 'returned', review_level = 0, "
                  "reviewed_since_submit = 0, returned_version = version, return_json = ?, "
                  "updated_at = ? WHERE id = ?",
                  {ret.dump(), now, filing_id})
            .status());
    return s.AppendAudit(
        FilingAudit(who, origin, "filing.return", filing_id, l.f.unit_id, std::move(ret)), now);
  }));
  return Get(who, filing_id);
}

Result<json> Filings::Reopen(const Principal& who, int64_t filing_id, const std::string& reason,
                             const RequestOrigin& origin) {
  HUOJU_RETURN_IF_ERROR(CheckText("reason", "重新打开原因", reason, kMaxReasonChars, true));
  const int64_t now = clock_.NowMillis();
  const int today = filing::BeijingDay(now);
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    HUOJU_RETURN_IF_ERROR(Impl::LockFiling(s, filing_id));
    HUOJU_ASSIGN_OR_RETURN(auto l, Impl::Load(*this, s, who, filing_id, Action::kReviewFiling));
    const auto& chain = l.form->review_chain;
    // Reopen is checked for the caller's level; where it goes depends only on the filing.
    HUOJU_RETURN_IF_ERROR(Impl::ActingLevel(l, who, today, true).status());
    const size_t to = l.f.state == FilingState::kFinal ? chain.size() - 1 : l.f.review_level - 1;
    HUOJU_RETURN_IF_ERROR(
        s.Execute("UPDATE filing SET state = 'submitted', review_level = ?, final_at = NULL, "
                  "updated_at = ? WHERE id = ?",
                  {static_cast<int64_t>(to), now, filing_id})
            .status());
    return s.AppendAudit(FilingAudit(who, origin, "filing.reopen", filing_id, l.f.unit_id,
                                     {{"version", l.f.version},
                                      {"reason", reason},
                                      {"to_level", chain[to]},
                                      {"to_level_name", filing::LevelName(chain[to])}}),
                         now);
  }));
  return Get(who, filing_id);
}

Result<json> Filings::JudgeExplanation(const Principal& who, int64_t filing_id,
                                       const std::string& rule_id, bool accepted,
                                       const std::string& comment, const RequestOrigin& origin) {
  HUOJU_RETURN_IF_ERROR(CheckText("comment", "审核意见", comment, kMaxReasonChars, !accepted));
  const int64_t now = clock_.NowMillis();
  const int today = filing::BeijingDay(now);
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    HUOJU_RETURN_IF_ERROR(Impl::LockFiling(s, filing_id));
    HUOJU_ASSIGN_OR_RETURN(auto l, Impl::Load(*this, s, who, filing_id, Action::kReviewFiling));
    const auto& chain = l.form->review_chain;
    HUOJU_ASSIGN_OR_RETURN(const size_t level, Impl::ActingLevel(l, who, today, false));
    if (!l.f.explanations.contains(rule_id)) {
      return Status::InvalidField("rule_id", fmt::format("该报表没有对“{}”的说明", rule_id));
    }
    l.f.decisions[rule_id] = {{"accepted", accepted},
                              {"comment", comment},
                              {"by", who.display_name},
                              {"level_name", filing::LevelName(chain[level])},
                              {"at", FormatIsoUtc(now)}};
    HUOJU_RETURN_IF_ERROR(
        s.Execute("UPDATE filing SET decisions_json = ?, updated_at = ? WHERE id = ?",
                  {l.f.decisions.dump(), now, filing_id})
            .status());
    return s.AppendAudit(
        FilingAudit(who, origin, "filing.explanation", filing_id, l.f.unit_id,
                    {{"rule_id", rule_id}, {"accepted", accepted}, {"comment", comment}}),
        now);
  }));
  return Get(who, filing_id);
}

// ---------------------------------------------------------------- history

Result<json> Filings::History(const Principal& who, int64_t filing_id) {
  json versions = json::array();
  json events = json::array();
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(auto l, Impl::Load(*this, s, who, filing_id, Action::kViewFiling));
    HUOJU_ASSIGN_OR_RETURN(
        auto rows,
        s.Query("SELECT v.version, v.data_hash, v.created_at, a.display_name, v.failures_json "
                "FROM filing_version v LEFT JOIN account a ON a.id = v.created_by "
                "WHERE v.filing_id = ? ORDER BY v.version DESC",
                {filing_id}));
    for (size_t i = 0; i < rows.size(); ++i) {
      const json failures = ParseStored(rows.Text(i, 4), json::array());
      int64_t errors = 0;
      for (const auto& f : failures) {
        errors += f.value("severity", "") == "error" ? 1 : 0;
      }
      versions.push_back({{"version", rows.Int(i, 0)},
                          {"data_hash", ShortHash(rows.Text(i, 1))},
                          {"at", FormatIsoUtc(rows.Int(i, 2))},
                          {"by", rows.Text(i, 3)},
                          {"error_count", errors},
                          {"warning_count", static_cast<int64_t>(failures.size()) - errors}});
    }
    HUOJU_ASSIGN_OR_RETURN(
        auto ev, s.Query("SELECT l.at, l.action, a.display_name, a.role, l.client_address, "
                         "l.detail FROM audit_log l LEFT JOIN account a ON a.id = "
                         "l.actor_account_id WHERE l.object_type = 'filing' AND l.object_id = ? "
                         "ORDER BY l.id DESC",
                         {std::to_string(filing_id)}));
    for (size_t i = 0; i < ev.size(); ++i) {
      events.push_back({{"at", FormatIsoUtc(ev.Int(i, 0))},
                        {"action", ev.Text(i, 1)},
                        {"by", ev.Text(i, 2)},
                        {"role", ev.Text(i, 3)},
                        {"from", ev.Text(i, 4)},
                        {"detail", ParseStored(ev.Text(i, 5), json::object())}});
    }
    (void)l;
    return Status::Ok();
  }));
  return json{{"versions", std::move(versions)}, {"events", std::move(events)}};
}

Result<json> Filings::Diff(const Principal& who, int64_t filing_id, int64_t from, int64_t to) {
  json out;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(auto l, Impl::Load(*this, s, who, filing_id, Action::kViewFiling));
    if (to <= 0) {
      to = l.f.version;
    }
    if (from <= 0) {
      from = l.f.returned_version > 0 && l.f.returned_version < to ? l.f.returned_version : to - 1;
    }
    if (from < 0 || to > l.f.version || from > to) {
      return Status::InvalidField("from",
                                  fmt::format("版本号应在 0 到 {} 之间且 from ≤ to", l.f.version));
    }
    auto values_of = [&](int64_t v) -> Result<json> {
      if (v == 0) {
        return json::object();
      }
      HUOJU_ASSIGN_OR_RETURN(auto r, s.Query("SELECT values_json FROM filing_version WHERE "
                                             "filing_id = ? AND version = ?",
                                             {filing_id, v}));
      if (r.empty()) {
        return Status::NotFound(fmt::format("第 {} 版不存在", v));
      }
      return ParseStored(r.Text(0, 0), json::object());
    };
    HUOJU_ASSIGN_OR_RETURN(auto a, values_of(from));
    HUOJU_ASSIGN_OR_RETURN(auto b, values_of(to));
    out = {{"from", from},
           {"to", to},
           {"changes", filing::ChangesToJson(filing::DiffValues(*l.form, a, b))}};
    return Status::Ok();
  }));
  return out;
}

// ---------------------------------------------------------------- printing and scans

Result<Filings::File> Filings::Print(const Principal& who, int64_t filing_id) {
  Impl::Loaded l;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(l, Impl::Load(*this, s, who, filing_id, Action::kViewFiling));
    return Status::Ok();
  }));
  if (l.f.version == 0) {
    return Status::Conflict("报表尚未填报，无法打印");
  }
  io::FilingPrintHeader h;
  h.unit_name = l.unit.name;
  h.uscc = l.unit.uscc;
  h.period_label = l.key.Label();
  h.filing_id = l.f.id;
  h.version = l.f.version;
  h.data_hash = ShortHash(l.f.data_hash);
  const int64_t now = clock_.NowMillis();
  h.printed_at = FormatBeijingMinutes(now);  // Beijing time, as the unit reads it on paper
  h.qr_payload = ScanCode(l.f.id, l.f.version, l.f.data_hash);
  HUOJU_ASSIGN_OR_RETURN(auto pdf,
                         io::RenderFilingPdf(l.catalog->catalog(), *l.form, l.f.values, h));
  return File{
      "application/pdf",
      fmt::format("{}-{}-{}-v{}.pdf", l.f.form_code, l.f.period_key, l.unit.uscc, l.f.version),
      std::move(pdf)};
}

Result<json> Filings::UploadScan(const Principal& who, int64_t filing_id, const std::string& bytes,
                                 const RequestOrigin& origin) {
  if (bytes.empty()) {
    return Status::InvalidField("file", "请选择要上传的扫描件");
  }
  if (bytes.size() > kMaxScanBytes) {
    return Status(ErrorCode::kPayloadTooLarge,
                  fmt::format("扫描件不能超过 {} MB", kMaxScanBytes / 1024 / 1024));
  }
  Impl::Loaded l;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(l, Impl::Load(*this, s, who, filing_id, Action::kFillFiling));
    return Status::Ok();
  }));
  if (l.f.version == 0) {
    return Status::Conflict("报表尚未填报，不能上传扫描件");
  }
  auto type = io::SniffScanType(bytes);
  if (!type.ok()) {
    return Status::InvalidField("file", type.status().message());
  }
  HUOJU_ASSIGN_OR_RETURN(auto codes, io::ReadQrCodes(bytes));
  const std::string prefix = fmt::format("HUOJU:F{}:", filing_id);
  const std::string expected = ScanCode(l.f.id, l.f.version, l.f.data_hash);
  std::string found;
  for (const auto& c : codes) {
    if (c.rfind(prefix, 0) == 0) {
      found = c;
      if (c == expected) {
        break;
      }
    }
  }
  if (found.empty()) {
    return Status::InvalidField(
        "file", codes.empty() ? "未能在扫描件上识别到报表二维码，请上传清晰完整的扫描件"
                              : "扫描件上的二维码不属于本报表，请上传本报表打印件的扫描件");
  }
  if (found != expected) {
    int64_t scanned_version = 0;
    const size_t v = found.find(":V");
    if (v != std::string::npos) {
      scanned_version = std::atoll(found.c_str() + v + 2);
    }
    return Status(ErrorCode::kConflict,
                  fmt::format("扫描件对应第 {} 版数据，当前数据为第 {} 版，两者不一致。"
                              "请重新打印当前版本，签字盖章后再上传",
                              scanned_version, l.f.version),
                  json{{"scanned_version", scanned_version}, {"current_version", l.f.version}});
  }
  const int64_t now = clock_.NowMillis();
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    HUOJU_RETURN_IF_ERROR(Impl::LockFiling(s, filing_id));
    HUOJU_ASSIGN_OR_RETURN(auto now_row, LoadFiling(s, filing_id));
    if (now_row.version != l.f.version) {
      return Status::Conflict("上传期间报表数据已改变，请重新打印当前版本后上传");
    }
    HUOJU_RETURN_IF_ERROR(
        s.Execute("INSERT INTO signed_scan (filing_id, version, data_hash, content_type, "
                  "size_bytes, content, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  {filing_id, l.f.version, l.f.data_hash, io::ScanMimeType(*type),
                   static_cast<int64_t>(bytes.size()), store::Blob{bytes}, who.account_id, now})
            .status());
    HUOJU_RETURN_IF_ERROR(
        s.Execute("UPDATE filing SET scan_version = ?, updated_at = ? WHERE id = ?",
                  {l.f.version, now, filing_id})
            .status());
    return s.AppendAudit(FilingAudit(who, origin, "filing.scan", filing_id, l.f.unit_id,
                                     {{"version", l.f.version},
                                      {"content_type", io::ScanMimeType(*type)},
                                      {"bytes", bytes.size()}}),
                         now);
  }));
  return json{{"id", filing_id},
              {"version", l.f.version},
              {"matched", true},
              {"content_type", io::ScanMimeType(*type)},
              {"bytes", bytes.size()}};
}

Result<Filings::File> Filings::Scan(const Principal& who, int64_t filing_id) {
  File file;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(auto l, Impl::Load(*this, s, who, filing_id, Action::kViewFiling));
    HUOJU_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT content_type, content, version FROM "
                                              "signed_scan WHERE filing_id = ? ORDER BY id DESC "
                                              "LIMIT 1",
                                              {filing_id}));
    if (rows.empty()) {
      return Status::NotFound("尚未上传扫描件");
    }
    file.content_type = rows.Text(0, 0);
    file.bytes = rows.BlobBytes(0, 1);
    const std::string ext = file.content_type == "application/pdf" ? "pdf"
                            : file.content_type == "image/png"     ? "png"
                                                                   : "jpg";
    file.file_name = fmt::format("{}-{}-{}-scan-v{}.{}", l.f.form_code, l.f.period_key, l.unit.uscc,
                                 rows.Int(0, 2), ext);
    return Status::Ok();
  }));
  return file;
}

// ---------------------------------------------------------------- progress

namespace {

struct Tally {
  int64_t expected = 0;
  int64_t started = 0;
  int64_t submitted = 0;  ///< submitted at least once and not back with the unit
  int64_t passed = 0;     ///< approved at the caller's level or beyond
  int64_t final = 0;
  int64_t returned = 0;
  int64_t overdue = 0;
  int64_t late = 0;

  json ToJson() const {
    auto rate = [](int64_t a, int64_t b) {
      return b == 0 ? 0.0
                    : std::round(1000.0 * static_cast<double>(a) / static_cast<double>(b)) / 10;
    };
    return {{"expected", expected},
            {"started", started},
            {"submitted", submitted},
            {"approved", passed},
            {"final", final},
            {"returned", returned},
            {"overdue", overdue},
            {"late", late},
            {"submission_rate", rate(submitted, expected)},
            {"approval_rate", rate(passed, submitted)}};
  }
};

// The node a progress view or review material covers: `node_id`, or the caller's scope.
Result<org::OrgNode> ProgressScope(const org::Directory& directory, const Principal& who,
                                   int64_t node_id) {
  auto node = directory.Get(node_id > 0 ? node_id : who.scope.id);
  if (!node) {
    return Status::NotFound("机构不存在或不在您的管辖范围内");
  }
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kViewProgress, &*node));
  return *node;
}

std::vector<int64_t> IdsOfPath(const std::string& path) {
  std::vector<int64_t> ids;
  int64_t cur = 0;
  bool in = false;
  for (char c : path) {
    if (c >= '0' && c <= '9') {
      cur = cur * 10 + (c - '0');
      in = true;
    } else if (in) {
      ids.push_back(cur);
      cur = 0;
      in = false;
    }
  }
  return ids;
}

}  // namespace

Result<json> Filings::Progress(const Principal& who, const std::string& form_code,
                               const std::string& period, int64_t node_id) {
  HUOJU_ASSIGN_OR_RETURN(const org::OrgNode node, ProgressScope(directory_, who, node_id));
  json out;
  const int today = filing::BeijingDay(clock_.NowMillis());
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(const PeriodForm pf, FindPeriodForm(s, catalogs_, form_code, period));
    const PeriodRow& p = pf.period;
    const catalog::Form* form = pf.form;
    const size_t chain = form == nullptr ? 1 : form->review_chain.size();
    auto level = form == nullptr ? std::nullopt : filing::ReviewerLevel(who, form->review_chain);
    // Approved "at my level or beyond": past the caller's level; without a level, final.
    const size_t passed_level = level ? *level + 1 : chain;
    const auto [lo, hi] = SubtreeRange(node.path);
    const size_t child_depth = IdsOfPath(node.path).size();
    std::map<int64_t, Tally> by_child;
    Tally total;
    auto count = [&](int64_t child, const std::string& state_code, int64_t lvl, int64_t late,
                     int64_t n) {
      const auto state = filing::ParseState(state_code).value_or(FilingState::kNotStarted);
      const bool in_review = state == FilingState::kSubmitted || state == FilingState::kFinal;
      for (Tally* t : {&by_child[child], &total}) {
        t->expected += n;
        t->started += state != FilingState::kNotStarted ? n : 0;
        t->submitted += in_review ? n : 0;
        t->passed += state == FilingState::kFinal || (state == FilingState::kSubmitted &&
                                                      static_cast<size_t>(lvl) >= passed_level)
                         ? n
                         : 0;
        t->final += state == FilingState::kFinal ? n : 0;
        t->returned += state == FilingState::kReturned ? n : 0;
        t->overdue += !in_review && today > p.due_on ? n : 0;
        t->late += late != 0 ? n : 0;
      }
    };
    // Filings whose unit sits below a child of the node come as counts per (unit's parent,
    // state, level, late) from filing_tally: a few rows per parent node, however many
    // filings. Those of the node itself and of its direct children are read one by one, since
    // each direct child is its own line.
    HUOJU_ASSIGN_OR_RETURN(
        auto groups, s.Query("SELECT parent_path, state, review_level, late, n FROM filing_tally "
                             "WHERE form_code = ? AND period_key = ? AND parent_path >= ? AND "
                             "parent_path < ? AND n > 0",
                             {form_code, period, lo, hi}));
    bool direct = false;
    for (size_t i = 0; i < groups.size(); ++i) {
      const std::string parent = groups.Text(i, 0);
      if (parent == node.path) {
        direct = true;
        continue;
      }
      count(IdsOfPath(parent)[child_depth], groups.Text(i, 1), groups.Int(i, 2), groups.Int(i, 3),
            groups.Int(i, 4));
    }
    HUOJU_ASSIGN_OR_RETURN(
        auto own, s.Query("SELECT state, review_level, late FROM filing WHERE form_code = ? AND "
                          "period_key = ? AND unit_id = ?",
                          {form_code, period, node.id}));
    for (size_t i = 0; i < own.size(); ++i) {
      count(node.id, own.Text(i, 0), own.Int(i, 1), own.Int(i, 2), 1);
    }
    if (direct) {
      HUOJU_ASSIGN_OR_RETURN(
          auto rows,
          s.Query("SELECT f.unit_id, f.state, f.review_level, f.late FROM org_node o CROSS JOIN "
                  "filing f WHERE o.parent_id = ? AND f.form_code = ? AND f.period_key = ? AND "
                  "f.unit_id = o.id AND f.unit_path >= ? AND f.unit_path < ?",
                  {node.id, form_code, period, lo, hi}));
      for (size_t i = 0; i < rows.size(); ++i) {
        count(rows.Int(i, 0), rows.Text(i, 1), rows.Int(i, 2), rows.Int(i, 3), 1);
      }
    }
    json children = json::array();
    for (const auto& [id, t] : by_child) {
      auto child = directory_.Get(id);
      json j = t.ToJson();
      j["node"] = {{"id", id},
                   {"name", child ? child->name : ""},
                   {"kind", child ? org::NodeKindCode(child->kind) : ""}};
      children.push_back(std::move(j));
    }
    std::sort(children.begin(), children.end(), [](const json& a, const json& b) {
      return a["submission_rate"].get<double>() < b["submission_rate"].get<double>();
    });
    out = {{"form_code", form_code},
           {"period", period},
           {"due_on", DateText(p.due_on)},
           {"review_due_on", DateText(p.review_due_on)},
           {"node", {{"id", node.id}, {"name", node.name}}},
           {"total", total.ToJson()},
           {"children", std::move(children)}};
    return Status::Ok();
  }));
  return out;
}

Result<json> Filings::NonFilers(const Principal& who, const std::string& form_code,
                                const std::string& period, int64_t node_id, int64_t offset,
                                int64_t limit) {
  HUOJU_ASSIGN_OR_RETURN(const org::OrgNode node, ProgressScope(directory_, who, node_id));
  if (limit < 1 || limit > 100000 || offset < 0) {
    return Status::InvalidField("limit", "每页条数应为 1 到 100000");
  }
  json items = json::array();
  int64_t total = 0;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    const auto [lo, hi] = SubtreeRange(node.path);
    const std::string where =
        "f.form_code = ? AND f.period_key = ? AND f.unit_path >= ? AND f.unit_path < ? AND "
        "f.state IN ('not_started', 'draft', 'returned')";
    HUOJU_ASSIGN_OR_RETURN(auto count, s.Query("SELECT COUNT(*) FROM filing f WHERE " + where,
                                               {form_code, period, lo, hi}));
    total = count.Int(0, 0);
    HUOJU_ASSIGN_OR_RETURN(
        auto rows, s.Query("SELECT f.id, f.state, o.id, o.name, o.uscc, o.contact_name, "
                           "o.contact_phone, f.unit_path FROM filing f JOIN org_node o ON o.id = "
                           "f.unit_id WHERE " +
                               where + " ORDER BY f.unit_path LIMIT ? OFFSET ?",
                           {form_code, period, lo, hi, limit, offset}));
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto state = filing::ParseState(rows.Text(i, 1)).value_or(FilingState::kNotStarted);
      // The zone (or city) the unit belongs to, for the reviewer who has to chase it.
      std::string parent_name;
      const auto ids = IdsOfPath(rows.Text(i, 7));
      if (ids.size() >= 2) {
        if (auto parent = directory_.Get(ids[ids.size() - 2])) {
          parent_name = parent->name;
        }
      }
      items.push_back(
          {{"filing_id", rows.Int(i, 0)},
           {"state", filing::StateCode(state)},
           {"state_name", filing::StateName(state)},
           {"unit", {{"id", rows.Int(i, 2)}, {"name", rows.Text(i, 3)}, {"uscc", rows.Text(i, 4)}}},
           {"parent_name", parent_name},
           {"contact_name", rows.Text(i, 5)},
           {"contact_phone", rows.Text(i, 6)}});
    }
    return Status::Ok();
  }));
  return json{{"items", std::move(items)}, {"total", total}, {"offset", offset}, {"limit", limit}};
}

namespace {

std::string FormatNumber(std::optional<double> v, int decimals = 1) {
  if (!v || !std::isfinite(*v)) {
    return "";
  }
  return fmt::format("{:.{}f}", *v, decimals);
}

std::string ChangeText(std::optional<double> now, std::optional<double> before) {
  if (!now || !before || *before == 0) {
    return "";
  }
  return fmt::format("{:.1f}", (*now / *before - 1) * 100);
}

}  // namespace

Result<json> Filings::Materials(const Principal& who, const std::string& kind,
                                const std::string& form_code, const std::string& period,
                                int64_t node_id) {
  static const std::map<std::string, std::string> kTitles = {
      {"large_revenue", "营业收入2亿元以上企业报表封面情况"},
      {"listed", "上市（挂牌）企业清单"},
      {"yoy", "企业当年数据与上年比较清单"},
      {"large_changes", "同比变化较大企业及原因说明"},
      {"revoked", "已撤销企业清单"},
      {"audit_notes", "审核错误与核实性提示说明"},
  };
  auto title = kTitles.find(kind);
  if (title == kTitles.end()) {
    return Status::NotFound(fmt::format("没有“{}”这种集中审核材料", kind));
  }
  HUOJU_ASSIGN_OR_RETURN(const org::OrgNode node, ProgressScope(directory_, who, node_id));
  // The listed-enterprise list reads GQ-001 (上市情况); the others the chosen form.
  const std::string form_used = kind == "listed" ? "GQ-001" : form_code;
  json columns;
  json numeric;
  json rows = json::array();
  constexpr size_t kMaxRows = 100000;
  const auto range = SubtreeRange(node.path);
  const std::string& lo = range.first;
  const std::string& hi = range.second;
  auto parent_name = [&](const std::string& path) {
    const auto ids = IdsOfPath(path);
    if (ids.size() >= 2) {
      if (auto p = directory_.Get(ids[ids.size() - 2])) {
        return p->name;
      }
    }
    return std::string();
  };
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    if (kind == "revoked") {
      columns = {"序号", "企业名称", "统一社会信用代码", "所属地域", "撤销原因", "撤销时间"};
      numeric = {true, false, false, false, false, false};
      HUOJU_ASSIGN_OR_RETURN(
          auto r, s.Query("SELECT o.id, o.name, o.uscc, o.region_code, o.path, o.updated_at, "
                          "(SELECT l.detail FROM audit_log l WHERE l.object_type = 'org_node' AND "
                          "l.object_id = CAST(o.id AS TEXT) AND l.action = 'org.close' ORDER BY "
                          "l.id DESC LIMIT 1) FROM org_node o WHERE o.kind = 'unit' AND "
                          "o.status <> 'active' AND o.path >= ? AND o.path < ? ORDER BY o.path",
                          {lo, hi}));
      for (size_t i = 0; i < r.size() && rows.size() < kMaxRows; ++i) {
        const json detail = ParseStored(r.Text(i, 6), json::object());
        rows.push_back({std::to_string(rows.size() + 1), r.Text(i, 1), r.Text(i, 2),
                        parent_name(r.Text(i, 4)), detail.value("reason", "（未记录）"),
                        FormatIsoUtc(r.Int(i, 5)).substr(0, 10)});
      }
      return Status::Ok();
    }
    HUOJU_ASSIGN_OR_RETURN(const PeriodForm pf, FindPeriodForm(s, catalogs_, form_used, period));
    const CatalogYear* cy = pf.catalog;
    const catalog::Form* form = pf.form;
    if (form == nullptr) {
      return Status::Unavailable("报表目录未加载");
    }
    const catalog::Indicator* size = SizeIndicator(*form);
    const std::string size_name =
        size ? size->name + (size->unit.empty() ? "" : "（" + size->unit + "）") : "规模";
    const std::string revenue_code = "qc05_0";
    // Revenue is the stored size_value when it is the form's size indicator; the wide JSON
    // columns are read only by the lists that show them.
    const bool revenue_is_size = size != nullptr && size->code == revenue_code;
    const bool need_values = kind == "listed" || (kind == "large_revenue" && !revenue_is_size);
    const bool need_notes = kind == "large_changes" || kind == "audit_notes";
    const bool need_audit = kind == "audit_notes";
    HUOJU_ASSIGN_OR_RETURN(
        auto r,
        s.Query(fmt::format("SELECT f.id, o.name, o.uscc, f.unit_path, f.state, f.version, "
                            "f.scan_version, {}, f.size_value, f.previous_size_value, {}, {}, {} "
                            "FROM filing f JOIN org_node o ON o.id = f.unit_id WHERE f.form_code "
                            "= ? AND f.period_key = ? AND f.unit_path >= ? AND f.unit_path < ? AND "
                            "f.version > 0 ORDER BY f.unit_path",
                            need_values ? "f.values_json" : "'{}'",
                            need_audit ? "f.failures_json" : "'[]'",
                            need_notes ? "f.explanations_json" : "'{}'",
                            need_audit ? "f.decisions_json" : "'{}'"),
                {form_used, period, lo, hi}));
    auto opt = [&](size_t i, size_t c) { return OptionalDouble(r, i, c); };
    if (kind == "large_revenue") {
      columns = {"序号",     "企业名称", "统一社会信用代码", "所属园区/地区", "营业收入（千元）",
                 "报表状态", "签章封面"};
      numeric = {true, false, false, false, true, false, false};
      for (size_t i = 0; i < r.size() && rows.size() < kMaxRows; ++i) {
        auto revenue = revenue_is_size
                           ? opt(i, 8)
                           : NumberOf(ParseStored(r.Text(i, 7), json::object()), revenue_code);
        if (!revenue || *revenue < 200000) {
          continue;
        }
        const int64_t version = r.Int(i, 5);
        const int64_t scan = r.Int(i, 6);
        const std::string cover = scan == 0 ? "未上传"
                                  : scan == version
                                      ? "已上传（与当前数据一致）"
                                      : fmt::format("已上传（第{}版，非当前版本）", scan);
        rows.push_back(
            {std::to_string(rows.size() + 1), r.Text(i, 1), r.Text(i, 2), parent_name(r.Text(i, 3)),
             FormatNumber(revenue),
             filing::StateName(filing::ParseState(r.Text(i, 4)).value_or(FilingState::kDraft)),
             cover});
      }
    } else if (kind == "listed") {
      columns = {"序号",     "企业名称", "统一社会信用代码", "所属园区/地区", "上市（挂牌）情况",
                 "证券代码", "上市时间", "年末市值（万元）"};
      numeric = {true, false, false, false, false, false, true, true};
      const auto* ind = form->FindIndicator("qb15");
      const CodeList* list = ind ? cy->catalog().FindCodeList(ind->type.code_list) : nullptr;
      for (size_t i = 0; i < r.size() && rows.size() < kMaxRows; ++i) {
        const json v = ParseStored(r.Text(i, 7), json::object());
        const std::string status =
            v.contains("qb15") && v["qb15"].is_string() ? v["qb15"].get<std::string>() : "";
        if (status.empty() || status == "0" || status == "9") {
          continue;
        }
        const Code* code = list ? list->Find(status) : nullptr;
        auto text = [&](const char* key) {
          return v.contains(key) ? (v[key].is_string() ? v[key].get<std::string>() : v[key].dump())
                                 : "";
        };
        rows.push_back({std::to_string(rows.size() + 1), r.Text(i, 1), r.Text(i, 2),
                        parent_name(r.Text(i, 3)), code ? code->name : status, text("qb15_1"),
                        text("qb15_2"), text("qb15_5")});
      }
    } else if (kind == "yoy" || kind == "large_changes") {
      const bool large = kind == "large_changes";
      columns = {"序号",          "企业名称",         "统一社会信用代码",
                 "所属园区/地区", "本年" + size_name, "上年" + size_name,
                 "变动（%）"};
      numeric = {true, false, false, false, true, true, true};
      if (large) {
        columns.push_back("企业说明");
        numeric.push_back(false);
      }
      double sum_now = 0;
      double sum_before = 0;
      for (size_t i = 0; i < r.size() && rows.size() < kMaxRows; ++i) {
        auto now = opt(i, 8);
        auto before = opt(i, 9);
        if (large && !(now && before && *before != 0 && std::abs(*now / *before - 1) >= 0.5)) {
          continue;
        }
        sum_now += now.value_or(0);
        sum_before += before.value_or(0);
        json row = {std::to_string(rows.size() + 1), r.Text(i, 1),      r.Text(i, 2),
                    parent_name(r.Text(i, 3)),       FormatNumber(now), FormatNumber(before),
                    ChangeText(now, before)};
        if (large) {
          std::string notes;
          for (const auto& [rule, text] : ParseStored(r.Text(i, 11), json::object()).items()) {
            notes += (notes.empty() ? "" : "；") + rule + "：" + text.get<std::string>();
          }
          row.push_back(notes);
        }
        rows.push_back(std::move(row));
      }
      if (!large && !rows.empty()) {
        rows.push_back({"", "合计", "", "", FormatNumber(sum_now), FormatNumber(sum_before),
                        ChangeText(sum_now, sum_before)});
      }
    } else {  // audit_notes
      columns = {"序号", "企业名称", "统一社会信用代码", "规则",
                 "类型", "审核提示", "企业说明",         "审核意见"};
      numeric = {true, false, false, false, false, false, false, false};
      for (size_t i = 0; i < r.size() && rows.size() < kMaxRows; ++i) {
        const std::string state = r.Text(i, 4);
        if (state != "submitted" && state != "final") {
          continue;
        }
        const json expl = ParseStored(r.Text(i, 11), json::object());
        const json decisions = ParseStored(r.Text(i, 12), json::object());
        for (const auto& f : ParseStored(r.Text(i, 10), json::array())) {
          const std::string rule = f.value("rule_id", "");
          std::string decision;
          if (decisions.contains(rule)) {
            decision = decisions[rule].value("accepted", false) ? "认可" : "不认可";
            const std::string comment = decisions[rule].value("comment", "");
            if (!comment.empty()) {
              decision += "：" + comment;
            }
          }
          rows.push_back({std::to_string(rows.size() + 1), r.Text(i, 1), r.Text(i, 2), rule,
                          f.value("severity", "") == "error" ? "错误" : "核实性提示",
                          f.value("message", ""), expl.value(rule, ""), decision});
        }
      }
    }
    return Status::Ok();
  }));
  return json{{"kind", kind},
              {"title", title->second},
              {"subtitle_lines",
               {fmt::format("范围：{}", node.name),
                kind == "revoked" ? "" : fmt::format("报表：{}  报告期：{}", form_used, period),
                fmt::format("生成时间：{}", FormatIsoUtc(clock_.NowMillis()).substr(0, 16))}},
              {"columns", std::move(columns)},
              {"numeric_columns", std::move(numeric)},
              {"rows", std::move(rows)}};
}

Result<json> Filings::Notifications(const Principal& who) {
  json out = {{"tasks", json::array()}, {"returns", json::array()}, {"reviews", json::array()}};
  const int today = filing::BeijingDay(clock_.NowMillis());
  if (who.role == identity::Role::kFiller) {
    HUOJU_ASSIGN_OR_RETURN(auto tasks, MyTasks(who));
    for (auto& t : tasks["items"]) {
      if (t["state"] == "final" || t["state"] == "submitted") {
        continue;
      }
      if (t["state"] == "returned") {
        out["returns"].push_back(t);
      }
      out["tasks"].push_back(std::move(t));
    }
    return out;
  }
  if (who.role != identity::Role::kReviewer && who.role != identity::Role::kCenter) {
    return out;
  }
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(
        auto periods,
        s.Query(fmt::format("SELECT {} FROM survey_period ORDER BY period_key DESC, form_code",
                            kPeriodColumns)));
    const auto [lo, hi] = SubtreeRange(who.scope.path);
    for (size_t i = 0; i < periods.size(); ++i) {
      const PeriodRow p = ReadPeriod(periods, i);
      const CatalogYear* cy = catalogs_.Year(p.catalog_year);
      const catalog::Form* form = cy == nullptr ? nullptr : cy->catalog().FindForm(p.form_code);
      if (form == nullptr) {
        continue;
      }
      auto level = filing::ReviewerLevel(who, form->review_chain);
      if (!level) {
        continue;
      }
      HUOJU_ASSIGN_OR_RETURN(
          auto count,
          s.Query("SELECT COUNT(*) FROM filing WHERE form_code = ? AND period_key = ? AND "
                  "state = 'submitted' AND review_level = ? AND unit_path >= ? AND unit_path < ?",
                  {p.form_code, p.period_key, static_cast<int64_t>(*level), lo, hi}));
      const int64_t waiting = count.Int(0, 0);
      if (waiting > 0) {
        out["reviews"].push_back({{"form_code", p.form_code},
                                  {"form_title", form->title},
                                  {"period", p.period_key},
                                  {"waiting", waiting},
                                  {"review_due_on", DateText(p.review_due_on)},
                                  {"days_left", p.review_due_on - today}});
      }
    }
    return Status::Ok();
  }));
  return out;
}

}  // namespace huoju::app
