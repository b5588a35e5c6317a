// Catalog loader: YAML files of one catalog year → Catalog (docs/catalog-format.md).
//
// Every problem is collected (never thrown) so that `huoju catalog check` shows them all at once.
// Reading is schema-driven: each mapping lists its allowed keys, and the typed accessors of
// `Fields` report missing keys, wrong types and typos themselves, so the per-file code reads top
// to bottom like the format description.
#include "huoju/catalog/loader.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>

namespace huoju::catalog {

std::string Problem::ToString() const {
  if (source.line <= 0) {
    return fmt::format("{}: {}", source.file, message);
  }
  return fmt::format("{}:{}:{}: {}", source.file, source.line, source.column, message);
}

namespace {

namespace fs = std::filesystem;

enum class Need { kOptional, kRequired };

/// One parsed YAML file.
struct Doc {
  std::string rel;   ///< path relative to the catalog directory, '/'-separated
  std::string text;  ///< raw bytes, to place expressions precisely
  YAML::Node root;
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsIdentChar(char c) {
  return IsIdentStart(c) || (c >= '0' && c <= '9');
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || !IsIdentStart(s.front())) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), IsIdentChar);
}

// Words of the rule language that cannot name an indicator, column or table.
bool IsReservedWord(std::string_view s) {
  static const std::set<std::string_view> kWords = {"and",  "or",    "not",   "in",
                                                    "true", "false", "where", "rows"};
  return kWords.count(s) > 0;
}

std::optional<int> ParseInt(std::string_view s) {
  s = Trim(s);
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) {
      out += sep;
    }
    out += s;
  }
  return out;
}

const char* KindName(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "映射";
    case YAML::NodeType::Sequence:
      return "列表";
    case YAML::NodeType::Scalar:
      return "单个值";
    default:
      return "空值";
  }
}

/// Parses an indicator/column type string. Returns an error message (Chinese) or empty.
std::string ParseType(std::string_view text, IndicatorType& out) {
  std::string_view s = Trim(text);
  std::string_view name = s;
  std::vector<std::string_view> args;
  bool has_args = false;
  if (auto open = s.find('('); open != std::string_view::npos) {
    if (s.back() != ')') {
      return fmt::format("类型“{}”缺少右括号", s);
    }
    has_args = true;
    name = Trim(s.substr(0, open));
    std::string_view inner = s.substr(open + 1, s.size() - open - 2);
    size_t start = 0;
    for (;;) {
      size_t comma = inner.find(',', start);
      args.push_back(Trim(inner.substr(start, comma == inner.npos ? inner.npos : comma - start)));
      if (comma == inner.npos) {
        break;
      }
      start = comma + 1;
    }
  }
  auto arity = [&](size_t n, const char* form) -> std::string {
    if (args.size() != n ||
        std::any_of(args.begin(), args.end(), [](std::string_view a) { return a.empty(); })) {
      return fmt::format("类型“{}”应写成 {}", s, form);
    }
    return "";
  };
  IndicatorType t;
  if (name == "int" || name == "percent" || name == "year" || name == "date" || name == "bool" ||
      name == "file" || (name == "text" && !has_args)) {
    if (has_args) {
      return fmt::format("类型 {} 不带参数", name);
    }
    t.kind = name == "int"       ? ValueType::kInt
             : name == "percent" ? ValueType::kPercent
             : name == "year"    ? ValueType::kYear
             : name == "date"    ? ValueType::kDate
             : name == "bool"    ? ValueType::kBool
             : name == "file"    ? ValueType::kFile
                                 : ValueType::kText;
  } else if (name == "decimal") {
    if (auto e = arity(2, "decimal(p,s)，如 decimal(15,1)"); !e.empty()) {
      return e;
    }
    auto p = ParseInt(args[0]);
    auto sc = ParseInt(args[1]);
    // Values are doubles: 18 digits is the most that still means something.
    if (!p || !sc || *p < 1 || *p > 18 || *sc < 0 || *sc > *p) {
      return fmt::format("类型“{}”的精度无效：应满足 1 ≤ p ≤ 18、0 ≤ s ≤ p", s);
    }
    t.kind = ValueType::kDecimal;
    t.precision = *p;
    t.scale = *sc;
  } else if (name == "text") {
    if (auto e = arity(1, "text(n) 或 text"); !e.empty()) {
      return e;
    }
    auto n = ParseInt(args[0]);
    if (!n || *n < 1) {
      return fmt::format("类型“{}”的长度应为正整数", s);
    }
    t.kind = ValueType::kText;
    t.max_chars = *n;
  } else if (name == "code") {
    if (auto e = arity(1, "code(代码表)"); !e.empty()) {
      return e;
    }
    t.kind = ValueType::kCode;
    t.code_list = std::string(args[0]);
  } else if (name == "multi_code") {
    if (auto e = arity(2, "multi_code(代码表, 最多选择数)"); !e.empty()) {
      return e;
    }
    auto n = ParseInt(args[1]);
    if (!n || *n < 1) {
      return fmt::format("类型“{}”的最多选择数应为正整数", s);
    }
    t.kind = ValueType::kMultiCode;
    t.code_list = std::string(args[0]);
    t.max_selected = *n;
  } else {
    return fmt::format(
        "未知类型“{}”（可用: int, decimal(p,s), percent, year, text(n), text, date, bool, "
        "code(代码表), multi_code(代码表, n), file）",
        s);
  }
  out = t;
  return "";
}

/// Identifiers a formula reads from its own form: skips `prev(...)` (the previous period cannot
/// form a cycle), string literals, function names, `FORM.x` references and `table[*]` columns.
std::vector<std::string> LocalReferences(std::string_view f) {
  std::vector<std::string> out;
  size_t i = 0;
  auto skip_space = [&](size_t j) {
    while (j < f.size() && (f[j] == ' ' || f[j] == '\t' || f[j] == '\n')) {
      ++j;
    }
    return j;
  };
  while (i < f.size()) {
    char c = f[i];
    if (c == '"') {
      for (++i; i < f.size() && f[i] != '"'; ++i) {
        if (f[i] == '\\') {
          ++i;
        }
      }
      ++i;
      continue;
    }
    if (!IsIdentStart(c) || (i > 0 && (IsIdentChar(f[i - 1]) || f[i - 1] == '.'))) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < f.size() && IsIdentChar(f[end])) {
      ++end;
    }
    std::string_view word = f.substr(i, end - i);
    size_t next = skip_space(end);
    char after = next < f.size() ? f[next] : '\0';
    if (word == "prev" && after == '(') {
      int depth = 0;
      for (i = next; i < f.size(); ++i) {
        depth += f[i] == '(' ? 1 : f[i] == ')' ? -1 : 0;
        if (depth == 0) {
          break;
        }
      }
      ++i;
      continue;
    }
    if (after != '(' && after != '.' && after != '[' && !IsReservedWord(word)) {
      out.emplace_back(word);
    }
    i = end;
  }
  return out;
}

class Loader;

/// One YAML mapping being read. Reports (through the loader) a non-mapping node, unknown and
/// duplicate keys at construction, and missing or ill-typed values in the accessors; accessors
/// return an empty/default value after reporting, so callers simply read on.
class Fields {
 public:
  Fields(Loader& loader, const Doc& doc, const YAML::Node& node, std::string what,
         std::initializer_list<std::string_view> allowed, std::string_view name_key = "code");

