// The columnar snapshot and its catch-up from the store (include/huoju/analytics/snapshot.hpp).
#include "huoju/analytics/snapshot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>

#include "huoju/analytics/size_class.hpp"
#include "huoju/filing/workflow.hpp"
#include "huoju/org/code_list.hpp"

namespace huoju::analytics {
namespace {

constexpr std::array<const char*, kDimensionCount> kDimensionNames = {
    "省份",     "地市",         "园区",     "行业门类", "行业大类",
    "技术领域", "登记注册类型", "企业规模", "填报状态"};

// The catch-up reads the narrow columns; building reads values_json too (index 8).
constexpr const char* kChangeColumns =
    "id, unit_id, unit_path, state, review_level, version, updated_at, form_code";
constexpr const char* kFilingColumns =
    "id, unit_id, unit_path, state, review_level, version, updated_at, form_code, values_json";

int64_t WallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

size_t SkipSpace(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) {
    ++i;
  }
  return i;
}

// Index just past the string that starts at s[i] == '"'; npos when unterminated.
size_t SkipString(std::string_view s, size_t i, bool& escaped) {
  escaped = false;
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      escaped = true;
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Index just past the value that starts at s[i] (array, object, literal or number).
size_t SkipValue(std::string_view s, size_t i) {
  if (i >= s.size()) {
    return std::string_view::npos;
  }
  if (s[i] == '[' || s[i] == '{') {
    int depth = 0;
    for (; i < s.size(); ++i) {
      const char c = s[i];
      if (c == '"') {
        bool escaped = false;
        i = SkipString(s, i, escaped);
        if (i == std::string_view::npos) {
          return i;
        }
        --i;
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if (c == ']' || c == '}') {
        if (--depth == 0) {
          return i + 1;
        }
      }
    }
    return std::string_view::npos;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ' ' && s[i] != '\n' &&
         s[i] != '\r' && s[i] != '\t') {
    ++i;
  }
  return i;
}

Status NotAnObject() {
  return Status::Invalid("报表数据不是 JSON 对象");
}

std::string_view Prefix(std::string_view s, size_t n) {
  return s.size() >= n ? s.substr(0, n) : std::string_view();
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

uint8_t StateId(const std::string& code) {
  auto st = filing::ParseState(code);
  return static_cast<uint8_t>(st ? *st : filing::FilingState::kNotStarted);
}

}  // namespace

const char* DimensionCode(Dimension d) {
  // The catalog names the dimensions (summary layouts are checked against them).
  return catalog::SummaryDimensions()[static_cast<size_t>(d)].c_str();
}

const char* DimensionName(Dimension d) {
  return kDimensionNames[static_cast<size_t>(d)];
}

std::optional<Dimension> ParseDimension(std::string_view code) {
  for (size_t i = 0; i < kDimensionCount; ++i) {
    if (code == catalog::SummaryDimensions()[i]) {
      return static_cast<Dimension>(i);
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- scanning values_json

Status ScanValues(std::string_view s,
                  const std::function<void(std::string_view, const ScannedValue&)>& fn) {
  size_t i = SkipSpace(s, 0);
  if (i >= s.size() || s[i] != '{') {
    return NotAnObject();
  }
  i = SkipSpace(s, i + 1);
  if (i < s.size() && s[i] == '}') {
    return Status::Ok();
  }
  while (i < s.size()) {
    if (s[i] != '"') {
      return NotAnObject();
    }
    bool escaped = false;
    const size_t key_end = SkipString(s, i, escaped);
    if (key_end == std::string_view::npos) {
      return NotAnObject();
    }
    const std::string_view key = s.substr(i + 1, key_end - i - 2);
    i = SkipSpace(s, key_end);
    if (i >= s.size() || s[i] != ':') {
      return NotAnObject();
    }
    i = SkipSpace(s, i + 1);
    if (i >= s.size()) {
      return NotAnObject();
    }
    const char c = s[i];
    if (c == '"') {
      const size_t end = SkipString(s, i, escaped);
      if (end == std::string_view::npos) {
        return NotAnObject();
      }
      // Codes and numbers never carry escapes; a value that does is not one of ours.
      if (!escaped) {
        fn(key, ScannedValue{true, s.substr(i + 1, end - i - 2)});
      }
      i = end;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const size_t end = SkipValue(s, i);
      if (end == std::string_view::npos) {
        return NotAnObject();
      }
      fn(key, ScannedValue{false, s.substr(i, end - i)});
      i = end;
    } else {
      i = SkipValue(s, i);
      if (i == std::string_view::npos) {
        return NotAnObject();
      }
    }
    i = SkipSpace(s, i);
    if (i < s.size() && s[i] == ',') {
      i = SkipSpace(s, i + 1);
      continue;
    }
    if (i < s.size() && s[i] == '}') {
      return Status::Ok();
    }
    return NotAnObject();
  }
  return NotAnObject();
}

std::optional<double> NumberOf(const ScannedValue& v) {
  std::string_view t = v.text;
  if (v.is_string) {
    while (!t.empty() && t.front() == ' ') {
      t.remove_prefix(1);
    }
    while (!t.empty() && t.back() == ' ') {
      t.remove_suffix(1);
    }
  }
  if (t.empty()) {
    return std::nullopt;
  }
  double d = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
  if (ec != std::errc() || p != t.data() + t.size() || !std::isfinite(d)) {
    return std::nullopt;
  }
  return d;
}

// ---------------------------------------------------------------- dictionary

Dictionary::Dictionary() {
  codes_.emplace_back(kNoValue);
  ids_.emplace(std::string(kNoValue), 0);
}

uint32_t Dictionary::Intern(std::string_view code) {
  if (code.empty()) {
    return 0;
  }
  std::lock_guard lock(mu_);
  auto it = ids_.find(std::string(code));
  if (it != ids_.end()) {
    return it->second;
  }
  const auto id = static_cast<uint32_t>(codes_.size());
  codes_.emplace_back(code);
  ids_.emplace(std::string(code), id);
  return id;
}

std::optional<uint32_t> Dictionary::Find(std::string_view code) const {
  std::lock_guard lock(mu_);
  auto it = ids_.find(std::string(code));
  if (it == ids_.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::string Dictionary::Code(uint32_t id) const {
  std::lock_guard lock(mu_);
  return id < codes_.size() ? codes_[id] : std::string(kNoValue);
}

size_t Dictionary::size() const {
  std::lock_guard lock(mu_);
  return codes_.size();
}

// ---------------------------------------------------------------- snapshot

size_t Snapshot::MemoryBytes() const {
  size_t n = 0;
  for (const auto& c : columns) {
    n += c.values.capacity() * sizeof(double) + c.missing.capacity() * sizeof(uint64_t);
  }
  n += (filing_id.capacity() + unit_id.capacity() + version.capacity() + updated_at.capacity()) *
       sizeof(int64_t);
  n += unit_path.capacity() * sizeof(std::string);
  for (const auto& p : unit_path) {
    n += p.capacity() > 15 ? p.capacity() + 1 : 0;
  }
  n += state.capacity() + review_level.capacity();
  for (const auto& d : dims) {
    n += d.capacity() * sizeof(uint32_t);
  }
  // Hash maps: a node (key, value, next pointer, cached hash) plus a bucket pointer per entry.
  n += (row_of_filing.size() + row_of_unit.size()) * (sizeof(int64_t) * 2 + 16 + 8);
  n += attributes.size() * (sizeof(int64_t) + sizeof(UnitAttributes) + 24);
  n += attribute_seen.size() * (sizeof(int64_t) * 3 + 24);
  return n;
}

// ---------------------------------------------------------------- snapshots

struct Snapshots::Entry {
  Key key;
  std::mutex refresh_mu;  // one builder or catcher-up at a time
  std::unique_ptr<Snapshot> snap;
  std::vector<std::string> forms;  // the form and the forms its dimensions come from
};

// One filing row read from the store, parsed outside the data lock.
struct Snapshots::Change {
  bool main = false;      // a filing of the snapshot's form (else of an attribute form only)
  size_t source_row = 0;  // its index in the store rows
  int64_t filing_id = 0, unit_id = 0, version = 0, updated_at = 0;
  std::string path;
  uint8_t state = 0, review_level = 0;
  std::vector<std::pair<size_t, double>> values;  // column, value
  // Attributes this filing's form provides (set = provided, value may be blank).
  bool has_registration_type = false, has_high_tech_field = false, has_employees = false,
       has_revenue = false, has_assets = false;
  Snapshot::UnitAttributes attributes;
};

Snapshots::Snapshots(store::Database& db, const org::Directory& directory, CatalogLookup catalogs,
                     Options options, DimensionSources sources)
    : db_(db),
      directory_(directory),
      catalogs_(std::move(catalogs)),
      options_(options),
      sources_(std::move(sources)) {}

Snapshots::~Snapshots() = default;

std::vector<std::string> Snapshots::AttributeForms(const std::string& form_code) const {
  std::vector<std::string> forms = {form_code};
  for (const auto* src : {&sources_.registration_type, &sources_.high_tech_field,
                          &sources_.employees, &sources_.revenue, &sources_.assets}) {
    if (std::find(forms.begin(), forms.end(), src->form) == forms.end()) {
      forms.push_back(src->form);
    }
  }
  return forms;
}

Result<Snapshots::Entry*> Snapshots::EntryFor(const Key& key) {
  std::lock_guard lock(entries_mu_);
  auto& e = entries_[key];
  if (!e) {
    e = std::make_unique<Entry>();
    e->key = key;
    e->forms = AttributeForms(key.first);
  }
  return e.get();
}

void Snapshots::Rebuild(const std::string& form_code, const std::string& period_key) {
  Entry* e = nullptr;
  {
    std::lock_guard lock(entries_mu_);
    auto it = entries_.find({form_code, period_key});
    if (it == entries_.end()) {
      return;
    }
    e = it->second.get();
  }
  std::lock_guard refresh(e->refresh_mu);
  std::unique_lock data(data_mu_);
  e->snap.reset();
}

Status Snapshots::Read(const std::vector<Key>& keys,
                       const std::function<Status(const std::vector<const Snapshot*>&)>& fn) {
  std::vector<Entry*> entries;
  for (const Key& key : keys) {
    HUOJU_ASSIGN_OR_RETURN(Entry * e, EntryFor(key));
    std::lock_guard refresh(e->refresh_mu);
    if (!e->snap) {
      HUOJU_RETURN_IF_ERROR(Build(*e));
    } else {
      HUOJU_RETURN_IF_ERROR(CatchUp(*e));
    }
    entries.push_back(e);
  }
  std::shared_lock data(data_mu_);
  std::vector<const Snapshot*> snaps;
  for (Entry* e : entries) {
    if (!e->snap) {  // dropped by Rebuild() meanwhile
      return Status::Unavailable("汇总数据正在重建，请稍后重试");
    }
    snaps.push_back(e->snap.get());
  }
  return fn(snaps);
}

Status Snapshots::ApplyRows(Snapshot& s, const store::Rows& rows, bool building) {
  std::vector<Change> changes;
  changes.reserve(rows.size());
  {
    // Decide what changed under a shared lock (a catch-up re-reads its lag window every time).
    std::shared_lock<std::shared_mutex> data;
    if (!building) {
      data = std::shared_lock(data_mu_);
    }
    for (size_t i = 0; i < rows.size(); ++i) {
      Change c;
      c.filing_id = rows.Int(i, 0);
      c.unit_id = rows.Int(i, 1);
      c.state = StateId(rows.Text(i, 3));
      c.review_level = static_cast<uint8_t>(rows.Int(i, 4));
      c.version = rows.Int(i, 5);
      c.updated_at = rows.Int(i, 6);
      c.main = rows.Text(i, 7) == s.form_code;
      if (c.main) {
        auto it = s.row_of_filing.find(c.filing_id);
        if (it != s.row_of_filing.end() && s.version[it->second] == c.version &&
            s.updated_at[it->second] == c.updated_at && s.state[it->second] == c.state &&
            s.review_level[it->second] == c.review_level) {
          continue;
        }
      } else {
        auto it = s.attribute_seen.find(c.filing_id);
        if (it != s.attribute_seen.end() && it->second == std::make_pair(c.version, c.updated_at)) {
          continue;
        }
      }
      c.source_row = i;
      c.path = rows.Text(i, 2);
      changes.push_back(std::move(c));
    }
  }
  // While building, the rows carry values_json; a catch-up reads it only for the filings that
  // changed (its window re-reads unchanged ones every time).
  std::unordered_map<int64_t, std::string> fetched;
  if (!building) {
    for (size_t from = 0; from < changes.size(); from += 500) {
      const size_t to = std::min(changes.size(), from + 500);
      std::string in;
      store::Params ids;
      for (size_t i = from; i < to; ++i) {
        in += in.empty() ? "?" : ", ?";
        ids.emplace_back(changes[i].filing_id);
      }
      HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& session) -> Status {
        HUOJU_ASSIGN_OR_RETURN(
            auto v,
            session.Query("SELECT id, values_json FROM filing WHERE id IN (" + in + ")", ids));
        for (size_t i = 0; i < v.size(); ++i) {
          fetched[v.Int(i, 0)] = v.Text(i, 1);
        }
        return Status::Ok();
      }));
    }
  }
  // Parse outside any lock.
  for (Change& c : changes) {
    const std::string form_code = rows.Text(c.source_row, 7);
    c.has_registration_type = form_code == sources_.registration_type.form;
    c.has_high_tech_field = form_code == sources_.high_tech_field.form;
    c.has_employees = form_code == sources_.employees.form;
    c.has_revenue = form_code == sources_.revenue.form;
    c.has_assets = form_code == sources_.assets.form;
    // A filing changed again since the narrow read keeps its new values; the next catch-up
    // sees its newer updated_at and applies the rest.
    std::string values = "{}";  // a filing gone meanwhile: no values
    if (building) {
      values = rows.Text(c.source_row, 8);
    } else if (auto f = fetched.find(c.filing_id); f != fetched.end()) {
      values = std::move(f->second);
    }
    Status st = ScanValues(values, [&](std::string_view key, const ScannedValue& v) {
      if (c.main) {
        auto it = s.indicator_index.find(std::string(key));
        if (it != s.indicator_index.end()) {
          if (auto d = NumberOf(v)) {
            c.values.emplace_back(it->second, *d);
          }
        }
      }
      if (c.has_registration_type && key == sources_.registration_type.indicator) {
        c.attributes.registration_type = v.text;
      }
      if (c.has_high_tech_field && key == sources_.high_tech_field.indicator) {
        c.attributes.high_tech_field = v.text;
      }
      if (c.has_employees && key == sources_.employees.indicator) {
        c.attributes.employees = NumberOf(v);
      }
      if (c.has_revenue && key == sources_.revenue.indicator) {
        c.attributes.revenue = NumberOf(v);
      }
      if (c.has_assets && key == sources_.assets.indicator) {
        c.attributes.assets = NumberOf(v);
      }
    });
    if (!st.ok()) {
      return Status::Internal(fmt::format("报表 {} 的数据无法读取：{}", c.filing_id, st.message()));
    }
  }
  // Apply.
  std::unique_lock<std::shared_mutex> data;
  if (!building) {
    data = std::unique_lock(data_mu_);
  }
  const size_t ncols = s.indicators.size();
  for (const Change& c : changes) {
    s.cursor = std::max(s.cursor, c.updated_at);
    if (c.main) {
      size_t row = 0;
      auto it = s.row_of_filing.find(c.filing_id);
      if (it == s.row_of_filing.end()) {
        row = s.rows();
        if (row > 0 && c.unit_id < s.unit_id.back()) {
          s.unit_ordered = false;
        }
        s.filing_id.push_back(c.filing_id);
        s.unit_id.push_back(c.unit_id);
        s.version.push_back(0);
        s.updated_at.push_back(0);
        s.unit_path.emplace_back();
        s.state.push_back(0);
        s.review_level.push_back(0);
        for (auto& d : s.dims) {
          d.push_back(0);
        }
        for (auto& col : s.columns) {
          col.values.push_back(0);
          if (col.missing.size() * 64 < row + 1) {
            col.missing.push_back(0);
          }
        }
        s.row_of_filing.emplace(c.filing_id, static_cast<uint32_t>(row));
        s.row_of_unit[c.unit_id] = static_cast<uint32_t>(row);
      } else {
        row = it->second;
      }
      s.version[row] = c.version;
      s.updated_at[row] = c.updated_at;
      s.unit_path[row] = c.path;
      s.state[row] = c.state;
      s.review_level[row] = c.review_level;
      const uint64_t bit = uint64_t{1} << (row % 64);
      for (size_t col = 0; col < ncols; ++col) {
        s.columns[col].values[row] = 0;
        s.columns[col].missing[row / 64] |= bit;
      }
      for (const auto& [col, v] : c.values) {
        s.columns[col].values[row] = v;
        s.columns[col].missing[row / 64] &= ~bit;
      }
      s.dims[static_cast<size_t>(Dimension::kState)][row] =
          dictionaries_[static_cast<size_t>(Dimension::kState)].Intern(
              filing::StateCode(static_cast<filing::FilingState>(c.state)));
      SetUnitDimensions(s, row);
    } else {
      s.attribute_seen[c.filing_id] = {c.version, c.updated_at};
    }
    if (c.has_registration_type || c.has_high_tech_field || c.has_employees || c.has_revenue ||
        c.has_assets) {
      auto& a = s.attributes[c.unit_id];
      if (c.has_registration_type) {
        a.registration_type = c.attributes.registration_type;
      }
      if (c.has_high_tech_field) {
        a.high_tech_field = c.attributes.high_tech_field;
      }
      if (c.has_employees) {
        a.employees = c.attributes.employees;
      }
      if (c.has_revenue) {
        a.revenue = c.attributes.revenue;
      }
      if (c.has_assets) {
        a.assets = c.attributes.assets;
      }
      if (!building) {
        auto r = s.row_of_unit.find(c.unit_id);
        if (r != s.row_of_unit.end()) {
          SetAttributeDimensions(s, r->second);
        }
      }
    }
  }
  return Status::Ok();
}

void Snapshots::SetUnitDimensions(Snapshot& s, size_t row) {
  auto dict = [&](Dimension d) -> Dictionary& { return dictionaries_[static_cast<size_t>(d)]; };
  auto set = [&](Dimension d, std::string_view code) {
    s.dims[static_cast<size_t>(d)][row] = dict(d).Intern(code);
  };
  auto unit = directory_.Get(s.unit_id[row]);
  std::string province, city, zone, section, division;
  if (unit) {
    for (const auto& n : directory_.Lineage(unit->parent_id)) {
      if (n.kind == org::NodeKind::kProvince) {
        province = std::to_string(n.id);
      } else if (n.kind == org::NodeKind::kCity) {
        city = std::to_string(n.id);
      } else if (n.kind == org::NodeKind::kZone) {
        zone = std::to_string(n.id);
      }
    }
    if (unit->zone_id > 0) {
      zone = std::to_string(unit->zone_id);
    }
    if (AllDigits(Prefix(unit->industry_code, 2))) {
      division = std::string(Prefix(unit->industry_code, 2));
      if (const Code* c = org::Industries().Find(division)) {
        section = c->parent;
      }
    }
  }
  set(Dimension::kProvince, province);
  set(Dimension::kCity, city);
  set(Dimension::kZone, zone);
  set(Dimension::kIndustrySection, section);
  set(Dimension::kIndustryDivision, division);
  SetAttributeDimensions(s, row);
}

void Snapshots::SetAttributeDimensions(Snapshot& s, size_t row) {
  auto set = [&](Dimension d, std::string_view code) {
    s.dims[static_cast<size_t>(d)][row] = dictionaries_[static_cast<size_t>(d)].Intern(code);
  };
  auto it = s.attributes.find(s.unit_id[row]);
  if (it == s.attributes.end()) {
    set(Dimension::kRegistrationType, "");
    set(Dimension::kHighTechField, "");
    set(Dimension::kSizeClass, "");
    return;
  }
  const auto& a = it->second;
  set(Dimension::kRegistrationType, a.registration_type);
  set(Dimension::kHighTechField, a.high_tech_field);
  std::string size;
  auto unit = directory_.Get(s.unit_id[row]);
  if (unit) {
    SizeInputs in;
    in.employees = a.employees;
    // The forms report 千元; the rules read 万元.
    if (a.revenue) {
      in.revenue_wan = *a.revenue / 10;
    }
    if (a.assets) {
      in.assets_wan = *a.assets / 10;
    }
    if (auto c = ClassifySize(unit->industry_code, in)) {
      size = SizeClassCode(*c);
    }
  }
  set(Dimension::kSizeClass, size);
}

Status Snapshots::Build(Entry& e) {
  const std::string& form_code = e.key.first;
  const std::string& period_key = e.key.second;
  auto snap = std::make_unique<Snapshot>();
  snap->form_code = form_code;
  snap->period_key = period_key;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(auto p,
                           s.Query("SELECT catalog_year FROM survey_period WHERE form_code = ? AND "
                                   "period_key = ?",
                                   {form_code, period_key}));
    if (p.empty()) {
      return Status::InvalidField(
          "period", fmt::format("报表 {} 没有报告期 {}（尚未开放）", form_code, period_key));
    }
    snap->catalog_year = static_cast<int>(p.Int(0, 0));
    return Status::Ok();
  }));
  const catalog::Catalog* cat = catalogs_(snap->catalog_year);
  const catalog::Form* form = cat == nullptr ? nullptr : cat->FindForm(form_code);
  if (form == nullptr) {
    return Status::InvalidField("form", fmt::format("报表 {} 不存在", form_code));
  }
  for (const auto& ind : form->indicators) {
    if (ind.type.IsNumber() && ind.type.kind != catalog::ValueType::kYear) {
      snap->indicator_index.emplace(ind.code, snap->indicators.size());
      snap->indicators.push_back(ind.code);
    }
  }
  snap->columns.resize(snap->indicators.size());
  // The form's filings in unit order, then the attribute forms', each a page at a time.
  for (const std::string& f : e.forms) {
    int64_t after = -1;
    for (;;) {
      store::Rows rows;
      HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
        HUOJU_ASSIGN_OR_RETURN(
            rows, s.Query(fmt::format("SELECT {} FROM filing WHERE form_code = ? AND period_key = "
                                      "? AND unit_id > ? ORDER BY unit_id LIMIT ?",
                                      kFilingColumns),
                          {f, period_key, after, static_cast<int64_t>(options_.page_rows)}));
        return Status::Ok();
      }));
      if (rows.empty()) {
        break;
      }
      after = rows.Int(rows.size() - 1, 1);
      HUOJU_RETURN_IF_ERROR(ApplyRows(*snap, rows, /*building=*/true));
      if (rows.size() < options_.page_rows) {
        break;
      }
    }
  }
  for (size_t row = 0; row < snap->rows(); ++row) {
    SetAttributeDimensions(*snap, row);
  }
  snap->refreshed_at = WallMillis();
  // Published whole: readers never see a snapshot being built.
  std::unique_lock data(data_mu_);
  e.snap = std::move(snap);
  return Status::Ok();
}

