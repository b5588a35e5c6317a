#include "huoju/core/code_list.hpp"

#include <fmt/format.h>

namespace huoju {
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

}  // namespace

Result<CodeList> CodeList::FromCsv(std::string_view csv) {
  std::vector<Code> codes;
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
    codes.push_back(Code{fields[0], fields[1], fields[2], fields[3]});
  }
  return FromCodes(std::move(codes));
}

Result<CodeList> CodeList::FromCodes(std::vector<Code> codes) {
  CodeList list;
  list.codes_ = std::move(codes);
  for (size_t i = 0; i < list.codes_.size(); ++i) {
    if (!list.index_.emplace(list.codes_[i].code, i).second) {
      return Status::Invalid(fmt::format("代码表：代码 {} 重复", list.codes_[i].code));
    }
  }
  for (const Code& c : list.codes_) {
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

}  // namespace huoju
