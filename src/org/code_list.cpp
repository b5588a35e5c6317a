#include "huoju/org/code_list.hpp"

#include <fmt/format.h>

namespace huoju::embedded {
std::string_view regions_csv();
std::string_view industries_csv();
std::string_view high_tech_fields_csv();
}  // namespace huoju::embedded

namespace huoju::org {
namespace {

std::vector<std::string> SplitCsvLine(std::string_view line) {
  // The reference files have no quoted fields; a quote would be a data error caught by the
  // field-count check.
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = line.find(',', start);
    out.emplace_back(
        line.substr(start, comma == std::string_view::npos ? line.npos : comma - start));
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

const CodeList& Embedded(std::string_view csv) {
  // Embedded data is checked by tests; a failure here is a build defect.
  auto parsed = CodeList::FromCsv(csv);
  if (!parsed.ok()) {
    throw std::runtime_error(parsed.status().ToString());
  }
  return *new CodeList(std::move(parsed).value());  // lives for the process
}

}  // namespace

Result<CodeList> CodeList::FromCsv(std::string_view csv) {
  CodeList list;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < csv.size()) {
    size_t end = csv.find('\n', pos);
    std::string_view line = csv.substr(pos, end == std::string_view::npos ? csv.npos : end - pos);
    pos = end == std::string_view::npos ? csv.size() : end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line_no == 1 || line.empty()) {
      continue;
    }
    auto fields = SplitCsvLine(line);
    if (fields.size() != 4 || fields[0].empty() || fields[1].empty()) {
      return Status::Invalid(
          fmt::format("代码表第{}行格式错误：应为 code,name,level,parent", line_no));
    }
    if (list.index_.count(fields[0]) != 0) {
      return Status::Invalid(fmt::format("代码表第{}行：代码 {} 重复", line_no, fields[0]));
    }
    list.index_.emplace(fields[0], list.codes_.size());
    list.codes_.push_back(Code{fields[0], fields[1], fields[2], fields[3]});
  }
  for (size_t i = 0; i < list.codes_.size(); ++i) {
    const Code& c = list.codes_[i];
    if (!c.parent.empty() && list.index_.count(c.parent) == 0) {
      return Status::Invalid(fmt::format("代码表：代码 {} 的上级 {} 不存在", c.code, c.parent));
    }
  }
  return list;
}

const Code* CodeList::Find(std::string_view code) const {
  auto it = index_.find(std::string(code));
  return it == index_.end() ? nullptr : &codes_[it->second];
}

std::vector<const Code*> CodeList::Children(std::string_view parent) const {
  std::vector<const Code*> out;
  for (const Code& c : codes_) {
    if (c.parent == parent) {
      out.push_back(&c);
    }
  }
  return out;
}

std::vector<const Code*> CodeList::OfLevel(std::string_view level) const {
  std::vector<const Code*> out;
  for (const Code& c : codes_) {
    if (c.level == level) {
      out.push_back(&c);
    }
  }
  return out;
}

const CodeList& Regions() {
  static const CodeList& list = Embedded(embedded::regions_csv());
  return list;
}

const CodeList& Industries() {
  static const CodeList& list = Embedded(embedded::industries_csv());
  return list;
}

const CodeList& HighTechFields() {
  static const CodeList& list = Embedded(embedded::high_tech_fields_csv());
  return list;
}

}  // namespace huoju::org
