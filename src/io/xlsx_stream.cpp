// src/io/xlsx_stream.cpp
//
// The streaming .xlsx writer: sheet XML formatted here, deflated in parallel pieces, ZIP
// container by hand (APPNOTE 6.3: local headers with data descriptors, central directory).

#include "huoju/io/xlsx_stream.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <deque>
#include <future>

#include "huoju/io/xlsx_reader.hpp"

namespace huoju::io {

double DisplayWidth(std::string_view s) {
  double w = 0;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      w += 1;
      i += 1;
    } else {
      size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      w += len >= 3 ? 2 : 1;
      i += len;
    }
  }
  return w;
}

std::string ExcelSheetName(const std::string& title) {
  std::string name;
  int chars = 0;
  for (size_t i = 0; i < title.size() && chars < 31;) {
    auto c = static_cast<unsigned char>(title[i]);
    size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    std::string_view ch = std::string_view(title).substr(i, len);
    if (len == 1 && std::string_view("[]:*?/\\'").find(title[i]) != std::string_view::npos) {
      ch = "_";
    }
    name += ch;
    ++chars;
    i += len;
  }
  return name.empty() ? std::string("Sheet1") : name;
}

namespace {

constexpr size_t kPieceBytes = 1 << 20;
constexpr int64_t kExcelMaxRows = 1'048'576;
constexpr uint64_t kZip32Max = 0xFFFFFFFFull;
// 2024-01-01 00:00 in MS-DOS form: the entries' time (the export's own time is in its title).
constexpr uint16_t kDosTime = 0;
constexpr uint16_t kDosDate = ((2024 - 1980) << 9) | (1 << 5) | 1;

constexpr char kNs[] = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
constexpr char kRelNs[] = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// Text as XML character data: markup escaped, characters XML 1.0 forbids dropped.
void AppendEscaped(std::string& out, std::string_view text) {
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        if (static_cast<unsigned char>(ch) >= 0x20 || ch == '\t' || ch == '\n' || ch == '\r') {
          out += ch;
        }
    }
  }
}

struct Piece {
  std::string bytes;  ///< raw deflate
  uint32_t crc = 0;
  uint64_t raw_size = 0;
};

/// One piece as an independent raw deflate stream; `last` ends the whole stream, otherwise a
/// sync flush byte-aligns it so that the next piece can follow.
Piece DeflatePiece(const std::string& raw, bool last) {
  Piece p;
  p.raw_size = raw.size();
  p.crc = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(raw.data()), static_cast<uInt>(raw.size())));
  z_stream zs{};
  if (deflateInit2(&zs, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    p.raw_size = UINT64_MAX;  // reported by the writer
    return p;
  }
  p.bytes.resize(deflateBound(&zs, raw.size()) + 64);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = reinterpret_cast<Bytef*>(p.bytes.data());
  zs.avail_out = static_cast<uInt>(p.bytes.size());
  const int rc = deflate(&zs, last ? Z_FINISH : Z_SYNC_FLUSH);
  if ((last ? rc != Z_STREAM_END : rc != Z_OK) || zs.avail_in != 0) {
    p.raw_size = UINT64_MAX;
  }
  p.bytes.resize(zs.total_out);
  deflateEnd(&zs);
  return p;
}

void Put16(std::string& out, uint32_t v) {
  out += static_cast<char>(v & 0xFF);
  out += static_cast<char>((v >> 8) & 0xFF);
}
void Put32(std::string& out, uint32_t v) {
  Put16(out, v & 0xFFFF);
  Put16(out, v >> 16);
}

struct Entry {
  std::string name;
  uint64_t offset = 0;
  uint32_t crc = 0;
  uint64_t compressed = 0;
  uint64_t raw = 0;
};

