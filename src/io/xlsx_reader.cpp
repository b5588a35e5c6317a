// src/io/xlsx_reader.cpp
//
// The archive is opened from memory with libzip; every XML part is fed to expat in 64 KiB
// chunks straight from the inflater. Element names are matched by their local part (after any
// prefix), because producers differ in the prefixes they use for the same namespace.

#include "huoju/io/xlsx_reader.hpp"

#include <expat.h>
#include <fmt/format.h>
#include <zip.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <map>
#include <utility>

namespace huoju::io {

namespace {

constexpr size_t kChunk = 64 * 1024;

std::string_view LocalName(const XML_Char* name) {
  std::string_view n(name);
  size_t colon = n.rfind(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

const char* Attr(const XML_Char** attrs, std::string_view local) {
  for (int i = 0; attrs[i] != nullptr; i += 2) {
    if (LocalName(attrs[i]) == local) {
      return attrs[i + 1];
    }
  }
  return nullptr;
}

// Days since 1970-01-01 → civil date (proleptic Gregorian).
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2 ? 1 : 0);
}

// Whether a custom number format shows a date or time: a d/m/y/h/s outside quoted text,
// bracketed parts ([Red], [$-804]) and escaped characters.
bool IsDateFormatCode(std::string_view code) {
  bool quoted = false;
  int bracket = 0;
  for (size_t i = 0; i < code.size(); ++i) {
    char c = code[i];
    if (quoted) {
      quoted = c != '"';
      continue;
    }
    if (c == '"') {
      quoted = true;
    } else if (c == '\\' || c == '_' || c == '*') {
      ++i;  // the next character is literal / padding
    } else if (c == '[') {
      ++bracket;
    } else if (c == ']') {
      bracket = bracket > 0 ? bracket - 1 : 0;
    } else if (bracket == 0) {
      char l = static_cast<char>(c | 0x20);
      if (l == 'd' || l == 'm' || l == 'y' || l == 'h' || l == 's') {
        return true;
      }
    }
  }
  return false;
}

bool IsBuiltinDateFormat(int id) {
  return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
         (id >= 50 && id <= 58);
}

// Resolves a relationship target against the directory of the part that names it.
std::string ResolvePart(const std::string& base_dir, std::string target) {
  if (!target.empty() && target[0] == '/') {
    return target.substr(1);
  }
  std::string path = base_dir + target;
  // Collapse "dir/../" (rare, but legal in relationship targets).
  for (size_t pos; (pos = path.find("/../")) != std::string::npos;) {
    size_t start = path.rfind('/', pos == 0 ? 0 : pos - 1);
    start = start == std::string::npos ? 0 : start + 1;
    path.erase(start, pos + 4 - start);
  }
  return path;
}

}  // namespace

bool ParseCellRef(std::string_view ref, int64_t* row, int* col) {
  size_t i = 0;
  int64_t c = 0;
  while (i < ref.size() && ref[i] >= 'A' && ref[i] <= 'Z') {
    c = c * 26 + (ref[i] - 'A' + 1);
    if (c > 1'000'000) {
      return false;
    }
    ++i;
  }
  if (i == 0 || i == ref.size()) {
    return false;
  }
  int64_t r = 0;
  for (size_t j = i; j < ref.size(); ++j) {
    if (ref[j] < '0' || ref[j] > '9') {
      return false;
    }
    r = r * 10 + (ref[j] - '0');
    if (r > 1'000'000'000) {
      return false;
    }
  }
  if (r == 0) {
    return false;
  }
  *row = r;
  *col = static_cast<int>(c);
  return true;
}

std::string ColumnName(int col) {
  std::string s;
  while (col > 0) {
    int rem = (col - 1) % 26;
    s.insert(s.begin(), static_cast<char>('A' + rem));
    col = (col - 1) / 26;
  }
  return s;
}

std::string CellName(int64_t row, int col) {
  return ColumnName(col) + std::to_string(row);
}

std::string SerialToDateText(double serial, bool date1904) {
  if (!std::isfinite(serial) || serial < 0 || serial > 2'958'465.99999) {
    return fmt::format("{}", serial);
  }
  auto days = static_cast<int64_t>(std::floor(serial));
  auto seconds = static_cast<int64_t>(std::llround((serial - static_cast<double>(days)) * 86400));
  if (seconds >= 86400) {
    ++days;
    seconds -= 86400;
  }
  std::string date;
  if (!date1904 && days == 60) {
    date = "1900-02-29";  // Excel's (and Lotus 1-2-3's) day that never was
  } else {
    int64_t unix_days = date1904 ? days - 24107 : days - (days < 60 ? 25568 : 25569);
    int64_t y;
    unsigned m;
    unsigned d;
    CivilFromDays(unix_days, &y, &m, &d);
    date = fmt::format("{:04d}-{:02d}-{:02d}", y, m, d);
  }
  if (seconds == 0) {
    return date;
  }
  return fmt::format("{} {:02d}:{:02d}:{:02d}", date, seconds / 3600, seconds / 60 % 60,
                     seconds % 60);
}

// ------------------------------------------------------------------ parsing machinery

struct XlsxReader::Impl {
  std::string bytes;
  XlsxLimits limits;
  zip_t* zip = nullptr;
  std::vector<std::string> shared;
  std::vector<bool> date_styles;  ///< per cellXfs index
  bool date1904 = false;

