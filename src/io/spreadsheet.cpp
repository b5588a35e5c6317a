// src/io/spreadsheet.cpp
//
// .xlsx through libxlsxwriter (1.1.4 writes to a file only: a private temporary file is read
// back and removed) and CSV.

#include "huoju/io/spreadsheet.hpp"

#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string_view>
#include <system_error>

#include "huoju/io/xlsx_stream.hpp"

namespace huoju::io {

namespace {

// Above this many cells the sheet is streamed row by row (constant memory; strings are then
// written inline instead of into the shared string table).
constexpr size_t kConstantMemoryCells = 500'000;

/// The number `text` holds, when it is plain decimal text Excel keeps exactly (≤ 15 digits).
bool ParseNumber(std::string_view text, double* value, int* decimals) {
  if (text.empty() || text.size() > 40) {
    return false;
  }
  int digits = 0;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c != '-' && c != '.') {
      return false;  // no exponents, inf, nan, spaces or thousands separators
    }
  }
  if (digits == 0 || digits > 15) {
    return false;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(*value)) {
    return false;
  }
  size_t dot = text.find('.');
  *decimals = dot == std::string_view::npos ? 0 : static_cast<int>(text.size() - dot - 1);
  return true;
}

/// A unique private temporary file, removed when this goes away.
class TempFile {
 public:
  TempFile() {
    std::error_code ec;
    std::string tmpl = (std::filesystem::temp_directory_path(ec) / "huoju-xlsx-XXXXXX").string();
    if (ec) {
      tmpl = "/tmp/huoju-xlsx-XXXXXX";
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

Status XlsxError(const char* what, lxw_error error) {
  return Status::Internal(std::string("生成 Excel 文件失败（") + what + "）：" +
                          lxw_strerror(error));
}

class XlsxWriter {
 public:
  XlsxWriter(const Table& table, lxw_workbook* workbook) : table_(table), workbook_(workbook) {}

  Status Write() {
    size_t n = std::max<size_t>(table_.columns.size(), 1);
    auto last_col = static_cast<lxw_col_t>(n - 1);
    lxw_worksheet* sheet = workbook_add_worksheet(workbook_, ExcelSheetName(table_.title).c_str());
    if (sheet == nullptr) {
      sheet = workbook_add_worksheet(workbook_, nullptr);
    }
    if (sheet == nullptr) {
      return Status::Internal("生成 Excel 文件失败（工作表）");
    }
    lxw_format* title = workbook_add_format(workbook_);
    format_set_bold(title);
    format_set_font_size(title, 14);
    format_set_align(title, LXW_ALIGN_CENTER);
    format_set_align(title, LXW_ALIGN_VERTICAL_CENTER);
    lxw_format* subtitle = workbook_add_format(workbook_);
    format_set_align(subtitle, LXW_ALIGN_LEFT);
    lxw_format* head = workbook_add_format(workbook_);
    format_set_bold(head);
    format_set_border(head, LXW_BORDER_THIN);
    format_set_bg_color(head, 0xE8E8E8);
    format_set_align(head, LXW_ALIGN_CENTER);
    format_set_align(head, LXW_ALIGN_VERTICAL_CENTER);
    format_set_text_wrap(head);
    text_ = workbook_add_format(workbook_);
    format_set_border(text_, LXW_BORDER_THIN);

    // Column widths (set before any cell: required in constant-memory mode).
    std::vector<double> widths(n, 6);
    for (size_t c = 0; c < n; ++c) {
      if (c < table_.columns.size()) {
        widths[c] = std::max(widths[c], std::min(DisplayWidth(table_.columns[c]), 24.0));
      }
      for (size_t r = 0; r < table_.rows.size() && r < 2000; ++r) {
        if (c < table_.rows[r].size()) {
          widths[c] = std::max(widths[c], DisplayWidth(table_.rows[r][c]));
        }
      }
      HUOJU_RETURN_IF_ERROR(Check(
          "列宽", worksheet_set_column(sheet, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c),
                                       std::min(widths[c] + 2, 60.0), nullptr)));
    }

    lxw_row_t row = 0;
    HUOJU_RETURN_IF_ERROR(Line(sheet, row++, last_col, table_.title, title));
    HUOJU_RETURN_IF_ERROR(Check("标题行高", worksheet_set_row(sheet, 0, 24, nullptr)));
    for (const std::string& line : table_.subtitle_lines) {
      HUOJU_RETURN_IF_ERROR(Line(sheet, row++, last_col, line, subtitle));
    }
    lxw_row_t head_row = row++;
    for (size_t c = 0; c < n; ++c) {
      const std::string& name = c < table_.columns.size() ? table_.columns[c] : "";
      HUOJU_RETURN_IF_ERROR(Check(
          "表头",
          worksheet_write_string(sheet, head_row, static_cast<lxw_col_t>(c), name.c_str(), head)));
    }
    worksheet_freeze_panes(sheet, head_row + 1, 0);

    for (const std::vector<std::string>& cells : table_.rows) {
      for (size_t c = 0; c < n; ++c) {
        auto col = static_cast<lxw_col_t>(c);
        const std::string& text = c < cells.size() ? cells[c] : kEmpty;
        bool numeric = c < table_.numeric_columns.size() && table_.numeric_columns[c];
        double value = 0;
        int decimals = 0;
        lxw_error err = LXW_NO_ERROR;
        if (numeric && ParseNumber(text, &value, &decimals)) {
          err = worksheet_write_number(sheet, row, col, value, NumberFormat(decimals));
        } else if (text.empty()) {
          err = worksheet_write_blank(sheet, row, col, text_);
        } else {
          err = worksheet_write_string(sheet, row, col, text.c_str(), text_);
        }
        HUOJU_RETURN_IF_ERROR(Check("单元格", err));
      }
      ++row;
    }
    return Status::Ok();
  }

 private:
  static Status Check(const char* what, lxw_error error) {
    return error == LXW_NO_ERROR ? Status::Ok() : XlsxError(what, error);
  }

  // A title or subtitle line across all columns.
  static Status Line(lxw_worksheet* sheet, lxw_row_t row, lxw_col_t last_col,
                     const std::string& text, lxw_format* format) {
    if (last_col == 0) {
      return Check("标题", worksheet_write_string(sheet, row, 0, text.c_str(), format));
    }
    return Check("标题", worksheet_merge_range(sheet, row, 0, row, last_col, text.c_str(), format));
  }

  lxw_format* NumberFormat(int decimals) {
    decimals = std::clamp(decimals, 0, 10);
    auto it = number_formats_.find(decimals);
    if (it != number_formats_.end()) {
      return it->second;
    }
    lxw_format* f = workbook_add_format(workbook_);
    format_set_border(f, LXW_BORDER_THIN);
    std::string pattern =
        decimals == 0 ? "0" : "0." + std::string(static_cast<size_t>(decimals), '0');
    format_set_num_format(f, pattern.c_str());
    number_formats_.emplace(decimals, f);
    return f;
  }

  static inline const std::string kEmpty;
  const Table& table_;
  lxw_workbook* workbook_;
  lxw_format* text_ = nullptr;
  std::map<int, lxw_format*> number_formats_;
};

/// Excel and LibreOffice run a cell that starts with = + - @ as a formula: such text (but not
/// a plain number) gets a leading apostrophe.
std::string CsvSafe(const std::string& field) {
  if (field.empty() || std::string_view("=+-@\t\r").find(field[0]) == std::string_view::npos) {
    return field;
  }
  double value = 0;
  int decimals = 0;
  return ParseNumber(field, &value, &decimals) ? field : "'" + field;
}

void AppendCsvField(std::string& out, const std::string& raw) {
  std::string field = CsvSafe(raw);
  if (field.find_first_of(",\"\r\n") == std::string::npos) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') {
      out += '"';
    }
    out += c;
  }
  out += '"';
}