  bool is_map() const { return is_map_; }
  /// `指标 qc55 `: the thing being read, ready to prefix a Chinese message.
  const std::string& what() const { return what_; }
  /// what() without the trailing space, to prefix a `: ` message.
  std::string_view name() const { return Trim(what_); }
  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  /// The value; only call after Has().
  const YAML::Node& Get(std::string_view key) const { return *Find(key); }
  /// Position of the value, or of the mapping when the key is absent or the value empty.
  SourceRef At(std::string_view key) const;

  std::string Text(std::string_view key, Need need);
  /// Text of an expression; `where` receives the position of its first character.
  std::string Expr(std::string_view key, Need need, SourceRef* where);
  std::optional<int> Int(std::string_view key, Need need);
  std::optional<double> Number(std::string_view key, Need need);
  std::optional<bool> Bool(std::string_view key, Need need);
  std::vector<std::string> TextList(std::string_view key, Need need);
  /// The value when it is a sequence (resp. mapping); reports otherwise.
  std::optional<YAML::Node> Seq(std::string_view key, Need need);
  std::optional<YAML::Node> Map(std::string_view key, Need need);
  /// Text restricted to `values`; returns "" after reporting.
  std::string OneOf(std::string_view key, Need need, const std::vector<std::string>& values);

 private:
  const YAML::Node* Find(std::string_view key) const;
  /// Null when absent/empty (reporting a required key); else the value node.
  const YAML::Node* Value(std::string_view key, Need need);
  void WrongType(std::string_view key, const char* expected);

  Loader& l_;
  const Doc& doc_;
  YAML::Node node_;
  std::string what_;
  bool is_map_ = false;
  std::vector<std::pair<std::string, YAML::Node>> entries_;  ///< first occurrence of each key
  std::map<std::string, YAML::Node, std::less<>> keys_;      ///< key nodes, for positions
  std::map<std::string, std::string, std::less<>> joined_;   ///< values rejoined at commas
};

class Loader {
 public:
  explicit Loader(fs::path dir) : dir_(std::move(dir)) {}

  LoadResult Run();

  SourceRef Ref(const Doc& doc, const YAML::Node& node) const {
    YAML::Mark m = node.Mark();
    if (m.is_null() || m.line < 0) {
      return {doc.rel, 0, 0};
    }
    return {doc.rel, m.line + 1, m.column + 1};
  }

  /// Position of an expression's first character: after an opening quote, or on the first text
  /// line of a block scalar (the rules module adds offsets within the expression to this).
  SourceRef ExprRef(const Doc& doc, const YAML::Node& node) const {
    SourceRef r = Ref(doc, node);
    YAML::Mark m = node.Mark();
    if (r.line == 0 || m.pos < 0 || static_cast<size_t>(m.pos) >= doc.text.size()) {
      return r;
    }
    char c = doc.text[static_cast<size_t>(m.pos)];
    if (c == '"' || c == '\'') {
      r.column += 1;
    } else if (c == '|' || c == '>') {
      size_t nl = doc.text.find('\n', static_cast<size_t>(m.pos));
      if (nl != std::string::npos) {
        size_t p = nl + 1;
        while (p < doc.text.size() && doc.text[p] == ' ') {
          ++p;
        }
        r.line += 1;
        r.column = static_cast<int>(p - nl);
      }
    }
    return r;
  }

  void Report(SourceRef where, std::string message) {
    problems_.push_back(Problem{std::move(where), std::move(message)});
  }
  void Report(const Doc& doc, const YAML::Node& node, std::string message) {
    Report(Ref(doc, node), std::move(message));
  }

 private:
  std::optional<Doc> ReadDoc(const std::string& rel, bool optional = false);
  std::vector<std::string> ListYaml(const std::string& subdir);

  void LoadCatalogFile();
  void LoadCsvList(const Doc& doc, const std::string& id, const YAML::Node& entry);
  void LoadSmallCodeList(const Doc& doc);
  void LoadForm(const Doc& doc);
  void ReadSection(const Doc& doc, const YAML::Node& node, Form& form);
  std::optional<Indicator> ReadIndicator(const Doc& doc, const YAML::Node& node);
  void ReadRowTable(const Doc& doc, const YAML::Node& node, Form& form);
  void ReadCalendar(const Doc& doc, Fields& f, Form& form);
  std::optional<RelativeDate> ReadRelativeDate(const Doc& doc, Fields& cal, std::string_view key);
  void ReadRules(const Doc& doc, const YAML::Node& seq, Form& form);
  void ReadPrefill(const Doc& doc, const YAML::Node& seq, Form& form);
  void ReadSummaryLayouts(const Doc& doc, const YAML::Node& seq, Form& form);
  /// Type string at `key` of `f`; checks that a named code list exists.
  IndicatorType ReadType(Fields& f);
  void CheckIndicatorGraph(Form& form);
  void LoadCrosswalk();

  void NoteCodeListId(const std::string& id, SourceRef where) {
    auto [it, fresh] = code_list_ids_.emplace(id, where);
    if (!fresh) {
      Report(where, fmt::format("代码表 {} 重复（已在 {} 定义）", id, Short(it->second)));
    }
  }
  static std::string Short(const SourceRef& r) { return fmt::format("{}:{}", r.file, r.line); }

  fs::path dir_;
  std::unique_ptr<Catalog> cat_ = std::make_unique<Catalog>();
  std::vector<Problem> problems_;
  /// Code list ids declared anywhere, even if their data failed to load: a `code(x)` type must
  /// not repeat a problem already reported for x.
  std::map<std::string, SourceRef> code_list_ids_;
  std::map<std::string, SourceRef> rule_ids_;
  std::map<std::string, SourceRef> regime_ids_;
  /// catalog.yaml was read: without it, regimes and CSV code lists are unknown, and every
  /// reference to them would only repeat that one problem.
  bool catalog_read_ = false;
  friend class Fields;
};

Fields::Fields(Loader& loader, const Doc& doc, const YAML::Node& node, std::string what,
               std::initializer_list<std::string_view> allowed, std::string_view name_key)
    : l_(loader), doc_(doc), node_(node), what_(std::move(what)) {
  if (!node.IsMap()) {
    loader.Report(doc, node, fmt::format("{} 应为映射（键: 值），而不是{}", what_, KindName(node)));
    return;
  }
  is_map_ = true;
  // Name the thing by its code in every later message (`指标 qc55` rather than `指标`).
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == name_key && it->second.IsScalar() &&
        !Trim(it->second.Scalar()).empty()) {
      what_ += " " + std::string(Trim(it->second.Scalar()));
      break;
    }
  }
  // Mixed Chinese/ASCII: a space after a trailing code (`指标 s1 缺少…`, `目录文件缺少…`).
  if (!what_.empty() && static_cast<unsigned char>(what_.back()) < 0x80) {
    what_ += ' ';
  }
  std::vector<std::string> allowed_list(allowed.begin(), allowed.end());
  // In a flow mapping `{type: decimal(15,1)}` YAML cuts the plain scalar at the comma and reads
  // `1)` as a key without value. The format shows exactly this spelling, so rejoin such pieces
  // from the source text while a value's parentheses are unbalanced.
  std::string open_key;
  int open_start = 0;
  auto depth = [](std::string_view t) {
    return std::count(t.begin(), t.end(), '(') - std::count(t.begin(), t.end(), ')');
  };
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!open_key.empty() && it->first.IsScalar() && it->first.Tag() == "?" &&
        it->second.IsNull() && it->first.Mark().pos > open_start) {
      size_t end = static_cast<size_t>(it->first.Mark().pos) + it->first.Scalar().size();
      if (end <= doc.text.size()) {
        std::string joined =
            doc.text.substr(static_cast<size_t>(open_start), end - static_cast<size_t>(open_start));
        joined_[open_key] = joined;
        if (depth(joined) <= 0) {
          open_key.clear();
        }
        continue;
      }
    }
    open_key.clear();
    if (!it->first.IsScalar()) {
      loader.Report(doc, it->first, fmt::format("{}的键应为单个名称", what_));
      continue;
    }
    const std::string& key = it->first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      loader.Report(
          doc, it->first,
          fmt::format("{}含未知字段“{}”（可用字段: {}）", what_, key, Join(allowed_list, ", ")));
      continue;
    }
    if (keys_.count(key) > 0) {
      loader.Report(doc, it->first, fmt::format("{}的字段 {} 重复", what_, key));
      continue;
    }
    keys_.emplace(key, it->first);
    entries_.emplace_back(key, it->second);
    if (node.Style() == YAML::EmitterStyle::Flow && it->second.IsScalar() &&
        it->second.Tag() == "?" && depth(it->second.Scalar()) > 0 && it->second.Mark().pos >= 0) {
      open_key = key;
      open_start = it->second.Mark().pos;
    }
  }
}