  ~Impl() {
    if (zip != nullptr) {
      zip_discard(zip);
    }
  }

  bool Has(const std::string& path) const { return zip_name_locate(zip, path.c_str(), 0) >= 0; }

  // Feeds the entry `path` to `parser`. `aborted` is the Status a handler stored before it
  // stopped the parser.
  Status Stream(const std::string& path, XML_Parser parser, const Status* aborted) {
    zip_int64_t index = zip_name_locate(zip, path.c_str(), 0);
    if (index < 0) {
      return Status::Invalid(fmt::format("Excel 文件缺少 {}，文件不完整或不是 Excel 工作簿", path));
    }
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip, index, 0, &st) != 0) {
      return Status::Invalid(fmt::format("Excel 文件已损坏：无法读取 {}", path));
    }
    zip_file_t* f = zip_fopen_index(zip, index, 0);
    if (f == nullptr) {
      return Status::Invalid(fmt::format("Excel 文件已损坏：无法解压 {}", path));
    }
    std::array<char, kChunk> buf;
    uint64_t total = 0;
    Status result;
    for (;;) {
      zip_int64_t n = zip_fread(f, buf.data(), buf.size());
      if (n < 0) {
        result = Status::Invalid(fmt::format("Excel 文件已损坏：{} 解压失败", path));
        break;
      }
      total += static_cast<uint64_t>(n);
      // The central directory's size was checked against the limits; an entry that inflates
      // beyond it lies about its size.
      if (total > st.size || total > limits.max_entry_bytes) {
        result = Status::Invalid(
            fmt::format("Excel 文件中的 {} 解压后超过其声明的大小，疑似压缩炸弹，已拒绝", path));
        break;
      }
      const bool last = n == 0;
      if (XML_Parse(parser, buf.data(), static_cast<int>(n), last ? 1 : 0) != XML_STATUS_OK) {
        if (XML_GetErrorCode(parser) == XML_ERROR_ABORTED && aborted != nullptr && !aborted->ok()) {
          result = *aborted;
        } else {
          result = Status::Invalid(
              fmt::format("Excel 文件已损坏：{} 第 {} 行第 {} 列 XML 格式错误（{}）", path,
                          XML_GetCurrentLineNumber(parser), XML_GetCurrentColumnNumber(parser),
                          XML_ErrorString(XML_GetErrorCode(parser))));
        }
        break;
      }
      if (last) {
        break;
      }
    }
    zip_fclose(f);
    return result;
  }
};

namespace {

// A parser that refuses DTDs (no entity expansion at all) and stops with a stored Status.
struct ParserBase {
  XML_Parser parser = nullptr;
  Status error;
  std::string part;

