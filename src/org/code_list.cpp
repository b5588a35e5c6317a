#include "huoju/org/code_list.hpp"

#include <stdexcept>

namespace huoju::embedded {
std::string_view regions_csv();
std::string_view industries_csv();
std::string_view high_tech_fields_csv();
}  // namespace huoju::embedded

namespace huoju::org {
namespace {

const CodeList& Embedded(std::string_view csv) {
  // Embedded data is checked by tests; a failure here is a build defect.
  auto parsed = CodeList::FromCsv(csv);
  if (!parsed.ok()) {
    throw std::runtime_error(parsed.status().ToString());
  }
  return *new CodeList(std::move(parsed).value());  // lives for the process
}

}  // namespace

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
