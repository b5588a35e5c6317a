// src/io/xlsx_reader.cpp
//
// The archive is opened from memory with libzip; the small XML parts are fed to expat in 64 KiB
// chunks straight from the inflater (big worksheets are inflated whole by libdeflate),
// worksheets to FastSheetScanner (expat for encodings other
// than UTF-8, or when XlsxLimits::expat_sheets asks for it). Element names are matched by their
// local part (after any prefix), because producers differ in the prefixes they use for the same
// namespace.

#include "huoju/io/xlsx_reader.hpp"

#include <expat.h>
#include <fmt/format.h>
#include <libdeflate.h>
#include <sys/mman.h>
#include <zip.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace huoju::io {

namespace {

constexpr size_t kChunk = 64 * 1024;
constexpr size_t kSheetChunk = 256 * 1024;  // sheets: fewer, larger pieces for the scanner
constexpr uint64_t kPipelineBytes = 4u
                                    << 20;  // sheets this big are scanned on a thread of their own
// Sheets up to this size are inflated whole (the XML in memory at once) rather than piece by
// piece: a 100,000-row batch workbook is about 225 MB of XML.
constexpr uint64_t kWholeInflateMaxBytes = 256u << 20;

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

  // Inflates the entry `path` and hands it to `feed` in pieces of at most `chunk` bytes; the
  // last call has `last` set (and may be empty). A failed Status from `feed` stops and is
  // returned unchanged.
  Status Inflate(const std::string& path, size_t chunk,
                 const std::function<Status(std::string_view piece, bool last)>& feed) {
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
    std::vector<char> buf(chunk);
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
      result = feed(std::string_view(buf.data(), static_cast<size_t>(n)), last);
      if (!result.ok() || last) {
        break;
      }
    }
    zip_fclose(f);
    return result;
  }

  // An entry inflated whole, in pages of its own, mapped all at once (MAP_POPULATE): filling
  // 200 MB page fault by page fault would cost more than the inflating.
  class WholeEntry {
   public:
    static std::optional<WholeEntry> Allocate(size_t capacity) {
      void* p = mmap(nullptr, capacity, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
      if (p == MAP_FAILED) {
        return std::nullopt;
      }
      return WholeEntry(static_cast<char*>(p), capacity);
    }
    WholeEntry(WholeEntry&& o) noexcept
        : data_(std::exchange(o.data_, nullptr)), capacity_(o.capacity_), size(o.size) {}
    WholeEntry& operator=(WholeEntry&&) = delete;
    ~WholeEntry() {
      if (data_ != nullptr) {
        munmap(data_, capacity_);
      }
    }
    char* data() const { return data_; }
    size_t capacity() const { return capacity_; }

   private:
    WholeEntry(char* data, size_t capacity) : data_(data), capacity_(capacity) {}
    char* data_;
    size_t capacity_;

   public:
    size_t size = 0;  ///< bytes inflated
  };
  // Big deflated entries (worksheets) are inflated whole with libdeflate, about 2.5 times
  // zlib's speed, and their CRC is checked here as libzip would. nullopt: not such an entry
  // (stored, encrypted, small or over kWholeInflateMaxBytes): read it with Inflate.
  Result<std::optional<WholeEntry>> InflateWhole(const std::string& path) {
    const zip_int64_t index = zip_name_locate(zip, path.c_str(), 0);
    zip_stat_t st;
    zip_stat_init(&st);
    constexpr zip_uint64_t kNeeded =
        ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_CRC | ZIP_STAT_COMP_METHOD;
    if (index < 0 || zip_stat_index(zip, index, 0, &st) != 0 || (st.valid & kNeeded) != kNeeded ||
        st.comp_method != ZIP_CM_DEFLATE ||
        ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) != 0 && st.encryption_method != ZIP_EM_NONE) ||
        st.size < kPipelineBytes || st.size > kWholeInflateMaxBytes ||
        st.size > limits.max_entry_bytes) {
      return std::optional<WholeEntry>();
    }
    zip_file_t* f = zip_fopen_index(zip, index, ZIP_FL_COMPRESSED);
    if (f == nullptr) {
      return Status::Invalid(fmt::format("Excel 文件已损坏：无法解压 {}", path));
    }
    std::unique_ptr<char[]> compressed(new char[st.comp_size]);
    const zip_int64_t read = zip_fread(f, compressed.get(), st.comp_size);
    zip_fclose(f);
    if (read < 0 || static_cast<zip_uint64_t>(read) != st.comp_size) {
      return Status::Invalid(fmt::format("Excel 文件已损坏：{} 解压失败", path));
    }
    std::optional<WholeEntry> out = WholeEntry::Allocate(st.size);
    if (!out) {
      return Status::Unavailable("内存不足，无法解压 Excel 文件");
    }
    std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)> inflater(
        libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
    if (inflater == nullptr) {
      return Status::Unavailable("内存不足，无法解压 Excel 文件");
    }
    const libdeflate_result rc = libdeflate_deflate_decompress(
        inflater.get(), compressed.get(), st.comp_size, out->data(), st.size, &out->size);
    if (rc == LIBDEFLATE_INSUFFICIENT_SPACE) {
      // The central directory's size was checked against the limits; an entry that inflates
      // beyond it lies about its size.
      return Status::Invalid(
          fmt::format("Excel 文件中的 {} 解压后超过其声明的大小，疑似压缩炸弹，已拒绝", path));
    }
    if (rc != LIBDEFLATE_SUCCESS || out->size != st.size ||
        libdeflate_crc32(0, out->data(), out->size) != st.crc) {
      return Status::Invalid(fmt::format("Excel 文件已损坏：{} 解压失败", path));
    }
    return out;
  }

  // Feeds the entry `path` to `parser`. `aborted` is the Status a handler stored before it
  // stopped the parser.
  Status Stream(const std::string& path, XML_Parser parser, const Status* aborted) {
    return Inflate(path, kChunk, [&](std::string_view piece, bool last) {
      return FeedExpat(parser, piece, last, path, aborted);
    });
  }

  static Status FeedExpat(XML_Parser parser, std::string_view piece, bool last,
                          const std::string& path, const Status* aborted) {
    if (XML_Parse(parser, piece.data(), static_cast<int>(piece.size()), last ? 1 : 0) ==
        XML_STATUS_OK) {
      return Status::Ok();
    }
    if (XML_GetErrorCode(parser) == XML_ERROR_ABORTED && aborted != nullptr && !aborted->ok()) {
      return *aborted;
    }
    return Status::Invalid(fmt::format("Excel 文件已损坏：{} 第 {} 行第 {} 列 XML 格式错误（{}）",
                                       path, XML_GetCurrentLineNumber(parser),
                                       XML_GetCurrentColumnNumber(parser),
                                       XML_ErrorString(XML_GetErrorCode(parser))));
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

// Whether `text` is UTF-8 that XML allows as character data: no malformed sequences, no
// surrogates, no control characters but tab, line feed and carriage return. Expat checks this
// of everything; the fast scanner checks it of the values it keeps.
bool IsXmlText(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* end = p + text.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        return false;
      }
      ++p;
      continue;
    }
    int extra = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p <= extra) {
      return false;
    }
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE ||
        cp == 0xFFFF) {
      return false;
    }
    p += extra + 1;
  }
  return true;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Appends `raw` with its entity references replaced: the five predefined entities and