  explicit ParserBase(std::string p) : parser(XML_ParserCreate("UTF-8")), part(std::move(p)) {
    XML_SetUserData(parser, this);
    XML_SetStartDoctypeDeclHandler(
        parser, [](void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
          auto* self = static_cast<ParserBase*>(data);
          self->Fail(Status::Invalid(fmt::format(
              "Excel 文件中的 {} 含有 DTD 声明，不予接受（可能是实体扩展攻击）", self->part)));
        });
  }
  ~ParserBase() { XML_ParserFree(parser); }
  ParserBase(const ParserBase&) = delete;
  ParserBase& operator=(const ParserBase&) = delete;

  void Fail(Status st) {
    if (error.ok()) {
      error = std::move(st);
    }
    XML_StopParser(parser, XML_FALSE);
  }
};

// Generic handler for the small parts: start/end/text callbacks with the user data set to
// the derived object.
template <typename T>
void Bind(T* self) {
  XML_SetUserData(self->parser, self);
  XML_SetElementHandler(
      self->parser,
      [](void* d, const XML_Char* name, const XML_Char** attrs) {
        static_cast<T*>(d)->Start(LocalName(name), attrs);
      },
      [](void* d, const XML_Char* name) { static_cast<T*>(d)->End(LocalName(name)); });
  XML_SetCharacterDataHandler(self->parser, [](void* d, const XML_Char* s, int len) {
    static_cast<T*>(d)->Text(std::string_view(s, static_cast<size_t>(len)));
  });
}

struct RelsParser : ParserBase {
  std::map<std::string, std::pair<std::string, std::string>> by_id;  ///< id → (type, target)
  using ParserBase::ParserBase;
  void Start(std::string_view name, const XML_Char** attrs) {
    if (name == "Relationship") {
      const char* id = Attr(attrs, "Id");
      const char* type = Attr(attrs, "Type");
      const char* target = Attr(attrs, "Target");
      if (id != nullptr && target != nullptr) {
        by_id[id] = {type == nullptr ? "" : type, target};
      }
    }
  }
  void End(std::string_view /*name*/) {}
  void Text(std::string_view /*text*/) {}
};

struct WorkbookParser : ParserBase {
  struct Entry {
    std::string name, rid;
    bool hidden;
  };
  std::vector<Entry> sheets;
  bool date1904 = false;
  using ParserBase::ParserBase;
  void Start(std::string_view name, const XML_Char** attrs) {
    if (name == "sheet") {
      const char* n = Attr(attrs, "name");
      const char* rid = Attr(attrs, "id");
      const char* state = Attr(attrs, "state");
      if (n == nullptr || rid == nullptr) {
        return Fail(Status::Invalid("Excel 文件已损坏：工作表缺少名称或关系编号"));
      }
      sheets.push_back({n, rid, state != nullptr && std::strcmp(state, "visible") != 0});
    } else if (name == "workbookPr") {
      const char* d = Attr(attrs, "date1904");
      date1904 = d != nullptr && (std::strcmp(d, "1") == 0 || std::strcmp(d, "true") == 0);
    }
  }
  void End(std::string_view /*name*/) {}
  void Text(std::string_view /*text*/) {}
};

struct StylesParser : ParserBase {
  std::map<int, bool> custom_date;  ///< numFmtId → is a date
  std::vector<int> xf_formats;
  int depth_in_cell_xfs = 0;
  using ParserBase::ParserBase;
  void Start(std::string_view name, const XML_Char** attrs) {
    if (name == "numFmt") {
      const char* id = Attr(attrs, "numFmtId");
      const char* code = Attr(attrs, "formatCode");
      if (id != nullptr && code != nullptr) {
        custom_date[std::atoi(id)] = IsDateFormatCode(code);
      }
    } else if (name == "cellXfs") {
      depth_in_cell_xfs = 1;
    } else if (name == "xf" && depth_in_cell_xfs > 0) {
      const char* id = Attr(attrs, "numFmtId");
      xf_formats.push_back(id == nullptr ? 0 : std::atoi(id));
    }
  }
  void End(std::string_view name) {
    if (name == "cellXfs") {
      depth_in_cell_xfs = 0;
    }
  }
  void Text(std::string_view /*text*/) {}
};

struct SharedStringsParser : ParserBase {
  std::vector<std::string>* out;
  std::string current;
  bool in_t = false;
  int in_rph = 0;  ///< phonetic runs are not part of the text
  uint64_t total_chars = 0;
  uint64_t max_chars;
  SharedStringsParser(std::string part, std::vector<std::string>* o, uint64_t max)
      : ParserBase(std::move(part)), out(o), max_chars(max) {}
  void Start(std::string_view name, const XML_Char** /*attrs*/) {
    if (name == "si") {
      current.clear();
    } else if (name == "t") {
      in_t = true;
    } else if (name == "rPh") {
      ++in_rph;
    }
  }
  void End(std::string_view name) {
    if (name == "si") {
      out->push_back(std::move(current));
      current.clear();
    } else if (name == "t") {
      in_t = false;
    } else if (name == "rPh") {
      --in_rph;
    }
  }
  void Text(std::string_view text) {
    if (in_t && in_rph == 0) {
      total_chars += text.size();
      if (total_chars > max_chars) {
        return Fail(Status::Invalid("Excel 文件的共享字符串过大，已拒绝"));
      }
      current.append(text);
    }
  }
};

// The sheet parser: hot path, so state is flat and callbacks are plain functions.
struct SheetParser : ParserBase {
  const XlsxReader::RowCallback* on_row;
  const std::vector<std::string>* shared;
  const std::vector<bool>* date_styles;
  bool date1904;
  int64_t max_rows;
  int max_cols;
  std::string sheet_name;

