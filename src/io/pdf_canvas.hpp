// src/io/pdf_canvas.hpp
//
// Internal to the io module: a small page-layout kit over cairo + pango for printing forms and
// tables to PDF. A Canvas is one rendering pass into a PDF surface; Flow places blocks top to
// bottom and breaks pages between them (never inside a table row); RowLayout/DrawRow draw ruled
// table rows whose cells wrap their text. Printers run their layout twice: once to count the
// pages, once to draw with "第 N 页 共 M 页".
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "huoju/core/status.hpp"
#include "src/io/image.hpp"

namespace huoju::io::internal {

inline constexpr const char* kFontFamily = "Noto Sans CJK SC";
inline constexpr double kA4ShortPt = 595.2756;  // 210 mm
inline constexpr double kA4LongPt = 841.8898;   // 297 mm

/// `s` with invalid UTF-8 replaced (pango refuses invalid text).
std::string ValidUtf8(std::string_view s);

struct TextStyle {
  double size = 9;  ///< points
  bool bold = false;
  PangoAlignment align = PANGO_ALIGN_LEFT;
  int max_lines = 0;  ///< 0 = unlimited; else the rest is ellipsized (needs a width)
  double gray = 0;    ///< 0 = black
};

/// A laid-out piece of text (owns its PangoLayout).
class Text {
 public:
  Text(PangoContext* context, std::string_view text, const TextStyle& style, double width);
  ~Text();
  Text(Text&& other) noexcept;
  Text& operator=(Text&& other) noexcept;
  Text(const Text&) = delete;
  Text& operator=(const Text&) = delete;

  double width() const { return width_; }
  double height() const { return height_; }
  /// Draws with the layout's top-left corner at (x, y).
  void Draw(cairo_t* cr, double x, double y) const;

 private:
  PangoLayout* layout_ = nullptr;
  double gray_ = 0;
  double width_ = 0;
  double height_ = 0;
};

/// One rendering pass: a PDF surface writing into `sink` (nullptr: discard, for counting).
class Canvas {
 public:
  Canvas(double width, double height, std::string* sink, const std::string& title);
  ~Canvas();
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;

  double width() const { return width_; }
  double height() const { return height_; }
  cairo_t* cr() const { return cr_; }
  Text MakeText(std::string_view text, const TextStyle& style, double width = 0) const;
  /// Natural one-line width of `text` in `style`.
  double Measure(std::string_view text, const TextStyle& style) const;
  void ShowPage() { cairo_show_page(cr_); }
  /// Finishes the PDF; Internal on any cairo error.
  Status Finish();

 private:
  double width_;
  double height_;
  cairo_surface_t* surface_ = nullptr;
  cairo_t* cr_ = nullptr;
  PangoContext* pango_ = nullptr;
  PangoLayout* measure_ = nullptr;
};

/// A QR code with its quiet zone, `module` points per module, top-left at (x, y).
void DrawQr(cairo_t* cr, const QrMatrix& qr, double x, double y, double module);
/// Side in points of DrawQr's square.
double QrSide(const QrMatrix& qr, double module);

struct Cell {
  std::string text;
  int span = 1;
  bool bold = false;
  bool shaded = false;
  PangoAlignment align = PANGO_ALIGN_LEFT;
  double indent = 0;  ///< extra left padding (child indicators)
};

struct Grid {
  double x = 0;  ///< left edge
  std::vector<double> widths;
  double font_size = 9;
  int max_lines = 12;  ///< a cell never grows beyond this many lines (rows must fit a page)
  double pad_x = 4;
  double pad_y = 3;
  double min_height = 16;
};

struct LaidRow {
  std::vector<Cell> cells;
  std::vector<Text> texts;
  std::vector<double> xs;      ///< left edge of each cell
  std::vector<double> widths;  ///< width of each cell (spans summed)
  double height = 0;
};

LaidRow LayoutRow(const Canvas& canvas, const Grid& grid, std::vector<Cell> cells);
void DrawRow(cairo_t* cr, const Grid& grid, const LaidRow& row, double y);

/// Column widths summing to `total`: proportional to `desired` when they fit, else the widest
/// columns are capped first; no column below its `minimum` unless even those cannot fit.
std::vector<double> FitWidths(const std::vector<double>& desired,
                              const std::vector<double>& minimum, double total);

/// The longest run of `text` that a line break should not split: ASCII without spaces
/// (numbers, dates, codes); CJK text breaks between any two characters.
std::string_view LongestToken(std::string_view text);

/// Places blocks on pages. `header(page)` draws a page's top and returns where content starts;
/// `footer(page)` draws its bottom.
class Flow {
 public:
  Flow(Canvas& canvas, double bottom, std::function<double(int)> header,
       std::function<void(int)> footer);

  double y() const { return y_; }
  void Advance(double height) { y_ += height; }
  bool Fits(double height) const { return y_ + height <= bottom_; }
  bool AtTop() const { return y_ <= top_ + 0.01; }
  int page() const { return page_; }
  void NewPage();
  /// Ends the last page.
  void End();

  /// A table: `caption` (may be null) and `head` kept with the first row, `head` repeated on
  /// every page the table continues on, rows never split.
  void Table(const Grid& grid, const Text* caption, double caption_gap,
             const std::vector<Cell>& head, const std::vector<std::vector<Cell>>& rows);

 private:
  Canvas& canvas_;
  double bottom_;
  std::function<double(int)> header_;
  std::function<void(int)> footer_;
  int page_ = 1;
  double top_ = 0;
  double y_ = 0;
};

}  // namespace huoju::io::internal