void AppendCsvLine(std::string& out, const std::vector<std::string>& fields, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) {
      out += ',';
    }
    if (i < fields.size()) {
      AppendCsvField(out, fields[i]);
    }
  }
  out += "\r\n";
}

}  // namespace

Result<std::string> WriteTableXlsx(const Table& table) {
  TempFile file;
  if (file.path().empty()) {
    return Status::Internal("生成 Excel 文件失败：无法创建临时文件");
  }
  size_t cells = table.rows.size() * std::max<size_t>(table.columns.size(), 1);
  lxw_workbook_options options{};
  options.constant_memory = cells > kConstantMemoryCells ? LXW_TRUE : LXW_FALSE;
  options.tmpdir = nullptr;
  options.use_zip64 = LXW_FALSE;
  lxw_workbook* workbook = workbook_new_opt(file.path().c_str(), &options);
  if (workbook == nullptr) {
    return Status::Internal("生成 Excel 文件失败：无法创建工作簿");
  }
  Status written = XlsxWriter(table, workbook).Write();
  lxw_error closed = workbook_close(workbook);  // frees the workbook in every case
  HUOJU_RETURN_IF_ERROR(written);
  if (closed != LXW_NO_ERROR) {
    return XlsxError("保存", closed);
  }
  std::ifstream in(file.path(), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    return Status::Internal("生成 Excel 文件失败：无法读回临时文件");
  }
  return bytes;
}

void AppendCsvRow(std::string& out, const std::vector<std::string>& fields) {
  AppendCsvLine(out, fields, fields.size());
}

std::string WriteTableCsv(const Table& table) {
  std::string out = "\xEF\xBB\xBF";
  size_t n = table.columns.size();
  for (const std::vector<std::string>& row : table.rows) {
    n = std::max(n, row.size());
  }
  AppendCsvLine(out, table.columns, n);
  for (const std::vector<std::string>& row : table.rows) {
    AppendCsvLine(out, row, n);
  }
  return out;
}

}  // namespace huoju::io