  std::vector<XlsxCell> cells;
  int64_t row = 0;
  int col = 0;
  char type = 'n';  ///< s, i (inlineStr), t (str), b, e, d, n
  int style = 0;
  std::string value;
  bool collecting = false;
  bool in_cell = false;
  bool in_inline = false;
  int in_rph = 0;

  SheetParser(std::string part, const XlsxReader::RowCallback* cb,
              const std::vector<std::string>* ss, const std::vector<bool>* ds, bool d1904,
              const XlsxLimits& limits, std::string name)
      : ParserBase(std::move(part)),
        on_row(cb),
        shared(ss),
        date_styles(ds),
        date1904(d1904),
        max_rows(limits.max_rows),
        max_cols(limits.max_columns),
        sheet_name(std::move(name)) {}

  bool CheckPosition() {
    if (row > max_rows || col > max_cols) {
      const std::string where =
          col > 0 ? "单元格 " + CellName(row, col) : fmt::format("第 {} 行", row);
      Fail(Status::Invalid(fmt::format("工作表“{}”过大：{}超出上限（{} 行、{} 列）", sheet_name,
                                       where, max_rows, max_cols)));
      return false;
    }
    return true;
  }

  void Start(std::string_view name, const XML_Char** attrs) {
    if (name == "c") {
      const char* r = Attr(attrs, "r");
      if (r != nullptr) {
        int64_t rr;
        int cc;
        if (!ParseCellRef(r, &rr, &cc)) {
          return Fail(
              Status::Invalid(fmt::format("工作表“{}”中的单元格引用“{}”无效", sheet_name, r)));
        }
        row = rr;  // some producers number cells but not rows
        col = cc;
      } else {
        ++col;
      }
      if (!CheckPosition()) {
        return;
      }
      const char* t = Attr(attrs, "t");
      type = 'n';
      if (t != nullptr) {
        std::string_view tv(t);
        type = tv == "inlineStr" ? 'i' : tv == "str" ? 't' : tv.empty() ? 'n' : tv[0];
      }
      const char* s = Attr(attrs, "s");
      style = s == nullptr ? 0 : std::atoi(s);
      value.clear();
      in_cell = true;
    } else if (name == "row") {
      const char* r = Attr(attrs, "r");
      int64_t next = row + 1;
      if (r != nullptr) {
        auto [end, ec] = std::from_chars(r, r + std::strlen(r), next);
        if (ec != std::errc() || *end != '\0' || next < 1) {
          return Fail(Status::Invalid(fmt::format("工作表“{}”中的行号“{}”无效", sheet_name, r)));
        }
      }
      row = next;
      col = 0;
      cells.clear();
      CheckPosition();
    } else if (in_cell && (name == "v" || (name == "t" && in_inline))) {
      collecting = in_rph == 0;
    } else if (in_cell && name == "is") {
      in_inline = true;
    } else if (in_cell && name == "rPh") {
      ++in_rph;
    }
  }

