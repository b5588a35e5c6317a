// src/app/workbook_template.cpp
//
// Writing form templates with libxlsxwriter (1.1.4 writes to a file only: a private temporary
// file is read back and removed). Layout and metadata: include/huoju/app/workbook.hpp.

#include <fmt/format.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "huoju/app/workbook.hpp"
#include "src/app/workbook_internal.hpp"

namespace huoju::app {

using nlohmann::json;

const char* WorkbookLayoutName(WorkbookLayout layout) {
  return layout == WorkbookLayout::kBatch ? "batch" : "unit";
}

namespace workbook_internal {

std::string SheetNameFor(const std::string& title, std::set<std::string>* used) {
  std::string name;
  int chars = 0;
  for (size_t i = 0; i < title.size() && chars < 28;) {
    auto c = static_cast<unsigned char>(title[i]);
    size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    std::string ch = title.substr(i, len);
    if (len == 1 && std::string_view("[]:*?/\\'").find(title[i]) != std::string_view::npos) {
      ch = "_";
    }
    name += ch;
    ++chars;
    i += len;
  }
  if (name.empty()) {
    name = "表";
  }
  std::string unique = name;
  for (int n = 2; used->count(unique) != 0; ++n) {
    unique = name + std::to_string(n);
  }
  used->insert(unique);
  return unique;
}

std::string CodeLabel(const Code& code) {
  return code.code + " " + code.name;
}

}  // namespace workbook_internal

namespace {

using workbook_internal::kCodesSheet;
using workbook_internal::kMetaSheet;

constexpr int kBatchSpareRows = 2000;  ///< validated rows below the listed units
constexpr int kTableInputRows = 500;   ///< validated rows of a row table per unit

class TempFile {
 public:
  TempFile() {
    std::error_code ec;
    std::string tmpl = (std::filesystem::temp_directory_path(ec) / "huoju-tpl-XXXXXX").string();
    if (ec) {
      tmpl = "/tmp/huoju-tpl-XXXXXX";
    }
    int fd = mkstemp(tmpl.data());
    if (fd >= 0) {
      close(fd);
      path_ = tmpl;
    }
  }
  ~TempFile() {
    if (!path_.empty()) {
      unlink(path_.c_str());
    }
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Text of a stored value for a cell that holds text (codes as "code 名称").
std::string DisplayText(const catalog::Catalog& catalog, const catalog::IndicatorType& type,
                        const json& v) {
  auto label = [&](const std::string& code) {
    const CodeList* list = catalog.FindCodeList(type.code_list);
    const Code* c = list == nullptr ? nullptr : list->Find(code);
    return c == nullptr ? code : workbook_internal::CodeLabel(*c);
  };
  if (v.is_string()) {
    return type.kind == catalog::ValueType::kCode ? label(v.get<std::string>())
                                                  : v.get<std::string>();
  }
  if (v.is_boolean()) {
    return v.get<bool>() ? "是" : "否";
  }
  if (v.is_array()) {
    std::string out;
    for (const auto& e : v) {
      out += out.empty() ? "" : ",";
      out += e.is_string() ? e.get<std::string>() : e.dump();
    }
    return out;
  }
  if (v.is_number_integer()) {
    return std::to_string(v.get<long long>());
  }
  return v.is_null() ? "" : v.dump();
}

class TemplateWriter {
 public:
  TemplateWriter(const TemplateSpec& spec, lxw_workbook* wb) : spec_(spec), wb_(wb) {}

  Status Write() {
    Formats();
    PlanCodeLists();
    if (spec_.layout == WorkbookLayout::kUnit) {
      HUOJU_RETURN_IF_ERROR(UnitSheet());
    } else {
      HUOJU_RETURN_IF_ERROR(BatchSheet());
    }
    for (const auto& table : spec_.form->row_tables) {
      HUOJU_RETURN_IF_ERROR(TableSheet(table));
    }
    HUOJU_RETURN_IF_ERROR(CodesSheet());  // last: the visible sheets come first
    return MetaSheet();
  }

 private:
  void Formats() {
    title_ = workbook_add_format(wb_);
    format_set_bold(title_);
    format_set_font_size(title_, 14);
    head_ = workbook_add_format(wb_);
    format_set_bold(head_);
    format_set_border(head_, LXW_BORDER_THIN);
    format_set_bg_color(head_, 0xE8E8E8);
    format_set_text_wrap(head_);
    format_set_align(head_, LXW_ALIGN_VERTICAL_CENTER);
    code_ = workbook_add_format(wb_);
    format_set_font_color(code_, 0x808080);
    format_set_border(code_, LXW_BORDER_THIN);
    locked_ = workbook_add_format(wb_);
    format_set_border(locked_, LXW_BORDER_THIN);
    section_ = workbook_add_format(wb_);
    format_set_bold(section_);
    input_ = workbook_add_format(wb_);
    format_set_unlocked(input_);
    format_set_border(input_, LXW_BORDER_THIN);
    format_set_bg_color(input_, 0xFFFDE7);
    input_text_ = workbook_add_format(wb_);
    format_set_unlocked(input_text_);
    format_set_border(input_text_, LXW_BORDER_THIN);
    format_set_bg_color(input_text_, 0xFFFDE7);
    format_set_num_format(input_text_, "@");
    unlocked_col_ = workbook_add_format(wb_);
    format_set_unlocked(unlocked_col_);
  }

  static Status Check(const char* what, lxw_error err) {
    if (err == LXW_NO_ERROR) {
      return Status::Ok();
    }
    return Status::Internal(fmt::format("生成 Excel 模板失败（{}）：{}", what, lxw_strerror(err)));
  }

  Status String(lxw_worksheet* ws, int64_t row, int col, const std::string& text, lxw_format* f) {
    return Check("单元格", worksheet_write_string(ws, static_cast<lxw_row_t>(row),
                                                  static_cast<lxw_col_t>(col), text.c_str(), f));
  }

  // The code lists used by the form, one column each on the hidden sheet, and the ranges the
  // dropdowns refer to (formulas may name a sheet written later).
  void PlanCodeLists() {
    auto note = [&](const catalog::IndicatorType& t) {
      if (t.kind == catalog::ValueType::kCode && !t.code_list.empty() &&
          spec_.catalog->FindCodeList(t.code_list) != nullptr &&
          std::find(lists_.begin(), lists_.end(), t.code_list) == lists_.end()) {
        lists_.push_back(t.code_list);
      }
    };
    for (const auto& ind : spec_.form->indicators) {
      note(ind.type);
    }
    for (const auto& t : spec_.form->row_tables) {
      for (const auto& c : t.columns) {
        note(c.type);
      }
    }
    for (size_t i = 0; i < lists_.size(); ++i) {
      const CodeList* list = spec_.catalog->FindCodeList(lists_[i]);
      const std::string letters = ColumnLetters(static_cast<int>(i));
      list_ranges_[lists_[i]] = fmt::format("='{}'!${}$2:${}${}", kCodesSheet, letters, letters,
                                            std::max<size_t>(list->all().size() + 1, 2));
    }
  }

  // The hidden sheet of code lists: one column per list used by the form, "code 名称".
  Status CodesSheet() {
    lxw_worksheet* ws = workbook_add_worksheet(wb_, kCodesSheet);
    if (ws == nullptr) {
      return Status::Internal("生成 Excel 模板失败（代码表工作表）");
    }
    for (size_t i = 0; i < lists_.size(); ++i) {
      const CodeList* list = spec_.catalog->FindCodeList(lists_[i]);
      const auto col = static_cast<int>(i);
      HUOJU_RETURN_IF_ERROR(String(ws, 0, col, lists_[i], nullptr));
      int64_t row = 1;
      for (const Code& c : list->all()) {
        HUOJU_RETURN_IF_ERROR(String(ws, row++, col, workbook_internal::CodeLabel(c), nullptr));
      }
    }
    worksheet_hide(ws);
    worksheet_protect(ws, nullptr, nullptr);
    return Status::Ok();
  }

  static std::string ColumnLetters(int col0) {
    std::string s;
    for (int c = col0 + 1; c > 0; c = (c - 1) / 26) {
      s.insert(s.begin(), static_cast<char>('A' + (c - 1) % 26));
    }
    return s;
  }

  // Data validation of an input range by indicator type. Codes get a dropdown (warning only:
  // a bare code typed by hand is accepted by the import), numbers a range.
  Status Validate(lxw_worksheet* ws, int64_t r1, int c1, int64_t r2, int c2,
                  const catalog::IndicatorType& type, std::optional<double> min,
                  std::optional<double> max, bool negative_allowed, const std::string& name) {
    lxw_data_validation dv{};
    std::string title = name.substr(0, 90);
    std::string message;
    std::string formula;
    char yes_no_0[] = "是";
    char yes_no_1[] = "否";
    char* yes_no[] = {yes_no_0, yes_no_1, nullptr};
    using catalog::ValueType;
    switch (type.kind) {
      case ValueType::kInt:
      case ValueType::kYear:
      case ValueType::kDecimal:
      case ValueType::kPercent: {
        const bool integer = type.kind == ValueType::kInt || type.kind == ValueType::kYear;
        dv.validate = integer ? LXW_VALIDATION_TYPE_INTEGER : LXW_VALIDATION_TYPE_DECIMAL;
        dv.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
        double lo = min.value_or(negative_allowed ? -1e15 : 0);
        double hi = max.value_or(1e15);
        if (type.kind == ValueType::kYear) {
          lo = min.value_or(1900);
          hi = max.value_or(2100);
        }
        dv.minimum_number = lo;
        dv.maximum_number = hi;
        message = integer ? fmt::format("请填写 {} 到 {} 之间的整数", lo, hi)
                          : fmt::format("请填写 {} 到 {} 之间的数值", lo, hi);
        break;
      }
      case ValueType::kCode: {
        auto it = list_ranges_.find(type.code_list);
        if (it == list_ranges_.end()) {
          return Status::Ok();
        }
        formula = it->second;
        dv.validate = LXW_VALIDATION_TYPE_LIST_FORMULA;
        dv.value_formula = formula.data();
        dv.error_type = LXW_VALIDATION_ERROR_TYPE_WARNING;
        message = "请从下拉列表中选择（也可只填代码）";
        break;
      }
      case ValueType::kBool:
        dv.validate = LXW_VALIDATION_TYPE_LIST;
        dv.value_list = yes_no;
        message = "请选择“是”或“否”";
        break;
      case ValueType::kText:
        if (type.max_chars <= 0) {
          return Status::Ok();
        }
        dv.validate = LXW_VALIDATION_TYPE_LENGTH;
        dv.criteria = LXW_VALIDATION_CRITERIA_LESS_THAN_OR_EQUAL_TO;
        dv.value_number = type.max_chars;
        message = fmt::format("最多 {} 个字", type.max_chars);
        break;
      default:
        return Status::Ok();
    }
    dv.error_title = title.data();
    dv.error_message = message.data();
    return Check("数据验证", worksheet_data_validation_range(
                                 ws, static_cast<lxw_row_t>(r1), static_cast<lxw_col_t>(c1),
                                 static_cast<lxw_row_t>(r2), static_cast<lxw_col_t>(c2), &dv));
  }

  // Writes a prefilled value (numbers as numbers, the rest as text) with `format`.
  Status Value(lxw_worksheet* ws, int64_t row, int col, const catalog::IndicatorType& type,
               const json& v, lxw_format* number_format, lxw_format* text_format) {
    if (v.is_null()) {
      return Check("单元格", worksheet_write_blank(ws, static_cast<lxw_row_t>(row),
                                                   static_cast<lxw_col_t>(col), number_format));
    }
    if (type.IsNumber() && v.is_number()) {
      return Check("单元格", worksheet_write_number(ws, static_cast<lxw_row_t>(row),
                                                    static_cast<lxw_col_t>(col), v.get<double>(),
                                                    number_format));
    }
    return String(ws, row, col, DisplayText(*spec_.catalog, type, v), text_format);
  }

  static lxw_format* Pick(const catalog::IndicatorType& t, lxw_format* number, lxw_format* text) {
    return t.IsNumber() ? number : text;
  }

  static bool Importable(const catalog::Indicator& ind) {
    return ind.formula.empty() && ind.type.kind != catalog::ValueType::kFile;
  }

  std::string Title() const {
    return fmt::format("{} {}（报告期 {}）", spec_.form->code, spec_.form->title, spec_.period);
  }

  Status UnitSheet() {
    main_sheet_ = "填报";
    lxw_worksheet* ws = workbook_add_worksheet(wb_, main_sheet_.c_str());
    if (ws == nullptr) {
      return Status::Internal("生成 Excel 模板失败（工作表）");
    }
    const WorkbookUnit& unit = spec_.units.front();
    worksheet_set_column(ws, 0, 0, 44, nullptr);
    worksheet_set_column(ws, 1, 1, 12, nullptr);
    worksheet_set_column(ws, 2, 2, 10, nullptr);
    worksheet_set_column(ws, 3, 3, 28, nullptr);
    HUOJU_RETURN_IF_ERROR(String(ws, 0, 0, Title(), title_));
    HUOJU_RETURN_IF_ERROR(String(ws, 1, 0, "统一社会信用代码", head_));
    HUOJU_RETURN_IF_ERROR(String(ws, 1, 1, unit.uscc, locked_));
    HUOJU_RETURN_IF_ERROR(String(ws, 1, 2, "单位名称", head_));
    HUOJU_RETURN_IF_ERROR(String(ws, 1, 3, unit.name, locked_));
    const char* heads[] = {"指标名称", "代码", "计量单位", "填报值"};
    for (int c = 0; c < 4; ++c) {
      HUOJU_RETURN_IF_ERROR(String(ws, 2, c, heads[c], head_));
    }
    worksheet_freeze_panes(ws, 3, 0);
    int64_t row = 3;
    std::set<std::string> written;
    auto indicator_row = [&](const catalog::Indicator& ind) -> Status {
      if (ind.type.kind == catalog::ValueType::kFile || !written.insert(ind.code).second) {
        return Status::Ok();
      }
      HUOJU_RETURN_IF_ERROR(String(ws, row, 0, ind.name, locked_));
      HUOJU_RETURN_IF_ERROR(String(ws, row, 1, ind.code, code_));
      HUOJU_RETURN_IF_ERROR(String(ws, row, 2, ind.unit, locked_));
      const json v = unit.values.contains(ind.code) ? unit.values[ind.code] : json(nullptr);
      if (Importable(ind)) {
        HUOJU_RETURN_IF_ERROR(
            Value(ws, row, 3, ind.type, v, input_, Pick(ind.type, input_, input_text_)));
        HUOJU_RETURN_IF_ERROR(Validate(ws, row, 3, row, 3, ind.type, ind.min, ind.max,
                                       ind.negative_allowed, ind.name));
      } else {
        HUOJU_RETURN_IF_ERROR(Value(ws, row, 3, ind.type, v, locked_, locked_));  // derived
      }
      ++row;
      return Status::Ok();
    };
    for (const auto& section : spec_.form->sections) {
      HUOJU_RETURN_IF_ERROR(String(ws, row++, 0, section.title, section_));
      for (const auto& code : section.indicators) {
        if (const catalog::Indicator* ind = spec_.form->FindIndicator(code)) {
          HUOJU_RETURN_IF_ERROR(indicator_row(*ind));
        }
      }
    }
    for (const auto& ind : spec_.form->indicators) {  // any outside a section
      HUOJU_RETURN_IF_ERROR(indicator_row(ind));
    }
    worksheet_protect(ws, nullptr, nullptr);
    worksheet_activate(ws);
    return Status::Ok();
  }

  Status BatchSheet() {
    main_sheet_ = "批量填报";
    lxw_worksheet* ws = workbook_add_worksheet(wb_, main_sheet_.c_str());
    if (ws == nullptr) {
      return Status::Internal("生成 Excel 模板失败（工作表）");
    }
    std::vector<const catalog::Indicator*> inds;
    for (const auto& ind : spec_.form->indicators) {
      if (Importable(ind)) {
        inds.push_back(&ind);
      }
    }
    const auto last_row = static_cast<int64_t>(3 + spec_.units.size() + kBatchSpareRows);
    worksheet_set_column(ws, 0, 0, 22, input_text_);
    worksheet_set_column(ws, 1, 1, 30, unlocked_col_);
    for (size_t i = 0; i < inds.size(); ++i) {
      auto col = static_cast<lxw_col_t>(i + 2);
      worksheet_set_column(ws, col, col, 16, Pick(inds[i]->type, unlocked_col_, input_text_));
    }
    HUOJU_RETURN_IF_ERROR(String(ws, 0, 0, Title() + " 批量填报", title_));
    HUOJU_RETURN_IF_ERROR(String(ws, 1, 0, "统一社会信用代码", head_));
    HUOJU_RETURN_IF_ERROR(String(ws, 1, 1, "单位名称", head_));
    HUOJU_RETURN_IF_ERROR(String(ws, 2, 0, "uscc", code_));
    HUOJU_RETURN_IF_ERROR(String(ws, 2, 1, "name", code_));
    worksheet_set_row(ws, 1, 45, nullptr);
    for (size_t i = 0; i < inds.size(); ++i) {
      const int col = static_cast<int>(i + 2);
      const auto& ind = *inds[i];
      HUOJU_RETURN_IF_ERROR(String(
          ws, 1, col, ind.unit.empty() ? ind.name : ind.name + "（" + ind.unit + "）", head_));
      HUOJU_RETURN_IF_ERROR(String(ws, 2, col, ind.code, code_));
      HUOJU_RETURN_IF_ERROR(Validate(ws, 3, col, last_row, col, ind.type, ind.min, ind.max,
                                     ind.negative_allowed, ind.name));
    }
    worksheet_freeze_panes(ws, 3, 2);
    int64_t row = 3;
    for (const WorkbookUnit& unit : spec_.units) {
      HUOJU_RETURN_IF_ERROR(String(ws, row, 0, unit.uscc, input_text_));
      HUOJU_RETURN_IF_ERROR(String(ws, row, 1, unit.name, input_text_));
      for (size_t i = 0; i < inds.size(); ++i) {
        const auto& ind = *inds[i];
        if (unit.values.contains(ind.code) && !unit.values[ind.code].is_null()) {
          HUOJU_RETURN_IF_ERROR(Value(ws, row, static_cast<int>(i + 2), ind.type,
                                      unit.values[ind.code], input_, input_text_));
        }
      }
      ++row;
    }
    worksheet_protect(ws, nullptr, nullptr);
    worksheet_activate(ws);
    return Status::Ok();
  }

  Status TableSheet(const catalog::RowTable& table) {
    std::string name = workbook_internal::SheetNameFor(table.title, &used_names_);
    table_sheets_.emplace_back(name, table.code);
    lxw_worksheet* ws = workbook_add_worksheet(wb_, name.c_str());
    if (ws == nullptr) {
      return Status::Internal("生成 Excel 模板失败（行表工作表）");
    }
    const bool batch = spec_.layout == WorkbookLayout::kBatch;
    const int first_col = batch ? 1 : 0;
    if (batch) {
      worksheet_set_column(ws, 0, 0, 22, input_text_);
      HUOJU_RETURN_IF_ERROR(String(ws, 0, 0, "统一社会信用代码", head_));
      HUOJU_RETURN_IF_ERROR(String(ws, 1, 0, "uscc", code_));
    }
    const int64_t last_row =
        2 +
        kTableInputRows * static_cast<int64_t>(batch ? std::max<size_t>(spec_.units.size(), 4) : 1);
    for (size_t i = 0; i < table.columns.size(); ++i) {
      const auto& c = table.columns[i];
      const int col = first_col + static_cast<int>(i);
      worksheet_set_column(ws, static_cast<lxw_col_t>(col), static_cast<lxw_col_t>(col), 18,
                           Pick(c.type, unlocked_col_, input_text_));
      HUOJU_RETURN_IF_ERROR(
          String(ws, 0, col, c.unit.empty() ? c.name : c.name + "（" + c.unit + "）", head_));
      HUOJU_RETURN_IF_ERROR(String(ws, 1, col, c.code, code_));
      HUOJU_RETURN_IF_ERROR(
          Validate(ws, 2, col, last_row, col, c.type, std::nullopt, std::nullopt, false, c.name));
    }
    worksheet_set_row(ws, 0, 45, nullptr);
    worksheet_freeze_panes(ws, 2, 0);
    int64_t row = 2;
    for (const WorkbookUnit& unit : spec_.units) {
      if (!unit.values.contains(table.code) || !unit.values[table.code].is_array()) {
        continue;
      }
      for (const auto& r : unit.values[table.code]) {
        if (batch) {
          HUOJU_RETURN_IF_ERROR(String(ws, row, 0, unit.uscc, input_text_));
        }
        for (size_t i = 0; i < table.columns.size(); ++i) {
          const auto& c = table.columns[i];
          if (r.is_object() && r.contains(c.code) && !r[c.code].is_null()) {
            HUOJU_RETURN_IF_ERROR(Value(ws, row, first_col + static_cast<int>(i), c.type, r[c.code],
                                        input_, input_text_));
          }
        }
        ++row;
      }
    }
    worksheet_protect(ws, nullptr, nullptr);
    return Status::Ok();
  }

  Status MetaSheet() {
    lxw_worksheet* ws = workbook_add_worksheet(wb_, kMetaSheet);
    if (ws == nullptr) {
      return Status::Internal("生成 Excel 模板失败（元数据工作表）");
    }
    int64_t row = 0;
    auto kv = [&](const std::string& k, const std::string& v, const std::string& extra = "") {
      HUOJU_RETURN_IF_ERROR(String(ws, row, 0, k, nullptr));
      HUOJU_RETURN_IF_ERROR(String(ws, row, 1, v, nullptr));
      if (!extra.empty()) {
        HUOJU_RETURN_IF_ERROR(String(ws, row, 2, extra, nullptr));
      }
      ++row;
      return Status::Ok();
    };
    HUOJU_RETURN_IF_ERROR(
        kv("huoju_template", std::to_string(workbook_internal::kTemplateVersion)));
    HUOJU_RETURN_IF_ERROR(kv("form", spec_.form->code));
    HUOJU_RETURN_IF_ERROR(kv("period", spec_.period));
    HUOJU_RETURN_IF_ERROR(kv("catalog_year", std::to_string(spec_.catalog->year)));
    HUOJU_RETURN_IF_ERROR(kv("catalog_version", std::to_string(spec_.catalog_version)));
    HUOJU_RETURN_IF_ERROR(kv("layout", WorkbookLayoutName(spec_.layout)));
    HUOJU_RETURN_IF_ERROR(kv("sheet", main_sheet_, "main"));
    for (const auto& [name, code] : table_sheets_) {
      HUOJU_RETURN_IF_ERROR(kv("sheet", name, "table:" + code));
    }
    worksheet_hide(ws);
    worksheet_protect(ws, nullptr, nullptr);
    return Status::Ok();
  }

  const TemplateSpec& spec_;
  lxw_workbook* wb_;
  lxw_format* title_ = nullptr;
  lxw_format* head_ = nullptr;
  lxw_format* code_ = nullptr;
  lxw_format* locked_ = nullptr;
  lxw_format* section_ = nullptr;
  lxw_format* input_ = nullptr;
  lxw_format* input_text_ = nullptr;
  lxw_format* unlocked_col_ = nullptr;
  std::vector<std::string> lists_;
  std::map<std::string, std::string> list_ranges_;
  std::string main_sheet_;
  std::vector<std::pair<std::string, std::string>> table_sheets_;
  std::set<std::string> used_names_ = {"填报", "批量填报", kMetaSheet, kCodesSheet};
};

}  // namespace

Result<std::string> WriteTemplate(const TemplateSpec& spec) {
  if (spec.catalog == nullptr || spec.form == nullptr) {
    return Status::Internal("模板缺少报表定义");
  }
  if (spec.layout == WorkbookLayout::kUnit && spec.units.size() != 1) {
    return Status::InvalidField("unit", "单位模板应恰好对应一个单位");
  }
  TempFile file;
  if (file.path().empty()) {
    return Status::Internal("生成 Excel 模板失败（临时文件）");
  }
  lxw_workbook_options options{};
  options.constant_memory = LXW_FALSE;  // validations and protection need the full sheet
  lxw_workbook* wb = workbook_new_opt(file.path().c_str(), &options);
  if (wb == nullptr) {
    return Status::Internal("生成 Excel 模板失败（工作簿）");
  }
  TemplateWriter writer(spec, wb);
  Status st = writer.Write();
  lxw_error closed = workbook_close(wb);
  HUOJU_RETURN_IF_ERROR(st);
  if (closed != LXW_NO_ERROR) {
    return Status::Internal(std::string("生成 Excel 模板失败：") + lxw_strerror(closed));
  }
  std::ifstream in(file.path(), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.empty()) {
    return Status::Internal("生成 Excel 模板失败（读回）");
  }
  return bytes;
}

}  // namespace huoju::app
