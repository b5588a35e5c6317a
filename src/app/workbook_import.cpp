// src/app/workbook_import.cpp
//
// Reading a filled template back into filings: the hidden metadata sheet names the form,
// period, catalog and the role of every sheet; code rows/columns map cells to indicators.
// Every cell is converted by its indicator's type; each problem is collected with its sheet,
// row and column and the reading goes on, so the user sees all of them at once.

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <unordered_map>

#include "huoju/app/workbook.hpp"
#include "huoju/io/xlsx_reader.hpp"
#include "src/app/workbook_internal.hpp"

namespace huoju::app {

using nlohmann::json;

json WorkbookProblem::ToJson() const {
  json j = {{"sheet", sheet}, {"row", row}, {"message", message}};
  j["column"] = col > 0 ? io::ColumnName(col) : "";
  j["cell"] = col > 0 && row > 0 ? io::CellName(row, col) : "";
  j["field"] = field;
  j["uscc"] = uscc;
  return j;
}

namespace {

using io::XlsxCell;
using io::XlsxCellType;

std::string Trim(std::string s) {
  auto is_space = [](const std::string& t, size_t i, size_t* len) {
    if (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n') {
      *len = 1;
      return true;
    }
    if (t.compare(i, 3, "\u3000") == 0) {  // full-width space
      *len = 3;
      return true;
    }
    return false;
  };
  size_t len = 0;
  size_t b = 0;
  while (b < s.size() && is_space(s, b, &len)) {
    b += len;
  }
  s.erase(0, b);
  while (!s.empty()) {
    if (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n') {
      s.pop_back();
    } else if (s.size() >= 3 && s.compare(s.size() - 3, 3, "\u3000") == 0) {
      s.resize(s.size() - 3);
    } else {
      break;
    }
  }
  return s;
}

std::string Shorten(const std::string& s) {
  if (s.size() <= 60) {
    return s;
  }
  size_t cut = 57;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return s.substr(0, cut) + "…";
}

size_t Utf8Chars(const std::string& s) {
  size_t n = 0;
  for (char c : s) {
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  }
  return n;
}

// A number written as text: "1,234.5", " 12 ". No exponents, no units.
std::optional<double> NumberFromText(std::string text) {
  std::string t;
  for (char c : Trim(std::move(text))) {
    if (c != ',') {
      t += c;
    }
  }
  if (t.empty()) {
    return std::nullopt;
  }
  double d = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
  if (ec != std::errc() || end != t.data() + t.size() || !std::isfinite(d)) {
    return std::nullopt;
  }
  return d;
}

std::string CellText(const XlsxCell& c) {
  if (c.type == XlsxCellType::kNumber) {
    return StoredNumber(c.number).dump();
  }
  if (c.type == XlsxCellType::kBool) {
    return c.number != 0 ? "TRUE" : "FALSE";
  }
  return c.text;
}

std::string TypeName(const catalog::IndicatorType& t) {
  using catalog::ValueType;
  switch (t.kind) {
    case ValueType::kInt:
      return "整数";
    case ValueType::kYear:
      return "年份";
    case ValueType::kDecimal:
    case ValueType::kPercent:
      return "数值";
    case ValueType::kDate:
      return "日期（YYYY-MM-DD）";
    case ValueType::kBool:
      return "“是”或“否”";
    case ValueType::kCode:
    case ValueType::kMultiCode:
      return "代码";
    default:
      return "文本";
  }
}

// Converts a cell to the number of a numeric `type` (IndicatorType::IsNumber); an error message for
// the user (without the cell position) when it does not fit.
Result<double> ConvertNumber(const catalog::IndicatorType& type, const XlsxCell& cell) {
  using catalog::ValueType;
  if (cell.type == XlsxCellType::kError) {
    return Status::Invalid(fmt::format("单元格是错误值 {}，应为{}", cell.text, TypeName(type)));
  }
  std::optional<double> d;
  if (cell.type == XlsxCellType::kNumber) {
    d = cell.number;
  } else if (cell.type == XlsxCellType::kText) {
    d = NumberFromText(cell.text);
  }
  if (!d) {
    return Status::Invalid(
        fmt::format("应为{}，而不是“{}”", TypeName(type), Shorten(CellText(cell))));
  }
  if (type.kind == ValueType::kInt || type.kind == ValueType::kYear) {
    if (*d != std::floor(*d)) {
      return Status::Invalid(fmt::format("应为整数，而不是 {}", *d));
    }
  } else if (type.kind == ValueType::kDecimal) {
    static constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
    const double scale =
        type.scale >= 0 && type.scale <= 8 ? kPow10[type.scale] : std::pow(10.0, type.scale);
    const double scaled = *d * scale;
    if (std::fabs(scaled - std::round(scaled)) > 1e-6 * std::max(1.0, std::fabs(scaled))) {
      return Status::Invalid(fmt::format("最多 {} 位小数，而填写的是 {}", type.scale, *d));
    }
    d = std::round(scaled) / scale;  // drop binary noise such as 0.30000000000000004
  }
  return *d;
}

// Converts a cell to the filing's JSON value of `type`; an error message for the user (without
// the cell position) when it does not fit.
Result<json> Convert(const catalog::Catalog& catalog, const catalog::IndicatorType& type,
                     const XlsxCell& cell) {
  using catalog::ValueType;
  if (type.IsNumber()) {
    HUOJU_ASSIGN_OR_RETURN(double d, ConvertNumber(type, cell));
    return StoredNumber(d);
  }
  if (cell.type == XlsxCellType::kError) {
    return Status::Invalid(fmt::format("单元格是错误值 {}，应为{}", cell.text, TypeName(type)));
  }
  switch (type.kind) {
    case ValueType::kBool: {
      if (cell.type == XlsxCellType::kBool) {
        return json(cell.number != 0);
      }
      const std::string t = Trim(CellText(cell));
      if (t == "是" || t == "TRUE" || t == "true" || t == "1") {
        return json(true);
      }
      if (t == "否" || t == "FALSE" || t == "false" || t == "0") {
        return json(false);
      }
      return Status::Invalid(fmt::format("应为“是”或“否”，而不是“{}”", Shorten(t)));
    }
    case ValueType::kDate: {
      std::string t;
      if (cell.type == XlsxCellType::kDate) {
        t = cell.text.substr(0, 10);
      } else if (cell.type == XlsxCellType::kNumber) {
        t = io::SerialToDateText(cell.number).substr(0, 10);
      } else {
        t = Trim(cell.text);
        for (char& c : t) {
          c = c == '/' || c == '.' ? '-' : c;
        }
      }
      int y = 0;
      int m = 0;
      int d = 0;
      if (t.size() != 10 || std::sscanf(t.c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 ||
          m > 12 || d < 1 || d > 31 || t[4] != '-' || t[7] != '-') {
        return Status::Invalid(
            fmt::format("应为日期（YYYY-MM-DD），而不是“{}”", Shorten(CellText(cell))));
      }
      return json(t);
    }
    case ValueType::kCode: {
      std::string t = Trim(CellText(cell));
      // "code 名称" from the dropdown, or the bare code.
      size_t space = t.find(' ');
      std::string code = space == std::string::npos ? t : t.substr(0, space);
      const CodeList* list = catalog.FindCodeList(type.code_list);
      if (list != nullptr && list->Find(code) == nullptr) {
        auto title = catalog.code_list_titles.find(type.code_list);
        return Status::Invalid(
            fmt::format("代码“{}”不在代码表“{}”中", Shorten(code),
                        title == catalog.code_list_titles.end() ? type.code_list : title->second));
      }
      return json(code);
    }
    case ValueType::kMultiCode: {
      // Separators people type between codes: , ， ; ； 、 and spaces all become ",".
      const std::string raw = CellText(cell);
      std::string t;
      for (size_t i = 0; i < raw.size();) {
        std::string_view rest = std::string_view(raw).substr(i);
        size_t len = 0;
        for (std::string_view sep : {"，", "；", "、", ";", " "}) {
          if (rest.substr(0, sep.size()) == sep) {
            len = sep.size();
            break;
          }
        }
        t += len > 0 ? ',' : raw[i];
        i += len > 0 ? len : 1;
      }
      json out = json::array();
      const CodeList* list = catalog.FindCodeList(type.code_list);
      for (size_t start = 0; start <= t.size();) {
        size_t comma = t.find(',', start);
        std::string code =
            Trim(t.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (!code.empty()) {
          if (list != nullptr && list->Find(code) == nullptr) {
            return Status::Invalid(fmt::format("代码“{}”不在代码表中", Shorten(code)));
          }
          out.push_back(code);
        }
        if (comma == std::string::npos) {
          break;
        }
        start = comma + 1;
      }
      if (type.max_selected > 0 && out.size() > static_cast<size_t>(type.max_selected)) {
        return Status::Invalid(fmt::format("最多选择 {} 项", type.max_selected));
      }
      return out;
    }
    default: {
      std::string t = cell.type == XlsxCellType::kText ? cell.text : CellText(cell);
      if (type.max_chars > 0 && Utf8Chars(t) > static_cast<size_t>(type.max_chars)) {
        return Status::Invalid(
            fmt::format("最多 {} 个字，填写了 {} 个字", type.max_chars, Utf8Chars(t)));
      }
      return json(t);
    }
  }
}

struct Reader {
  const catalog::Catalog* catalog = nullptr;
  const catalog::Form* form = nullptr;
  ParsedWorkbook out;
  std::unordered_map<std::string, size_t> by_uscc;
  UnitBlockSink* sink = nullptr;  ///< set when units may be handed over as they are read

  // Hands the units read since the last block to the sink, once there are enough of them
  // (`all`: however many there are).
  void HandOver(bool all) {
    const size_t ready = out.units.size() - out.units_in_blocks;
    if (sink == nullptr || ready == 0 || (!all && ready < kImportBlockRows)) {
      return;
    }
    sink->Block(out.units_in_blocks,
                workbook_internal::TakeUnits(out.units, out.units_in_blocks, out.units.size()));
    out.units_in_blocks = out.units.size();
  }

  void Problem(const std::string& sheet, int64_t row, int col, const std::string& field,
               std::optional<size_t> unit, std::string message) {
    WorkbookProblem p{sheet, row, col, field, "", std::move(message)};
    if (unit) {
      p.uscc = out.units[*unit].uscc;
      out.unit_bad[*unit] = true;
    }
    out.problems.push_back(std::move(p));
  }

  size_t AddUnit(const std::string& uscc, CellOrigin origin) {
    ImportRow unit;
    unit.uscc = uscc;
    unit.values = json::object();
    out.units.push_back(std::move(unit));
    out.unit_origin.push_back(std::move(origin));
    out.cells.emplace_back();
    out.unit_bad.push_back(false);
    return out.units.size() - 1;
  }

  // Sets one value of unit `u` from `cell`, reporting a problem when it does not convert.
  // `record_origin` false: the cell's place is known from layout_cells (batch sheet columns).
  void Set(size_t u, const std::string& sheet, const XlsxCell& cell,
           const catalog::IndicatorType& type, const std::string& field, const std::string& name,
           json* target, const std::string& key, bool record_origin = true) {
    auto v = Convert(*catalog, type, cell);
    if (!v.ok()) {
      Problem(sheet, cell.row, cell.col, field, u,
              fmt::format("{}：{}", name, v.status().message()));
      return;
    }
    (*target)[key] = std::move(v).value();
    if (record_origin) {
      out.cells[u][field] = {sheet, cell.row, cell.col};
    }
  }

  Status UnitSheet(io::XlsxReader& reader, const io::XlsxReader::Sheet& sheet) {
    std::optional<size_t> unit;
    return reader.ReadSheet(sheet, [&](int64_t row, const std::vector<XlsxCell>& cells) {
      auto at = [&](int col) -> const XlsxCell* {
        for (const auto& c : cells) {
          if (c.col == col) {
            return &c;
          }
        }
        return nullptr;
      };
      if (row == 2) {
        const XlsxCell* u = at(2);
        const std::string uscc = u == nullptr ? "" : Trim(CellText(*u));
        if (uscc.empty()) {
          Problem(sheet.name, 2, 2, "uscc", std::nullopt, "缺少统一社会信用代码");
          return Status::Ok();
        }
        unit = AddUnit(uscc, {sheet.name, 2, 2});
        by_uscc[uscc] = *unit;
        return Status::Ok();
      }
      if (row < 4) {
        return Status::Ok();
      }
      const XlsxCell* code_cell = at(2);
      const XlsxCell* value = at(4);
      if (code_cell == nullptr) {
        if (value != nullptr) {
          Problem(sheet.name, row, 4, "", unit, "这一行没有指标代码，填写的值无法对应到指标");
        }
        return Status::Ok();
      }
      const std::string code = Trim(CellText(*code_cell));
      const catalog::Indicator* ind = form->FindIndicator(code);
      if (ind == nullptr) {
        Problem(sheet.name, row, 2, code, unit,
                fmt::format("未知的指标代码“{}”（模板的代码列不可修改）", Shorten(code)));
        return Status::Ok();
      }
      out.layout_cells[ind->code] = {sheet.name, row, 4};
      if (value == nullptr || !unit || !ind->formula.empty() ||
          ind->type.kind == catalog::ValueType::kFile) {
        return Status::Ok();  // blank, derived or not importable
      }
      Set(*unit, sheet.name, *value, ind->type, ind->code, ind->name, &out.units[*unit].values,
          ind->code);
      return Status::Ok();
    });
  }

  Status BatchSheet(io::XlsxReader& reader, const io::XlsxReader::Sheet& sheet) {
    std::vector<const catalog::Indicator*> columns;  // by column number; null = not an input
    auto column = [&](int col) -> const catalog::Indicator* {
      return col > 0 && static_cast<size_t>(col) < columns.size() ? columns[col] : nullptr;
    };
    // A row's values go into its unit's object in the order of their codes, each at the end,
    // so that building the object costs no key comparisons (hot path: a national batch).
    std::vector<int> rank_of_column;
    struct Staged {
      int rank;
      const catalog::Indicator* indicator;
      json value;
    };
    std::vector<Staged> staged;
    size_t number_columns = 0;
    int uscc_col = 0;
    return reader.ReadSheet(sheet, [&](int64_t row, const std::vector<XlsxCell>& cells) {
      if (row == 3) {
        for (const auto& c : cells) {
          const std::string code = Trim(CellText(c));
          if (code == "uscc") {
            uscc_col = c.col;
          } else if (code == "name") {
            continue;
          } else if (const auto* ind = form->FindIndicator(code); ind != nullptr) {
            if (ind->formula.empty() && ind->type.kind != catalog::ValueType::kFile) {
              if (columns.size() <= static_cast<size_t>(c.col)) {
                columns.resize(static_cast<size_t>(c.col) + 1, nullptr);
              }
              columns[c.col] = ind;
              number_columns += ind->type.IsNumber() ? 1 : 0;
              out.layout_cells[ind->code] = {sheet.name, 0, c.col};
            }
          } else {
            Problem(sheet.name, 3, c.col, code, std::nullopt,
                    fmt::format("未知的指标代码“{}”（模板的代码行不可修改）", Shorten(code)));
          }
        }
        if (uscc_col == 0) {
          return Status::Invalid(fmt::format(
              "工作表“{}”第 3 行缺少“uscc”代码列，无法识别单位，请重新下载模板", sheet.name));
        }
        std::vector<int> by_code;
        for (size_t col = 0; col < columns.size(); ++col) {
          if (columns[col] != nullptr) {
            by_code.push_back(static_cast<int>(col));
          }
        }
        std::sort(by_code.begin(), by_code.end(),
                  [&](int a, int b) { return columns[a]->code < columns[b]->code; });
        rank_of_column.assign(columns.size(), 0);
        for (size_t r = 0; r < by_code.size(); ++r) {
          rank_of_column[by_code[r]] = static_cast<int>(r);
        }
        return Status::Ok();
      }
      if (row < 4) {
        return Status::Ok();
      }
      std::string uscc;
      bool has_data = false;
      for (const auto& c : cells) {
        if (c.col == uscc_col) {
          uscc = Trim(CellText(c));
        } else if (column(c.col) != nullptr) {
          has_data = true;
        }
      }
      if (uscc.empty()) {
        if (has_data) {
          Problem(sheet.name, row, uscc_col, "uscc", std::nullopt,
                  "这一行填写了数据，但缺少统一社会信用代码");
        }
        return Status::Ok();
      }
      // One hash lookup per row: the index of the unit this row would add, unless a row
      // before it had the same USCC.
      if (auto [it, added] = by_uscc.try_emplace(uscc, out.units.size()); !added) {
        const CellOrigin& first = out.unit_origin[it->second];
        Problem(sheet.name, row, uscc_col, "uscc", it->second,
                fmt::format("统一社会信用代码 {} 重复（第一次出现在第 {} 行）", uscc, first.row));
        return Status::Ok();
      }
      size_t u = AddUnit(uscc, {sheet.name, row, uscc_col});
      staged.clear();
      // Numbers (most of a batch) go to the row's `numbers`, without a JSON object each.
      auto& numbers = out.units[u].numbers;
      numbers.reserve(number_columns);
      for (const auto& c : cells) {
        if (const catalog::Indicator* ind = column(c.col); ind != nullptr) {
          if (ind->type.IsNumber()) {
            auto d = ConvertNumber(ind->type, c);
            if (!d.ok()) {
              Problem(sheet.name, c.row, c.col, ind->code, u,
                      fmt::format("{}：{}", ind->name, d.status().message()));
              continue;
            }
            numbers.emplace_back(ind, *d);
            continue;
          }
          auto v = Convert(*catalog, ind->type, c);
          if (!v.ok()) {
            Problem(sheet.name, c.row, c.col, ind->code, u,
                    fmt::format("{}：{}", ind->name, v.status().message()));
            continue;
          }
          staged.push_back({rank_of_column[c.col], ind, std::move(v).value()});
        }
      }
      std::sort(staged.begin(), staged.end(),
                [](const Staged& a, const Staged& b) { return a.rank < b.rank; });
      auto& values = out.units[u].values.get_ref<json::object_t&>();
      for (Staged& s : staged) {
        values.emplace_hint(values.end(), s.indicator->code, std::move(s.value));
      }
      HandOver(false);
      return Status::Ok();
    });
  }

  Status TableSheet(io::XlsxReader& reader, const io::XlsxReader::Sheet& sheet,
                    const catalog::RowTable& table) {
    const bool batch = out.layout == WorkbookLayout::kBatch;
    std::map<int, const catalog::Column*> columns;
    int uscc_col = 0;
    std::map<size_t, int> rows_of_unit;
    return reader.ReadSheet(sheet, [&](int64_t row, const std::vector<XlsxCell>& cells) {
      if (row == 2) {
        for (const auto& c : cells) {
          const std::string code = Trim(CellText(c));
          if (batch && code == "uscc") {
            uscc_col = c.col;
          } else if (const auto* col = table.FindColumn(code); col != nullptr) {
            if (col->type.kind != catalog::ValueType::kFile) {
              columns[c.col] = col;
            }
          } else {
            Problem(sheet.name, 2, c.col, code, std::nullopt,
                    fmt::format("行表“{}”中没有列代码“{}”（代码行不可修改）", table.title,
                                Shorten(code)));
          }
        }
        if (batch && uscc_col == 0) {
          return Status::Invalid(
              fmt::format("工作表“{}”第 2 行缺少“uscc”代码列，请重新下载模板", sheet.name));
        }
        return Status::Ok();
      }
      if (row < 3) {
        return Status::Ok();
      }
      bool has_data = false;
      std::string uscc;
      for (const auto& c : cells) {
        if (batch && c.col == uscc_col) {
          uscc = Trim(CellText(c));
        } else if (columns.count(c.col) != 0) {
          has_data = true;
        }
      }
      if (!has_data) {
        return Status::Ok();
      }
      std::optional<size_t> unit;
      if (batch) {
        auto it = by_uscc.find(uscc);
        if (it == by_uscc.end()) {
          Problem(sheet.name, row, uscc_col, "uscc", std::nullopt,
                  uscc.empty() ? "这一行填写了数据，但缺少统一社会信用代码"
                               : fmt::format("统一社会信用代码 {} 不在“批量填报”工作表中", uscc));
          return Status::Ok();
        }
        unit = it->second;
      } else if (!out.units.empty()) {
        unit = 0;
      } else {
        return Status::Ok();
      }
      json& rows = out.units[*unit].values[table.code];
      if (!rows.is_array()) {
        rows = json::array();
      }
      const int n = ++rows_of_unit[*unit];
      json r = json::object();
      for (const auto& c : cells) {
        auto it = columns.find(c.col);
        if (it != columns.end()) {
          const std::string field = fmt::format("{}[{}].{}", table.code, n, it->second->code);
          Set(*unit, sheet.name, c, it->second->type, field,
              fmt::format("{}第 {} 行“{}”", table.title, n, it->second->name), &r,
              it->second->code);
        }
      }
      rows.push_back(std::move(r));
      return Status::Ok();
    });
  }
};

}  // namespace

Result<ParsedWorkbook> ReadWorkbook(std::string_view bytes, const CatalogRegistry& catalogs,
                                    UnitBlockSink* sink) {
  HUOJU_ASSIGN_OR_RETURN(auto reader, io::XlsxReader::Open(bytes));
  const io::XlsxReader::Sheet* meta = reader->FindSheet(workbook_internal::kMetaSheet);
  if (meta == nullptr) {
    return Status::Invalid(
        "这不是本系统下载的报表模板（缺少隐藏的“_huoju”工作表），请先下载模板，在模板中填写后上传");
  }
  HUOJU_ASSIGN_OR_RETURN(auto meta_cells, reader->ReadAll(*meta, 10'000));
  std::map<std::string, std::string> kv;
  std::vector<std::pair<std::string, std::string>> sheet_roles;  // name → role
  std::map<int64_t, std::map<int, std::string>> grid;
  for (const auto& c : meta_cells) {
    grid[c.row][c.col] = CellText(c);
  }
  for (auto& [row, cols] : grid) {
    if (cols[1] == "sheet") {
      sheet_roles.emplace_back(cols[2], cols[3]);
    } else {
      kv[cols[1]] = cols[2];
    }
  }
  Reader r;
  if (kv["huoju_template"] != std::to_string(workbook_internal::kTemplateVersion)) {
    return Status::Invalid("模板版本不受支持，请重新下载模板");
  }
  r.out.form_code = kv["form"];
  r.out.period = kv["period"];
  r.out.catalog_year = std::atoi(kv["catalog_year"].c_str());
  r.out.catalog_version = std::atoll(kv["catalog_version"].c_str());
  const std::string layout = kv["layout"];
  if (layout != "unit" && layout != "batch") {
    return Status::Invalid("模板的元数据已损坏（layout），请重新下载模板");
  }
  r.out.layout = layout == "batch" ? WorkbookLayout::kBatch : WorkbookLayout::kUnit;
  const CatalogYear* cy = catalogs.Year(r.out.catalog_year);
  r.catalog = cy == nullptr ? nullptr : &cy->catalog();
  r.form = r.catalog == nullptr ? nullptr : r.catalog->FindForm(r.out.form_code);
  if (r.form == nullptr) {
    return Status::Invalid(fmt::format("模板所属的报表 {}（{} 年目录）不存在，请重新下载模板",
                                       r.out.form_code, r.out.catalog_year));
  }
  if (cy->version_id != 0 && r.out.catalog_version != 0 &&
      cy->version_id != r.out.catalog_version) {
    return Status::Invalid(
        "报表目录已更新，模板已过期，请重新下载模板（可下载带当前数据的模板后再修改）");
  }
  if (sink != nullptr) {
    HUOJU_RETURN_IF_ERROR(sink->Begin(r.out));
    // Units are complete at the end of their row only when no row-table sheet adds to them.
    const bool tables = std::any_of(sheet_roles.begin(), sheet_roles.end(),
                                    [](const auto& s) { return s.second != "main"; });
    r.sink = r.out.layout == WorkbookLayout::kBatch && !tables ? sink : nullptr;
  }
  bool main_seen = false;
  for (const auto& [name, role] : sheet_roles) {
    const io::XlsxReader::Sheet* sheet = reader->FindSheet(name);
    if (sheet == nullptr) {
      return Status::Invalid(fmt::format("找不到工作表“{}”：模板的工作表不可改名或删除", name));
    }
    if (role == "main") {
      main_seen = true;
      HUOJU_RETURN_IF_ERROR(r.out.layout == WorkbookLayout::kUnit ? r.UnitSheet(*reader, *sheet)
                                                                  : r.BatchSheet(*reader, *sheet));
    } else if (role.rfind("table:", 0) == 0 && main_seen) {
      const catalog::RowTable* table = r.form->FindRowTable(role.substr(6));
      if (table == nullptr) {
        return Status::Invalid(fmt::format("模板中的行表“{}”不在报表中，请重新下载模板", name));
      }
      HUOJU_RETURN_IF_ERROR(r.TableSheet(*reader, *sheet, *table));
    } else {
      return Status::Invalid("模板的元数据已损坏（工作表），请重新下载模板");
    }
  }
  if (!main_seen) {
    return Status::Invalid("模板的元数据已损坏（缺少主工作表），请重新下载模板");
  }
  r.HandOver(true);
  if (r.out.units.empty() && r.out.problems.empty()) {
    return Status::Invalid("工作簿中没有填写任何单位的数据");
  }
  return std::move(r.out);
}

}  // namespace huoju::app