Status Snapshots::CatchUp(Entry& e) {
  const std::string& period_key = e.key.second;
  std::string in;
  store::Params params = {period_key};
  for (const auto& f : e.forms) {
    in += in.empty() ? "?" : ", ?";
    params.emplace_back(f);
  }
  int64_t from = 0;
  {
    std::shared_lock data(data_mu_);
    from = e.snap->cursor - options_.lag_millis;
  }
  // Keyset pages over (updated_at, id), so a bulk change is read in bounded pieces.
  int64_t after_at = from;
  int64_t after_id = -1;
  for (;;) {
    store::Params p = params;
    p.emplace_back(after_at);
    p.emplace_back(after_at);
    p.emplace_back(after_id);
    p.emplace_back(static_cast<int64_t>(options_.page_rows));
    store::Rows rows;
    HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
      HUOJU_ASSIGN_OR_RETURN(
          rows, s.Query(fmt::format("SELECT {} FROM filing WHERE period_key = ? AND form_code IN "
                                    "({}) AND updated_at >= ? AND (updated_at > ? OR id > ?) "
                                    "ORDER BY updated_at, id LIMIT ?",
                                    kChangeColumns, in),
                        p));
      return Status::Ok();
    }));
    if (rows.empty()) {
      break;
    }
    after_at = rows.Int(rows.size() - 1, 6);
    after_id = rows.Int(rows.size() - 1, 0);
    HUOJU_RETURN_IF_ERROR(ApplyRows(*e.snap, rows, /*building=*/false));
    if (rows.size() < options_.page_rows) {
      break;
    }
  }
  std::unique_lock data(data_mu_);
  e.snap->refreshed_at = WallMillis();
  return Status::Ok();
}