  void End(std::string_view name) {
    if (name == "v" || name == "t") {
      collecting = false;
    } else if (name == "is") {
      in_inline = false;
    } else if (name == "rPh") {
      --in_rph;
    } else if (name == "c") {
      in_cell = false;
      FinishCell();
    } else if (name == "row") {
      if (!cells.empty() && error.ok()) {
        Status st = (*on_row)(row, cells);
        if (!st.ok()) {
          Fail(std::move(st));
        }
      }
      cells.clear();
    }
  }

  void Text(std::string_view text) {
    if (collecting) {
      value.append(text);
    }
  }

  void FinishCell() {
    XlsxCell c;
    c.row = row;
    c.col = col;
    switch (type) {
      case 's': {
        size_t idx = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), idx);
        if (ec != std::errc() || end != value.data() + value.size() || idx >= shared->size()) {
          return Fail(Status::Invalid(fmt::format("工作表“{}”单元格 {} 引用了不存在的共享字符串",
                                                  sheet_name, CellName(row, col))));
        }
        c.type = XlsxCellType::kText;
        c.text = (*shared)[idx];
        break;
      }
      case 'i':
      case 't':
        c.type = XlsxCellType::kText;
        c.text = std::move(value);
        break;
      case 'b':
        c.type = XlsxCellType::kBool;
        c.number = value == "1" || value == "true" ? 1 : 0;
        break;
      case 'e':
        c.type = XlsxCellType::kError;
        c.text = std::move(value);
        break;
      case 'd': {
        // ISO 8601 date cells (t="d"): the date, with the time when it is not midnight.
        c.type = XlsxCellType::kDate;
        c.text = value.substr(0, 10);
        if (value.size() >= 19 && value[10] == 'T' && value.compare(11, 8, "00:00:00") != 0) {
          c.text += ' ' + value.substr(11, 8);
        }
        break;
      }
      default: {
        if (value.empty()) {
          return;  // a formatted but empty cell
        }
        double d = 0;
        const char* b = value.data();
        const char* e = b + value.size();
        while (b < e && *b == ' ') {
          ++b;
        }
        auto [end, ec] = std::from_chars(b, e, d);
        if (ec != std::errc() || end != e || !std::isfinite(d)) {
          return Fail(Status::Invalid(fmt::format("工作表“{}”单元格 {} 的数值“{}”无效", sheet_name,
                                                  CellName(row, col), value)));
        }
        c.number = d;
        const bool is_date = style >= 0 && static_cast<size_t>(style) < date_styles->size() &&
                             (*date_styles)[static_cast<size_t>(style)];
        if (is_date) {
          c.type = XlsxCellType::kDate;
          c.text = SerialToDateText(d, date1904);
        } else {
          c.type = XlsxCellType::kNumber;
        }
      }
    }
    if (c.type == XlsxCellType::kText && c.text.empty()) {
      return;
    }
    cells.push_back(std::move(c));
  }
};

template <typename T>
Status Run(XlsxReader::Impl& impl, const std::string& path, T& p) {
  Bind(&p);
  Status st = impl.Stream(path, p.parser, &p.error);
  if (st.ok() && !p.error.ok()) {
    st = p.error;
  }
  return st;
}

}  // namespace