// character references, the only ones a document without a DTD may use. False when a
// reference is undefined or malformed (expat refuses those too).
bool AppendDecoded(std::string_view raw, std::string* out) {
  for (;;) {
    const size_t amp = raw.find('&');
    out->append(raw.substr(0, amp));
    if (amp == std::string_view::npos) {
      return true;
    }
    const size_t semi = raw.find(';', amp);
    if (semi == std::string_view::npos || semi - amp > 12) {
      return false;
    }
    const std::string_view name = raw.substr(amp + 1, semi - amp - 1);
    if (name == "lt") {
      out->push_back('<');
    } else if (name == "gt") {
      out->push_back('>');
    } else if (name == "amp") {
      out->push_back('&');
    } else if (name == "quot") {
      out->push_back('"');
    } else if (name == "apos") {
      out->push_back('\'');
    } else if (name.size() >= 2 && name[0] == '#') {
      const bool hex = name[1] == 'x';
      const std::string_view digits = name.substr(hex ? 2 : 1);
      uint32_t cp = 0;
      auto [end, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
          cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF ||
          (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r')) {
        return false;
      }
      AppendUtf8(cp, out);
    } else {
      return false;
    }
    raw.remove_prefix(semi + 1);
  }
}

// Numbers as sheets hold most of them ("-123", "4567.25"): at most 15 digits and 22 decimals,
// no exponent. Then mantissa and power of ten are exact doubles and one division rounds
// correctly, which is what from_chars answers too. False: not of that shape (use from_chars).
bool ParseShortDecimal(const char* b, const char* e, double* out) {
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const bool negative = b < e && *b == '-';
  b += negative ? 1 : 0;
  uint64_t mantissa = 0;
  int digits = 0;
  int decimals = -1;  ///< digits after the point; -1 before it
  for (; b < e; ++b) {
    if (*b >= '0' && *b <= '9') {
      mantissa = mantissa * 10 + static_cast<uint64_t>(*b - '0');
      ++digits;
      decimals += decimals >= 0 ? 1 : 0;
    } else if (*b == '.' && decimals < 0) {
      decimals = 0;
    } else {
      return false;
    }
  }
  if (digits == 0 || digits > 15 || decimals > 22 || decimals == 0) {
    return false;  // decimals == 0: "12." is left to from_chars
  }
  double d = static_cast<double>(mantissa);
  if (decimals > 0) {
    d /= kPow10[decimals];
  }
  *out = negative ? -d : d;
  return true;
}

// The sheet's state machine, fed by either scanner with the local names of elements and
// their attributes: hot path, so state is flat.
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

  // Expat's callback: attributes as a null-terminated array of name, value.
  void Start(std::string_view name, const XML_Char** attrs) {
    Start(name, [attrs](std::string_view local) -> std::optional<std::string_view> {
      const char* v = Attr(attrs, local);
      return v == nullptr ? std::nullopt : std::optional<std::string_view>(v);
    });
  }

  /// `attr(local name)` → the attribute's decoded value, or nullopt when absent.
  template <typename GetAttr>
  void Start(std::string_view name, const GetAttr& attr) {
    if (name == "c") {
      StartCell(attr("r"), attr("t"), attr("s"));
    } else if (name == "row") {
      int64_t next = row + 1;
      if (auto r = attr("r")) {
        auto [end, ec] = std::from_chars(r->data(), r->data() + r->size(), next);
        if (ec != std::errc() || end != r->data() + r->size() || next < 1) {
          return Fail(Status::Invalid(fmt::format("工作表“{}”中的行号“{}”无效", sheet_name, *r)));
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

  // <c> with its attributes r (reference), t (type) and s (style), each nullopt when absent.
  void StartCell(std::optional<std::string_view> r, std::optional<std::string_view> t,
                 std::optional<std::string_view> s) {
    if (r) {
      int64_t rr;
      int cc;
      if (!ParseCellRef(*r, &rr, &cc)) {
        return Fail(
            Status::Invalid(fmt::format("工作表“{}”中的单元格引用“{}”无效", sheet_name, *r)));
      }
      row = rr;  // some producers number cells but not rows
      col = cc;
    } else {
      ++col;
    }
    if (!CheckPosition()) {
      return;
    }
    type = 'n';
    if (t) {
      type = *t == "inlineStr" ? 'i' : *t == "str" ? 't' : t->empty() ? 'n' : (*t)[0];
    }
    style = 0;
    if (s) {
      if (s->size() == 1 && (*s)[0] >= '0' && (*s)[0] <= '9') {
        style = (*s)[0] - '0';  // the common case, without from_chars
      } else {
        std::from_chars(s->data(), s->data() + s->size(), style);
      }
    }
    value.clear();
    in_cell = true;
  }

  // </c>
  void EndCell() {
    in_cell = false;
    FinishCell();
  }

  void End(std::string_view name) {
    if (name == "v" || name == "t") {
      collecting = false;
    } else if (name == "is") {
      in_inline = false;
    } else if (name == "rPh") {
      --in_rph;
    } else if (name == "c") {
      EndCell();
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
    if (type != 'n' && type != 's' && type != 'b' && !IsXmlText(value)) {
      return Fail(Status::Invalid(fmt::format("工作表“{}”单元格 {} 的文字不是有效的 UTF-8 文本",
                                              sheet_name, CellName(row, col))));
    }
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
        if (!ParseShortDecimal(b, e, &d)) {
          auto [end, ec] = std::from_chars(b, e, d);
          if (ec != std::errc() || end != e) {
            d = NAN;
          }
        }
        if (!std::isfinite(d)) {
          return Fail(
              Status::Invalid(fmt::format("工作表“{}”单元格 {} 的数值“{}”无效", sheet_name,
                                          CellName(row, col), IsXmlText(value) ? value : "?")));
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

// A scanner for worksheet XML that replaces expat on the hot path. Worksheets are large and
// flat, and expat's generality (attribute arrays, handler calls for every piece of text, name
// copies) cost most of the import's time. This scanner reads the XML that sheets are made of —
// elements with attributes, character data with entity and character references, CDATA,
// comments, processing instructions — checks that tags nest and that the document is complete,
// and refuses DTDs; the values it keeps are checked as XML text (UTF-8, no control characters).
// Documents in another encoding than UTF-8 go to expat (XlsxReader::ReadSheet decides).
class FastSheetScanner {
 public:
  explicit FastSheetScanner(SheetParser* sink) : sink_(sink) {}

  // Scans what `buffer` holds from its start; the complete tokens are consumed and erased, an
  // incomplete last one is left for the next call. `last`: no more bytes will come.
  Status Scan(std::string* buffer, bool last) {
    buffer->erase(0, ScanText(*buffer, last));
    return error_;
  }

  // Scans a whole document in one call, where it lies (no copy).
  Status ScanAll(std::string_view document) {
    ScanText(document, true);
    return error_;
  }

 private:
  // Scans `text` (what follows the bytes consumed so far) and answers how many bytes it
  // consumed; error_ says how it went.
  size_t ScanText(std::string_view text, bool last) {
    const char* const begin = text.data();
    const char* const end = begin + text.size();
    begin_ = begin;
    const char* p = begin;
    if (offset_ == 0 &&
        std::string_view(begin, static_cast<size_t>(end - begin)).substr(0, 3) == "\xEF\xBB\xBF") {
      p += 3;  // the UTF-8 byte order mark
    }
    // The hot loop: token functions answer where the next token starts, or nullptr when the
    // token is incomplete or wrong (then error_ says which). No Status is built per token.
    while (p < end) {
      if (top_is_row_ && end - p > 2 && p[0] == '<' && p[1] == 'c' && p[2] == ' ') {
        if (const char* after = WholeCell(p, end)) {
          p = after;
          if (!sink_->error.ok()) {
            break;
          }
          continue;
        }
      }
      const char* next = *p == '<' ? Markup(p, end) : CharacterData(p, end, last);
      if (next == nullptr) {
        if (error_.ok()) {  // incomplete
          if (last) {
            MalformedAt("文档不完整", p);
          } else if (end - p > static_cast<ptrdiff_t>(kMaxToken)) {
            MalformedAt("标记或文字过长", p);
          }
        }
        break;
      }
      p = next;
      if (!sink_->error.ok()) {
        break;
      }
    }
    if (error_.ok() && !sink_->error.ok()) {
      error_ = sink_->error;
    }
    if (error_.ok() && last && (!open_.empty() || !root_seen_)) {
      MalformedAt("文档不完整", p);
    }
    offset_ += static_cast<uint64_t>(p - begin);
    return static_cast<size_t>(p - begin);
  }

  static constexpr size_t kMaxToken = 4u << 20;
  static constexpr size_t kMaxDepth = 256;
  static constexpr size_t kMaxAttrs = 32;
  static constexpr size_t kMaxName = 1024;

  struct Attribute {
    std::string_view local;
    std::string_view raw;
  };

  // Stores the first error; answers nullptr so that token functions can `return Malformed…`.
  const char* MalformedAt(std::string_view what, const char* at) {
    if (error_.ok()) {
      error_ = Status::Invalid(
          fmt::format("Excel 文件已损坏：{} XML 格式错误（{}，第 {} 字节附近）", sink_->part, what,
                      offset_ + static_cast<uint64_t>(at - begin_)));
    }
    return nullptr;
  }

  static bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
  static bool IsNameChar(char c) {
    return !IsSpace(c) && c != '>' && c != '/' && c != '=' && c != '<' && c != '"' && c != '\'';
  }
  static std::string_view Local(std::string_view name) {
    const size_t colon = name.rfind(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
  }
  static const char* Find(const char* p, const char* end, char c) {
    return static_cast<const char*>(std::memchr(p, c, static_cast<size_t>(end - p)));
  }

  // XML's end-of-line handling, before references are decoded: CR LF and a lone CR read as LF.
  std::string_view LineEnds(std::string_view text) {
    if (text.find('\r') == std::string_view::npos) {
      return text;
    }
    line_ends_.clear();
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '\r') {
        line_ends_.push_back(text[i]);
      } else if (i + 1 == text.size() || text[i + 1] != '\n') {
        line_ends_.push_back('\n');
      }
    }
    return line_ends_;
  }

  static bool StartsWith(const char* p, const char* end, std::string_view prefix) {
    return static_cast<size_t>(end - p) >= prefix.size() &&
           std::memcmp(p, prefix.data(), prefix.size()) == 0;
  }
  static bool HasAny(std::string_view text, char a, char b) {
    for (char c : text) {
      if (c == a || c == b) {
        return true;
      }
    }
    return false;
  }

  // The shape nearly every cell of a big sheet has, read in one pass without the element
  // stack: <c> with only the attributes r, s and t (double quotes, no references), then
  // "/>", "></c>", "><v>text</v></c>" or "><is><t>text</t></is></c>" (text without
  // references or CR). The sink sees the same events as from the general path, so the
  // result cannot differ. nullptr: another shape, or not complete in the buffer: the general
  // path reads it (and finds any error). Called only when the open element is a row.
  const char* WholeCell(const char* p, const char* end) {
    // A row nested inside a cell's value (malformed, but well-formed XML) leaves the sink
    // collecting: that is the general path's to read.
    if (open_.size() + 3 > kMaxDepth || sink_->in_cell || sink_->collecting || sink_->in_inline) {
      return nullptr;
    }
    std::string_view ref, style, type;
    bool has_ref = false, has_style = false, has_type = false;
    const char* q = p + 2;
    for (;;) {
      while (q < end && *q == ' ') {
        ++q;
      }
      if (q == end) {
        return nullptr;
      }
      if (*q == '>' || *q == '/') {
        break;
      }
      if (q[-1] != ' ' || end - q < 3 || q[1] != '=' || q[2] != '"') {
        return nullptr;
      }
      const char* close = Find(q + 3, end, '"');
      if (close == nullptr) {
        return nullptr;
      }
      const std::string_view raw(q + 3, static_cast<size_t>(close - q - 3));
      if (HasAny(raw, '&', '<')) {
        return nullptr;
      }
      bool* seen = *q == 'r' ? &has_ref : *q == 's' ? &has_style : *q == 't' ? &has_type : nullptr;
      if (seen == nullptr || *seen) {
        return nullptr;
      }
      *seen = true;
      (*q == 'r' ? ref : *q == 's' ? style : type) = raw;
      q = close + 1;
    }
    std::string_view text;
    bool has_text = false;
    if (*q == '/') {
      if (!StartsWith(q, end, "/>")) {
        return nullptr;
      }
      q += 2;
    } else if (StartsWith(q, end, "></c>")) {
      q += 5;
    } else {
      std::string_view close;
      if (StartsWith(q, end, "><v>")) {
        q += 4;
        close = "</v></c>";
      } else if (StartsWith(q, end, "><is><t>")) {
        q += 8;
        close = "</t></is></c>";
      } else if (StartsWith(q, end, "><is><t xml:space=\"preserve\">")) {
        q += 29;
        close = "</t></is></c>";
      } else {
        return nullptr;
      }
      const char* lt = Find(q, end, '<');
      if (lt == nullptr || !StartsWith(lt, end, close)) {
        return nullptr;
      }
      text = std::string_view(q, static_cast<size_t>(lt - q));
      if (HasAny(text, '&', '\r')) {
        return nullptr;
      }
      has_text = true;
      q = lt + close.size();
    }
    auto present = [](bool has, std::string_view v) {
      return has ? std::optional(v) : std::nullopt;
    };
    sink_->StartCell(present(has_ref, ref), present(has_type, type), present(has_style, style));
    if (!sink_->error.ok()) {
      return q;
    }
    if (has_text && sink_->in_rph == 0) {
      sink_->value.append(text);
    }
    sink_->EndCell();
    return q;
  }

  // Text up to the next '<' (the whole of it must be here: references never straddle pieces).
  const char* CharacterData(const char* p, const char* end, bool last) {
    const char* lt = Find(p, end, '<');
    if (lt == nullptr && !last) {
      return nullptr;
    }
    const char* stop = lt == nullptr ? end : lt;
    const std::string_view text(p, static_cast<size_t>(stop - p));
    if (open_.empty()) {
      for (char c : text) {
        if (!IsSpace(c)) {
          return MalformedAt("根元素之外有文字", p);
        }
      }
    } else if (sink_->collecting && !AppendDecoded(LineEnds(text), &sink_->value)) {
      return MalformedAt("未定义或无效的实体引用", p);
    }
    return stop;
  }

  const char* Markup(const char* p, const char* end) {
    if (end - p < 2) {
      return nullptr;
    }
    if (p[1] == '/') {
      return EndTag(p, end);
    }
    if (p[1] == '?') {
      return Skip(p, end, "?>");
    }
    if (p[1] != '!') {
      return StartTag(p, end);
    }
    if (end - p < 9) {
      return nullptr;  // "<![CDATA[" and "<!DOCTYPE" are 9 bytes
    }
    const std::string_view head(p, 9);
    if (head.substr(0, 4) == "<!--") {
      return Skip(p, end, "-->");
    }
    if (head == "<![CDATA[") {
      const std::string_view rest(p + 9, static_cast<size_t>(end - p - 9));
      const size_t close = rest.find("]]>");
      if (close == std::string_view::npos) {
        return nullptr;
      }
      if (open_.empty()) {
        return MalformedAt("根元素之外有 CDATA", p);
      }
      if (sink_->collecting) {
        sink_->value.append(LineEnds(rest.substr(0, close)));
      }
      return p + 9 + close + 3;
    }
    if (head == "<!DOCTYPE") {
      error_ = Status::Invalid(fmt::format(
          "Excel 文件中的 {} 含有 DTD 声明，不予接受（可能是实体扩展攻击）", sink_->part));
      return nullptr;
    }
    return MalformedAt("无法识别的“<!”标记", p);
  }

  static const char* Skip(const char* p, const char* end, std::string_view close) {
    const std::string_view rest(p + 2, static_cast<size_t>(end - p - 2));
    const size_t at = rest.find(close);
    return at == std::string_view::npos ? nullptr : p + 2 + at + close.size();
  }

  const char* EndTag(const char* p, const char* end) {
    const char* gt = Find(p, end, '>');
    if (gt == nullptr) {
      return nullptr;
    }
    const char* name_end = p + 2;
    while (name_end < gt && IsNameChar(*name_end)) {
      ++name_end;
    }
    for (const char* q = name_end; q < gt; ++q) {
      if (!IsSpace(*q)) {
        return MalformedAt("结束标记格式错误", p);
      }
    }
    const std::string_view name(p + 2, static_cast<size_t>(name_end - p - 2));
    if (open_.empty() || std::string_view(names_).substr(open_.back()) != name) {
      return MalformedAt(fmt::format("结束标记“{}”与开始标记不匹配", name), p);
    }
    names_.resize(open_.back());
    open_.pop_back();
    top_is_row_ = !open_.empty() && std::string_view(names_).substr(open_.back()) == "row";
    sink_->End(Local(name));
    return gt + 1;
  }

  const char* StartTag(const char* p, const char* end) {
    const char* q = p + 1;
    while (q < end && IsNameChar(*q)) {
      ++q;
    }
    if (q == end) {
      return nullptr;
    }
    const std::string_view name(p + 1, static_cast<size_t>(q - p - 1));
    if (name.empty()) {
      return MalformedAt("标记缺少名称", p);
    }
    if (name.size() > kMaxName) {  // names of open elements are kept: bound their memory
      return MalformedAt("元素名称过长", p);
    }
    size_t n_attrs = 0;
    bool empty_element = false;
    for (;;) {
      const char* before_space = q;
      while (q < end && IsSpace(*q)) {
        ++q;
      }
      if (q == end) {
        return nullptr;
      }
      if (*q == '>') {
        ++q;
        break;
      }
      if (*q == '/') {
        if (q + 1 == end) {
          return nullptr;
        }
        if (q[1] != '>') {
          return MalformedAt("标记格式错误", p);
        }
        q += 2;
        empty_element = true;
        break;
      }
      if (q == before_space) {
        return MalformedAt("属性之间缺少空白", p);
      }
      const char* attr_name = q;
      while (q < end && IsNameChar(*q)) {
        ++q;
      }
      const std::string_view aname(attr_name, static_cast<size_t>(q - attr_name));
      while (q < end && IsSpace(*q)) {
        ++q;
      }
      if (q == end) {
        return nullptr;
      }
      if (aname.empty() || *q != '=') {
        return MalformedAt("属性格式错误", p);
      }
      ++q;
      while (q < end && IsSpace(*q)) {
        ++q;
      }
      if (q == end) {
        return nullptr;
      }
      const char quote = *q;
      if (quote != '"' && quote != '\'') {
        return MalformedAt("属性值缺少引号", p);
      }
      const char* close = Find(q + 1, end, quote);
      if (close == nullptr) {
        return nullptr;
      }
      const std::string_view raw(q + 1, static_cast<size_t>(close - q - 1));
      if (raw.find('<') != std::string_view::npos) {
        return MalformedAt("属性值中不能有“<”", p);
      }
      if (n_attrs == kMaxAttrs) {
        return MalformedAt("属性过多", p);
      }
      attrs_[n_attrs++] = {Local(aname), raw};
      q = close + 1;
    }
    if (open_.empty()) {
      if (root_seen_) {
        return MalformedAt("根元素之后又有元素", p);
      }
      root_seen_ = true;
    }
    if (open_.size() == kMaxDepth) {
      return MalformedAt("元素嵌套过深", p);
    }
    bool bad = false;
    auto attr = [&](std::string_view local) -> std::optional<std::string_view> {
      for (size_t i = 0; i < n_attrs; ++i) {
        if (attrs_[i].local == local) {
          if (attrs_[i].raw.find('&') == std::string_view::npos) {
            return attrs_[i].raw;
          }
          decoded_.clear();
          if (!AppendDecoded(attrs_[i].raw, &decoded_) || !IsXmlText(decoded_)) {
            bad = true;
            return std::nullopt;
          }
          return std::string_view(decoded_);
        }
      }
      return std::nullopt;
    };
    const std::string_view local = Local(name);
    sink_->Start(local, attr);
    if (bad) {
      return MalformedAt("属性值中有无效的实体引用", p);
    }
    if (empty_element) {
      sink_->End(local);
    } else {
      open_.push_back(names_.size());
      names_.append(name);
      top_is_row_ = name == "row";
    }
    return q;
  }

  SheetParser* sink_;
  Status error_;
  uint64_t offset_ = 0;          ///< bytes of the part consumed before the buffer's start
  const char* begin_ = nullptr;  ///< the buffer's start during Scan
  bool root_seen_ = false;
  bool top_is_row_ = false;   ///< the innermost open element is <row> (unprefixed)
  std::string names_;         ///< names of the open elements, one after the other
  std::vector<size_t> open_;  ///< where each open element's name starts in names_
  std::array<Attribute, kMaxAttrs> attrs_;
  std::string decoded_;
  std::string line_ends_;
};

// Whether a part's first bytes say it is UTF-8 (the only encoding the fast scanner reads):
// no UTF-16 byte order mark or layout, and an XML declaration naming UTF-8 or no encoding.
bool DeclaresUtf8(std::string_view head) {
  if (head.size() >= 2 &&
      (static_cast<unsigned char>(head[0]) == 0xFE || static_cast<unsigned char>(head[0]) == 0xFF ||
       head[0] == '\0' || head[1] == '\0')) {
    return false;
  }
  if (head.substr(0, 3) == "\xEF\xBB\xBF") {
    head.remove_prefix(3);
  }
  if (head.substr(0, 5) != "<?xml") {
    return true;
  }
  const size_t close = head.find("?>");
  const std::string_view decl = head.substr(0, close);
  const size_t enc = decl.find("encoding");
  if (enc == std::string_view::npos) {
    return true;
  }
  std::string name;
  for (size_t i = decl.find_first_of("\"'", enc) + 1; i > 0 && i < decl.size(); ++i) {
    if (decl[i] == '"' || decl[i] == '\'') {
      break;
    }
    name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(decl[i]))));
  }
  return name == "utf-8" || name == "utf8";
}

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

namespace {

// Reads a sheet on the calling thread, row callbacks included.
Status ScanSheet(XlsxReader::Impl& impl, const XlsxReader::Sheet& sheet,
                 const XlsxReader::RowCallback& on_row) {
  SheetParser p(sheet.path, &on_row, &impl.shared, &impl.date_styles, impl.date1904, impl.limits,
                sheet.name);
  if (impl.limits.expat_sheets) {
    return Run(impl, sheet.path, p);
  }
  FastSheetScanner scanner(&p);
  HUOJU_ASSIGN_OR_RETURN(auto whole, impl.InflateWhole(sheet.path));
  if (whole) {
    const std::string_view document(whole->data(), whole->size);
    if (!DeclaresUtf8(document)) {
      Bind(&p);
      Status st = XlsxReader::Impl::FeedExpat(p.parser, document, true, sheet.path, &p.error);
      return st.ok() && !p.error.ok() ? p.error : st;
    }
    Status st = scanner.ScanAll(document);
    return st.ok() && !p.error.ok() ? p.error : st;
  }
  std::string buffer;
  enum { kUndecided, kFast, kExpat } how = kUndecided;
  Status st = impl.Inflate(sheet.path, kSheetChunk, [&](std::string_view piece, bool last) {
    if (how == kUndecided) {
      how = DeclaresUtf8(piece) ? kFast : kExpat;
      if (how == kExpat) {
        Bind(&p);
      }
    }
    if (how == kExpat) {
      return XlsxReader::Impl::FeedExpat(p.parser, piece, last, sheet.path, &p.error);
    }
    buffer.append(piece);
    return scanner.Scan(&buffer, last);
  });
  if (st.ok() && !p.error.ok()) {
    st = p.error;
  }
  return st;
}

// Rows passed from a scanning thread to the thread that reads the sheet, in batches: the
// scan (inflate, XML, numbers) and what the caller does with the rows run on two cores. A row's
// cells travel as a whole vector (swapped, never copied cell by cell); the consumer hands the
// emptied vectors back, so that the scanner fills vectors that already have their capacity.
class RowPipe {
 public:
  struct Batch {
    std::vector<int64_t> rows;
    std::vector<std::vector<XlsxCell>> cells;  ///< per row
  };

  // Producer: takes the row's cells (leaving `cells` empty, with capacity) into the batch
  // being filled; false once the consumer has stopped.
  bool Add(int64_t row, std::vector<XlsxCell>& cells) {
    std::vector<XlsxCell> spare;
    if (!spares_.empty()) {
      spare = std::move(spares_.back());
      spares_.pop_back();
    }
    spare.swap(cells);
    filling_.rows.push_back(row);
    filling_.cells.push_back(std::move(spare));
    return filling_.rows.size() < kBatchRows || Flush();
  }
  // Producer: hands the batch over, waiting while the consumer is kMaxBatches behind.
  bool Flush() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return stopped_ || queue_.size() < kMaxBatches; });
    if (stopped_) {
      return false;
    }
    for (auto& v : returned_) {
      spares_.push_back(std::move(v));
    }
    returned_.clear();
    if (!filling_.rows.empty()) {
      queue_.push_back(std::move(filling_));
      filling_ = Batch{};
      cv_.notify_all();
    }
    return true;
  }
  // Producer: no more rows; `status` is how the scan ended.
  void Finish(Status status) {
    Flush();
    std::lock_guard lock(mu_);
    finished_ = true;
    status_ = std::move(status);
    cv_.notify_all();
  }
  // Consumer: the next batch, or nullopt when the scan has ended (then status() says how).
  // `done`: the batch before, whose vectors go back to the producer.
  std::optional<Batch> Next(std::optional<Batch>* done) {
    if (done->has_value()) {
      for (auto& v : (*done)->cells) {
        v.clear();  // outside the lock
      }
    }
    std::unique_lock lock(mu_);
    if (done->has_value() && returned_.size() < kMaxSpares) {
      for (auto& v : (*done)->cells) {
        returned_.push_back(std::move(v));
      }
    }
    done->reset();
    cv_.wait(lock, [&] { return finished_ || !queue_.empty(); });
    if (queue_.empty()) {
      return std::nullopt;
    }
    Batch b = std::move(queue_.front());
    queue_.pop_front();
    cv_.notify_all();
    return b;
  }
  // Consumer: stop the producer (it finishes at its next batch).
  void Stop() {
    std::lock_guard lock(mu_);
    stopped_ = true;
    cv_.notify_all();
  }
  Status status() {
    std::lock_guard lock(mu_);
    return status_;
  }

 private:
  static constexpr size_t kBatchRows = 256;
  static constexpr size_t kMaxBatches = 8;
  static constexpr size_t kMaxSpares = 4 * kBatchRows;
  Batch filling_;                              ///< the producer's own
  std::vector<std::vector<XlsxCell>> spares_;  ///< the producer's own
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> queue_;
  std::vector<std::vector<XlsxCell>> returned_;  ///< emptied by the consumer
  bool stopped_ = false;
  bool finished_ = false;
  Status status_;
};

}  // namespace

Status XlsxReader::ReadSheet(const Sheet& sheet, const RowCallback& on_row) {
  // Small sheets are read on this thread; a thread of its own pays off only for big ones.
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat(impl_->zip, sheet.path.c_str(), 0, &st) != 0 || (st.valid & ZIP_STAT_SIZE) == 0 ||
      st.size < kPipelineBytes) {
    return ScanSheet(*impl_, sheet, on_row);
  }
  RowPipe pipe;
  std::thread scanner([&] {
    Status scanned = ScanSheet(*impl_, sheet, [&](int64_t row, const std::vector<XlsxCell>& cells) {
      // SheetParser clears its row after this call: the cells may be taken.
      auto& own = const_cast<std::vector<XlsxCell>&>(
          cells);  // NOLINT(cppcoreguidelines-pro-type-const-cast)
      return pipe.Add(row, own) ? Status::Ok() : Status::Unavailable("读取已停止");
    });
    pipe.Finish(std::move(scanned));
  });
  // Joins on every way out, exceptions from the callback included.
  struct Joiner {
    RowPipe& pipe;
    std::thread& thread;
    ~Joiner() {
      pipe.Stop();
      thread.join();
    }
  } joiner{pipe, scanner};
  std::optional<RowPipe::Batch> done;
  while ((done = pipe.Next(&done))) {
    for (size_t i = 0; i < done->rows.size(); ++i) {
      Status result = on_row(done->rows[i], done->cells[i]);
      if (!result.ok()) {
        return result;
      }
    }
  }
  return pipe.status();
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