std::string Snapshots::ValueName(Dimension d, const std::string& code, int catalog_year) const {
  if (code == kNoValue || code.empty()) {
    return "未分类";
  }
  switch (d) {
    case Dimension::kProvince:
    case Dimension::kCity:
    case Dimension::kZone: {
      int64_t id = 0;
      std::from_chars(code.data(), code.data() + code.size(), id);
      auto n = directory_.Get(id);
      return n ? n->name : code;
    }
    case Dimension::kIndustrySection:
    case Dimension::kIndustryDivision: {
      const Code* c = org::Industries().Find(code);
      return c ? c->name : code;
    }
    case Dimension::kHighTechField:
    case Dimension::kRegistrationType: {
      const auto& src =
          d == Dimension::kHighTechField ? sources_.high_tech_field : sources_.registration_type;
      const catalog::Catalog* cat = catalogs_(catalog_year);
      const catalog::Form* f = cat == nullptr ? nullptr : cat->FindForm(src.form);
      const catalog::Indicator* ind = f == nullptr ? nullptr : f->FindIndicator(src.indicator);
      const CodeList* list = ind == nullptr ? nullptr : cat->FindCodeList(ind->type.code_list);
      const Code* c = list == nullptr ? nullptr : list->Find(code);
      return c ? c->name : code;
    }
    case Dimension::kSizeClass: {
      for (auto c : {SizeClass::kLarge, SizeClass::kMedium, SizeClass::kSmall, SizeClass::kMicro}) {
        if (code == SizeClassCode(c)) {
          return SizeClassName(c);
        }
      }
      return code;
    }
    case Dimension::kState: {
      auto st = filing::ParseState(code);
      return st ? filing::StateName(*st) : code;
    }
  }
  return code;
}

}  // namespace huoju::analytics
