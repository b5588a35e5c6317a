// src/io/print.cpp
//
// Filled forms and tables as PDF. Each document is laid out twice with the same code: the first
// pass (into a discarded surface) counts the pages, the second draws "第 N 页 共 M 页".

#include "huoju/io/print.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <exception>
#include <map>
#include <string_view>
#include <system_error>

#include "src/io/image.hpp"
#include "src/io/pdf_canvas.hpp"

namespace huoju::io {

namespace {

using internal::Canvas;
using internal::Cell;
using internal::Flow;
using internal::Grid;
using internal::LongestToken;
using internal::Text;
using internal::TextStyle;
using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Values as printed

bool CloseEnough(double a, double b) {
  return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b));
}

/// Fixed notation, never an exponent: `scale` decimals when that keeps the value, else the
/// shortest text that reads back as the same double.
std::string FormatDouble(double v, int scale) {
  if (!std::isfinite(v)) {
    return "";
  }
  if (v == 0) {
    v = 0;  // no "-0"
  }
  char buf[400];
  if (scale >= 0) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, scale);
    if (ec == std::errc()) {
      std::string text(buf, end);
      double back = 0;
      auto parsed = std::from_chars(text.data(), text.data() + text.size(), back);
      if (parsed.ec == std::errc() && CloseEnough(back, v)) {
        if (text[0] == '-' && text.find_first_not_of("-0.") == std::string::npos) {
          text.erase(0, 1);  // -0.00 after rounding
        }
        return text;
      }
    }
  }
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return ec == std::errc() ? std::string(buf, end) : std::string();
}

std::string FormatNumber(const catalog::IndicatorType& type, const json& v) {
  int scale = 0;
  if (type.kind == catalog::ValueType::kDecimal || type.kind == catalog::ValueType::kPercent) {
    scale = std::max(type.scale, 0);
  }
  if (v.is_number_integer()) {
    std::string text = v.is_number_unsigned() ? std::to_string(v.get<uint64_t>())
                                              : std::to_string(v.get<int64_t>());
    return scale > 0 ? text + "." + std::string(static_cast<size_t>(scale), '0') : text;
  }
  if (v.is_number()) {
    return FormatDouble(v.get<double>(), scale);
  }
  if (v.is_string()) {
    return v.get<std::string>();  // already decimal text
  }
  return v.dump();
}

std::string CodeText(const catalog::Catalog& catalog, const std::string& list, const json& v) {
  std::string code;
  if (v.is_string()) {
    code = v.get<std::string>();
  } else if (v.is_number_integer()) {
    code = v.dump();
  } else {
    return v.dump();
  }
  if (code.empty()) {
    return "";
  }
  if (const CodeList* codes = catalog.FindCodeList(list)) {
    if (const Code* c = codes->Find(code)) {
      return code + " " + c->name;
    }
  }
  return code;
}

