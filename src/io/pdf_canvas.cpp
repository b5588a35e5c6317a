// src/io/pdf_canvas.cpp

#include "src/io/pdf_canvas.hpp"

#include <cairo-pdf.h>
#include <glib.h>

#include <algorithm>
#include <numeric>
#include <utility>

namespace huoju::io::internal {

namespace {

cairo_status_t AppendToSink(void* closure, const unsigned char* data, unsigned int length) {
  if (closure != nullptr) {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  }
  return CAIRO_STATUS_SUCCESS;
}

void ApplyStyle(PangoLayout* layout, const TextStyle& style, double width) {
  PangoFontDescription* font = pango_font_description_new();
  pango_font_description_set_family(font, kFontFamily);
  // Absolute size: user units are points on a PDF surface (set_size would apply 96 dpi).
  pango_font_description_set_absolute_size(font, style.size * PANGO_SCALE);
  pango_font_description_set_weight(font, style.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description(layout, font);
  pango_font_description_free(font);
  if (width > 0) {
    pango_layout_set_width(layout, pango_units_from_double(width));
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    if (style.max_lines > 0) {
      pango_layout_set_height(layout, -style.max_lines);
      pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
    }
  } else {
    pango_layout_set_width(layout, -1);
  }
  pango_layout_set_alignment(layout, style.align);
}

}  // namespace

std::string ValidUtf8(std::string_view s) {
  if (g_utf8_validate(s.data(), static_cast<gssize>(s.size()), nullptr) != 0) {
    return std::string(s);
  }
  gchar* fixed = g_utf8_make_valid(s.data(), static_cast<gssize>(s.size()));
  std::string out(fixed);
  g_free(fixed);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Text

Text::Text(PangoContext* context, std::string_view text, const TextStyle& style, double width)
    : layout_(pango_layout_new(context)), gray_(style.gray) {
  ApplyStyle(layout_, style, width);
  std::string valid = ValidUtf8(text);
  pango_layout_set_text(layout_, valid.data(), static_cast<int>(valid.size()));
  PangoRectangle logical;
  pango_layout_get_extents(layout_, nullptr, &logical);
  width_ = pango_units_to_double(logical.width);
  height_ = pango_units_to_double(logical.height);
}

Text::~Text() {
  if (layout_ != nullptr) {
    g_object_unref(layout_);
  }
}

Text::Text(Text&& other) noexcept
    : layout_(std::exchange(other.layout_, nullptr)),
      gray_(other.gray_),
      width_(other.width_),
      height_(other.height_) {}

Text& Text::operator=(Text&& other) noexcept {
  if (this != &other) {
    if (layout_ != nullptr) {
      g_object_unref(layout_);
    }
    layout_ = std::exchange(other.layout_, nullptr);
    gray_ = other.gray_;
    width_ = other.width_;
    height_ = other.height_;
  }
  return *this;
}

void Text::Draw(cairo_t* cr, double x, double y) const {
  cairo_set_source_rgb(cr, gray_, gray_, gray_);
  cairo_move_to(cr, x, y);
  pango_cairo_show_layout(cr, layout_);
}

// ---------------------------------------------------------------------------------------------
// Canvas

Canvas::Canvas(double width, double height, std::string* sink, const std::string& title)
    : width_(width),
      height_(height),
      surface_(cairo_pdf_surface_create_for_stream(AppendToSink, sink, width, height)),
      cr_(cairo_create(surface_)),
      pango_(pango_cairo_create_context(cr_)),
      measure_(pango_layout_new(pango_)) {
  cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_TITLE, ValidUtf8(title).c_str());
  cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_CREATOR,
                                 "火炬统计调查与登记服务平台");
  // Unhinted metrics: the layout measured is the layout drawn, at any zoom.
  cairo_font_options_t* options = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options(pango_, options);
  cairo_font_options_destroy(options);
}

Canvas::~Canvas() {
  g_object_unref(measure_);
  g_object_unref(pango_);
  cairo_destroy(cr_);
  cairo_surface_destroy(surface_);
}

Text Canvas::MakeText(std::string_view text, const TextStyle& style, double width) const {
  return Text(pango_, text, style, width);
}

double Canvas::Measure(std::string_view text, const TextStyle& style) const {
  ApplyStyle(measure_, style, 0);
  std::string valid = ValidUtf8(text);
  pango_layout_set_text(measure_, valid.data(), static_cast<int>(valid.size()));
  PangoRectangle logical;
  pango_layout_get_extents(measure_, nullptr, &logical);
  return pango_units_to_double(logical.width);
}

Status Canvas::Finish() {
  cairo_status_t status = cairo_status(cr_);
  cairo_surface_finish(surface_);
  if (status == CAIRO_STATUS_SUCCESS) {
    status = cairo_surface_status(surface_);
  }
  if (status != CAIRO_STATUS_SUCCESS) {
    return Status::Internal(std::string("生成 PDF 失败：") + cairo_status_to_string(status));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// QR code

double QrSide(const QrMatrix& qr, double module) {
  return (qr.size + 2 * kQrQuietModules) * module;
}

void DrawQr(cairo_t* cr, const QrMatrix& qr, double x, double y, double module) {
  double side = QrSide(qr, module);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_rectangle(cr, x, y, side, side);
  cairo_fill(cr);
  // One path of horizontal runs, filled once: no hairline seams between modules.
  double x0 = x + kQrQuietModules * module;
  double y0 = y + kQrQuietModules * module;
  for (int row = 0; row < qr.size; ++row) {
    int col = 0;
    while (col < qr.size) {
      if (!qr.At(col, row)) {
        ++col;
        continue;
      }
      int start = col;
      while (col < qr.size && qr.At(col, row)) {
        ++col;
      }
      cairo_rectangle(cr, x0 + start * module, y0 + row * module, (col - start) * module, module);
    }
  }
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_fill(cr);
}

// ---------------------------------------------------------------------------------------------
// Table rows

LaidRow LayoutRow(const Canvas& canvas, const Grid& grid, std::vector<Cell> cells) {
  LaidRow row;
  row.height = grid.min_height;
  double x = grid.x;
  size_t col = 0;
  for (Cell& cell : cells) {
    if (col >= grid.widths.size()) {
      break;
    }
    int span = std::max(cell.span, 1);
    double w = 0;
    for (int i = 0; i < span && col < grid.widths.size(); ++i, ++col) {
      w += grid.widths[col];
    }
    TextStyle style;
    style.size = grid.font_size;
    style.bold = cell.bold;
    style.align = cell.align;
    style.max_lines = grid.max_lines;
    double inner = std::max(w - 2 * grid.pad_x - cell.indent, 1.0);
    Text text = canvas.MakeText(cell.text, style, inner);
    row.height = std::max(row.height, text.height() + 2 * grid.pad_y);
    row.xs.push_back(x);
    row.widths.push_back(w);
    row.texts.push_back(std::move(text));
    row.cells.push_back(std::move(cell));
    x += w;
  }
  return row;
}

void DrawRow(cairo_t* cr, const Grid& grid, const LaidRow& row, double y) {
  for (size_t i = 0; i < row.texts.size(); ++i) {
    if (row.cells[i].shaded) {
      cairo_set_source_rgb(cr, 0.91, 0.91, 0.91);
      cairo_rectangle(cr, row.xs[i], y, row.widths[i], row.height);
      cairo_fill(cr);
    }
    const Text& text = row.texts[i];
    double ty = y + (row.height - text.height()) / 2;  // vertically centred
    text.Draw(cr, row.xs[i] + grid.pad_x + row.cells[i].indent, ty);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 0.6);
    cairo_rectangle(cr, row.xs[i], y, row.widths[i], row.height);
    cairo_stroke(cr);
  }
}

std::vector<double> FitWidths(const std::vector<double>& desired,
                              const std::vector<double>& minimum, double total) {
  size_t n = desired.size();
  if (n == 0) {
    return {};
  }
  std::vector<double> low(n);
  std::vector<double> want(n);
  for (size_t i = 0; i < n; ++i) {
    low[i] = i < minimum.size() ? std::max(minimum[i], 1.0) : 1.0;
    want[i] = std::max(desired[i], low[i]);
  }
  double sum_want = std::accumulate(want.begin(), want.end(), 0.0);
  double sum_low = std::accumulate(low.begin(), low.end(), 0.0);
  if (sum_want <= total) {
    for (double& w : want) {
      w *= total / sum_want;
    }
    return want;
  }
  if (sum_low >= total) {
    for (double& w : low) {
      w *= total / sum_low;
    }
    return low;
  }
  // Water-filling: the cap c with sum(max(low, min(want, c))) == total, by bisection.
  auto width_at = [&](double cap) {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) {
      sum += std::max(low[i], std::min(want[i], cap));
    }
    return sum;
  };
  double lo = 0;
  double hi = *std::max_element(want.begin(), want.end());
  for (int iter = 0; iter < 60; ++iter) {
    double mid = (lo + hi) / 2;
    (width_at(mid) > total ? hi : lo) = mid;
  }
  std::vector<double> out(n);
  for (size_t i = 0; i < n; ++i) {
    out[i] = std::max(low[i], std::min(want[i], lo));
  }
  // Rounding slack goes to the capped columns' total proportionally.
  double sum = std::accumulate(out.begin(), out.end(), 0.0);
  if (sum > 0) {
    for (double& w : out) {
      w *= total / sum;
    }
  }
  return out;
}

std::string_view LongestToken(std::string_view text) {
  std::string_view best;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    bool breakable = i == text.size() || text[i] == ' ' || text[i] == '\n' ||
                     (static_cast<unsigned char>(text[i]) & 0x80U) != 0;
    if (breakable) {
      if (i - start > best.size()) {
        best = text.substr(start, i - start);
      }
      start = i + 1;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Flow

Flow::Flow(Canvas& canvas, double bottom, std::function<double(int)> header,
           std::function<void(int)> footer)
    : canvas_(canvas), bottom_(bottom), header_(std::move(header)), footer_(std::move(footer)) {
  top_ = header_(page_);
  y_ = top_;
}

void Flow::NewPage() {
  footer_(page_);
  canvas_.ShowPage();
  ++page_;
  top_ = header_(page_);
  y_ = top_;
}

void Flow::End() {
  footer_(page_);
  canvas_.ShowPage();
}

void Flow::Table(const Grid& grid, const Text* caption, double caption_gap,
                 const std::vector<Cell>& head, const std::vector<std::vector<Cell>>& rows) {
  cairo_t* cr = canvas_.cr();
  LaidRow head_row = LayoutRow(canvas_, grid, head);
  double caption_h = caption != nullptr ? caption->height() + caption_gap : 0;
  std::vector<LaidRow> pending;
  if (!rows.empty()) {
    pending.push_back(LayoutRow(canvas_, grid, rows[0]));
  }
  double first_h = pending.empty() ? 0 : pending[0].height;
  if (!Fits(caption_h + head_row.height + first_h) && !AtTop()) {
    NewPage();
  }
  if (caption != nullptr) {
    caption->Draw(cr, grid.x, y_);
    y_ += caption_h;
  }
  if (!head.empty()) {
    DrawRow(cr, grid, head_row, y_);
    y_ += head_row.height;
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    LaidRow row = i == 0 ? std::move(pending[0]) : LayoutRow(canvas_, grid, rows[i]);
    if (!Fits(row.height)) {
      NewPage();
      if (!head.empty()) {
        DrawRow(cr, grid, head_row, y_);
        y_ += head_row.height;
      }
    }
    DrawRow(cr, grid, row, y_);
    y_ += row.height;
  }
}

}  // namespace huoju::io::internal