const YAML::Node* Fields::Find(std::string_view key) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) {
      return &v;
    }
  }
  return nullptr;
}

SourceRef Fields::At(std::string_view key) const {
  const YAML::Node* v = Find(key);
  if (v == nullptr) {
    return l_.Ref(doc_, node_);
  }
  if (v->IsNull()) {
    return l_.Ref(doc_, keys_.find(key)->second);
  }
  return l_.Ref(doc_, *v);
}

const YAML::Node* Fields::Value(std::string_view key, Need need) {
  if (!is_map_) {
    return nullptr;
  }
  const YAML::Node* v = Find(key);
  if (v == nullptr) {
    if (need == Need::kRequired) {
      l_.Report(At(key), fmt::format("{}缺少字段 {}", what_, key));
    }
    return nullptr;
  }
  if (v->IsNull()) {
    if (need == Need::kRequired) {
      l_.Report(At(key), fmt::format("{}的 {} 不能为空", what_, key));
    }
    return nullptr;
  }
  return v;
}

void Fields::WrongType(std::string_view key, const char* expected) {
  const YAML::Node& v = *Find(key);
  if (v.IsScalar()) {
    l_.Report(At(key), fmt::format("{}的 {} 应为{}，而不是“{}”", what_, key, expected, v.Scalar()));
  } else {
    l_.Report(At(key), fmt::format("{}的 {} 应为{}，而不是{}", what_, key, expected, KindName(v)));
  }
}

std::string Fields::Text(std::string_view key, Need need) {
  const YAML::Node* v = Value(key, need);
  if (v == nullptr) {
    return "";
  }
  if (!v->IsScalar()) {
    WrongType(key, "文本");
    return "";
  }
  auto joined = joined_.find(key);
  std::string s(Trim(joined != joined_.end() ? joined->second : v->Scalar()));
  if (s.empty() && need == Need::kRequired) {
    l_.Report(At(key), fmt::format("{}的 {} 不能为空", what_, key));
  }
  return s;
}

std::string Fields::Expr(std::string_view key, Need need, SourceRef* where) {
  std::string s = Text(key, need);
  if (!s.empty()) {
    *where = l_.ExprRef(doc_, Get(key));
  }
  return s;
}

std::optional<int> Fields::Int(std::string_view key, Need need) {
  const YAML::Node* v = Value(key, need);
  if (v == nullptr) {
    return std::nullopt;
  }
  std::optional<int> n = v->IsScalar() ? ParseInt(v->Scalar()) : std::nullopt;
  if (!n) {
    WrongType(key, "整数");
  }
  return n;
}

std::optional<double> Fields::Number(std::string_view key, Need need) {
  const YAML::Node* v = Value(key, need);
  if (v == nullptr) {
    return std::nullopt;
  }
  double d = 0;
  if (!v->IsScalar() || !YAML::convert<double>::decode(*v, d)) {
    WrongType(key, "数值");
    return std::nullopt;
  }
  return d;
}

std::optional<bool> Fields::Bool(std::string_view key, Need need) {
  const YAML::Node* v = Value(key, need);
  if (v == nullptr) {
    return std::nullopt;
  }
  bool b = false;
  if (!v->IsScalar() || !YAML::convert<bool>::decode(*v, b)) {
    WrongType(key, " true 或 false");
    return std::nullopt;
  }
  return b;
}

std::vector<std::string> Fields::TextList(std::string_view key, Need need) {
  std::vector<std::string> out;
  auto seq = Seq(key, need);
  if (!seq) {
    return out;
  }
  for (const auto& item : *seq) {
    if (!item.IsScalar() || Trim(item.Scalar()).empty()) {
      l_.Report(doc_, item, fmt::format("{}的 {} 的每一项应为非空文本", what_, key));
      continue;
    }
    out.emplace_back(Trim(item.Scalar()));
  }
  return out;
}

std::optional<YAML::Node> Fields::Seq(std::string_view key, Need need) {
  const YAML::Node* v = Value(key, need);
  if (v == nullptr) {
    return std::nullopt;
  }
  if (!v->IsSequence()) {
    WrongType(key, "列表");
    return std::nullopt;
  }
  return *v;
}

std::optional<YAML::Node> Fields::Map(std::string_view key, Need need) {
  const YAML::Node* v = Value(key, need);
  if (v == nullptr) {
    return std::nullopt;
  }
  if (!v->IsMap()) {
    WrongType(key, "映射（键: 值）");
    return std::nullopt;
  }
  return *v;
}

std::string Fields::OneOf(std::string_view key, Need need, const std::vector<std::string>& values) {
  std::string s = Text(key, need);
  if (s.empty()) {
    return s;
  }
  if (std::find(values.begin(), values.end(), s) == values.end()) {
    l_.Report(At(key),
              fmt::format("{}的 {} 值“{}”无效（可用: {}）", what_, key, s, Join(values, ", ")));
    return "";
  }
  return s;
}

std::optional<Doc> Loader::ReadDoc(const std::string& rel, bool optional) {
  fs::path path = dir_ / rel;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    if (!optional) {
      Report({rel, 0, 0}, "文件不存在");
    }
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  if (!in) {
    Report({rel, 0, 0}, "无法读取文件");
    return std::nullopt;
  }
  Doc doc{rel, buf.str(), {}};
  try {
    doc.root = YAML::Load(doc.text);
  } catch (const YAML::Exception& e) {
    Report({rel, e.mark.is_null() ? 0 : e.mark.line + 1, e.mark.is_null() ? 0 : e.mark.column + 1},
           fmt::format("YAML 语法错误: {}", e.msg));
    return std::nullopt;
  }
  if (!doc.root.IsDefined() || doc.root.IsNull()) {
    Report({rel, 0, 0}, "文件为空");
    return std::nullopt;
  }
  return doc;
}