std::string FormatValue(const catalog::Catalog& catalog, const catalog::IndicatorType& type,
                        const json& v) {
  if (v.is_null()) {
    return "";
  }
  switch (type.kind) {
    case catalog::ValueType::kInt:
    case catalog::ValueType::kDecimal:
    case catalog::ValueType::kPercent:
    case catalog::ValueType::kYear:
      return FormatNumber(type, v);
    case catalog::ValueType::kBool:
      if (v.is_boolean()) {
        return v.get<bool>() ? "是" : "否";
      }
      if (v.is_number()) {
        return v.get<double>() != 0 ? "是" : "否";
      }
      return v.is_string() ? v.get<std::string>() : v.dump();
    case catalog::ValueType::kCode:
      return CodeText(catalog, type.code_list, v);
    case catalog::ValueType::kMultiCode: {
      if (!v.is_array()) {
        return CodeText(catalog, type.code_list, v);
      }
      std::string out;
      for (const json& item : v) {
        std::string one = CodeText(catalog, type.code_list, item);
        if (one.empty()) {
          continue;
        }
        out += out.empty() ? one : "、" + one;
      }
      return out;
    }
    case catalog::ValueType::kFile: {
      auto name_of = [](const json& f) -> std::string {
        if (f.is_object()) {
          for (const char* key : {"name", "file_name", "filename"}) {
            if (f.contains(key) && f[key].is_string()) {
              return f[key].get<std::string>();
            }
          }
          return "（附件）";
        }
        return f.is_string() ? f.get<std::string>() : f.dump();
      };
      if (!v.is_array()) {
        return name_of(v);
      }
      std::string out;
      for (const json& f : v) {
        out += (out.empty() ? "" : "、") + name_of(f);
      }
      return out;
    }
    case catalog::ValueType::kText:
    case catalog::ValueType::kDate:
      break;
  }
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// ---------------------------------------------------------------------------------------------
// The filled form

constexpr double kFormMargin = 42;  // ≈ 15 mm
constexpr double kFormBottom = 52;  // room for the page number
constexpr double kQrModule = 2.8;   // pt; ≥ 5.8 px at 150 dpi
constexpr double kIndentStep = 12;  // pt per 其中 level
constexpr double kSectionGap = 10;

std::string PageNumber(int page, int total) {
  return "第 " + std::to_string(page) + " 页 共 " + (total > 0 ? std::to_string(total) : "?") +
         " 页";
}

class FormPrinter {
 public:
  FormPrinter(const catalog::Catalog& catalog, const catalog::Form& form, const json& values,
              const FilingPrintHeader& header, const internal::QrMatrix& qr)
      : catalog_(catalog), form_(form), values_(values), header_(header), qr_(qr) {
    for (const catalog::Regime& r : catalog.regimes) {
      if (r.id == form.regime) {
        regime_ = &r;
      }
    }
  }

  /// Lays the form out on `canvas`; returns the number of pages.
  int Render(Canvas& canvas, int total_pages) {
    canvas_ = &canvas;
    total_ = total_pages;
    content_w_ = canvas.width() - 2 * kFormMargin;
    Flow flow(
        canvas, canvas.height() - kFormBottom, [this](int page) { return PageHeader(page); },
        [this](int page) { PageFooter(page); });
    HeaderBlock(flow);
    for (const catalog::Section& section : form_.sections) {
      if (Shown(section)) {
        SectionTable(flow, section);
      }
    }
    for (const catalog::RowTable& table : form_.row_tables) {
      RowTableBlock(flow, table);
    }
    SignatureBlock(flow);
    int pages = flow.page();
    flow.End();
    return pages;
  }

 private:
  std::string Title() const { return form_.code + " " + form_.title; }

  // A section shown only under a condition (visible_when) is printed when it holds a value:
  // the filling page hides it otherwise, so an empty one was not shown to the unit.
  bool Shown(const catalog::Section& section) const {
    if (section.visible_when.empty()) {
      return true;
    }
    for (const std::string& code : section.indicators) {
      const json* v = Value(code);
      if (v != nullptr && !v->is_null() &&
          !(v->is_string() && v->get_ref<const std::string&>().empty())) {
        return true;
      }
    }
    return false;
  }

  double PageHeader(int page) {
    cairo_t* cr = canvas_->cr();
    double qr_side = internal::QrSide(qr_, kQrModule);
    double qr_x = canvas_->width() - kFormMargin - qr_side + kQrModule * internal::kQrQuietModules;
    double top = kFormMargin - kQrModule * internal::kQrQuietModules;  // quiet zone in margin
    internal::DrawQr(cr, qr_, qr_x, top, kQrModule);
    double qr_bottom = top + qr_side;
    double y = kFormMargin;
    if (page == 1) {
      // Centred over the page, clear of the QR code on both sides.
      double w = content_w_ - 2 * (qr_side + 4);
      double x = kFormMargin + qr_side + 4;
      Text title =
          canvas_->MakeText(Title(), {.size = 17, .bold = true, .align = PANGO_ALIGN_CENTER}, w);
      title.Draw(cr, x, y + 6);
      y += 6 + title.height() + 6;
      if (!form_.category.empty()) {
        Text category =
            canvas_->MakeText(form_.category, {.size = 9.5, .align = PANGO_ALIGN_CENTER}, w);
        category.Draw(cr, x, y);
        y += category.height() + 3;
      }
      std::vector<std::string> meta = {"表号：" + form_.code};
      if (regime_ != nullptr) {
        meta[0] += "　　批准文号：" + regime_->approval;
        meta.push_back("制定机关：" + regime_->organizer);
      }
      for (const std::string& line : meta) {
        Text text =
            canvas_->MakeText(line, {.size = 7.5, .align = PANGO_ALIGN_CENTER, .gray = 0.25}, w);
        text.Draw(cr, x, y);
        y += text.height();
      }
    } else {
      double w = content_w_ - qr_side - 8;
      Text title = canvas_->MakeText(Title() + "（续）", {.size = 12, .bold = true}, w);
      title.Draw(cr, kFormMargin, y);
      y += title.height() + 3;
      Text unit = canvas_->MakeText(
          "单位名称：" + header_.unit_name + "　　报告期：" + header_.period_label,
          {.size = 8.5, .gray = 0.25}, w);
      unit.Draw(cr, kFormMargin, y);
      y += unit.height();
    }
    return std::max(y, qr_bottom) + 8;
  }

  void PageFooter(int page) {
    cairo_t* cr = canvas_->cr();
    double y = canvas_->height() - kFormBottom + 18;
    Text number = canvas_->MakeText(PageNumber(page, total_), {.size = 9});
    number.Draw(cr, (canvas_->width() - number.width()) / 2, y);
    std::string trace = "填报编号 " + std::to_string(header_.filing_id) + "　数据版本 " +
                        VersionText() + "　打印时间 " + header_.printed_at;
    Text left = canvas_->MakeText(trace, {.size = 7, .gray = 0.35});
    left.Draw(cr, kFormMargin, y + 14);
  }

  std::string VersionText() const {
    std::string text = "第 " + std::to_string(header_.version) + " 版";
    if (!header_.data_hash.empty()) {
      text += "（" + header_.data_hash + "）";
    }
    return text;
  }

  void HeaderBlock(Flow& flow) {
    Grid grid;
    grid.x = kFormMargin;
    grid.font_size = 9.5;
    grid.min_height = 20;
    grid.widths = {92, content_w_ / 2 - 92, 92, content_w_ / 2 - 92};
    auto label = [](const char* text) {
      return Cell{.text = text, .bold = true, .shaded = true, .align = PANGO_ALIGN_CENTER};
    };
    std::vector<std::vector<Cell>> rows;
    rows.push_back({label("单位名称"), Cell{.text = header_.unit_name, .span = 3}});
    rows.push_back({label("统一社会信用代码"), Cell{.text = header_.uscc}, label("报告期"),
                    Cell{.text = header_.period_label}});
    rows.push_back({label("数据版本"), Cell{.text = VersionText()}, label("打印时间"),
                    Cell{.text = header_.printed_at}});
    flow.Table(grid, nullptr, 0, {}, rows);
  }

  int Depth(const catalog::Indicator& ind) const {
    int depth = 0;
    const catalog::Indicator* at = &ind;
    while (!at->parent.empty() && depth < 4) {
      at = form_.FindIndicator(at->parent);
      if (at == nullptr) {
        break;
      }
      ++depth;
    }
    return depth;
  }

  const json* Value(const std::string& code) const {
    if (!values_.is_object()) {
      return nullptr;
    }
    auto it = values_.find(code);
    return it == values_.end() ? nullptr : &*it;
  }

  Text Caption(const std::string& title) const {
    return canvas_->MakeText(title, {.size = 11, .bold = true}, content_w_);
  }

  void SectionTable(Flow& flow, const catalog::Section& section) {
    Grid grid;
    grid.x = kFormMargin;
    grid.font_size = 9;
    grid.min_height = 18;
    grid.widths = {content_w_ - 70 - 62 - 124, 70, 62, 124};
    auto head_cell = [](const char* text) {
      return Cell{.text = text, .bold = true, .shaded = true, .align = PANGO_ALIGN_CENTER};
    };
    std::vector<Cell> head = {head_cell("指标名称"), head_cell("代码"), head_cell("计量单位"),
                              head_cell("数值")};
    std::vector<std::vector<Cell>> rows;
    for (const std::string& code : section.indicators) {
      const catalog::Indicator* ind = form_.FindIndicator(code);
      if (ind == nullptr) {
        continue;
      }
      const json* v = Value(code);
      std::string value = v == nullptr ? "" : FormatValue(catalog_, ind->type, *v);
      PangoAlignment align = ind->type.IsNumber() ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT;
      rows.push_back({Cell{.text = ind->name, .indent = kIndentStep * Depth(*ind)},
                      Cell{.text = ind->code, .align = PANGO_ALIGN_CENTER},
                      Cell{.text = ind->unit, .align = PANGO_ALIGN_CENTER},
                      Cell{.text = value, .align = align}});
    }
    flow.Advance(kSectionGap);
    Text caption = Caption(section.title);
    flow.Table(grid, &caption, 5, head, rows);
  }

  void RowTableBlock(Flow& flow, const catalog::RowTable& table) {
    size_t n = table.columns.size();
    if (n == 0) {
      return;
    }
    Grid grid;
    grid.x = kFormMargin;
    grid.font_size = n > 8 ? 7 : 8.5;
    grid.pad_x = n > 8 ? 2.5 : 4;
    grid.min_height = 16;
    grid.max_lines = 8;
    std::vector<Cell> head;
    std::vector<std::string> head_text;
    for (const catalog::Column& c : table.columns) {
      head_text.push_back(c.unit.empty() ? c.name : c.name + "（" + c.unit + "）");
      head.push_back(Cell{
          .text = head_text.back(), .bold = true, .shaded = true, .align = PANGO_ALIGN_CENTER});
    }
    std::vector<std::vector<Cell>> rows;
    const json* data = Value(table.code);
    if (data != nullptr && data->is_array()) {
      for (const json& r : *data) {
        std::vector<Cell> row;
        for (const catalog::Column& c : table.columns) {
          std::string text;
          if (r.is_object() && r.contains(c.code)) {
            text = FormatValue(catalog_, c.type, r[c.code]);
          }
          row.push_back(Cell{.text = std::move(text),
                             .align = c.type.IsNumber() ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT});
        }
        rows.push_back(std::move(row));
      }
    }
    // Widths from content: headers may wrap to about three lines, cells to a few lines, but
    // numbers, dates and codes stay whole.
    TextStyle measure{.size = grid.font_size};
    std::vector<double> desired(n, 0);
    std::vector<double> minimum(n, 2 * grid.font_size);
    for (size_t i = 0; i < n; ++i) {
      desired[i] = std::min(canvas_->Measure(head_text[i], measure) / 3, 6 * grid.font_size);
      for (size_t r = 0; r < rows.size() && r < 500; ++r) {
        const std::string& text = rows[r][i].text;
        desired[i] =
            std::max(desired[i], std::min(canvas_->Measure(text, measure), 18 * grid.font_size));
        minimum[i] = std::max(minimum[i], std::min(canvas_->Measure(LongestToken(text), measure),
                                                   12 * grid.font_size));
      }
      desired[i] += 2 * grid.pad_x + 1;
      minimum[i] += 2 * grid.pad_x + 1;
    }
    grid.widths = internal::FitWidths(desired, minimum, content_w_);
    if (rows.empty()) {
      rows.push_back(
          {Cell{.text = "（无）", .span = static_cast<int>(n), .align = PANGO_ALIGN_CENTER}});
    }
    flow.Advance(kSectionGap);
    Text caption = Caption(table.title);
    flow.Table(grid, &caption, 5, head, rows);
  }

  void SignatureBlock(Flow& flow) {
    constexpr double kHeight = 96;
    if (!flow.Fits(kHeight)) {
      flow.NewPage();
    }
    cairo_t* cr = canvas_->cr();
    double y = flow.y() + 26;
    double third = content_w_ / 3;
    const char* labels[] = {"单位负责人（签字）：", "填表人：", "联系电话："};
    for (int i = 0; i < 3; ++i) {
      double x = kFormMargin + i * third;
      Text label = canvas_->MakeText(labels[i], {.size = 10});
      label.Draw(cr, x, y);
      Underline(cr, x + label.width() + 2, x + third - 14, y + label.height() - 2);
    }
    y += 42;
    Text stamp = canvas_->MakeText("（单位盖章）", {.size = 10});
    stamp.Draw(cr, kFormMargin, y);
    double x = kFormMargin + 2 * third;
    Text date = canvas_->MakeText("日期：", {.size = 10});
    date.Draw(cr, x, y);
    double dx = x + date.width() + 2;
    for (const char* part : {"年", "月", "日"}) {
      double blank = std::string_view(part) == "年" ? 40 : 24;
      Underline(cr, dx, dx + blank, y + date.height() - 2);
      Text unit = canvas_->MakeText(part, {.size = 10});
      unit.Draw(cr, dx + blank + 2, y);
      dx += blank + 4 + unit.width();
    }
    flow.Advance(kHeight);
  }

  static void Underline(cairo_t* cr, double x0, double x1, double y) {
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 0.6);
    cairo_move_to(cr, x0, y);
    cairo_line_to(cr, x1, y);
    cairo_stroke(cr);
  }

  const catalog::Catalog& catalog_;
  const catalog::Form& form_;
  const json& values_;
  const FilingPrintHeader& header_;
  const internal::QrMatrix& qr_;
  const catalog::Regime* regime_ = nullptr;
  Canvas* canvas_ = nullptr;
  int total_ = 0;
  double content_w_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Plain tables

constexpr double kTableMargin = 36;  // ≈ 12.7 mm
constexpr double kTableBottom = 44;

class TablePrinter {
 public:
  explicit TablePrinter(const Table& table) : table_(table) {}

  int Render(Canvas& canvas, int total_pages) {
    canvas_ = &canvas;
    total_ = total_pages;
    content_w_ = canvas.width() - 2 * kTableMargin;
    size_t n = std::max<size_t>(table_.columns.size(), 1);
    Grid grid;
    grid.x = kTableMargin;
    grid.font_size = n > 14 ? 7 : 8.5;
    grid.pad_x = n > 14 ? 2.5 : 4;
    grid.min_height = 16;
    grid.max_lines = 10;
    std::vector<Cell> head;
    for (size_t i = 0; i < n; ++i) {
      head.push_back(Cell{.text = i < table_.columns.size() ? table_.columns[i] : "",
                          .bold = true,
                          .shaded = true,
                          .align = PANGO_ALIGN_CENTER});
    }
    std::vector<std::vector<Cell>> rows;
    rows.reserve(table_.rows.size());
    for (const std::vector<std::string>& r : table_.rows) {
      std::vector<Cell> row;
      for (size_t i = 0; i < n; ++i) {
        bool numeric = i < table_.numeric_columns.size() && table_.numeric_columns[i];
        row.push_back(Cell{.text = i < r.size() ? r[i] : "",
                           .align = numeric ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT});
      }
      rows.push_back(std::move(row));
    }
    TextStyle measure{.size = grid.font_size};
    TextStyle bold_measure{.size = grid.font_size, .bold = true};
    std::vector<double> desired(n, 0);
    std::vector<double> minimum(n, 2 * grid.font_size);
    for (size_t i = 0; i < n; ++i) {
      double head_w = canvas.Measure(head[i].text, bold_measure);
      desired[i] = std::min(head_w, std::max(head_w / 2, 5 * grid.font_size));
      minimum[i] = std::max(
          minimum[i],
          std::min(canvas.Measure(LongestToken(head[i].text), bold_measure), 12 * grid.font_size));
      for (size_t r = 0; r < rows.size() && r < 1000; ++r) {
        const std::string& text = rows[r][i].text;
        desired[i] =
            std::max(desired[i], std::min(canvas.Measure(text, measure), 22 * grid.font_size));
        minimum[i] = std::max(
            minimum[i], std::min(canvas.Measure(LongestToken(text), measure), 12 * grid.font_size));
      }
      desired[i] += 2 * grid.pad_x + 1;
      minimum[i] += 2 * grid.pad_x + 1;
    }
    grid.widths = internal::FitWidths(desired, minimum, content_w_);
    if (rows.empty()) {
      rows.push_back(
          {Cell{.text = "（无数据）", .span = static_cast<int>(n), .align = PANGO_ALIGN_CENTER}});
    }
    Flow flow(
        canvas, canvas.height() - kTableBottom, [this](int page) { return PageHeader(page); },
        [this](int page) { PageFooter(page); });
    flow.Table(grid, nullptr, 0, head, rows);
    int pages = flow.page();
    flow.End();
    return pages;
  }

 private:
  double PageHeader(int page) {
    cairo_t* cr = canvas_->cr();
    double y = kTableMargin;
    if (page == 1) {
      Text title = canvas_->MakeText(
          table_.title, {.size = 15, .bold = true, .align = PANGO_ALIGN_CENTER}, content_w_);
      title.Draw(cr, kTableMargin, y);
      y += title.height() + 4;
      for (const std::string& line : table_.subtitle_lines) {
        Text sub = canvas_->MakeText(line, {.size = 9, .align = PANGO_ALIGN_CENTER, .gray = 0.2},
                                     content_w_);
        sub.Draw(cr, kTableMargin, y);
        y += sub.height() + 1;
      }
      return y + 8;
    }
    Text title = canvas_->MakeText(table_.title + "（续）", {.size = 9, .gray = 0.2}, content_w_);
    title.Draw(cr, kTableMargin, y);
    return y + title.height() + 4;
  }

  void PageFooter(int page) {
    Text number = canvas_->MakeText(PageNumber(page, total_), {.size = 9});
    number.Draw(canvas_->cr(), (canvas_->width() - number.width()) / 2,
                canvas_->height() - kTableBottom + 16);
  }

  const Table& table_;
  Canvas* canvas_ = nullptr;
  int total_ = 0;
  double content_w_ = 0;
};

/// Two passes of `printer` on A4 (`landscape` or portrait): count, then draw.
template <typename Printer>
Result<std::string> RenderTwice(Printer& printer, bool landscape, const std::string& title) {
  double w = landscape ? internal::kA4LongPt : internal::kA4ShortPt;
  double h = landscape ? internal::kA4ShortPt : internal::kA4LongPt;
  int pages = 0;
  {
    Canvas count(w, h, nullptr, title);
    pages = printer.Render(count, 0);
    HUOJU_RETURN_IF_ERROR(count.Finish());
  }
  std::string pdf;
  Canvas canvas(w, h, &pdf, title);
  int drawn = printer.Render(canvas, pages);
  HUOJU_RETURN_IF_ERROR(canvas.Finish());
  if (drawn != pages) {
    return Status::Internal("生成 PDF 失败：两次排版页数不一致");
  }
  return pdf;
}

}  // namespace

Result<std::string> RenderFilingPdf(const catalog::Catalog& catalog, const catalog::Form& form,
                                    const nlohmann::json& values, const FilingPrintHeader& header) {
  if (!values.is_null() && !values.is_object()) {
    return Status::Invalid("填报数据应为 JSON 对象");
  }
  if (header.qr_payload.empty()) {
    return Status::Invalid("打印件二维码内容为空");
  }
  try {
    HUOJU_ASSIGN_OR_RETURN(internal::QrMatrix qr, internal::EncodeQr(header.qr_payload));
    FormPrinter printer(catalog, form, values, header, qr);
    // Row tables of more than eight columns are cramped in portrait (GQ-004's projects).
    bool wide = false;
    for (const catalog::RowTable& table : form.row_tables) {
      wide = wide || table.columns.size() > 8;
    }
    return RenderTwice(printer, wide, form.code + " " + form.title);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("生成 PDF 失败：") + e.what());
  }
}

Result<std::string> RenderTablePdf(const Table& table) {
  try {
    TablePrinter printer(table);
    return RenderTwice(printer, true, table.title);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("生成 PDF 失败：") + e.what());
  }
}

}  // namespace huoju::io