std::string StylesXml() {
  return fmt::format(
      R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
      "\n"
      R"(<styleSheet xmlns="{}"><fonts count="3"><font><sz val="11"/><name val="宋体"/></font>)"
      R"(<font><b/><sz val="11"/><name val="宋体"/></font><font><b/><sz val="14"/><name val="宋体"/></font></fonts>)"
      R"(<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>)"
      R"(<fill><patternFill patternType="solid"><fgColor rgb="FFE8E8E8"/><bgColor indexed="64"/></patternFill></fill></fills>)"
      R"(<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>)"
      R"(<border><left style="thin"/><right style="thin"/><top style="thin"/><bottom style="thin"/><diagonal/></border></borders>)"
      R"(<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>)"
      R"(<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>)"
      R"(<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>)"
      R"(<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1"><alignment horizontal="center"/></xf></cellXfs>)"
      R"(<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>)",
      kNs);
}

}  // namespace

class XlsxStreamWriter::Impl {
 public:
  ~Impl() {
    for (auto& f : pending_) {
      f.wait();
    }
    if (file_ != nullptr) {
      std::fclose(file_);
    }
  }

  Status Open(const std::string& path, const std::string& title,
              const std::vector<std::string>& subtitle_lines,
              const std::vector<XlsxStreamColumn>& columns, int threads) {
    threads_ = std::max(threads, 1);
    file_ = std::fopen(path.c_str(), "wb");
    if (file_ == nullptr) {
      return Status::Internal("生成 Excel 文件失败：无法创建文件");
    }
    std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
    sheet_name_ = ExcelSheetName(title);
    columns_ = std::max<size_t>(columns.size(), 1);
    header_rows_ = 2 + static_cast<int64_t>(subtitle_lines.size());
    const int64_t header_rows = header_rows_;
    buffer_.reserve(kPieceBytes + 64 * 1024);
    buffer_ += R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)";
    buffer_ += fmt::format("\n<worksheet xmlns=\"{}\" xmlns:r=\"{}\">", kNs, kRelNs);
    buffer_ += fmt::format(
        R"(<sheetViews><sheetView workbookViewId="0"><pane ySplit="{}" topLeftCell="A{}" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>)",
        header_rows, header_rows + 1);
    buffer_ += R"(<sheetFormatPr defaultRowHeight="15"/><cols>)";
    for (size_t c = 0; c < columns.size(); ++c) {
      buffer_ += fmt::format(R"(<col min="{0}" max="{0}" width="{1:.1f}" customWidth="1"/>)", c + 1,
                             std::clamp(columns[c].width, 4.0, 60.0));
    }
    buffer_ += "</cols><sheetData>";
    buffer_ += R"(<row ht="24" customHeight="1">)";
    if (title.empty()) {
      buffer_ += "<c/>";
    } else {
      TextCell(title, 2);
    }
    buffer_ += "</row>";
    for (const std::string& line : subtitle_lines) {
      buffer_ += "<row>";
      Text(line);
      buffer_ += "</row>";
    }
    buffer_ += "<row>";
    for (const auto& col : columns) {
      TextCell(col.name, 1);
    }
    buffer_ += "</row><row>";  // every row is opened by the end of the one before
    // The sheet is the first entry: its local header now, its data as it comes.
    StartEntry("xl/worksheets/sheet1.xml");
    return status_;
  }

  void TextCell(std::string_view text, int style) {
    buffer_ += style == 0
                   ? R"(<c t="inlineStr"><is><t xml:space="preserve">)"
                   : fmt::format(R"(<c t="inlineStr" s="{}"><is><t xml:space="preserve">)", style);
    AppendEscaped(buffer_, text);
    buffer_ += "</t></is></c>";
  }

  void Text(std::string_view text) {
    if (text.empty()) {
      buffer_ += "<c/>";
      return;
    }
    TextCell(text, 0);
  }

  void Number(double value) {
    if (!std::isfinite(value)) {
      buffer_ += "<c/>";
      return;
    }
    char digits[32];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    buffer_ += "<c><v>";
    buffer_.append(digits, end);
    buffer_ += "</v></c>";
  }

  void Blank() { buffer_ += "<c/>"; }

  Status EndRow() {
    buffer_ += "</row>";
    if (!status_.ok()) {
      return status_;
    }
    if (header_rows_ + ++rows_ > kExcelMaxRows) {
      status_ = Status::Invalid(fmt::format(
          "导出内容超过 Excel 的行数上限（{} 行），请缩小范围或改用 CSV", kExcelMaxRows));
      return status_;
    }
    if (buffer_.size() >= kPieceBytes) {
      Flush(false);
    }
    buffer_ += "<row>";
    return status_;
  }

  Status Finish() {
    if (finished_) {
      return Status::Internal("生成 Excel 文件失败：重复结束");
    }
    finished_ = true;
    // The row EndRow opened for the next one is dropped; then the sheet's tail.
    if (buffer_.size() >= 5 && buffer_.compare(buffer_.size() - 5, 5, "<row>") == 0) {
      buffer_.resize(buffer_.size() - 5);
    }
    buffer_ += "</sheetData>";
    if (columns_ > 1) {
      buffer_ += fmt::format(R"(<mergeCells count="1"><mergeCell ref="A1:{}1"/></mergeCells>)",
                             ColumnName(static_cast<int>(columns_)));
    }
    buffer_ += "</worksheet>";
    Flush(true);
    while (!pending_.empty()) {
      WriteFront();
    }
    EndEntry();
    std::string escaped;
    AppendEscaped(escaped, sheet_name_);
    WholeEntry(
        "[Content_Types].xml",
        R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
        "\n"
        R"(<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">)"
        R"(<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>)"
        R"(<Default Extension="xml" ContentType="application/xml"/>)"
        R"(<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>)"
        R"(<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>)"
        R"(<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>)"
        R"(</Types>)");
    WholeEntry(
        "_rels/.rels",
        R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
        "\n"
        R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
        R"(<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>)"
        R"(</Relationships>)");
    WholeEntry("xl/workbook.xml",
               fmt::format(R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
                           "\n"
                           R"(<workbook xmlns="{}" xmlns:r="{}"><sheets>)"
                           R"(<sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>)",
                           kNs, kRelNs, escaped));
    WholeEntry(
        "xl/_rels/workbook.xml.rels",
        R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
        "\n"
        R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
        R"(<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>)"
        R"(<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>)"
        R"(</Relationships>)");
    WholeEntry("xl/styles.xml", StylesXml());
    WriteDirectory();
    if (std::fclose(file_) != 0 && status_.ok()) {
      status_ = Status::Internal("生成 Excel 文件失败：写入文件出错");
    }
    file_ = nullptr;
    return status_;
  }

  int64_t rows() const { return rows_; }

 private:
  void Write(const std::string& bytes) {
    if (!status_.ok()) {
      return;
    }
    if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
      status_ = Status::Internal("生成 Excel 文件失败：写入文件出错（磁盘已满？）");
    }
    offset_ += bytes.size();
  }

  void StartEntry(const std::string& name) {
    current_ = Entry{name, offset_, 0, 0, 0};
    std::string h;
    Put32(h, 0x04034b50);
    Put16(h, 20);      // version needed: deflate
    Put16(h, 0x0008);  // sizes and CRC in the data descriptor
    Put16(h, 8);
    Put16(h, kDosTime);
    Put16(h, kDosDate);
    Put32(h, 0);
    Put32(h, 0);
    Put32(h, 0);
    Put16(h, static_cast<uint32_t>(name.size()));
    Put16(h, 0);
    h += name;
    Write(h);
  }

  void EndEntry() {
    if (current_.compressed > kZip32Max || current_.raw > kZip32Max || offset_ > kZip32Max) {
      if (status_.ok()) {
        status_ = Status::Invalid("导出内容过大（超过 4 GB），请缩小范围或改用 CSV");
      }
    }
    std::string d;
    Put32(d, 0x08074b50);
    Put32(d, current_.crc);
    Put32(d, static_cast<uint32_t>(current_.compressed));
    Put32(d, static_cast<uint32_t>(current_.raw));
    Write(d);
    entries_.push_back(current_);
  }

  // Hands the buffered XML to a deflating thread; waits for the oldest piece when enough are
  // in flight (bounded memory, file order kept).
  void Flush(bool last) {
    while (pending_.size() >= static_cast<size_t>(threads_)) {
      WriteFront();
    }
    pending_.push_back(std::async(
        std::launch::async, [raw = std::move(buffer_), last] { return DeflatePiece(raw, last); }));
    buffer_ = std::string();
    buffer_.reserve(kPieceBytes + 64 * 1024);
  }

  void WriteFront() {
    Piece p = pending_.front().get();
    pending_.pop_front();
    if (p.raw_size == UINT64_MAX) {
      if (status_.ok()) {
        status_ = Status::Internal("生成 Excel 文件失败：压缩出错");
      }
      return;
    }
    current_.crc =
        static_cast<uint32_t>(crc32_combine(current_.crc, p.crc, static_cast<z_off_t>(p.raw_size)));
    current_.raw += p.raw_size;
    current_.compressed += p.bytes.size();
    Write(p.bytes);
  }

  void WholeEntry(const std::string& name, const std::string& content) {
    StartEntry(name);
    Piece p = DeflatePiece(content, true);
    current_.crc = p.crc;
    current_.raw = p.raw_size;
    current_.compressed = p.bytes.size();
    Write(p.bytes);
    EndEntry();
  }

  void WriteDirectory() {
    const uint64_t start = offset_;
    std::string cd;
    for (const Entry& e : entries_) {
      Put32(cd, 0x02014b50);
      Put16(cd, 20);
      Put16(cd, 20);
      Put16(cd, 0x0008);
      Put16(cd, 8);
      Put16(cd, kDosTime);
      Put16(cd, kDosDate);
      Put32(cd, e.crc);
      Put32(cd, static_cast<uint32_t>(e.compressed));
      Put32(cd, static_cast<uint32_t>(e.raw));
      Put16(cd, static_cast<uint32_t>(e.name.size()));
      Put16(cd, 0);
      Put16(cd, 0);
      Put16(cd, 0);
      Put16(cd, 0);
      Put32(cd, 0);
      Put32(cd, static_cast<uint32_t>(e.offset));
      cd += e.name;
    }
    std::string end;
    Put32(end, 0x06054b50);
    Put16(end, 0);
    Put16(end, 0);
    Put16(end, static_cast<uint32_t>(entries_.size()));
    Put16(end, static_cast<uint32_t>(entries_.size()));
    Put32(end, static_cast<uint32_t>(cd.size()));
    Put32(end, static_cast<uint32_t>(start));
    Put16(end, 0);
    Write(cd + end);
  }

  std::FILE* file_ = nullptr;
  int threads_ = 1;
  size_t columns_ = 1;
  std::string sheet_name_;
  std::string buffer_;
  std::deque<std::future<Piece>> pending_;
  Entry current_;
  std::vector<Entry> entries_;
  uint64_t offset_ = 0;
  int64_t rows_ = 0;
  int64_t header_rows_ = 2;
  bool finished_ = false;
  Status status_ = Status::Ok();
};

Result<std::unique_ptr<XlsxStreamWriter>> XlsxStreamWriter::Create(
    const std::string& path, const std::string& title,
    const std::vector<std::string>& subtitle_lines, const std::vector<XlsxStreamColumn>& columns,
    int threads) {
  auto impl = std::make_unique<Impl>();
  HUOJU_RETURN_IF_ERROR(impl->Open(path, title, subtitle_lines, columns, threads));
  return std::unique_ptr<XlsxStreamWriter>(new XlsxStreamWriter(std::move(impl)));
}

XlsxStreamWriter::XlsxStreamWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

XlsxStreamWriter::~XlsxStreamWriter() = default;

void XlsxStreamWriter::Text(std::string_view text) {
  impl_->Text(text);
}
void XlsxStreamWriter::Number(double value) {
  impl_->Number(value);
}
void XlsxStreamWriter::Blank() {
  impl_->Blank();
}
Status XlsxStreamWriter::EndRow() {
  return impl_->EndRow();
}
int64_t XlsxStreamWriter::rows() const {
  return impl_->rows();
}
Status XlsxStreamWriter::Finish() {
  return impl_->Finish();
}

}  // namespace huoju::io