std::vector<std::string> Loader::ListYaml(const std::string& subdir) {
  std::vector<std::string> out;
  std::error_code ec;
  fs::path p = dir_ / subdir;
  if (!fs::is_directory(p, ec)) {
    return out;
  }
  for (const auto& e : fs::directory_iterator(p, ec)) {
    std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
      out.push_back(subdir + "/" + e.path().filename().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

void Loader::LoadCatalogFile() {
  auto doc = ReadDoc("catalog.yaml");
  if (!doc) {
    return;
  }
  Fields f(*this, *doc, doc->root, "目录文件",
           {"year", "title", "previous", "code_lists", "regimes"}, "");
  if (!f.is_map()) {
    return;
  }
  cat_->year = f.Int("year", Need::kRequired).value_or(0);
  cat_->title = f.Text("title", Need::kRequired);
  cat_->previous_year = f.Int("previous", Need::kOptional).value_or(0);
  if (cat_->year != 0 && (cat_->year < 2000 || cat_->year > 2100)) {
    Report(f.At("year"), fmt::format("调查年度 {} 不在 2000–2100 之间", cat_->year));
  }
  if (cat_->previous_year != 0 && cat_->year != 0 && cat_->previous_year >= cat_->year) {
    Report(f.At("previous"),
           fmt::format("上一年度 {} 应早于本年度 {}", cat_->previous_year, cat_->year));
  }
  if (auto lists = f.Map("code_lists", Need::kOptional)) {
    for (auto it = lists->begin(); it != lists->end(); ++it) {
      std::string id = it->first.IsScalar() ? it->first.Scalar() : "";
      if (!IsIdentifier(id)) {
        Report(*doc, it->first, fmt::format("代码表标识“{}”应为字母、数字和下划线", id));
        continue;
      }
      NoteCodeListId(id, Ref(*doc, it->first));
      LoadCsvList(*doc, id, it->second);
    }
  }
  catalog_read_ = true;
  if (auto regimes = f.Seq("regimes", Need::kRequired)) {
    for (const auto& node : *regimes) {
      Fields r(*this, *doc, node, "制度", {"id", "name", "approval", "organizer"}, "id");
      if (!r.is_map()) {
        continue;
      }
      Regime reg;
      reg.id = r.Text("id", Need::kRequired);
      reg.name = r.Text("name", Need::kRequired);
      reg.approval = r.Text("approval", Need::kOptional);
      reg.organizer = r.Text("organizer", Need::kOptional);
      reg.source = r.At("id");
      if (reg.id.empty()) {
        continue;
      }
      auto [it, fresh] = regime_ids_.emplace(reg.id, reg.source);
      if (!fresh) {
        Report(reg.source, fmt::format("制度 {} 重复（已在 {} 定义）", reg.id, Short(it->second)));
        continue;
      }
      cat_->regimes.push_back(std::move(reg));
    }
  }
}

void Loader::LoadCsvList(const Doc& doc, const std::string& id, const YAML::Node& entry) {
  Fields f(*this, doc, entry, fmt::format("代码表 {}", id), {"file", "title"}, "");
  if (!f.is_map()) {
    return;
  }
  std::string file = f.Text("file", Need::kRequired);
  std::string title = f.Text("title", Need::kRequired);
  cat_->code_list_titles[id] = title;
  if (file.empty()) {
    return;
  }
  std::ifstream in(dir_ / file, std::ios::binary);
  if (!in) {
    Report(f.At("file"), fmt::format("代码表 {} 的文件 {} 无法读取", id, file));
    return;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  auto list = CodeList::FromCsv(buf.str());
  if (!list.ok()) {
    Report(f.At("file"), fmt::format("代码表 {}（{}）: {}", id, file, list.status().message()));
    return;
  }
  cat_->code_lists.emplace(id, std::move(list).value());
}

void Loader::LoadSmallCodeList(const Doc& doc) {
  Fields f(*this, doc, doc.root, "代码表", {"id", "title", "codes"}, "id");
  if (!f.is_map()) {
    return;
  }
  std::string id = f.Text("id", Need::kRequired);
  std::string title = f.Text("title", Need::kRequired);
  if (!id.empty() && !IsIdentifier(id)) {
    Report(f.At("id"), fmt::format("代码表标识“{}”应为字母、数字和下划线", id));
    id.clear();
  }
  if (!id.empty()) {
    NoteCodeListId(id, f.At("id"));
  }
  std::vector<Code> codes;
  std::map<std::string, SourceRef> seen;
  std::vector<std::pair<std::string, SourceRef>> parents;  // (parent, where) to check after
  if (auto seq = f.Seq("codes", Need::kRequired)) {
    for (const auto& node : *seq) {
      Fields c(*this, doc, node, "代码", {"code", "name", "parent", "level"});
      if (!c.is_map()) {
        continue;
      }
      Code code{c.Text("code", Need::kRequired), c.Text("name", Need::kRequired),
                c.Text("level", Need::kOptional), c.Text("parent", Need::kOptional)};
      if (code.code.empty()) {
        continue;
      }
      auto [it, fresh] = seen.emplace(code.code, c.At("code"));
      if (!fresh) {
        Report(c.At("code"), fmt::format("代码表 {} 中代码 {} 重复（已在第 {} 行定义）", id,
                                         code.code, it->second.line));
        continue;
      }
      if (!code.parent.empty()) {
        parents.emplace_back(code.parent, c.At("parent"));
      }
      codes.push_back(std::move(code));
    }
  }
  bool parents_ok = true;
  for (const auto& [parent, where] : parents) {
    if (seen.count(parent) == 0) {
      Report(where, fmt::format("代码表 {} 中上级代码 {} 不存在", id, parent));
      parents_ok = false;
    }
  }
  if (id.empty() || !parents_ok || cat_->code_lists.count(id) > 0) {
    return;
  }
  auto list = CodeList::FromCodes(std::move(codes));
  if (!list.ok()) {
    Report(f.At("codes"), list.status().message());
    return;
  }
  cat_->code_lists.emplace(id, std::move(list).value());
  cat_->code_list_titles[id] = title;
}

IndicatorType Loader::ReadType(Fields& f) {
  IndicatorType t;
  std::string s = f.Text("type", Need::kRequired);
  if (s.empty()) {
    return t;
  }
  if (std::string err = ParseType(s, t); !err.empty()) {
    Report(f.At("type"), fmt::format("{}: {}", f.name(), err));
    return t;
  }
  if ((t.kind == ValueType::kCode || t.kind == ValueType::kMultiCode) && catalog_read_ &&
      code_list_ids_.count(t.code_list) == 0) {
    Report(f.At("type"), fmt::format("{}的类型引用了不存在的代码表 {}", f.what(), t.code_list));
  }
  return t;
}

std::optional<Indicator> Loader::ReadIndicator(const Doc& doc, const YAML::Node& node) {
  Fields f(*this, doc, node, "指标",
           {"code", "name", "unit", "type", "parent", "required", "required_when", "min", "max",
            "negative_allowed", "formula"});
  if (!f.is_map()) {
    return std::nullopt;
  }
  Indicator ind;
  ind.code = f.Text("code", Need::kRequired);
  ind.source = f.At("code");
  ind.name = f.Text("name", Need::kRequired);
  ind.unit = f.Text("unit", Need::kOptional);
  ind.type = ReadType(f);
  ind.parent = f.Text("parent", Need::kOptional);
  ind.parent_source = f.At("parent");
  ind.required = f.Bool("required", Need::kOptional).value_or(false);
  ind.required_when = f.Expr("required_when", Need::kOptional, &ind.required_when_source);
  ind.min = f.Number("min", Need::kOptional);
  ind.max = f.Number("max", Need::kOptional);
  ind.negative_allowed = f.Bool("negative_allowed", Need::kOptional).value_or(false);
  ind.formula = f.Expr("formula", Need::kOptional, &ind.formula_source);
  if (!ind.code.empty() && (!IsIdentifier(ind.code) || IsReservedWord(ind.code))) {
    Report(ind.source, fmt::format("指标代码“{}”无效：应以字母或下划线开头，只含字母、数字、"
                                   "下划线，且不是规则语言的保留字",
                                   ind.code));
  }
  if (ind.required && !ind.required_when.empty()) {
    Report(f.At("required_when"),
           fmt::format("{}不能同时有 required: true 和 required_when", f.what()));
  }
  if ((ind.min || ind.max) && f.Has("type") && !ind.type.IsNumber()) {
    Report(f.At(ind.min ? "min" : "max"), fmt::format("{}不是数值类型，不能设 min/max", f.what()));
  }
  if (ind.min && ind.max && *ind.min > *ind.max) {
    Report(f.At("min"), fmt::format("{}的 min {} 大于 max {}", f.what(), *ind.min, *ind.max));
  }
  if (ind.min && *ind.min < 0 && f.Has("negative_allowed") && !ind.negative_allowed) {
    Report(f.At("min"), fmt::format("{}的 min 为负数但 negative_allowed 为 false", f.what()));
  }
  if (ind.code.empty()) {
    return std::nullopt;
  }
  return ind;
}

void Loader::ReadSection(const Doc& doc, const YAML::Node& node, Form& form) {
  Fields f(*this, doc, node, "分组", {"title", "visible_when", "indicators"}, "title");
  if (!f.is_map()) {
    return;
  }
  Section sec;
  sec.title = f.Text("title", Need::kRequired);
  sec.visible_when = f.Expr("visible_when", Need::kOptional, &sec.visible_when_source);
  if (auto seq = f.Seq("indicators", Need::kRequired)) {
    for (const auto& item : *seq) {
      auto ind = ReadIndicator(doc, item);
      if (!ind) {
        continue;
      }
      if (const Indicator* prev = form.FindIndicator(ind->code)) {
        Report(ind->source, fmt::format("表 {} 中指标 {} 重复（已在第 {} 行定义）", form.code,
                                        ind->code, prev->source.line));
        continue;
      }
      ind->section = sec.title;
      sec.indicators.push_back(ind->code);
      form.indicators.push_back(std::move(*ind));
    }
  }
  form.sections.push_back(std::move(sec));
}

void Loader::ReadRowTable(const Doc& doc, const YAML::Node& node, Form& form) {
  Fields f(*this, doc, node, "行表",
           {"code", "title", "min_rows", "max_rows", "visible_when", "columns"});
  if (!f.is_map()) {
    return;
  }
  RowTable t;
  t.code = f.Text("code", Need::kRequired);
  t.source = f.At("code");
  t.title = f.Text("title", Need::kRequired);
  t.min_rows = f.Int("min_rows", Need::kOptional).value_or(t.min_rows);
  t.max_rows = f.Int("max_rows", Need::kOptional).value_or(t.max_rows);
  t.visible_when = f.Expr("visible_when", Need::kOptional, &t.visible_when_source);
  if (!t.code.empty() && (!IsIdentifier(t.code) || IsReservedWord(t.code))) {
    Report(t.source,
           fmt::format("行表代码“{}”无效：应以字母或下划线开头，只含字母、数字、下划线", t.code));
  }
  if (t.min_rows < 0 || t.max_rows < 0) {
    Report(f.At(t.min_rows < 0 ? "min_rows" : "max_rows"),
           fmt::format("{}的行数不能为负数", f.what()));
  } else if (t.min_rows > t.max_rows) {
    Report(f.At("min_rows"),
           fmt::format("{}的 min_rows {} 大于 max_rows {}", f.what(), t.min_rows, t.max_rows));
  }
  if (auto seq = f.Seq("columns", Need::kRequired)) {
    if (seq->size() == 0) {
      Report(f.At("columns"), fmt::format("{}没有列", f.what()));
    }
    for (const auto& item : *seq) {
      Fields c(*this, doc, item, fmt::format("{}的列", f.what()),
               {"code", "name", "unit", "type", "required"});
      if (!c.is_map()) {
        continue;
      }
      Column col;
      col.code = c.Text("code", Need::kRequired);
      col.source = c.At("code");
      col.name = c.Text("name", Need::kRequired);
      col.unit = c.Text("unit", Need::kOptional);
      col.type = ReadType(c);
      col.required = c.Bool("required", Need::kOptional).value_or(false);
      if (col.code.empty()) {
        continue;
      }
      if (!IsIdentifier(col.code) || IsReservedWord(col.code)) {
        Report(
            col.source,
            fmt::format("列代码“{}”无效：应以字母或下划线开头，只含字母、数字、下划线", col.code));
      }
      if (const Column* prev = t.FindColumn(col.code)) {
        Report(col.source, fmt::format("行表 {} 中列 {} 重复（已在第 {} 行定义）", t.code, col.code,
                                       prev->source.line));
        continue;
      }
      t.columns.push_back(std::move(col));
    }
  }
  if (t.code.empty()) {
    return;
  }
  if (const RowTable* prev = form.FindRowTable(t.code)) {
    Report(t.source, fmt::format("表 {} 中行表 {} 重复（已在第 {} 行定义）", form.code, t.code,
                                 prev->source.line));
    return;
  }
  form.row_tables.push_back(std::move(t));
}

std::optional<RelativeDate> Loader::ReadRelativeDate(const Doc& doc, Fields& cal,
                                                     std::string_view key) {
  auto node = cal.Map(key, Need::kOptional);
  if (!node) {
    return std::nullopt;
  }
  Fields f(*this, doc, *node, fmt::format("{} {}", cal.name(), key), {"months_after", "day"}, "");
  if (!f.is_map()) {
    return std::nullopt;
  }
  RelativeDate d;
  bool ok = true;
  auto months = f.Int("months_after", Need::kRequired);
  if (months && (*months < 0 || *months > 36)) {
    Report(f.At("months_after"),
           fmt::format("{}的 months_after {} 应在 0–36 之间", f.what(), *months));
    ok = false;
  }
  ok = ok && months.has_value();
  d.months_after = months.value_or(0);
  if (f.Has("day") && f.Get("day").IsScalar() && Trim(f.Get("day").Scalar()) == "last") {
    d.day = 0;
  } else if (auto day = f.Int("day", Need::kRequired)) {
    if (*day < 0 || *day > 31) {
      Report(f.At("day"), fmt::format("{}的 day {} 无效：应为 1–31 或 last", f.what(), *day));
      ok = false;
    }
    d.day = *day;
  } else {
    ok = false;
  }
  // An invalid date was reported; returning it would only add a misleading ordering problem.
  return ok ? std::optional<RelativeDate>(d) : std::nullopt;
}

void Loader::ReadCalendar(const Doc& doc, Fields& form_fields, Form& form) {
  auto node = form_fields.Map(
      "calendar", form.period == PeriodType::kEvent ? Need::kOptional : Need::kRequired);
  if (!node) {
    return;
  }
  Fields f(*this, doc, *node, fmt::format("表 {} 的日历", form.code),
           {"months", "opens", "due", "review_due"}, "");
  if (!f.is_map()) {
    return;
  }
  if (auto seq = f.Seq("months", Need::kOptional)) {
    if (form.period != PeriodType::kMonth) {
      Report(f.At("months"), fmt::format("{}: months 只用于月报（period: month）", f.name()));
    }
    std::set<int> seen;
    for (const auto& m : *seq) {
      auto v = m.IsScalar() ? ParseInt(m.Scalar()) : std::nullopt;
      if (!v || *v < 1 || *v > 12) {
        Report(
            doc, m,
            fmt::format("{}的月份“{}”无效：应为 1–12", f.what(), m.IsScalar() ? m.Scalar() : ""));
        continue;
      }
      if (!seen.insert(*v).second) {
        Report(doc, m, fmt::format("{}的月份 {} 重复", f.what(), *v));
        continue;
      }
      form.calendar.months.push_back(*v);
    }
  }
  bool opens_ok = !f.Has("opens");  // the default opening date is valid
  if (auto d = ReadRelativeDate(doc, f, "opens")) {
    form.calendar.opens = *d;
    opens_ok = true;
  }
  std::optional<RelativeDate> due;
  if (!f.Has("due")) {
    Report(f.At("due"), fmt::format("{}缺少字段 due（报送截止日）", f.what()));
  } else if ((due = ReadRelativeDate(doc, f, "due"))) {
    form.calendar.due = *due;
  }
  auto review_due = ReadRelativeDate(doc, f, "review_due");
  if (review_due) {
    form.calendar.review_due = *review_due;
  }
  // Compare as (month, day) with "last" after every numbered day.
  auto key = [](const RelativeDate& d) { return d.months_after * 100 + (d.day == 0 ? 32 : d.day); };
  if (due && opens_ok && key(*due) < key(form.calendar.opens)) {
    Report(f.At("due"), fmt::format("{}的报送截止日早于开始日", f.what()));
  }
  if (due && review_due && key(*review_due) < key(*due)) {
    Report(f.At("review_due"), fmt::format("{}的审核截止日早于报送截止日", f.what()));
  }
}

void Loader::ReadRules(const Doc& doc, const YAML::Node& seq, Form& form) {
  for (const auto& node : seq) {
    Fields f(*this, doc, node, "规则",
             {"id", "severity", "message", "expr", "when", "tolerance", "for_each", "cells"}, "id");
    if (!f.is_map()) {
      continue;
    }
    Rule r;
    r.id = f.Text("id", Need::kRequired);
    std::string sev = f.OneOf("severity", Need::kOptional, {"error", "warning"});
    r.severity = sev == "warning" ? Severity::kWarning : Severity::kError;
    r.message = f.Text("message", Need::kRequired);
    r.expr = f.Expr("expr", Need::kRequired, &r.source);
    if (r.expr.empty()) {
      r.source = f.At("expr");
    }
    r.when = f.Expr("when", Need::kOptional, &r.when_source);
    r.tolerance = f.Number("tolerance", Need::kOptional);
    r.for_each = f.Text("for_each", Need::kOptional);
    r.cells = f.TextList("cells", Need::kOptional);
    if (r.tolerance && *r.tolerance < 0) {
      Report(f.At("tolerance"), fmt::format("{}的 tolerance 不能为负数", f.what()));
    }
    if (!r.for_each.empty() && form.FindRowTable(r.for_each) == nullptr) {
      Report(f.At("for_each"),
             fmt::format("{}的 for_each 引用了不存在的行表 {}", f.what(), r.for_each));
    }
    if (r.id.empty()) {
      continue;
    }
    auto [it, fresh] = rule_ids_.emplace(r.id, f.At("id"));
    if (!fresh) {
      Report(f.At("id"), fmt::format("规则编号 {} 重复（已在 {} 定义）", r.id, Short(it->second)));
      continue;
    }
    form.rules.push_back(std::move(r));
  }
}

void Loader::ReadPrefill(const Doc& doc, const YAML::Node& seq, Form& form) {
  for (const auto& node : seq) {
    Fields f(*this, doc, node, "预填项", {"indicator", "from"}, "indicator");
    if (!f.is_map()) {
      continue;
    }
    Prefill p{f.Text("indicator", Need::kRequired), f.Text("from", Need::kRequired),
              f.At("indicator")};
    if (!p.indicator.empty() && form.FindIndicator(p.indicator) == nullptr) {
      Report(p.source, fmt::format("预填项引用了不存在的指标 {}", p.indicator));
    }
    if (!p.from.empty() && p.from != "prev" &&
        !(p.from.rfind("unit.", 0) == 0 && IsIdentifier(p.from.substr(5)))) {
      Report(f.At("from"),
             fmt::format("{}的 from“{}”无效：应为 prev 或 unit.<字段>", f.what(), p.from));
    }
    form.prefill.push_back(std::move(p));
  }
}

void Loader::ReadSummaryLayouts(const Doc& doc, const YAML::Node& seq, Form& form) {
  const auto& dims = SummaryDimensions();
  for (const auto& node : seq) {
    Fields f(*this, doc, node, "汇总表式", {"id", "title", "by", "indicators"}, "id");
    if (!f.is_map()) {
      continue;
    }
    SummaryLayout l;
    l.id = f.Text("id", Need::kRequired);
    l.title = f.Text("title", Need::kRequired);
    l.by = f.TextList("by", Need::kOptional);
    l.indicators = f.TextList("indicators", Need::kRequired);
    l.source = f.At("id");
    if (!l.id.empty() && !IsIdentifier(l.id)) {
      Report(f.At("id"), fmt::format("{}的编号“{}”应为字母、数字和下划线", f.what(), l.id));
    }
    if (!l.id.empty() && form.FindSummaryLayout(l.id) != nullptr) {
      Report(f.At("id"), fmt::format("{}的编号 {} 重复", f.what(), l.id));
    }
    if (l.by.size() > 2) {
      Report(f.At("by"), fmt::format("{}最多按 2 个维度汇总", f.what()));
    }
    for (const auto& d : l.by) {
      if (std::find(dims.begin(), dims.end(), d) == dims.end()) {
        Report(f.At("by"),
               fmt::format("{}的汇总维度“{}”无效（可用: {}）", f.what(), d, Join(dims, ", ")));
      }
    }
    if (l.indicators.empty()) {
      Report(f.At("indicators"), fmt::format("{}至少要有一个指标", f.what()));
    }
    for (const auto& code : l.indicators) {
      const Indicator* ind = form.FindIndicator(code);
      if (ind == nullptr) {
        Report(f.At("indicators"), fmt::format("{}引用了不存在的指标 {}", f.what(), code));
      } else if (!ind->type.IsNumber() || ind->type.kind == ValueType::kYear) {
        Report(f.At("indicators"),
               fmt::format("{}的指标 {}（{}）不是可汇总的数值指标", f.what(), code, ind->name));
      }
    }
    form.summary_layouts.push_back(std::move(l));
  }
}

void Loader::CheckIndicatorGraph(Form& form) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < form.indicators.size(); ++i) {
    index.emplace(form.indicators[i].code, i);
  }
  auto path_text = [&](const std::vector<size_t>& cycle) {
    std::vector<std::string> names;
    for (size_t i : cycle) {
      names.push_back(form.indicators[i].code);
    }
    names.push_back(form.indicators[cycle.front()].code);
    return Join(names, " → ");
  };
  // Parents: each indicator has at most one, so following the chain from every member of a cycle
  // finds it; report it once, at its first member in display order.
  std::set<size_t> in_reported_cycle;
  for (size_t i = 0; i < form.indicators.size(); ++i) {
    const Indicator& ind = form.indicators[i];
    if (ind.parent.empty()) {
      continue;
    }
    auto p = index.find(ind.parent);
    if (p == index.end()) {
      Report(ind.parent_source, fmt::format("指标 {} 的上级指标 {} 不存在", ind.code, ind.parent));
      continue;
    }
    std::vector<size_t> chain{i};
    size_t cur = p->second;
    while (cur != i && chain.size() <= form.indicators.size()) {
      chain.push_back(cur);
      auto next = index.find(form.indicators[cur].parent);
      if (form.indicators[cur].parent.empty() || next == index.end()) {
        break;
      }
      cur = next->second;
    }
    if (cur == i && in_reported_cycle.count(i) == 0) {
      in_reported_cycle.insert(chain.begin(), chain.end());
      Report(ind.parent_source,
             fmt::format("指标 {} 的上级指标构成循环: {}", ind.code, path_text(chain)));
    }
  }
  // Formulas: depth-first search; a back edge closes a cycle, reported at its first member.
  std::vector<std::vector<size_t>> edges(form.indicators.size());
  for (size_t i = 0; i < form.indicators.size(); ++i) {
    for (const auto& ref : LocalReferences(form.indicators[i].formula)) {
      auto it = index.find(ref);
      if (it != index.end() &&
          std::find(edges[i].begin(), edges[i].end(), it->second) == edges[i].end()) {
        edges[i].push_back(it->second);
      }
    }
  }
  enum Color { kWhite, kGrey, kBlack };
  std::vector<Color> color(form.indicators.size(), kWhite);
  std::vector<size_t> stack;
  std::set<std::vector<size_t>> reported;
  std::function<void(size_t)> visit = [&](size_t v) {
    color[v] = kGrey;
    stack.push_back(v);
    for (size_t w : edges[v]) {
      if (color[w] == kWhite) {
        visit(w);
      } else if (color[w] == kGrey) {
        std::vector<size_t> cycle(std::find(stack.begin(), stack.end(), w), stack.end());
        std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
        if (reported.insert(cycle).second) {
          const Indicator& first = form.indicators[cycle.front()];
          Report(first.formula_source.line > 0 ? first.formula_source : first.source,
                 fmt::format("指标 {} 的计算公式存在循环引用: {}", first.code, path_text(cycle)));
        }
      }
    }
    stack.pop_back();
    color[v] = kBlack;
  };
  for (size_t i = 0; i < form.indicators.size(); ++i) {
    if (color[i] == kWhite) {
      visit(i);
    }
  }
}

const std::vector<std::string> kPeriods = {"annual",  "quick_annual", "half_year",
                                           "quarter", "month",        "event"};
const std::vector<std::string> kFilers = {"enterprise",
                                          "zone",
                                          "incubator",
                                          "university_park",
                                          "base",
                                          "cluster",
                                          "transfer_institution",
                                          "productivity_center",
                                          "registry",
                                          "province_authority",
                                          "vc_institution",
                                          "person"};
const std::vector<std::string> kReviewLevels = {"zone",     "city",   "zone_or_city",
                                                "province", "center", "registry"};

void Loader::LoadForm(const Doc& doc) {
  Fields f(*this, doc, doc.root, "表",
           {"code", "regime", "title", "category", "period", "filers", "scope", "provisional",
            "signed_scan", "signed_scan_when", "calendar", "review_chain", "sections", "row_tables",
            "prefill", "rules", "summary_layouts"});
  if (!f.is_map()) {
    return;
  }
  Form form;
  form.code = f.Text("code", Need::kRequired);
  form.source = f.At("code");
  for (char c : form.code) {
    if (c != '-') {
      form.ref_name += c;
    }
  }
  if (!form.code.empty() && !IsIdentifier(form.ref_name)) {
    Report(
        form.source,
        fmt::format("表号“{}”无效：去掉连字符后应只含字母、数字、下划线且以字母开头", form.code));
  }
  std::string stem = fs::path(doc.rel).stem().string();
  if (!form.code.empty() && stem != form.code) {
    Report(form.source, fmt::format("表 {} 的文件应命名为 forms/{}.yaml", form.code, form.code));
  }
  form.regime = f.Text("regime", Need::kRequired);
  if (!form.regime.empty() && catalog_read_ && regime_ids_.count(form.regime) == 0) {
    Report(f.At("regime"),
           fmt::format("表 {} 的制度 {} 不存在（应为 catalog.yaml 中 regimes 的 id）", form.code,
                       form.regime));
  }
  form.title = f.Text("title", Need::kRequired);
  form.category = f.Text("category", Need::kOptional);
  std::string period = f.OneOf("period", Need::kRequired, kPeriods);
  form.period = static_cast<PeriodType>(
      std::find(kPeriods.begin(), kPeriods.end(), period.empty() ? "annual" : period) -
      kPeriods.begin());
  form.filers = f.TextList("filers", Need::kRequired);
  if (f.Has("filers") && f.Get("filers").IsSequence() && form.filers.empty()) {
    Report(f.At("filers"), fmt::format("{}的 filers 不能为空", f.what()));
  }
  for (const auto& filer : form.filers) {
    if (std::find(kFilers.begin(), kFilers.end(), filer) == kFilers.end()) {
      Report(f.At("filers"), fmt::format("{}的填报单位类型“{}”无效（可用: {}）", f.what(), filer,
                                         Join(kFilers, ", ")));
    }
  }
  form.scope = f.Text("scope", Need::kOptional);
  form.provisional = f.Bool("provisional", Need::kOptional).value_or(false);
  // `signed_scan: required_if` takes its condition from the form-level `when:` (the format's
  // spelling); `when` means nothing else at this level.
  std::string scan = f.OneOf("signed_scan", Need::kOptional, {"none", "required", "required_if"});
  form.signed_scan = scan.empty() ? "none" : scan;
  form.signed_scan_when =
      f.Expr("signed_scan_when", scan == "required_if" ? Need::kRequired : Need::kOptional,
             &form.signed_scan_when_source);
  if (scan != "required_if" && !form.signed_scan_when.empty()) {
    Report(f.At("signed_scan_when"),
           fmt::format("{}: signed_scan_when 只用于 signed_scan: required_if", f.name()));
  }
  ReadCalendar(doc, f, form);
  form.review_chain = f.TextList("review_chain", Need::kOptional);
  {
    std::set<std::string> seen;
    for (const auto& level : form.review_chain) {
      if (std::find(kReviewLevels.begin(), kReviewLevels.end(), level) == kReviewLevels.end()) {
        Report(f.At("review_chain"), fmt::format("{}的审核层级“{}”无效（可用: {}）", f.what(),
                                                 level, Join(kReviewLevels, ", ")));
      } else if (!seen.insert(level).second) {
        Report(f.At("review_chain"), fmt::format("{}的审核层级 {} 重复", f.what(), level));
      }
    }
  }
  if (auto seq = f.Seq("sections", Need::kOptional)) {
    for (const auto& node : *seq) {
      ReadSection(doc, node, form);
    }
  }
  if (auto seq = f.Seq("row_tables", Need::kOptional)) {
    for (const auto& node : *seq) {
      ReadRowTable(doc, node, form);
    }
  }
  for (const auto& t : form.row_tables) {
    if (const Indicator* ind = form.FindIndicator(t.code)) {
      Report(t.source, fmt::format("表 {} 中行表 {} 与第 {} 行的指标同名", form.code, t.code,
                                   ind->source.line));
    }
  }
  CheckIndicatorGraph(form);
  if (auto seq = f.Seq("prefill", Need::kOptional)) {
    ReadPrefill(doc, *seq, form);
  }
  if (auto seq = f.Seq("rules", Need::kOptional)) {
    ReadRules(doc, *seq, form);
  }
  if (auto seq = f.Seq("summary_layouts", Need::kOptional)) {
    ReadSummaryLayouts(doc, *seq, form);
  }
  if (form.code.empty()) {
    return;
  }
  if (const Form* prev = cat_->FindForm(form.code)) {
    Report(form.source,
           fmt::format("表号 {} 重复（已在 {} 定义）", form.code, Short(prev->source)));
    return;
  }
  if (const Form* prev = cat_->FindFormByRef(form.ref_name)) {
    Report(form.source, fmt::format("表 {} 与 {}（{}）在规则中同名 {}：表号去掉连字符后必须唯一",
                                    form.code, prev->code, Short(prev->source), form.ref_name));
    return;
  }
  cat_->forms.push_back(std::move(form));
}

void Loader::LoadCrosswalk() {
  auto doc = ReadDoc("crosswalk.yaml", /*optional=*/true);
  if (!doc) {
    return;
  }
  Fields f(*this, *doc, doc->root, "对照表", {"from", "to", "forms"}, "");
  if (!f.is_map()) {
    return;
  }
  auto from = f.Int("from", Need::kRequired);
  auto to = f.Int("to", Need::kRequired);
  if (from && cat_->previous_year != 0 && *from != cat_->previous_year) {
    Report(f.At("from"), fmt::format("对照表的 from {} 与 catalog.yaml 的 previous {} 不一致",
                                     *from, cat_->previous_year));
  }
  if (from && cat_->previous_year == 0) {
    Report(f.At("from"), "有对照表但 catalog.yaml 未设 previous（上一年度）");
  }
  if (to && cat_->year != 0 && *to != cat_->year) {
    Report(f.At("to"),
           fmt::format("对照表的 to {} 与 catalog.yaml 的 year {} 不一致", *to, cat_->year));
  }
  auto forms = f.Map("forms", Need::kRequired);
  if (!forms) {
    return;
  }
  std::set<std::string> seen_forms;
  for (auto it = forms->begin(); it != forms->end(); ++it) {
    std::string code = it->first.IsScalar() ? it->first.Scalar() : "";
    if (!seen_forms.insert(code).second) {
      Report(*doc, it->first, fmt::format("对照表中表 {} 重复", code));
      continue;
    }
    const Form* form = cat_->FindForm(code);
    if (form == nullptr) {
      Report(*doc, it->first, fmt::format("对照表引用了本年度不存在的表 {}", code));
    }
    Fields x(*this, *doc, it->second, fmt::format("对照表 {}", code),
             {"renamed", "merged", "split", "new", "dropped"}, "");
    if (!x.is_map()) {
      continue;
    }
    FormCrosswalk cw;
    // The new side must be an indicator of this year's form; the old side is free text.
    auto check_new = [&](const YAML::Node& node, const std::string& indicator, const char* kind) {
      if (form != nullptr && form->FindIndicator(indicator) == nullptr) {
        Report(
            *doc, node,
            fmt::format("对照表 {} 的 {} 中，新指标 {} 在本年度表中不存在", code, kind, indicator));
      }
    };
    auto scalar = [&](const YAML::Node& n, const char* kind) -> std::string {
      if (!n.IsScalar() || Trim(n.Scalar()).empty()) {
        Report(*doc, n, fmt::format("对照表 {} 的 {} 中应为指标代码", code, kind));
        return "";
      }
      return std::string(Trim(n.Scalar()));
    };
    if (auto m = x.Map("renamed", Need::kOptional)) {
      for (auto r = m->begin(); r != m->end(); ++r) {
        std::string old_code = scalar(r->first, "renamed");
        std::string new_code = scalar(r->second, "renamed");
        if (!old_code.empty() && !new_code.empty()) {
          check_new(r->second, new_code, "renamed");
          cw.renamed[old_code] = new_code;
        }
      }
    }
    if (auto m = x.Map("merged", Need::kOptional)) {
      for (auto r = m->begin(); r != m->end(); ++r) {
        std::string new_code = scalar(r->first, "merged");
        if (new_code.empty()) {
          continue;
        }
        check_new(r->first, new_code, "merged");
        if (!r->second.IsSequence()) {
          Report(*doc, r->second,
                 fmt::format("对照表 {} 的 merged 中 {} 应对应旧指标列表", code, new_code));
          continue;
        }
        for (const auto& old : r->second) {
          if (std::string o = scalar(old, "merged"); !o.empty()) {
            cw.merged[new_code].push_back(o);
          }
        }
      }
    }
    if (auto m = x.Map("split", Need::kOptional)) {
      for (auto r = m->begin(); r != m->end(); ++r) {
        std::string old_code = scalar(r->first, "split");
        if (old_code.empty()) {
          continue;
        }
        if (!r->second.IsMap()) {
          Report(*doc, r->second,
                 fmt::format("对照表 {} 的 split 中 {} 应对应 {{新指标: 比例}}", code, old_code));
          continue;
        }
        for (auto s = r->second.begin(); s != r->second.end(); ++s) {
          std::string new_code = scalar(s->first, "split");
          double share = 0;
          if (new_code.empty()) {
            continue;
          }
          check_new(s->first, new_code, "split");
          if (!s->second.IsScalar() || !YAML::convert<double>::decode(s->second, share) ||
              share <= 0 || share > 1) {
            Report(*doc, s->second,
                   fmt::format("对照表 {} 的 split 中 {} → {} 的比例应为 (0, 1] 内的数", code,
                               old_code, new_code));
            continue;
          }
          cw.split[old_code][new_code] = share;
        }
      }
    }
    cw.added = x.TextList("new", Need::kOptional);
    if (x.Has("new") && x.Get("new").IsSequence()) {
      size_t i = 0;
      for (const auto& n : x.Get("new")) {
        if (n.IsScalar() && i < cw.added.size()) {
          check_new(n, std::string(Trim(n.Scalar())), "new");
          ++i;
        }
      }
    }
    cw.dropped = x.TextList("dropped", Need::kOptional);
    if (!code.empty()) {
      cat_->crosswalk[code] = std::move(cw);
    }
  }
}

LoadResult Loader::Run() {
  LoadResult result;
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) {
    result.problems.push_back(Problem{{dir_.string(), 0, 0}, "目录不存在"});
    return result;
  }
  LoadCatalogFile();
  for (const auto& rel : ListYaml("codes")) {
    if (auto doc = ReadDoc(rel)) {
      LoadSmallCodeList(*doc);
    } else {
      // Unreadable list: assume it is named after its file, so that every `code(<id>)` using it
      // does not repeat the problem.
      code_list_ids_.emplace(fs::path(rel).stem().string(), SourceRef{rel, 0, 0});
    }
  }
  auto forms = ListYaml("forms");
  if (forms.empty()) {
    Report({"forms", 0, 0}, "目录中没有表定义（forms/*.yaml）");
  }
  for (const auto& rel : forms) {
    if (auto doc = ReadDoc(rel)) {
      LoadForm(*doc);
    }
  }
  LoadCrosswalk();
  std::stable_sort(problems_.begin(), problems_.end(), [](const Problem& a, const Problem& b) {
    return std::tie(a.source.file, a.source.line, a.source.column) <
           std::tie(b.source.file, b.source.line, b.source.column);
  });
  result.catalog = std::move(cat_);
  result.problems = std::move(problems_);
  return result;
}

}  // namespace

LoadResult LoadCatalog(const std::string& dir) {
  return Loader(dir).Run();
}

}  // namespace huoju::catalog