XlsxReader::XlsxReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
XlsxReader::~XlsxReader() = default;

Result<std::unique_ptr<XlsxReader>> XlsxReader::Open(std::string_view bytes,
                                                     const XlsxLimits& limits) {
  if (bytes.size() >= 4 && static_cast<unsigned char>(bytes[0]) == 0xD0 &&
      static_cast<unsigned char>(bytes[1]) == 0xCF &&
      static_cast<unsigned char>(bytes[2]) == 0x11 &&
      static_cast<unsigned char>(bytes[3]) == 0xE0) {
    return Status::Invalid("这是旧版 Excel（.xls）或加密的文件，请在 Excel 中另存为 .xlsx 后上传");
  }
  if (bytes.size() < 4 || bytes.substr(0, 2) != "PK") {
    return Status::Invalid("上传的文件不是 Excel 工作簿（.xlsx）");
  }
  auto impl = std::make_unique<Impl>();
  impl->bytes.assign(bytes);
  impl->limits = limits;
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(impl->bytes.data(), impl->bytes.size(), 0, &err);
  if (src == nullptr) {
    zip_error_fini(&err);
    return Status::Internal("无法读取上传的文件");
  }
  impl->zip = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
  if (impl->zip == nullptr) {
    zip_source_free(src);
    zip_error_fini(&err);
    return Status::Invalid("Excel 文件已损坏或不完整（不是有效的 .xlsx 压缩包）");
  }
  zip_error_fini(&err);

  // The archive as a whole, from its central directory, before anything is inflated.
  const zip_int64_t entries = zip_get_num_entries(impl->zip, 0);
  if (entries < 0 || static_cast<uint64_t>(entries) > limits.max_entries) {
    return Status::Invalid(fmt::format("Excel 文件包含的内部文件过多（{} 个，上限 {} 个），已拒绝",
                                       entries, limits.max_entries));
  }
  uint64_t total = 0;
  for (zip_int64_t i = 0; i < entries; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(impl->zip, static_cast<zip_uint64_t>(i), 0, &st) != 0 ||
        (st.valid & ZIP_STAT_SIZE) == 0 || (st.valid & ZIP_STAT_COMP_SIZE) == 0) {
      return Status::Invalid("Excel 文件已损坏：无法读取压缩包目录");
    }
    const std::string name = (st.valid & ZIP_STAT_NAME) != 0 ? st.name : "?";
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) != 0 && st.encryption_method != ZIP_EM_NONE) {
      return Status::Invalid("Excel 文件已加密，请取消密码后上传");
    }
    if (st.size > limits.max_entry_bytes) {
      return Status::Invalid(
          fmt::format("Excel 文件中的 {} 解压后过大（{} MB，上限 {} MB），已拒绝", name,
                      st.size >> 20, limits.max_entry_bytes >> 20));
    }
    total += st.size;
    if (total > limits.max_total_bytes) {
      return Status::Invalid(fmt::format("Excel 文件解压后总大小超过上限 {} MB，已拒绝",
                                         limits.max_total_bytes >> 20));
    }
    if (st.size > limits.ratio_exempt_bytes &&
        static_cast<double>(st.size) >
            limits.max_ratio * static_cast<double>(std::max<uint64_t>(st.comp_size, 1))) {
      return Status::Invalid(fmt::format(
          "Excel 文件中的 {} 压缩比异常（{:.0f} 倍，上限 {:.0f} 倍），疑似压缩炸弹，已拒绝", name,
          static_cast<double>(st.size) / static_cast<double>(std::max<uint64_t>(st.comp_size, 1)),
          limits.max_ratio));
    }
  }

  // The workbook part, from the package relationships.
  std::string workbook = "xl/workbook.xml";
  if (impl->Has("_rels/.rels")) {
    RelsParser rels("_rels/.rels");
    HUOJU_RETURN_IF_ERROR(Run(*impl, "_rels/.rels", rels));
    for (const auto& [id, rel] : rels.by_id) {
      if (rel.first.size() >= 14 &&
          rel.first.compare(rel.first.size() - 14, 14, "/officeDocument") == 0) {
        workbook = ResolvePart("", rel.second);
      }
    }
  }
  const size_t slash = workbook.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : workbook.substr(0, slash + 1);
  const std::string rels_path = dir + "_rels/" + workbook.substr(dir.size()) + ".rels";
  WorkbookParser wb(workbook);
  HUOJU_RETURN_IF_ERROR(Run(*impl, workbook, wb));
  impl->date1904 = wb.date1904;
  RelsParser rels(rels_path);
  HUOJU_RETURN_IF_ERROR(Run(*impl, rels_path, rels));

  std::vector<Sheet> sheets;
  std::string shared_path;
  std::string styles_path;
  for (const auto& entry : rels.by_id) {
    const std::string& type = entry.second.first;
    auto ends = [&type](std::string_view suffix) {
      return type.size() >= suffix.size() &&
             type.compare(type.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (ends("/sharedStrings")) {
      shared_path = ResolvePart(dir, entry.second.second);
    } else if (ends("/styles")) {
      styles_path = ResolvePart(dir, entry.second.second);
    }
  }
  for (const auto& e : wb.sheets) {
    auto it = rels.by_id.find(e.rid);
    if (it == rels.by_id.end()) {
      return Status::Invalid(fmt::format("Excel 文件已损坏：找不到工作表“{}”", e.name));
    }
    // Chart sheets and dialog sheets have other relationship types: they hold no cells.
    if (it->second.first.size() < 10 ||
        it->second.first.compare(it->second.first.size() - 10, 10, "/worksheet") != 0) {
      continue;
    }
    sheets.push_back({e.name, ResolvePart(dir, it->second.second), e.hidden});
  }
  if (sheets.empty()) {
    return Status::Invalid("Excel 文件中没有工作表");
  }
  if (!styles_path.empty() && impl->Has(styles_path)) {
    StylesParser styles(styles_path);
    HUOJU_RETURN_IF_ERROR(Run(*impl, styles_path, styles));
    impl->date_styles.reserve(styles.xf_formats.size());
    for (int id : styles.xf_formats) {
      auto it = styles.custom_date.find(id);
      impl->date_styles.push_back(it != styles.custom_date.end() ? it->second
                                                                 : IsBuiltinDateFormat(id));
    }
  }
  if (!shared_path.empty() && impl->Has(shared_path)) {
    SharedStringsParser ss(shared_path, &impl->shared, limits.max_entry_bytes);
    HUOJU_RETURN_IF_ERROR(Run(*impl, shared_path, ss));
  }
  std::unique_ptr<XlsxReader> reader(new XlsxReader(std::move(impl)));
  reader->sheets_ = std::move(sheets);
  return reader;
}

const XlsxReader::Sheet* XlsxReader::FindSheet(std::string_view name) const {
  for (const auto& s : sheets_) {
    if (s.name == name) {
      return &s;
    }
  }
  return nullptr;
}

Status XlsxReader::ReadSheet(const Sheet& sheet, const RowCallback& on_row) {
  SheetParser p(sheet.path, &on_row, &impl_->shared, &impl_->date_styles, impl_->date1904,
                impl_->limits, sheet.name);
  return Run(*impl_, sheet.path, p);
}

Result<std::vector<XlsxCell>> XlsxReader::ReadAll(const Sheet& sheet, size_t max_cells) {
  std::vector<XlsxCell> out;
  HUOJU_RETURN_IF_ERROR(ReadSheet(sheet, [&](int64_t, const std::vector<XlsxCell>& cells) {
    if (out.size() + cells.size() > max_cells) {
      return Status::Invalid(
          fmt::format("工作表“{}”的单元格过多（上限 {} 个）", sheet.name, max_cells));
    }
    out.insert(out.end(), cells.begin(), cells.end());
    return Status::Ok();
  }));
  return out;
}

}  // namespace huoju::io
